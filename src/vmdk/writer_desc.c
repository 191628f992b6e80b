/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer_desc.c: what the VMDK sink says about the disk: the -o options,
 * the embedded descriptor and the geometry in it, and the CID.
 *
 * The descriptor follows VMware's exports key for key (compared with
 * ovftool's and vdiskmanager's in tests/images/test_vmdk_write_real.sh):
 *
 *   # Disk DescriptorFile
 *   version=1
 *   encoding="UTF-8"
 *   CID=<8 hex digits>
 *   parentCID=ffffffff
 *   createType="streamOptimized"            (or monolithicSparse)
 *
 *   # Extent description
 *   RW <capacity sectors> SPARSE "<file>"
 *
 *   # The Disk Data Base
 *   #DDB
 *
 *   ddb.adapterType = "lsilogic"
 *   ddb.geometry.cylinders = "..."          ddb.geometry.heads, .sectors
 *   ddb.longContentID = "<32 hex digits>"   (ending in the CID, as open-vmdk)
 *   ddb.toolsVersion = "2147483647"
 *   ddb.virtualHWVersion = "4"
 */
#include "vmdk/writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/checked.h"

/* The BIOS translation of VMware's SCSI adapters changes at these sizes. */
#define SCSI_SMALL_SECTORS ((uint64_t)1 << 21)   /* 1 GiB */
#define SCSI_MEDIUM_SECTORS ((uint64_t)1 << 22)  /* 2 GiB */

/* CIDs with a meaning: "no parent" and VMware's "invalid". */
#define CID_NO_PARENT 0xffffffffu
#define CID_INVALID 0xfffffffeu

static const char *const option_keys[] = {
	"subformat", "adapter_type", "hwversion", "tools_version", "toolsversion", NULL,
};

/* The adapter types VMware's descriptors (and qemu's -o adapter_type) know. */
static const char *const adapters[] = { "ide", "buslogic", "lsilogic", "legacyESX", NULL };

/* A decimal number in [lo, hi], digits only. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int parse_adapter(const char *val, struct ovk_vmdk_w_opts *o, struct ovk_error *err)
{
	for (const char *const *a = adapters; *a; a++)
		if (strcmp(val, *a) == 0) {
			snprintf(o->adapter, sizeof o->adapter, "%s", *a);
			return 0;
		}
	return ovk_error_set(err, EINVAL, "adapter_type '%s': not ide, buslogic, lsilogic or legacyESX",
			     val);
}

int ovk_vmdk_w_parse_options(const char *options, struct ovk_vmdk_w_opts *o,
			     struct ovk_error *err)
{
	char val[64];
	uint64_t n;
	int r;

	memset(o, 0, sizeof *o);
	o->stream = 1;
	snprintf(o->adapter, sizeof o->adapter, "lsilogic");
	o->hwversion = OVK_VMDK_W_HW_DEFAULT;
	o->tools_version = OVK_VMDK_W_TOOLS_DEFAULT;
	if (ovk_options_check(options, option_keys, "vmdk", err) < 0)
		return -1;
	r = ovk_option_get(options, "subformat", val, sizeof val);
	if (r < 0 || (r > 0 && strcmp(val, "streamOptimized") != 0 &&
		      strcmp(val, "monolithicSparse") != 0))
		return ovk_error_set(err, EINVAL, "subformat '%s': not streamOptimized or monolithicSparse",
				     r > 0 ? val : "(too long)");
	if (r > 0)
		o->stream = strcmp(val, "streamOptimized") == 0;
	r = ovk_option_get(options, "adapter_type", val, sizeof val);
	if (r < 0)
		return ovk_error_set(err, EINVAL, "adapter_type: value too long");
	if (r > 0 && parse_adapter(val, o, err) < 0)
		return -1;
	r = ovk_option_get(options, "hwversion", val, sizeof val);
	if (r != 0) {
		if (r < 0 || parse_uint(val, 1, OVK_VMDK_W_HW_MAX, &n) < 0)
			return ovk_error_set(err, EINVAL, "hwversion '%s': not a number from 1 to %u",
					     r > 0 ? val : "(too long)", OVK_VMDK_W_HW_MAX);
		o->hwversion = (unsigned)n;
	}
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "toolsversion" : "tools_version";

		r = ovk_option_get(options, key, val, sizeof val);
		if (r == 0)
			continue;
		if (r < 0 || parse_uint(val, 0, OVK_VMDK_W_TOOLS_DEFAULT, &n) < 0)
			return ovk_error_set(err, EINVAL, "%s '%s': not a number from 0 to %u", key,
					     r > 0 ? val : "(too long)", OVK_VMDK_W_TOOLS_DEFAULT);
		o->tools_version = (uint32_t)n;
	}
	return 0;
}

void ovk_vmdk_w_geometry(uint64_t capacity, const char *adapter, uint64_t *cylinders,
			 uint32_t *heads, uint32_t *sectors)
{
	if (strcmp(adapter, "ide") == 0) {
		*heads = 16;
		*sectors = 63;
	} else if (capacity < SCSI_SMALL_SECTORS) {
		*heads = 64;
		*sectors = 32;
	} else if (capacity < SCSI_MEDIUM_SECTORS) {
		*heads = 128;
		*sectors = 32;
	} else {
		*heads = 255;
		*sectors = 63;
	}
	*cylinders = capacity / ((uint64_t)*heads * *sectors);
}

/* Random bytes from the kernel; the library keeps off the process's
 * random state (random(3)), as output.c does. */
