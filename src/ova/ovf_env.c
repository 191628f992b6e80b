/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_env.c: the OVF environment (ovfenv.h): the deployer's settings,
 * checked against the properties before anything is created, and the
 * ovf-env.xml document built from them.
 *
 * The document is DSP0243's (section 11, the environment schema
 * dsp8027): an <Environment> in the environment namespace, prefix oe,
 * whose oe:id is the virtual system's id, a <PlatformSection> saying
 * who deployed it, and a <PropertySection> with one <Property oe:key
 * oe:value> per property, keys as [class.]key[.instance].  VMware writes
 * the same elements (and ve: additions for its own platform, which we do
 * not claim to be).
 */
#include "ovfenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"
#include "util/xmlw.h"

/* ------------------------------------------------------------ settings */

static int push(struct ovk_ovf_assign **arr, size_t *n, const char *key, size_t klen,
		const char *value, size_t vlen, const char *origin, struct ovk_error *err)
{
	struct ovk_ovf_assign *a;

	if (klen == 0)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: an empty key (KEY=VALUE)",
				     origin);
	if (klen > OVK_OVF_MAX_KEY || vlen > OVK_OVF_MAX_TEXT)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: key or value too long (at most "
				     "%d and %d bytes)", origin, OVK_OVF_MAX_KEY, OVK_OVF_MAX_TEXT);
	if (memchr(key, '\0', klen) || memchr(value, '\0', vlen))
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: a NUL byte", origin);
	if (*n >= OVK_OVF_MAX_ASSIGN)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: more than %d property settings",
				     origin, OVK_OVF_MAX_ASSIGN);
	if (!(a = realloc(*arr, (*n + 1) * sizeof *a)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	*arr = a;
	a = &a[*n];
	a->key = strndup(key, klen);
	a->value = strndup(value, vlen);
	a->origin = strdup(origin);
	(*n)++;
	if (!a->key || !a->value || !a->origin)
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int ovk_ovf_assign_add(struct ovk_ovf_assign **arr, size_t *n, const char *kv,
		       const char *origin, struct ovk_error *err)
{
	const char *eq = strchr(kv, '=');

	if (!eq)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: '%.64s%s' is not KEY=VALUE",
				     origin, kv, strlen(kv) > 64 ? "..." : "");
	return push(arr, n, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1), origin, err);
}

/* One line (without its newline) of a property file. */
static int parse_line(const char *line, size_t len, const char *name, unsigned long no,
		      struct ovk_ovf_assign **arr, size_t *n, struct ovk_error *err)
{
	char origin[512];
	const char *eq;
	size_t ks = 0, ke, vs;

	if (len && line[len - 1] == '\r')
		len--;
	while (ks < len && (line[ks] == ' ' || line[ks] == '\t'))
		ks++;
	if (ks == len || line[ks] == '#')
		return 0;
	snprintf(origin, sizeof origin, "%s:%lu", name, no);
	if (!(eq = memchr(line + ks, '=', len - ks)))
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: not KEY=VALUE", origin);
	ke = (size_t)(eq - line);
	while (ke > ks && (line[ke - 1] == ' ' || line[ke - 1] == '\t'))
		ke--;
	/* "KEY = VALUE" as Java's .properties read it: the blanks after '='
	 * are not the value's; the rest of the line is */
	vs = (size_t)(eq + 1 - line);
	while (vs < len && (line[vs] == ' ' || line[vs] == '\t'))
		vs++;
	return push(arr, n, line + ks, ke - ks, line + vs, len - vs, origin, err);
}

int ovk_ovf_assign_parse_file(const uint8_t *buf, size_t len, const char *name,
			      struct ovk_ovf_assign **arr, size_t *n, struct ovk_error *err)
{
	const char *s = (const char *)buf, *end = s + len;
	unsigned long no = 0;

	if (len > OVK_OVF_MAX_PROP_FILE)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: %zu bytes, more than a property "
				     "file may have (%zu)", name, len, OVK_OVF_MAX_PROP_FILE);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (parse_line(s, l, name, ++no, arr, n, err) < 0)
			return -1;
		s += l + (nl ? 1 : 0);
	}
	return 0;
}

void ovk_ovf_assign_free(struct ovk_ovf_assign *arr, size_t n)
{
	for (size_t i = 0; arr && i < n; i++) {
		free(arr[i].key);
		free(arr[i].value);
		free(arr[i].origin);
	}
	free(arr);
}

/* ------------------------------------------------------------ resolving */

/* "string, MinLen(1)" for messages. */
static void describe(const struct ovk_ovf_property *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", p->type_name, p->qualifiers ? ", " : "",
		 p->qualifiers ? p->qualifiers : "");
}

/* "'a', 'b', 'c'": the keys a user may set, for the unknown-key error. */
static void settable_keys(const struct ovk_ovf_envelope *env, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t s = 0; s < env->n_systems; s++)
		for (size_t i = 0; i < env->systems[s].n_properties && used + 1 < len; i++) {
			const struct ovk_ovf_property *p = &env->systems[s].properties[i];
			int r;

			if (!p->user_configurable)
				continue;
			r = snprintf(buf + used, len - used, "%s'%s'", used ? ", " : "", p->key);
			if (r < 0)
				return;
			used += (size_t)r;
		}
	if (used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

static const struct ovk_ovf_property *find(const struct ovk_ovf_system *vs, const char *key)
{
	for (size_t i = 0; i < vs->n_properties; i++)
		if (strcmp(vs->properties[i].key, key) == 0)
			return &vs->properties[i];
	return NULL;
}

/* One setting against every system that has its key. */
static int check_assign(const struct ovk_ovf_envelope *env, const struct ovk_ovf_assign *a,
			struct ovk_error *err)
{
	char why[128], what[512], keys[1024];
	int found = 0;

	for (size_t s = 0; s < env->n_systems; s++) {
		const struct ovk_ovf_property *p = find(&env->systems[s], a->key);

		if (!p)
			continue;
		found = 1;
		describe(p, what, sizeof what);
		if (!p->user_configurable)
			return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: property '%s' is not "
					     "user-configurable (the OVF gives it no "
					     "ovf:userConfigurable=\"true\")", a->origin, a->key);
		if (ovk_ovf_prop_check(p, a->value, why, sizeof why) < 0)
			return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: property '%s' (%s): %s%s%s "
					     "is %s", a->origin, a->key, what,
					     p->password ? "the value" : "'",
					     p->password ? "" : a->value, p->password ? "" : "'", why);
	}
	if (found)
		return 0;
	settable_keys(env, keys, sizeof keys);
	return ovk_error_set(err, OVK_OVF_EPROPERTY, "%s: the appliance has no property '%s' "
			     "(%s%s)", a->origin, a->key, keys[0] ? "it has " : "",
			     keys[0] ? keys : "it has none a user may set");
}

