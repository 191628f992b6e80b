/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container.h: an appliance on disk, whatever its packaging, and the blobs
 * of its files.
 *
 * An appliance is
 *   - an .ova: a tar.  Uncompressed, it is mapped once and indexed; each
 *     member is a window of the mapping (ovk_blob_window), read in place.
 *     gzip- or xz-compressed (or opened with OVK_OPEN_STREAM), it is read
 *     forward once and members are stream blobs, handed out in archive
 *     order;
 *   - an .ovf file, with the files it names beside it;
 *   - a directory holding exactly one .ovf.
 * What it is comes from the content (tar or compressed magic, XML, a
 * directory), never the file name.
 *
 * Every File href must name a member of the same OVA or a file inside the
 * OVF's directory: absolute names, "..", URLs, links, and duplicate members
 * are refused (OVK_OPEN_UNSAFE_PATHS lifts the path rule for directories).
 * A File with ovf:chunkSize is read as one from href.000000000,
 * href.000000001, ...; a File with compression="gzip" is inflated on the
 * fly (a stream blob).
 *
 * Blobs opened here are located by their member names, and the
 * appliance's resolver opens members by name, so a VMDK descriptor member
 * can open its extent members (core/open.h) without knowing about
 * containers.
 *
 * Ownership and threads: ovk_appliance_free() drops the caller's reference;
 * blobs opened from the appliance hold their own, so they may outlive it
 * (its resolver may not).  An appliance and its blobs are used from one thread at a
 * time (mapped blobs' data may be read by many threads, as in blob.h).  In
 * a streamed appliance only one member blob is live: opening the next one
 * ends the previous (its reads then fail).
 */
#ifndef OVK_OVA_CONTAINER_H
#define OVK_OVA_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/error.h"
#include "core/open.h"
#include "ova/ovf.h"

/* Metadata members (.ovf, .mf, .cert) are read whole into memory; none is
 * legitimately near this (see OVK_XML_MAX_BYTES, OVK_MANIFEST_MAX_BYTES). */
#define OVK_APPLIANCE_MAX_META ((size_t)16 << 20)
/* Chunks of one File: 100000 is what 9-digit suffixes allow with room, and
 * more than any real split (ovftool's smallest chunk is 1 MiB). */
#define OVK_APPLIANCE_MAX_CHUNKS 100000

enum ovk_appliance_kind {
	OVK_APPLIANCE_OVA,          /* uncompressed tar, mapped */
	OVK_APPLIANCE_OVA_STREAM,   /* compressed tar or OVK_OPEN_STREAM */
	OVK_APPLIANCE_OVF,          /* an .ovf file, or a directory with one */
};

struct ovk_appliance;

int ovk_appliance_open(const char *path, unsigned flags, struct ovk_appliance **out,
		       struct ovk_error *err);
void ovk_appliance_free(struct ovk_appliance *app);

enum ovk_appliance_kind ovk_appliance_kind(const struct ovk_appliance *app);
/* The path given to open, for messages. */
const char *ovk_appliance_path(const struct ovk_appliance *app);

/* The descriptor: its name (member or file name) and bytes. */
const char *ovk_appliance_ovf_name(const struct ovk_appliance *app);
void ovk_appliance_ovf(const struct ovk_appliance *app, const uint8_t **buf, size_t *len);

/* The manifest and certificate seen so far: 0 with the bytes, or 1 when
 * there is none (yet: in a stream, a manifest may follow the disks; call
 * ovk_appliance_drain() after the last disk). */
int ovk_appliance_manifest(const struct ovk_appliance *app, const char **name,
			   const uint8_t **buf, size_t *len);
int ovk_appliance_cert(const struct ovk_appliance *app, const char **name,
		       const uint8_t **buf, size_t *len);

/* Read a stream to its end, picking up any .mf and .cert on the way.  A
 * no-op for mapped appliances and directories. */
int ovk_appliance_drain(struct ovk_appliance *app, struct ovk_error *err);

/* Check that every File of the envelope resolves (see above) and has its
 * ovf:size, without reading data: -1 with ENOENT naming every missing
 * File, or EIO for a size.  For a stream, only the names are checked:
 * members ahead are not known yet. */
int ovk_appliance_check_refs(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			     struct ovk_error *err);

/* A compressed stream cannot skip a member without inflating it, so a
 * member that neither the OVF (a File, a chunk of one) nor the manifest
 * names, and that is larger than this, is refused instead of passed: an
 * unlisted 16 GiB of zeros gzip'ed twice is 40 KB, and would cost minutes
 * of inflating for nothing.  Producers put nothing unlisted in an OVA; a
 * stray note or checksum file is far below 1 MiB. */
#define OVK_APPLIANCE_MAX_UNNAMED_SKIP ((uint64_t)1 << 20)

/* A gzip'ed File inflates to a disk image of its Disk's ovf:capacity plus
 * metadata: a streamOptimized VMDK's grain markers (at worst 512 bytes per
 * 64 KiB grain, 1/128) are the most any format adds, so capacity/64 + 16
 * MiB is room to spare; past it, the member is refused naming it. */
#define OVK_OVA_INFLATE_SLACK_DIV 64u
#define OVK_OVA_INFLATE_SLACK_BYTES ((uint64_t)16 << 20)

struct ovk_manifest;
/* What the package names (for OVK_APPLIANCE_MAX_UNNAMED_SKIP): the OVF's
 * Files and the manifest's entries.  Borrowed: both must outlive the
 * appliance's walk, or be unset (NULL) first.  Unset, nothing is refused. */
void ovk_appliance_set_named(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			     const struct ovk_manifest *mf);

/* A stream forgets members as it passes them, except their names: more
 * than chunked Files and every other File could need is hostile. */
#define OVK_APPLIANCE_MAX_STREAM_MEMBERS (OVK_APPLIANCE_MAX_CHUNKS + 4096)

/* Whether the package holds a member or file `name`, without reading it.
 * For a stream: whether it has been passed so far (after
 * ovk_appliance_drain(): whether it is there at all). */
int ovk_appliance_has_member(struct ovk_appliance *app, const char *name);

/* The stored bytes of one member or file beside the OVF, by name.  With a
 * verifier set (below), the blob is its wrapper. */
int ovk_appliance_open_member(struct ovk_appliance *app, const char *name, unsigned flags,
			      struct ovk_blob **out, struct ovk_error *err);

/* The content of an OVF File: chunks joined, gzip inflated; every member
 * it reads goes through ovk_appliance_open_member(). */
int ovk_appliance_open_file(struct ovk_appliance *app, const struct ovk_ovf_file *file,
			    unsigned flags, struct ovk_blob **out, struct ovk_error *err);

/* Members by name, for the engine's open context (the files an image
 * names).  Valid while the appliance is. */
const struct ovk_resolver *ovk_appliance_resolver(struct ovk_appliance *app);

/* ------------------------------------------------------------ verification */

struct ovk_verify;

/* From now on every member opened through ovk_appliance_open_member() is
 * wrapped by `v` (ova/verify.h), and a stream drains it before moving
 * past it.  Borrowed: v must outlive the appliance's use (NULL disarms). */
void ovk_appliance_set_verify(struct ovk_appliance *app, struct ovk_verify *v);

/* The name of chunk `i` of `href` ("disk.vmdk.000000003"); malloc'ed. */
char *ovk_appliance_chunk_name(const char *href, uint64_t i);

/* ------------------------------------------------------------ plan */

/* One disk to convert. */
struct ovk_ova_job {
	const struct ovk_ovf_system *system;   /* the first system that attaches it */
	const struct ovk_ovf_drive *drive;     /* its drive there, or NULL */
	const struct ovk_ovf_disk *disk;
	const struct ovk_ovf_file *file;       /* NULL: a blank disk of disk->capacity */
};

struct ovk_ova_plan {
	struct ovk_ova_job *jobs;
	size_t n_jobs;
};

/* The disks to convert, in the order their bytes come in the container
 * (so a streamed OVA is read once).  Open each job's blob with
 * ovk_appliance_open_file(app, job->file, ...). */
int ovk_ova_plan(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
		 struct ovk_ova_plan **out, struct ovk_error *err);
void ovk_ova_plan_free(struct ovk_ova_plan *plan);

#endif
