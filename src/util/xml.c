/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xml.c: hardened libxml2 parsing and node access behind xml.h, for every
 * XML document the library reads (OVF descriptors, libvirt's answers).
 *
 * Why a SAX hook and not only parser options: leaving out XML_PARSE_NOENT
 * and XML_PARSE_DTDLOAD keeps libxml2 from substituting or loading
 * entities, but a document that declares one (XEE.ovf points one at
 * file:///proc/self/comm; "billion laughs" nests internal ones) has no
 * business in anything we read.  So the entityDecl callback stops the
 * parser at the declaration, before any reference to it is reached, and the
 * document is refused.  The same hook counts element depth.  Parser errors
 * go to a structured handler that keeps the first one, so nothing is
 * printed.
 */
#include "xml.h"

#include <errno.h>
#include <stdio.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ovk_xml_doc {
	xmlDocPtr doc;
	char warning[160];
};

/* What the SAX hooks learn while libxml2 parses. */
struct parse_state {
	int depth;
	int too_deep;
	int entity;            /* an entity was declared */
	char entity_name[64];
	long stop_line;
	int have_error;
	long error_line;
	char error_msg[256];
};

static struct parse_state *state_of(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

static void hook_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			     const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = state_of(ctx);

	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	if (!st->entity) {
		st->entity = 1;
		st->stop_line = xmlSAX2GetLineNumber(ctx);
		snprintf(st->entity_name, sizeof st->entity_name, "%s",
			 name ? (const char *)name : "?");
	}
	xmlStopParser(ctxt);
}

static void hook_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		       int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct parse_state *st = state_of(ctx);

	if (++st->depth > OVK_XML_MAX_DEPTH) {
		if (!st->too_deep) {
			st->too_deep = 1;
			st->stop_line = xmlSAX2GetLineNumber(ctx);
		}
		xmlStopParser(ctx);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
			      nb_attributes, nb_defaulted, attributes);
}

static void hook_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri)
{
	struct parse_state *st = state_of(ctx);

	st->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static void hook_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *st = ctxt ? state_of(ctxt) : NULL;
	size_t n;

	if (!st || st->have_error || !e || e->level < XML_ERR_ERROR)
		return;
	st->have_error = 1;
	st->error_line = e->line;
	snprintf(st->error_msg, sizeof st->error_msg, "%s", e->message ? e->message : "error");
	n = strlen(st->error_msg);
	while (n > 0 && (st->error_msg[n - 1] == '\n' || st->error_msg[n - 1] == ' '))
		st->error_msg[--n] = '\0';
}

static int report(const struct parse_state *st, const char *name, struct ovk_error *err)
{
	if (st->entity)
		return ovk_error_set(err, EINVAL,
				     "%s:%ld: the document declares entity '%s'; entities are "
				     "refused (XML external entity protection)",
				     name, st->stop_line, st->entity_name);
	if (st->too_deep)
		return ovk_error_set(err, EINVAL, "%s:%ld: elements nested deeper than %d",
				     name, st->stop_line, OVK_XML_MAX_DEPTH);
	if (st->have_error)
		return ovk_error_set(err, EINVAL, "%s:%ld: ill-formed XML: %s", name,
				     st->error_line, st->error_msg);
	return ovk_error_set(err, EINVAL, "%s: ill-formed XML", name);
}

/* The encoding named by an XML declaration written in single bytes
 * ("<?xml version="1.0" encoding="utf-16"?>"), copied into enc; 0 when
 * there is one.  Bytes that are really UTF-16 start with a BOM or a NUL,
 * so a declaration readable this way is never in UTF-16 itself. */
static int declared_encoding(const uint8_t *buf, size_t len, char *enc, size_t enclen)
{
	const char *p = (const char *)buf, *end, *e;
	char q;
	size_t n;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	if (len < 6 || memcmp(p, "<?xml", 5) != 0)
		return -1;
	/* The declaration is short; look no further than its "?>". */
	end = memchr(p, '>', len < 256 ? len : 256);
	if (!end)
		return -1;
	for (e = p; e + 8 < end && memcmp(e, "encoding", 8) != 0; e++)
		;
	if (e + 8 >= end)
		return -1;
	e += 8;
	while (e < end && (*e == ' ' || *e == '='))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return -1;
	q = *e++;
	for (n = 0; e + n < end && e[n] != q; n++)
		;
	if (e + n >= end || n == 0 || n >= enclen)
		return -1;
	memcpy(enc, e, n);
	enc[n] = '\0';
	return 0;
}

/* Whether the declared encoding contradicts 8-bit bytes: any UTF-16 or
 * UCS-2/4 name. */
static int wide_encoding(const char *enc)
{
	return strncasecmp(enc, "utf-16", 6) == 0 || strncasecmp(enc, "utf16", 5) == 0 ||
	       strncasecmp(enc, "ucs-2", 5) == 0 || strncasecmp(enc, "ucs-4", 5) == 0 ||
	       strncasecmp(enc, "utf-32", 6) == 0;
}

int ovk_xml_parse(const uint8_t *buf, size_t len, const char *name, struct ovk_xml_doc **out,
		  struct ovk_error *err)
{
	char enc[32], warning[sizeof ((struct ovk_xml_doc *)0)->warning] = "";
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		      XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
	struct parse_state st = {0};
	xmlParserCtxtPtr ctxt = NULL;
	struct ovk_xml_doc *d = NULL;
	int ret = -1;

