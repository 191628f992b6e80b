/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.c: a Linux guest, from its root file system: its file systems
 * mounted as its fstab says, its name (os-release), the kernel it boots
 * by default (linux_boot.c), and the storage drivers that kernel has:
 *
 *   at boot   the modules in its initramfs, and those built in
 *             (modules.builtin);
 *   anywhere  the modules of /lib/modules/<version> (modules.dep, else the
 *             tree itself), and those built in.
 *
 * A guest whose default kernel or initramfs cannot be read is UNREAD with
 * the reason (its name is still reported): choosing a boot bus on a guess
 * is what this reader exists to avoid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/initramfs.h"
#include "guest/gutil.h"
#include "guest_priv.h"

/* Text files read whole: configuration is small; modules.dep of a
 * distribution kernel is under 1 MiB, modules.builtin under 100 KiB. */
#define SMALL_FILE ((size_t)1 << 20)
#define MODULE_LIST ((size_t)16 << 20)

/* The mount whose directory holds path, and path inside it. */
static struct ovk_gfs *mount_of(struct ovk_glinux *l, const char *path, const char **sub)
{
	size_t best = 0, best_len = 0;

	for (size_t i = 0; i < l->n_mounts; i++) {
		const char *d = l->mounts[i].dir;
		size_t n = strcmp(d, "/") == 0 ? 0 : strlen(d);

		if (strncmp(path, d, n) == 0 && (path[n] == '/' || path[n] == '\0') &&
		    (n >= best_len)) {
			best = i;
			best_len = n;
		}
	}
	*sub = path[best_len] ? path + best_len : "/";
	return l->mounts[best].fs;
}

int ovk_glinux_find(struct ovk_glinux *l, const char *path, struct ovk_gfs **fs,
		    struct ovk_gfs_file *f, struct ovk_error *err)
{
	const char *sub;

	*fs = mount_of(l, path, &sub);
	return ovk_gfs_find(*fs, sub, f, err);
}

int ovk_glinux_read(struct ovk_glinux *l, const char *path, size_t max, char **buf,
		    size_t *len, struct ovk_error *err)
{
	struct ovk_gfs *fs;
	struct ovk_gfs_file f;
	const char *sub;
	int r;

	*buf = NULL;
	if ((r = ovk_glinux_find(l, path, &fs, &f, err)) <= 0)
		return r;
	if (f.type != OVK_GFS_REG)
		return 0;
	fs = mount_of(l, path, &sub);
	return ovk_gfs_read_file(fs, sub, max, buf, len, err) < 0 ? -1 : 1;
}

int ovk_glinux_readdir(struct ovk_glinux *l, const char *path,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err)
{
	struct ovk_gfs *fs;
	struct ovk_gfs_file dir;
	int r;

	if ((r = ovk_glinux_find(l, path, &fs, &dir, err)) <= 0)
		return r;
	if (dir.type != OVK_GFS_DIR)
		return 0;
	return fs->ops->readdir(fs, &dir, fn, opaque, err);
}

/* The next line of text (without its newline): 1, or 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return 1;
}

/* KEY=value of an os-release line (value unquoted as the shell would for
 * the quoting os-release(5) allows) into out when the key is `key`. */
static void os_release_value(const char *line, size_t n, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), o = 0;
	char q = 0;

	if (n <= kl || strncmp(line, key, kl) != 0 || line[kl] != '=')
		return;
	for (size_t i = kl + 1; i < n && o + 1 < cap; i++) {
		char c = line[i];

		if (!q && (c == '"' || c == '\''))
			q = c;
		else if (q && c == q)
			q = 0;
		else if (c == '\\' && q == '"' && i + 1 < n)
			out[o++] = line[++i];
		else
			out[o++] = c;
	}
	out[o] = '\0';
}

/* The guest's name: os-release, else the release files before it. */
static int read_name(struct ovk_glinux *l, struct ovk_guest *g, struct ovk_error *err)
{
	static const char *const releases[] = { "/etc/os-release", "/usr/lib/os-release" };
	static const struct { const char *path, *id; } old[] = {
		{ "/etc/redhat-release", "rhel" }, { "/etc/SuSE-release", "sles" },
		{ "/etc/debian_version", "debian" }, { "/etc/alpine-release", "alpine" },
	};
	char *text = NULL;
	size_t len, pos = 0, n;
	const char *line;
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++)
		if ((r = ovk_glinux_read(l, releases[i], SMALL_FILE, &text, &len, err)) < 0)
			return -1;
	while (r > 0 && next_line(text, len, &pos, &line, &n)) {
		os_release_value(line, n, "ID", g->distro, sizeof g->distro);
		os_release_value(line, n, "VERSION_ID", g->version, sizeof g->version);
		os_release_value(line, n, "PRETTY_NAME", g->pretty, sizeof g->pretty);
	}
	for (size_t i = 0; i < sizeof old / sizeof old[0] && r == 0; i++) {
		if ((r = ovk_glinux_read(l, old[i].path, SMALL_FILE, &text, &len, err)) <= 0)
			continue;
		snprintf(g->distro, sizeof g->distro, "%s", old[i].id);
		snprintf(g->pretty, sizeof g->pretty, "%.*s", (int)strcspn(text, "\n"), text);
	}
	if (r < 0)
		return -1;
	if (!g->distro[0])
		snprintf(g->distro, sizeof g->distro, "linux");
	free(text);
	return 0;
}

