/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_parse.c: from an OVF document to struct ovk_ovf_envelope.
 *
 * The walk is by section kind, not by element spelling: OVF 1.x and 2.0
 * name sections by element (<DiskSection>), OVF 0.9 by type
 * (<Section xsi:type="ovf:DiskSection_Type">, <Content xsi:type=
 * "ovf:VirtualSystem_Type">), and prefixes are arbitrary in all of them
 * (ovf-namespace:id).  ovk_ovf_kind() folds the two spellings together.
 * Hardware items live in ovf_hw.c.
 *
 * Every value is checked where it is read; references between sections
 * are checked once at the end (ovk_ovf_check), because a VirtualSystem may
 * legally come before the DiskSection it uses.
 */
#include "ovf_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ References */

static int parse_file(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		      struct ovk_ovf_envelope *env)
{
	struct ovk_ovf_file *f;
	const char *id = ovk_ovf_attr(c, n, "id");
	const char *href = ovk_ovf_attr(c, n, "href");
	const char *size = ovk_ovf_attr(c, n, "size");
	const char *comp = ovk_ovf_attr(c, n, "compression");
	const char *chunk = ovk_ovf_attr(c, n, "chunkSize");

	if (!id || !*id || !href || !*href)
		return ovk_ovf_fail(c, n, EINVAL, "<File> without ovf:id or ovf:href");
	f = ovk_ovf_grow(c, n, &env->files, &env->n_files, sizeof *f, OVK_OVF_MAX_REFS, "Files");
	if (!f || ovk_ovf_dup(c, n, id, &f->id) != 0 || ovk_ovf_dup(c, n, href, &f->href) != 0)
		return -1;
	if (size) {
		if (ovk_ovf_u64(size, &f->size) != 0)
			return ovk_ovf_fail(c, n, EINVAL, "File '%s': bad ovf:size '%s'", id, size);
		f->has_size = 1;
	}
	if (chunk && (ovk_ovf_u64(chunk, &f->chunk_size) != 0 || f->chunk_size == 0))
		return ovk_ovf_fail(c, n, EINVAL, "File '%s': bad ovf:chunkSize '%s'", id, chunk);
	if (comp && strcmp(comp, "identity") != 0) {
		if (strcmp(comp, "gzip") != 0)
			return ovk_ovf_fail(c, n, ENOTSUP, "File '%s': compression '%s' is not "
					    "supported (only gzip)", id, comp);
		if (ovk_ovf_dup(c, n, comp, &f->compression) != 0)
			return -1;
	}
	return 0;
}

