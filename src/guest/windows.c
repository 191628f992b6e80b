/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * windows.c: a Windows guest, from its system volume:
 *
 *   SYSTEM hive   the current control set's storage services: a driver
 *                 family counts at boot when a service of it starts at boot
 *                 (Start, or StartOverride\0 where Windows 8 and later
 *                 wrote one: hive.h) and its driver file exists; anywhere
 *                 when it is not disabled and its file exists;
 *   driver store  System32\DriverStore\FileRepository: a driver staged
 *                 there (netkvm.inf_amd64_...) installs when its device
 *                 appears, so it counts anywhere, never at boot;
 *   hiberfil.sys  a hibernated or Fast-Startup system (ntfs.h);
 *   the version   from the SYSTEM hive, as no SOFTWARE hive is read (it
 *                 is tens of MiB): the disk class driver's DriverVersion,
 *                 ProductType (client or server) and CSDVersion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest/hive.h"
#include "guest/ntfs.h"
#include "guest/gutil.h"
#include "guest_priv.h"

/* The Windows directory: \Windows, or \WINNT before XP. */
static const char *const windirs[] = { "/Windows", "/WINNT" };
/* The disk drive class, whose driver (disk.sys) is Windows' own: its
 * DriverVersion is the system's version. */
#define DISK_CLASS "Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}\\0000"
/* The QEMU guest agent's service. */
#define QEMU_GA_SERVICE "QEMU-GA"

/* A service's driver file as a path on the system volume: ImagePath
 * ("\SystemRoot\System32\drivers\x.sys", "System32\DRIVERS\x.sys",
 * "\??\C:\Windows\...") or, without one, System32\drivers\<name>.sys. */
static void driver_path(const char *windir, const char *name, const char *image, char *out,
			size_t cap)
{
	static const char *const roots[] = { "\\SystemRoot\\", "%SystemRoot%\\", "%windir%\\" };
	const char *rel = image;
	size_t o;

	if (!image) {
		snprintf(out, cap, "%s/System32/drivers/%s.sys", windir, name);
		return;
	}
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (strncasecmp(image, roots[i], strlen(roots[i])) == 0)
			rel = image + strlen(roots[i]);
	if (strncmp(image, "\\??\\", 4) == 0 && image[4] && image[5] == ':')
		snprintf(out, cap, "%s", image + 6);                 /* from the volume's root */
	else if (rel[0] == '\\')
		snprintf(out, cap, "%s", rel);
	else
		snprintf(out, cap, "%s/%s", windir, rel);
	for (o = 0; out[o]; o++)
		if (out[o] == '\\')
			out[o] = '/';
}

static int driver_exists(struct ovk_gfs *fs, const char *path, struct ovk_error *err)
{
	struct ovk_gfs_file f;
	int r = ovk_gfs_find(fs, path, &f, err);

	return r > 0 ? f.type == OVK_GFS_REG : r;
}

/* The storage services: their families into g. */
static int read_services(struct ovk_gfs *fs, const char *windir, struct ovk_hive *h,
			 struct ovk_guest *g, struct ovk_error *err)
{
	const char *names[32];
	struct ovk_hive_service svc[32];
	unsigned boot = 0, any = 0;
	size_t n = 0;
	int ret = -1;

