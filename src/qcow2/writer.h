/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer.h: state shared by the two halves of the qcow2 sink: writer.c (the
 * data path: runs of clusters in, clusters and L2 tables out) and
 * writer_meta.c (host cluster allocation, refcounts, and the tables written
 * at the end).  Bytes go to a file (core/outfile.h: bulk data around the
 * page cache) or to a byte target.
 *
 * The engine hands over runs of whole clusters in ascending guest order
 * from one thread, so the file grows strictly forward and every piece of
 * metadata is written once:
 *
 *   cluster 0        header (written last, so a crash leaves no valid image)
 *   then, in order   data clusters (packed compressed bytes or whole
 *                    clusters), each L2 table right after the data of its
 *                    guest range, a refcount block at the start of every
 *                    host range it covers (cluster_size / 2 clusters)
 *   at the end       the L1 table and the refcount table
 *
 * Only three kinds of write go backwards: the header, a refcount block
 * (written when the cursor leaves its range, into the cluster reserved at
 * the range's start), and the block pinned for packed compressed bytes.
 * Each is at most a cluster, which is what lets a byte target
 * (core/extent.h) stream everything else and patch those afterwards.
 *
 * Refcounts are final the moment a cluster is allocated, so only the block
 * of the host range under the allocation cursor is in memory (plus one for
 * the cluster still being packed with compressed bytes); it is written when
 * the cursor leaves that range.  Memory stays O(L1 + refcount table).
 */
#ifndef OVK_QCOW2_WRITER_H
#define OVK_QCOW2_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/extent.h"
#include "core/outfile.h"
#include "qcow2/qcow2.h"

struct qcow2_writer {
	struct ovk_outfile out;      /* the output file */
	const struct ovk_byte_target *target;   /* instead of the file, when set */
	char *name;
	int is_block_device;
	int sync;
	uint64_t size;               /* virtual size the extents tile */
	uint64_t clusters;           /* guest clusters */
	uint32_t cluster_bits;
	uint64_t cs;                 /* cluster size */
	struct ovk_qcow2_header hdr; /* fields the header encoder needs */
	char *backing_name;          /* overlay: recorded, no data written */

	/* guest side */
	uint64_t pos;                /* next guest byte write() expects */
	uint64_t *l1;                /* host order, l1_size entries */
	uint64_t l1_size;
	uint64_t *l2;                /* the L2 table being filled, host order */
	uint64_t l2_index;           /* its L1 index, or UINT64_MAX */
	int l2_used;                 /* any entry set */

	/* host side */
	uint64_t next;               /* next free host cluster */
	uint64_t range_clusters;     /* host clusters per refcount block */
	uint64_t *reftable;          /* refcount block offset per range, 0 = none yet */
	uint64_t reftable_len, reftable_cap;
	uint64_t cur_range;          /* the range whose block is in `rb` */
	uint16_t *rb;                /* its counts, host order */
	uint16_t *rb_pinned;         /* the block kept for packed compressed bytes */
	uint64_t pinned_range;
	int pinned;
	uint64_t comp_pos;           /* host byte where packed compressed bytes continue; 0 none */
	uint64_t comp_end;           /* end of the clusters allocated for them */


	struct ovk_stage stage;      /* write coalescing (core/outfile.h) */

	uint8_t *table_buf;          /* one cluster, for encoding tables */
};

/* writer_meta.c */
int ovk_qcow2_w_meta_init(struct qcow2_writer *w, struct ovk_error *err);
/* Allocate n contiguous host clusters with refcount 1; *first is the index. */
int ovk_qcow2_w_alloc(struct qcow2_writer *w, uint64_t n, uint64_t *first,
		      struct ovk_error *err);
/* Place `len` compressed bytes; *host_off is where they go.  Refcounts of the
 * host clusters their sectors touch are incremented. */
int ovk_qcow2_w_place_compressed(struct qcow2_writer *w, size_t len, uint64_t *host_off,
				 struct ovk_error *err);
/* Write `len` bytes of metadata at `off`, skipping all-zero 4 KiB blocks on
 * a regular file (a new file reads as zero there). */
int ovk_qcow2_w_write_sparse(struct qcow2_writer *w, uint64_t off, const uint8_t *buf,
			     size_t len, struct ovk_error *err);
int ovk_qcow2_w_pwrite(struct qcow2_writer *w, uint64_t off, const void *buf, size_t len,
		       struct ovk_error *err);
/* Allocate and write the L1 and refcount tables and the last refcount
 * blocks, then size the file.  Fills w->hdr's table fields. */
int ovk_qcow2_w_meta_finish(struct qcow2_writer *w, struct ovk_error *err);
void ovk_qcow2_w_meta_free(struct qcow2_writer *w);

#endif
