/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_info.c: unit tests for src/core/info.h, the --info tree and its text
 * and JSON renderings.
 *
 * The expected renderings are written out by hand.  JSON is also checked
 * for what a parser needs whatever the strings hold: every byte below 0x20,
 * '"' and '\\' escaped, and nothing but valid UTF-8 (strings come from the
 * files: a qcow2 backing file name, a VMDK parent hint).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/info.h"

static char *render(const struct ovk_info *info, int json)
{
	struct ovk_error err;
	char *out = NULL;

	if (ovk_info_render(info, json, &out, &err) != 0)
		fail_msg("render (%s) failed: %s", json ? "json" : "text", err.msg);
	assert_non_null(out);
	return out;
}

/* A tree with every kind of node, empty containers and list items. */
static struct ovk_info *sample(void)
{
	struct ovk_info *info = ovk_info_new();

	assert_non_null(info);
	ovk_info_str(info, "format", "vmdk");
	ovk_info_u64(info, "virtual-size", 1073741824);
	ovk_info_bool(info, "compressed", 42);
	ovk_info_begin_list(info, "extents");
	ovk_info_begin_object(info, NULL);
	ovk_info_str(info, "type", "SPARSE");
	ovk_info_u64(info, "size", 5);
	ovk_info_end(info);
	ovk_info_begin_object(info, NULL);
	ovk_info_end(info);
	ovk_info_str(info, NULL, "loose");
	ovk_info_u64(info, "ignored_in_a_list", UINT64_MAX);
	ovk_info_end(info);
	ovk_info_begin_object(info, "empty");
	ovk_info_end(info);
	ovk_info_begin_list(info, "none");
	ovk_info_end(info);
	ovk_info_bool(info, "streamed", 0);
	return info;
}

static void test_info_json(void **state)
{
	struct ovk_info *info = sample();
	char *out = render(info, 1);

	(void)state;
	assert_string_equal(out, "{\n"
				 "  \"format\": \"vmdk\",\n"
				 "  \"virtual-size\": 1073741824,\n"
				 "  \"compressed\": true,\n"
				 "  \"extents\": [\n"
				 "    {\n"
				 "      \"type\": \"SPARSE\",\n"
				 "      \"size\": 5\n"
				 "    },\n"
				 "    {},\n"
				 "    \"loose\",\n"
				 "    18446744073709551615\n"
				 "  ],\n"
				 "  \"empty\": {},\n"
				 "  \"none\": [],\n"
				 "  \"streamed\": false\n"
				 "}\n");
	free(out);
	ovk_info_free(info);
}

static void test_info_text(void **state)
{
	struct ovk_info *info = sample();
	char *out = render(info, 0);

	(void)state;
	assert_string_equal(out, "format: vmdk\n"
				 "virtual-size: 1073741824\n"
				 "compressed: yes\n"
				 "extents:\n"
				 "    [0]:\n"
				 "        type: SPARSE\n"
				 "        size: 5\n"
				 "    [1]:\n"
				 "    [2]: loose\n"
				 "    [3]: 18446744073709551615\n"
				 "empty:\n"
				 "none:\n"
				 "streamed: no\n");
	free(out);
	ovk_info_free(info);
}

/* Nothing to say is still a rendering: an empty object, or no lines. */
static void test_info_empty(void **state)
{
	struct ovk_info *info = ovk_info_new();
	char *out;

	(void)state;
	out = render(info, 1);
	assert_string_equal(out, "{}\n");
	free(out);
	out = render(info, 0);
	assert_string_equal(out, "");
	free(out);
	ovk_info_free(info);
	ovk_info_free(NULL);
}

/* A sub-tree moves under a key at the cursor, in order, and is freed; a
 * NULL sub-tree adds nothing (ovk_info_open's raw image has no
 * format-specific data).  A null is JSON's null and "-" in text. */
static void test_info_graft(void **state)
{
	struct ovk_info *info = ovk_info_new(), *sub = ovk_info_new();
	char *out;

	(void)state;
	ovk_info_u64(sub, "cid", 7);
	ovk_info_begin_list(sub, "extents");
	ovk_info_str(sub, NULL, "x");
	ovk_info_end(sub);
	ovk_info_begin_object(info, "format-specific");
	ovk_info_str(info, "type", "vmdk");
	ovk_info_graft(info, "data", sub);
	ovk_info_end(info);
	ovk_info_graft(info, "nothing", NULL);
	ovk_info_null(info, "from");
	ovk_info_bool(info, "after", 1);
	out = render(info, 1);
	assert_string_equal(out, "{\n"
				 "  \"format-specific\": {\n"
				 "    \"type\": \"vmdk\",\n"
				 "    \"data\": {\n"
				 "      \"cid\": 7,\n"
				 "      \"extents\": [\n"
				 "        \"x\"\n"
				 "      ]\n"
				 "    }\n"
				 "  },\n"
				 "  \"from\": null,\n"
				 "  \"after\": true\n"
				 "}\n");
	free(out);
	out = render(info, 0);
	assert_non_null(strstr(out, "\nfrom: -\nafter: yes\n"));
	free(out);
	ovk_info_free(info);
}

