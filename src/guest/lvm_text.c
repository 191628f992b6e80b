/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lvm_text.c: the LVM2 metadata text (lvm2's libdm config format) as a
 * tree of nodes (see lvm_priv.h).  What lvm2 writes:
 *
 *   vg0 {
 *       id = "nXqG2E-..."              # key = value
 *       seqno = 4                      # integers (floats are allowed)
 *       status = ["RESIZEABLE", "READ", "WRITE"]   # lists
 *       physical_volumes { pv0 { ... } }           # sections
 *   }
 *   contents = "Text Format Volume Group"
 *
 * Strings are double-quoted (libdm also takes single quotes), with
 * backslash escaping the next character; '#' starts a comment to the end
 * of the line; a NUL ends the text (the metadata area pads with them).
 *
 * Invariants: sections nest at most OVK_LVM_MAX_DEPTH deep, the tree has
 * at most OVK_LVM_MAX_NODES nodes, and every key and string lies inside
 * the parser's own copy of the text.  The parser recurses only into
 * sections, so its stack is bounded by the depth.
 */
#include "lvm_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum tok { T_EOF, T_WORD, T_STR, T_EQ, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COMMA, T_BAD };

struct parser {
	struct lvm_cfg *c;
	char *p, *end;
	unsigned line;
	/* the last token */
	enum tok tok;
	char *s;
	size_t len;
};

static int is_word(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '+' || ch == '.' || ch == '/' || ch == '@';
}

/* A quoted string at ps->p (the quote): unescaped in place. */
static enum tok lex_string(struct parser *ps)
{
	char q = *ps->p++, *w = ps->p;

	ps->s = w;
	while (ps->p < ps->end && *ps->p != q) {
		if (*ps->p == '\0')
			return T_BAD;
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		if (*ps->p == '\n')
			ps->line++;
		*w++ = *ps->p++;
	}
	if (ps->p >= ps->end)
		return T_BAD;
	ps->p++;
	ps->len = (size_t)(w - ps->s);
	return T_STR;
}

static enum tok lex(struct parser *ps)
{
	static const char punct[] = "={}[],";
	static const enum tok ptok[] = { T_EQ, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COMMA };
	const char *at;

	for (;;) {
		while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' ||
					   *ps->p == '\n'))
			ps->line += *ps->p++ == '\n';
		if (ps->p < ps->end && *ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			continue;
		}
		break;
	}
	if (ps->p >= ps->end || *ps->p == '\0')
		return ps->tok = T_EOF;
	if (*ps->p == '"' || *ps->p == '\'')
		return ps->tok = lex_string(ps);
	if ((at = strchr(punct, *ps->p))) {
		ps->p++;
		return ps->tok = ptok[at - punct];
	}
	if (!is_word(*ps->p))
		return ps->tok = T_BAD;
	ps->s = ps->p;
	while (ps->p < ps->end && is_word(*ps->p))
		ps->p++;
	ps->len = (size_t)(ps->p - ps->s);
	return ps->tok = T_WORD;
}

static int perr(struct parser *ps, struct ovk_error *err, const char *what)
{
	return ovk_error_set(err, EINVAL, "line %u: %s", ps->line, what);
}

/* A new node, appended after *last among the children of parent. */
static int new_node(struct parser *ps, uint32_t parent, uint32_t *last, enum lvm_type type,
		    uint32_t *out, struct ovk_error *err)
{
	struct lvm_cfg *c = ps->c;

	if (c->n == OVK_LVM_MAX_NODES)
		return ovk_error_set(err, EFBIG, "more than %u nodes", OVK_LVM_MAX_NODES);
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 64;
		struct lvm_node *grown = realloc(c->nodes, cap * sizeof *grown);

		if (!grown)
			return ovk_error_set(err, ENOMEM, "out of memory");
		c->nodes = grown;
		c->cap = cap;
	}
	c->nodes[c->n] = (struct lvm_node){ .type = type };
	if (*last)
		c->nodes[*last].next = c->n;
	else
		c->nodes[parent].child = c->n;
	*last = c->n;
	*out = c->n++;
	return 0;
}

