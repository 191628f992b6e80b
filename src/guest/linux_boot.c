/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux_boot.c: the kernel a Linux guest boots by default, and its
 * initramfs, from the boot loader's configuration (bootcfg.h parses the
 * texts), looked at in this order:
 *
 *   1. GRUB: grubenv's saved_entry, then grub.cfg (/boot/grub, /boot/grub2,
 *      or the ESP's EFI/<vendor>); a grub.cfg that runs `blscfg` takes its
 *      entries from BLS instead;
 *   2. BLS /boot/loader/entries (systemd-boot too);
 *   3. extlinux / syslinux;
 *   4. else the newest kernel in /boot.
 *
 * Paths in a loader's configuration are relative to the file system it
 * reads them from: "/vmlinuz-6.1.0-13-amd64" when /boot is its own file
 * system, "/boot/vmlinuz-..." when it is part of the root.  Both are tried,
 * the one that exists wins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/bootcfg.h"
#include "guest/gutil.h"
#include "guest_priv.h"

/* Boot loader configurations are small; a 1 MiB grub.cfg is not one. */
#define CONFIG_MAX ((size_t)1 << 20)
/* Vendor directories of an ESP looked at for grub.cfg and grubenv. */
#define MAX_EFI_VENDORS 16

struct names {
	char name[MAX_EFI_VENDORS][64];
	size_t n;
	const char *prefix, *suffix;     /* kept: names that match both */
};

static int collect_name(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct names *ns = opaque;
	size_t nl = strlen(name), pl = strlen(ns->prefix), sl = strlen(ns->suffix);

	(void)type;
	if (nl < pl + sl || nl >= sizeof ns->name[0] || strncmp(name, ns->prefix, pl) != 0 ||
	    strcmp(name + nl - sl, ns->suffix) != 0)
		return 0;
	if (ns->n == MAX_EFI_VENDORS)
		return 1;
	snprintf(ns->name[ns->n++], sizeof ns->name[0], "%s", name);
	return 0;
}

/* The first of the files at paths[] that exists, read whole: 1, 0 none. */
static int read_first(struct ovk_glinux *l, const char *const *paths, size_t n, char **text,
		      size_t *len, char *found, size_t cap, struct ovk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int r = ovk_glinux_read(l, paths[i], CONFIG_MAX, text, len, err);

		if (r != 0) {
			if (r > 0)
				snprintf(found, cap, "%s", paths[i]);
			return r;
		}
	}
	return 0;
}

/* The places GRUB keeps a file: /boot/grub, /boot/grub2, the ESP's
 * vendor directories.  Returns how many paths were written. */
static size_t grub_paths(struct ovk_glinux *l, const char *file, char (*out)[160],
			 size_t cap, struct ovk_error *err)
{
	struct names ns = { .prefix = "", .suffix = "" };
	size_t n = 0;

	snprintf(out[n++], 160, "/boot/grub/%s", file);
	snprintf(out[n++], 160, "/boot/grub2/%s", file);
	if (ovk_glinux_readdir(l, "/boot/efi/EFI", collect_name, &ns, err) < 0)
		ns.n = 0;
	for (size_t i = 0; i < ns.n && n < cap; i++)
		snprintf(out[n++], 160, "/boot/efi/EFI/%s/%s", ns.name[i], file);
	return n;
}

static int read_grub_file(struct ovk_glinux *l, const char *file, char **text, size_t *len,
			  char *found, size_t cap, struct ovk_error *err)
{
	char paths[2 + MAX_EFI_VENDORS][160];
	const char *p[2 + MAX_EFI_VENDORS];
	size_t n = grub_paths(l, file, paths, 2 + MAX_EFI_VENDORS, err);

	for (size_t i = 0; i < n; i++)
		p[i] = paths[i];
	return read_first(l, p, n, text, len, found, cap, err);
}

/* A loader's path as a guest path that exists: "(hd0,gpt2)/vmlinuz" and
 * "/vmlinuz" with /boot its own file system are "/boot/vmlinuz". */
static int guest_path(struct ovk_glinux *l, const char *loader_path, char *out, size_t cap,
		      struct ovk_error *err)
{
	const char *p = loader_path;
	char tries[2][300];

	if (p[0] == '(' && strchr(p, ')'))
		p = strchr(p, ')') + 1;
	if (p[0] != '/')
		return 0;
	/* a path that does not fit is no file we could name */
	if (strlen(p) + 6 > cap)
		return 0;
	snprintf(tries[0], sizeof tries[0], "%s%s", strncmp(p, "/boot/", 6) ? "/boot" : "", p);
	snprintf(tries[1], sizeof tries[1], "%s", p);
	for (size_t i = 0; i < 2; i++) {
		struct ovk_gfs *fs;
		struct ovk_gfs_file f;
		int r = ovk_glinux_find(l, tries[i], &fs, &f, err);

		if (r < 0)
			return -1;
		if (r > 0 && f.type == OVK_GFS_REG) {
			memcpy(out, tries[i], strlen(tries[i]) + 1);
			return 1;
		}
	}
	return 0;
}

