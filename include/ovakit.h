/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
 *     (errno-style code plus a one-line message with context).  `err` is an
 *     opaque handle from ovk_error_new() and may be NULL.  The library never
 *     prints, never exits, and reads no environment.
 *   - Objects are opaque handles with alloc/free pairs; every _free accepts
 *     NULL.
 *   - Option and result structs start with `struct_size`, which the caller
 *     sets to sizeof the struct it was compiled with (the _INIT macros do):
 *     fields added later keep old callers working, as libdeflate's
 *     sizeof_options does.  A size the library does not know is EINVAL.
 *   - Thread safety: distinct handles may be used from distinct threads; one
 *     handle is not to be shared.  ovk_convert() starts and joins its own
 *     worker threads.
 *   - Process-wide effects happen only in ovk_init(); see there.
 */
#ifndef OVAKIT_H
#define OVAKIT_H

#include <errno.h>
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

#define OVK_VERSION_STRING "0.2.0"

OVK_API const char *ovk_version(void);
/* The optional features this build has ("+") and lacks ("-"), space
 * separated: "+libvirt +zstd".  A call that needs a missing one fails
 * with ENOTSUP. */
OVK_API const char *ovk_features(void);

/* "s" for a count that is not 1, else "" ("%u disk%s", n, ovk_plural(n)):
 * the one pluralisation rule of every message, the library's and the
 * tools'. */
OVK_API const char *ovk_plural(unsigned long long n);

/* ---------------------------------------------------------------- errors */

struct ovk_error;

/* An error to pass to the calls below; NULL when out of memory. */
OVK_API struct ovk_error *ovk_error_new(void);
OVK_API void ovk_error_free(struct ovk_error *err);
/* The one-line message of the last failure ("" before any). */
OVK_API const char *ovk_error_message(const struct ovk_error *err);
/* Its errno value, or 0. */
OVK_API int ovk_error_errno(const struct ovk_error *err);
/* Empty it, for reuse. */
OVK_API void ovk_error_clear(struct ovk_error *err);

/* Call once, from the main thread, before anything else (the command-line
 * tools do).  It makes the library's only process-wide changes:
 *   - a SIGBUS handler, chained to the one it replaces: a mapped input that
 *     shrinks while it is read (truncated by another process, an I/O
 *     error) then fails the conversion with EIO instead of killing the
 *     process.  Without it, such an input kills the process;
 *   - libvirt's global error function, set to one that prints nothing
 *     (libvirt's default prints every error to stderr): the library reports
 *     libvirt's errors through struct ovk_error instead.
 * `flags` must be 0.  Calling it again does nothing. */
OVK_API int ovk_init(unsigned flags, struct ovk_error *err);

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
/* s as a terminal may show it, on one line: backslash, newline and tab
 * become \\, \n and \t; other C0 and C1 controls and DEL \xNN or \uNNNN;
 * bytes that are not UTF-8 \xNN.  Text from an appliance (names, member
 * names, messages that quote them) goes through this before it is printed.
 * malloc'ed (free() it), NULL when out of memory. */
OVK_API char *ovk_text_escape(const char *s);
/* A top-level field by name: the string (NULL when absent or not a string),
 * or 0 with *out set for a number (-1 when absent or not a number). */
OVK_API const char *ovk_info_get_str(const struct ovk_info *info, const char *key);
OVK_API int ovk_info_get_u64(const struct ovk_info *info, const char *key, uint64_t *out);

/* ------------------------------------------------------------- convert */

