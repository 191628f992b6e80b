/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export_dom.c: a libvirt domain's XML read into the export model
 * (ova/export.h), in libvirt's own terms; src/ova maps them to VMware's.
 *
 * What is read: name, title/description, memory (any unit), vcpu and
 * cpu/topology, the firmware (os firmware='efi', a pflash loader) and
 * secure boot (loader secure='yes', or the firmware feature), libosinfo's
 * os id from <metadata>, and the devices: disks and CD-ROMs (file, block
 * and pool-volume sources; the bus from target/@bus, a virtio-scsi
 * controller being just "scsi"), and interfaces (model, MAC, the network
 * or bridge name).  A disk ovakit cannot read (a network disk: RBD, iSCSI,
 * NBD, ...; a floppy) fails the export naming it: nothing of a machine
 * is dropped silently.  A CD-ROM's medium is not exported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ova/export.h"
#include "util/xml.h"
#include "virt/export_priv.h"
#include "virt/lv.h"

typedef struct ovk_xml_node xnode;

/* libvirt's units (docs: formatdomain, "memory"), as multipliers. */
static int unit_bytes(const char *unit, uint64_t *mult)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "b", 1 }, { "bytes", 1 }, { "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 },
		{ "MB", 1000000 }, { "M", 1 << 20 }, { "MiB", 1 << 20 },
		{ "GB", 1000000000 }, { "G", 1 << 30 }, { "GiB", 1 << 30 },
		{ "TB", 1000000000000ull }, { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
	};

	if (!unit) {
		*mult = 1024;   /* KiB when not given */
		return 0;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(unit, units[i].name) == 0) {
			*mult = units[i].mult;
			return 0;
		}
	}
	return -1;
}

