/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_config.c: deployment options, and the check that nothing of the
 * package is dropped on the way to the model.
 *
 * A DeploymentOptionSection offers configurations ("small", "large"); an
 * Item carrying ovf:configuration="small medium" exists only in those, an
 * Item without it in all.  Cisco's and other vendors' appliances repeat
 * the CPU and memory Items (same InstanceID) once per configuration, so
 * the filter runs before the Items are placed: the model holds one
 * configuration, the default (ovf:default="true", else the first, as the
 * OVF spec says) or the one asked for.
 *
 * What XenServer exports taught us: a Disk whose drive Item we did not
 * recognise simply vanished, and the import defined a domain without it
 * and succeeded.  So after parsing, every Disk must be attached by a drive
 * of the chosen configuration (or be the parent of one that is, or be
 * attached only in another configuration), and every File must be
 * referenced by something in the document; anything else is an error.
 */
#include "ovf_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ configurations */

static int parse_configuration(struct ovf_ctx *c, const struct ovk_xml_node *n,
			       struct ovk_ovf_envelope *env)
{
	struct ovk_ovf_configuration *cf;
	const char *id = ovk_ovf_attr(c, n, "id");
	const char *def = ovk_ovf_attr(c, n, "default");

	if (!id || !*id)
		return ovk_ovf_fail(c, n, EINVAL, "<Configuration> without ovf:id");
	for (size_t i = 0; i < env->n_configurations; i++)
		if (strcmp(env->configurations[i].id, id) == 0)
			return ovk_ovf_fail(c, n, EINVAL, "two configurations with id '%s'", id);
	cf = ovk_ovf_grow(c, n, &env->configurations, &env->n_configurations, sizeof *cf,
			  OVK_OVF_MAX_REFS, "configurations");
	if (!cf || ovk_ovf_dup(c, n, id, &cf->id) != 0)
		return -1;
	/* xs:boolean: "true" or "1". */
	cf->is_default = def && (strcmp(def, "true") == 0 || strcmp(def, "1") == 0);
	for (const struct ovk_xml_node *k = ovk_xml_first(n); k; k = ovk_xml_next(k))
		if (ovk_ovf_label_desc(c, k, &cf->label, &cf->description) < 0)
			return -1;
	return 0;
}

static int parse_section(struct ovf_ctx *c, const struct ovk_xml_node *sec,
			 struct ovk_ovf_envelope *env)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n))
		if (ovk_ovf_is(c, n, "Configuration") && parse_configuration(c, n, env) != 0)
			return -1;
	return 0;
}

/* "'a', 'b', 'c'" for the error that names what there is. */
static void list_ids(const struct ovk_ovf_envelope *env, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < env->n_configurations && used + 1 < len; i++) {
		int r = snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "",
				 env->configurations[i].id);

		if (r < 0)
			break;
		used += (size_t)r;
	}
}

static const struct ovk_ovf_configuration *choose(const struct ovk_ovf_envelope *env)
{
	for (size_t i = 0; i < env->n_configurations; i++)
		if (env->configurations[i].is_default)
			return &env->configurations[i];
	return env->n_configurations ? &env->configurations[0] : NULL;
}

int ovk_ovf_parse_configs(struct ovf_ctx *c, const struct ovk_xml_node *root,
			  struct ovk_ovf_envelope *env, const char *want)
{
	const struct ovk_ovf_configuration *pick = NULL;
	char ids[512];

	/* The section precedes the VirtualSystems by the schema, but the
	 * Items are filtered as they are read, so look for it first. */
	for (const struct ovk_xml_node *n = ovk_xml_first(root); n; n = ovk_xml_next(n)) {
		char kbuf[64];
		const char *ns = ovk_xml_ns(n);

		if ((!ns || strcmp(ns, c->ns) == 0) &&
		    strcmp(ovk_ovf_kind(c, n, kbuf, sizeof kbuf), "DeploymentOptionSection") == 0 &&
		    parse_section(c, n, env) != 0)
			return -1;
	}
	if (!want) {
		pick = choose(env);
	} else {
		for (size_t i = 0; i < env->n_configurations && !pick; i++)
			if (strcmp(env->configurations[i].id, want) == 0)
				pick = &env->configurations[i];
		if (!pick && env->n_configurations == 0)
			return ovk_ovf_fail(c, NULL, OVK_OVF_ENOCONFIG, "no configuration '%s': the "
					    "OVF offers none (no DeploymentOptionSection)", want);
		if (!pick) {
			list_ids(env, ids, sizeof ids);
			return ovk_ovf_fail(c, NULL, OVK_OVF_ENOCONFIG, "no configuration '%s': the "
					    "OVF offers %s", want, ids);
		}
	}
	if (pick && ovk_ovf_dup(c, root, pick->id, &env->config) != 0)
		return -1;
	c->config = env->config;
	return 0;
}