struct ovk_convert_opts {
	size_t struct_size;       /* sizeof(struct ovk_convert_opts) */
	const char *in_format;    /* NULL: probe by content */
	const char *out_format;   /* NULL: "raw" */
	const char *options;      /* qemu-style -o string, or NULL */
	int compress;             /* -c */
	unsigned threads;         /* 0: online CPUs */
	int force;                /* overwrite an existing output */
	int no_sync;              /* skip fsync before the rename */
	unsigned open_flags;      /* OVK_OPEN_* */
	/* Progress: called from the writer thread, at most a few times per
	 * second, with bytes done and total (guest bytes). */
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	/* Set to non-zero (e.g. by a signal handler) to cancel; the conversion
	 * then fails with errnum ECANCELED and leaves no output. */
	volatile sig_atomic_t *cancel;
	/* An input read as a forward-only stream (a disk in a compressed OVA)
	 * whose format needs random access is first copied to an unnamed temp
	 * file in this directory.  NULL: the output's directory (/var/tmp
	 * when there is no output file). */
	const char *tmp_dir;
	/* Things worth telling the user that are not errors (such a copy);
	 * may be NULL. */
	void (*note)(void *opaque, const char *msg);
	void *note_opaque;
	/* Write the output front to back into the descriptor stream_fd (a
	 * pipe, stdout) instead of a file: the output name then only names it
	 * in messages, nothing is renamed, and a failure cannot take back
	 * what was written.  Only formats that never seek in their output
	 * can (raw); the others fail with errnum ESPIPE before any work. */
	int to_stream;
	int stream_fd;
};
#define OVK_CONVERT_OPTS_INIT { .struct_size = sizeof(struct ovk_convert_opts) }

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

/* ------------------------------------------------------------- benchmark
 * For ova-bench: one conversion with the time of each stage, the output
 * optionally discarded, the input optionally hashed as a manifest check
 * would.  Not needed to convert anything. */

enum ovk_hash_alg {
	OVK_HASH_NONE = 0,
	OVK_HASH_MD5,
	OVK_HASH_SHA1,
	OVK_HASH_SHA256,
	OVK_HASH_SHA512,
};
#define OVK_HASH_MAX_DIGEST 64

/* Hash names as in manifests ("SHA256"), and back. */
OVK_API const char *ovk_hash_name(enum ovk_hash_alg alg);
OVK_API enum ovk_hash_alg ovk_hash_from_name(const char *name);
OVK_API size_t ovk_hash_size(enum ovk_hash_alg alg);

struct ovk_bench_opts {
	size_t struct_size;       /* sizeof(struct ovk_bench_opts) */
	int discard_output;       /* run the pipeline, write nothing (output ignored) */
	enum ovk_hash_alg hash;   /* hash the input as stored, in the same pass */
};
#define OVK_BENCH_OPTS_INIT { .struct_size = sizeof(struct ovk_bench_opts) }

/* Time spent per stage, summed over threads. */
struct ovk_convert_stats {
	size_t struct_size;       /* sizeof(struct ovk_convert_stats) */
	uint64_t bytes_in;        /* input bytes (as stored) */
	uint64_t bytes_out;       /* guest bytes handed to the sink */
	uint64_t data_bytes;      /* guest bytes that were DATA */
	double read_seconds;      /* metadata walk and copying in */
	double stall_seconds;     /* the walk waiting for a free buffer (back pressure) */
	double decode_seconds;    /* inflating grains / clusters */
	double encode_seconds;    /* zero detection and compression */
	double hash_seconds;      /* hashing the input */
	double write_seconds;     /* the sink */
	double sync_seconds;      /* the sink's finish: metadata and fsync */
	double wall_seconds;
	unsigned threads;
};
#define OVK_CONVERT_STATS_INIT { .struct_size = sizeof(struct ovk_convert_stats) }

OVK_API int ovk_bench_convert(const char *input, const char *output,
			      const struct ovk_convert_opts *opts,
			      const struct ovk_bench_opts *bopts, struct ovk_convert_stats *stats,
			      struct ovk_error *err);

/* ----------------------------------------------------------- appliances
 * An OVA (tar, possibly gzip/xz-compressed), an .ovf with its files beside
 * it, or a directory holding one .ovf.  The manifest and signature are
 * checked, and each disk's digest is taken in the pass that converts it.
 */

