/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * info.c: the --info tree (see info.h) and its text and JSON renderings.
 *
 * The tree is a list of nodes with children; a cursor stack records where
 * the next field goes.  Rendering is a plain recursive walk into a growing
 * string.
 */
#include "info.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Nesting deeper than this is a bug in a format, not something files cause. */
#define INFO_MAX_DEPTH 8

enum node_type { NODE_STR, NODE_U64, NODE_BOOL, NODE_NULL, NODE_LIST, NODE_OBJECT };

struct node {
	enum node_type type;
	char *key;               /* NULL inside lists */
	char *str;
	uint64_t u64;
	struct node *first, *last, *next;
};

struct ovk_info {
	struct node root;
	struct node *stack[INFO_MAX_DEPTH];
	int depth;
	int failed;              /* an allocation or nesting error happened */
};

struct ovk_info *ovk_info_new(void)
{
	struct ovk_info *info = calloc(1, sizeof *info);

	if (!info)
		return NULL;
	info->root.type = NODE_OBJECT;
	info->stack[0] = &info->root;
	return info;
}

static struct node *add(struct ovk_info *info, enum node_type type, const char *key)
{
	struct node *parent, *n;

	if (!info || info->failed)
		return NULL;
	parent = info->stack[info->depth];
	n = calloc(1, sizeof *n);
	if (!n || (key && parent->type == NODE_OBJECT && !(n->key = strdup(key)))) {
		free(n);
		info->failed = 1;
		return NULL;
	}
	n->type = type;
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	return n;
}

void ovk_info_str(struct ovk_info *info, const char *key, const char *val)
{
	struct node *n = add(info, NODE_STR, key);

	if (n && !(n->str = strdup(val ? val : "")))
		info->failed = 1;
}

void ovk_info_u64(struct ovk_info *info, const char *key, uint64_t val)
{
	struct node *n = add(info, NODE_U64, key);

	if (n)
		n->u64 = val;
}

void ovk_info_bool(struct ovk_info *info, const char *key, int val)
{
	struct node *n = add(info, NODE_BOOL, key);

	if (n)
		n->u64 = val != 0;
}

void ovk_info_null(struct ovk_info *info, const char *key)
{
	add(info, NODE_NULL, key);
}

static void begin(struct ovk_info *info, enum node_type type, const char *key)
{
	struct node *n = add(info, type, key);

	if (!n)
		return;
	if (info->depth + 1 >= INFO_MAX_DEPTH) {
		info->failed = 1;
		return;
	}
	info->stack[++info->depth] = n;
}

void ovk_info_begin_list(struct ovk_info *info, const char *key)
{
	begin(info, NODE_LIST, key);
}

void ovk_info_begin_object(struct ovk_info *info, const char *key)
{
	begin(info, NODE_OBJECT, key);
}

void ovk_info_end(struct ovk_info *info)
{
	if (info && !info->failed && info->depth > 0)
		info->depth--;
}

static void node_free_children(struct node *n);

void ovk_info_graft(struct ovk_info *info, const char *key, struct ovk_info *sub)
{
	struct node *n;

	if (sub && sub->failed && info)
		info->failed = 1;
	n = sub && !sub->failed ? add(info, NODE_OBJECT, key) : NULL;
	if (n) {
		n->first = sub->root.first;
		n->last = sub->root.last;
		sub->root.first = sub->root.last = NULL;
	}
	ovk_info_free(sub);
}

static void node_free_children(struct node *n)
{
	struct node *c = n->first, *next;

	while (c) {
		next = c->next;
		node_free_children(c);
		free(c->key);
		free(c->str);
		free(c);
		c = next;
	}
}

void ovk_info_free(struct ovk_info *info)
{
	if (!info)
		return;
	node_free_children(&info->root);
	free(info);
}

static const struct node *top_field(const struct ovk_info *info, const char *key,
				    enum node_type type)
{
	for (const struct node *n = info->root.first; n; n = n->next)
		if (n->key && strcmp(n->key, key) == 0 && n->type == type)
			return n;
	return NULL;
}

const char *ovk_info_get_str(const struct ovk_info *info, const char *key)
{
	const struct node *n = top_field(info, key, NODE_STR);

	return n ? n->str : NULL;
}

int ovk_info_get_u64(const struct ovk_info *info, const char *key, uint64_t *out)
{
	const struct node *n = top_field(info, key, NODE_U64);

	if (!n)
		return -1;
	*out = n->u64;
	return 0;
}

/* A growing output string; `failed` latches allocation failure. */
struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *nb;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		cap = (o->cap ? o->cap * 2 : 256) + (size_t)n;
		nb = realloc(o->buf, cap);

		if (!nb) {
			o->failed = 1;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
}

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlongs,
 * surrogates or code points past U+10FFFF), or 0.  The NUL at the end
 * fails as a continuation byte, so nothing past it is read. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A code point a terminal acts on rather than shows: C0, DEL and C1. */