int ovk_ovf_in_config(const struct ovf_ctx *c, const struct ovk_xml_node *n)
{
	const char *list = ovk_ovf_attr(c, n, "configuration");
	size_t want = c->config ? strlen(c->config) : 0;

	if (!list)
		return 1;
	/* An Item for a configuration the envelope never declares belongs
	 * to none we could choose. */
	if (!c->config)
		return 0;
	for (const char *p = list; *p;) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		len = strcspn(p, " \t\r\n");
		if (len == want && strncmp(p, c->config, len) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* ------------------------------------------------------------ nothing dropped */

static const char *file_ref_of(const char *hr)
{
	if (strncmp(hr, "ovf:", 4) == 0)
		hr += 4;
	while (*hr == '/')
		hr++;
	return strncmp(hr, "file/", 5) == 0 ? hr + 5 : NULL;
}

static void mark_file(const struct ovk_ovf_envelope *env, const char *id, unsigned char *seen)
{
	const struct ovk_ovf_file *f = ovk_ovf_find_file(env, id);

	if (f)
		seen[f - env->files] = 1;
}

/* Every ovf:fileRef and HostResource ovf:/file/ID in the document: Disks,
 * CD images of any configuration, icons.  Depth is bounded by
 * OVK_XML_MAX_DEPTH. */
static int walk_refs(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		     const struct ovk_ovf_envelope *env, unsigned char *seen)
{
	for (const struct ovk_xml_node *k = ovk_xml_first(n); k; k = ovk_xml_next(k)) {
		const char *ref = ovk_ovf_attr(c, k, "fileRef");

		if (ref)
			mark_file(env, ref, seen);
		if (strcasecmp(ovk_xml_name(k), "HostResource") == 0) {
			char *t = ovk_xml_text(k);

			if (!t)
				return ovk_ovf_fail(c, k, ENOMEM, "out of memory");
			if (file_ref_of(t))
				mark_file(env, file_ref_of(t), seen);
			free(t);
		}
		if (walk_refs(c, k, env, seen) != 0)
			return -1;
	}
	return 0;
}

static int other_config(const struct ovk_ovf_envelope *env, const char *id)
{
	for (size_t s = 0; s < env->n_systems; s++)
		for (size_t i = 0; i < env->systems[s].n_other_config_disks; i++)
			if (strcmp(env->systems[s].other_config_disks[i], id) == 0)
				return 1;
	return 0;
}

static void count_uses(struct ovk_ovf_envelope *env)
{
	int changed = 1;

	for (size_t s = 0; s < env->n_systems; s++)
		for (size_t i = 0; i < env->systems[s].n_drives; i++) {
			struct ovk_ovf_disk *d = (struct ovk_ovf_disk *)ovk_ovf_find_disk(
				env, env->systems[s].drives[i].disk_id);

			if (d)
				d->used++;
		}
	/* A used delta's parents are used; chains are loop-free by
	 * ovk_ovf_check, so this ends within n_disks rounds. */
	for (size_t round = 0; changed && round <= env->n_disks; round++) {
		changed = 0;
		for (size_t i = 0; i < env->n_disks; i++) {
			struct ovk_ovf_disk *p;

			if (!env->disks[i].used || !env->disks[i].parent_ref)
				continue;
			p = (struct ovk_ovf_disk *)ovk_ovf_find_disk(env, env->disks[i].parent_ref);
			if (p && !p->used) {
				p->used = 1;
				changed = 1;
			}
		}
	}
}

int ovk_ovf_check_use(const struct ovf_ctx *c, const struct ovk_xml_node *root,
		      struct ovk_ovf_envelope *env)
{
	unsigned char *seen = calloc(env->n_files ? env->n_files : 1, 1);
	int ret = -1;

	if (!seen)
		return ovk_ovf_fail(c, NULL, ENOMEM, "out of memory");
	count_uses(env);
	for (size_t i = 0; i < env->n_disks; i++) {
		const struct ovk_ovf_disk *d = &env->disks[i];

		if (d->used || other_config(env, d->id))
			continue;
		ovk_ovf_fail(c, NULL, EINVAL, "disk '%s' is attached by no drive Item we map%s%s%s: "
			     "it would be dropped", d->id, env->config ? " (configuration '" : "",
			     env->config ? env->config : "", env->config ? "')" : "");
		goto out;
	}
	if (walk_refs(c, root, env, seen) != 0)
		goto out;
	/* The model's own references: a Disk's, resolved (oVirt's name the
	 * File by href), and the NVRAM's. */
	for (size_t i = 0; i < env->n_disks; i++)
		mark_file(env, env->disks[i].file_ref, seen);
	for (size_t s = 0; s < env->n_systems; s++)
		if (env->systems[s].nvram_file_ref)
			mark_file(env, env->systems[s].nvram_file_ref, seen);
	for (size_t i = 0; i < env->n_files; i++) {
		if (seen[i])
			continue;
		ovk_ovf_fail(c, NULL, EINVAL, "File '%s' (%s) is used by no Disk or drive: it "
			     "would be dropped", env->files[i].id, env->files[i].href);
		goto out;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}
