/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf_hw.c: VirtualHardwareSection items, and VirtualBox's vbox:Machine.
 *
 * An item is a bag of CIM ResourceAllocationSettingData fields.  OVF 1.x
 * writes them in <Item> with rasd:, OVF 2.0 also in <StorageItem> (sasd:)
 * and <EthernetPortItem> (epasd:), OVF 0.9 spells InstanceId with a small d.
 * So fields are matched by local name, case-insensitively, whatever their
 * namespace, and the ResourceType number decides what the item is (CIM
 * values: 3 CPU, 4 memory, 5 IDE, 6 SCSI, 10 Ethernet, 14 floppy, 15/16
 * CD/DVD, 17 disk, 20 other storage (SATA, NVMe), 21 serial, 23 USB, 24
 * graphics; 35 is what VirtualBox writes for sound).  Every CIM host bus
 * adapter type is a controller (5 IDE, 6 parallel SCSI, 7 FC, 8 iSCSI, 9
 * InfiniBand, 20 other storage), its bus and model read from
 * ResourceSubType: Google's exporter marks its SCSI controller 8, VMware
 * its SATA and NVMe ones 20.  XenServer puts its disks in 19 (storage
 * extent) Items, without a Parent.
 *
 * oVirt (ovirt-engine, virt-v2v -o rhv) differs again: HostResource is the
 * Disk's "imagegroup/image" path, Parent is the nil UUID, CPUs are
 * num_of_sockets x cpu_per_socket x threads_per_cpu, and MACs are in
 * MACAddress.
 *
 * Items of another configuration than the chosen one are read (so their
 * faults are still found) and dropped before placing (ovf_config.c); an
 * Item for the chosen configuration replaces the one without
 * ovf:configuration that has its InstanceID, as the OVF spec says (Cisco
 * writes the 1-vCPU default plain and the larger ones per configuration).
 *
 * Items are collected first and placed in two passes, controllers before
 * drives, because a drive's Parent may come before its controller.
 */
#include "ovf_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The RASD fields we read. */
enum field {
	F_TYPE, F_SUBTYPE, F_INSTANCE, F_ELEMENT_NAME, F_CAPTION, F_HOST_RESOURCE, F_PARENT,
	F_ADDRESS_ON_PARENT, F_ADDRESS, F_BUS_NUMBER, F_QUANTITY, F_UNITS, F_CONNECTION,
	F_CORES, F_SOCKETS, F_CPU_PER_SOCKET, F_THREADS, F_MAC_ADDRESS, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"ResourceType", "ResourceSubType", "InstanceID", "ElementName", "Caption",
	"HostResource", "Parent", "AddressOnParent", "Address", "BusNumber", "VirtualQuantity",
	"AllocationUnits", "Connection", "CoresPerSocket", "num_of_sockets", "cpu_per_socket",
	"threads_per_cpu", "MACAddress",
};

/* oVirt's "no parent" (Guid.Empty). */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

struct item {
	const struct ovk_xml_node *node;   /* NULL once dropped */
	unsigned type;
	int for_config;                    /* it names configurations */
	char *f[F_COUNT];
};

static void item_free(struct item *it)
{
	for (int i = 0; i < F_COUNT; i++)
		free(it->f[i]);
}

static int item_read(const struct ovf_ctx *c, const struct ovk_xml_node *node, struct item *it)
{
	uint64_t type;

	it->node = node;
	for (const struct ovk_xml_node *n = ovk_xml_first(node); n; n = ovk_xml_next(n)) {
		for (int i = 0; i < F_COUNT; i++) {
			/* The first of a repeated field wins (Connection may repeat). */
			if (it->f[i] || strcasecmp(ovk_xml_name(n), field_names[i]) != 0)
				continue;
			if (ovk_ovf_text(c, n, &it->f[i]) != 0)
				return -1;
		}
	}
	if (!it->f[F_TYPE] || ovk_ovf_u64(it->f[F_TYPE], &type) != 0 || type > 65535)
		return ovk_ovf_fail(c, node, EINVAL, "item without a valid ResourceType");
	it->type = (unsigned)type;
	if (!it->f[F_INSTANCE] || !*it->f[F_INSTANCE])
		return ovk_ovf_fail(c, node, EINVAL, "item without an InstanceID");
	return 0;
}