struct ovk_appliance_opts {
	size_t struct_size;        /* sizeof(struct ovk_appliance_opts) */
	int no_verify;             /* skip the manifest and signature checks */
	int require_signature;     /* a missing or bad signature is an error */
	unsigned disk;             /* 0: every disk; N: only the Nth (1-based) */
	/* What was verified and what was not (warning != 0 for the latter). */
	void (*note)(void *opaque, int warning, const char *msg);
	void *note_opaque;
	/* The DeploymentOptionSection configuration (its ovf:id); NULL: the
	 * default.  One the OVF does not offer fails with errnum
	 * OVK_ENOCONFIG, which front ends report as a usage error. */
	const char *config;
	/* ovk_appliance_info: hash every member the manifest lists and say
	 * per member "verified", "mismatch" or "missing" (without it the
	 * disks are "not read": they are verified as they convert). */
	int verify_all;
	/* Trust anchors for the signer of the manifest: PEM files (CA bundles
	 * or certificates, each trusted as an anchor), NULL-terminated, or
	 * NULL; and with trust_system, OpenSSL's default paths
	 * (/etc/ssl/certs, SSL_CERT_FILE/SSL_CERT_DIR), which the library
	 * reads only when asked.  require_signature refuses a signer that does
	 * not chain to one of them, and MD5 and SHA-1 signatures. */
	const char *const *trust;
	int trust_system;
};

/* The errnum of a configuration the appliance does not offer. */
#define OVK_ENOCONFIG ESRCH

#define OVK_APPLIANCE_OPTS_INIT { .struct_size = sizeof(struct ovk_appliance_opts) }

/* 1 when PATH is an appliance (by content, or a directory), else 0. */
OVK_API int ovk_is_appliance(const char *path);

/* Convert every disk (or the one chosen) to OUTPUT/<vm>-<disk>.<format>.
 * OUTPUT is a directory when it is one, when its name ends in '/', or
 * when more than one disk is converted; a directory that does not exist is
 * created when its parent does (and removed again on failure).  With one
 * disk (the appliance has one, or aopts->disk), any other OUTPUT is the
 * disk's file, and copts->to_stream writes that disk to the stream.
 * Existing files are refused unless copts->force.  On failure no output
 * of this call is left. */
OVK_API int ovk_appliance_convert(const char *input, const char *output,
				  const struct ovk_convert_opts *copts,
				  const struct ovk_appliance_opts *aopts, struct ovk_error *err);

/* Describe an appliance per VM (for --info); render with ovk_info_render. */
OVK_API int ovk_appliance_info(const char *input, unsigned open_flags,
			       const struct ovk_appliance_opts *aopts, struct ovk_info **out,
			       struct ovk_error *err);

/* Append to `info` the guest on INPUT's disks, read in place (nothing is
 * converted or written): its OS, distribution and version, default
 * kernel, and the storage drivers it has at boot and anywhere, which
 * ova-import chooses buses from.  A disk image (format NULL: probed) gets
 * a "guest" object; an appliance (`appliance` != 0) a "guests" list, one
 * per virtual system.  A guest that cannot be read says why ("os":
 * "unread"); -1 only for what stops everything. */
OVK_API int ovk_info_guest(struct ovk_info *info, const char *input, const char *format,
			   unsigned open_flags, int appliance, struct ovk_error *err);

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
	size_t struct_size;        /* sizeof(struct ovk_import_opts) */
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
	/* Build the XML only: nothing is written.  Every check the import
	 * makes before converting runs (pool, directory, names, clashes,
	 * networks), so it fails where the import would; only an OVF whose
	 * files are missing is still mapped (a note). */
	int print_xml;
	/* The same checks, and the files too, with nothing written: the
	 * summary says what would be done, and the call fails as the import
	 * would (except for what only reading the disks can find: a digest). */
	int dry_run;
	int replace;               /* replace a same-named domain, volumes and files */
	int no_verify;             /* skip the manifest */
	int require_signature;
	unsigned threads;          /* conversion threads, 0: online CPUs */
	unsigned open_flags;       /* OVK_OPEN_* */
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	volatile sig_atomic_t *cancel;
	/* The DeploymentOptionSection configuration; NULL: the default.  An
	 * unknown one fails with errnum OVK_ENOCONFIG before anything is
	 * created. */
	const char *config;
	/* OVF properties (ProductSection): "KEY=VALUE" settings, NULL-
	 * terminated, applied after those of prop_file (a file of KEY=VALUE
	 * lines; blank lines and '#' comments skipped); the last setting of a
	 * key wins.  An unknown key, a value its type or qualifiers refuse,
	 * or a property left without a valid value fails with errnum
	 * OVK_EPROPERTY before anything is created. */
	const char *const *props;
	const char *prop_file;
	/* The guest CPU: "host-passthrough", "host-model" or a model name
	 * ("Nehalem"); NULL: host-passthrough under KVM, under TCG a model
	 * with what the guest's OS needs. */
	const char *cpu;
	/* Each stage as it begins ("converting ...", "reading the guest of
	 * ...", "defining domain ..."), for a front end to show; may be NULL.
	 * Called from the calling thread. */
	void (*stage)(void *opaque, const char *msg);
	void *stage_opaque;
	/* As in struct ovk_appliance_opts. */
	const char *const *trust;
	int trust_system;
};

