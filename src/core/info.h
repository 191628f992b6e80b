/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * info.h: a small ordered tree of facts about an image, rendered as text or
 * JSON for `ova-convert --info [--json]`.
 *
 * Formats add fields through ovk_info_*(); nesting is by begin/end pairs:
 *   ovk_info_begin_list(info, "extents");
 *     ovk_info_begin_object(info, NULL);
 *       ovk_info_str(info, "type", "SPARSE"); ...
 *     ovk_info_end(info);
 *   ovk_info_end(info);
 * Keys are lower-case words joined by hyphens, as qemu-img's JSON spells
 * them, and stable: they are the JSON field names the README documents and
 * the schemas in doc/schema fix.  Allocation failures are remembered and reported once by
 * ovk_info_render(), so adders return nothing.
 */
#ifndef OVK_CORE_INFO_H
#define OVK_CORE_INFO_H

#include <stdint.h>

#include "ovakit.h"

void ovk_info_str(struct ovk_info *info, const char *key, const char *val);
void ovk_info_u64(struct ovk_info *info, const char *key, uint64_t val);
void ovk_info_bool(struct ovk_info *info, const char *key, int val);
/* JSON null ("-" in text): a field that has no value here. */
void ovk_info_null(struct ovk_info *info, const char *key);
void ovk_info_begin_list(struct ovk_info *info, const char *key);
void ovk_info_begin_object(struct ovk_info *info, const char *key);
void ovk_info_end(struct ovk_info *info);
/* Move the fields of `sub` into a new object `key` at the cursor of `info`,
 * and free `sub` (both NULL-safe; a failure of either is remembered). */
void ovk_info_graft(struct ovk_info *info, const char *key, struct ovk_info *sub);

struct ovk_info *ovk_info_new(void);

#endif