/* The value of p: the last setting of its key, else its default. */
static int value_of(const struct ovk_ovf_property *p, const struct ovk_ovf_assign *a, size_t n,
		    const char **out, struct ovk_error *err)
{
	char why[128], what[512];

	for (size_t i = n; i-- > 0;)
		if (strcmp(a[i].key, p->key) == 0) {
			*out = a[i].value;
			return 0;
		}
	describe(p, what, sizeof what);
	if (!p->value)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "property '%s' (%s) has no default "
				     "value%s%s%s", p->key, what, p->user_configurable ?
				     ": give one with --prop " : " and is not user-configurable: "
				     "the appliance cannot be deployed as it is",
				     p->user_configurable ? p->key : "",
				     p->user_configurable ? "=VALUE" : "");
	if (ovk_ovf_prop_check(p, p->value, why, sizeof why) < 0)
		return ovk_error_set(err, OVK_OVF_EPROPERTY, "property '%s' (%s): its default "
				     "%s%s%s is %s%s%s%s", p->key, what, p->password ? "" : "'",
				     p->password ? "value" : p->value, p->password ? "" : "'", why,
				     p->user_configurable ? ": give a value with --prop " : "",
				     p->user_configurable ? p->key : "",
				     p->user_configurable ? "=VALUE" : " (and it is not "
				     "user-configurable)");
	*out = p->value;
	return 0;
}

void ovk_ovf_env_values_free(const struct ovk_ovf_envelope *env, const char ***values)
{
	for (size_t s = 0; values && s < env->n_systems; s++)
		free(values[s]);
	free(values);
}

int ovk_ovf_env_resolve(const struct ovk_ovf_envelope *env, const struct ovk_ovf_assign *a,
			size_t n, const char ****out, struct ovk_error *err)
{
	const char ***v = calloc(env->n_systems ? env->n_systems : 1, sizeof *v);
	int ret = -1;

	*out = NULL;
	if (!v)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (check_assign(env, &a[i], err) < 0)
			goto out;
	for (size_t s = 0; s < env->n_systems; s++) {
		const struct ovk_ovf_system *vs = &env->systems[s];

		if (!(v[s] = calloc(vs->n_properties ? vs->n_properties : 1, sizeof **v))) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < vs->n_properties; i++)
			if (value_of(&vs->properties[i], a, n, &v[s][i], err) < 0)
				goto out;
	}
	*out = v;
	v = NULL;
	ret = 0;
out:
	ovk_ovf_env_values_free(env, v);
	return ret;
}

/* ------------------------------------------------------------ the document */

int ovk_ovf_env_xml(const struct ovk_ovf_system *vs, const char *const *values, char **xml,
		    struct ovk_error *err)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	struct ovk_xw *w = ovk_xw_new("Environment");
	struct ovk_xw_node *root, *plat, *props;
	char *body = NULL;
	int ret = -1;

	*xml = NULL;
	if (!w)
		return ovk_error_set(err, ENOMEM, "out of memory");
	root = ovk_xw_root(w);
	ovk_xw_attr(root, "xmlns", OVK_NS_OVFENV);
	ovk_xw_attr(root, "xmlns:oe", OVK_NS_OVFENV);
	ovk_xw_attr(root, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
	ovk_xw_attr(root, "oe:id", vs->id);
	plat = ovk_xw_child(root, "PlatformSection", NULL);
	ovk_xw_child(plat, "Kind", "KVM (libvirt, ovakit ova-import)");
	ovk_xw_child(plat, "Vendor", "ovakit");
	ovk_xw_child(plat, "Locale", "en");
	props = ovk_xw_child(root, "PropertySection", NULL);
	for (size_t i = 0; i < vs->n_properties; i++)
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(props, "Property", NULL), "oe:key",
					vs->properties[i].key), "oe:value", values[i]);
	if (ovk_xw_dump(w, &body, err) < 0)
		goto out;
	if (asprintf(xml, "%s%s\n", decl, body) < 0) {
		*xml = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(body);
	ovk_xw_free(w);
	return ret;
}

int ovk_ovf_env_iso(const struct ovk_ovf_system *vs, const char *const *values, uint8_t **iso,
		    size_t *len, struct ovk_error *err)
{
	char *xml = NULL;
	int ret = -1;

	if (ovk_ovf_env_xml(vs, values, &xml, err) < 0)
		goto out;
	if (ovk_iso_single_file(OVK_OVFENV_VOLUME, OVK_OVFENV_FILE, xml, strlen(xml), iso, len,
				err) < 0) {
		ovk_error_prefix(err, "the OVF environment of %s", vs->id);
		goto out;
	}
	ret = 0;
out:
	free(xml);
	return ret;
}
