/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_xml.c: the XML doors on their own (src/util/xml.h, xmlw.h), with
 * documents that are not OVF, so the hardening and the lookup rules are
 * seen to belong to the door and not to one vocabulary.  test_ovf.c covers
 * the OVF dialects on top (ovf:id or id, xsi:type sections), test_virt.c
 * the domain XML written through xmlw.h against golden files.
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

#include "util/xml.h"
#include "util/xmlw.h"

static struct ovk_xml_doc *parse(const char *s)
{
	struct ovk_error err = {0};
	struct ovk_xml_doc *doc = NULL;

	assert_int_equal(ovk_xml_parse((const uint8_t *)s, strlen(s), "t.xml", &doc, &err), 0);
	assert_non_null(doc);
	return doc;
}

static void expect_refused(const char *s, const char *msg)
{
	struct ovk_error err = {0};
	struct ovk_xml_doc *doc = (struct ovk_xml_doc *)&err;

	assert_int_equal(ovk_xml_parse((const uint8_t *)s, strlen(s), "t.xml", &doc, &err), -1);
	assert_null(doc);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_hardening(void **state)
{
	struct ovk_error err = {0};
	struct ovk_xml_doc *doc = NULL;
	/* Room for one "<a>" too many, and for the deepest allowed document
	 * with its "</a>"s. */
	char deep[OVK_XML_MAX_DEPTH * (3 + 4) + 3 + 1] = "";

	(void)state;
	expect_refused("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x>&e;</x>",
		       "t.xml:1: the document declares entity 'e'");
	expect_refused("<!DOCTYPE x [\n<!ENTITY a \"aa\">]><x>&a;</x>", "t.xml:2: the document "
		       "declares entity 'a'; entities are refused");
	for (int i = 0; i <= OVK_XML_MAX_DEPTH; i++)
		strcat(deep, "<a>");
	expect_refused(deep, "nested deeper than 64");
	expect_refused("<x>\n<a></b>\n</x>", "t.xml:2: ill-formed XML: ");
	expect_refused("", "t.xml");
	assert_int_equal(ovk_xml_parse((const uint8_t *)"", OVK_XML_MAX_BYTES + 1, "big.xml", &doc,
				       &err), -1);
	assert_int_equal(err.errnum, EFBIG);
	assert_non_null(strstr(err.msg, "big.xml: 16777217 bytes, more than"));
	/* Exactly at the depth limit is fine. */
	deep[OVK_XML_MAX_DEPTH * 3] = '\0';
	for (int i = 0; i < OVK_XML_MAX_DEPTH; i++)
		strcat(deep, "</a>");
	ovk_xml_free(parse(deep));
	ovk_xml_free(NULL);
}

static void test_lookups(void **state)
{
	struct ovk_xml_doc *doc;
	const struct ovk_xml_node *root, *a, *b;
	const char *ns;
	char *t;

	(void)state;
	doc = parse("<?xml version='1.0'?>\n"
		    "<r xmlns:p='urn:p' xmlns:q='urn:p' xmlns:o='urn:o' name='bare' p:name='qual'"
		    " empty=''>\n"
		    "  <!-- comment --> text <a o:t='o:Thing_Type'>  two words \n</a>\n"
		    "  <p:b only-bare='1' q:only-ns='2'/><a>second</a>\n"
		    "</r>");
	root = ovk_xml_root(doc);
	assert_string_equal(ovk_xml_name(root), "r");
	assert_null(ovk_xml_ns(root));
	/* Bare and qualified spellings are distinct lookups. */
	assert_string_equal(ovk_xml_attr(root, "name"), "bare");
	assert_string_equal(ovk_xml_attr_ns(root, "urn:p", "name"), "qual");
	assert_null(ovk_xml_attr_ns(root, "urn:o", "name"));
	assert_string_equal(ovk_xml_attr_ns(root, NULL, "name"), "bare");
	assert_string_equal(ovk_xml_attr(root, "empty"), "");
	assert_null(ovk_xml_attr(root, "missing"));
	/* Element children only, comments and text skipped. */
	a = ovk_xml_first(root);
	assert_string_equal(ovk_xml_name(a), "a");
	assert_int_equal(ovk_xml_line(a), 3);
	b = ovk_xml_next(a);
	assert_string_equal(ovk_xml_name(b), "b");
	assert_string_equal(ovk_xml_ns(b), "urn:p");
	assert_string_equal(ovk_xml_attr(b, "only-bare"), "1");
	assert_null(ovk_xml_attr_ns(b, "urn:p", "only-bare"));
	assert_string_equal(ovk_xml_attr_ns(b, "urn:p", "only-ns"), "2");
	assert_null(ovk_xml_attr(b, "only-ns"));
	assert_null(ovk_xml_first(b));
	assert_string_equal(ovk_xml_name(ovk_xml_next(b)), "a");
	assert_null(ovk_xml_next(ovk_xml_next(b)));
	/* The first child by local name, whatever its namespace; NULL chains. */
	assert_ptr_equal(ovk_xml_child(root, "a"), a);
	assert_ptr_equal(ovk_xml_child(root, "b"), b);
	assert_null(ovk_xml_child(root, "c"));
	assert_null(ovk_xml_child(ovk_xml_child(root, "c"), "a"));
	assert_null(ovk_xml_attr(NULL, "name"));
	assert_null(ovk_xml_attr_ns(NULL, "urn:p", "name"));
	/* Text, trimmed. */
	t = ovk_xml_text(a);
	assert_string_equal(t, "two words");
	free(t);
	/* A QName value, resolved in the scope of its element. */
	assert_string_equal(ovk_xml_qname(a, ovk_xml_attr_ns(a, "urn:o", "t"), &ns),
			    "Thing_Type");
	assert_string_equal(ns, "urn:o");
	assert_string_equal(ovk_xml_qname(a, "x:y", &ns), "y");
	assert_null(ns);
	assert_string_equal(ovk_xml_qname(a, "plain", &ns), "plain");
	assert_null(ns);
	ovk_xml_free(doc);
}

static void test_writer(void **state)
{
	struct ovk_error err = {0};
	struct ovk_xw *w = ovk_xw_new("domain");
	struct ovk_xw_node *n;
	struct ovk_xml_doc *doc;
	const struct ovk_xml_node *c;
	char *out = NULL, *t;

	(void)state;
	assert_non_null(w);
	ovk_xw_attr(ovk_xw_root(w), "type", "kvm");
	n = ovk_xw_child(ovk_xw_root(w), "name", "a<b>&\"c'");
	ovk_xw_attrf(n, "x", "%d'\"<%s", 7, "&");
	ovk_xw_child(ovk_xw_child(ovk_xw_root(w), "devices", NULL), "disk", NULL);
	/* A NULL node is ignored, not a failure. */
	assert_null(ovk_xw_child(NULL, "lost", NULL));
	assert_null(ovk_xw_attr(NULL, "lost", "1"));
	assert_int_equal(ovk_xw_dump(w, &out, &err), 0);
	assert_string_equal(out, "<domain type=\"kvm\">\n"
			    "  <name x=\"7'&quot;&lt;&amp;\">a&lt;b&gt;&amp;\"c'</name>\n"
			    "  <devices>\n    <disk/>\n  </devices>\n</domain>\n");
	/* What the writer escapes, the reader gives back. */
	doc = parse(out);
	c = ovk_xml_child(ovk_xml_root(doc), "name");
	assert_string_equal(ovk_xml_attr(c, "x"), "7'\"<&");
	t = ovk_xml_text(c);
	assert_string_equal(t, "a<b>&\"c'");
	free(t);
	ovk_xml_free(doc);
	free(out);
	ovk_xw_free(w);
	ovk_xw_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardening),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