/* The number in the last WORD token into node n. */
static int set_number(struct parser *ps, struct lvm_node *n, struct ovk_error *err)
{
	size_t i = 0, digits = 0;
	int neg = 0;
	uint64_t v = 0;

	if (i < ps->len && ps->s[i] == '-')
		neg = 1, i++;
	for (; i < ps->len && ps->s[i] >= '0' && ps->s[i] <= '9'; i++, digits++)
		if (v > (uint64_t)INT64_MAX / 10 || (v = v * 10 + (uint64_t)(ps->s[i] - '0')) >
		    (uint64_t)INT64_MAX)
			return perr(ps, err, "a number out of range");
	n->type = LVM_INT;
	if (i < ps->len && ps->s[i] == '.') {
		n->type = LVM_FLOAT;
		for (i++; i < ps->len && ps->s[i] >= '0' && ps->s[i] <= '9'; i++)
			;
	}
	if (digits == 0 || i != ps->len)
		return perr(ps, err, "a value that is neither a number nor a string");
	n->num = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* A scalar value (the current token) into node idx. */
static int scalar(struct parser *ps, uint32_t idx, struct ovk_error *err)
{
	struct lvm_node *n = &ps->c->nodes[idx];

	if (ps->tok == T_STR) {
		n->type = LVM_STR;
		n->str = ps->s;
		n->str_len = ps->len;
		return 0;
	}
	if (ps->tok == T_WORD)
		return set_number(ps, n, err);
	return perr(ps, err, "expected a value");
}

/* [ v, v, ... ] into list node idx (its '[' read). */
static int list(struct parser *ps, uint32_t idx, struct ovk_error *err)
{
	uint32_t last = 0, item;

	ps->c->nodes[idx].type = LVM_LIST;
	if (lex(ps) == T_RBRACK)
		return 0;
	for (;;) {
		if (new_node(ps, idx, &last, LVM_INT, &item, err) < 0 || scalar(ps, item, err) < 0)
			return -1;
		if (lex(ps) == T_RBRACK)
			return 0;
		if (ps->tok != T_COMMA)
			return perr(ps, err, "expected ',' or ']' in a list");
		lex(ps);
	}
}

/* The items of section `parent` up to its '}' (or the end, at the top). */
static int items(struct parser *ps, uint32_t parent, int depth, struct ovk_error *err)
{
	uint32_t last = 0, idx;

	for (;;) {
		lex(ps);
		if (ps->tok == T_EOF || ps->tok == T_RBRACE) {
			if ((ps->tok == T_EOF) != (depth == 0))
				return perr(ps, err, depth ? "a section is not closed" :
					    "'}' without a section");
			return 0;
		}
		if (ps->tok != T_WORD)
			return perr(ps, err, "expected a name");
		if (new_node(ps, parent, &last, LVM_SECTION, &idx, err) < 0)
			return -1;
		ps->c->nodes[idx].key = ps->s;
		ps->c->nodes[idx].key_len = ps->len;
		lex(ps);
		if (ps->tok == T_LBRACE) {
			if (depth + 1 >= OVK_LVM_MAX_DEPTH)
				return perr(ps, err, "sections nested too deep");
			if (items(ps, idx, depth + 1, err) < 0)
				return -1;
			continue;
		}
		if (ps->tok != T_EQ)
			return perr(ps, err, "expected '=' or '{' after a name");
		lex(ps);
		if (ps->tok == T_LBRACK ? list(ps, idx, err) < 0 : scalar(ps, idx, err) < 0)
			return -1;
	}
}

int ovk_lvm_cfg_parse(const char *text, size_t len, struct lvm_cfg **out,
		      struct ovk_error *err)
{
	struct lvm_cfg *c = calloc(1, sizeof *c);
	struct parser ps = { .c = c, .line = 1 };
	uint32_t root, none = 0;
	int ret = -1;

	*out = NULL;
	if (len > OVK_LVM_MAX_TEXT) {
		ovk_error_set(err, EFBIG, "metadata text of %zu bytes: more than %zu", len,
			      OVK_LVM_MAX_TEXT);
		goto out;
	}
	if (!c || !(c->text = malloc(len ? len : 1))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(c->text, text, len);
	ps.p = c->text;
	ps.end = c->text + len;
	/* the root: node 0, a section without a key */
	if (new_node(&ps, 0, &none, LVM_SECTION, &root, err) < 0 || items(&ps, root, 0, err) < 0)
		goto out;
	*out = c;
	c = NULL;
	ret = 0;
out:
	ovk_lvm_cfg_free(c);
	return ret;
}

void ovk_lvm_cfg_free(struct lvm_cfg *c)
{
	if (!c)
		return;
	free(c->text);
	free(c->nodes);
	free(c);
}

const struct lvm_node *ovk_lvm_child(const struct lvm_cfg *c, const struct lvm_node *n)
{
	return n->child ? &c->nodes[n->child] : NULL;
}

const struct lvm_node *ovk_lvm_next(const struct lvm_cfg *c, const struct lvm_node *n)
{
	return n->next ? &c->nodes[n->next] : NULL;
}

const struct lvm_node *ovk_lvm_find(const struct lvm_cfg *c, const struct lvm_node *s,
				    const char *key)
{
	size_t kl = strlen(key);

	if (!s || s->type != LVM_SECTION)
		return NULL;
	for (const struct lvm_node *n = ovk_lvm_child(c, s); n; n = ovk_lvm_next(c, n))
		if (n->key_len == kl && memcmp(n->key, key, kl) == 0)
			return n;
	return NULL;
}

int ovk_lvm_u64(const struct lvm_cfg *c, const struct lvm_node *s, const char *key,
		uint64_t *v)
{
	const struct lvm_node *n = ovk_lvm_find(c, s, key);

	if (!n || n->type != LVM_INT || n->num < 0)
		return -1;
	*v = (uint64_t)n->num;
	return 0;
}

int ovk_lvm_str(const struct lvm_cfg *c, const struct lvm_node *s, const char *key, char *buf,
		size_t cap)
{
	const struct lvm_node *n = ovk_lvm_find(c, s, key);

	if (!n || n->type != LVM_STR || n->str_len >= cap || memchr(n->str, '\0', n->str_len))
		return -1;
	memcpy(buf, n->str, n->str_len);
	buf[n->str_len] = '\0';
	return 0;
}

int ovk_lvm_has_flag(const struct lvm_cfg *c, const struct lvm_node *s, const char *key,
		     const char *item)
{
	const struct lvm_node *n = ovk_lvm_find(c, s, key);
	size_t il = strlen(item);

	if (!n || n->type != LVM_LIST)
		return 0;
	for (const struct lvm_node *i = ovk_lvm_child(c, n); i; i = ovk_lvm_next(c, i))
		if (i->type == LVM_STR && i->str_len == il && memcmp(i->str, item, il) == 0)
			return 1;
	return 0;
}
