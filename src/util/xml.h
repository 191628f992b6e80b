/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xml.h: the one door for reading XML, and with xmlw.h the only place that
 * knows libxml2 (STYLE.md #5).  Every document we read comes from outside
 * the process: OVF descriptors from an appliance (src/ova) and libvirt's
 * capabilities, pool and volume XML (src/virt).
 *
 * A parsed document is seen as opaque element nodes with local names,
 * namespace URIs, attributes, text and line numbers.  Parsing is hardened
 * once, here, for every caller: no network, no DTD loading, no entity
 * substitution, a document that declares any entity is refused before the
 * entity could be read, and size and depth are bounded.  Producers disagree
 * on prefixes, so every lookup is by namespace URI and local name, never by
 * prefix.  Vocabulary (OVF's namespaces and dialects) belongs to the caller.
 *
 * Ownership: strings returned as const belong to the document and live
 * until ovk_xml_free(); ovk_xml_text() returns a new string.  A document
 * belongs to one thread at a time.
 */
#ifndef OVK_UTIL_XML_H
#define OVK_UTIL_XML_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The largest document we parse.  The largest we meet are OVF descriptors:
 * real ones are 3-200 KB, the bulk being ProductSection EULAs (tens of KB
 * each) and VirtualBox's vbox:Machine; libvirt's capabilities run to tens
 * of KB on a big NUMA host, its pool and volume XML to one.  16 MiB leaves
 * two orders of magnitude and still bounds the tree libxml2 builds (about
 * 10x the text). */
#define OVK_XML_MAX_BYTES ((size_t)16 << 20)

/* The deepest element nesting we accept.  OVF needs about 8 levels
 * (Envelope/VirtualSystemCollection/VirtualSystem/VirtualHardwareSection/
 * Item/vmw:Config, vbox:Machine/Hardware/Network/Adapter/DisabledModes/NAT/
 * DNS), and collections may nest a few times; libvirt's documents need
 * about 5 (domainCapabilities/os/loader/enum/value).  64 is far above that
 * and far below stack trouble in a caller's recursive walk. */
#define OVK_XML_MAX_DEPTH 64

struct ovk_xml_doc;
struct ovk_xml_node;

/* Parse `len` bytes named `name` (for messages).  Errors read
 * "NAME:LINE: what". */
int ovk_xml_parse(const uint8_t *buf, size_t len, const char *name, struct ovk_xml_doc **out,
		  struct ovk_error *err);
void ovk_xml_free(struct ovk_xml_doc *doc);
/* What the parse read other than as the document says, or NULL: an XML
 * declaration of encoding="utf-16" over bytes that are not UTF-16
 * (XenCenter's exports) is read as the UTF-8 the bytes are, and this says
 * so.  Lives as long as the document. */
const char *ovk_xml_warning(const struct ovk_xml_doc *doc);

const struct ovk_xml_node *ovk_xml_root(const struct ovk_xml_doc *doc);

/* Element children only, in document order; NULL at the end. */
const struct ovk_xml_node *ovk_xml_first(const struct ovk_xml_node *n);
const struct ovk_xml_node *ovk_xml_next(const struct ovk_xml_node *n);
/* The first element child with local name `local`, in any namespace; NULL
 * when there is none or when n is NULL, so lookups chain:
 * ovk_xml_child(ovk_xml_child(root, "target"), "format"). */
const struct ovk_xml_node *ovk_xml_child(const struct ovk_xml_node *n, const char *local);

const char *ovk_xml_name(const struct ovk_xml_node *n);  /* local name */
const char *ovk_xml_ns(const struct ovk_xml_node *n);    /* URI or NULL */
long ovk_xml_line(const struct ovk_xml_node *n);

/* Attribute `local` without a namespace (name='x'), or with namespace URI
 * `ns` (ovf:id='x' where xmlns:ovf is `ns`).  NULL when absent or when n is
 * NULL; an attribute present but empty is "".  ns NULL is ovk_xml_attr().
 * A vocabulary that accepts both spellings asks for one, then the other. */
const char *ovk_xml_attr(const struct ovk_xml_node *n, const char *local);
const char *ovk_xml_attr_ns(const struct ovk_xml_node *n, const char *ns, const char *local);

/* The text content of an element, trimmed of surrounding white space, as a
 * new string (NULL on allocation failure). */
char *ovk_xml_text(const struct ovk_xml_node *n);

/* Resolve a QName value such as xsi:type="ovf:DiskSection_Type" in the
 * scope of `n`: *ns gets the prefix's URI (NULL if none), and the return is
 * the local part (pointing into `qname`). */
const char *ovk_xml_qname(const struct ovk_xml_node *n, const char *qname, const char **ns);

#endif
