/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * result.c: the import summary, as text for people and JSON for scripts.
 * Every decision and warning of the mapping is in it, in the order made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/info.h"
#include "import_priv.h"

struct ovk_import_result *ovk_import_result_new(void)
{
	return calloc(1, sizeof(struct ovk_import_result));
}

void ovk_import_result_free(struct ovk_import_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_doms; i++) {
		ovk_plan_free(res->doms[i].plan);
		free(res->doms[i].xml);
		free(res->doms[i].old_xml);
		free(res->doms[i].prev_xml);
		free(res->doms[i].guest);
	}
	for (size_t i = 0; i < res->notes.n_notes; i++)
		ovk_plan_note_free(&res->notes.notes[i]);
	free(res->notes.notes);
	free(res->doms);
	free(res->uri);
	free(res->storage);
	free(res);
}

size_t ovk_import_result_count(const struct ovk_import_result *res)
{
	return res->n_doms;
}

const char *ovk_import_result_xml(const struct ovk_import_result *res, size_t i)
{
	return i < res->n_doms ? res->doms[i].xml : NULL;
}

static void str_or_null(struct ovk_info *info, const char *key, const char *val)
{
	if (val)
		ovk_info_str(info, key, val);
	else
		ovk_info_null(info, key);
}

/* JSON goes through the library's one renderer (core/info.h).  Every
 * decision is {device, from, to, why}; one that maps no device has only
 * its text, as why.  Warnings are sentences. */
static void info_notes(struct ovk_info *info, const struct ovk_plan *p)
{
	ovk_info_begin_list(info, "decisions");
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct ovk_plan_note *n = &p->notes[i];

		if (n->warning)
			continue;
		ovk_info_begin_object(info, NULL);
		str_or_null(info, "device", n->device);
		str_or_null(info, "from", n->from);
		str_or_null(info, "to", n->to);
		ovk_info_str(info, "why", n->why ? n->why : n->text);
		ovk_info_end(info);
	}
	ovk_info_end(info);
	ovk_info_begin_list(info, "warnings");
	for (size_t i = 0; i < p->n_notes; i++)
		if (p->notes[i].warning)
			ovk_info_str(info, NULL, p->notes[i].text);
	ovk_info_end(info);
}

static void info_domain(struct ovk_info *info, const struct ovk_import_dom *d)
{
	ovk_info_begin_object(info, NULL);
	ovk_info_str(info, "name", d->plan->name);
	ovk_info_str(info, "type", d->plan->type);
	ovk_info_str(info, "machine", d->plan->machine);
	ovk_info_str(info, "firmware", d->plan->efi ? "efi" : "bios");
	ovk_info_bool(info, "defined", d->defined);
	ovk_info_bool(info, "started", d->started);
	ovk_info_begin_list(info, "disks");
	for (size_t j = 0; j < d->plan->n_drives; j++) {
		const struct ovk_plan_drive *dr = &d->plan->drives[j];

		if (!dr->vol)
			continue;
		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "volume", dr->vol);
		if (dr->pool)
			ovk_info_str(info, "pool", dr->pool);
		/* the real path once written; none before (--print-xml) */
		if (dr->path || dr->volume_path)
			ovk_info_str(info, "path", dr->path ? dr->path : dr->volume_path);
		ovk_info_str(info, "bus", dr->bus);
		ovk_info_str(info, "dev", dr->dev);
		if (dr->why[0])
			ovk_info_str(info, "why", dr->why);
		ovk_info_end(info);
	}
	ovk_info_end(info);
	if (d->guest)
		ovk_guest_info(info, "guest", NULL, d->guest);
	info_notes(info, d->plan);
	ovk_info_end(info);
}

static int render_json(const struct ovk_import_result *res, char **out, struct ovk_error *err)
{
	struct ovk_info *info = ovk_info_new();
	int ret;

	if (!info)
		return ovk_error_set(err, ENOMEM, "out of memory");
	ovk_info_str(info, "uri", res->uri);
	if (res->store.kind[0]) {
		ovk_info_begin_object(info, "storage");
		ovk_info_str(info, "kind", res->store.kind);
		ovk_info_str(info, res->store.pool_type[0] ? "pool" : "path", res->store.target);
		if (res->store.pool_type[0])
			ovk_info_str(info, "pool-type", res->store.pool_type);
		ovk_info_str(info, "format", res->store.format);
		ovk_info_str(info, "description", res->storage);
		ovk_info_end(info);
	}
	info_notes(info, &res->notes);
	ovk_info_begin_list(info, "domains");
	for (size_t i = 0; i < res->n_doms; i++)
		info_domain(info, &res->doms[i]);
	ovk_info_end(info);
	ret = ovk_info_render(info, 1, out, err);
	ovk_info_free(info);
	return ret;
}

/* One line of the summary: fmt's own text, then `what` (from the appliance,
 * or quoting it) escaped, so that no name can forge a line. */
static void text_line(FILE *f, const char *lead, const char *what, const char *tail)
{
	char *safe = ovk_text_escape(what);

	fprintf(f, "%s%s%s\n", lead, safe ? safe : "?", tail);
	free(safe);
}

static void text_notes(FILE *f, const struct ovk_plan *p, const char *indent)
{
	for (size_t i = 0; i < p->n_notes; i++) {
		fputs(indent, f);
		text_line(f, p->notes[i].warning ? "warning: " : "", p->notes[i].text, "");
	}
}

/* The last line: what to type next, for each defined domain (a name is
 * safe: ovk_safe_name; the URI is escaped). */
static void text_next(FILE *f, const struct ovk_import_result *res)
{
	char *uri = res->uri ? ovk_text_escape(res->uri) : NULL;
	const char *sep = "next:";

	for (size_t i = 0; i < res->n_doms; i++) {
		const struct ovk_import_dom *d = &res->doms[i];

		if (!d->defined)
			continue;
		if (!d->started)
			fprintf(f, "%s virsh%s%s start %s &&", sep, uri ? " -c " : "", uri ? uri : "",
				d->plan->name);
		fprintf(f, "%s virsh%s%s console %s", d->started ? sep : "", uri ? " -c " : "",
			uri ? uri : "", d->plan->name);
		sep = ";";
	}
	if (strcmp(sep, ";") == 0)
		fputc('\n', f);
	free(uri);
}

static void render_text(FILE *f, const struct ovk_import_result *res)
{
	if (res->uri)
		text_line(f, "libvirt: ", res->uri, "");
	if (res->storage)
		text_line(f, "storage: ", res->storage, "");
	text_notes(f, &res->notes, "");
	for (size_t i = 0; i < res->n_doms; i++) {
		const struct ovk_import_dom *d = &res->doms[i];

		text_line(f, "domain ", d->plan->name, d->started ? ": defined and started" :
			  d->defined ? ": defined" : res->dry_run ? ": would be defined (dry run)" :
			  ": not defined");
		if (d->guest) {
			char line[512];

			ovk_guest_summary(d->guest, line, sizeof line);
			text_line(f, "  guest: ", line, "");
		}
		text_notes(f, d->plan, "  ");
	}
	text_next(f, res);
}

int ovk_import_result_render(const struct ovk_import_result *res, int json, char **out,
			     struct ovk_error *err)
{
	size_t len = 0;
	FILE *f;

	*out = NULL;
	if (json)
		return render_json(res, out, err);
	if (!(f = open_memstream(out, &len)))
		return ovk_error_sys(err, errno, "cannot render the summary");
	render_text(f, res);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return ovk_error_sys(err, errno, "cannot render the summary");
	}
	return 0;
}