static int is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/* The code point of the valid sequence of n bytes at s. */
static uint32_t utf8_code(const unsigned char *s, size_t n)
{
	uint32_t c = n == 1 ? s[0] : n == 2 ? s[0] & 0x1fu : n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;

	for (size_t i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3fu);
	return c;
}

/* s for a terminal, appended to o: see ovk_text_escape(). */
static void put_text(struct out *o, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = *p < 0x80 ? 1 : utf8_seq(p);
		uint32_t c = n ? utf8_code(p, n) : 0;

		if (n == 0)
			put(o, "\\x%02x", *p);
		else if (c == '\\')
			put(o, "\\\\");
		else if (c == '\n')
			put(o, "\\n");
		else if (c == '\t')
			put(o, "\\t");
		else if (is_control(c))
			put(o, c < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)c);
		else
			put(o, "%.*s", (int)n, (const char *)p);
		p += n ? n : 1;
	}
}

char *ovk_text_escape(const char *s)
{
	struct out o = { 0 };

	put(&o, "%s", "");
	put_text(&o, s ? s : "");
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

/* Strings come from files (a qcow2 backing file name, a VMDK parent hint)
 * and the command line, in any encoding; JSON must be UTF-8, so a byte
 * that starts no valid sequence becomes U+FFFD. */
static void put_json_string(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			put(o, "\\u%04x", c);
		else if (c < 0x80)
			put(o, "%c", c);
		else if ((n = utf8_seq((const unsigned char *)s)) > 0) {
			uint32_t cp = utf8_code((const unsigned char *)s, n);

			if (is_control(cp))      /* C1: valid JSON raw, not on a terminal */
				put(o, "\\u%04x", (unsigned)cp);
			else
				put(o, "%.*s", (int)n, s);
			s += n - 1;
		} else {
			put(o, "\\ufffd");
		}
	}
	put(o, "\"");
}

static void render_json(struct out *o, const struct node *n, int indent)
{
	const struct node *c;
	int open = n->type == NODE_LIST ? '[' : '{';

	switch (n->type) {
	case NODE_STR:
		put_json_string(o, n->str);
		return;
	case NODE_U64:
		put(o, "%llu", (unsigned long long)n->u64);
		return;
	case NODE_BOOL:
		put(o, "%s", n->u64 ? "true" : "false");
		return;
	case NODE_NULL:
		put(o, "null");
		return;
	case NODE_LIST:
	case NODE_OBJECT:
		break;
	}
	if (!n->first) {
		put(o, "%c%c", open, open == '[' ? ']' : '}');
		return;
	}
	put(o, "%c\n", open);
	for (c = n->first; c; c = c->next) {
		put(o, "%*s", indent + 2, "");
		if (n->type == NODE_OBJECT) {
			put_json_string(o, c->key ? c->key : "");
			put(o, ": ");
		}
		render_json(o, c, indent + 2);
		put(o, "%s\n", c->next ? "," : "");
	}
	put(o, "%*s%c", indent, "", open == '[' ? ']' : '}');
}

/* Text: "key: value" lines; nested objects and list items are indented. */
static void render_text(struct out *o, const struct node *n, int indent)
{
	const struct node *c;
	int item = 0;

	for (c = n->first; c; c = c->next) {
		const char *key = c->key;
		char label[32];

		if (n->type == NODE_LIST) {
			snprintf(label, sizeof label, "[%d]", item++);
			key = label;
		}
		switch (c->type) {
		case NODE_STR:
			put(o, "%*s", indent, "");
			put_text(o, key);
			put(o, ": ");
			put_text(o, c->str);
			put(o, "\n");
			break;
		case NODE_U64:
			put(o, "%*s%s: %llu\n", indent, "", key, (unsigned long long)c->u64);
			break;
		case NODE_BOOL:
			put(o, "%*s%s: %s\n", indent, "", key, c->u64 ? "yes" : "no");
			break;
		case NODE_NULL:
			put(o, "%*s%s: -\n", indent, "", key);
			break;
		case NODE_LIST:
		case NODE_OBJECT:
			put(o, "%*s%s:\n", indent, "", key);
			render_text(o, c, indent + 4);
			break;
		}
	}
}

int ovk_info_render(const struct ovk_info *info, int json, char **out, struct ovk_error *err)
{
	struct out o = { 0 };

	if (info->failed)
		return ovk_error_set(err, ENOMEM, "out of memory while describing the image");
	/* A buffer even when there is nothing to say: an empty tree's text
	 * is "", not a failure. */
	put(&o, "%s", "");
	if (json) {
		render_json(&o, &info->root, 0);
		put(&o, "\n");
	} else {
		render_text(&o, &info->root, 0);
	}
	if (o.failed || !o.buf) {
		free(o.buf);
		return ovk_error_set(err, ENOMEM, "out of memory while rendering");
	}
	*out = o.buf;
	return 0;
}