struct bls {
	struct ovk_glinux *l;
	struct ovk_boot_entry *e;
	size_t n;
};

static int bls_entry(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct bls *b = opaque;
	char path[400], *text = NULL;
	size_t nl = strlen(name), len;
	struct ovk_error e = { 0 };

	if (type != OVK_GFS_REG || nl < 6 || strcmp(name + nl - 5, ".conf") != 0)
		return 0;
	if (b->n == OVK_BOOT_MAX_ENTRIES)
		return 1;
	snprintf(path, sizeof path, "/boot/loader/entries/%s", name);
	if (ovk_glinux_read(b->l, path, CONFIG_MAX, &text, &len, &e) > 0 &&
	    ovk_bootcfg_bls_entry(name, text, len, &b->e[b->n]))
		b->n++;
	free(text);
	return 0;
}

/* The default BLS entry: 1 (*e set), 0 none. */
static int from_bls(struct ovk_glinux *l, const char *saved, struct ovk_boot_entry *e,
		    struct ovk_error *err)
{
	struct bls b = { .l = l };
	int i, ret = -1;

	if (!(b.e = calloc(OVK_BOOT_MAX_ENTRIES, sizeof *b.e)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (ovk_glinux_readdir(l, "/boot/loader/entries", bls_entry, &b, err) < 0)
		goto out;
	i = ovk_bootcfg_bls_default(b.e, b.n, saved);
	if (i >= 0)
		*e = b.e[i];
	ret = i >= 0;
out:
	free(b.e);
	return ret;
}

static int from_grub(struct ovk_glinux *l, struct ovk_boot_entry *e, char *how, size_t cap,
		     struct ovk_error *err)
{
	char saved[160] = "", where[160], *text = NULL;
	size_t len;
	int r;

	if ((r = read_grub_file(l, "grubenv", &text, &len, where, sizeof where, err)) < 0)
		return -1;
	if (r > 0)
		ovk_bootcfg_grubenv(text, len, saved, sizeof saved);
	free(text);
	if ((r = read_grub_file(l, "grub.cfg", &text, &len, where, sizeof where, err)) <= 0)
		return r;
	if (strstr(text, "blscfg")) {
		r = from_bls(l, saved, e, err);
		ovk_gtext(how, cap, "BLS entry %s, as %s runs blscfg", e->id, where);
	} else {
		r = ovk_bootcfg_grub(text, len, saved, e);
		ovk_gtext(how, cap, "%s: \"%s\"", where, e->title);
	}
	free(text);
	return r;
}

static int from_extlinux(struct ovk_glinux *l, struct ovk_boot_entry *e, char *how,
			 size_t cap, struct ovk_error *err)
{
	static const char *const paths[] = {
		"/boot/extlinux/extlinux.conf", "/boot/extlinux.conf", "/extlinux.conf",
		"/boot/syslinux/syslinux.cfg", "/boot/syslinux/extlinux.conf",
	};
	char where[160], *text = NULL;
	size_t len;
	int r = read_first(l, paths, sizeof paths / sizeof paths[0], &text, &len, where,
			   sizeof where, err);

	if (r > 0) {
		r = ovk_bootcfg_extlinux(text, len, e);
		ovk_gtext(how, cap, "%s: \"%s\"", where, e->title);
	}
	free(text);
	return r;
}

struct newest {
	struct ovk_boot_entry *e;
	int found;
};

static int newer_kernel(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct newest *nw = opaque;
	char ver[128];

	(void)type;
	ovk_bootcfg_kernel_version(name, ver, sizeof ver);
	/* RHEL's rescue kernel ("vmlinuz-0-rescue-<machine id>") is not the
	 * default. */
	if (!ver[0] || strstr(ver, "rescue"))
		return 0;
	if (nw->found && ovk_bootcfg_vercmp(ver, nw->e->version) <= 0)
		return 0;
	memset(nw->e, 0, sizeof *nw->e);
	snprintf(nw->e->kernel, sizeof nw->e->kernel, "/boot/%s", name);
	snprintf(nw->e->version, sizeof nw->e->version, "%s", ver);
	nw->found = 1;
	return 0;
}

/* The initramfs distributions name after a kernel version. */
static int initrd_by_name(struct ovk_glinux *l, const char *ver, char *out, size_t cap,
			  struct ovk_error *err)
{
	static const char *const forms[] = { "/boot/initrd.img-%s", "/boot/initramfs-%s.img",
					     "/boot/initrd-%s", "/boot/initramfs-%s",
					     "/boot/initrd-%s.img" };
	char name[300];

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		int r;

		snprintf(name, sizeof name, forms[i], ver);
		if ((r = guest_path(l, name, out, cap, err)) != 0)
			return r;
	}
	return 0;
}

struct same_file {
	struct ovk_glinux *l;
	uint64_t ino;
	unsigned versions;           /* directories seen in /lib/modules */
	char version[128];
};

static int same_kernel(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct same_file *sf = opaque;
	char path[300], ver[128];
	struct ovk_gfs *fs;
	struct ovk_gfs_file f;
	struct ovk_error e = { 0 };

	ovk_bootcfg_kernel_version(name, ver, sizeof ver);
	if (type != OVK_GFS_REG || !ver[0])
		return 0;
	snprintf(path, sizeof path, "/boot/%s", name);
	if (ovk_glinux_find(sf->l, path, &fs, &f, &e) > 0 && f.ino == sf->ino) {
		snprintf(sf->version, sizeof sf->version, "%s", ver);
		return 1;
	}
	return 0;
}

static int one_version(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct same_file *sf = opaque;

	if (type != OVK_GFS_DIR)
		return 0;
	if (sf->versions++ == 0)
		snprintf(sf->version, sizeof sf->version, "%s", name);
	return 0;
}

/* The version of the kernel at guest path `kernel` (from the loader, or
 * its file name) when it has modules; else that of the file in /boot it
 * links to ("/vmlinuz" -> "vmlinuz-6.1.0-13-amd64"), else the only one
 * in /lib/modules.  "" when none of these says. */
static int kernel_version(struct ovk_glinux *l, const char *kernel, char *ver, size_t cap,
			  struct ovk_error *err)
{
	struct same_file sf = { .l = l };
	struct ovk_gfs *fs;
	struct ovk_gfs_file f;
	char dir[300];
	int r;

