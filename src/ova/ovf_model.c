/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_model.c: the OVF model's memory, the reader's small helpers, and the
 * cross-reference checks that make the invariants of ovf.h true.
 */
#include "ovf_priv.h"

#include "core/checked.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ovk_ovf_fail(const struct ovf_ctx *c, const struct ovk_xml_node *n, int errnum,
		 const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		return ovk_error_set(c->err, errnum, "%s:%ld: %s", c->name, ovk_xml_line(n), msg);
	return ovk_error_set(c->err, errnum, "%s: %s", c->name, msg);
}

int ovk_ovf_add_string(const struct ovf_ctx *c, const struct ovk_xml_node *n, char ***arr,
		       size_t *count, const char *s)
{
	char **slot = ovk_ovf_grow(c, n, arr, count, sizeof *slot, OVK_OVF_MAX_ITEMS, "notes");

	if (!slot)
		return -1;
	if (!(*slot = strdup(s))) {
		(*count)--;
		return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	}
	return 0;
}

int ovk_ovf_warn(const struct ovf_ctx *c, const struct ovk_xml_node *n, char ***arr,
		 size_t *count, const char *fmt, ...)
{
	char msg[sizeof c->err->msg], line[sizeof msg + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		snprintf(line, sizeof line, "%s:%ld: %s", c->name, ovk_xml_line(n), msg);
	else
		snprintf(line, sizeof line, "%s: %s", c->name, msg);
	return ovk_ovf_add_string(c, n, arr, count, line);
}

void ovk_ovf_free_strings(char **arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i]);
	free(arr);
}

int ovk_ovf_is(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *local)
{
	const char *ns = ovk_xml_ns(n);

	if (strcmp(ovk_xml_name(n), local) != 0)
		return 0;
	return !ns || strcmp(ns, c->ns) == 0;
}

const char *ovk_ovf_attr_in(const struct ovk_xml_node *n, const char *ns, const char *local)
{
	const char *v = ovk_xml_attr_ns(n, ns, local);

	return v ? v : ovk_xml_attr(n, local);
}

const char *ovk_ovf_attr(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *local)
{
	return ovk_ovf_attr_in(n, c->ns, local);
}

const char *ovk_ovf_kind(const struct ovf_ctx *c, const struct ovk_xml_node *n, char *buf,
			 size_t len)
{
	const char *name = ovk_xml_name(n);
	const char *type, *local, *ns;
	size_t l;

	if (!ovk_ovf_is(c, n, "Section") && !ovk_ovf_is(c, n, "Content"))
		return name;
	type = ovk_xml_attr_ns(n, OVK_NS_XSI, "type");
	if (!type)
		return name;
	local = ovk_xml_qname(n, type, &ns);
	l = strlen(local);
	if (l > 5 && strcmp(local + l - 5, "_Type") == 0)
		l -= 5;
	if (l >= len)
		return name;
	memcpy(buf, local, l);
	buf[l] = '\0';
	return buf;
}

int ovk_ovf_required(const struct ovf_ctx *c, const struct ovk_xml_node *n)
{
	const char *r = ovk_ovf_attr(c, n, "required");

	return !r || strcmp(r, "false") != 0;
}

int ovk_ovf_dup(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *val,
		char **out)
{
	*out = NULL;
	if (!val)
		return 0;
	if (strlen(val) > OVK_OVF_MAX_TEXT)
		return ovk_ovf_fail(c, n, EINVAL, "<%s>: a value of more than %d bytes",
				    ovk_xml_name(n), OVK_OVF_MAX_TEXT);
	*out = strdup(val);
	if (!*out)
		return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	return 0;
}

int ovk_ovf_text(const struct ovf_ctx *c, const struct ovk_xml_node *n, char **out)
{
	char *t = ovk_xml_text(n);
	int ret;

	*out = NULL;
	if (!t)
		return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	ret = ovk_ovf_dup(c, n, t, out);
	free(t);
	return ret;
}

int ovk_ovf_label_desc(const struct ovf_ctx *c, const struct ovk_xml_node *k, char **label,
		       char **desc)
{
	char **slot = ovk_ovf_is(c, k, "Label") ? label :
		      ovk_ovf_is(c, k, "Description") ? desc : NULL;

	if (!slot)
		return 0;
	if (*slot)
		return 1;
	return ovk_ovf_text(c, k, slot) != 0 ? -1 : 1;
}