static const char *item_name(const struct item *it)
{
	return it->f[F_ELEMENT_NAME] ? it->f[F_ELEMENT_NAME] : it->f[F_CAPTION];
}

/* An optional small integer (addresses, slots): -1 when absent. */
static int item_int(const struct ovf_ctx *c, const struct item *it, enum field f, int64_t *out)
{
	uint64_t v;

	*out = -1;
	if (!it->f[f])
		return 0;
	if (ovk_ovf_u64(it->f[f], &v) != 0 || v > INT32_MAX)
		return ovk_ovf_fail(c, it->node, EINVAL, "item %s: bad %s '%s'",
				    it->f[F_INSTANCE], field_names[f], it->f[f]);
	*out = (int64_t)v;
	return 0;
}

static int report_unknown(const struct ovf_ctx *c, const struct item *it,
			  struct ovk_ovf_system *vs)
{
	char what[256];

	snprintf(what, sizeof what, "Item %s (ResourceType %u%s%s%s%s)", it->f[F_INSTANCE],
		 it->type, it->f[F_SUBTYPE] ? ", " : "", it->f[F_SUBTYPE] ? it->f[F_SUBTYPE] : "",
		 item_name(it) ? ", " : "", item_name(it) ? item_name(it) : "");
	return ovk_ovf_add_unknown(c, it->node, &vs->unknown, &vs->n_unknown, what);
}

/* ------------------------------------------------------------ CPU, memory */

/* An optional topology factor in 1..OVK_OVF_MAX_CPUS: 1 when absent. */
static int cpu_factor(const struct ovf_ctx *c, const struct item *it, enum field f, uint64_t *out)
{
	*out = 1;
	if (!it->f[f])
		return 0;
	if (ovk_ovf_u64(it->f[f], out) != 0 || *out == 0 || *out > OVK_OVF_MAX_CPUS)
		return ovk_ovf_fail(c, it->node, EINVAL, "CPU item %s: %s '%s' is not in 1..%d",
				    it->f[F_INSTANCE], field_names[f], it->f[f], OVK_OVF_MAX_CPUS);
	return 0;
}

/* oVirt's topology: the count where no VirtualQuantity gives it, and the
 * cores per socket (with one thread each; libvirt's threads are not in
 * the model). */
static int ovirt_cpus(const struct ovf_ctx *c, const struct item *it, uint64_t *n,
		      uint64_t *cores)
{
	uint64_t sockets, per, threads;

	if (cpu_factor(c, it, F_SOCKETS, &sockets) != 0 ||
	    cpu_factor(c, it, F_CPU_PER_SOCKET, &per) != 0 ||
	    cpu_factor(c, it, F_THREADS, &threads) != 0)
		return -1;
	/* Each factor is at most 4096, so the product fits in 64 bits. */
	if (!it->f[F_QUANTITY])
		*n = sockets * per * threads;
	if (it->f[F_CPU_PER_SOCKET] && threads == 1 && *n == sockets * per)
		*cores = per;
	return 0;
}

