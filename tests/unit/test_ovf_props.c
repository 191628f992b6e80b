/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_ovf_props.c: ProductSection properties (issue 13, the OVF
 * environment): every type and qualifier against values on both sides of
 * each limit, the keys with class and instance, the refusals of the
 * settings (unknown key, not user-configurable, a value or a default its
 * qualifiers refuse, no default), the property file's syntax, and the
 * environment document read back with the XML reader.
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

#include "ova/ovf.h"
#include "ova/ovfenv.h"
#include "util/xml.h"

static const char head[] =
	"<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
	"xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "
	"xmlns:vmw=\"http://www.vmware.com/schema/ovf\">"
	"<References/><VirtualSystem ovf:id=\"vm\"><Info>x</Info>";

/* An envelope whose one system has `sections` (ProductSections) and a
 * VirtualHardwareSection with `transport` (NULL: none). */
static struct ovk_ovf_envelope *parse(const char *sections, const char *transport,
				      struct ovk_error *err)
{
	struct ovk_ovf_envelope *env = NULL;
	char *doc;

	assert_true(asprintf(&doc, "%s%s<VirtualHardwareSection%s%s%s><Info>h</Info>"
			     "</VirtualHardwareSection></VirtualSystem></Envelope>", head,
			     sections, transport ? " ovf:transport=\"" : "",
			     transport ? transport : "", transport ? "\"" : "") > 0);
	if (ovk_ovf_parse((const uint8_t *)doc, strlen(doc), "t.ovf", &env, err) < 0)
		env = NULL;
	free(doc);
	return env;
}

/* One property with attributes `attrs`, in a plain ProductSection. */
static struct ovk_ovf_envelope *one(const char *attrs, struct ovk_error *err)
{
	char *sec;
	struct ovk_ovf_envelope *env;

	assert_true(asprintf(&sec, "<ProductSection><Info>p</Info><Property ovf:key=\"k\" %s/>"
			     "</ProductSection>", attrs) > 0);
	env = parse(sec, "iso", err);
	free(sec);
	return env;
}

struct vcase {
	const char *attrs;
	const char *good[6];
	const char *bad[6];
};

static const struct vcase vcases[] = {
	{ "ovf:type=\"uint8\"", { "0", "255", "+7", NULL }, { "256", "-1", "1.5", "", "x" } },
	{ "ovf:type=\"sint8\"", { "-128", "127", "0", NULL }, { "-129", "128", "1e2", NULL } },
	{ "ovf:type=\"uint16\"", { "65535", NULL }, { "65536", NULL } },
	{ "ovf:type=\"sint16\"", { "-32768", NULL }, { "-32769", "32768", NULL } },
	{ "ovf:type=\"uint32\"", { "4294967295", NULL }, { "4294967296", NULL } },
	{ "ovf:type=\"sint32\"", { "-2147483648", NULL }, { "2147483648", NULL } },
	{ "ovf:type=\"uint64\"", { "18446744073709551615", NULL },
	  { "18446744073709551616", "-1", NULL } },
	{ "ovf:type=\"sint64\"", { "-9223372036854775808", "9223372036854775807", NULL },
	  { "9223372036854775808", "-9223372036854775809", NULL } },
	{ "ovf:type=\"int\" ovf:qualifiers=\"MinValue(1) MaxValue(16)\"", { "1", "16", NULL },
	  { "0", "17", NULL } },
	{ "ovf:type=\"sint32\" ovf:qualifiers=\"MinValue(-5),MaxValue(5)\"", { "-5", "5", NULL },
	  { "-6", "6", NULL } },
	{ "ovf:type=\"uint8\" ovf:qualifiers=\"ValueMap{&quot;1..3&quot;, &quot;7&quot;, "
	  "&quot;200..&quot;}\"", { "1", "3", "7", "200", "255", NULL },
	  { "0", "4", "199", NULL } },
	{ "ovf:type=\"sint16\" ovf:qualifiers=\"ValueMap{&quot;..-10&quot;,&quot;0&quot;}\"",
	  { "-10", "-300", "0", NULL }, { "-9", "1", NULL } },
	{ "ovf:type=\"real64\"", { "0.5", "-1e3", "3", NULL }, { "", "abc", "nan", "1e999",
								 "0x10", NULL } },
	{ "ovf:type=\"boolean\"", { "true", "false", "True", "1", "0", NULL },
	  { "yes", "", "2", NULL } },
	{ "ovf:type=\"string\" ovf:qualifiers=\"MinLen(2),MaxLen(4)\"",
	  { "ab", "abcd", "\xc3\xa9\xc3\xa9", NULL }, { "a", "abcde", "", NULL } },
	{ "ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;small&quot;,&quot;large&quot;}\"",
	  { "small", "large", NULL }, { "Small", "", "medium", NULL } },
	{ "ovf:type=\"string\" vmw:qualifiers=\"Ip\"", { "10.0.0.1", "fe80::1", NULL },
	  { "10.0.0", "", "host.example", "10.0.0.1 ", NULL } },
	{ "ovf:type=\"ip\"", { "192.168.1.1", NULL }, { "1.2.3.4.5", NULL } },
	{ "ovf:type=\"string\" vmw:qualifiers=\"Ip:VM Network\"", { "::1", NULL }, { "x", NULL } },
	{ "ovf:type=\"string\"", { "", "any\ttext", NULL }, { "\x01", "\xff", "\xc3", NULL } },
};