void *ovk_ovf_grow(const struct ovf_ctx *c, const struct ovk_xml_node *n, void *arr_p,
		   size_t *count, size_t size, size_t limit, const char *what)
{
	void **arr = arr_p;
	size_t cap;
	char *p;

	if (*count >= limit) {
		ovk_ovf_fail(c, n, E2BIG, "more than %zu %s", limit, what);
		return NULL;
	}
	/* Capacity is implied: 4 until 4 elements, then twice the last power
	 * of two, so reallocate exactly when the count is 0 or a power of 2. */
	if (*count == 0 || ovk_is_pow2(*count)) {
		cap = *count < 2 ? 4 : *count * 2;
		p = realloc(*arr, cap * size);
		if (!p) {
			ovk_ovf_fail(c, n, ENOMEM, "out of memory");
			return NULL;
		}
		*arr = p;
	}
	p = (char *)*arr + *count * size;
	memset(p, 0, size);
	(*count)++;
	return p;
}

int ovk_ovf_add_unknown(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			struct ovk_ovf_unknown **arr, size_t *count, const char *what)
{
	struct ovk_ovf_unknown *u;

	u = ovk_ovf_grow(c, n, arr, count, sizeof *u, OVK_OVF_MAX_ITEMS, "unknown elements");
	if (!u)
		return -1;
	u->line = ovk_xml_line(n);
	u->required = ovk_ovf_required(c, n);
	return ovk_ovf_dup(c, n, what, &u->what);
}

/* ------------------------------------------------------------ freeing */

static void free_unknown(struct ovk_ovf_unknown *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].what);
	free(u);
}

static void free_system(struct ovk_ovf_system *vs)
{
	size_t i;

	free(vs->id);
	free(vs->name);
	free(vs->info);
	free(vs->annotation);
	free(vs->collection);
	free(vs->system_type);
	free(vs->os_type);
	free(vs->os_description);
	free(vs->nvram_file_ref);
	for (i = 0; i < vs->n_controllers; i++) {
		free(vs->controllers[i].instance_id);
		free(vs->controllers[i].subtype);
		free(vs->controllers[i].scsi_model);
		free(vs->controllers[i].name);
	}
	free(vs->controllers);
	for (i = 0; i < vs->n_drives; i++) {
		free(vs->drives[i].instance_id);
		free(vs->drives[i].host_resource);
		free(vs->drives[i].disk_id);
		free(vs->drives[i].file_ref);
		free(vs->drives[i].name);
	}
	free(vs->drives);
	for (i = 0; i < vs->n_nics; i++) {
		free(vs->nics[i].instance_id);
		free(vs->nics[i].model);
		free(vs->nics[i].mac);
		free(vs->nics[i].network);
		free(vs->nics[i].name);
	}
	free(vs->nics);
	for (i = 0; i < vs->n_devices; i++) {
		free(vs->devices[i].instance_id);
		free(vs->devices[i].subtype);
		free(vs->devices[i].name);
	}
	free(vs->devices);
	for (i = 0; i < vs->n_config; i++) {
		free(vs->config[i].key);
		free(vs->config[i].value);
	}
	free(vs->config);
	for (i = 0; i < vs->n_products; i++) {
		struct ovk_ovf_product *p = &vs->products[i];

		free(p->product);
		free(p->vendor);
		free(p->version);
		free(p->full_version);
		free(p->product_url);
		free(p->vendor_url);
	}
	free(vs->products);
	ovk_ovf_free_properties(vs->properties, vs->n_properties);
	free(vs->transport);
	free_unknown(vs->unknown, vs->n_unknown);
	ovk_ovf_free_strings(vs->warnings, vs->n_warnings);
	ovk_ovf_free_strings(vs->other_config_disks, vs->n_other_config_disks);
}

void ovk_ovf_free(struct ovk_ovf_envelope *env)
{
	size_t i;

	if (!env)
		return;
	for (i = 0; i < env->n_files; i++) {
		free(env->files[i].id);
		free(env->files[i].href);
		free(env->files[i].compression);
	}
	free(env->files);
	for (i = 0; i < env->n_disks; i++) {
		free(env->disks[i].id);
		free(env->disks[i].format);
		free(env->disks[i].file_ref);
		free(env->disks[i].parent_ref);
	}
	free(env->disks);
	for (i = 0; i < env->n_networks; i++) {
		free(env->networks[i].name);
		free(env->networks[i].description);
	}
	free(env->networks);
	for (i = 0; i < env->n_systems; i++)
		free_system(&env->systems[i]);
	free(env->systems);
	free_unknown(env->unknown, env->n_unknown);
	ovk_ovf_free_strings(env->warnings, env->n_warnings);
	for (i = 0; i < env->n_configurations; i++) {
		free(env->configurations[i].id);
		free(env->configurations[i].label);
		free(env->configurations[i].description);
	}
	free(env->configurations);
	free(env->config);
	free(env);
}

