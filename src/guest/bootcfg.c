/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bootcfg.c: boot loader configurations, read as the loaders read them
 * (see bootcfg.h).  grub.cfg is a shell-like script: it is split into
 * words as GRUB's lexer does (quotes group, adjacent pieces join, a
 * backslash escapes outside single quotes), and only the commands that
 * choose and describe entries are understood: set default, menuentry,
 * submenu, linux*, initrd* and the braces that close blocks.
 */
#include "bootcfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A line longer than this is not a boot configuration's (GRUB's own
 * lines are a few hundred bytes). */
#define MAX_LINE 4096
/* Words looked at on one line. */
#define MAX_WORDS 32

struct words {
	char buf[MAX_LINE];
	char *w[MAX_WORDS];
	int n;
	int opens;                   /* the line ends with "{" */
};

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* The main initramfs of an initrd line: the last path on it (microcode
 * images come first; "$tuned_initrd" and the like are GRUB variables,
 * empty unless something sets them). */
static void initrd_of(char *const *w, int n, char *dst, size_t cap)
{
	for (int i = n - 1; i >= 1; i--)
		if (w[i][0] != '$') {
			copy_str(dst, cap, w[i]);
			return;
		}
}

/* Split one line into words, shell-style; a trailing "{" is noted. */
static void split(const char *line, size_t len, struct words *ws)
{
	char *out = ws->buf, *end = ws->buf + sizeof ws->buf - 1;
	size_t i = 0;

	ws->n = 0;
	ws->opens = 0;
	while (i < len && ws->n < MAX_WORDS) {
		char q = 0;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len || line[i] == '#')
			break;
		ws->w[ws->n++] = out;
		for (; i < len && out < end; i++) {
			char c = line[i];

			if (!q && isspace((unsigned char)c))
				break;
			if (!q && (c == '\'' || c == '"')) {
				q = c;
			} else if (q && c == q) {
				q = 0;
			} else if (c == '\\' && q != '\'' && i + 1 < len) {
				*out++ = line[++i];
			} else {
				*out++ = c;
			}
		}
		*out++ = '\0';
		if (out >= end)
			break;
	}
	if (ws->n && strcmp(ws->w[ws->n - 1], "{") == 0) {
		ws->opens = 1;
		ws->n--;
	}
}

/* The next line of text[*pos, len): its start and length. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl != NULL);
	if (*n > MAX_LINE - 1)
		*n = MAX_LINE - 1;
	return 1;
}

int ovk_bootcfg_grubenv(const char *text, size_t len, char *saved, size_t cap)
{
	char next[sizeof ((struct ovk_boot_entry *)0)->id] = "";
	const char *line;
	size_t pos = 0, n;
	int found = 0;

	saved[0] = '\0';
	while (next_line(text, len, &pos, &line, &n)) {
		if (n > 12 && memcmp(line, "saved_entry=", 12) == 0) {
			snprintf(saved, cap, "%.*s", (int)(n - 12), line + 12);
			found = 1;
		} else if (n > 11 && memcmp(line, "next_entry=", 11) == 0) {
			snprintf(next, sizeof next, "%.*s", (int)(n - 11), line + 11);
		}
	}
	if (next[0]) {
		copy_str(saved, cap, next);
		found = 1;
	}
	return found && saved[0];
}

/* ------------------------------------------------------------------ BLS */

/* What follows `key` and the blanks after it on a line (BLS titles keep
 * their spaces and quotes). */
static void rest_of_line(const char *line, size_t n, const char *key, char *out, size_t cap)
{
	const char *t = line, *end = line + n;

	while (t < end && isspace((unsigned char)*t))
		t++;
	t += strlen(key);
	while (t < end && isspace((unsigned char)*t))
		t++;
	snprintf(out, cap, "%.*s", (int)(end - t), t);
}

int ovk_bootcfg_bls_entry(const char *name, const char *text, size_t len,
			  struct ovk_boot_entry *e)
{
	const char *line, *dot = strrchr(name, '.');
	size_t pos = 0, n;
	struct words ws;

	memset(e, 0, sizeof *e);
	snprintf(e->id, sizeof e->id, "%.*s",
		 (int)(dot && strcmp(dot, ".conf") == 0 ? (size_t)(dot - name) : strlen(name)), name);
	while (next_line(text, len, &pos, &line, &n)) {
		split(line, n, &ws);
		if (ws.n < 2)
			continue;
		if (strcmp(ws.w[0], "title") == 0)
			rest_of_line(line, n, "title", e->title, sizeof e->title);
		else if (strcmp(ws.w[0], "version") == 0)
			copy_str(e->version, sizeof e->version, ws.w[1]);
		else if (strcmp(ws.w[0], "linux") == 0)
			copy_str(e->kernel, sizeof e->kernel, ws.w[1]);
		else if (strcmp(ws.w[0], "initrd") == 0)
			initrd_of(ws.w, ws.n, e->initrd, sizeof e->initrd);
	}
	if (!e->version[0])
		ovk_bootcfg_kernel_version(e->kernel, e->version, sizeof e->version);
	return e->kernel[0] ? 1 : 0;
}