static int parse_references(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			    struct ovk_ovf_envelope *env)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		if (ovk_ovf_is(c, n, "File")) {
			if (parse_file(c, n, env) != 0)
				return -1;
		} else if (ovk_ovf_add_unknown(c, n, &env->unknown, &env->n_unknown,
					       ovk_xml_name(n)) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ DiskSection */

/* oVirt's sizes: ovf:size is the virtual size in GiB (rounded up), and
 * ovf:actual_size the allocated GiB; ovirt-engine 4.4 adds ovf:capacity
 * in bytes, which wins when present. */
static int ovirt_disk_sizes(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			    const char *id, struct ovk_ovf_disk *d)
{
	const char *cap = ovk_ovf_attr(c, n, "capacity");
	const char *gib = ovk_ovf_attr(c, n, "size");
	const char *actual = ovk_ovf_attr(c, n, "actual_size");

	if (!cap && !gib)
		return ovk_ovf_fail(c, n, EINVAL, "an oVirt OVF: disk '%s' has neither "
				    "ovf:capacity (bytes) nor ovf:size (GiB)", id);
	if (ovk_ovf_bytes(cap ? cap : gib, NULL, cap ? 0 : 30, OVK_OVF_MAX_CAPACITY, &d->capacity,
			  c->err) != 0)
		return ovk_error_prefix(c->err, "%s:%ld: an oVirt OVF: disk '%s': %s", c->name,
					ovk_xml_line(n), id, cap ? "ovf:capacity" : "ovf:size (GiB)");
	if (actual && ovk_ovf_bytes(actual, NULL, 30, OVK_OVF_MAX_CAPACITY, &d->populated_size,
				    c->err) != 0)
		return ovk_error_prefix(c->err, "%s:%ld: an oVirt OVF: disk '%s': ovf:actual_size",
					c->name, ovk_xml_line(n), id);
	return 0;
}

static int disk_sizes(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *id,
		      struct ovk_ovf_disk *d)
{
	const char *cap = ovk_ovf_attr(c, n, "capacity");
	const char *units = ovk_ovf_attr(c, n, "capacityAllocationUnits");
	const char *pop = ovk_ovf_attr(c, n, "populatedSize");

	if (!cap)
		return ovk_ovf_fail(c, n, EINVAL, "<Disk> without ovf:diskId or ovf:capacity");
	if (cap[0] == '$')
		return ovk_ovf_fail(c, n, ENOTSUP, "disk '%s': capacity '%s' refers to a "
				    "property, which is not supported", id, cap);
	if (ovk_ovf_bytes(cap, units, 0, OVK_OVF_MAX_CAPACITY, &d->capacity, c->err) != 0)
		return ovk_error_prefix(c->err, "%s:%ld: disk '%s': capacity", c->name,
					ovk_xml_line(n), id);
	if (pop && ovk_ovf_u64(pop, &d->populated_size) != 0)
		return ovk_ovf_fail(c, n, EINVAL, "disk '%s': bad populatedSize '%s'", id, pop);
	return 0;
}

static int parse_disk(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		      struct ovk_ovf_envelope *env)
{
	struct ovk_ovf_disk *d;
	const char *id = ovk_ovf_attr(c, n, "diskId");
	const char *parent = ovk_ovf_attr(c, n, "parentRef");
	int ovirt = c->dialect == OVK_OVF_DIALECT_OVIRT;

	if (!id || !*id)
		return ovk_ovf_fail(c, n, EINVAL, "%s<Disk> without ovf:diskId",
				    ovirt ? "an oVirt OVF: " : "");
	d = ovk_ovf_grow(c, n, &env->disks, &env->n_disks, sizeof *d, OVK_OVF_MAX_REFS, "Disks");
	if (!d || ovk_ovf_dup(c, n, id, &d->id) != 0)
		return -1;
	if ((ovirt ? ovirt_disk_sizes : disk_sizes)(c, n, id, d) != 0)
		return -1;
	/* oVirt writes parentRef="" for a base volume. */
	if (ovirt && parent && !*parent)
		parent = NULL;
	if (ovk_ovf_dup(c, n, ovk_ovf_attr(c, n, "format"), &d->format) != 0 ||
	    ovk_ovf_dup(c, n, ovk_ovf_attr(c, n, "fileRef"), &d->file_ref) != 0 ||
	    ovk_ovf_dup(c, n, parent, &d->parent_ref) != 0)
		return -1;
	return 0;
}

static int parse_disks(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
		       struct ovk_ovf_envelope *env)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		if (ovk_ovf_is(c, n, "Disk")) {
			if (parse_disk(c, n, env) != 0)
				return -1;
		} else if (!ovk_ovf_is(c, n, "Info") &&
			   ovk_ovf_add_unknown(c, n, &env->unknown, &env->n_unknown,
					       ovk_xml_name(n)) != 0) {
			return -1;
		}
	}
	return 0;
}

/* oVirt's Disk ovf:fileRef is the File's href ("group/image"), not its id
 * (which is the image alone): point it at the id. */