	for (const char *s; n < 31 && (s = ovk_guest_windows_service_name(n)); n++)
		names[n] = s;
	names[n++] = QEMU_GA_SERVICE;
	if (ovk_hive_services(h, names, n, svc, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char path[600];
		int r;

		if (!svc[i].exists)
			continue;
		if (strcmp(names[i], QEMU_GA_SERVICE) == 0) {
			g->guest_agent = 1;
			continue;
		}
		if (svc[i].effective < 0 || svc[i].effective >= 4)
			continue;   /* no start value (a leftover key), or disabled */
		driver_path(windir, names[i], svc[i].image_path, path, sizeof path);
		if ((r = driver_exists(fs, path, err)) < 0)
			goto out;
		if (r == 0) {
			ovk_guest_note(g, "service %s: its driver %s is missing", names[i], path);
			continue;
		}
		any |= ovk_guest_windows_service(names[i]);
		if (svc[i].effective == 0)
			boot |= ovk_guest_windows_service(names[i]);
	}
	g->boot_drivers = ovk_guest_usable(OVK_GUEST_WINDOWS, boot);
	g->drivers |= ovk_guest_usable(OVK_GUEST_WINDOWS, boot | any);
	ret = 0;
out:
	ovk_hive_services_free(svc, n);
	return ret;
}

static int staged_driver(void *opaque, const char *name, enum ovk_gfs_type type)
{
	unsigned *bits = opaque;
	const char *dot = strstr(name, ".inf");
	char inf[64];

	if (type != OVK_GFS_DIR || !dot || (size_t)(dot - name) >= sizeof inf)
		return 0;
	snprintf(inf, sizeof inf, "%.*s", (int)(dot - name), name);
	*bits |= ovk_guest_windows_service(inf);
	return 0;
}

/* Drivers staged in the driver store (Vista and later). */
static int read_store(struct ovk_gfs *fs, const char *windir, struct ovk_guest *g,
		      struct ovk_error *err)
{
	struct ovk_gfs_file dir;
	char path[128];
	unsigned bits = 0;
	int r;

	snprintf(path, sizeof path, "%s/System32/DriverStore/FileRepository", windir);
	if ((r = ovk_gfs_find(fs, path, &dir, err)) <= 0 || dir.type != OVK_GFS_DIR)
		return r < 0 ? -1 : 0;
	if (fs->ops->readdir(fs, &dir, staged_driver, &bits, err) < 0)
		return -1;
	/* Staged drivers need no support service: a PnP install brings it. */
	g->drivers |= bits & ((1u << OVK_DRV_COUNT) - 1);
	return 0;
}

/* A DWORD, or -1 when absent or not one. */
static int64_t dword(struct ovk_hive *h, const char *path, const char *name,
		     struct ovk_error *err)
{
	struct ovk_hive_value v;
	int64_t n = -1;