static void test_info_accessors(void **state)
{
	struct ovk_info *info = sample();
	uint64_t v = 77;

	(void)state;
	ovk_info_str(info, "backing-filename", NULL);
	assert_string_equal(ovk_info_get_str(info, "format"), "vmdk");
	assert_string_equal(ovk_info_get_str(info, "backing-filename"), "");
	assert_null(ovk_info_get_str(info, "virtual-size"));  /* not a string */
	assert_null(ovk_info_get_str(info, "type"));          /* nested only */
	assert_null(ovk_info_get_str(info, "loose"));         /* a value, not a key */
	assert_null(ovk_info_get_str(info, "form"));          /* a prefix */
	assert_null(ovk_info_get_str(info, "missing"));

	assert_int_equal(ovk_info_get_u64(info, "virtual-size", &v), 0);
	assert_true(v == 1073741824);
	v = 77;
	assert_int_equal(ovk_info_get_u64(info, "format", &v), -1);
	assert_int_equal(ovk_info_get_u64(info, "compressed", &v), -1);  /* a bool */
	assert_int_equal(ovk_info_get_u64(info, "size", &v), -1);        /* nested */
	assert_int_equal(ovk_info_get_u64(info, "extents", &v), -1);
	assert_true(v == 77);
	ovk_info_free(info);
}

/* Whether s is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), written from RFC 3629's table. */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n, lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		if (s[1] < lo || s[1] > hi)
			return 0;
		for (unsigned i = 2; i <= n; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		s += n + 1;
	}
	return 1;
}

