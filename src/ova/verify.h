/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.h: every byte a disk reads from a package, checked against the
 * manifest before the disk's output is committed.
 *
 * The container wraps each member it opens for a conversion (the File a
 * disk is made of, its chunks, the stored bytes of a gzip'ed File, the
 * extents and parents an image names) with ovk_verify_wrap(), and the
 * conversion runs ovk_verify_settle() as its engine hook, after the last
 * byte and before the commit.  How a member is hashed follows its shape,
 * and in both the bytes are read once, by the conversion's own pass:
 *   mapped  (an uncompressed OVA's window, a file beside the .ovf): the
 *           formats read it at random, so the verifier's own thread hashes
 *           the mapping beside the conversion (the pages are hot anyway);
 *   stream  (a member of a compressed OVA): the wrapper hashes what the
 *           conversion reads, compares at the member's last byte (that read
 *           fails on a mismatch), and settle reads what the formats left
 *           unread (a gzip trailer, padding after the end marker).
 * A member the manifest does not list is refused as it is wrapped: a
 * manifest that covers a disk must cover all of its bytes.  Without a
 * manifest yet (one that follows the disks in a stream), the digests are
 * collected instead and compared by ovk_verify_collected() once it came.
 *
 * Threads: wrap, settle, drain and abort run on the converting thread; the
 * hashing thread touches only mapped members, under the verifier's lock.
 */
#ifndef OVK_OVA_VERIFY_H
#define OVK_OVA_VERIFY_H

#include <signal.h>

#include "core/blob.h"
#include "core/error.h"
#include "ova/manifest.h"

/* Algorithms one member is hashed with at most (a manifest lists a few). */
#define OVK_VERIFY_ALGS 4

struct ovk_verify;

/* Compare with `mf` (which must outlive the verifier), or with mf NULL
 * collect the `collect` digests (ended by OVK_HASH_NONE). */
int ovk_verify_new(const struct ovk_manifest *mf, const enum ovk_hash_alg *collect,
		   volatile sig_atomic_t *cancel, struct ovk_verify **out, struct ovk_error *err);
void ovk_verify_free(struct ovk_verify *v);

/* The blob to read instead of `inner`, the member `name` just opened
 * (taken over in every case). */
int ovk_verify_wrap(struct ovk_verify *v, const char *name, struct ovk_blob *inner,
		    struct ovk_blob **out, struct ovk_error *err);

/* Read the rest of every stream member being verified into its hash: the
 * container calls it before a stream moves past its open member. */
int ovk_verify_drain(struct ovk_verify *v, struct ovk_error *err);

/* The engine hook (opaque is the verifier): every member wrapped since
 * the last settle is complete and matches (or is collected); -1 otherwise.
 * Either way those members are done with. */
int ovk_verify_settle(void *opaque, struct ovk_error *err);

/* After a failed conversion: stop hashing, forget the members. */
void ovk_verify_abort(struct ovk_verify *v);

/* The collected digests against a manifest that came later.  A member it
 * does not list, or lists with none of the collected algorithms, is an
 * error, and so is a member wrapped since the last settle (it was never
 * read whole). */
int ovk_verify_collected(const struct ovk_verify *v, const struct ovk_manifest *mf,
			 struct ovk_error *err);

/* Seconds spent hashing (for ova-bench). */
double ovk_verify_seconds(const struct ovk_verify *v);

#endif
