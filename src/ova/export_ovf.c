/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export_ovf.c: a machine in libvirt's terms mapped to VMware's, and the
 * OVF envelope that says so (export.h has the package around it).
 *
 * The mapping, decided once in ovk_exp_map_new() so that the notes, the
 * --json summary and both renderings of the OVF agree:
 *   disks      virtio-scsi/SCSI -> lsilogicsas (VirtualSCSI with pvscsi);
 *              SATA -> AHCI (ResourceType 20, vmware.sata.ahci); IDE -> IDE
 *              (two controllers of two units, as VMware has); virtio-blk
 *              and NVMe -> NVMe from vmx-13, else lsilogicsas;
 *   CD-ROMs    on IDE where they were, else on SATA;
 *   NICs       virtio -> VmxNet3, e1000e -> E1000e, the rest -> E1000;
 *   OS         libosinfo's id -> vmw:osType and the CIM OperatingSystem id.
 * Within an Item the rasd elements are in the schema's (alphabetical)
 * order, VMware's extensions after them, as DSP8023 requires.
 */
#include "ova/export.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xmlw.h"

/* Notes a mapping can give: one per disk and NIC at most, plus a few. */
#define MAP_MAX_NOTES 64
#define NOTE_LEN 256
/* Controllers: one SCSI, one SATA, one NVMe and two IDE at most. */
#define MAP_MAX_CTRL 5
/* Units per controller, as VMware numbers them (SCSI 7 is the HBA). */
#define SCSI_UNITS 16u
#define SCSI_HBA_UNIT 7u
#define SATA_UNITS 30u
#define NVME_UNITS 15u
#define IDE_UNITS 2u
/* The widest number: 2^64 - 1 has 20 digits. */
#define WIDEST "99999999999999999999"
#define VMDK_STREAM_URI "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"
#define DEFAULT_NETWORK "VM Network"

enum ctrl_kind { CTRL_SCSI, CTRL_SATA, CTRL_NVME, CTRL_IDE0, CTRL_IDE1 };

struct ctrl {
	int used;
	unsigned instance;      /* InstanceID */
	unsigned next_unit;
};

struct drive {
	enum ctrl_kind ctrl;
	unsigned unit;
};

struct ovk_exp_map {
	unsigned hw;
	unsigned ovf_version;
	const char *scsi_subtype;
	const char *os_type;    /* vmw:osType */
	unsigned os_cim;
	struct ctrl ctrl[MAP_MAX_CTRL];
	struct drive *drives;   /* one per disk */
	const char **nic_models;
	char notes[MAP_MAX_NOTES][NOTE_LEN];
	size_t n_notes;
};

static const char *const ctrl_label[MAP_MAX_CTRL] = { "SCSI", "SATA", "NVMe", "IDE", "IDE" };
static const char *const bus_name[] = { "scsi", "sata", "ide", "virtio", "nvme" };