/* What a terminal may be shown of appliance text: one line, no control. */
static void test_text_escape(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain caf\xc3\xa9", "plain caf\xc3\xa9" },
		{ "a\nb\tc\\d", "a\\nb\\tc\\\\d" },
		{ "\x1b[2J\x7f", "\\x1b[2J\\x7f" },
		{ "csi \xc2\x9b" "31m", "csi \\u009b31m" },
		{ "bad \xff\xfe \xc3", "bad \\xff\\xfe \\xc3" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = ovk_text_escape(cases[i].in);

		assert_non_null(out);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void test_info_json_escaping(void **state)
{
	struct ovk_info *info = ovk_info_new();
	char *out;

	(void)state;
	ovk_info_str(info, "q\"k\\", "a\"b\\c/d");
	ovk_info_str(info, "ctl", "\x01\b\t\n\f\r\x1f\x7f!\xc2\x9b");
	ovk_info_str(info, "utf8", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x92\xbe");
	out = render(info, 1);
	assert_string_equal(out, "{\n"
				 "  \"q\\\"k\\\\\": \"a\\\"b\\\\c/d\",\n"
				 "  \"ctl\": \"\\u0001\\u0008\\u0009\\u000a\\u000c\\u000d\\u001f\\u007f!"
				 "\\u009b\",\n"
				 "  \"utf8\": \"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x92\xbe\"\n"
				 "}\n");
	free(out);
	ovk_info_free(info);
}

/* Bytes from a file that are not UTF-8 must not make the JSON invalid:
 * they are replaced, and the valid text around them is kept. */
static void test_info_json_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",                 /* never valid */
		"x\xc3",                /* truncated at the end */
		"\xc3(",                /* lead without its continuation */
		"\xc0\xaf",             /* overlong '/' */
		"\xe0\x80\xaf",         /* overlong, 3 bytes */
		"\xed\xa0\x80",         /* a UTF-16 surrogate */
		"\xf4\x90\x80\x80",     /* past U+10FFFF */
		"\x80\xbf",             /* lone continuations */
		"\xf0\x9f\x92",         /* 4-byte sequence cut short */
		"ok\xe9t\xe9",          /* Latin-1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ovk_info *info = ovk_info_new();
		char *out;

		ovk_info_str(info, "backing-filename", bad[i]);
		ovk_info_str(info, bad[i], "v");
		out = render(info, 1);
		if (!utf8_valid((const unsigned char *)out))
			fail_msg("case %zu: the JSON is not valid UTF-8: %s", i, out);
		free(out);
		ovk_info_free(info);
	}

	/* The replacement is U+FFFD, one per byte that starts no valid
	 * sequence; valid neighbours pass unchanged. */
	{
		struct ovk_info *info = ovk_info_new();
		char *out;

		ovk_info_str(info, "n", "ok\xe9t\xc3\xa9\xff");
		out = render(info, 1);
		assert_string_equal(out, "{\n  \"n\": \"ok\\ufffdt\xc3\xa9\\ufffd\"\n}\n");
		free(out);
		ovk_info_free(info);
	}
}

/* Nesting: fine 7 levels below the top (info.c's INFO_MAX_DEPTH of 8
 * cursor entries, the top's among them), then refused as a whole (render
 * fails, nothing half-built comes out), never overrun.  An appliance
 * needs 4 (virtual_systems, a system, its drives, a drive). */
static void test_info_depth(void **state)
{
	int first_bad = 0;

	(void)state;
	for (int depth = 1; depth <= 20; depth++) {
		struct ovk_info *info = ovk_info_new();
		struct ovk_error err;
		char *out = NULL;
		char want[128];
		int r;

		for (int d = 0; d < depth; d++) {
			if (d % 2)
				ovk_info_begin_list(info, "l");
			else
				ovk_info_begin_object(info, "o");
		}
		ovk_info_u64(info, "leaf", 9);
		for (int d = 0; d < depth; d++)
			ovk_info_end(info);
		ovk_info_str(info, "after", "x");
		memset(&err, 0, sizeof err);
		r = ovk_info_render(info, 1, &out, &err);
		if (r == 0) {
			assert_int_equal(first_bad, 0);
			/* The leaf, at its depth's indentation; the field after
			 * the ends back at the top. */
			snprintf(want, sizeof want, "\n%*s%s9\n", 2 * depth + 2, "",
				 depth % 2 ? "\"leaf\": " : "");
			assert_non_null(strstr(out, want));
			assert_string_equal(ovk_info_get_str(info, "after"), "x");
			free(out);
		} else {
			assert_int_equal(r, -1);
			assert_null(out);
			assert_int_not_equal(err.errnum, 0);
			assert_true(err.msg[0] != '\0');
			if (!first_bad)
				first_bad = depth;
		}
		ovk_info_free(info);
	}
	assert_int_equal(first_bad, 8);
}

/* Unbalanced ends at the top are ignored: the next field is still a
 * top-level one. */
static void test_info_extra_end(void **state)
{
	struct ovk_info *info = ovk_info_new();
	char *out;

	(void)state;
	ovk_info_end(info);
	ovk_info_begin_object(info, "a");
	ovk_info_end(info);
	ovk_info_end(info);
	ovk_info_u64(info, "b", 1);
	out = render(info, 1);
	assert_string_equal(out, "{\n  \"a\": {},\n  \"b\": 1\n}\n");
	free(out);
	ovk_info_free(info);
}

/* Output past the first buffer: many fields and one long value, in both
 * renderings, compared with the same text built here. */
static void test_info_large(void **state)
{
	enum { FIELDS = 700, LONG = 10000 };
	struct ovk_info *info = ovk_info_new();
	char *lng = malloc(LONG + 1), *json, *text, *want_j, *want_t, *pj, *pt;
	char key[16];

	(void)state;
	assert_non_null(lng);
	for (int i = 0; i < LONG; i++)
		lng[i] = (char)('a' + i % 26);
	lng[LONG] = '\0';
	want_j = malloc(FIELDS * 32 + LONG + 64);
	want_t = malloc(FIELDS * 32 + LONG + 64);
	assert_non_null(want_j);
	assert_non_null(want_t);
	pj = want_j + sprintf(want_j, "{\n");
	pt = want_t;
	for (int i = 0; i < FIELDS; i++) {
		snprintf(key, sizeof key, "f%03d", i);
		ovk_info_u64(info, key, (uint64_t)i * 1000003);
		pj += sprintf(pj, "  \"%s\": %llu,\n", key, (unsigned long long)i * 1000003);
		pt += sprintf(pt, "%s: %llu\n", key, (unsigned long long)i * 1000003);
	}
	ovk_info_str(info, "long", lng);
	sprintf(pj, "  \"long\": \"%s\"\n}\n", lng);
	sprintf(pt, "long: %s\n", lng);
	json = render(info, 1);
	text = render(info, 0);
	assert_string_equal(json, want_j);
	assert_string_equal(text, want_t);
	free(json);
	free(text);
	free(want_j);
	free(want_t);
	free(lng);
	ovk_info_free(info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_json),
		cmocka_unit_test(test_info_text),
		cmocka_unit_test(test_info_empty),
		cmocka_unit_test(test_info_graft),
		cmocka_unit_test(test_info_accessors),
		cmocka_unit_test(test_info_json_escaping),
		cmocka_unit_test(test_text_escape),
		cmocka_unit_test(test_info_json_invalid_utf8),
		cmocka_unit_test(test_info_depth),
		cmocka_unit_test(test_info_extra_end),
		cmocka_unit_test(test_info_large),
	};

	return cmocka_run_group_tests_name("info", tests, NULL, NULL);
}