/* The errnum of a property setting the appliance refuses. */
#define OVK_EPROPERTY EKEYREJECTED

#define OVK_IMPORT_OPTS_INIT { .struct_size = sizeof(struct ovk_import_opts) }

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

/* ------------------------------------------------------ appliance export
 * ova-export: a libvirt domain, or disk images and a few flags, written as
 * an OVA (or an OVF directory) that VMware, VirtualBox and other OVF
 * consumers import: every disk a streamOptimized VMDK, the hardware mapped
 * to VMware's (virtio -> VmxNet3, virtio-scsi -> LSI Logic SAS, ...), an
 * OVF 1.0 envelope, a manifest, optionally a signature.  One pass; on
 * failure or cancel nothing is left.
 */

struct ovk_export_opts {
	size_t struct_size;        /* sizeof(struct ovk_export_opts) */
	/* From a domain. */
	const char *uri;           /* libvirt URI; NULL: libvirt's default */
	int force_running;         /* export a running domain (its disks may change) */
	/* Read pool volumes through virStorageVolDownload even when the daemon
	 * is local and their files are readable here. */
	int download;
	/* From disk images (no domain). */
	const char *name;          /* required */
	unsigned cpus;             /* 0: 1 */
	unsigned cores;            /* per socket, 0: as VMware chooses */
	uint64_t memory;           /* bytes; 0: 1 GiB */
	const char *firmware;      /* "bios" (NULL) or "efi" */
	int secure_boot;           /* with efi */
	const char *disk_bus;      /* "scsi" (NULL), "sata", "ide", "virtio", "nvme" */
	const char *network;       /* the NIC's network; NULL: "VM Network" */
	/* Both.  NIC model: "vmxnet3", "e1000e", "e1000"; NULL: VmxNet3 for
	 * virtio.  From images, "none" exports no NIC. */
	const char *nic;
	const char *scsi;          /* "lsilogicsas" (NULL) or "pvscsi" */
	const char *os;            /* libosinfo id or VMware osType (overrides the domain's) */
	const char *description;   /* overrides the domain's */
	unsigned hw_version;       /* vmx-NN; 0: 14 */
	unsigned ovf_version;      /* 1 (0) or 2 */
	const char *manifest;      /* "sha256" (NULL), "sha1", "sha512", "none" */
	const char *sign_key;      /* PEM private key and certificate: sign the manifest */
	const char *sign_cert;
	int dir;                   /* write an OVF directory OUT instead of an OVA */
	int force;                 /* replace an existing OUT (an .ova) */
	int no_sync;
	unsigned threads;          /* 0: online CPUs */
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	volatile sig_atomic_t *cancel;
	/* Every choice a user might not expect, one line each. */
	void (*note)(void *opaque, const char *msg);
	void *note_opaque;
};
#define OVK_EXPORT_OPTS_INIT { .struct_size = sizeof(struct ovk_export_opts) }

/* The errnum of a running domain without force_running. */
#define OVK_ERUNNING EBUSY

/* Export `domain` (disks NULL) or the NULL-terminated `disks` (domain
 * NULL) to `output`.  *summary (may be NULL) gets what was written, for
 * ovk_info_render: the machine, the VMware mapping, notes and files. */
OVK_API int ovk_export(const char *domain, const char *const *disks, const char *output,
		       const struct ovk_export_opts *opts, struct ovk_info **summary,
		       struct ovk_error *err);

#ifdef __cplusplus
}
#endif

#endif
