/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_props.c: ProductSection properties and the environment transports.
 *
 * A vendor appliance configures its first boot (address, hostname,
 * passwords, licence) from the properties of its ProductSections, which
 * the deployer fills in and delivers as the OVF environment (ovf_env.c).
 * What a property may hold is said three ways, all read here:
 *   - ovf:type, DSP0243's uint8..uint64, sint8..sint64, real32, real64,
 *     boolean and string, or VMware's int, real, password and ip;
 *   - ovf:qualifiers, DSP0243's MinLen(n), MaxLen(n) and ValueMap{"a",
 *     "b"} (for integers ranges "1..4" too), and VMware's MinValue(n),
 *     MaxValue(n); vmw:qualifiers="Ip" (or "Ip:network") makes a string an
 *     address.  Qualifiers are separated by commas or blanks;
 *   - ovf:userConfigurable (default false: the deployer may not change
 *     the value) and ovf:password (never shown).
 * The key the environment carries is [class.]key[.instance], the class
 * and instance being the ProductSection's (DSP0243 9.5).  A <Value
 * ovf:configuration="x"> child is the default in configuration x.
 *
 * A qualifier we do not know is kept as written with a warning; one we
 * know but cannot read (MinLen(x), an unterminated ValueMap) refuses the
 * descriptor, as any other malformed value does.
 */
#include "ovf_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ types */

struct type_def {
	const char *name;
	enum ovk_ovf_prop_type type;
	int64_t min;
	uint64_t max;
};

static const struct type_def types[] = {
	{ "string", OVK_OVF_PROP_STRING, 0, 0 },
	{ "password", OVK_OVF_PROP_STRING, 0, 0 },   /* VMware: a string, hidden */
	{ "boolean", OVK_OVF_PROP_BOOLEAN, 0, 0 },
	{ "uint8", OVK_OVF_PROP_INT, 0, UINT8_MAX },
	{ "sint8", OVK_OVF_PROP_INT, INT8_MIN, INT8_MAX },
	{ "uint16", OVK_OVF_PROP_INT, 0, UINT16_MAX },
	{ "sint16", OVK_OVF_PROP_INT, INT16_MIN, INT16_MAX },
	{ "uint32", OVK_OVF_PROP_INT, 0, UINT32_MAX },
	{ "sint32", OVK_OVF_PROP_INT, INT32_MIN, INT32_MAX },
	{ "uint64", OVK_OVF_PROP_INT, 0, UINT64_MAX },
	{ "sint64", OVK_OVF_PROP_INT, INT64_MIN, INT64_MAX },
	/* VMware's vApp "int" is a 32-bit signed integer (the vSphere API's
	 * VAppPropertyInfo type "int", narrowed by "int(min..max)"). */
	{ "int", OVK_OVF_PROP_INT, INT32_MIN, INT32_MAX },
	{ "real32", OVK_OVF_PROP_REAL, 0, 0 },
	{ "real64", OVK_OVF_PROP_REAL, 0, 0 },
	{ "real", OVK_OVF_PROP_REAL, 0, 0 },
	{ "ip", OVK_OVF_PROP_IP, 0, 0 },
};

static void set_type(struct ovk_ovf_property *p, const char *name)
{
	p->type = OVK_OVF_PROP_OTHER;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strcasecmp(name, types[i].name) != 0)
			continue;
		p->type = types[i].type;
		p->int_min = types[i].min;
		p->int_max = types[i].max;
		if (strcasecmp(name, "password") == 0)
			p->password = 1;
		return;
	}
	/* VMware's "ip:network" names the network the address is on. */
	if (strncasecmp(name, "ip:", 3) == 0)
		p->type = OVK_OVF_PROP_IP;
}

/* ------------------------------------------------------------ numbers */

/* Strict decimal integer with an optional sign, as a sign and magnitude,
 * so that the whole of uint64 and sint64 compare exactly. */
static int parse_int(const char *s, int *neg, uint64_t *mag)
{
	*neg = 0;
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	if (!*s || ovk_ovf_u64(s, mag) != 0)
		return -1;
	if (*mag == 0)
		*neg = 0;
	return 0;
}

