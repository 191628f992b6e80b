/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_hive.c: libFuzzer target for the registry reader (src/guest/hive.c
 * over hivex): opening a hive from bytes, the current control set, the
 * services the boot choice asks about (Start, StartOverride, ImagePath,
 * Type, Group) and values of every type by path.
 *
 * Input: the bytes of a hive.  Besides not crashing, the answers must keep
 * hive.h's promises: a control set named ControlSet001..999, override
 * counts within OVK_HIVE_MAX_OVERRIDES, strings within their bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/hive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "storahci", "LSI_SAS", "vioscsi", "pciide" };
	static const char *const values[][2] = {
		{ "Select", "Current" }, { "ControlSet001\\Services\\storahci", "Group" },
		{ "ControlSet001\\Services\\LSI_SAS\\StartOverride", "0" }, { "", "" },
	};
	struct ovk_hive_service s[4];
	struct ovk_hive_value v;
	struct ovk_error err;
	struct ovk_hive *h;
	char cs[OVK_HIVE_CONTROL_SET_LEN];

	if (ovk_hive_open(data, size, "fuzz", &h, &err) < 0)
		return 0;
	if (ovk_hive_control_set(h, cs, &err) == 0 && strncmp(cs, "ControlSet", 10) != 0)
		abort();
	if (ovk_hive_services(h, names, 4, s, &err) == 0) {
		for (int i = 0; i < 4; i++)
			if (s[i].n_overrides > OVK_HIVE_MAX_OVERRIDES ||
			    (s[i].image_path && strlen(s[i].image_path) > OVK_HIVE_MAX_STRING))
				abort();
		ovk_hive_services_free(s, 4);
	}
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (ovk_hive_value(h, values[i][0], values[i][1], &v, &err) == 0)
			ovk_hive_value_free(&v);
	ovk_hive_close(h);
	return 0;
}