__attribute__((format(printf, 2, 3))) static void note(struct ovk_exp_map *m, const char *fmt,
						       ...)
{
	va_list ap;

	if (m->n_notes == MAP_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(m->notes[m->n_notes++], NOTE_LEN, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ OS */

struct os_map {
	const char *match;      /* in the lower-cased libosinfo id */
	unsigned min_version;   /* the id's trailing number at least this, 0: any */
	const char *os_type;
	unsigned cim;           /* CIM_OperatingSystem OSType */
};

/* First match wins: newer versions before older ones.  Only osTypes that
 * ESXi 6.7 knows, so that the default hardware version can take them. */
static const struct os_map os_table[] = {
	{ "debian", 10, "debian10_64Guest", 96 },
	{ "debian", 9, "debian9_64Guest", 96 },
	{ "debian", 0, "debian8_64Guest", 96 },
	{ "ubuntu", 0, "ubuntu64Guest", 94 },
	{ "rhel", 8, "rhel8_64Guest", 80 },
	{ "rhel", 0, "rhel7_64Guest", 80 },
	{ "centos", 8, "centos8_64Guest", 107 },
	{ "centos", 0, "centos7_64Guest", 107 },
	{ "fedora", 0, "fedora64Guest", 101 },
	{ "sles", 15, "sles15_64Guest", 85 },
	{ "opensuse", 0, "opensuse64Guest", 101 },
	{ "freebsd", 12, "freebsd12_64Guest", 78 },
	{ "freebsd", 0, "freebsd64Guest", 78 },
	{ "win2k19", 0, "windows2019srv_64Guest", 1 },
	{ "win2k22", 0, "windows2019srv_64Guest", 1 },
	{ "win2k16", 0, "windows9Server64Guest", 1 },
	{ "win1", 0, "windows9_64Guest", 1 },   /* win10, win11 */
	{ "win", 0, "windows9_64Guest", 1 },
	{ "linux", 0, "otherLinux64Guest", 101 },
	{ "alpine", 0, "otherLinux64Guest", 101 },
	{ "arch", 0, "otherLinux64Guest", 101 },
};

/* The number an id ends in ("debian12", ".../debian/12", "rhel8.6": 8). */
static unsigned id_version(const char *id)
{
	const char *p = id + strlen(id);

	while (p > id && (isdigit((unsigned char)p[-1]) || p[-1] == '.'))
		p--;
	return (unsigned)strtoul(p, NULL, 10);
}

static void map_os(struct ovk_exp_map *m, const char *os)
{
	char low[256];
	size_t i;

	m->os_type = "otherGuest64";
	m->os_cim = 102;   /* Other 64-Bit */
	if (!os) {
		note(m, "OS unknown (no libosinfo metadata): vmw:osType otherGuest64; "
		     "--os names it");
		return;
	}
	if (strstr(os, "Guest")) {   /* a VMware osType, given as is */
		m->os_type = os;
		m->os_cim = 1;
		return;
	}
	for (i = 0; os[i] && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)os[i]);
	low[i] = 0;
	for (i = 0; i < sizeof os_table / sizeof os_table[0]; i++) {
		const struct os_map *e = &os_table[i];

		if (strstr(low, e->match) && id_version(low) >= e->min_version) {
			m->os_type = e->os_type;
			m->os_cim = e->cim;
			note(m, "OS %s: vmw:osType %s, CIM id %u", os, m->os_type, m->os_cim);
			return;
		}
	}
	note(m, "OS %s: not in the table, vmw:osType otherGuest64", os);
}

/* ---------------------------------------------------------- controllers */

/* A free unit on controller kind k: 0, or -1 when it is full. */
static int take_unit(struct ovk_exp_map *m, enum ctrl_kind k, unsigned *unit)
{
	static const unsigned units[MAP_MAX_CTRL] = { SCSI_UNITS, SATA_UNITS, NVME_UNITS,
						      IDE_UNITS, IDE_UNITS };
	struct ctrl *c = &m->ctrl[k];

	if (k == CTRL_SCSI && c->next_unit == SCSI_HBA_UNIT)
		c->next_unit++;
	if (c->next_unit >= units[k])
		return -1;
	c->used = 1;
	*unit = c->next_unit++;
	return 0;
}

static int place(struct ovk_exp_map *m, const struct ovk_exp_disk *d, enum ctrl_kind k,
		 struct drive *dr, struct ovk_error *err)
{
	if (k == CTRL_IDE0 && take_unit(m, CTRL_IDE0, &dr->unit) == 0) {
		dr->ctrl = CTRL_IDE0;
		return 0;
	}
	if (k == CTRL_IDE0)
		k = CTRL_IDE1;
	if (take_unit(m, k, &dr->unit) < 0)
		return ovk_error_set(err, ENOSPC, "%s: no free unit on the %s controller",
				     d->target, ctrl_label[k]);
	dr->ctrl = k;
	return 0;
}

/* Which controller a drive goes on, with a note where it is not its own. */
static enum ctrl_kind pick_ctrl(struct ovk_exp_map *m, const struct ovk_exp_disk *d)
{
	if (d->cdrom) {
		if (d->bus == OVK_EXP_BUS_IDE)
			return CTRL_IDE0;
		if (d->bus != OVK_EXP_BUS_SATA)
			note(m, "%s: CD-ROM on %s goes on SATA", d->target, bus_name[d->bus]);
		return CTRL_SATA;
	}
	switch (d->bus) {
	case OVK_EXP_BUS_SATA:
		return CTRL_SATA;
	case OVK_EXP_BUS_IDE:
		return CTRL_IDE0;
	case OVK_EXP_BUS_VIRTIO:
	case OVK_EXP_BUS_NVME:
		if (m->hw >= OVK_EXP_HW_NVME) {
			note(m, "%s: %s becomes NVMe (the guest needs an NVMe driver)", d->target,
			     d->bus == OVK_EXP_BUS_VIRTIO ? "virtio-blk" : "nvme");
			return CTRL_NVME;
		}
		note(m, "%s: %s becomes SCSI %s: vmx-%02u has no NVMe (vmx-%02u has)", d->target,
		     bus_name[d->bus], m->scsi_subtype, m->hw, OVK_EXP_HW_NVME);
		return CTRL_SCSI;
	case OVK_EXP_BUS_SCSI:
	default:
		return CTRL_SCSI;
	}
}

static int map_drives(struct ovk_exp_map *m, const struct ovk_exp_vm *vm, struct ovk_error *err)
{
	unsigned instance = 3;   /* 1 CPU, 2 memory */

	for (size_t i = 0; i < vm->n_disks; i++)
		if (place(m, &vm->disks[i], pick_ctrl(m, &vm->disks[i]), &m->drives[i], err) < 0)
			return -1;
	for (int k = 0; k < MAP_MAX_CTRL; k++)
		if (m->ctrl[k].used)
			m->ctrl[k].instance = instance++;
	if (m->ctrl[CTRL_SCSI].used)
		note(m, "SCSI disks on %s%s", m->scsi_subtype,
		     strcmp(m->scsi_subtype, "lsilogicsas") == 0
			     ? " (every guest has its driver; --scsi pvscsi for VMware's paravirtual one)"
			     : "");
	return 0;
}

/* ----------------------------------------------------------------- NICs */

static const char *vmware_nic(const char *model)
{
	if (!model || strcasecmp(model, "virtio") == 0 || strcasecmp(model, "vmxnet3") == 0)
		return "VmxNet3";
	if (strcasecmp(model, "e1000e") == 0)
		return "E1000e";
	if (strcasecmp(model, "e1000") == 0)
		return "E1000";
	return NULL;
}

static void map_nics(struct ovk_exp_map *m, const struct ovk_exp_vm *vm,
		     const struct ovk_exp_opts *opts)
{
	int vmxnet3 = 0;

	for (size_t i = 0; i < vm->n_nics; i++) {
		const char *want = opts->nic_model ? opts->nic_model : vm->nics[i].model;
		const char *got = vmware_nic(want);

		if (!got) {
			got = "E1000";
			note(m, "NIC %zu: model %s becomes E1000", i + 1, want);
		}
		vmxnet3 |= strcmp(got, "VmxNet3") == 0;
		m->nic_models[i] = got;
		if (vm->nics[i].mac && strncasecmp(vm->nics[i].mac, "00:50:56", 8) != 0)
			note(m, "NIC %zu: MAC %s kept; vSphere may give a MAC outside VMware's "
			     "range a new one at import", i + 1, vm->nics[i].mac);
	}
	if (vmxnet3)
		note(m, "NICs as VmxNet3 (needs VMware Tools or open-vm-tools in the guest; "
		     "--nic e1000e otherwise)");
}

int ovk_exp_map_new(const struct ovk_exp_vm *vm, const struct ovk_exp_opts *opts,
		    struct ovk_exp_map **out, struct ovk_error *err)
{
	struct ovk_exp_map *m = calloc(1, sizeof *m);
	int ret = -1;

	if (!m || !(m->drives = calloc(vm->n_disks + 1, sizeof *m->drives)) ||
	    !(m->nic_models = calloc(vm->n_nics + 1, sizeof *m->nic_models))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	m->hw = opts->hw_version ? opts->hw_version : OVK_EXP_HW_DEFAULT;
	m->ovf_version = opts->ovf_version ? opts->ovf_version : 1;
	m->scsi_subtype = opts->pvscsi ? "VirtualSCSI" : "lsilogicsas";
	if (!opts->hw_version)
		note(m, "hardware version vmx-%02u (ESXi 6.7+, Workstation 15+, VirtualBox 6+); "
		     "--hw-version sets another", m->hw);
	if (vm->secure_boot && m->hw < OVK_EXP_HW_NVME) {
		ovk_error_set(err, EINVAL, "secure boot needs vmx-%02u or later (asked: vmx-%02u)",
			      OVK_EXP_HW_NVME, m->hw);
		goto out;
	}
	map_os(m, vm->os);
	if (map_drives(m, vm, err) < 0)
		goto out;
	map_nics(m, vm, opts);
	if (vm->memory % (1u << 20))
		note(m, "memory %" PRIu64 " bytes rounded up to whole MiB", vm->memory);
	*out = m;
	m = NULL;
	ret = 0;
out:
	ovk_exp_map_free(m);
	return ret;
}

void ovk_exp_map_free(struct ovk_exp_map *m)
{
	if (!m)
		return;
	free(m->drives);
	free(m->nic_models);
	free(m);
}

void ovk_exp_map_notes(const struct ovk_exp_map *m, const struct ovk_exp_opts *opts)
{
	for (size_t i = 0; opts->note && i < m->n_notes; i++)
		opts->note(opts->note_opaque, m->notes[i]);
}

void ovk_exp_map_info(const struct ovk_exp_map *m, struct ovk_info *info)
{
	char hw[16];

	snprintf(hw, sizeof hw, "vmx-%02u", m->hw);
	ovk_info_str(info, "virtual-system-type", hw);
	ovk_info_str(info, "os-type", m->os_type);
	ovk_info_u64(info, "os-cim-id", m->os_cim);
	ovk_info_begin_list(info, "notes");
	for (size_t i = 0; i < m->n_notes; i++)
		ovk_info_str(info, NULL, m->notes[i]);
	ovk_info_end(info);
}

/* ------------------------------------------------------------------ XML */

typedef struct ovk_xw_node node;

/* An Item: the rasd children are added by the caller, in order. */
static node *item(node *vhs)
{
	return ovk_xw_child(vhs, "Item", NULL);
}

static void rasd(node *it, const char *name, const char *text)
{
	char q[64];

	snprintf(q, sizeof q, "rasd:%s", name);
	ovk_xw_child(it, q, text);
}

__attribute__((format(printf, 3, 4))) static void rasdf(node *it, const char *name,
							const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rasd(it, name, buf);
}

static void envelope_attrs(node *env, unsigned ovf_version)
{
	const char *ovf = ovf_version == 2 ? "http://schemas.dmtf.org/ovf/envelope/2"
					   : "http://schemas.dmtf.org/ovf/envelope/1";

	ovk_xw_attr(env, "xmlns", ovf);
	ovk_xw_attr(env, "xmlns:cim", "http://schemas.dmtf.org/wbem/wscim/1/common");
	ovk_xw_attr(env, "xmlns:ovf", ovf);
	ovk_xw_attr(env, "xmlns:rasd",
		    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
		    "CIM_ResourceAllocationSettingData");
	ovk_xw_attr(env, "xmlns:vmw", "http://www.vmware.com/schema/ovf");
	ovk_xw_attr(env, "xmlns:vssd",
		    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
		    "CIM_VirtualSystemSettingData");
	ovk_xw_attr(env, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
}

/* A size, or the widest number for the reservation. */
static void size_attr(node *n, const char *name, uint64_t v, int widest)
{
	if (widest)
		ovk_xw_attr(n, name, WIDEST);
	else
		ovk_xw_attrf(n, name, "%" PRIu64, v);
}

static void references_and_disks(node *env, const struct ovk_exp_vm *vm, int widest)
{
	node *refs = ovk_xw_child(env, "References", NULL);
	node *ds;
	unsigned k = 0;

	for (size_t i = 0; i < vm->n_disks; i++) {
		node *f;

		if (vm->disks[i].cdrom)
			continue;
		f = ovk_xw_child(refs, "File", NULL);
		ovk_xw_attr(f, "ovf:href", vm->disks[i].file);
		ovk_xw_attrf(f, "ovf:id", "file%u", ++k);
		size_attr(f, "ovf:size", vm->disks[i].file_size, widest);
	}
	ds = ovk_xw_child(env, "DiskSection", NULL);
	ovk_xw_child(ds, "Info", "Virtual disk information");
	k = 0;
	for (size_t i = 0; i < vm->n_disks; i++) {
		node *d;

		if (vm->disks[i].cdrom)
			continue;
		d = ovk_xw_child(ds, "Disk", NULL);
		size_attr(d, "ovf:capacity", vm->disks[i].capacity, widest);
		ovk_xw_attr(d, "ovf:capacityAllocationUnits", "byte");
		ovk_xw_attrf(d, "ovf:diskId", "vmdisk%u", ++k);
		ovk_xw_attrf(d, "ovf:fileRef", "file%u", k);
		ovk_xw_attr(d, "ovf:format", VMDK_STREAM_URI);
		size_attr(d, "ovf:populatedSize", vm->disks[i].populated, widest);
	}
}

static const char *nic_network(const struct ovk_exp_nic *n)
{
	return n->network ? n->network : DEFAULT_NETWORK;
}

static void networks(node *env, const struct ovk_exp_vm *vm)
{
	node *ns;

	if (!vm->n_nics)
		return;
	ns = ovk_xw_child(env, "NetworkSection", NULL);
	ovk_xw_child(ns, "Info", "The list of logical networks");
	for (size_t i = 0; i < vm->n_nics; i++) {
		const char *name = nic_network(&vm->nics[i]);
		size_t j;
		node *n;

		for (j = 0; j < i && strcmp(nic_network(&vm->nics[j]), name) != 0; j++)
			;
		if (j < i)
			continue;
		n = ovk_xw_attr(ovk_xw_child(ns, "Network", NULL), "ovf:name", name);
		ovk_xw_child(n, "Description", "The network the exported machine was on");
	}
}

static void hw_cpu_memory(node *vhs, const struct ovk_exp_vm *vm)
{
	node *it = item(vhs);
	char q[32];

	rasd(it, "AllocationUnits", "hertz * 10^6");
	rasd(it, "Description", "Number of Virtual CPUs");
	rasdf(it, "ElementName", "%u virtual CPU(s)", vm->cpus);
	rasd(it, "InstanceID", "1");
	rasd(it, "ResourceType", "3");
	rasdf(it, "VirtualQuantity", "%u", vm->cpus);
	if (vm->cores) {
		snprintf(q, sizeof q, "%u", vm->cores);
		ovk_xw_attr(ovk_xw_child(it, "vmw:CoresPerSocket", q), "ovf:required", "false");
	}
	it = item(vhs);
	rasd(it, "AllocationUnits", "byte * 2^20");
	rasd(it, "Description", "Memory Size");
	rasdf(it, "ElementName", "%" PRIu64 "MB of memory", (vm->memory + (1u << 20) - 1) >> 20);
	rasd(it, "InstanceID", "2");
	rasd(it, "ResourceType", "4");
	rasdf(it, "VirtualQuantity", "%" PRIu64, (vm->memory + (1u << 20) - 1) >> 20);
}

static void hw_controllers(node *vhs, const struct ovk_exp_map *m)
{
	static const char *const types[MAP_MAX_CTRL] = { "6", "20", "20", "5", "5" };
	static const char *const desc[MAP_MAX_CTRL] = { "SCSI Controller", "SATA Controller",
							"NVMe Controller", "IDE Controller",
							"IDE Controller" };

	for (int k = 0; k < MAP_MAX_CTRL; k++) {
		const char *sub[MAP_MAX_CTRL] = { m->scsi_subtype, "vmware.sata.ahci",
						  "vmware.nvme.controller", NULL, NULL };
		node *it;

		if (!m->ctrl[k].used)
			continue;
		it = item(vhs);
		rasdf(it, "Address", "%d", k == CTRL_IDE1 ? 1 : 0);
		rasd(it, "Description", desc[k]);
		rasdf(it, "ElementName", "%s %d", desc[k], k == CTRL_IDE1 ? 1 : 0);
		rasdf(it, "InstanceID", "%u", m->ctrl[k].instance);
		if (sub[k])
			rasd(it, "ResourceSubType", sub[k]);
		rasd(it, "ResourceType", types[k]);
	}
}

static void hw_drives(node *vhs, const struct ovk_exp_map *m, const struct ovk_exp_vm *vm,
		      unsigned *instance)
{
	unsigned disk = 0, cd = 0;

	for (size_t i = 0; i < vm->n_disks; i++) {
		const struct drive *dr = &m->drives[i];
		node *it = item(vhs);

		rasdf(it, "AddressOnParent", "%u", dr->unit);
		if (vm->disks[i].cdrom) {
			rasd(it, "AutomaticAllocation", "false");
			rasdf(it, "ElementName", "CD/DVD drive %u", ++cd);
		} else {
			rasdf(it, "ElementName", "Hard disk %u", ++disk);
			rasdf(it, "HostResource", "ovf:/disk/vmdisk%u", disk);
		}
		rasdf(it, "InstanceID", "%u", (*instance)++);
		rasdf(it, "Parent", "%u", m->ctrl[dr->ctrl].instance);
		rasd(it, "ResourceType", vm->disks[i].cdrom ? "15" : "17");
	}
}

static void hw_nics(node *vhs, const struct ovk_exp_map *m, const struct ovk_exp_vm *vm,
		    unsigned *instance)
{
	for (size_t i = 0; i < vm->n_nics; i++) {
		const struct ovk_exp_nic *n = &vm->nics[i];
		node *it = item(vhs);

		if (n->mac)
			rasd(it, "Address", n->mac);
		rasdf(it, "AddressOnParent", "%zu", 7 + i);
		rasd(it, "AutomaticAllocation", "true");
		rasd(it, "Connection", nic_network(n));
		rasdf(it, "Description", "%s ethernet adapter on \"%s\"", m->nic_models[i],
		      nic_network(n));
		rasdf(it, "ElementName", "Network adapter %zu", i + 1);
		rasdf(it, "InstanceID", "%u", (*instance)++);
		rasd(it, "ResourceSubType", m->nic_models[i]);
		rasd(it, "ResourceType", "10");
	}
}

static void vmw_config(node *vhs, const char *key, const char *value)
{
	node *c = ovk_xw_child(vhs, "vmw:Config", NULL);

	ovk_xw_attr(c, "ovf:required", "false");
	ovk_xw_attr(c, "vmw:key", key);
	ovk_xw_attr(c, "vmw:value", value);
}

static void hardware(node *vs, const struct ovk_exp_map *m, const struct ovk_exp_vm *vm)
{
	node *vhs = ovk_xw_child(vs, "VirtualHardwareSection", NULL);
	node *sys;
	unsigned instance = 3;
	char type[16];

	for (int k = 0; k < MAP_MAX_CTRL; k++)
		instance += m->ctrl[k].used;
	ovk_xw_child(vhs, "Info", "Virtual hardware requirements");
	sys = ovk_xw_child(vhs, "System", NULL);
	ovk_xw_child(sys, "vssd:ElementName", "Virtual Hardware Family");
	ovk_xw_child(sys, "vssd:InstanceID", "0");
	ovk_xw_child(sys, "vssd:VirtualSystemIdentifier", vm->name);
	snprintf(type, sizeof type, "vmx-%02u", m->hw);
	ovk_xw_child(sys, "vssd:VirtualSystemType", type);
	hw_cpu_memory(vhs, vm);
	hw_controllers(vhs, m);
	hw_drives(vhs, m, vm, &instance);
	hw_nics(vhs, m, vm, &instance);
	vmw_config(vhs, "firmware", vm->efi ? "efi" : "bios");
	if (vm->secure_boot)
		vmw_config(vhs, "uefi.secureBoot.enabled", "true");
}

static void virtual_system(node *env, const struct ovk_exp_map *m, const struct ovk_exp_vm *vm)
{
	node *vs = ovk_xw_attr(ovk_xw_child(env, "VirtualSystem", NULL), "ovf:id", vm->name);
	node *os, *an;

	ovk_xw_child(vs, "Info", "A virtual machine");
	ovk_xw_child(vs, "Name", vm->name);
	if (vm->description) {
		an = ovk_xw_child(vs, "AnnotationSection", NULL);
		ovk_xw_child(an, "Info", "A human-readable annotation");
		ovk_xw_child(an, "Annotation", vm->description);
	}
	os = ovk_xw_child(vs, "OperatingSystemSection", NULL);
	ovk_xw_attrf(os, "ovf:id", "%u", m->os_cim);
	ovk_xw_attr(os, "vmw:osType", m->os_type);
	ovk_xw_child(os, "Info", "The kind of installed guest operating system");
	hardware(vs, m, vm);
}

int ovk_exp_ovf(const struct ovk_exp_map *m, const struct ovk_exp_vm *vm, int widest,
		char **out, size_t *len, struct ovk_error *err)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	struct ovk_xw *w = ovk_xw_new("Envelope");
	node *env = ovk_xw_root(w);
	char *body = NULL;
	int ret = -1;

	*out = NULL;
	envelope_attrs(env, m->ovf_version);
	references_and_disks(env, vm, widest);
	networks(env, vm);
	virtual_system(env, m, vm);
	if (ovk_xw_dump(w, &body, err) < 0)
		goto out;
	*len = strlen(decl) + strlen(body);
	if (!(*out = malloc(*len + 2))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	strcpy(*out, decl);
	strcat(*out, body);
	if (*len == 0 || (*out)[*len - 1] != '\n') {
		(*out)[(*len)++] = '\n';
		(*out)[*len] = 0;
	}
	ret = 0;
out:
	free(body);
	ovk_xw_free(w);
	return ret;
}
