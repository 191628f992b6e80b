/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * domxml.c: a plan (plan.h) written out as libvirt domain XML, built with
 * the XML writer (util/xmlw.h) so every name from the OVF is escaped.
 *
 * Choices that are not in the plan because they never vary:
 *   - firmware through libvirt's auto-selection, <os firmware='efi'>, with
 *     the secure-boot feature said explicitly: left to itself, libvirt 9.0
 *     picked the Microsoft-keys OVMF and an unsigned loader failed with
 *     "Access Denied" (issue 7);
 *   - devices every guest copes with: a serial console, a USB tablet (the
 *     pointer follows the VNC client), VNC on the loopback address only;
 *   - boot order per device (<boot order>), so disks keep the OVF's order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util/xml.h"
#include "util/xmlw.h"

typedef struct ovk_xw_node node;

static void write_os(const struct ovk_plan *p, node *dom)
{
	node *os = ovk_xw_child(dom, "os", NULL), *fw;

	if (p->efi)
		ovk_xw_attr(os, "firmware", "efi");
	ovk_xw_attr(ovk_xw_attr(ovk_xw_child(os, "type", "hvm"), "arch", p->arch), "machine",
		    p->machine);
	if (!p->efi)
		return;
	fw = ovk_xw_child(os, "firmware", NULL);
	ovk_xw_attr(ovk_xw_attr(ovk_xw_child(fw, "feature", NULL), "enabled",
				p->secure_boot ? "yes" : "no"), "name", "secure-boot");
	if (p->secure_boot)
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(fw, "feature", NULL), "enabled", "yes"),
			    "name", "enrolled-keys");
}

static void write_features(const struct ovk_plan *p, node *dom)
{
	node *f = ovk_xw_child(dom, "features", NULL), *hv, *clock;

	ovk_xw_child(f, "acpi", NULL);
	ovk_xw_child(f, "apic", NULL);
	/* Secure-boot OVMF runs its variable store in SMM. */
	if (p->secure_boot)
		ovk_xw_attr(ovk_xw_child(f, "smm", NULL), "state", "on");
	if (p->hyperv) {
		hv = ovk_xw_attr(ovk_xw_child(f, "hyperv", NULL), "mode", "custom");
		ovk_xw_attr(ovk_xw_child(hv, "relaxed", NULL), "state", "on");
		ovk_xw_attr(ovk_xw_child(hv, "vapic", NULL), "state", "on");
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(hv, "spinlocks", NULL), "state", "on"),
			    "retries", "8191");
	}
	clock = ovk_xw_attr(ovk_xw_child(dom, "clock", NULL), "offset",
			    p->windows ? "localtime" : "utc");
	if (p->hyperv)
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(clock, "timer", NULL), "name", "hypervclock"),
			    "present", "yes");
}

static void write_controllers(const struct ovk_plan *p, node *devs)
{
	for (size_t i = 0; i < p->n_ctls; i++) {
		node *c = ovk_xw_child(devs, "controller", NULL);

		ovk_xw_attr(c, "type", p->ctls[i].type);
		ovk_xw_attrf(c, "index", "%u", p->ctls[i].index);
		if (p->ctls[i].model[0])
			ovk_xw_attr(c, "model", p->ctls[i].model);
	}
}

static void write_address(const struct ovk_plan *p, const struct ovk_plan_drive *d, node *disk)
{
	node *a;
	unsigned ctl = d->ctl >= 0 ? p->ctls[d->ctl].index : 0;
	unsigned bus = 0, unit = d->unit;

	/* virtio: a PCI slot of libvirt's choice; nvme: the dev name says
	 * controller and namespace. */
	if (strcmp(d->bus, "virtio") == 0 || strcmp(d->bus, "nvme") == 0)
		return;
	if (strcmp(d->bus, "ide") == 0) {
		bus = d->unit / 2;
		unit = d->unit % 2;
	}
	a = ovk_xw_attr(ovk_xw_child(disk, "address", NULL), "type", "drive");
	ovk_xw_attrf(a, "controller", "%u", ctl);
	ovk_xw_attrf(a, "bus", "%u", bus);
	ovk_xw_attr(a, "target", "0");
	ovk_xw_attrf(a, "unit", "%u", unit);
}

