/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lvm_priv.h: between the files of the LVM2 reader: the metadata text
 * parser (lvm_text.c) and the label, metadata area and volume group
 * assembly (lvm.c).  Private to src/guest (and its fuzz targets).
 */
#ifndef OVK_GUEST_LVM_PRIV_H
#define OVK_GUEST_LVM_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/lvm.h"

/* Metadata text of one VG: lvm2's default metadata area is 1 MiB and a new
 * copy must fit beside the old one, so real text stays under 512 KiB (a VG
 * of 1000 LVs writes about that); --metadatasize can grow the area, and 16
 * MiB is 32 times what a real VG needs. */
#define OVK_LVM_MAX_TEXT ((size_t)16 << 20)
/* Section nesting: lvm2 writes vg { logical_volumes { lv { segmentN {} } } },
 * four deep; 16 leaves room for what a later lvm2 might add. */
#define OVK_LVM_MAX_DEPTH 16
/* Nodes (keys, sections, list items) of one text: an LV takes about 30, so
 * 262144 is some 8000 LVs, far more than lvm2 handles gracefully, and
 * bounds the tree at a few MiB whatever the text. */
#define OVK_LVM_MAX_NODES 262144u

enum lvm_type { LVM_SECTION, LVM_INT, LVM_FLOAT, LVM_STR, LVM_LIST };

/* One node: a section (children), a key = value, or an item of a list
 * (no key).  Keys and strings point into the parser's copy of the text
 * (strings unescaped in place), with lengths: nothing is NUL-terminated. */
struct lvm_node {
	enum lvm_type type;
	const char *key, *str;
	size_t key_len, str_len;
	int64_t num;
	uint32_t child, next;     /* indices, 0 for none (node 0 is the root) */
};

struct lvm_cfg {
	char *text;               /* the copy the nodes point into */
	struct lvm_node *nodes;
	uint32_t n, cap;
};

/* Parse len bytes of metadata text (a NUL ends it early). */
int ovk_lvm_cfg_parse(const char *text, size_t len, struct lvm_cfg **out,
		      struct ovk_error *err);
void ovk_lvm_cfg_free(struct lvm_cfg *c);

/* Navigation: the first child, the next sibling (NULL at the end). */
const struct lvm_node *ovk_lvm_child(const struct lvm_cfg *c, const struct lvm_node *n);
const struct lvm_node *ovk_lvm_next(const struct lvm_cfg *c, const struct lvm_node *n);
/* The child of section s named key, NULL when absent. */
const struct lvm_node *ovk_lvm_find(const struct lvm_cfg *c, const struct lvm_node *s,
				    const char *key);
/* The non-negative integer key of s: 0, or -1 (missing, another type). */
int ovk_lvm_u64(const struct lvm_cfg *c, const struct lvm_node *s, const char *key,
		uint64_t *v);
/* The string key of s into buf (cap bytes, NUL-terminated): 0, or -1
 * (missing, another type, too long). */
int ovk_lvm_str(const struct lvm_cfg *c, const struct lvm_node *s, const char *key, char *buf,
		size_t cap);
/* Whether the list key of s holds the string item. */
int ovk_lvm_has_flag(const struct lvm_cfg *c, const struct lvm_node *s, const char *key,
		     const char *item);

/* The PVs found on the devices and the text of each VG they hold, as
 * ovk_lvm_scan() gathers them: assemble the VG of `text` over them.  The
 * text fuzz target calls it with no PV. */
struct lvm_pv;
int ovk_lvm_vg_assemble(const char *text, size_t len, struct lvm_pv *const *pvs, size_t n_pv,
			struct ovk_vg *vg, struct ovk_error *err);
void ovk_lvm_vg_clear(struct ovk_vg *vg);

#endif