int ovk_bootcfg_bls_default(const struct ovk_boot_entry *e, size_t n, const char *saved)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (saved && saved[0] && strcmp(e[i].id, saved) == 0)
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (best < 0 || ovk_bootcfg_vercmp(e[i].version, e[best].version) > 0)
			best = (int)i;
	return best;
}

/* ------------------------------------------------------------- grub.cfg */

/* One menu item: an entry or a submenu, with its place in the tree. */
struct item {
	struct ovk_boot_entry e;
	int submenu;
	int parent;                  /* index of its submenu item, or -1 */
	int index;                   /* among its parent's items */
};

struct grub {
	struct item *items;
	size_t n;
	char deflt[160];
	int stack[OVK_BOOT_MAX_DEPTH + 1];   /* open blocks: an item, or -1 (if, ...) */
	int depth;
};

static const char *option_value(const struct words *ws, const char *opt)
{
	for (int i = 1; i + 1 < ws->n; i++)
		if (strcmp(ws->w[i], opt) == 0 ||
		    (strcmp(opt, "--id") == 0 && strcmp(ws->w[i], "$menuentry_id_option") == 0))
			return ws->w[i + 1];
	return NULL;
}

static int open_item(struct grub *g, const struct words *ws)
{
	int parent = -1, index = 0;
	struct item *it;

	if (g->n == OVK_BOOT_MAX_ENTRIES)
		return -1;
	for (int d = g->depth - 1; d >= 0 && parent < 0; d--)
		parent = g->stack[d];
	for (size_t i = 0; i < g->n; i++)
		index += g->items[i].parent == parent;
	it = &g->items[g->n];
	memset(it, 0, sizeof *it);
	it->submenu = strcmp(ws->w[0], "submenu") == 0;
	it->parent = parent;
	it->index = index;
	copy_str(it->e.title, sizeof it->e.title, ws->n > 1 ? ws->w[1] : "");
	copy_str(it->e.id, sizeof it->e.id, option_value(ws, "--id"));
	return (int)g->n++;
}

static void entry_line(struct grub *g, const struct words *ws)
{
	int cur = g->depth ? g->stack[g->depth - 1] : -1;
	struct item *it = cur >= 0 ? &g->items[cur] : NULL;

	if (!it || it->submenu || ws->n < 2)
		return;
	if (strncmp(ws->w[0], "linux", 5) == 0)
		copy_str(it->e.kernel, sizeof it->e.kernel, ws->w[1]);
	else if (strncmp(ws->w[0], "initrd", 6) == 0)
		initrd_of(ws->w, ws->n, it->e.initrd, sizeof it->e.initrd);
}

static void grub_line(struct grub *g, const struct words *ws)
{
	if (ws->n == 1 && strcmp(ws->w[0], "}") == 0) {
		if (g->depth)
			g->depth--;
		return;
	}
	if (ws->n >= 2 && strcmp(ws->w[0], "set") == 0 && strncmp(ws->w[1], "default=", 8) == 0) {
		/* a one-time boot is not the default */
		if (strcmp(ws->w[1] + 8, "${next_entry}") != 0)
			copy_str(g->deflt, sizeof g->deflt, ws->w[1] + 8);
		return;
	}
	if (ws->n && (strcmp(ws->w[0], "menuentry") == 0 || strcmp(ws->w[0], "submenu") == 0) &&
	    ws->opens) {
		int it = open_item(g, ws);

		if (g->depth < OVK_BOOT_MAX_DEPTH)
			g->stack[g->depth++] = it;
		return;
	}
	if (ws->opens && g->depth < OVK_BOOT_MAX_DEPTH) {
		g->stack[g->depth++] = -1;   /* a function or other block */
		return;
	}
	if (ws->n)
		entry_line(g, ws);
}

/* The item `name` designates among the children of `parent`: a number,
 * an id or a title. */
static int find_child(const struct grub *g, int parent, const char *name, size_t len)
{
	char want[160];
	char *end;
	long idx;

	snprintf(want, sizeof want, "%.*s", (int)len, name);
	idx = strtol(want, &end, 10);
	for (size_t i = 0; i < g->n; i++) {
		const struct item *it = &g->items[i];

		if (it->parent != parent)
			continue;
		if ((*want && !*end && it->index == idx) || strcmp(it->e.id, want) == 0 ||
		    strcmp(it->e.title, want) == 0)
			return (int)i;
	}
	return -1;
}

/* The entry a default names: "N>M", ids and titles, '>' going into
 * submenus. */
