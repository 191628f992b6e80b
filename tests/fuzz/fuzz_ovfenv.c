/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_ovfenv.c: libFuzzer target for the OVF environment's parsers:
 * ProductSection properties with their qualifiers (src/ova/ovf_props.c),
 * a --prop-file (ovf_env.c), and the settings checked against the
 * properties.
 *
 * Input: an OVF, then optionally a NUL and a property file.  When the
 * settings resolve, every value must pass its own property's check, and
 * the environment document built from them must be XML that the reader
 * takes, with one Property per property.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ova/ovf.h"
#include "ova/ovfenv.h"
#include "util/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_env(const struct ovk_ovf_system *vs, const char *const *values)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *ps;
	struct ovk_error err;
	char why[128], *xml = NULL;
	size_t n = 0;

	for (size_t i = 0; i < vs->n_properties; i++)
		if (ovk_ovf_prop_check(&vs->properties[i], values[i], why, sizeof why) != 0)
			abort();
	if (ovk_ovf_env_xml(vs, values, &xml, &err) != 0)
		return;    /* out of memory only */
	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), "env", &doc, &err) != 0)
		abort();
	ps = ovk_xml_child(ovk_xml_root(doc), "PropertySection");
	for (const struct ovk_xml_node *p = ps ? ovk_xml_first(ps) : NULL; p; p = ovk_xml_next(p))
		n++;
	if (n != vs->n_properties)
		abort();
	ovk_xml_free(doc);
	free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t olen = nul ? (size_t)(nul - data) : size;
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_ovf_assign *a = NULL;
	const char ***values = NULL;
	struct ovk_error err;
	size_t n = 0;

	if (ovk_ovf_parse(data, olen, "fuzz.ovf", &env, &err) != 0)
		goto out;
	for (size_t s = 0; s < env->n_systems; s++)
		for (size_t i = 0; i < env->systems[s].n_properties; i++)
			if (strlen(env->systems[s].properties[i].key) > OVK_OVF_MAX_KEY)
				abort();
	if (nul && ovk_ovf_assign_parse_file(nul + 1, size - olen - 1, "fuzz.props", &a, &n,
					     &err) != 0)
		goto out;
	if (ovk_ovf_env_resolve(env, a, n, &values, &err) != 0) {
		if (err.errnum != OVK_OVF_EPROPERTY && err.errnum != ENOMEM)
			abort();
		goto out;
	}
	for (size_t s = 0; s < env->n_systems; s++)
		check_env(&env->systems[s], values[s]);
out:
	if (env)
		ovk_ovf_env_values_free(env, values);
	ovk_ovf_assign_free(a, n);
	ovk_ovf_free(env);
	return 0;
}