static int dup_text(const xnode *n, char **out, struct ovk_error *err)
{
	*out = NULL;
	if (!n)
		return 0;
	if (!(*out = ovk_xml_text(n)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (!**out) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static int dup_str(const char *s, char **out, struct ovk_error *err)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int read_number(const xnode *n, const char *what, uint64_t max, uint64_t *v,
		       struct ovk_error *err)
{
	char *t = ovk_xml_text(n), *end = NULL;
	int ret = -1;

	if (!t)
		return ovk_error_set(err, ENOMEM, "out of memory");
	errno = 0;
	*v = strtoull(t, &end, 10);
	if (errno || end == t || *end || *v > max) {
		ovk_error_set(err, EINVAL, "domain XML: %s '%s' is not a number up to %" PRIu64,
			      what, t, max);
		goto out;
	}
	ret = 0;
out:
	free(t);
	return ret;
}

static int read_memory(const xnode *dom, struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const xnode *mem = ovk_xml_child(dom, "memory");
	uint64_t v, mult;

	if (!mem)
		return ovk_error_set(err, EINVAL, "domain XML: no <memory>");
	if (unit_bytes(ovk_xml_attr(mem, "unit"), &mult) < 0)
		return ovk_error_set(err, EINVAL, "domain XML: memory unit '%s' unknown",
				     ovk_xml_attr(mem, "unit"));
	if (read_number(mem, "memory", UINT64_MAX / mult, &v, err) < 0)
		return -1;
	vm->memory = v * mult;
	return 0;
}

static int read_cpus(const xnode *dom, struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const xnode *topo = ovk_xml_child(ovk_xml_child(dom, "cpu"), "topology");
	const char *cores = ovk_xml_attr(topo, "cores");
	uint64_t v;

	if (read_number(ovk_xml_child(dom, "vcpu"), "vcpu", OVK_EXP_MAX_CPUS, &v, err) < 0)
		return -1;
	vm->cpus = (unsigned)v;
	/* VMware has sockets x cores; threads fold into cores. */
	if (cores) {
		const char *threads = ovk_xml_attr(topo, "threads");
		unsigned long c = strtoul(cores, NULL, 10) * (threads ? strtoul(threads, NULL, 10)
								       : 1);

		if (c > 0 && c <= vm->cpus && vm->cpus % c == 0)
			vm->cores = (unsigned)c;
	}
	return 0;
}

static void read_firmware(const xnode *dom, struct ovk_exp_vm *vm)
{
	const xnode *os = ovk_xml_child(dom, "os");
	const xnode *loader = ovk_xml_child(os, "loader");
	const char *fw = ovk_xml_attr(os, "firmware");
	const char *ltype = ovk_xml_attr(loader, "type");
	const char *secure = ovk_xml_attr(loader, "secure");
	const xnode *feats = ovk_xml_child(os, "firmware");

	vm->efi = (fw && strcmp(fw, "efi") == 0) || (ltype && strcmp(ltype, "pflash") == 0);
	vm->secure_boot = secure && strcmp(secure, "yes") == 0;
	for (const xnode *f = feats ? ovk_xml_first(feats) : NULL; f; f = ovk_xml_next(f)) {
		const char *name = ovk_xml_attr(f, "name"), *en = ovk_xml_attr(f, "enabled");

		if (name && en && strcmp(name, "secure-boot") == 0)
			vm->secure_boot = strcmp(en, "yes") == 0;
	}
	vm->secure_boot &= vm->efi;
}

/* libosinfo's <libosinfo:os id="http://debian.org/debian/12"/>. */
static int read_os(const xnode *dom, struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const xnode *li = ovk_xml_child(ovk_xml_child(dom, "metadata"), "libosinfo");

	return dup_str(ovk_xml_attr(ovk_xml_child(li, "os"), "id"), &vm->os, err);
}

static int read_bus(const char *target, const char *bus, enum ovk_exp_bus *out,
		    struct ovk_error *err)
{
	static const char *const names[] = { "scsi", "sata", "ide", "virtio", "nvme" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (bus && strcmp(bus, names[i]) == 0) {
			*out = (enum ovk_exp_bus)i;
			return 0;
		}
	}
	return ovk_error_set(err, ENOTSUP, "disk %s: bus '%s' has no VMware counterpart "
			     "(scsi, sata, ide, virtio and nvme have)", target, bus ? bus : "");
}

/* A file or device disk: read here when the daemon is on this host, else
 * (or with --download) through libvirt, as the volume that path is. */
static int read_path(struct ovk_lv *lv, const char *path, int download,
		     struct ovk_exp_disk *d, struct ovk_error *err)
{
	if (!download && ovk_lv_is_local(lv))
		return dup_str(path, &d->path, err);
	if (ovk_lv_path_blob(lv, path, &d->blob, err) < 0)
		return ovk_error_prefix(err, "disk %s", d->target);
	return 0;
}

/* Where a disk's bytes are: a file or device, or a pool volume. */
static int read_source(struct ovk_lv *lv, const xnode *disk, int download,
		       struct ovk_exp_disk *d, struct ovk_error *err)
{
	const char *type = ovk_xml_attr(disk, "type");
	const xnode *src = ovk_xml_child(disk, "source");

	if (type && strcmp(type, "file") == 0 && ovk_xml_attr(src, "file"))
		return read_path(lv, ovk_xml_attr(src, "file"), download, d, err);
	if (type && strcmp(type, "block") == 0 && ovk_xml_attr(src, "dev"))
		return read_path(lv, ovk_xml_attr(src, "dev"), download, d, err);
	if (type && strcmp(type, "volume") == 0 && ovk_xml_attr(src, "pool") &&
	    ovk_xml_attr(src, "volume")) {
		if (ovk_lv_vol_blob(lv, ovk_xml_attr(src, "pool"), ovk_xml_attr(src, "volume"),
				    download, &d->blob, err) < 0)
			return ovk_error_prefix(err, "disk %s", d->target);
		return 0;
	}
	if (type && strcmp(type, "network") == 0)
		return ovk_error_set(err, ENOTSUP, "disk %s: a network disk (%s) cannot be read; "
				     "copy it to a file or a pool volume first", d->target,
				     ovk_xml_attr(src, "protocol") ? ovk_xml_attr(src, "protocol")
								   : "unknown protocol");
	return ovk_error_set(err, ENOTSUP, "disk %s: a '%s' disk without a source cannot be read",
			     d->target, type ? type : "");
}

static int read_disk(struct ovk_lv *lv, const xnode *disk, int download,
		     struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const char *device = ovk_xml_attr(disk, "device");
	const xnode *target = ovk_xml_child(disk, "target");
	const char *fmt = ovk_xml_attr(ovk_xml_child(disk, "driver"), "type");
	struct ovk_exp_disk *d = &vm->disks[vm->n_disks];

	if (dup_str(ovk_xml_attr(target, "dev") ? ovk_xml_attr(target, "dev") : "?", &d->target,
		    err) < 0)
		return -1;
	vm->n_disks++;
	d->cdrom = device && strcmp(device, "cdrom") == 0;
	if (device && strcmp(device, "disk") != 0 && !d->cdrom)
		return ovk_error_set(err, ENOTSUP, "disk %s: a %s cannot be exported", d->target,
				     device);
	if (read_bus(d->target, ovk_xml_attr(target, "bus"), &d->bus, err) < 0)
		return -1;
	if (d->cdrom)
		return 0;
	/* The driver type is what the guest sees; it is checked, not probed. */
	if (fmt && dup_str(fmt, &d->format, err) < 0)
		return -1;
	return read_source(lv, disk, download, d, err);
}

static int read_nic(const xnode *itf, struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const xnode *src = ovk_xml_child(itf, "source");
	struct ovk_exp_nic *n = &vm->nics[vm->n_nics++];
	const char *net = ovk_xml_attr(src, "network");

	if (!net)
		net = ovk_xml_attr(src, "bridge");
	if (!net)
		net = ovk_xml_attr(src, "dev");
	if (dup_str(ovk_xml_attr(ovk_xml_child(itf, "model"), "type"), &n->model, err) < 0 ||
	    dup_str(ovk_xml_attr(ovk_xml_child(itf, "mac"), "address"), &n->mac, err) < 0)
		return -1;
	return dup_str(net, &n->network, err);
}

static int read_devices(struct ovk_lv *lv, const xnode *dom, int download,
			struct ovk_exp_vm *vm, struct ovk_error *err)
{
	const xnode *devs = ovk_xml_child(dom, "devices");
	size_t disks = 0, nics = 0;

	if (!devs)
		return ovk_error_set(err, EINVAL, "domain XML: no <devices>");
	for (const xnode *n = ovk_xml_first(devs); n; n = ovk_xml_next(n)) {
		disks += strcmp(ovk_xml_name(n), "disk") == 0;
		nics += strcmp(ovk_xml_name(n), "interface") == 0;
	}
	if (disks > OVK_EXP_MAX_DEVICES || nics > OVK_EXP_MAX_DEVICES)
		return ovk_error_set(err, E2BIG, "domain XML: %zu disks, %zu NICs: more than %d",
				     disks, nics, OVK_EXP_MAX_DEVICES);
	if (!(vm->disks = calloc(disks + 1, sizeof *vm->disks)) ||
	    !(vm->nics = calloc(nics + 1, sizeof *vm->nics)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (const xnode *n = ovk_xml_first(devs); n; n = ovk_xml_next(n)) {
		if (strcmp(ovk_xml_name(n), "disk") == 0 &&
		    read_disk(lv, n, download, vm, err) < 0)
			return -1;
		if (strcmp(ovk_xml_name(n), "interface") == 0 && read_nic(n, vm, err) < 0)
			return -1;
	}
	return 0;
}

int ovk_export_read_domain(struct ovk_lv *lv, const char *xml, int download,
			   struct ovk_exp_vm *vm, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const xnode *dom;
	int ret = -1;

	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), "domain XML", &doc, err) < 0)
		goto out;
	dom = ovk_xml_root(doc);
	if (dup_text(ovk_xml_child(dom, "name"), &vm->name, err) < 0 ||
	    dup_text(ovk_xml_child(dom, "description"), &vm->description, err) < 0 ||
	    (!vm->description && dup_text(ovk_xml_child(dom, "title"), &vm->description, err) < 0) ||
	    read_memory(dom, vm, err) < 0 || read_cpus(dom, vm, err) < 0 ||
	    read_os(dom, vm, err) < 0)
		goto out;
	read_firmware(dom, vm);
	ret = read_devices(lv, dom, download, vm, err);
out:
	ovk_xml_free(doc);
	return ret;
}