/* ------------------------------------------------------------ lookups */

const struct ovk_ovf_file *ovk_ovf_find_file(const struct ovk_ovf_envelope *env, const char *id)
{
	for (size_t i = 0; id && i < env->n_files; i++)
		if (strcmp(env->files[i].id, id) == 0)
			return &env->files[i];
	return NULL;
}

const struct ovk_ovf_disk *ovk_ovf_find_disk(const struct ovk_ovf_envelope *env, const char *id)
{
	for (size_t i = 0; id && i < env->n_disks; i++)
		if (strcmp(env->disks[i].id, id) == 0)
			return &env->disks[i];
	return NULL;
}

/* ------------------------------------------------------------ checks */

/* Ids are few (bounded by OVK_OVF_MAX_REFS), so a quadratic scan is at most
 * 8M comparisons of short strings, once per parse. */
#define CHECK_UNIQUE(c, arr, n, what)                                                   \
	do {                                                                            \
		for (size_t i_ = 0; i_ < (n); i_++)                                     \
			for (size_t j_ = i_ + 1; j_ < (n); j_++)                        \
				if (strcmp((arr)[i_].id, (arr)[j_].id) == 0)            \
					return ovk_ovf_fail(c, NULL, EINVAL,            \
							    "two %s with id '%s'", what,\
							    (arr)[i_].id);              \
	} while (0)

static int check_disks(const struct ovf_ctx *c, const struct ovk_ovf_envelope *env)
{
	for (size_t i = 0; i < env->n_disks; i++) {
		const struct ovk_ovf_disk *d = &env->disks[i];
		const struct ovk_ovf_disk *p = d;
		size_t hops = 0;

		if (d->file_ref && !ovk_ovf_find_file(env, d->file_ref))
			return ovk_ovf_fail(c, NULL, EINVAL,
					    "disk '%s': fileRef '%s' names no File in References",
					    d->id, d->file_ref);
		/* A parent chain must end; more hops than disks is a loop. */
		while (p->parent_ref) {
			p = ovk_ovf_find_disk(env, p->parent_ref);
			if (!p)
				return ovk_ovf_fail(c, NULL, EINVAL,
						    "disk '%s': parentRef names no Disk", d->id);
			if (++hops > env->n_disks)
				return ovk_ovf_fail(c, NULL, EINVAL,
						    "disk '%s': parentRef chain loops", d->id);
		}
	}
	return 0;
}

static int check_system(const struct ovf_ctx *c, const struct ovk_ovf_envelope *env,
			const struct ovk_ovf_system *vs)
{
	for (size_t i = 0; i < vs->n_drives; i++) {
		const struct ovk_ovf_drive *dr = &vs->drives[i];

		if (dr->disk_id && !ovk_ovf_find_disk(env, dr->disk_id))
			return ovk_ovf_fail(c, NULL, EINVAL,
					    "system '%s': item %s: HostResource '%s' names no Disk",
					    vs->id, dr->instance_id, dr->host_resource);
		if (dr->file_ref && !ovk_ovf_find_file(env, dr->file_ref))
			return ovk_ovf_fail(c, NULL, EINVAL,
					    "system '%s': item %s: HostResource '%s' names no File",
					    vs->id, dr->instance_id, dr->host_resource);
	}
	if (vs->nvram_file_ref && !ovk_ovf_find_file(env, vs->nvram_file_ref))
		return ovk_ovf_fail(c, NULL, EINVAL, "system '%s': NVRAM names no File '%s'",
				    vs->id, vs->nvram_file_ref);
	if (vs->cores_per_socket && vs->cpus && vs->cpus % vs->cores_per_socket != 0)
		return ovk_ovf_fail(c, NULL, EINVAL,
				    "system '%s': %u CPU%s %s not a multiple of %u cores per socket",
				    vs->id, vs->cpus, ovk_plural(vs->cpus), vs->cpus == 1 ? "is" : "are",
				    vs->cores_per_socket);
	return 0;
}

int ovk_ovf_check(const struct ovf_ctx *c, struct ovk_ovf_envelope *env)
{
	CHECK_UNIQUE(c, env->files, env->n_files, "Files");
	CHECK_UNIQUE(c, env->disks, env->n_disks, "Disks");
	CHECK_UNIQUE(c, env->systems, env->n_systems, "VirtualSystems");
	if (check_disks(c, env) != 0)
		return -1;
	for (size_t i = 0; i < env->n_systems; i++)
		if (check_system(c, env, &env->systems[i]) != 0)
			return -1;
	return 0;
}
