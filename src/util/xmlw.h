/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xmlw.h: the one door for writing XML, and with xml.h (its reading half)
 * the only place that knows libxml2 (STYLE.md #5).  src/virt builds
 * libvirt's domain XML with it.  libxml2 does the escaping, so no name that
 * came from an input (an OVF, a command line) can break out of an
 * attribute or an element.
 *
 * Errors are sticky: a failed allocation makes the node functions return
 * NULL, every call accepts a NULL node and does nothing, and
 * ovk_xw_dump() reports the failure once.  That keeps the builder code a
 * straight list of elements.
 *
 * Ownership: ovk_xw_free() (NULL-safe) frees the document and its nodes.
 * A document belongs to one thread at a time.
 */
#ifndef OVK_UTIL_XMLW_H
#define OVK_UTIL_XMLW_H

#include "core/error.h"

struct ovk_xw;
struct ovk_xw_node;

/* A new document with root element `root`. */
struct ovk_xw *ovk_xw_new(const char *root);
struct ovk_xw_node *ovk_xw_root(struct ovk_xw *w);
/* A child element, with text content when `text` is not NULL. */
struct ovk_xw_node *ovk_xw_child(struct ovk_xw_node *parent, const char *name,
				 const char *text);
struct ovk_xw_node *ovk_xw_attr(struct ovk_xw_node *n, const char *name, const char *value);
struct ovk_xw_node *ovk_xw_attrf(struct ovk_xw_node *n, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The document, indented, without the XML declaration; *out malloc'ed. */
int ovk_xw_dump(struct ovk_xw *w, char **out, struct ovk_error *err);
void ovk_xw_free(struct ovk_xw *w);

#endif
