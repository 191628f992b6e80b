/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_priv.h: what the OVF reader's files share (ovf_parse.c walks the
 * envelope and its sections, ovf_hw.c the VirtualHardwareSection items,
 * ovf_model.c owns the model's memory and its cross-reference checks):
 * OVF's namespaces and the helpers that read its dialects (ovf:id or id,
 * 0.9's xsi:type sections) over the XML reader, util/xml.h.
 * Not for use outside src/ova/ovf*.c.
 */
#ifndef OVK_OVA_OVF_PRIV_H
#define OVK_OVA_OVF_PRIV_H

#include "ovf.h"
#include "util/xml.h"

#define OVK_NS_OVF09 "http://www.vmware.com/schema/ovf/1/envelope"
#define OVK_NS_OVF1 "http://schemas.dmtf.org/ovf/envelope/1"
/* ovirt-engine's OvfWriter and virt-v2v's RHV output write this. */
#define OVK_NS_OVF1_OVIRT "http://schemas.dmtf.org/ovf/envelope/1/"
#define OVK_NS_OVF2 "http://schemas.dmtf.org/ovf/envelope/2"
#define OVK_NS_VMW "http://www.vmware.com/schema/ovf"
#define OVK_NS_VBOX "http://www.virtualbox.org/ovf/machine"
#define OVK_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

struct ovf_ctx {
	const char *name;        /* document name, for messages */
	const char *ns;          /* the envelope's namespace URI */
	enum ovk_ovf_dialect dialect;
	const char *config;      /* the chosen configuration, or NULL */
	struct ovk_error *err;
};

/* An element of the envelope's vocabulary: its namespace, or none (OVF 0.9
 * files leave most elements unqualified). */
int ovk_ovf_is(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *local);
/* ovf:NAME or bare NAME. */
const char *ovk_ovf_attr(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *local);
/* The same for another namespace (vmw:key or key): exporters write OVF's
 * attributes both ways, the qualified one wins when both are there. */
const char *ovk_ovf_attr_in(const struct ovk_xml_node *n, const char *ns, const char *local);
/* The section kind: the local name, or for OVF 0.9's <Section xsi:type=
 * "ovf:DiskSection_Type"> and <Content xsi:type="ovf:VirtualSystem_Type">
 * the type without "_Type".  Writes into buf. */
const char *ovk_ovf_kind(const struct ovf_ctx *c, const struct ovk_xml_node *n, char *buf,
			 size_t len);
/* ovf:required is anything but "false". */
int ovk_ovf_required(const struct ovf_ctx *c, const struct ovk_xml_node *n);

/* Text of an element or an attribute copied into *out, refusing values
 * longer than OVK_OVF_MAX_TEXT.  A NULL attribute leaves *out NULL. */
int ovk_ovf_text(const struct ovf_ctx *c, const struct ovk_xml_node *n, char **out);
int ovk_ovf_dup(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *val,
		char **out);

/* A <Label> or <Description> child k into *label / *desc (the first of
 * each wins): 1 when k was one, 0 when not, -1 on error. */
int ovk_ovf_label_desc(const struct ovf_ctx *c, const struct ovk_xml_node *k, char **label,
		       char **desc);

/* Append a zeroed element to *arr (of *n elements of `size` bytes), at most
 * `limit` elements; what names the array for the error.  NULL on error. */
void *ovk_ovf_grow(const struct ovf_ctx *c, const struct ovk_xml_node *n, void *arr_p,
		   size_t *count, size_t size, size_t limit, const char *what);

int ovk_ovf_add_unknown(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			struct ovk_ovf_unknown **arr, size_t *count, const char *what);

/* Append "NAME:LINE: fmt" to a warning list.  -1 only when out of memory
 * (err set). */
int ovk_ovf_warn(const struct ovf_ctx *c, const struct ovk_xml_node *n, char ***arr,
		 size_t *count, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Append a copy of s to a string list (at most OVK_OVF_MAX_ITEMS). */
int ovk_ovf_add_string(const struct ovf_ctx *c, const struct ovk_xml_node *n, char ***arr,
		       size_t *count, const char *s);

/* Error at node n: "NAME:LINE: fmt". */
int ovk_ovf_fail(const struct ovf_ctx *c, const struct ovk_xml_node *n, int errnum,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ovf_hw.c */
int ovk_ovf_parse_hardware(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			   struct ovk_ovf_system *vs);
int ovk_ovf_parse_vbox_machine(const struct ovf_ctx *c, const struct ovk_xml_node *m,
			       struct ovk_ovf_system *vs);

/* Whether an element with ovf:configuration="a b" belongs to the chosen
 * configuration: always without the attribute. */
int ovk_ovf_in_config(const struct ovf_ctx *c, const struct ovk_xml_node *n);

/* ovf_props.c: a ProductSection's properties, and the VirtualHardware-
 * Section's ovf:transport. */
int ovk_ovf_parse_properties(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			     struct ovk_ovf_system *vs);
int ovk_ovf_parse_transport(const struct ovf_ctx *c, const struct ovk_xml_node *hw,
			    struct ovk_ovf_system *vs);
void ovk_ovf_free_properties(struct ovk_ovf_property *props, size_t n);

/* ovf_model.c */
int ovk_ovf_check(const struct ovf_ctx *c, struct ovk_ovf_envelope *env);
void ovk_ovf_free_strings(char **arr, size_t n);

/* ovf_config.c: the DeploymentOptionSection, and the choice among it. */
int ovk_ovf_parse_configs(struct ovf_ctx *c, const struct ovk_xml_node *root,
			  struct ovk_ovf_envelope *env, const char *want);
/* Every Disk attached, every File referenced (see ovf.h's invariants). */
int ovk_ovf_check_use(const struct ovf_ctx *c, const struct ovk_xml_node *root,
		      struct ovk_ovf_envelope *env);

#endif