static int place_cpu(const struct ovf_ctx *c, const struct item *it, struct ovk_ovf_system *vs)
{
	uint64_t n = 0, cores = 0;

	if (vs->cpus)
		return ovk_ovf_fail(c, it->node, EINVAL, "a second CPU item (%s)%s",
				    it->f[F_INSTANCE], c->config ? "" : " (without a "
				    "DeploymentOptionSection to choose between them)");
	if (it->f[F_QUANTITY] && ovk_ovf_u64(it->f[F_QUANTITY], &n) != 0)
		n = 0;
	if ((it->f[F_SOCKETS] || it->f[F_CPU_PER_SOCKET]) && ovirt_cpus(c, it, &n, &cores) != 0)
		return -1;
	if (n == 0 || n > OVK_OVF_MAX_CPUS)
		return ovk_ovf_fail(c, it->node, EINVAL, "CPU count '%s' is not in 1..%d",
				    it->f[F_QUANTITY] ? it->f[F_QUANTITY] : "(none)",
				    OVK_OVF_MAX_CPUS);
	if (it->f[F_CORES] && !cores &&
	    (ovk_ovf_u64(it->f[F_CORES], &cores) != 0 || cores == 0 || cores > n))
		return ovk_ovf_fail(c, it->node, EINVAL, "CoresPerSocket '%s' is not in 1..%llu",
				    it->f[F_CORES], (unsigned long long)n);
	vs->cpus = (uint32_t)n;
	vs->cores_per_socket = (uint32_t)cores;
	return 0;
}

static int place_memory(const struct ovf_ctx *c, const struct item *it,
			struct ovk_ovf_system *vs)
{
	if (vs->memory)
		return ovk_ovf_fail(c, it->node, EINVAL, "a second memory item (%s)",
				    it->f[F_INSTANCE]);
	if (!it->f[F_QUANTITY])
		return ovk_ovf_fail(c, it->node, EINVAL, "memory item without VirtualQuantity");
	/* Without AllocationUnits, every producer means MiB. */
	if (ovk_ovf_bytes(it->f[F_QUANTITY], it->f[F_UNITS], 20, OVK_OVF_MAX_MEMORY, &vs->memory,
			  c->err) != 0)
		return ovk_error_prefix(c->err, "%s:%ld: memory", c->name, ovk_xml_line(it->node));
	if (vs->memory == 0)
		return ovk_ovf_fail(c, it->node, EINVAL, "memory size is 0");
	return 0;
}

/* ------------------------------------------------------------ controllers */

/* Known SCSI models, as the lower-case names the model reports. */
static const char *const scsi_models[] = {
	"lsilogic", "lsilogicsas", "buslogic", "virtualscsi", "virtioscsi",
};

/* The first recognised word of a subtype such as "someother, lsilogic". */
static const char *scsi_model(const char *subtype)
{
	char word[64];
	const char *p = subtype;

	while (p && *p) {
		size_t n = 0;

		while (*p == ' ' || *p == ',')
			p++;
		while (p[n] && p[n] != ' ' && p[n] != ',')
			n++;
		if (n > 0 && n < sizeof word) {
			memcpy(word, p, n);
			word[n] = '\0';
			for (size_t i = 0; i < sizeof scsi_models / sizeof scsi_models[0]; i++)
				if (strcasecmp(word, scsi_models[i]) == 0)
					return scsi_models[i];
		}
		p += n;
	}
	return NULL;
}

/* The bus of a host bus adapter Item: what its ResourceSubType names, else
 * what its ResourceType is (SCSI for the SCSI transports, SATA for
 * "other storage"). */
static enum ovk_ovf_bus hba_bus(unsigned type, const char *subtype)
{
	if (subtype && (strcasecmp(subtype, "AHCI") == 0 || strcasecmp(subtype, "SATA") == 0 ||
			strcasecmp(subtype, "vmware.sata.ahci") == 0))
		return OVK_OVF_BUS_SATA;
	if (subtype && (strcasecmp(subtype, "NVMe") == 0 ||
			strcasecmp(subtype, "vmware.nvme.controller") == 0))
		return OVK_OVF_BUS_NVME;
	if (subtype && (strncasecmp(subtype, "PIIX", 4) == 0 || strcasecmp(subtype, "IDE") == 0 ||
			strcasecmp(subtype, "ICH6") == 0))
		return OVK_OVF_BUS_IDE;
	if (scsi_model(subtype))
		return OVK_OVF_BUS_SCSI;
	switch (type) {
	case 5:
		return OVK_OVF_BUS_IDE;
	case 20:
		return OVK_OVF_BUS_SATA;
	default:
		return OVK_OVF_BUS_SCSI;
	}
}

