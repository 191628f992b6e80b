/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_support.h: what the unit tests share: a scratch directory under
 * $OVK_TMP (the build tree's testtmp/ under ctest, else /tmp), and shell
 * commands — qemu-img, the oracle, among them — run with printf-style
 * arguments.  Header-only: each test is its own executable.
 */
#ifndef OVK_UNIT_SUPPORT_H
#define OVK_UNIT_SUPPORT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The scratch directory of this test executable, once ut_scratch_setup ran. */
static char ut_tmpdir[4096];

/* Format and run a shell command into cmd; its exit status, or -1 when
 * it could not run. */
static int ut_vsh(char *cmd, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0), unused));
static int ut_vsh(char *cmd, size_t cap, const char *fmt, va_list ap)
{
	int st;

	vsnprintf(cmd, cap, fmt, ap);
	st = system(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

/* Run a shell command; its exit status, or -1 when it could not run. */
static int ut_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int ut_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = ut_vsh(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return st;
}

/* Run a shell command that must succeed, or fail the test naming it
 * (include cmocka.h first). */
static void ut_run(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void ut_run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = ut_vsh(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (st != 0)
		fail_msg("command failed (%d): %s", st, cmd);
}

/* Make ut_tmpdir as $OVK_TMP/<name>.XXXXXX; 0, or -1 (a cmocka setup's
 * failure).  With need_qemu_img, qemu-img must run too. */
/* As root, move this test into a mount namespace of its own before it
 * mounts anything: a QEMU that libvirtd starts meanwhile (a boot test
 * running beside it) gets a copy of the host's mounts, and would keep a
 * mount this test made alive after its umount, with the image not yet
 * flushed.  Call first in main(); a no-op for other users. */
static void ut_private_mounts(void) __attribute__((unused));
static void ut_private_mounts(void)
{
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static int ut_scratch_setup(const char *name, int need_qemu_img) __attribute__((unused));
static int ut_scratch_setup(const char *name, int need_qemu_img)
{
	const char *base = getenv("OVK_TMP");

	if (need_qemu_img && ut_sh("qemu-img --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "qemu-img is required\n");
		return -1;
	}
	if (!base)
		base = "/tmp";
	mkdir(base, 0755);
	snprintf(ut_tmpdir, sizeof ut_tmpdir, "%s/%s.XXXXXX", base, name);
	return mkdtemp(ut_tmpdir) ? 0 : -1;
}

static int ut_scratch_teardown(void) __attribute__((unused));
static int ut_scratch_teardown(void)
{
	return ut_sh("rm -rf '%s'", ut_tmpdir) == 0 ? 0 : -1;
}

#endif