static int ovirt_file_refs(const struct ovf_ctx *c, struct ovk_ovf_envelope *env)
{
	for (size_t i = 0; i < env->n_disks; i++) {
		struct ovk_ovf_disk *d = &env->disks[i];

		if (!d->file_ref || ovk_ovf_find_file(env, d->file_ref))
			continue;
		for (size_t f = 0; f < env->n_files; f++) {
			if (strcmp(env->files[f].href, d->file_ref) != 0)
				continue;
			free(d->file_ref);
			if (!(d->file_ref = strdup(env->files[f].id)))
				return ovk_ovf_fail(c, NULL, ENOMEM, "out of memory");
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ NetworkSection */

static int parse_networks(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			  struct ovk_ovf_envelope *env)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		struct ovk_ovf_network *net;
		const char *name;

		if (ovk_ovf_is(c, n, "Info"))
			continue;
		if (!ovk_ovf_is(c, n, "Network")) {
			if (ovk_ovf_add_unknown(c, n, &env->unknown, &env->n_unknown,
						ovk_xml_name(n)) != 0)
				return -1;
			continue;
		}
		name = ovk_ovf_attr(c, n, "name");
		if (!name || !*name)
			return ovk_ovf_fail(c, n, EINVAL, "<Network> without ovf:name");
		net = ovk_ovf_grow(c, n, &env->networks, &env->n_networks, sizeof *net,
				   OVK_OVF_MAX_REFS, "Networks");
		if (!net || ovk_ovf_dup(c, n, name, &net->name) != 0)
			return -1;
		for (const struct ovk_xml_node *d = ovk_xml_first(n); d; d = ovk_xml_next(d))
			if (ovk_ovf_is(c, d, "Description") && !net->description &&
			    ovk_ovf_text(c, d, &net->description) != 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ VirtualSystem */

/* 8-4-4-4-12 hex digits. */
static int is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	for (i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return 0;
	}
	return s[i] == '\0';
}

static int parse_os(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
		    struct ovk_ovf_system *vs)
{
	const char *id = ovk_ovf_attr(c, sec, "id");
	uint64_t v;

	if (id && ovk_ovf_u64(id, &v) == 0) {
		/* CIM_OperatingSystem ids are 0..~200; anything else is not one. */
		if (v > INT32_MAX)
			return ovk_ovf_fail(c, sec, EINVAL, "OperatingSystemSection: bad ovf:id '%s'",
					    id);
		vs->os_id = (int64_t)v;
	} else if (id && !is_uuid(id)) {
		/* oVirt may write the OS by name ("rhel_8x64", "windows_2019x64"). */
		if (!*id || strspn(id, "0123456789") == strlen(id))
			return ovk_ovf_fail(c, sec, EINVAL, "OperatingSystemSection: bad ovf:id '%s'",
					    id);
		if (ovk_ovf_dup(c, sec, id, &vs->os_type) != 0)
			return -1;
	}
	/* A UUID id (oVirt writes the VM's) says nothing about the OS. */
	if (!vs->os_type &&
	    ovk_ovf_dup(c, sec, ovk_xml_attr_ns(sec, OVK_NS_VMW, "osType"), &vs->os_type) != 0)
		return -1;
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		const char *ns = ovk_xml_ns(n);

		if (ovk_ovf_is(c, n, "Description") && !vs->os_description) {
			if (ovk_ovf_text(c, n, &vs->os_description) != 0)
				return -1;
			/* oVirt's Description is its OS name ("windows_10x64"). */
			if (c->dialect == OVK_OVF_DIALECT_OVIRT && !vs->os_type &&
			    ovk_ovf_dup(c, n, vs->os_description, &vs->os_type) != 0)
				return -1;
		} else if (ns && strcmp(ns, OVK_NS_VBOX) == 0 &&
			   strcmp(ovk_xml_name(n), "OSType") == 0 && !vs->os_type) {
			if (ovk_ovf_text(c, n, &vs->os_type) != 0)
				return -1;
		}
	}
	return 0;
}

static int parse_product(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			 struct ovk_ovf_system *vs)
{
	struct ovk_ovf_product *p;

	p = ovk_ovf_grow(c, sec, &vs->products, &vs->n_products, sizeof *p, OVK_OVF_MAX_REFS,
			 "ProductSections");
	if (!p)
		return -1;
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		static const char *const names[] = {"Product", "Vendor", "Version",
						    "FullVersion", "ProductUrl", "VendorUrl"};
		char **slots[] = {&p->product, &p->vendor, &p->version,
				  &p->full_version, &p->product_url, &p->vendor_url};
		size_t i;

		for (i = 0; i < 6; i++)
			if (ovk_ovf_is(c, n, names[i]))
				break;
		if (i < 6) {
			free(*slots[i]);
			if (ovk_ovf_text(c, n, slots[i]) != 0)
				return -1;
		}
	}
	return ovk_ovf_parse_properties(c, sec, vs);
}

/* AnnotationSection: the free text a VM's author left for the admin
 * (vSphere's "Notes"), which becomes the domain's <description>. */
static int parse_annotation(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			    struct ovk_ovf_system *vs)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n))
		if (ovk_ovf_is(c, n, "Annotation")) {
			free(vs->annotation);
			vs->annotation = NULL;
			return ovk_ovf_text(c, n, &vs->annotation);
		}
	return 0;
}

static int system_section(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			  struct ovk_ovf_system *vs, int *seen_hw)
{
	const char *ns = ovk_xml_ns(n);
	char kbuf[64];
	const char *kind = ovk_ovf_kind(c, n, kbuf, sizeof kbuf);

	if (ns && strcmp(ns, OVK_NS_VBOX) == 0 && strcmp(kind, "Machine") == 0)
		return ovk_ovf_parse_vbox_machine(c, n, vs);
	if (ns && strcmp(ns, c->ns) != 0)
		return ovk_ovf_add_unknown(c, n, &vs->unknown, &vs->n_unknown, kind);
	if (strcmp(kind, "Info") == 0) {
		free(vs->info);
		return ovk_ovf_text(c, n, &vs->info);
	}
	if (strcmp(kind, "Name") == 0) {
		free(vs->name);
		return ovk_ovf_text(c, n, &vs->name);
	}
	if (strcmp(kind, "OperatingSystemSection") == 0)
		return parse_os(c, n, vs);
	if (strcmp(kind, "ProductSection") == 0)
		return parse_product(c, n, vs);
	if (strcmp(kind, "AnnotationSection") == 0)
		return parse_annotation(c, n, vs);
	if (strcmp(kind, "VirtualHardwareSection") == 0 && !*seen_hw) {
		*seen_hw = 1;
		if (ovk_ovf_parse_transport(c, n, vs) != 0)
			return -1;
		return ovk_ovf_parse_hardware(c, n, vs);
	}
	/* A second VirtualHardwareSection is an alternative for another
	 * platform (e.g. xen); we use the first and report the rest. */
	return ovk_ovf_add_unknown(c, n, &vs->unknown, &vs->n_unknown, kind);
}

