/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_ovf.c: libFuzzer target for the OVF reader (src/ova/xml.c, ovf_*.c):
 * hardened XML parsing, the dialect walk, units, items and the
 * cross-reference checks.
 *
 * Besides not crashing or leaking, a parsed model must keep the invariants
 * ovf.h states: references resolve, sizes are within the named limits, the
 * chosen configuration is one offered.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ova/ovf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* With a DeploymentOptionSection, the chosen configuration is one of it. */
static void check_config(const struct ovk_ovf_envelope *env)
{
	size_t i;

	if (!env->n_configurations) {
		if (env->config)
			abort();
		return;
	}
	for (i = 0; i < env->n_configurations; i++)
		if (env->config && strcmp(env->configurations[i].id, env->config) == 0)
			break;
	if (i == env->n_configurations)
		abort();
}

static void check(const struct ovk_ovf_envelope *env)
{
	check_config(env);
	for (size_t i = 0; i < env->n_disks; i++) {
		if (env->disks[i].capacity > OVK_OVF_MAX_CAPACITY)
			abort();
		if (env->disks[i].file_ref && !ovk_ovf_find_file(env, env->disks[i].file_ref))
			abort();
	}
	for (size_t s = 0; s < env->n_systems; s++) {
		const struct ovk_ovf_system *vs = &env->systems[s];

		if (vs->memory > OVK_OVF_MAX_MEMORY || vs->cpus > OVK_OVF_MAX_CPUS)
			abort();
		for (size_t i = 0; i < vs->n_drives; i++) {
			if (vs->drives[i].disk_id && !ovk_ovf_find_disk(env, vs->drives[i].disk_id))
				abort();
			if (vs->drives[i].controller >= (int)vs->n_controllers)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_error err;
	struct ovk_ovf_envelope *env = NULL;

	if (ovk_ovf_parse(data, size, "fuzz.ovf", &env, &err) == 0) {
		check(env);
		ovk_ovf_free(env);
	} else if (env || !memchr(err.msg, '\0', sizeof err.msg)) {
		abort();
	}
	return 0;
}
