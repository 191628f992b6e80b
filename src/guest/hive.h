/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hive.h: the Windows registry, read-only, through hivex (the only door to
 * it: STYLE.md #5): a hive from bytes read out of the guest, typed values
 * by key path, the current control set, and what the boot needs to know
 * of a list of services.
 *
 * Key paths are relative to the hive's root and '\\'-separated
 * ("ControlSet001\\Services\\storahci"); key and value names are compared
 * without regard to ASCII case, as Windows does ("PCIIde" is "pciide").
 * Every byte of the hive is hostile: the hive, a path, a string and a
 * string list are bounded by the limits below, and a hive hivex refuses, or
 * a value of the wrong type, is an error naming the hive, the key and the
 * value.  The hive is read as it stands: its transaction logs (.LOG1,
 * .LOG2) are not replayed, so a dirty hive gives what its primary file
 * holds (see SOURCES.md of the real test hives).
 *
 * One handle, one thread; the handle owns a copy of the bytes.
 */
#ifndef OVK_GUEST_HIVE_H
#define OVK_GUEST_HIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The largest hive we open: the gfs whole-file limit (GFS_MAX_WHOLE_FILE);
 * a SYSTEM hive is 3 to 20 MiB, and Windows refuses to load one much
 * larger. */
#define OVK_HIVE_MAX_SIZE ((size_t)128 << 20)
/* Keys in one path: Windows allows 512 levels; what we ask for is 4 deep
 * (ControlSet001\Services\X\StartOverride), and 32 is plenty for callers. */
#define OVK_HIVE_MAX_DEPTH 32
/* A key or value name: 255 characters (Windows' limit for key names) of at
 * most 3 UTF-8 bytes each. */
#define OVK_HIVE_MAX_NAME 765
/* A string value: ImagePath and Group are paths and short names; Windows
 * limits paths to 32767 characters. */
#define OVK_HIVE_MAX_STRING ((size_t)32767 * 3)
/* Strings in a REG_MULTI_SZ value, and bytes of any value. */
#define OVK_HIVE_MAX_STRINGS 4096
#define OVK_HIVE_MAX_VALUE ((size_t)1 << 20)
/* StartOverride values kept per service (Windows writes "0"). */
#define OVK_HIVE_MAX_OVERRIDES 8

struct ovk_hive;

/* Open a hive from len bytes (copied: data may be freed after).  `name`
 * names the hive in messages ("SYSTEM on sda2"). */
int ovk_hive_open(const void *data, size_t len, const char *name, struct ovk_hive **out,
		  struct ovk_error *err);
void ovk_hive_close(struct ovk_hive *h);

enum ovk_hive_type {
	OVK_HIVE_STRING,          /* REG_SZ, REG_EXPAND_SZ (not expanded), REG_LINK */
	OVK_HIVE_DWORD,           /* REG_DWORD, REG_DWORD_BIG_ENDIAN */
	OVK_HIVE_QWORD,
	OVK_HIVE_MULTI,           /* REG_MULTI_SZ */
	OVK_HIVE_BINARY,          /* anything else: the raw bytes */
};

struct ovk_hive_value {
	enum ovk_hive_type type;
	uint32_t reg_type;        /* the REG_* type as stored */
	uint64_t num;             /* DWORD, QWORD */
	char *str;                /* STRING: UTF-8; MULTI: the strings, each NUL-ended */
	size_t n_strings;         /* MULTI */
	uint8_t *data;            /* BINARY */
	size_t len;               /* bytes of str (without the last NUL) or data */
};

/* The value `name` ("" for the key's default value) of the key at `path`
 * ("" for the root): 0, 1 when the key or the value is absent, -1 on
 * failure.  Free *out with ovk_hive_value_free. */
int ovk_hive_value(struct ovk_hive *h, const char *path, const char *name,
		   struct ovk_hive_value *out, struct ovk_error *err);
void ovk_hive_value_free(struct ovk_hive_value *v);

/* The control set the machine boots: Select\Current = N names
 * "ControlSetNNN", which must exist.  out gets its name. */
#define OVK_HIVE_CONTROL_SET_LEN 16
int ovk_hive_control_set(struct ovk_hive *h, char out[OVK_HIVE_CONTROL_SET_LEN],
			 struct ovk_error *err);

/* A service (driver) of the current control set, as the boot sees it.
 *
 * Which start value wins: Windows 8 and later keep, beside Start, a
 * StartOverride subkey whose values (named "0", "1", ...) each override
 * Start; Windows writes "0" when it demotes a boot driver it found no
 * device for (the classic case: storahci Start=0 with StartOverride\0=3
 * after the disk moved to IDE).  `start` is Start as stored; `effective`
 * is StartOverride's value "0" when it is a DWORD, else Start; overrides
 * with other names are reported and not applied.  The values: 0 boot,
 * 1 system, 2 automatic, 3 on demand, 4 disabled.
 */
struct ovk_hive_service {
	int exists;               /* the key Services\<name> is there */
	int64_t start;            /* -1: no Start DWORD */
	int64_t effective;        /* -1: neither */
	size_t n_overrides;
	struct {
		char name[16];
		uint32_t value;
	} overrides[OVK_HIVE_MAX_OVERRIDES];
	int64_t type;             /* -1: no Type DWORD */
	char *image_path;         /* NULL when absent; not expanded */
	char *group;              /* NULL when absent */
};

/* Look each of names[0..n) up under <current control set>\Services into
 * out[0..n) (absent services have exists = 0).  Free with
 * ovk_hive_services_free. */
int ovk_hive_services(struct ovk_hive *h, const char *const *names, size_t n,
		      struct ovk_hive_service *out, struct ovk_error *err);
void ovk_hive_services_free(struct ovk_hive_service *s, size_t n);

#endif