/* -1, 0, 1 as sign-magnitude a compares with b. */
static int cmp_sm(int an, uint64_t am, int bn, uint64_t bm)
{
	if (an != bn)
		return an ? -1 : 1;
	if (am == bm)
		return 0;
	return ((am < bm) ^ an) ? -1 : 1;
}

static int cmp_signed(int neg, uint64_t mag, int64_t b)
{
	return cmp_sm(neg, mag, b < 0, b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b);
}

static int in_range(const struct ovk_ovf_property *p, int neg, uint64_t mag)
{
	return cmp_signed(neg, mag, p->int_min) >= 0 && (neg || mag <= p->int_max);
}

/* ------------------------------------------------------------ qualifiers */

/* The argument of NAME(n) as a count. */
static int paren_u64(const struct ovf_ctx *c, const struct ovk_xml_node *n, const char *q,
		     const char *arg, size_t len, uint64_t *out)
{
	char buf[32];

	if (len == 0 || len >= sizeof buf)
		return ovk_ovf_fail(c, n, EINVAL, "qualifier '%s': bad argument", q);
	memcpy(buf, arg, len);
	buf[len] = '\0';
	if (ovk_ovf_u64(buf, out) != 0)
		return ovk_ovf_fail(c, n, EINVAL, "qualifier '%.*s': '%s' is not a count",
				    (int)(arg - q + len + 1), q, buf);
	return 0;
}

/* MinValue(n) / MaxValue(n): narrow the type's range. */
static int value_bound(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		       struct ovk_ovf_property *p, int is_min, const char *arg, size_t len)
{
	char buf[32];
	uint64_t mag;
	int neg;

	if (len == 0 || len >= sizeof buf)
		return ovk_ovf_fail(c, n, EINVAL, "property '%s': bad %s()", p->key,
				    is_min ? "MinValue" : "MaxValue");
	memcpy(buf, arg, len);
	buf[len] = '\0';
	if (parse_int(buf, &neg, &mag) != 0 || !in_range(p, neg, mag))
		return ovk_ovf_fail(c, n, EINVAL, "property '%s': %s(%s) is outside its type %s",
				    p->key, is_min ? "MinValue" : "MaxValue", buf, p->type_name);
	if (is_min)
		p->int_min = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	else if (neg)
		return ovk_ovf_fail(c, n, ENOTSUP, "property '%s': a negative MaxValue(%s) is "
				    "not supported", p->key, buf);
	else
		p->int_max = mag;
	return 0;
}

/* ValueMap{"a", "b", c}: quoted or bare entries; *end after the '}'. */
static int value_map(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		     struct ovk_ovf_property *p, const char *s, const char **end)
{
	for (;;) {
		const char *v;
		size_t len;
		char **slot;

		s += strspn(s, " \t\r\n,");
		if (*s == '}') {
			*end = s + 1;
			return 0;
		}
		if (*s == '"') {
			v = ++s;
			if (!(s = strchr(s, '"')))
				break;
			len = (size_t)(s++ - v);
		} else {
			v = s;
			len = strcspn(s, ",}");
			while (len && strchr(" \t\r\n", v[len - 1]))
				len--;
			s += strcspn(s, ",}");
			if (!*s)
				break;
		}
		slot = ovk_ovf_grow(c, n, &p->value_map, &p->n_value_map, sizeof *slot,
				    OVK_OVF_MAX_VALUE_MAP, "ValueMap entries");
		if (!slot)
			return -1;
		if (!(*slot = strndup(v, len)))
			return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	}
	return ovk_ovf_fail(c, n, EINVAL, "property '%s': ValueMap without its closing '}'",
			    p->key);
}