static int resolve(const struct grub *g, const char *name)
{
	int parent = -1, it = -1;

	while (*name) {
		const char *gt = strchr(name, '>');
		size_t len = gt ? (size_t)(gt - name) : strlen(name);

		if ((it = find_child(g, parent, name, len)) < 0)
			return -1;
		parent = it;
		name += len + (gt != NULL);
	}
	if (it >= 0 && g->items[it].submenu)   /* GRUB opens it: its first entry */
		it = find_child(g, it, "0", 1);
	return it;
}

int ovk_bootcfg_grub(const char *text, size_t len, const char *saved, struct ovk_boot_entry *e)
{
	struct grub g = { 0 };
	struct words *ws = malloc(sizeof *ws);
	const char *line, *want;
	size_t pos = 0, n;
	int it = -1, ret = 0;

	g.items = calloc(OVK_BOOT_MAX_ENTRIES, sizeof *g.items);
	if (!ws || !g.items)
		goto out;
	while (next_line(text, len, &pos, &line, &n)) {
		split(line, n, ws);
		grub_line(&g, ws);
	}
	want = g.deflt;
	if (strcmp(want, "saved") == 0 || strcmp(want, "${saved_entry}") == 0)
		want = saved ? saved : "";
	if (*want)
		it = resolve(&g, want);
	/* GRUB falls back to entry 0 when the default names nothing */
	if (it < 0 || !g.items[it].e.kernel[0])
		for (size_t i = 0; i < g.n && it < 0; i++)
			if (!g.items[i].submenu && g.items[i].e.kernel[0])
				it = (int)i;
	if (it >= 0 && g.items[it].e.kernel[0]) {
		*e = g.items[it].e;
		ovk_bootcfg_kernel_version(e->kernel, e->version, sizeof e->version);
		ret = 1;
	}
out:
	free(g.items);
	free(ws);
	return ret;
}

/* ------------------------------------------------------------- extlinux */

int ovk_bootcfg_extlinux(const char *text, size_t len, struct ovk_boot_entry *e)
{
	struct ovk_boot_entry cur, first;
	char deflt[160] = "";
	struct words ws;
	const char *line;
	size_t pos = 0, n;
	int have = 0, have_first = 0;

	memset(&cur, 0, sizeof cur);
	while (next_line(text, len, &pos, &line, &n)) {
		split(line, n, &ws);
		if (ws.n < 2)
			continue;
		for (char *c = ws.w[0]; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		if (strcmp(ws.w[0], "DEFAULT") == 0) {
			copy_str(deflt, sizeof deflt, ws.w[1]);
		} else if (strcmp(ws.w[0], "LABEL") == 0) {
			if (have && strcmp(cur.id, deflt) == 0)
				break;
			if (have && !have_first && cur.kernel[0]) {
				first = cur;
				have_first = 1;
			}
			memset(&cur, 0, sizeof cur);
			copy_str(cur.id, sizeof cur.id, ws.w[1]);
			copy_str(cur.title, sizeof cur.title, ws.w[1]);
			have = 1;
		} else if (have && (strcmp(ws.w[0], "KERNEL") == 0 || strcmp(ws.w[0], "LINUX") == 0)) {
			copy_str(cur.kernel, sizeof cur.kernel, ws.w[1]);
		} else if (have && (strcmp(ws.w[0], "INITRD") == 0)) {
			/* INITRD a,b: the main image is the last */
			const char *comma = strrchr(ws.w[1], ',');

			copy_str(cur.initrd, sizeof cur.initrd, comma ? comma + 1 : ws.w[1]);
		} else if (have && strcmp(ws.w[0], "APPEND") == 0 && !cur.initrd[0]) {
			for (int i = 1; i < ws.n; i++)
				if (strncmp(ws.w[i], "initrd=", 7) == 0)
					copy_str(cur.initrd, sizeof cur.initrd, ws.w[i] + 7);
		}
	}
	if (have && (!deflt[0] || strcmp(cur.id, deflt) == 0) && cur.kernel[0])
		*e = cur;
	else if (have_first)
		*e = first;
	else if (have && cur.kernel[0])
		*e = cur;
	else
		return 0;
	ovk_bootcfg_kernel_version(e->kernel, e->version, sizeof e->version);
	return 1;
}

/* ------------------------------------------------------------- versions */

int ovk_bootcfg_vercmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *da = a, *db = b;
			size_t la, lb;
			int c;

			while (*da == '0')
				da++;
			while (*db == '0')
				db++;
			for (a = da; isdigit((unsigned char)*a); a++)
				;
			for (b = db; isdigit((unsigned char)*b); b++)
				;
			la = (size_t)(a - da);
			lb = (size_t)(b - db);
			if (la != lb)
				return la < lb ? -1 : 1;
			if ((c = memcmp(da, db, la)) != 0)
				return c;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return 0;
}

void ovk_bootcfg_kernel_version(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/'), *dash;

	base = base ? base + 1 : path;
	dash = strchr(base, '-');
	copy_str(out, cap, dash && strncmp(base, "vmlinu", 6) == 0 ? dash + 1 : "");
}
