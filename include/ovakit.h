/*
 * ovakit.h: the public API of libovakit.
 *
 * ovakit converts virtual disks (VMDK in every common subformat, qcow2, raw,
 * and disks inside an OVA) and imports appliances into libvirt.  The command
 * line tools in src/cli are thin shells over this header.
 *
 * Conventions
 *   - Every exported symbol starts with ovk_ (a test checks this with nm).
 *   - Functions return 0 on success and -1 on failure, with *err filled
 *     (errno-style code plus a one-line message with context).  `err` may be
 *     NULL.  The library never prints, never exits, and reads no environment.
 *   - Objects are opaque handles with alloc/free pairs; every _free accepts
 *     NULL.
 *   - Thread safety: distinct handles may be used from distinct threads; one
 *     handle is not to be shared.  ovk_convert() starts and joins its own
 *     worker threads.
 */
#ifndef OVAKIT_H
#define OVAKIT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OVK_BUILDING_LIBRARY)
#define OVK_API __attribute__((visibility("default")))
#else
#define OVK_API
#endif

#define OVK_VERSION_STRING "0.1.0"

struct ovk_error {
	int errnum;          /* errno value, or 0 */
	char msg[1024];      /* one line, outer context first */
};

OVK_API const char *ovk_version(void);

/* Flags for opening inputs. */
#define OVK_OPEN_UNSAFE_PATHS 0x1u   /* allow absolute / ".." extent and backing paths */
#define OVK_OPEN_STREAM       0x2u   /* read the input as a forward-only stream (no mmap) */

/* ------------------------------------------------------------------ info */

struct ovk_info;

/* Describe an input: format, virtual size, allocated size and the format's
 * own facts (VMDK create type, extents, CID; qcow2 cluster size, ...). */
OVK_API int ovk_info_open(const char *path, const char *format, unsigned flags,
			  struct ovk_info **out, struct ovk_error *err);
/* Render as text (json == 0) or JSON.  *out is malloc'ed; free() it. */
OVK_API int ovk_info_render(const struct ovk_info *info, int json, char **out,
			    struct ovk_error *err);
OVK_API void ovk_info_free(struct ovk_info *info);

/* ------------------------------------------------------------- convert */

enum ovk_hash_alg {
	OVK_HASH_NONE = 0,
	OVK_HASH_MD5,
	OVK_HASH_SHA1,
	OVK_HASH_SHA256,
	OVK_HASH_SHA512,
};
#define OVK_HASH_MAX_DIGEST 64

/* Time spent per stage, summed over threads, for ova-bench. */
struct ovk_convert_stats {
	uint64_t bytes_in;        /* input bytes (as stored) */
	uint64_t bytes_out;       /* guest bytes handed to the sink */
	uint64_t data_bytes;      /* guest bytes that were DATA */
	double read_seconds;      /* metadata walk and copying in */
	double decode_seconds;    /* inflating grains / clusters */
	double encode_seconds;    /* zero detection and compression */
	double hash_seconds;      /* the hashing thread */
	double write_seconds;     /* the sink */
	double wall_seconds;
	unsigned threads;
};

struct ovk_convert_opts {
	const char *in_format;    /* NULL: probe by content */
	const char *out_format;   /* NULL: "raw" */
	const char *options;      /* qemu-style -o string, or NULL */
	int compress;             /* -c */
	unsigned threads;         /* 0: online CPUs */
	int force;                /* overwrite an existing output */
	int no_sync;              /* skip fsync before the rename */
	unsigned open_flags;      /* OVK_OPEN_* */
	int discard_output;       /* benchmark: run the pipeline, write nothing */
	/* Progress: called from the writer thread, at most a few times per
	 * second, with bytes done and total (guest bytes). */
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	/* Set to non-zero (e.g. by a signal handler) to cancel; the conversion
	 * then fails with errnum ECANCELED and leaves no output. */
	volatile sig_atomic_t *cancel;
	/* Hash the input bytes as stored, in the same pass, on a separate
	 * thread: hash_algs lists up to 4 algorithms, ended by OVK_HASH_NONE.
	 * Digests land in hash_out[i] (OVK_HASH_MAX_DIGEST bytes each). */
	const enum ovk_hash_alg *hash_algs;
	uint8_t (*hash_out)[OVK_HASH_MAX_DIGEST];
	/* Called with the digests after the last byte is converted and before
	 * the output is committed; returning -1 (with err set) aborts the
	 * conversion and leaves no output.  May be NULL. */
	int (*hash_check)(void *opaque, const uint8_t (*digests)[OVK_HASH_MAX_DIGEST],
			  struct ovk_error *err);
	void *hash_check_opaque;
	struct ovk_convert_stats *stats;   /* filled when not NULL */
};

/* Convert INPUT to OUTPUT.  The output is written to a temporary name in the
 * target directory and renamed on success; on any failure nothing is left.
 * A block-device output is written in place. */
OVK_API int ovk_convert(const char *input, const char *output,
			const struct ovk_convert_opts *opts, struct ovk_error *err);

/* Create an empty qcow2 OUTPUT whose backing file is BACKING (any readable
 * format; backing_format NULL probes).  BACKING is recorded as given; a
 * relative one is resolved from OUTPUT's directory. */
OVK_API int ovk_create_overlay(const char *backing, const char *backing_format,
			       const char *output, const struct ovk_convert_opts *opts,
			       struct ovk_error *err);

/* Names of the formats that can be read / written, NULL-terminated. */
OVK_API const char *const *ovk_input_formats(void);
OVK_API const char *const *ovk_output_formats(void);

/* Hash names as in manifests ("SHA256"), and back. */
OVK_API const char *ovk_hash_name(enum ovk_hash_alg alg);
OVK_API enum ovk_hash_alg ovk_hash_from_name(const char *name);
OVK_API size_t ovk_hash_size(enum ovk_hash_alg alg);

#ifdef __cplusplus
}
#endif

#endif