static void write_drive(const struct ovk_plan *p, const struct ovk_plan_drive *d, node *devs)
{
	node *disk = ovk_xw_child(devs, "disk", NULL), *drv;
	/* disks with an image, and the environment's CD-ROM */
	int has_media = d->vol && (d->type == OVK_OVF_DRIVE_DISK || d->env);

	ovk_xw_attr(disk, "type", has_media && d->pool ? "volume" : "file");
	ovk_xw_attr(disk, "device", d->type == OVK_OVF_DRIVE_CDROM ? "cdrom" :
		    d->type == OVK_OVF_DRIVE_FLOPPY ? "floppy" : "disk");
	drv = ovk_xw_attr(ovk_xw_child(disk, "driver", NULL), "name", "qemu");
	ovk_xw_attr(drv, "type", has_media && d->format ? d->format : "raw");
	if (has_media && d->pool)
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(disk, "source", NULL), "pool", d->pool),
			    "volume", d->vol);
	else if (has_media && d->path)
		ovk_xw_attr(ovk_xw_child(disk, "source", NULL), "file", d->path);
	ovk_xw_attr(ovk_xw_attr(ovk_xw_child(disk, "target", NULL), "dev", d->dev), "bus", d->bus);
	if (d->boot)
		ovk_xw_attrf(ovk_xw_child(disk, "boot", NULL), "order", "%u", d->boot);
	if (d->wwn[0])
		ovk_xw_child(disk, "wwn", d->wwn);
	if (d->type == OVK_OVF_DRIVE_CDROM)
		ovk_xw_child(disk, "readonly", NULL);
	write_address(p, d, disk);
}

static void write_nics(const struct ovk_plan *p, node *devs)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct ovk_plan_nic *n = &p->nics[i];
		node *nic = ovk_xw_child(devs, "interface", NULL);

		ovk_xw_attr(nic, "type", n->bridge ? "bridge" : "network");
		if (n->mac[0])
			ovk_xw_attr(ovk_xw_child(nic, "mac", NULL), "address", n->mac);
		ovk_xw_attr(ovk_xw_child(nic, "source", NULL), n->bridge ? "bridge" : "network",
			    n->source);
		ovk_xw_attr(ovk_xw_child(nic, "model", NULL), "type", n->model);
	}
}

static void write_misc_devices(const struct ovk_plan *p, node *devs)
{
	node *serial = ovk_xw_attr(ovk_xw_child(devs, "serial", NULL), "type", "pty"), *g;

	if (p->serial_log)
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(serial, "log", NULL), "file", p->serial_log),
			    "append", "off");
	ovk_xw_attr(ovk_xw_child(serial, "target", NULL), "port", "0");
	ovk_xw_attr(ovk_xw_attr(ovk_xw_child(ovk_xw_attr(ovk_xw_child(devs, "console", NULL),
							   "type", "pty"), "target", NULL),
				"type", "serial"), "port", "0");
	ovk_xw_attr(ovk_xw_attr(ovk_xw_child(devs, "input", NULL), "type", "tablet"), "bus", "usb");
	g = ovk_xw_attr(ovk_xw_child(devs, "graphics", NULL), "type", "vnc");
	ovk_xw_attr(ovk_xw_attr(g, "autoport", "yes"), "listen", "127.0.0.1");
	ovk_xw_attr(ovk_xw_child(ovk_xw_child(devs, "video", NULL), "model", NULL), "type",
		    p->video);
	if (p->guest_agent) {
		g = ovk_xw_attr(ovk_xw_child(devs, "channel", NULL), "type", "unix");
		ovk_xw_attr(ovk_xw_attr(ovk_xw_child(g, "target", NULL), "type", "virtio"), "name",
			    "org.qemu.guest_agent.0");
	}
}

