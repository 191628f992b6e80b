/*
 * result.c: the import summary, as text for people and JSON for scripts.
 * Every decision and warning of the mapping is in it, in the order made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	}
	for (size_t i = 0; i < res->notes.n_notes; i++)
		free(res->notes.notes[i].text);
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

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_notes(FILE *f, const struct ovk_plan *p)
{
	int first = 1;

	fputs("\"decisions\": [", f);
	for (size_t i = 0; i < p->n_notes; i++)
		if (!p->notes[i].warning) {
			fputs(first ? "" : ", ", f);
			json_str(f, p->notes[i].text);
			first = 0;
		}
	fputs("], \"warnings\": [", f);
	first = 1;
	for (size_t i = 0; i < p->n_notes; i++)
		if (p->notes[i].warning) {
			fputs(first ? "" : ", ", f);
			json_str(f, p->notes[i].text);
			first = 0;
		}
	fputs("]", f);
}

static void render_json(FILE *f, const struct ovk_import_result *res)
{
	fputs("{\"uri\": ", f);
	json_str(f, res->uri);
	fputs(", \"storage\": ", f);
	json_str(f, res->storage);
	fputs(", ", f);
	json_notes(f, &res->notes);
	fputs(", \"domains\": [", f);
	for (size_t i = 0; i < res->n_doms; i++) {
		const struct ovk_import_dom *d = &res->doms[i];

		fputs(i ? ", {\"name\": " : "{\"name\": ", f);
		json_str(f, d->plan->name);
		fprintf(f, ", \"type\": \"%s\", \"machine\": \"%s\", \"firmware\": \"%s\", "
			"\"defined\": %s, \"started\": %s, \"disks\": [", d->plan->type,
			d->plan->machine, d->plan->efi ? "efi" : "bios",
			d->defined ? "true" : "false", d->started ? "true" : "false");
		for (size_t j = 0, k = 0; j < d->plan->n_drives; j++) {
			const struct ovk_plan_drive *dr = &d->plan->drives[j];

			if (!dr->vol)
				continue;
			fputs(k++ ? ", {\"volume\": " : "{\"volume\": ", f);
			json_str(f, dr->vol);
			fputs(", \"path\": ", f);
			json_str(f, dr->path);
			fprintf(f, ", \"bus\": \"%s\", \"dev\": \"%s\"}", dr->bus, dr->dev);
		}
		fputs("], ", f);
		json_notes(f, d->plan);
		fputs("}", f);
	}
	fputs("]}\n", f);
}

static void text_notes(FILE *f, const struct ovk_plan *p, const char *indent)
{
	for (size_t i = 0; i < p->n_notes; i++)
		fprintf(f, "%s%s%s\n", indent, p->notes[i].warning ? "warning: " : "",
			p->notes[i].text);
}

static void render_text(FILE *f, const struct ovk_import_result *res)
{
	if (res->uri)
		fprintf(f, "libvirt: %s\n", res->uri);
	if (res->storage)
		fprintf(f, "storage: %s\n", res->storage);
	text_notes(f, &res->notes, "");
	for (size_t i = 0; i < res->n_doms; i++) {
		const struct ovk_import_dom *d = &res->doms[i];

		fprintf(f, "domain %s: %s\n", d->plan->name,
			d->started ? "defined and started" : d->defined ? "defined" : "not defined");
		text_notes(f, d->plan, "  ");
	}
}

int ovk_import_result_render(const struct ovk_import_result *res, int json, char **out,
			     struct ovk_error *err)
{
	size_t len = 0;
	FILE *f;

	*out = NULL;
	if (!(f = open_memstream(out, &len)))
		return ovk_error_sys(err, errno, "cannot render the summary");
	if (json)
		render_json(f, res);
	else
		render_text(f, res);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return ovk_error_sys(err, errno, "cannot render the summary");
	}
	return 0;
}