static int place_controller(const struct ovf_ctx *c, const struct item *it,
			    struct ovk_ovf_system *vs, enum ovk_ovf_bus bus)
{
	struct ovk_ovf_controller *ctl;
	const char *model = NULL;

	ctl = ovk_ovf_grow(c, it->node, &vs->controllers, &vs->n_controllers, sizeof *ctl,
			   OVK_OVF_MAX_ITEMS, "controllers");
	if (!ctl)
		return -1;
	ctl->bus = bus;
	if (bus == OVK_OVF_BUS_SCSI)
		model = scsi_model(it->f[F_SUBTYPE]);
	if (item_int(c, it, F_ADDRESS, &ctl->address) != 0)
		return -1;
	if (ctl->address < 0 && item_int(c, it, F_BUS_NUMBER, &ctl->address) != 0)
		return -1;
	if (ovk_ovf_dup(c, it->node, it->f[F_INSTANCE], &ctl->instance_id) != 0 ||
	    ovk_ovf_dup(c, it->node, it->f[F_SUBTYPE], &ctl->subtype) != 0 ||
	    ovk_ovf_dup(c, it->node, model, &ctl->scsi_model) != 0 ||
	    ovk_ovf_dup(c, it->node, item_name(it), &ctl->name) != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ drives */

/* HostResource: "ovf:/disk/ID", "/disk/ID", "ovf://disk/ID", or the same
 * with "file/" for an ISO.  *kind gets "disk" or "file". */
static const char *host_resource_id(const char *hr, const char **kind)
{
	if (strncmp(hr, "ovf:", 4) == 0)
		hr += 4;
	while (*hr == '/')
		hr++;
	if (strncmp(hr, "disk/", 5) == 0) {
		*kind = "disk";
		return hr[5] ? hr + 5 : NULL;
	}
	if (strncmp(hr, "file/", 5) == 0) {
		*kind = "file";
		return hr[5] ? hr + 5 : NULL;
	}
	return NULL;
}

static int find_controller(const struct ovk_ovf_system *vs, const char *instance)
{
	for (size_t i = 0; instance && i < vs->n_controllers; i++)
		if (strcmp(vs->controllers[i].instance_id, instance) == 0)
			return (int)i;
	return -1;
}

/* oVirt: "imagegroup/image" names the Disk whose diskId is the image. */
static const char *ovirt_disk_id(const char *hr)
{
	const char *slash = strrchr(hr, '/');

	return slash && slash[1] && slash != hr ? slash + 1 : NULL;
}

/* The Disk or File a drive Item shows; *kind "disk" or "file". */
static const char *drive_target(const struct ovf_ctx *c, const char *hr, const char **kind)
{
	const char *id = host_resource_id(hr, kind);

	if (!id && c->dialect == OVK_OVF_DIALECT_OVIRT && (id = ovirt_disk_id(hr)))
		*kind = "disk";
	return id;
}

static const char *parent_of(const struct ovf_ctx *c, const struct item *it)
{
	const char *p = it->f[F_PARENT];

	if (p && c->dialect == OVK_OVF_DIALECT_OVIRT && (!*p || strcmp(p, NIL_UUID) == 0))
		return NULL;
	return p;
}

static int place_drive(const struct ovf_ctx *c, const struct item *it, struct ovk_ovf_system *vs,
		       enum ovk_ovf_drive_type type)
{
	struct ovk_ovf_drive *dr;
	const char *hr = it->f[F_HOST_RESOURCE];
	const char *kind = NULL, *id = NULL;

	if (hr && *hr) {
		id = drive_target(c, hr, &kind);
		if (!id && type == OVK_OVF_DRIVE_DISK)
			return ovk_ovf_fail(c, it->node, EINVAL, "disk item %s: HostResource '%s' "
					    "is not ovf:/disk/ID", it->f[F_INSTANCE], hr);
	}
	dr = ovk_ovf_grow(c, it->node, &vs->drives, &vs->n_drives, sizeof *dr, OVK_OVF_MAX_ITEMS,
			  "drives");
	if (!dr)
		return -1;
	dr->type = type;
	dr->controller = find_controller(vs, parent_of(c, it));
	if (parent_of(c, it) && dr->controller < 0)
		return ovk_ovf_fail(c, it->node, EINVAL, "item %s: Parent '%s' is not a "
				    "controller", it->f[F_INSTANCE], it->f[F_PARENT]);
	if (type == OVK_OVF_DRIVE_DISK && dr->controller < 0 &&
	    ovk_ovf_warn(c, it->node, &vs->warnings, &vs->n_warnings, "disk item %s (%s) names "
			 "no controller: it goes on the machine type's default one (IDE on pc, "
			 "SATA on q35)", it->f[F_INSTANCE], hr ? hr : "no HostResource") != 0)
		return -1;
	if (item_int(c, it, F_ADDRESS_ON_PARENT, &dr->address_on_parent) != 0)
		return -1;
	if (ovk_ovf_dup(c, it->node, it->f[F_INSTANCE], &dr->instance_id) != 0 ||
	    ovk_ovf_dup(c, it->node, hr, &dr->host_resource) != 0 ||
	    ovk_ovf_dup(c, it->node, item_name(it), &dr->name) != 0)
		return -1;
	if (id && strcmp(kind, "disk") == 0)
		return ovk_ovf_dup(c, it->node, id, &dr->disk_id);
	if (id)
		return ovk_ovf_dup(c, it->node, id, &dr->file_ref);
	return 0;
}

/* ------------------------------------------------------------ NICs, others */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ovk_ovf_mac(const char *in, char out[18])
{
	static const char hex[] = "0123456789abcdef";
	char nib[12];
	int n = 0;

	for (const char *p = in; *p; p++) {
		int v = hexval(*p);

		if (v >= 0 && n < 12) {
			nib[n++] = hex[v];
			continue;
		}
		/* Separators only between whole bytes. */
		if ((*p == ':' || *p == '-') && n % 2 == 0 && n > 0 && n < 12)
			continue;
		return -1;
	}
	if (n != 12)
		return -1;
	for (int i = 0; i < 6; i++) {
		out[3 * i] = nib[2 * i];
		out[3 * i + 1] = nib[2 * i + 1];
		out[3 * i + 2] = i < 5 ? ':' : '\0';
	}
	return 0;
}

static int place_nic(const struct ovf_ctx *c, const struct item *it, struct ovk_ovf_system *vs)
{
	struct ovk_ovf_nic *nic;
	char mac[18];

	nic = ovk_ovf_grow(c, it->node, &vs->nics, &vs->n_nics, sizeof *nic, OVK_OVF_MAX_ITEMS,
			   "NICs");
	if (!nic)
		return -1;
	if (it->f[F_ADDRESS] && *it->f[F_ADDRESS]) {
		if (ovk_ovf_mac(it->f[F_ADDRESS], mac) != 0)
			return ovk_ovf_fail(c, it->node, EINVAL, "NIC %s: Address '%s' is not a "
					    "MAC address", it->f[F_INSTANCE], it->f[F_ADDRESS]);
		if (ovk_ovf_dup(c, it->node, mac, &nic->mac) != 0)
			return -1;
	} else if (it->f[F_MAC_ADDRESS] && *it->f[F_MAC_ADDRESS]) {
		if (ovk_ovf_mac(it->f[F_MAC_ADDRESS], mac) != 0)
			return ovk_ovf_fail(c, it->node, EINVAL, "NIC %s: MACAddress '%s' is not a "
					    "MAC address", it->f[F_INSTANCE], it->f[F_MAC_ADDRESS]);
		if (ovk_ovf_dup(c, it->node, mac, &nic->mac) != 0)
			return -1;
	}
	if (item_int(c, it, F_ADDRESS_ON_PARENT, &nic->address_on_parent) != 0)
		return -1;
	if (ovk_ovf_dup(c, it->node, it->f[F_INSTANCE], &nic->instance_id) != 0 ||
	    ovk_ovf_dup(c, it->node, it->f[F_SUBTYPE], &nic->model) != 0 ||
	    ovk_ovf_dup(c, it->node, it->f[F_CONNECTION], &nic->network) != 0 ||
	    ovk_ovf_dup(c, it->node, item_name(it), &nic->name) != 0)
		return -1;
	return 0;
}

static int place_device(const struct ovf_ctx *c, const struct item *it,
			struct ovk_ovf_system *vs, enum ovk_ovf_device_type type)
{
	struct ovk_ovf_device *d;

	d = ovk_ovf_grow(c, it->node, &vs->devices, &vs->n_devices, sizeof *d, OVK_OVF_MAX_ITEMS,
			 "devices");
	if (!d)
		return -1;
	d->type = type;
	if (ovk_ovf_dup(c, it->node, it->f[F_INSTANCE], &d->instance_id) != 0 ||
	    ovk_ovf_dup(c, it->node, it->f[F_SUBTYPE], &d->subtype) != 0 ||
	    ovk_ovf_dup(c, it->node, item_name(it), &d->name) != 0)
		return -1;
	return 0;
}

/* Pass 1: everything that is not a drive. */
static int place_first(const struct ovf_ctx *c, const struct item *it, struct ovk_ovf_system *vs)
{
	const char *sub = it->f[F_SUBTYPE];

	switch (it->type) {
	case 3:
		return place_cpu(c, it, vs);
	case 4:
		return place_memory(c, it, vs);
	case 5: case 6: case 7: case 8: case 9: case 20:
		return place_controller(c, it, vs, hba_bus(it->type, sub));
	case 10:
		return place_nic(c, it, vs);
	case 14: case 15: case 16: case 17: case 19:
		return 0;
	case 21:
		return place_device(c, it, vs, OVK_OVF_DEV_SERIAL);
	case 23:
		return place_device(c, it, vs, OVK_OVF_DEV_USB);
	case 24:
		return place_device(c, it, vs, OVK_OVF_DEV_VIDEO);
	case 35:
		return place_device(c, it, vs, OVK_OVF_DEV_SOUND);
	case 1:
		if (sub && strncasecmp(sub, "vmware.soundcard", 16) == 0)
			return place_device(c, it, vs, OVK_OVF_DEV_SOUND);
		return report_unknown(c, it, vs);
	default:
		return report_unknown(c, it, vs);
	}
}

static int place_second(const struct ovf_ctx *c, const struct item *it,
			struct ovk_ovf_system *vs)
{
	switch (it->type) {
	case 14:
		return place_drive(c, it, vs, OVK_OVF_DRIVE_FLOPPY);
	case 15: case 16:
		return place_drive(c, it, vs, OVK_OVF_DRIVE_CDROM);
	case 17: case 19:
		return place_drive(c, it, vs, OVK_OVF_DRIVE_DISK);
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ section */

static int is_vmw(const struct ovk_xml_node *n, const char *local)
{
	const char *ns = ovk_xml_ns(n);

	return ns && strcmp(ns, OVK_NS_VMW) == 0 && strcmp(ovk_xml_name(n), local) == 0;
}

/* vmw:Config and vmw:ExtraConfig: kept as pairs; firmware, secure boot and
 * the NVRAM file are read from them. */
static int hw_config(const struct ovf_ctx *c, const struct ovk_xml_node *n,
		     struct ovk_ovf_system *vs)
{
	const char *key = ovk_ovf_attr_in(n, OVK_NS_VMW, "key");
	const char *value = ovk_ovf_attr_in(n, OVK_NS_VMW, "value");
	struct ovk_ovf_config *kv;

	if (!key || !value)
		return ovk_ovf_fail(c, n, EINVAL, "<vmw:%s> without vmw:key and vmw:value",
				    ovk_xml_name(n));
	kv = ovk_ovf_grow(c, n, &vs->config, &vs->n_config, sizeof *kv, OVK_OVF_MAX_ITEMS,
			  "vmw:Config entries");
	if (!kv || ovk_ovf_dup(c, n, key, &kv->key) != 0 ||
	    ovk_ovf_dup(c, n, value, &kv->value) != 0)
		return -1;
	if (strcmp(key, "firmware") == 0) {
		if (strcasecmp(value, "efi") == 0)
			vs->firmware = OVK_OVF_FW_EFI;
		else if (strcasecmp(value, "bios") == 0)
			vs->firmware = OVK_OVF_FW_BIOS;
		else
			return ovk_ovf_fail(c, n, EINVAL, "unknown firmware '%s'", value);
	} else if (strcasecmp(key, "uefi.secureBoot.enabled") == 0) {
		vs->secure_boot = strcasecmp(value, "true") == 0;
	} else if (strcmp(key, "nvram") == 0 && strncmp(value, "ovf:/file/", 10) == 0) {
		free(vs->nvram_file_ref);
		return ovk_ovf_dup(c, n, value + 10, &vs->nvram_file_ref);
	}
	return 0;
}

static int hw_system(const struct ovf_ctx *c, const struct ovk_xml_node *sys,
		     struct ovk_ovf_system *vs)
{
	for (const struct ovk_xml_node *n = ovk_xml_first(sys); n; n = ovk_xml_next(n)) {
		if (strcmp(ovk_xml_name(n), "VirtualSystemType") == 0 && !vs->system_type)
			return ovk_ovf_text(c, n, &vs->system_type);
	}
	return 0;
}

/* An Item of another configuration: dropped, but the disk it would attach
 * is remembered, so that ovk_ovf_check_use() does not call it dropped. */
static int other_config(const struct ovf_ctx *c, struct ovk_ovf_system *vs, struct item *it)
{
	const char *kind = NULL, *id = NULL;
	int ret = 0;

	if ((it->type == 17 || it->type == 19) && it->f[F_HOST_RESOURCE])
		id = drive_target(c, it->f[F_HOST_RESOURCE], &kind);
	if (id && strcmp(kind, "disk") == 0)
		ret = ovk_ovf_add_string(c, it->node, &vs->other_config_disks,
					 &vs->n_other_config_disks, id);
	item_free(it);
	memset(it, 0, sizeof *it);
	return ret;
}

/* The plain Items that an Item of the chosen configuration replaces. */
static int drop_overridden(const struct ovf_ctx *c, struct ovk_ovf_system *vs,
			   struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i].for_config || !items[i].node)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!items[j].for_config ||
			    strcmp(items[j].f[F_INSTANCE], items[i].f[F_INSTANCE]) != 0)
				continue;
			if (other_config(c, vs, &items[i]) != 0)
				return -1;
			break;
		}
	}
	return 0;
}