static void test_types_and_qualifiers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
		struct ovk_error err = { 0 };
		struct ovk_ovf_envelope *env = one(vcases[i].attrs, &err);
		const struct ovk_ovf_property *p;
		char why[128];

		if (!env)
			fail_msg("%s: %s", vcases[i].attrs, err.msg);
		assert_int_equal(env->systems[0].n_properties, 1);
		p = &env->systems[0].properties[0];
		for (size_t g = 0; g < 6 && vcases[i].good[g]; g++)
			if (ovk_ovf_prop_check(p, vcases[i].good[g], why, sizeof why) != 0)
				fail_msg("%s: '%s' refused: %s", vcases[i].attrs, vcases[i].good[g],
					 why);
		for (size_t b = 0; b < 6 && vcases[i].bad[b]; b++)
			if (ovk_ovf_prop_check(p, vcases[i].bad[b], why, sizeof why) == 0)
				fail_msg("%s: '%s' accepted", vcases[i].attrs, vcases[i].bad[b]);
		ovk_ovf_free(env);
	}
}

/* Descriptors whose properties are malformed are refused with a reason. */
static void test_malformed(void **state)
{
	static const struct { const char *attrs, *error; } bad[] = {
		{ "ovf:type=\"string\" ovf:qualifiers=\"MinLen(x)\"", "not a count" },
		{ "ovf:type=\"string\" ovf:qualifiers=\"MaxLen(3\"", "without its ')'" },
		{ "ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;a&quot;\"", "closing '}'" },
		{ "ovf:type=\"uint8\" ovf:qualifiers=\"MaxValue(300)\"", "outside its type" },
		{ "ovf:qualifiers=\"MinLen(1)\"", "without ovf:type" },
		{ "ovf:type=\"string\" ovf:qualifiers=\"MinLen(99999999999999999999)\"",
		  "not a count" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ovk_error err = { 0 };
		struct ovk_ovf_envelope *env = one(bad[i].attrs, &err);

		if (env)
			fail_msg("%s: accepted", bad[i].attrs);
		if (!strstr(err.msg, bad[i].error))
			fail_msg("%s: '%s' lacks '%s'", bad[i].attrs, err.msg, bad[i].error);
	}
}

/* Keys, flags, defaults per configuration, transports, warnings. */
static void test_model(void **state)
{
	static const char secs[] =
		"<ProductSection ovf:class=\"vami\" ovf:instance=\"vm1\"><Info>a</Info>"
		"<Category>Net</Category>"
		"<Property ovf:key=\"ip0\" ovf:type=\"string\" vmw:qualifiers=\"Ip\" "
		"ovf:userConfigurable=\"true\"><Label>Address</Label>"
		"<Description>the address</Description></Property></ProductSection>"
		"<ProductSection ovf:class=\"app\"><Info>b</Info>"
		"<Property ovf:key=\"pw\" ovf:type=\"password\" ovf:value=\"x\"/>"
		"<Property ovf:key=\"odd\" ovf:type=\"expression\" ovf:qualifiers=\"Frob(1)\"/>"
		"</ProductSection>"
		"<ProductSection><Info>c</Info><Property ovf:key=\"plain\" ovf:type=\"string\" "
		"ovf:password=\"true\" ovf:userConfigurable=\"1\"/><Property ovf:key=\"r\" "
		"ovf:type=\"real\" ovf:qualifiers=\"MinValue(0)\"/></ProductSection>";
	struct ovk_error err = { 0 };
	struct ovk_ovf_envelope *env = parse(secs, "com.vmware.guestInfo iso", &err);
	const struct ovk_ovf_system *vs;

	(void)state;
	if (!env)
		fail_msg("%s", err.msg);
	vs = &env->systems[0];
	assert_int_equal(vs->n_properties, 5);
	assert_string_equal(vs->properties[0].key, "vami.ip0.vm1");
	assert_int_equal(vs->properties[0].type, OVK_OVF_PROP_IP);
	assert_true(vs->properties[0].user_configurable);
	assert_null(vs->properties[0].value);
	assert_string_equal(vs->properties[0].label, "Address");
	assert_string_equal(vs->properties[0].description, "the address");
	assert_string_equal(vs->properties[1].key, "app.pw");
	assert_true(vs->properties[1].password);
	assert_false(vs->properties[1].user_configurable);
	assert_string_equal(vs->properties[2].key, "app.odd");
	assert_int_equal(vs->properties[2].type, OVK_OVF_PROP_OTHER);
	assert_string_equal(vs->properties[3].key, "plain");
	assert_true(vs->properties[3].password && vs->properties[3].user_configurable);
	assert_true(vs->transport_iso && vs->transport_guestinfo);
	/* the unknown type, the unknown qualifier and the range of a real
	 * (not checked) are said */
	assert_int_equal(vs->n_warnings, 3);
	assert_non_null(strstr(vs->warnings[2], "qualifier 'MinValue(0)' is not checked"));
	ovk_ovf_free(env);

	/* two properties with one key */
	env = parse("<ProductSection><Info>a</Info><Property ovf:key=\"a\" ovf:type=\"string\"/>"
		    "<Property ovf:key=\"a\" ovf:type=\"string\"/></ProductSection>", NULL, &err);
	assert_null(env);
	assert_non_null(strstr(err.msg, "two properties with key 'a'"));
}

/* The shape of a real vendor appliance's properties (EMC's CoprHD
 * appliance, as its build script writes them into the OVF): a section per
 * class, one with an instance, a hidden property with a default, optional
 * strings as MinLen(0),MaxLen(65535) with an empty default, addresses as
 * vmw:qualifiers="Ip" with no default (so required), and a ValueMap of
 * hundreds of time zones; the hardware section ovf:required="false" with
 * the iso transport. */
static void test_vendor_shape(void **state)
{
	char *secs = NULL, *zones = NULL;
	struct ovk_error err = { 0 };
	struct ovk_ovf_envelope *env;
	const struct ovk_ovf_system *vs;
	size_t len = 0;
	FILE *f = open_memstream(&zones, &len);
	char why[128];

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 600; i++)
		fprintf(f, "%s&quot;Zone/N%d&quot;", i ? "," : "", i);
	fclose(f);
	assert_true(asprintf(&secs,
		"<ProductSection ovf:class=\"vm\" ovf:required=\"false\"><Info>v</Info>"
		"<Property ovf:key=\"vmname\" ovf:type=\"string\" ovf:value=\"SetupVM\"/>"
		"</ProductSection>"
		"<ProductSection ovf:class=\"network\" ovf:instance=\"SetupVM\" "
		"ovf:required=\"false\"><Info>n</Info><Category>Network Properties</Category>"
		"<Property ovf:key=\"hostname\" ovf:type=\"string\" ovf:userConfigurable=\"true\" "
		"ovf:value=\"\" ovf:qualifiers=\"MinLen(0),MaxLen(65535)\"><Label>FQDN</Label>"
		"</Property><Property ovf:key=\"ipv40\" ovf:userConfigurable=\"true\" "
		"ovf:type=\"string\" vmw:qualifiers=\"Ip\"/></ProductSection>"
		"<ProductSection ovf:class=\"system\"><Info>s</Info><Property ovf:key=\"timezone\" "
		"ovf:type=\"string\" ovf:userConfigurable=\"true\" ovf:value=\"Zone/N599\" "
		"ovf:qualifiers=\"ValueMap{%s}\"/></ProductSection>", zones) > 0);
	env = parse(secs, "iso", &err);
	if (!env)
		fail_msg("%s", err.msg);
	vs = &env->systems[0];
	assert_int_equal(vs->n_properties, 4);
	assert_string_equal(vs->properties[0].key, "vm.vmname");
	assert_string_equal(vs->properties[1].key, "network.hostname.SetupVM");
	assert_string_equal(vs->properties[2].key, "network.ipv40.SetupVM");
	assert_int_equal(vs->properties[2].type, OVK_OVF_PROP_IP);
	assert_string_equal(vs->properties[3].key, "system.timezone");
	assert_int_equal(vs->properties[3].n_value_map, 600);
	assert_int_equal(ovk_ovf_prop_check(&vs->properties[3], "Zone/N599", why, sizeof why), 0);
	assert_int_equal(ovk_ovf_prop_check(&vs->properties[3], "Zone/N600", why, sizeof why), -1);
	/* the empty default is a value */
	assert_int_equal(ovk_ovf_prop_check(&vs->properties[1], "", why, sizeof why), 0);
	ovk_ovf_free(env);
	free(secs);
	free(zones);
}

