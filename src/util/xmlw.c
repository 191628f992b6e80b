/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xmlw.c: libxml2's tree API behind xmlw.h, for every XML document the
 * library writes.  The writer's failure flag lives in the document's
 * _private field, reachable from every node.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "xmlw.h"

struct ovk_xw {
	xmlDocPtr doc;
	int failed;
};

static struct ovk_xw_node *fail(xmlNodePtr n)
{
	if (n && n->doc && n->doc->_private)
		((struct ovk_xw *)n->doc->_private)->failed = 1;
	return NULL;
}

struct ovk_xw *ovk_xw_new(const char *root)
{
	struct ovk_xw *w = calloc(1, sizeof(*w));
	xmlNodePtr r;

	if (!w)
		return NULL;
	if (!(w->doc = xmlNewDoc(BAD_CAST "1.0")) ||
	    !(r = xmlNewDocNode(w->doc, NULL, BAD_CAST root, NULL))) {
		ovk_xw_free(w);
		return NULL;
	}
	xmlDocSetRootElement(w->doc, r);
	w->doc->_private = w;
	return w;
}

struct ovk_xw_node *ovk_xw_root(struct ovk_xw *w)
{
	return (struct ovk_xw_node *)xmlDocGetRootElement(w->doc);
}

struct ovk_xw_node *ovk_xw_child(struct ovk_xw_node *parent, const char *name, const char *text)
{
	xmlNodePtr p = (xmlNodePtr)parent, c;

	if (!p)
		return NULL;
	/* xmlNewTextChild escapes the text; xmlNewChild would not. */
	if (!(c = xmlNewTextChild(p, NULL, BAD_CAST name, text ? BAD_CAST text : NULL)))
		return fail(p);
	return (struct ovk_xw_node *)c;
}

struct ovk_xw_node *ovk_xw_attr(struct ovk_xw_node *n, const char *name, const char *value)
{
	if (!n)
		return NULL;
	if (!xmlSetProp((xmlNodePtr)n, BAD_CAST name, BAD_CAST value))
		return fail((xmlNodePtr)n);
	return n;
}

struct ovk_xw_node *ovk_xw_attrf(struct ovk_xw_node *n, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int r;

	if (!n)
		return NULL;
	va_start(ap, fmt);
	r = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (r < 0)
		return fail((xmlNodePtr)n);
	n = ovk_xw_attr(n, name, v);
	free(v);
	return n;
}

int ovk_xw_dump(struct ovk_xw *w, char **out, struct ovk_error *err)
{
	xmlBufferPtr buf = NULL;
	int ret = -1;

	*out = NULL;
	if (w->failed) {
		ovk_error_set(err, ENOMEM, "out of memory while building XML");
		goto out;
	}
	if (!(buf = xmlBufferCreate()) ||
	    xmlNodeDump(buf, w->doc, xmlDocGetRootElement(w->doc), 0, 1) < 0 ||
	    !(*out = malloc((size_t)xmlBufferLength(buf) + 2))) {
		ovk_error_set(err, ENOMEM, "out of memory while writing XML");
		goto out;
	}
	memcpy(*out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	memcpy(*out + xmlBufferLength(buf), "\n", 2);
	ret = 0;
out:
	if (buf)
		xmlBufferFree(buf);
	return ret;
}

void ovk_xw_free(struct ovk_xw *w)
{
	if (!w)
		return;
	if (w->doc)
		xmlFreeDoc(w->doc);
	free(w);
}