	if (ver[0] && (r = ovk_glinux_modules_dir(l, ver, dir, sizeof dir, err)) != 0)
		return r < 0 ? -1 : 0;
	if ((r = ovk_glinux_find(l, kernel, &fs, &f, err)) < 0)
		return -1;
	sf.ino = f.ino;
	if (r > 0 && ovk_glinux_readdir(l, "/boot", same_kernel, &sf, err) < 0)
		return -1;
	if (!sf.version[0]) {
		if (ovk_glinux_readdir(l, "/lib/modules", one_version, &sf, err) < 0)
			return -1;
		if (sf.versions != 1)
			sf.version[0] = '\0';
	}
	if (sf.version[0])
		snprintf(ver, cap, "%s", sf.version);
	return 0;
}

/* The loader's default entry: 1 (*e and how set), 0 none. */
static int loader_entry(struct ovk_glinux *l, struct ovk_boot_entry *e, char *how, size_t cap,
			struct ovk_error *err)
{
	struct newest nw = { .e = e };
	int r;

	if ((r = from_grub(l, e, how, cap, err)) != 0)
		return r;
	if ((r = from_bls(l, "", e, err)) != 0) {
		ovk_gtext(how, cap, "BLS entry %s, the newest", e->id);
		return r;
	}
	if ((r = from_extlinux(l, e, how, cap, err)) != 0)
		return r;
	if (ovk_glinux_readdir(l, "/boot", newer_kernel, &nw, err) < 0)
		return -1;
	snprintf(how, cap, "no boot loader configuration: the newest kernel in /boot");
	return nw.found;
}

int ovk_glinux_default_kernel(struct ovk_glinux *l, struct ovk_gkernel *k, char *why,
			      size_t cap, struct ovk_error *err)
{
	struct ovk_boot_entry e;
	int r;

	memset(k, 0, sizeof *k);
	memset(&e, 0, sizeof e);
	if ((r = loader_entry(l, &e, k->how, sizeof k->how, err)) <= 0) {
		if (r == 0)
			snprintf(why, cap, "no kernel found: no GRUB, BLS or extlinux "
				 "configuration, and no vmlinuz-* in /boot");
		return r;
	}
	if ((r = guest_path(l, e.kernel, k->path, sizeof k->path, err)) <= 0) {
		if (r == 0)
			snprintf(why, cap, "its default kernel %s (%s) is not on its disks",
				 e.kernel, k->how);
		return r;
	}
	snprintf(k->version, sizeof k->version, "%s", e.version);
	if (kernel_version(l, k->path, k->version, sizeof k->version, err) < 0)
		return -1;
	if (!k->version[0]) {
		snprintf(why, cap, "the version of its default kernel %s is unknown", k->path);
		return 0;
	}
	if (e.initrd[0]) {
		if ((r = guest_path(l, e.initrd, k->initrd, sizeof k->initrd, err)) < 0)
			return -1;
		if (r == 0) {
			snprintf(why, cap, "its default kernel's initramfs %s is not on its disks",
				 e.initrd);
			return 0;
		}
	} else if (initrd_by_name(l, e.version[0] ? e.version : k->version, k->initrd,
				  sizeof k->initrd, err) < 0) {
		return -1;
	}
	return 1;
}