static void test_config_default(void **state)
{
	static const char doc[] =
		"<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
		"xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"><References/>"
		"<DeploymentOptionSection><Info>d</Info><Configuration ovf:id=\"small\" "
		"ovf:default=\"true\"><Label>S</Label></Configuration><Configuration "
		"ovf:id=\"large\"><Label>L</Label></Configuration></DeploymentOptionSection>"
		"<VirtualSystem ovf:id=\"vm\"><Info>x</Info><ProductSection><Info>p</Info>"
		"<Property ovf:key=\"n\" ovf:type=\"uint8\" ovf:value=\"1\">"
		"<Value ovf:value=\"8\" ovf:configuration=\"large\"/></Property>"
		"</ProductSection></VirtualSystem></Envelope>";
	struct ovk_error err = { 0 };
	struct ovk_ovf_envelope *env = NULL;

	(void)state;
	assert_int_equal(ovk_ovf_parse_config((const uint8_t *)doc, strlen(doc), "t", NULL,
					      &env, &err), 0);
	assert_string_equal(env->systems[0].properties[0].value, "1");
	ovk_ovf_free(env);
	assert_int_equal(ovk_ovf_parse_config((const uint8_t *)doc, strlen(doc), "t", "large",
					      &env, &err), 0);
	assert_string_equal(env->systems[0].properties[0].value, "8");
	ovk_ovf_free(env);
}

