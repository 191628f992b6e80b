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
/* A top-level field by name: the string (NULL when absent or not a string),
 * or 0 with *out set for a number (-1 when absent or not a number). */
OVK_API const char *ovk_info_get_str(const struct ovk_info *info, const char *key);
OVK_API int ovk_info_get_u64(const struct ovk_info *info, const char *key, uint64_t *out);

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
	double stall_seconds;     /* the walk waiting for a free buffer (back pressure) */
	double decode_seconds;    /* inflating grains / clusters */
	double encode_seconds;    /* zero detection and compression */
	double hash_seconds;      /* the hashing thread */
	double write_seconds;     /* the sink */
	double sync_seconds;      /* the sink's finish: metadata and fsync */
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
	/* An input read as a forward-only stream (a disk in a compressed OVA)
	 * whose format needs random access is first copied to an unnamed temp
	 * file in this directory.  NULL: the output's directory (/var/tmp
	 * when there is no output file). */
	const char *spill_dir;
	/* Things worth telling the user that are not errors (such a copy);
	 * may be NULL. */
	void (*note)(void *opaque, const char *msg);
	void *note_opaque;
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

/* Check an output format name, its -o options and -c without converting
 * anything: -1 with err naming what is wrong (an unknown format, key or
 * value, compression it lacks), for front ends that report usage errors
 * before any work. */
OVK_API int ovk_check_output(const char *format, const char *options, int compress,
			     struct ovk_error *err);

/* Names of the formats that can be read / written, NULL-terminated. */
OVK_API const char *const *ovk_input_formats(void);
OVK_API const char *const *ovk_output_formats(void);

/* Hash names as in manifests ("SHA256"), and back. */
OVK_API const char *ovk_hash_name(enum ovk_hash_alg alg);
OVK_API enum ovk_hash_alg ovk_hash_from_name(const char *name);
OVK_API size_t ovk_hash_size(enum ovk_hash_alg alg);

/* ----------------------------------------------------------- appliances
 * An OVA (tar, possibly gzip/xz-compressed), an .ovf with its files beside
 * it, or a directory holding one .ovf.  The manifest and signature are
 * checked, and each disk's digest is taken in the pass that converts it.
 */

struct ovk_appliance_opts {
	int no_verify;             /* skip the manifest and signature checks */
	int require_signature;     /* a missing or bad signature is an error */
	unsigned disk;             /* 0: every disk; N: only the Nth (1-based) */
	/* What was verified and what was not (warning != 0 for the latter). */
	void (*note)(void *opaque, int warning, const char *msg);
	void *note_opaque;
};

/* 1 when PATH is an appliance (by content, or a directory), else 0. */
OVK_API int ovk_is_appliance(const char *path);

/* Convert every disk (or the one chosen) to OUTDIR/<vm>-<disk>.<format>.
 * OUTDIR must exist; existing files are refused unless copts->force.  On
 * failure no output of this call is left. */
OVK_API int ovk_appliance_convert(const char *input, const char *outdir,
				  const struct ovk_convert_opts *copts,
				  const struct ovk_appliance_opts *aopts, struct ovk_error *err);

/* Describe an appliance per VM (for --info); render with ovk_info_render. */
OVK_API int ovk_appliance_info(const char *input, unsigned open_flags,
			       const struct ovk_appliance_opts *aopts, struct ovk_info **out,
			       struct ovk_error *err);

/* ------------------------------------------------------ appliance import
 * ova-import: an OVA (or .ovf, or a directory with one) becomes one libvirt
 * domain per VirtualSystem, with its disks converted into a storage pool
 * (uploaded through libvirt streams, so remote URIs work) or a directory.
 * No half-done imports: on failure everything created is removed.
 */

enum ovk_import_bus {
	OVK_IMPORT_BUS_AUTO = 0,  /* the OVF's controllers, moved where needed */
	OVK_IMPORT_BUS_KEEP,      /* the OVF's controllers, even where EFI cannot boot */
	OVK_IMPORT_BUS_VIRTIO,    /* virtio disks and NICs */
};

enum ovk_import_firmware {
	OVK_IMPORT_FW_AUTO = 0,   /* as the OVF says */
	OVK_IMPORT_FW_BIOS,
	OVK_IMPORT_FW_EFI,
};

struct ovk_import_opts {
	/* libvirt URI; NULL: libvirt's own default, which is where
	 * LIBVIRT_DEFAULT_URI is honoured (by libvirt, not by us). */
	const char *uri;
	const char *name;          /* domain name (one VM only); NULL: the OVF's */
	const char *pool;          /* NULL with dir NULL: the pool "default" */
	const char *dir;           /* write files here instead of a pool */
	const char *format;        /* "qcow2" or "raw"; NULL: by pool type */
	/* Networks: bridge wins; else each "SRC=DST" of networks maps one OVF
	 * network, and a plain "NET" maps all others; default "default". */
	const char *const *networks;  /* NULL-terminated, or NULL */
	const char *bridge;
	enum ovk_import_bus bus;
	enum ovk_import_firmware firmware;
	const char *serial_log;    /* log the first serial port to this path on the host */
	/* Domain type ("kvm", "qemu"); NULL: kvm when the host offers it,
	 * else qemu.  "qemu" (TCG) serves hosts whose KVM cannot run the
	 * guest's firmware. */
	const char *virt_type;
	/* Where a disk of a compressed OVA that cannot be read as a stream is
	 * copied first (with `dir`: that directory instead); NULL: /var/tmp.
	 * Pool imports stage nothing else: qcow2 and raw volumes stream. */
	const char *tmp_dir;
	int start;
	int print_xml;             /* build the XML only: nothing is written */
	int replace;               /* replace a same-named domain, volumes and files */
	int no_verify;             /* skip the manifest */
	int require_signature;
	unsigned threads;          /* conversion threads, 0: online CPUs */
	unsigned open_flags;       /* OVK_OPEN_* */
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	volatile sig_atomic_t *cancel;
};

/* What an import did or would do: per domain its XML, decisions and
 * warnings.  Filled as far as the import got, also on failure. */
struct ovk_import_result;

/* The import fails with errnum EDESTADDRREQ when neither pool nor dir was
 * given and the host has no "default" pool: the CLI makes that a usage
 * error (exit 2). */
OVK_API struct ovk_import_result *ovk_import_result_new(void);
OVK_API void ovk_import_result_free(struct ovk_import_result *res);
/* Check the --network arguments of opts (NET once, or SRC=DST pairs)
 * without doing anything: -1 with err naming the bad one, for front ends
 * that report usage errors before any work. */
OVK_API int ovk_import_check_networks(const struct ovk_import_opts *opts, struct ovk_error *err);

OVK_API int ovk_import(const char *input, const struct ovk_import_opts *opts,
		       struct ovk_import_result *res, struct ovk_error *err);
/* Domains in the result, and the XML of domain i (NULL when not built). */
OVK_API size_t ovk_import_result_count(const struct ovk_import_result *res);
OVK_API const char *ovk_import_result_xml(const struct ovk_import_result *res, size_t i);
/* The summary of every decision and warning, as text or JSON; malloc'ed. */
OVK_API int ovk_import_result_render(const struct ovk_import_result *res, int json, char **out,
				     struct ovk_error *err);

#ifdef __cplusplus
}
#endif

#endif