/* Mount what fstab names under / (its /boot, /usr, the ESP ...). */
static void mount_fstab(struct ovk_glinux *l, struct ovk_error *err)
{
	char *text = NULL, spec[300], dir[128], type[32];
	size_t len, pos = 0, n;
	const char *line;
	int r;

	if ((r = ovk_glinux_read(l, "/etc/fstab", SMALL_FILE, &text, &len, err)) <= 0) {
		if (r < 0)
			ovk_guest_note(l->s->g, "/etc/fstab: %s", err->msg);
		return;
	}
	while (next_line(text, len, &pos, &line, &n)) {
		char buf[512];
		struct ovk_gvol *v;

		snprintf(buf, sizeof buf, "%.*s", (int)(n < 511 ? n : 511), line);
		if (sscanf(buf, " %299s %127s %31s", spec, dir, type) != 3 || spec[0] == '#' ||
		    dir[0] != '/' || strcmp(dir, "/") == 0 || strcmp(type, "swap") == 0)
			continue;
		if (!(v = ovk_gscan_find(l->s, spec)) || !v->fs) {
			if (strcmp(dir, "/boot") == 0 || strcmp(dir, "/usr") == 0)
				ovk_guest_note(l->s->g, "fstab mounts %s from %s, which is %s", dir,
					       spec, v ? v->what : "not on these disks");
			continue;
		}
		if (l->n_mounts == OVK_GLINUX_MAX_MOUNTS)
			break;
		snprintf(l->mounts[l->n_mounts].dir, sizeof l->mounts[0].dir, "%s", dir);
		l->mounts[l->n_mounts++].fs = v->fs;
	}
	free(text);
}

/* A module's name from its path ("kernel/drivers/ata/ahci.ko.zst" ->
 * "ahci"): its family bits, 0 for anything else. */
static unsigned module_bits(const char *path, size_t len)
{
	char copy[GFS_MAX_PATH + 1], name[GFS_MAX_NAME + 1];

	if (len > GFS_MAX_PATH)
		return 0;
	memcpy(copy, path, len);
	copy[len] = '\0';
	return ovk_kmod_name(copy, name, sizeof name) ? ovk_guest_linux_module(name, strlen(name))
						       : 0;
}

/* The family bits of a module list (modules.builtin, modules.dep: the
 * module's path first on each line). */
static unsigned list_bits(const char *text, size_t len)
{
	size_t pos = 0, n;
	const char *line;
	unsigned bits = 0;

	while (next_line(text, len, &pos, &line, &n)) {
		const char *colon = memchr(line, ':', n);

		bits |= module_bits(line, colon ? (size_t)(colon - line) : n);
	}
	return bits;
}

/* /usr/lib/modules is tried after /lib/modules for a /usr of its own:
 * /lib is then a link to usr/lib that resolves inside the root's file
 * system, where /usr is an empty directory. */
int ovk_glinux_modules_dir(struct ovk_glinux *l, const char *ver, char *out, size_t cap,
			   struct ovk_error *err)
{
	static const char *const dirs[] = { "/lib/modules", "/usr/lib/modules" };
	struct ovk_gfs *fs;
	struct ovk_gfs_file f;

	for (size_t i = 0; i < 2; i++) {
		int r;

		snprintf(out, cap, "%s/%s", dirs[i], ver);
		if ((r = ovk_glinux_find(l, out, &fs, &f, err)) != 0)
			return r < 0 ? -1 : f.type == OVK_GFS_DIR;
	}
	return 0;
}