static void random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t mix = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)buf;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	for (size_t i = 0; i < len; i++) {
		mix = mix * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (uint8_t)(mix >> 56);
	}
}

/* The file name as the extent line quotes it: no quote, backslash or
 * control character can end the line early. */
static void safe_file_name(const char *file, char *out, size_t cap)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = 0;

	for (; *base && n + 1 < cap; base++)
		out[n++] = (*base == '"' || *base == '\\' || (unsigned char)*base < 0x20 ||
			    *base == 0x7f) ? '_' : *base;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, cap, "disk.vmdk");
}

int ovk_vmdk_w_descriptor(const struct ovk_vmdk_w_opts *o, uint64_t capacity, const char *file,
			  char **text, size_t *len, struct ovk_error *err)
{
	uint32_t id[4];
	uint64_t cyl;
	uint32_t heads, sectors;
	char name[256];
	int n;

	do
		random_bytes(id, sizeof id);
	while (id[3] == CID_NO_PARENT || id[3] == CID_INVALID);
	ovk_vmdk_w_geometry(capacity, o->adapter, &cyl, &heads, &sectors);
	safe_file_name(file ? file : "", name, sizeof name);
	n = asprintf(text,
		     "# Disk DescriptorFile\n"
		     "version=1\n"
		     "encoding=\"UTF-8\"\n"
		     "CID=%08" PRIx32 "\n"
		     "parentCID=ffffffff\n"
		     "createType=\"%s\"\n"
		     "\n"
		     "# Extent description\n"
		     "RW %" PRIu64 " SPARSE \"%s\"\n"
		     "\n"
		     "# The Disk Data Base\n"
		     "#DDB\n"
		     "\n"
		     "ddb.adapterType = \"%s\"\n"
		     "ddb.geometry.cylinders = \"%" PRIu64 "\"\n"
		     "ddb.geometry.heads = \"%" PRIu32 "\"\n"
		     "ddb.geometry.sectors = \"%" PRIu32 "\"\n"
		     "ddb.longContentID = \"%08" PRIx32 "%08" PRIx32 "%08" PRIx32 "%08" PRIx32 "\"\n"
		     "ddb.toolsVersion = \"%" PRIu32 "\"\n"
		     "ddb.virtualHWVersion = \"%u\"\n",
		     id[3], o->stream ? "streamOptimized" : "monolithicSparse", capacity, name,
		     o->adapter, cyl, heads, sectors, id[0], id[1], id[2], id[3], o->tools_version,
		     o->hwversion);
	if (n < 0) {
		*text = NULL;
		return ovk_error_set(err, ENOMEM, "out of memory for the descriptor");
	}
	*len = (size_t)n;
	return 0;
}