static int is_item(const struct ovf_ctx *c, const struct ovk_xml_node *n)
{
	return ovk_ovf_is(c, n, "Item") || ovk_ovf_is(c, n, "StorageItem") ||
	       ovk_ovf_is(c, n, "EthernetPortItem");
}

int ovk_ovf_parse_hardware(const struct ovf_ctx *c, const struct ovk_xml_node *sec,
			   struct ovk_ovf_system *vs)
{
	struct item *items = NULL;
	size_t n_items = 0, i;
	int ret = -1;

	for (const struct ovk_xml_node *n = ovk_xml_first(sec); n; n = ovk_xml_next(n)) {
		struct item *it;

		if (is_item(c, n)) {
			it = ovk_ovf_grow(c, n, &items, &n_items, sizeof *it, OVK_OVF_MAX_ITEMS,
					  "hardware items");
			if (!it || item_read(c, n, it) != 0)
				goto out;
			it->for_config = ovk_ovf_attr(c, n, "configuration") != NULL;
			if (!ovk_ovf_in_config(c, n) && other_config(c, vs, &items[--n_items]) != 0)
				goto out;
		} else if (is_vmw(n, "Config") || is_vmw(n, "ExtraConfig")) {
			if (hw_config(c, n, vs) != 0)
				goto out;
		} else if (ovk_ovf_is(c, n, "System")) {
			if (hw_system(c, n, vs) != 0)
				goto out;
		} else if (!ovk_ovf_is(c, n, "Info") &&
			   ovk_ovf_add_unknown(c, n, &vs->unknown, &vs->n_unknown,
					       ovk_xml_name(n)) != 0) {
			goto out;
		}
	}
	if (drop_overridden(c, vs, items, n_items) != 0)
		goto out;
	for (i = 0; i < n_items; i++)
		if (items[i].node && place_first(c, &items[i], vs) != 0)
			goto out;
	for (i = 0; i < n_items; i++)
		if (items[i].node && place_second(c, &items[i], vs) != 0)
			goto out;
	ret = 0;
out:
	for (i = 0; i < n_items; i++)
		item_free(&items[i]);
	free(items);
	return ret;
}