/* The families of a kernel's modules: built in, and anywhere. */
static int kernel_modules(struct ovk_glinux *l, const char *ver, unsigned *builtin,
			  unsigned *anywhere, struct ovk_error *err)
{
	struct ovk_kmod_set *set = NULL;
	char dir[300], path[340], *text = NULL;
	const char *sub;
	struct ovk_gfs *fs;
	size_t len;
	int r;

	*builtin = *anywhere = 0;
	if ((r = ovk_glinux_modules_dir(l, ver, dir, sizeof dir, err)) <= 0) {
		if (r == 0)
			ovk_guest_note(l->s->g, "no /lib/modules/%s: its modules are unknown", ver);
		return r;
	}
	snprintf(path, sizeof path, "%s/modules.builtin", dir);
	if ((r = ovk_glinux_read(l, path, MODULE_LIST, &text, &len, err)) < 0)
		return -1;
	if (r > 0)
		*builtin = list_bits(text, len);
	free(text);
	snprintf(path, sizeof path, "%s/modules.dep", dir);
	if ((r = ovk_glinux_read(l, path, MODULE_LIST, &text, &len, err)) < 0)
		return -1;
	if (r > 0) {
		*anywhere = list_bits(text, len);
		free(text);
		return 0;
	}
	/* no modules.dep (depmod never ran): the module files themselves */
	snprintf(path, sizeof path, "%s/kernel", dir);
	fs = mount_of(l, path, &sub);
	if (ovk_kmod_installed_in(fs, sub, &set, err) < 0)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		*anywhere |= ovk_guest_linux_module(set->names[i], strlen(set->names[i]));
	ovk_kmod_set_free(set);
	return 0;
}

/* The families in the initramfs at guest path `initrd`. */
static int initramfs_modules(struct ovk_glinux *l, const char *initrd, unsigned *bits,
			     struct ovk_error *err)
{
	struct ovk_initramfs *ir = NULL;
	struct ovk_gfs *fs;
	struct ovk_gfs_file f;
	int r;

	*bits = 0;
	if ((r = ovk_glinux_find(l, initrd, &fs, &f, err)) <= 0) {
		if (r == 0)
			ovk_error_set(err, ENOENT, "%s: not found", initrd);
		return -1;
	}
	if (ovk_initramfs_list(fs, &f, initrd, &ir, err) < 0)
		return -1;
	for (size_t i = 0; i < ir->n; i++)
		*bits |= module_bits(ir->paths[i], strlen(ir->paths[i]));
	ovk_initramfs_free(ir);
	return 0;
}

static int unread(struct ovk_guest *g, const char *fmt, const char *what)
{
	g->os = OVK_GUEST_UNREAD;
	ovk_gtext(g->why, sizeof g->why, fmt, g->pretty[0] ? g->pretty : g->distro, what);
	return 0;
}

static int read_drivers(struct ovk_glinux *l, struct ovk_error *err)
{
	struct ovk_guest *g = l->s->g;
	struct ovk_gkernel k;
	char why[200];
	unsigned builtin, anywhere, initrd = 0;
	int r;

	if ((r = ovk_glinux_default_kernel(l, &k, why, sizeof why, err)) < 0)
		return unread(g, "%s: its boot loader: %s", err->msg);
	if (r == 0)
		return unread(g, "%s: %s", why);
	snprintf(g->kernel, sizeof g->kernel, "%s", k.version);
	ovk_guest_note(g, "default kernel %s (%s)", k.version, k.how);
	if (kernel_modules(l, k.version, &builtin, &anywhere, err) < 0)
		return unread(g, "%s: its modules: %s", err->msg);
	if (k.initrd[0] && initramfs_modules(l, k.initrd, &initrd, err) < 0)
		return unread(g, "%s: its initramfs %s", err->msg);
	if (!k.initrd[0])
		ovk_guest_note(g, "kernel %s boots without an initramfs: only its built-in "
			       "drivers find the root", k.version);
	g->boot_drivers = ovk_guest_usable(OVK_GUEST_LINUX, initrd | builtin);
	g->drivers = ovk_guest_usable(OVK_GUEST_LINUX, initrd | builtin | anywhere);
	g->os = OVK_GUEST_LINUX;
	return 0;
}

int ovk_guest_linux(struct ovk_gscan *s, struct ovk_gvol *root, struct ovk_error *err)
{
	static const char *const agents[] = { "/usr/bin/qemu-ga", "/usr/sbin/qemu-ga",
					      "/usr/local/bin/qemu-ga" };
	struct ovk_glinux *l;
	int ret = -1;

	if (!(l = calloc(1, sizeof *l)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	l->s = s;
	snprintf(l->mounts[0].dir, sizeof l->mounts[0].dir, "/");
	l->mounts[0].fs = root->fs;
	l->n_mounts = 1;
	mount_fstab(l, err);
	if (read_name(l, s->g, err) < 0) {
		ret = unread(s->g, "%s: %s", err->msg);
		goto out;
	}
	for (size_t i = 0; i < sizeof agents / sizeof agents[0] && !s->g->guest_agent; i++) {
		struct ovk_gfs *fs;
		struct ovk_gfs_file f;

		s->g->guest_agent = ovk_glinux_find(l, agents[i], &fs, &f, err) > 0;
	}
	ret = read_drivers(l, err);
out:
	free(l);
	return ret;
}
