/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_units.c: numbers and allocation units in OVF, exactly.
 *
 * Capacities and memory sizes are written as a count and a unit.  The unit
 * is a DSP0004 "programmatic unit" ("byte * 2^30", "byte*10^6") or one of
 * the older names VirtualBox and OVF 0.9 still write ("MegaBytes", "MB",
 * "GB").  The older names mean powers of two in every producer we know
 * (VirtualBox's 192 "MegaBytes" of RAM is 192 MiB), so that is what they
 * map to.  Every multiplication is checked; a value that overflows or
 * exceeds the caller's limit is refused, never clamped.
 */
#include "ovf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/checked.h"

/* Multiplier terms in a programmatic unit ("byte * 2^10 * 2^10" is legal);
 * real files use one.  Four bounds the loop on hostile input. */
#define UNIT_MAX_TERMS 4

int ovk_ovf_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (ovk_mul_overflow(v, (uint64_t)10, &v) ||
		    ovk_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -1;
	}
	*out = v;
	return 0;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

struct named_unit {
	const char *name;
	unsigned shift;
};

static const struct named_unit named_units[] = {
	{"byte", 0},      {"bytes", 0},     {"b", 0},
	{"kilobytes", 10}, {"kb", 10},      {"kib", 10},
	{"megabytes", 20}, {"mb", 20},      {"mib", 20},
	{"gigabytes", 30}, {"gb", 30},      {"gib", 30},
	{"terabytes", 40}, {"tb", 40},      {"tib", 40},
};

/* Parse "byte [* B^E]..." into a power of 2 and a power of 10. */
static int parse_programmatic(const char *u, unsigned *pow2, unsigned *pow10)
{
	int terms = 0;

	u = skip_ws(u);
	if (strncasecmp(u, "bytes", 5) == 0)
		u += 5;
	else if (strncasecmp(u, "byte", 4) == 0)
		u += 4;
	else
		return -1;
	for (;;) {
		uint64_t base, exp;
		char num[24];
		size_t n;

		u = skip_ws(u);
		if (!*u)
			return 0;
		if (*u != '*' || ++terms > UNIT_MAX_TERMS)
			return -1;
		u = skip_ws(u + 1);
		base = strtoull(u, (char **)&u, 10);
		u = skip_ws(u);
		if (*u != '^')
			return -1;
		u = skip_ws(u + 1);
		for (n = 0; u[n] >= '0' && u[n] <= '9' && n < sizeof num - 1; n++)
			num[n] = u[n];
		num[n] = '\0';
		if (ovk_ovf_u64(num, &exp) != 0 || exp > 64)
			return -1;
		u += n;
		if (base == 2)
			*pow2 += (unsigned)exp;
		else if (base == 10)
			*pow10 += (unsigned)exp;
		else
			return -1;
		if (*pow2 > 64 || *pow10 > 20)
			return -1;
	}
}

static int parse_units(const char *units, unsigned default_shift, unsigned *pow2,
		       unsigned *pow10)
{
	size_t i;

	*pow2 = 0;
	*pow10 = 0;
	if (!units || !*skip_ws(units)) {
		*pow2 = default_shift;
		return 0;
	}
	for (i = 0; i < sizeof named_units / sizeof named_units[0]; i++) {
		if (strcasecmp(skip_ws(units), named_units[i].name) == 0) {
			*pow2 = named_units[i].shift;
			return 0;
		}
	}
	return parse_programmatic(units, pow2, pow10);
}

int ovk_ovf_bytes(const char *value, const char *units, unsigned default_shift, uint64_t limit,
		  uint64_t *out, struct ovk_error *err)
{
	unsigned pow2, pow10, i;
	uint64_t v;

	if (ovk_ovf_u64(value, &v) != 0)
		return ovk_error_set(err, EINVAL, "'%s' is not a non-negative integer "
				     "(or does not fit in 64 bits)", value ? value : "");
	if (parse_units(units, default_shift, &pow2, &pow10) != 0)
		return ovk_error_set(err, EINVAL, "unknown allocation units '%s'", units);
	for (i = 0; i < pow10; i++)
		if (ovk_mul_overflow(v, (uint64_t)10, &v))
			goto too_big;
	if (pow2 >= 64 && v != 0)
		goto too_big;
	if (pow2 > 0 && pow2 < 64) {
		if (v > (UINT64_MAX >> pow2))
			goto too_big;
		v <<= pow2;
	}
	if (v > limit)
		goto too_big;
	*out = v;
	return 0;
too_big:
	return ovk_error_set(err, ERANGE, "%s %s is more than the %llu bytes we accept", value,
			     units ? units : "", (unsigned long long)limit);
}

const char *ovk_ovf_bus_name(enum ovk_ovf_bus bus)
{
	switch (bus) {
	case OVK_OVF_BUS_IDE:
		return "ide";
	case OVK_OVF_BUS_SCSI:
		return "scsi";
	case OVK_OVF_BUS_SATA:
		return "sata";
	case OVK_OVF_BUS_NVME:
		return "nvme";
	}
	return "?";
}

const char *ovk_ovf_firmware_name(enum ovk_ovf_firmware fw)
{
	switch (fw) {
	case OVK_OVF_FW_DEFAULT:
		return "default";
	case OVK_OVF_FW_BIOS:
		return "bios";
	case OVK_OVF_FW_EFI:
		return "efi";
	}
	return "?";
}