/* ------------------------------------------------------------ vbox:Machine */

/* VirtualBox keeps the MAC addresses only in its own machine config; its
 * exporter writes one Ethernet item per enabled adapter, in slot order, so
 * the k-th enabled adapter is the k-th NIC. */
static int vbox_macs(const struct ovf_ctx *c, const struct ovk_xml_node *net,
		     struct ovk_ovf_system *vs)
{
	size_t k = 0;

	for (const struct ovk_xml_node *a = ovk_xml_first(net); a && k < vs->n_nics;
	     a = ovk_xml_next(a)) {
		const char *en = ovk_xml_attr(a, "enabled");
		const char *mac = ovk_xml_attr(a, "MACAddress");
		char norm[18];

		if (strcmp(ovk_xml_name(a), "Adapter") != 0 || !en || strcmp(en, "true") != 0)
			continue;
		if (mac && !vs->nics[k].mac) {
			if (ovk_ovf_mac(mac, norm) != 0)
				return ovk_ovf_fail(c, a, EINVAL, "vbox Adapter: bad MACAddress '%s'",
						    mac);
			if (ovk_ovf_dup(c, a, norm, &vs->nics[k].mac) != 0)
				return -1;
		}
		k++;
	}
	return 0;
}

int ovk_ovf_parse_vbox_machine(const struct ovf_ctx *c, const struct ovk_xml_node *m,
			       struct ovk_ovf_system *vs)
{
	const struct ovk_xml_node *hw = ovk_xml_child(m, "Hardware");
	const struct ovk_xml_node *fw, *net;
	const char *type;

	if (!hw)
		return 0;
	fw = ovk_xml_child(hw, "Firmware");
	type = ovk_xml_attr(fw, "type");
	/* VirtualBox's types: BIOS, EFI, EFI32, EFI64, EFIDUAL. */
	if (type && strncasecmp(type, "EFI", 3) == 0)
		vs->firmware = OVK_OVF_FW_EFI;
	else if (type && strcasecmp(type, "BIOS") == 0)
		vs->firmware = OVK_OVF_FW_BIOS;
	else if (type)
		return ovk_ovf_fail(c, fw, EINVAL, "unknown VirtualBox firmware '%s'", type);
	net = ovk_xml_child(hw, "Network");
	if (net && vbox_macs(c, net, vs) != 0)
		return -1;
	return 0;
}