static const char settings[] =
	"<ProductSection><Info>p</Info>"
	"<Property ovf:key=\"ip\" ovf:type=\"string\" vmw:qualifiers=\"Ip\" "
	"ovf:userConfigurable=\"true\"/>"
	"<Property ovf:key=\"name\" ovf:type=\"string\" ovf:qualifiers=\"MinLen(1)\" "
	"ovf:userConfigurable=\"true\" ovf:value=\"box\"/>"
	"<Property ovf:key=\"note\" ovf:type=\"string\" ovf:userConfigurable=\"true\" "
	"ovf:value=\"\"/>"
	"<Property ovf:key=\"pw\" ovf:type=\"string\" ovf:password=\"true\" "
	"ovf:qualifiers=\"MinLen(8)\" ovf:userConfigurable=\"true\" ovf:value=\"longenough\"/>"
	"<Property ovf:key=\"ver\" ovf:type=\"string\" ovf:value=\"1.0\"/>"
	"</ProductSection>";

/* The settings of the last resolve(): the values borrow from them. */
static struct ovk_ovf_assign *a;
static size_t n;

static void forget(void)
{
	ovk_ovf_assign_free(a, n);
	a = NULL;
	n = 0;
}

/* Resolve `kv` (NULL-terminated) against `secs`: 0, or -1 with err. */
static int resolve(const char *secs, const char *const *kv, const char ****vals,
		   struct ovk_ovf_envelope **envp, struct ovk_error *err)
{
	int r = -1;

