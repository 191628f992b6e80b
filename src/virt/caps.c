/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps.c: libvirt's capabilities and domain capabilities documents, read
 * into struct ovk_caps through the XML reader (util/xml.h).  Only the few
 * facts the mapping needs are kept; anything unexpected is ignored, since
 * libvirt adds elements over time.
 *
 *   <capabilities><guest><os_type>hvm</os_type>
 *     <arch name='x86_64'><machine>pc</machine>..<domain type='kvm'/>..</arch>
 *   </guest>..</capabilities>
 *
 *   <domainCapabilities>
 *     <os><enum name='firmware'><value>efi</value></enum>
 *       <loader><enum name='secure'><value>yes</value>..</enum></loader></os>
 *     <devices><disk><enum name='bus'><value>sata</value>..</enum></disk>
 *       <video><enum name='modelType'>..</enum></video></devices>
 *     <features><hyperv supported='yes'/></features>
 *   </domainCapabilities>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "util/xml.h"

int ovk_caps_enum_has(const struct ovk_caps_enum *e, const char *v)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i], v) == 0)
			return 1;
	return 0;
}

/* Values beyond the fixed capacity are dropped: the lists we read have at
 * most ten entries in libvirt 9 (machines: aliases only, see read_arch). */
static void enum_add(struct ovk_caps_enum *e, const char *v)
{
	if (!v || e->n >= OVK_CAPS_MAX_VALUES || strlen(v) >= OVK_CAPS_VALUE_LEN ||
	    ovk_caps_enum_has(e, v))
		return;
	snprintf(e->v[e->n++], OVK_CAPS_VALUE_LEN, "%s", v);
}

/* <enum name='NAME'><value>..</value>..</enum> under n, into e. */
static int read_enum(const struct ovk_xml_node *n, const char *name, struct ovk_caps_enum *e)
{
	for (const struct ovk_xml_node *c = n ? ovk_xml_first(n) : NULL; c; c = ovk_xml_next(c)) {
		const char *a = ovk_xml_attr(c, "name");

		if (strcmp(ovk_xml_name(c), "enum") != 0 || !a || strcmp(a, name) != 0)
			continue;
		for (const struct ovk_xml_node *v = ovk_xml_first(c); v; v = ovk_xml_next(v)) {
			char *t = ovk_xml_text(v);

			if (!t)
				return -1;
			enum_add(e, t);
			free(t);
		}
	}
	return 0;
}

static int supported(const struct ovk_xml_node *n)
{
	const char *s = ovk_xml_attr(n, "supported");

	return s && strcmp(s, "yes") == 0;
}

static void read_arch(const struct ovk_xml_node *a, struct ovk_caps *caps)
{
	for (const struct ovk_xml_node *c = ovk_xml_first(a); c; c = ovk_xml_next(c)) {
		if (strcmp(ovk_xml_name(c), "domain") == 0) {
			enum_add(&caps->domain_types, ovk_xml_attr(c, "type"));
		} else if (strcmp(ovk_xml_name(c), "machine") == 0 &&
			   ovk_xml_attr(c, "canonical")) {
			/* Only aliases ("pc", "q35"): the versioned names
			 * are forty and we never ask for one. */
			char *t = ovk_xml_text(c);

			enum_add(&caps->machines, t);
			free(t);
		}
	}
}

/* The <arch> of an hvm guest named `want`, or the first hvm one. */
static const struct ovk_xml_node *find_arch(const struct ovk_xml_node *root, const char *want)
{
	const struct ovk_xml_node *first = NULL;

	for (const struct ovk_xml_node *g = ovk_xml_first(root); g; g = ovk_xml_next(g)) {
		const struct ovk_xml_node *os = ovk_xml_child(g, "os_type");
		const struct ovk_xml_node *a = ovk_xml_child(g, "arch");
		char *t;
		int hvm;

		if (strcmp(ovk_xml_name(g), "guest") != 0 || !os || !a)
			continue;
		t = ovk_xml_text(os);
		hvm = t && strcmp(t, "hvm") == 0;
		free(t);
		if (!hvm)
			continue;
		if (!first)
			first = a;
		if (strcmp(ovk_xml_attr(a, "name") ? ovk_xml_attr(a, "name") : "",
			   want ? want : "x86_64") == 0)
			return a;
	}
	return want ? NULL : first;
}

int ovk_caps_parse_host(const char *xml, const char *arch, struct ovk_caps *caps,
			struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *a;
	const char *name;
	int ret = -1;

	memset(caps, 0, sizeof(*caps));
	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), "host capabilities", &doc, err) < 0)
		goto out;
	if (!(a = find_arch(ovk_xml_root(doc), arch))) {
		ovk_error_set(err, ENOTSUP, "the host offers no hvm guests for %s",
			      arch ? arch : "any architecture");
		goto out;
	}
	name = ovk_xml_attr(a, "name");
	snprintf(caps->arch, sizeof(caps->arch), "%s", name ? name : "");
	read_arch(a, caps);
	if (caps->domain_types.n == 0) {
		ovk_error_set(err, ENOTSUP, "the host offers no domain type for %s", caps->arch);
		goto out;
	}
	ret = 0;
out:
	ovk_xml_free(doc);
	return ret;
}

int ovk_caps_parse_domain(const char *xml, struct ovk_caps *caps, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *root, *os, *dev, *n;
	int ret = -1;

	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), "domain capabilities", &doc,
			  err) < 0)
		goto out;
	root = ovk_xml_root(doc);
	if (strcmp(ovk_xml_name(root), "domainCapabilities") != 0) {
		ovk_error_set(err, EINVAL, "domain capabilities: root element is <%s>",
			      ovk_xml_name(root));
		goto out;
	}
	os = ovk_xml_child(root, "os");
	dev = ovk_xml_child(root, "devices");
	if (supported(os) && read_enum(os, "firmware", &caps->firmware) < 0)
		goto nomem;
	n = ovk_xml_child(os, "loader");
	if (supported(n) && read_enum(n, "secure", &caps->secure) < 0)
		goto nomem;
	n = ovk_xml_child(dev, "disk");
	if (supported(n) && read_enum(n, "bus", &caps->disk_buses) < 0)
		goto nomem;
	n = ovk_xml_child(dev, "video");
	if (supported(n) && read_enum(n, "modelType", &caps->video_models) < 0)
		goto nomem;
	n = ovk_xml_child(root, "cpu");
	for (n = n ? ovk_xml_first(n) : NULL; n; n = ovk_xml_next(n))
		if (strcmp(ovk_xml_name(n), "mode") == 0 && supported(n))
			enum_add(&caps->cpu_modes, ovk_xml_attr(n, "name"));
	caps->hyperv = supported(ovk_xml_child(ovk_xml_child(root, "features"), "hyperv"));
	caps->have_domcaps = 1;
	ret = 0;
	goto out;
nomem:
	ovk_error_set(err, ENOMEM, "out of memory");
out:
	ovk_xml_free(doc);
	return ret;
}

const char *ovk_caps_domain_type(const struct ovk_caps *caps)
{
	if (ovk_caps_enum_has(&caps->domain_types, "kvm"))
		return "kvm";
	if (ovk_caps_enum_has(&caps->domain_types, "qemu"))
		return "qemu";
	return caps->domain_types.n ? caps->domain_types.v[0] : NULL;
}