static int parse_system(const struct ovf_ctx *c, const struct ovk_xml_node *sys,
			struct ovk_ovf_envelope *env, const char *collection)
{
	struct ovk_ovf_system *vs;
	const char *id = ovk_ovf_attr(c, sys, "id");
	int seen_hw = 0;

	if (!id || !*id)
		return ovk_ovf_fail(c, sys, EINVAL, "VirtualSystem without ovf:id");
	vs = ovk_ovf_grow(c, sys, &env->systems, &env->n_systems, sizeof *vs, OVK_OVF_MAX_SYSTEMS,
			  "VirtualSystems");
	if (!vs)
		return -1;
	vs->os_id = -1;
	if (ovk_ovf_dup(c, sys, id, &vs->id) != 0 ||
	    ovk_ovf_dup(c, sys, collection, &vs->collection) != 0)
		return -1;
	for (const struct ovk_xml_node *n = ovk_xml_first(sys); n; n = ovk_xml_next(n))
		if (system_section(c, n, vs, &seen_hw) != 0)
			return -1;
	if (!vs->name && ovk_ovf_dup(c, sys, id, &vs->name) != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ Envelope */

static int parse_content(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			 struct ovk_ovf_envelope *env, const char *collection);

static int parse_collection(const struct ovf_ctx *c, const struct ovk_xml_node *coll,
			    struct ovk_ovf_envelope *env)
{
	const char *id = ovk_ovf_attr(c, coll, "id");

	if (!id || !*id)
		return ovk_ovf_fail(c, coll, EINVAL, "VirtualSystemCollection without ovf:id");
	/* Recursion depth is bounded by OVK_XML_MAX_DEPTH. */
	for (const struct ovk_xml_node *n = ovk_xml_first(coll); n; n = ovk_xml_next(n))
		if (parse_content(c, n, env, id) != 0)
			return -1;
	return 0;
}

/* One child of the Envelope or of a collection. */
static int parse_content(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			 struct ovk_ovf_envelope *env, const char *collection)
{
	char kbuf[64];
	const char *kind = ovk_ovf_kind(c, n, kbuf, sizeof kbuf);
	const char *ns = ovk_xml_ns(n);

	if (ns && strcmp(ns, c->ns) != 0)
		return ovk_ovf_add_unknown(c, n, &env->unknown, &env->n_unknown, kind);
	if (strcmp(kind, "VirtualSystem") == 0)
		return parse_system(c, n, env, collection);
	if (strcmp(kind, "VirtualSystemCollection") == 0)
		return parse_collection(c, n, env);
	if (!collection && strcmp(kind, "References") == 0)
		return parse_references(c, n, env);
	if (!collection && strcmp(kind, "DiskSection") == 0)
		return parse_disks(c, n, env);
	if (!collection && strcmp(kind, "NetworkSection") == 0)
		return parse_networks(c, n, env);
	/* Read before everything else (ovf_config.c). */
	if (!collection && strcmp(kind, "DeploymentOptionSection") == 0)
		return 0;
	if (strcmp(kind, "Info") == 0 || strcmp(kind, "Name") == 0)
		return 0;
	return ovk_ovf_add_unknown(c, n, &env->unknown, &env->n_unknown, kind);
}

/* The namespace of the root, with a message that says what it is when we
 * do not read it: an OVF 0.9 or oVirt file in a spelling we do not know,
 * an OVF version we do not know, or no OVF at all. */
static int envelope_version(const struct ovf_ctx *c, const struct ovk_xml_node *root,
			    struct ovk_ovf_envelope *env)
{
	static const char dmtf[] = "http://schemas.dmtf.org/ovf/envelope/";
	const char *ns = ovk_xml_ns(root);

	if (strcmp(ovk_xml_name(root), "Envelope") != 0)
		return ovk_ovf_fail(c, root, EINVAL, "the root is <%s>%s%s%s, not an OVF <Envelope>",
				    ovk_xml_name(root), ns ? " in namespace '" : "", ns ? ns : "",
				    ns ? "'" : "");
	if (!ns)
		return ovk_ovf_fail(c, root, EINVAL, "<Envelope> has no namespace: an OVF 1.x "
				    "envelope is in '%s', 2.0 in '%s', 0.9 in '%s'", OVK_NS_OVF1,
				    OVK_NS_OVF2, OVK_NS_OVF09);
	if (strcmp(ns, OVK_NS_OVF09) == 0)
		env->version = OVK_OVF_V0_9;
	else if (strcmp(ns, OVK_NS_OVF1) == 0)
		env->version = OVK_OVF_V1;
	else if (strcmp(ns, OVK_NS_OVF2) == 0)
		env->version = OVK_OVF_V2;
	else if (strcmp(ns, OVK_NS_OVF1_OVIRT) == 0) {
		env->version = OVK_OVF_V1;
		env->dialect = OVK_OVF_DIALECT_OVIRT;
	} else if (strncmp(ns, OVK_NS_OVF09, strlen(OVK_NS_OVF09)) == 0)
		return ovk_ovf_fail(c, root, EINVAL, "an OVF 0.9 envelope, but its namespace is "
				    "'%s', not '%s'", ns, OVK_NS_OVF09);
	else if (strstr(ns, "ovirt"))
		return ovk_ovf_fail(c, root, EINVAL, "an oVirt OVF, but its <Envelope> is in "
				    "namespace '%s', not '%s'", ns, OVK_NS_OVF1_OVIRT);
	else if (strncmp(ns, dmtf, strlen(dmtf)) == 0)
		return ovk_ovf_fail(c, root, ENOTSUP, "an OVF envelope of version '%s' (namespace "
				    "'%s'): only 0.9, 1.x and 2.0 are read", ns + strlen(dmtf), ns);
	else
		return ovk_ovf_fail(c, root, EINVAL, "<Envelope> in namespace '%s', which is no OVF "
				    "version's (1.x: '%s', 2.0: '%s', 0.9: '%s')", ns, OVK_NS_OVF1,
				    OVK_NS_OVF2, OVK_NS_OVF09);
	return 0;
}

/* The document's own notes: an encoding that contradicts the bytes. */
static int xml_warnings(const struct ovf_ctx *c, const struct ovk_xml_doc *doc,
			struct ovk_ovf_envelope *env)
{
	const char *w = ovk_xml_warning(doc);

	if (!w)
		return 0;
	return ovk_ovf_warn(c, NULL, &env->warnings, &env->n_warnings, "%s", w);
}

int ovk_ovf_parse(const uint8_t *buf, size_t len, const char *name,
		  struct ovk_ovf_envelope **out, struct ovk_error *err)
{
	return ovk_ovf_parse_config(buf, len, name, NULL, out, err);
}

int ovk_ovf_parse_config(const uint8_t *buf, size_t len, const char *name, const char *config,
			 struct ovk_ovf_envelope **out, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	struct ovk_ovf_envelope *env = NULL;
	const struct ovk_xml_node *root;
	struct ovf_ctx c = {.name = name, .err = err};
	int ret = -1;

	*out = NULL;
	if (ovk_xml_parse(buf, len, name, &doc, err) != 0)
		goto out;
	root = ovk_xml_root(doc);
	env = calloc(1, sizeof *env);
	if (!env) {
		ovk_error_set(err, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	if (envelope_version(&c, root, env) != 0)
		goto out;
	c.ns = ovk_xml_ns(root);
	c.dialect = env->dialect;
	if (xml_warnings(&c, doc, env) != 0 || ovk_ovf_parse_configs(&c, root, env, config) != 0)
		goto out;
	for (const struct ovk_xml_node *n = ovk_xml_first(root); n; n = ovk_xml_next(n))
		if (parse_content(&c, n, env, NULL) != 0)
			goto out;
	if (c.dialect == OVK_OVF_DIALECT_OVIRT && ovirt_file_refs(&c, env) != 0)
		goto out;
	if (env->n_systems == 0) {
		ovk_ovf_fail(&c, NULL, EINVAL, "no VirtualSystem in the envelope");
		goto out;
	}
	if (ovk_ovf_check(&c, env) != 0 || ovk_ovf_check_use(&c, root, env) != 0)
		goto out;
	*out = env;
	env = NULL;
	ret = 0;
out:
	ovk_ovf_free(env);
	ovk_xml_free(doc);
	return ret;
}