	forget();
	*vals = NULL;
	*envp = parse(secs, "iso", err);
	assert_non_null(*envp);
	for (size_t i = 0; kv[i]; i++)
		if (ovk_ovf_assign_add(&a, &n, kv[i], "--prop", err) < 0)
			goto out;
	r = ovk_ovf_env_resolve(*envp, a, n, vals, err);
out:
	return r;
}

static void expect_refused(const char *secs, const char *const *kv, const char *msg,
			   const char *absent)
{
	struct ovk_ovf_envelope *env;
	struct ovk_error err = { 0 };
	const char ***vals;

	if (resolve(secs, kv, &vals, &env, &err) == 0)
		fail_msg("accepted, expected '%s'", msg);
	assert_int_equal(err.errnum, OVK_OVF_EPROPERTY);
	if (!strstr(err.msg, msg))
		fail_msg("'%s' lacks '%s'", err.msg, msg);
	if (absent && strstr(err.msg, absent))
		fail_msg("'%s' shows '%s'", err.msg, absent);
	ovk_ovf_free(env);
	forget();
}

static void test_resolve(void **state)
{
	const char *ok[] = { "ip=10.1.2.3", "note=first", "note=second", NULL };
	const char *none[] = { NULL };
	struct ovk_ovf_envelope *env;
	struct ovk_error err = { 0 };
	const char ***vals;

	(void)state;
	if (resolve(settings, ok, &vals, &env, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(vals[0][0], "10.1.2.3");
	assert_string_equal(vals[0][1], "box");
	assert_string_equal(vals[0][2], "second");   /* the last setting wins */
	ovk_ovf_env_values_free(env, vals);
	ovk_ovf_free(env);
	forget();

	expect_refused(settings, none, "property 'ip' (string, Ip) has no default value: "
		       "give one with --prop ip=VALUE", NULL);
	expect_refused(settings, (const char *[]){ "ip=10.0.0.300", NULL },
		       "'10.0.0.300' is not an IPv4 or IPv6 address", NULL);
	expect_refused(settings, (const char *[]){ "ip=1.1.1.1", "nmae=x", NULL },
		       "no property 'nmae' (it has 'ip', 'name', 'note', 'pw')", NULL);
	expect_refused(settings, (const char *[]){ "ip=1.1.1.1", "ver=2", NULL },
		       "'ver' is not user-configurable", NULL);
	expect_refused(settings, (const char *[]){ "ip=1.1.1.1", "name=", NULL },
		       "'' is shorter than MinLen(1)", NULL);
	expect_refused(settings, (const char *[]){ "ip=1.1.1.1", "pw=hunter2", NULL },
		       "the value is shorter than MinLen(8)", "hunter2");
	expect_refused(settings, (const char *[]){ "=x", NULL }, "an empty key", NULL);
	expect_refused(settings, (const char *[]){ "ip", NULL }, "is not KEY=VALUE", NULL);
	/* defaults their own qualifiers refuse, and none at all */
	expect_refused("<ProductSection><Info>p</Info><Property ovf:key=\"motd\" "
		       "ovf:type=\"string\" ovf:qualifiers=\"MinLen(1)\" ovf:userConfigurable="
		       "\"true\" ovf:value=\"\"/></ProductSection>", none,
		       "its default '' is shorter than MinLen(1): give a value with --prop "
		       "motd=VALUE", NULL);
	expect_refused("<ProductSection><Info>p</Info><Property ovf:key=\"s\" "
		       "ovf:type=\"password\" ovf:qualifiers=\"MinLen(9)\" ovf:value=\"secret\"/>"
		       "</ProductSection>", none, "its default value is shorter", "secret");
	expect_refused("<ProductSection><Info>p</Info><Property ovf:key=\"h\" "
		       "ovf:type=\"string\"/></ProductSection>", none,
		       "not user-configurable: the appliance cannot be deployed", NULL);
}

static void test_prop_file(void **state)
{
	static const char file[] =
		"# settings\n"
		"\n"
		"   \t\n"
		"ip = 10.0.0.7\r\n"
		"  # indented comment\n"
		"note=a=b # not a comment\n"
		"name=  spaced  \n"
		"empty=";
	struct ovk_error err = { 0 };

	(void)state;
	forget();
	assert_int_equal(ovk_ovf_assign_parse_file((const uint8_t *)file, strlen(file), "f",
						   &a, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(a[0].key, "ip");
	assert_string_equal(a[0].value, "10.0.0.7");
	assert_string_equal(a[0].origin, "f:4");
	assert_string_equal(a[1].value, "a=b # not a comment");
	assert_string_equal(a[2].value, "spaced  ");
	assert_string_equal(a[3].key, "empty");
	assert_string_equal(a[3].value, "");
	forget();
	assert_int_equal(ovk_ovf_assign_parse_file((const uint8_t *)"ok=1\nno equals\n", 16, "f",
						   &a, &n, &err), -1);
	assert_int_equal(err.errnum, OVK_OVF_EPROPERTY);
	assert_non_null(strstr(err.msg, "f:2: not KEY=VALUE"));
	forget();
	assert_int_equal(ovk_ovf_assign_parse_file((const uint8_t *)"k=a\0b\n", 6, "f", &a, &n,
						   &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	forget();
}

/* The environment document: namespace, oe:id, every property once, the
 * values escaped, read back by the XML reader. */
static void test_env_xml(void **state)
{
	const char *kv[] = { "ip=10.1.2.3", "note=<a & \"b\">", NULL };
	struct ovk_ovf_envelope *env;
	struct ovk_error err = { 0 };
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *root, *ps;
	const char ***vals;
	char *xml = NULL;
	uint8_t *iso = NULL;
	size_t len, count = 0;

	(void)state;
	assert_int_equal(resolve(settings, kv, &vals, &env, &err), 0);
	assert_int_equal(ovk_ovf_env_xml(&env->systems[0], vals[0], &xml, &err), 0);
	assert_true(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0);
	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), "env", &doc, &err) < 0)
		fail_msg("%s", err.msg);
	root = ovk_xml_root(doc);
	assert_string_equal(ovk_xml_name(root), "Environment");
	assert_string_equal(ovk_xml_ns(root), OVK_NS_OVFENV);
	assert_string_equal(ovk_xml_attr_ns(root, OVK_NS_OVFENV, "id"), "vm");
	assert_non_null(ovk_xml_child(root, "PlatformSection"));
	ps = ovk_xml_child(root, "PropertySection");
	assert_non_null(ps);
	for (const struct ovk_xml_node *p = ovk_xml_first(ps); p; p = ovk_xml_next(p), count++) {
		const char *k = ovk_xml_attr_ns(p, OVK_NS_OVFENV, "key");

		assert_string_equal(ovk_xml_ns(p), OVK_NS_OVFENV);
		assert_string_equal(k, env->systems[0].properties[count].key);
		assert_string_equal(ovk_xml_attr_ns(p, OVK_NS_OVFENV, "value"), vals[0][count]);
	}
	assert_int_equal(count, 5);
	/* on an ISO 9660 image: the volume descriptor, and the file's bytes */
	assert_int_equal(ovk_ovf_env_iso(&env->systems[0], vals[0], &iso, &len, &err), 0);
	assert_true(len >= 17 * 2048 && len % 2048 == 0);
	assert_memory_equal(iso + 16 * 2048 + 1, "CD001", 5);
	/* d-characters only in the primary volume descriptor (Joliet keeps
	 * the blank) */
	assert_memory_equal(iso + 16 * 2048 + 40, "OVF_ENV", 7);
	assert_non_null(memmem(iso, len, xml, strlen(xml)));
	free(iso);
	free(xml);
	ovk_xml_free(doc);
	ovk_ovf_env_values_free(env, vals);
	ovk_ovf_free(env);
	forget();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_qualifiers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_vendor_shape),
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_prop_file),
		cmocka_unit_test(test_env_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
