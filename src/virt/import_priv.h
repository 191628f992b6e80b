/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import_priv.h: the result of an import, shared by import.c (which fills
 * it) and result.c (which renders it).  Not for use outside src/virt.
 */
#ifndef OVK_VIRT_IMPORT_PRIV_H
#define OVK_VIRT_IMPORT_PRIV_H

#include "caps.h"
#include "guest/guest.h"
#include "plan.h"
#include "storage.h"

struct ovk_import_dom {
	struct ovk_plan *plan;
	char *xml;
	struct ovk_caps caps;       /* the host's, for planning again */
	/* What the guest can drive (--bus auto), read from its disks: NULL
	 * when not read. */
	struct ovk_guest *guest;
	int defined, started;
	/* --replace: a domain of this name exists, and is removed only once
	 * every disk is written; its definition is kept to put it back if
	 * the new one then fails. */
	int replaces;
	char *old_xml;
	/* --replace: the existing domain's XML as preflight read it, for the
	 * MACs the new one keeps (every plan_one applies them). */
	char *prev_xml;
};

struct ovk_import_result {
	char *uri;
	char *storage;              /* ovk_store_describe() */
	struct ovk_store_desc store; /* the same, as fields ("" kind: none) */
	int dry_run;                /* --print-xml, --dry-run: nothing written */
	struct ovk_import_dom *doms;
	size_t n_doms;
	/* Package-level notes (manifest, signature, networks). */
	struct ovk_plan notes;
};

#endif