/* One qualifier list (ovf:qualifiers or vmw:qualifiers). */
static int parse_qualifiers(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			    struct ovk_ovf_property *p, const char *q, struct ovk_ovf_system *vs)
{
	while (*(q += strspn(q, " \t\r\n,"))) {
		const char *name = q, *arg, *close;
		size_t nl = strcspn(q, "({ \t\r\n,");

		q += nl;
		if (*q == '{' && nl == 8 && strncmp(name, "ValueMap", 8) == 0) {
			if (value_map(c, n, p, q + 1, &q) != 0)
				return -1;
			continue;
		}
		if (*q == '(') {
			arg = q + 1;
			if (!(close = strchr(arg, ')')))
				return ovk_ovf_fail(c, n, EINVAL, "property '%s': qualifier '%s' "
						    "without its ')'", p->key, name);
			q = close + 1;
			if (nl == 6 && strncmp(name, "MinLen", 6) == 0) {
				if (paren_u64(c, n, name, arg, (size_t)(close - arg), &p->min_len))
					return -1;
				p->has_min_len = 1;
				continue;
			}
			if (nl == 6 && strncmp(name, "MaxLen", 6) == 0) {
				if (paren_u64(c, n, name, arg, (size_t)(close - arg), &p->max_len))
					return -1;
				p->has_max_len = 1;
				continue;
			}
			/* on integers; VMware writes them on reals too, which
			 * are left to the warning below */
			if (nl == 8 && p->type == OVK_OVF_PROP_INT &&
			    (strncmp(name, "MinValue", 8) == 0 || strncmp(name, "MaxValue", 8) == 0)) {
				if (value_bound(c, n, p, name[1] == 'i', arg, (size_t)(close - arg)))
					return -1;
				continue;
			}
		} else if ((nl == 2 || (nl > 3 && name[2] == ':')) &&
			   strncasecmp(name, "Ip", 2) == 0) {
			if (p->type == OVK_OVF_PROP_STRING)
				p->type = OVK_OVF_PROP_IP;
			continue;
		}
		if (ovk_ovf_warn(c, n, &vs->warnings, &vs->n_warnings, "property '%s': "
				 "qualifier '%.*s' is not checked", p->key, (int)(q - name),
				 name) != 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ properties */

static int is_true(const char *v)
{
	return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int full_key(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
		    const struct ovk_xml_node *n, const char *key, char **out)
{
	const char *cls = ovk_ovf_attr(c, sec, "class");
	const char *inst = ovk_ovf_attr(c, sec, "instance");
	char *k;

	if (!key || !*key)
		return ovk_ovf_fail(c, n, EINVAL, "<Property> without ovf:key");
	if (cls && !*cls)
		cls = NULL;
	if (inst && !*inst)
		inst = NULL;
	if (asprintf(&k, "%s%s%s%s%s", cls ? cls : "", cls ? "." : "", key, inst ? "." : "",
		     inst ? inst : "") < 0)
		return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	*out = k;
	if (strlen(k) > OVK_OVF_MAX_KEY)
		return ovk_ovf_fail(c, n, E2BIG, "property key of %zu bytes (at most %d)",
				    strlen(k), OVK_OVF_MAX_KEY);
	return 0;
}

/* Label, Description, and the chosen configuration's <Value>. */
static int property_children(const struct ovf_ctx *c, const struct ovk_xml_node *n,
			     struct ovk_ovf_property *p)
{
	for (const struct ovk_xml_node *k = ovk_xml_first(n); k; k = ovk_xml_next(k)) {
		int r = ovk_ovf_label_desc(c, k, &p->label, &p->description);

		if (r < 0)
			return -1;
		if (r == 0 && ovk_ovf_is(c, k, "Value") && ovk_ovf_attr(c, k, "configuration") &&
		    ovk_ovf_in_config(c, k)) {
			free(p->value);
			p->value = NULL;
			if (ovk_ovf_dup(c, k, ovk_ovf_attr(c, k, "value"), &p->value) != 0)
				return -1;
		}
	}
	return 0;
}

static int parse_property(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			  const struct ovk_xml_node *n, struct ovk_ovf_system *vs)
{
	const char *type = ovk_ovf_attr(c, n, "type");
	const char *q = ovk_ovf_attr(c, n, "qualifiers");
	const char *vq = ovk_xml_attr_ns(n, OVK_NS_VMW, "qualifiers");
	struct ovk_ovf_property *p;
	char *key = NULL;

	if (full_key(c, sec, n, ovk_ovf_attr(c, n, "key"), &key) != 0) {
		free(key);
		return -1;
	}
	for (size_t i = 0; i < vs->n_properties; i++)
		if (strcmp(vs->properties[i].key, key) == 0) {
			ovk_ovf_fail(c, n, EINVAL, "two properties with key '%s'", key);
			free(key);
			return -1;
		}
	p = ovk_ovf_grow(c, n, &vs->properties, &vs->n_properties, sizeof *p,
			 OVK_OVF_MAX_PROPERTIES, "properties");
	if (!p) {
		free(key);
		return -1;
	}
	p->key = key;
	p->line = ovk_xml_line(n);
	if (!type || !*type)
		return ovk_ovf_fail(c, n, EINVAL, "property '%s' without ovf:type", key);
	if (ovk_ovf_dup(c, n, type, &p->type_name) != 0)
		return -1;
	set_type(p, type);
	if (p->type == OVK_OVF_PROP_OTHER &&
	    ovk_ovf_warn(c, n, &vs->warnings, &vs->n_warnings, "property '%s': type '%s' is "
			 "not known; its value is taken as a string", key, type) != 0)
		return -1;
	p->user_configurable = is_true(ovk_ovf_attr(c, n, "userConfigurable"));
	p->password |= is_true(ovk_ovf_attr(c, n, "password"));
	if (ovk_ovf_dup(c, n, ovk_ovf_attr(c, n, "value"), &p->value) != 0)
		return -1;
	if ((q || vq) && asprintf(&p->qualifiers, "%s%s%s", q ? q : "", q && vq ? "," : "",
				  vq ? vq : "") < 0) {
		p->qualifiers = NULL;
		return ovk_ovf_fail(c, n, ENOMEM, "out of memory");
	}
	if ((q && parse_qualifiers(c, n, p, q, vs) != 0) ||
	    (vq && parse_qualifiers(c, n, p, vq, vs) != 0))
		return -1;
	return property_children(c, n, p);
}

int ovk_ovf_parse_properties(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			     struct ovk_ovf_system *vs)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		/* DSP0243: <Category> groups the properties after it; it changes
		 * nothing in their keys. */
		if (ovk_ovf_is(c, n, "Property") && parse_property(c, sec, n, vs) != 0)
			return -1;
	}
	return 0;
}

int ovk_ovf_parse_transport(const struct ovf_ctx *c, const struct ovk_xml_node *hw,
			    struct ovk_ovf_system *vs)
{
	const char *t = ovk_ovf_attr(c, hw, "transport");

	if (!t)
		return 0;
	if (ovk_ovf_dup(c, hw, t, &vs->transport) != 0)
		return -1;
	for (const char *s = t; *(s += strspn(s, " \t\r\n"));) {
		size_t len = strcspn(s, " \t\r\n");

		if (len == 3 && strncmp(s, "iso", 3) == 0)
			vs->transport_iso = 1;
		else if (len == 20 && strncmp(s, "com.vmware.guestInfo", 20) == 0)
			vs->transport_guestinfo = 1;
		else if (ovk_ovf_warn(c, hw, &vs->warnings, &vs->n_warnings, "environment "
				      "transport '%.*s' is not known", (int)len, s) != 0)
			return -1;
		s += len;
	}
	return 0;
}

void ovk_ovf_free_properties(struct ovk_ovf_property *props, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ovk_ovf_property *p = &props[i];

		free(p->key);
		free(p->type_name);
		ovk_ovf_free_strings(p->value_map, p->n_value_map);
		free(p->qualifiers);
		free(p->value);
		free(p->label);
		free(p->description);
	}
	free(props);
}

/* ------------------------------------------------------------ values */

/* Code points of valid UTF-8 text that XML 1.0 can carry; -1 if it is
 * not such text (a C0 control other than tab, newline and CR, or bytes
 * that are not UTF-8). */
static int64_t xml_text_length(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	int64_t n = 0;

	while (*s) {
		size_t len = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 :
			     (*s & 0xf8) == 0xf0 ? 4 : 0;

		if (len == 0 || (len == 2 && *s < 0xc2))
			return -1;
		if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return -1;
		for (size_t i = 1; i < len; i++)
			if ((s[i] & 0xc0) != 0x80)
				return -1;
		s += len;
		n++;
	}
	return n;
}

/* One end of a ValueMap range ("" is open): whether v is on its side. */
static int range_end_ok(const char *end, int neg, uint64_t mag, int is_low)
{
	uint64_t m;
	int ng, r;

	if (!*end)
		return 1;
	if (parse_int(end, &ng, &m) != 0)
		return 0;
	r = cmp_sm(neg, mag, ng, m);
	return is_low ? r >= 0 : r <= 0;
}

static int int_in_map(const struct ovk_ovf_property *p, int neg, uint64_t mag)
{
	for (size_t i = 0; i < p->n_value_map; i++) {
		const char *e = p->value_map[i], *dots = strstr(e, "..");
		char lo[32];
		uint64_t m;
		int ng;

		if (!dots) {
			if (parse_int(e, &ng, &m) == 0 && ng == neg && m == mag)
				return 1;
			continue;
		}
		/* "a..b", "..b", "a..": CIM's ValueMap ranges */
		if ((size_t)(dots - e) >= sizeof lo)
			continue;
		snprintf(lo, sizeof lo, "%.*s", (int)(dots - e), e);
		if (range_end_ok(lo, neg, mag, 1) && range_end_ok(dots + 2, neg, mag, 0))
			return 1;
	}
	return 0;
}

static int check_type(const struct ovk_ovf_property *p, const char *v, char *why, size_t len)
{
	uint64_t mag;
	int neg;
	char *end;
	unsigned char addr[16];

	switch (p->type) {
	case OVK_OVF_PROP_BOOLEAN:
		if (strcasecmp(v, "true") && strcasecmp(v, "false") && strcmp(v, "1") &&
		    strcmp(v, "0"))
			return snprintf(why, len, "not a boolean (true or false)"), -1;
		return 0;
	case OVK_OVF_PROP_INT:
		if (parse_int(v, &neg, &mag) != 0)
			return snprintf(why, len, "not an integer"), -1;
		if (!in_range(p, neg, mag))
			return snprintf(why, len, "outside %lld..%llu", (long long)p->int_min,
					(unsigned long long)p->int_max), -1;
		if (p->n_value_map && !int_in_map(p, neg, mag))
			return snprintf(why, len, "not one of its ValueMap"), -1;
		return 0;
	case OVK_OVF_PROP_REAL:
		errno = 0;
		(void)strtod(v, &end);
		if (!*v || *end || errno == ERANGE || strchr(" \t\n\r", *v) ||
		    strpbrk(v, "nNiIxX"))
			return snprintf(why, len, "not a real number"), -1;
		return 0;
	case OVK_OVF_PROP_IP:
		if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1)
			return snprintf(why, len, "not an IPv4 or IPv6 address"), -1;
		return 0;
	case OVK_OVF_PROP_STRING:
	case OVK_OVF_PROP_OTHER:
		break;
	}
	return 0;
}

int ovk_ovf_prop_check(const struct ovk_ovf_property *p, const char *v, char *why, size_t len)
{
	int64_t chars = xml_text_length(v);

	if (strlen(v) > OVK_OVF_MAX_TEXT)
		return snprintf(why, len, "longer than %d bytes", OVK_OVF_MAX_TEXT), -1;
	if (chars < 0)
		return snprintf(why, len, "not UTF-8 text an XML document can carry"), -1;
	if (p->has_min_len && (uint64_t)chars < p->min_len)
		return snprintf(why, len, "shorter than MinLen(%llu)",
				(unsigned long long)p->min_len), -1;
	if (p->has_max_len && (uint64_t)chars > p->max_len)
		return snprintf(why, len, "longer than MaxLen(%llu)",
				(unsigned long long)p->max_len), -1;
	if (check_type(p, v, why, len) != 0)
		return -1;
	if (p->n_value_map && p->type != OVK_OVF_PROP_INT) {
		for (size_t i = 0; i < p->n_value_map; i++)
			if (strcmp(p->value_map[i], v) == 0)
				return 0;
		return snprintf(why, len, "not one of its ValueMap"), -1;
	}
	return 0;
}