	*out = NULL;
	if (len > OVK_XML_MAX_BYTES) {
		ovk_error_set(err, EFBIG, "%s: %zu bytes, more than the %zu an XML document "
			      "may have", name, len, OVK_XML_MAX_BYTES);
		goto out;
	}
	if (len > INT32_MAX) /* unreachable under the limit; libxml2 takes an int */
		goto out;
	xmlInitParser();
	ctxt = xmlCreateMemoryParserCtxt((const char *)buf, (int)len);
	if (!ctxt) {
		ovk_error_set(err, ENOMEM, "%s: cannot create an XML parser", name);
		goto out;
	}
	if (declared_encoding(buf, len, enc, sizeof enc) == 0 && wide_encoding(enc)) {
		/* libxml2 would stop at "labelled UTF-16 but has UTF-8
		 * content"; the bytes are what we read, and still have to be
		 * valid UTF-8. */
		options |= XML_PARSE_IGNORE_ENC;
		snprintf(warning, sizeof warning, "the XML declaration says encoding '%s', but the "
			 "bytes are 8-bit: read as UTF-8", enc);
	}
	/* No NOENT, no DTDLOAD, no DTDATTR, no XINCLUDE, no HUGE. */
	xmlCtxtUseOptions(ctxt, options);
	ctxt->_private = &st;
	ctxt->sax->entityDecl = hook_entity_decl;
	ctxt->sax->startElementNs = hook_start;
	ctxt->sax->endElementNs = hook_end;
	ctxt->sax->serror = hook_error;
	ctxt->sax->error = NULL;
	ctxt->sax->warning = NULL;
	ctxt->sax->fatalError = NULL;
	/* Nothing is resolved from outside the buffer. */
	ctxt->sax->resolveEntity = NULL;
	ctxt->sax->externalSubset = NULL;

	xmlParseDocument(ctxt);
	if (st.entity || st.too_deep || !ctxt->wellFormed || !ctxt->myDoc) {
		report(&st, name, err);
		goto out;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		ovk_error_set(err, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	d->doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	memcpy(d->warning, warning, sizeof d->warning);
	*out = d;
	d = NULL;
	ret = 0;
out:
	if (ctxt) {
		if (ctxt->myDoc)
			xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	free(d);
	return ret;
}

const char *ovk_xml_warning(const struct ovk_xml_doc *doc)
{
	return doc->warning[0] ? doc->warning : NULL;
}

void ovk_xml_free(struct ovk_xml_doc *doc)
{
	if (!doc)
		return;
	xmlFreeDoc(doc->doc);
	free(doc);
}

/* The opaque node is libxml2's xmlNode; the casts stay in this file. */
static const xmlNode *X(const struct ovk_xml_node *n)
{
	return (const xmlNode *)n;
}

static const struct ovk_xml_node *N(const xmlNode *n)
{
	return (const struct ovk_xml_node *)n;
}

static const xmlNode *skip_to_element(const xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

const struct ovk_xml_node *ovk_xml_root(const struct ovk_xml_doc *doc)
{
	return N(xmlDocGetRootElement(doc->doc));
}

const struct ovk_xml_node *ovk_xml_first(const struct ovk_xml_node *n)
{
	return N(skip_to_element(X(n)->children));
}

const struct ovk_xml_node *ovk_xml_next(const struct ovk_xml_node *n)
{
	return N(skip_to_element(X(n)->next));
}

const char *ovk_xml_name(const struct ovk_xml_node *n)
{
	return (const char *)X(n)->name;
}

const char *ovk_xml_ns(const struct ovk_xml_node *n)
{
	return X(n)->ns ? (const char *)X(n)->ns->href : NULL;
}

long ovk_xml_line(const struct ovk_xml_node *n)
{
	return xmlGetLineNo(X(n));
}

const struct ovk_xml_node *ovk_xml_child(const struct ovk_xml_node *n, const char *local)
{
	for (n = n ? ovk_xml_first(n) : NULL; n; n = ovk_xml_next(n))
		if (strcmp(ovk_xml_name(n), local) == 0)
			return n;
	return NULL;
}

/* The attribute `local` in namespace `ns` (NULL: in none).  The first one:
 * two prefixes bound to one URI can give an element two, which libxml2
 * reports only as a namespace error. */
static const char *attr_value(const struct ovk_xml_node *n, const char *ns, const char *local)
{
	const xmlAttr *a;

	if (!n)
		return NULL;
	for (a = X(n)->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, local) != 0)
			continue;
		if (ns ? a->ns && strcmp((const char *)a->ns->href, ns) == 0 : !a->ns)
			break;
	}
	if (!a)
		return NULL;
	/* An attribute's value is one text child unless it held entity refs,
	 * which we refuse at parse time. */
	if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next)
		return (const char *)a->children->content;
	return "";
}

const char *ovk_xml_attr(const struct ovk_xml_node *n, const char *local)
{
	return attr_value(n, NULL, local);
}

const char *ovk_xml_attr_ns(const struct ovk_xml_node *n, const char *ns, const char *local)
{
	return attr_value(n, ns, local);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *ovk_xml_text(const struct ovk_xml_node *n)
{
	xmlChar *raw = xmlNodeGetContent(X(n));
	const char *s;
	size_t len;
	char *r;

	if (!raw)
		return strdup("");
	s = (const char *)raw;
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		len--;
	r = strndup(s, len);
	xmlFree(raw);
	return r;
}

const char *ovk_xml_qname(const struct ovk_xml_node *n, const char *qname, const char **ns)
{
	const char *colon = strchr(qname, ':');
	char prefix[128];
	xmlNsPtr x;

	*ns = NULL;
	if (!colon)
		return qname;
	if ((size_t)(colon - qname) >= sizeof prefix)
		return colon + 1;
	memcpy(prefix, qname, (size_t)(colon - qname));
	prefix[colon - qname] = '\0';
	x = xmlSearchNs(X(n)->doc, (xmlNodePtr)X(n), (const xmlChar *)prefix);
	if (x)
		*ns = (const char *)x->href;
	return colon + 1;
}