/* <cpu>: the mode (plan_cpu.c), then the OVF's topology. */
static void write_cpu(const struct ovk_plan *p, node *dom)
{
	node *cpu = ovk_xw_child(dom, "cpu", NULL), *top;

	if (p->cpu_mode[0])
		ovk_xw_attr(cpu, "mode", p->cpu_mode);
	if (p->cpu_model[0]) {
		ovk_xw_attr(cpu, "match", "exact");
		ovk_xw_attr(ovk_xw_child(cpu, "model", p->cpu_model), "fallback", "forbid");
	}
	top = ovk_xw_child(cpu, "topology", NULL);
	ovk_xw_attrf(top, "sockets", "%u", p->sockets);
	ovk_xw_attr(top, "dies", "1");
	ovk_xw_attrf(top, "cores", "%u", p->cores);
	ovk_xw_attr(top, "threads", "1");
}

int ovk_plan_xml(const struct ovk_plan *p, char **xml, struct ovk_error *err)
{
	struct ovk_xw *w = ovk_xw_new("domain");
	node *dom, *devs;
	char mem[24], vcpus[16];
	int ret;

	*xml = NULL;
	if (!w)
		return ovk_error_set(err, ENOMEM, "out of memory");
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)p->memory_kib);
	snprintf(vcpus, sizeof(vcpus), "%u", p->vcpus);
	dom = ovk_xw_attr(ovk_xw_root(w), "type", p->type);
	ovk_xw_child(dom, "name", p->name);
	if (p->title)
		ovk_xw_child(dom, "title", p->title);
	if (p->description)
		ovk_xw_child(dom, "description", p->description);
	ovk_xw_attr(ovk_xw_child(dom, "memory", mem), "unit", "KiB");
	ovk_xw_attr(ovk_xw_child(dom, "currentMemory", mem), "unit", "KiB");
	ovk_xw_child(dom, "vcpu", vcpus);
	write_os(p, dom);
	write_features(p, dom);
	write_cpu(p, dom);
	ovk_xw_child(dom, "on_poweroff", "destroy");
	ovk_xw_child(dom, "on_reboot", "restart");
	ovk_xw_child(dom, "on_crash", "destroy");
	devs = ovk_xw_child(dom, "devices", NULL);
	write_controllers(p, devs);
	for (size_t i = 0; i < p->n_drives; i++)
		write_drive(p, &p->drives[i], devs);
	write_nics(p, devs);
	write_misc_devices(p, devs);
	ret = ovk_xw_dump(w, xml, err);
	ovk_xw_free(w);
	return ret;
}

/* The MAC of each <interface> of a domain's XML, in order: a NIC the OVF
 * gives no MAC keeps its old one across --replace (a DHCP reservation). */
int ovk_domxml_keep_macs(struct ovk_plan *p, const char *old_xml, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *n;
	size_t i = 0;

	if (ovk_xml_parse((const uint8_t *)old_xml, strlen(old_xml), "the replaced domain",
			  &doc, err) < 0)
		return -1;
	n = ovk_xml_child(ovk_xml_root(doc), "devices");
	for (n = n ? ovk_xml_first(n) : NULL; n && i < p->n_nics; n = ovk_xml_next(n)) {
		const char *mac = ovk_xml_attr(ovk_xml_child(n, "mac"), "address");
		struct ovk_plan_nic *nic = &p->nics[i];
		char dev[32];

		if (strcmp(ovk_xml_name(n), "interface") != 0)
			continue;
		i++;
		if (nic->mac[0] || !mac || strlen(mac) != sizeof nic->mac - 1)
			continue;
		memcpy(nic->mac, mac, sizeof nic->mac);
		snprintf(dev, sizeof dev, "nic %zu", i);
		ovk_plan_decide(p, dev, NULL, nic->mac, "kept: the MAC of the domain it replaces");
	}
	ovk_xml_free(doc);
	return 0;
}
