/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_export.c: the small writers ova-export stands on: ustar headers
 * (read back by libarchive through ova/tar.h, the octal and the base-256
 * size forms, and the name limit), manifest lines (read back by the
 * manifest parser), and the OVF's reserved length, which must bound every
 * real rendering of the same machine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "ova/export.h"
#include "ova/manifest.h"
#include "ova/tar.h"

/* A header alone, read back: its name and size. */
static void header_reads_back(const char *name, uint64_t size)
{
	uint8_t block[3 * OVK_TAR_BLOCK] = { 0 };
	struct ovk_tar_stream *s = NULL;
	struct ovk_error err = { 0 };
	const char *got;
	uint64_t got_size;

	assert_int_equal(ovk_tar_header(name, size, 1700000000, block, &err), 0);
	assert_int_equal(ovk_tar_stream_open_memory(block, sizeof block, "t.tar", &s, &err), 0);
	assert_int_equal(ovk_tar_stream_next(s, &got, &got_size, &err), 1);
	assert_string_equal(got, name);
	assert_true(got_size == size);
	ovk_tar_stream_free(s);
}

static void test_tar_header(void **state)
{
	struct ovk_error err = { 0 };
	uint8_t hdr[OVK_TAR_BLOCK];
	char long_name[101];

	(void)state;
	header_reads_back("vm.ovf", 0);
	header_reads_back("vm-disk1.vmdk", 077777777777ull);          /* the octal limit */
	header_reads_back("vm-disk2.vmdk", (uint64_t)10 << 30);        /* base-256 */
	memset(long_name, 'a', 100);
	long_name[100] = 0;
	assert_int_equal(ovk_tar_header(long_name, 1, 0, hdr, &err), -1);
	assert_int_equal(err.errnum, ENAMETOOLONG);
}

static void test_manifest_line(void **state)
{
	uint8_t d[OVK_HASH_MAX_DIGEST];
	char line[300];
	struct ovk_manifest *mf = NULL;
	struct ovk_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 7);
	ovk_manifest_format_line(OVK_HASH_SHA256, "vm-disk1.vmdk", d, 32, line);
	assert_int_equal(strlen(line), ovk_manifest_line_len(OVK_HASH_SHA256, "vm-disk1.vmdk", 32));
	assert_memory_equal(line, "SHA256(vm-disk1.vmdk)= 00070e", 29);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(ovk_manifest_parse((uint8_t *)line, strlen(line), "t.mf", &mf, &err), 0);
	assert_non_null(ovk_manifest_find(mf, "vm-disk1.vmdk", OVK_HASH_SHA256));
	assert_memory_equal(ovk_manifest_find(mf, "vm-disk1.vmdk", OVK_HASH_SHA256)->digest, d, 32);
	ovk_manifest_free(mf);
}

/* The widest rendering bounds the real one, whatever the sizes are. */
static void test_ovf_reservation(void **state)
{
	struct ovk_exp_disk disks[2] = {
		{ .target = "vda", .bus = OVK_EXP_BUS_VIRTIO, .file = "m-disk1.vmdk" },
		{ .target = "hdc", .bus = OVK_EXP_BUS_IDE, .cdrom = 1 },
	};
	struct ovk_exp_nic nic = { .model = "virtio", .mac = "52:54:00:00:00:01" };
	struct ovk_exp_vm vm = { .name = "m", .cpus = 2, .memory = 1 << 30, .disks = disks,
				 .n_disks = 2, .nics = &nic, .n_nics = 1 };
	struct ovk_exp_opts opts = { 0 };
	struct ovk_exp_map *m = NULL;
	struct ovk_error err = { 0 };
	char *wide = NULL, *real = NULL;
	size_t wide_len, real_len;

	(void)state;
	assert_int_equal(ovk_exp_map_new(&vm, &opts, &m, &err), 0);
	assert_int_equal(ovk_exp_ovf(m, &vm, 1, &wide, &wide_len, &err), 0);
	disks[0].capacity = disks[0].file_size = disks[0].populated = UINT64_MAX;
	assert_int_equal(ovk_exp_ovf(m, &vm, 0, &real, &real_len, &err), 0);
	assert_true(real_len <= wide_len);
	assert_non_null(strstr(real, "vmware.nvme.controller"));
	assert_non_null(strstr(real, "<rasd:ResourceType>15</rasd:ResourceType>"));
	free(wide);
	free(real);
	ovk_exp_map_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar_header),
		cmocka_unit_test(test_manifest_line),
		cmocka_unit_test(test_ovf_reservation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