	if (ovk_hive_value(h, path, name, &v, err) == 0) {
		if (v.type == OVK_HIVE_DWORD)
			n = (int64_t)v.num;
		ovk_hive_value_free(&v);
	}
	return n;
}

/* "Windows 10", "Windows Server 2008 R2", ... from the kernel's version
 * and whether it is a server. */
static const char *product(unsigned major, unsigned minor, unsigned build, int server)
{
	static const struct { unsigned major, minor, build; const char *client, *server; } v[] = {
		{ 10, 0, 26100, "Windows 11", "Windows Server 2025" },
		{ 10, 0, 22000, "Windows 11", "Windows Server 2022" },
		{ 10, 0, 20348, "Windows 10", "Windows Server 2022" },
		{ 10, 0, 17763, "Windows 10", "Windows Server 2019" },
		{ 10, 0, 14393, "Windows 10", "Windows Server 2016" },
		{ 10, 0, 0, "Windows 10", "Windows Server" },
		{ 6, 3, 0, "Windows 8.1", "Windows Server 2012 R2" },
		{ 6, 2, 0, "Windows 8", "Windows Server 2012" },
		{ 6, 1, 0, "Windows 7", "Windows Server 2008 R2" },
		{ 6, 0, 0, "Windows Vista", "Windows Server 2008" },
		{ 5, 2, 0, "Windows XP x64", "Windows Server 2003" },
		{ 5, 1, 0, "Windows XP", "Windows XP" },
		{ 5, 0, 0, "Windows 2000", "Windows 2000 Server" },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (major == v[i].major && minor == v[i].minor && build >= v[i].build)
			return server ? v[i].server : v[i].client;
	return server ? "Windows Server" : "Windows";
}

static void read_version(struct ovk_hive *h, const char *cs, struct ovk_guest *g,
			 struct ovk_error *err)
{
	struct ovk_hive_value v;
	char path[160];
	unsigned major = 0, minor = 0, build = 0;
	int server = 0;
	int64_t sp;

	snprintf(g->distro, sizeof g->distro, "windows");
	snprintf(path, sizeof path, "%s\\Control\\ProductOptions", cs);
	if (ovk_hive_value(h, path, "ProductType", &v, err) == 0) {
		server = v.type == OVK_HIVE_STRING && strcasecmp(v.str, "WinNT") != 0;
		ovk_hive_value_free(&v);
	}
	snprintf(path, sizeof path, "%s\\" DISK_CLASS, cs);
	if (ovk_hive_value(h, path, "DriverVersion", &v, err) == 0) {
		if (v.type == OVK_HIVE_STRING &&
		    sscanf(v.str, "%u.%u.%u", &major, &minor, &build) == 3)
			snprintf(g->version, sizeof g->version, "%u.%u.%u", major, minor, build);
		ovk_hive_value_free(&v);
	}
	snprintf(path, sizeof path, "%s\\Control\\Windows", cs);
	sp = dword(h, path, "CSDVersion", err);
	if (!g->version[0]) {
		snprintf(g->pretty, sizeof g->pretty, "%s (version unknown)",
			 server ? "Windows Server" : "Windows");
		return;
	}
	snprintf(g->pretty, sizeof g->pretty, "%s", product(major, minor, build, server));
	if (sp > 0 && (sp >> 8) > 0)
		snprintf(g->pretty + strlen(g->pretty), sizeof g->pretty - strlen(g->pretty),
			 " SP%d", (int)(sp >> 8));
	if (major >= 10)
		snprintf(g->pretty + strlen(g->pretty), sizeof g->pretty - strlen(g->pretty),
			 " (build %u)", build);
}

static int read_hive(struct ovk_gscan *s, struct ovk_gvol *v, const char *windir,
		     struct ovk_error *err)
{
	struct ovk_guest *g = s->g;
	struct ovk_hive *h = NULL;
	char path[64], name[96], cs[OVK_HIVE_CONTROL_SET_LEN], *buf = NULL;
	size_t len;
	int ret = -1;

	snprintf(path, sizeof path, "%s/System32/config/SYSTEM", windir);
	snprintf(name, sizeof name, "SYSTEM on %s", ovk_gdisk_name(v->disk));
	if (ovk_gfs_read_file(v->fs, path, OVK_HIVE_MAX_SIZE, &buf, &len, err) < 0 ||
	    ovk_hive_open(buf, len, name, &h, err) < 0)
		goto out;
	free(buf);
	buf = NULL;
	if (ovk_hive_control_set(h, cs, err) < 0)
		goto out;
	read_version(h, cs, g, err);
	if (read_services(v->fs, windir, h, g, err) < 0 || read_store(v->fs, windir, g, err) < 0)
		goto out;
	ret = 0;
out:
	free(buf);
	ovk_hive_close(h);
	return ret;
}

int ovk_guest_windows(struct ovk_gscan *s, struct ovk_gvol *root, struct ovk_error *err)
{
	struct ovk_guest *g = s->g;
	struct ovk_ntfs_state st;
	struct ovk_error e = { 0 };
	const char *windir = windirs[0];

	for (size_t i = 0; i < sizeof windirs / sizeof windirs[0]; i++) {
		struct ovk_gfs_file f;

		if (ovk_gfs_find(root->fs, windirs[i], &f, &e) > 0) {
			windir = windirs[i];
			break;
		}
	}
	if (read_hive(s, root, windir, err) < 0) {
		g->os = OVK_GUEST_UNREAD;
		ovk_gtext(g->why, sizeof g->why, "Windows on %s: %s", ovk_gdisk_name(root->disk),
			 err->msg);
		return 0;
	}
	if (ovk_ntfs_state(root->fs, &st, &e) == 0)
		g->hibernated = st.hibernated;
	g->os = OVK_GUEST_WINDOWS;
	return 0;
}
