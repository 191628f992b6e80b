/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_virt.c: the OVF -> domain XML mapping (src/virt/plan*.c, domxml.c)
 * against golden files, with the host described by capability documents
 * captured from a real libvirtd (tests/golden/caps-host.xml and
 * domcaps-kvm-{pc,q35}.xml), so the result does not depend on this host.
 *
 * OVK_UPDATE_GOLDEN=1 rewrites the golden XML instead of comparing; review
 * the diff before committing it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virt/caps.h"
#include "virt/plan.h"

static char *slurp(const char *name, size_t *len)
{
	const char *src = getenv("OVK_SRC");
	char path[4096];
	FILE *f;
	char *buf = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/tests/golden/%s", src ? src : ".", name);
	if (!(f = fopen(path, "rb")))
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The domain capabilities to load instead of the captured pc/q35 ones. */
static const char *domcaps_file;

static void load_caps(int efi, struct ovk_caps *caps)
{
	struct ovk_error err = { 0 };
	char *host = slurp("caps-host.xml", NULL);
	char *dom = slurp(domcaps_file ? domcaps_file :
			  efi ? "domcaps-kvm-q35.xml" : "domcaps-kvm-pc.xml", NULL);

	assert_non_null(host);
	assert_non_null(dom);
	assert_int_equal(ovk_caps_parse_host(host, NULL, caps, &err), 0);
	assert_int_equal(ovk_caps_parse_domain(dom, caps, &err), 0);
	free(host);
	free(dom);
}

/* Pool storage as ovk_store_assign would set it for pool "default". */
static void assign_pool(struct ovk_plan *p)
{
	for (size_t i = 0; i < p->n_drives; i++) {
		char *v;

		if (!p->drives[i].vol)
			continue;
		assert_true(asprintf(&v, "%s.qcow2", p->drives[i].vol) > 0);
		free(p->drives[i].vol);
		p->drives[i].vol = v;
		p->drives[i].pool = strdup("default");
		p->drives[i].format = strdup("qcow2");
	}
}

static int has_note(const struct ovk_plan *p, int warning, const char *needle)
{
	for (size_t i = 0; i < p->n_notes; i++)
		if (p->notes[i].warning == warning && strstr(p->notes[i].text, needle))
			return 1;
	return 0;
}

/* Whether p decided that DEVICE, FROM in the OVF (NULL: it said nothing),
 * becomes TO; and the text says so, from the same fields. */
static int has_decision(const struct ovk_plan *p, const char *device, const char *from,
			const char *to)
{
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct ovk_plan_note *n = &p->notes[i];

		if (n->warning || !n->device || strcmp(n->device, device) != 0)
			continue;
		return (from ? n->from && strcmp(n->from, from) == 0 : !n->from) &&
		       strcmp(n->to, to) == 0 && strstr(n->text, to) && n->why;
	}
	return 0;
}

/* Build the plan of golden/OVF.ovf with opts, compare its XML with
 * golden/XML.xml; the plan is returned for extra checks. */
static struct ovk_plan *golden2(const char *name, const char *xml_name,
				const struct ovk_plan_opts *opts)
{
	struct ovk_error err = { 0 };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_plan *p = NULL;
	struct ovk_caps caps;
	char file[256], *ovf, *want, *xml = NULL;
	size_t len;

	snprintf(file, sizeof(file), "%s.ovf", name);
	assert_non_null(ovf = slurp(file, &len));
	if (ovk_ovf_parse((const uint8_t *)ovf, len, file, &env, &err) < 0)
		fail_msg("%s: %s", file, err.msg);
	load_caps(ovk_plan_wants_efi(&env->systems[0], opts->firmware), &caps);
	if (ovk_plan_build(env, &env->systems[0], &caps, opts, &p, &err) < 0)
		fail_msg("%s: %s", file, err.msg);
	assign_pool(p);
	assert_int_equal(ovk_plan_xml(p, &xml, &err), 0);
	snprintf(file, sizeof(file), "%s.xml", xml_name);
	if (getenv("OVK_UPDATE_GOLDEN")) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/tests/golden/%s", getenv("OVK_SRC"), file);
		assert_non_null(f = fopen(path, "w"));
		fputs(xml, f);
		fclose(f);
	}
	want = slurp(file, NULL);
	if (!want || strcmp(want, xml) != 0)
		fail_msg("%s differs from the golden file; got:\n%s", file, xml);
	free(want);
	free(xml);
	free(ovf);
	/* The plan borrows the model; the test leaks env on purpose until
	 * the plan is freed by the caller. */
	p->vs = NULL;
	for (size_t i = 0; i < p->n_drives; i++)
		p->drives[i].disk = NULL;
	ovk_ovf_free(env);
	return p;
}

static struct ovk_plan *golden(const char *name, const struct ovk_plan_opts *opts)
{
	return golden2(name, name, opts);
}

static void test_bios_lsilogic(void **state)
{
	struct ovk_plan_opts o = { 0 };
	struct ovk_plan *p;

	(void)state;
	p = golden("bios-lsilogic", &o);
	assert_string_equal(p->machine, "pc");
	assert_string_equal(p->type, "kvm");
	assert_false(p->efi);
	assert_true(has_decision(p, "disk vmdisk1", "scsi", "sda on scsi lsilogic"));
	assert_true(has_note(p, 0, "disk vmdisk1: scsi -> sda on scsi lsilogic (boot order 1)"));
	assert_true(has_decision(p, "nic 1", "E1000", "e1000"));
	assert_true(has_decision(p, "video", "VMware SVGA", "vmvga"));
	ovk_plan_free(p);
}

static void test_efi_windows(void **state)
{
	static const char *const src[] = { "Backup Network" };
	static const char *const dst[] = { "backup" };
	struct ovk_plan_opts o = { .network = "lan", .net_src = src, .net_dst = dst,
				   .n_netmap = 1 };
	struct ovk_plan *p;

	(void)state;
	p = golden("efi-windows", &o);
	assert_string_equal(p->machine, "q35");
	assert_true(p->efi && p->secure_boot && p->windows && p->hyperv);
	assert_true(has_note(p, 1, "OVMF cannot boot from lsisas1068"));
	assert_true(has_note(p, 1, "machine q35 has no IDE"));
	assert_int_equal(p->sockets, 2);
	assert_int_equal(p->cores, 2);
	ovk_plan_free(p);
}

static void test_efi_keep(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_plan_opts o = { .bus = OVK_PLAN_BUS_KEEP };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_plan *p = NULL;
	struct ovk_caps caps;
	size_t len;
	char *ovf = slurp("efi-windows.ovf", &len);
	int found = 0;

	(void)state;
	assert_int_equal(ovk_ovf_parse((const uint8_t *)ovf, len, "x", &env, &err), 0);
	load_caps(1, &caps);
	assert_int_equal(ovk_plan_build(env, &env->systems[0], &caps, &o, &p, &err), 0);
	for (size_t i = 0; i < p->n_drives; i++)
		if (p->drives[i].boot == 1) {
			assert_string_equal(p->drives[i].bus, "scsi");
			assert_string_equal(p->ctls[p->drives[i].ctl].model, "lsisas1068");
			found = 1;
		}
	assert_true(found);
	assert_true(has_note(p, 1, "kept on lsisas1068 as asked"));
	ovk_plan_free(p);
	ovk_ovf_free(env);
	free(ovf);
}

static void test_mixed(void **state)
{
	struct ovk_plan_opts o = { .bridge = "br0" };
	struct ovk_plan *p;

	(void)state;
	p = golden("mixed", &o);
	assert_string_equal(p->name, "mixed_bus_..__name_");
	assert_true(has_note(p, 1, "QEMU has no BusLogic"));
	assert_true(has_note(p, 1, "NVMe goes on sata"));
	assert_true(has_note(p, 1, "kept to safe characters"));
	ovk_plan_free(p);
}

/* A host whose libvirt lists the nvme disk bus: the NVMe disk stays on
 * NVMe, with no warning; the same OVF on libvirt 9.0 is test_mixed. */
static void test_mixed_nvme(void **state)
{
	struct ovk_plan_opts o = { .bridge = "br0" };
	struct ovk_plan *p;
	int found = 0;

	(void)state;
	domcaps_file = "domcaps-kvm-pc-nvme.xml";
	p = golden2("mixed", "mixed-nvme", &o);
	domcaps_file = NULL;
	assert_false(has_note(p, 1, "NVMe goes on sata"));
	for (size_t i = 0; i < p->n_drives; i++)
		if (strcmp(p->drives[i].bus, "nvme") == 0) {
			assert_string_equal(p->drives[i].dev, "nvme0n1");
			assert_string_equal(p->ctls[p->drives[i].ctl].type, "nvme");
			found++;
		}
	assert_int_equal(found, 1);
	ovk_plan_free(p);
}

/* --virt-type: TCG on a KVM host (for firmware KVM cannot run), and a
 * type the host does not offer refused before anything is planned. */
/* XenCenter's disk Item has no controller: it goes on the machine's default
 * bus (IDE on pc), and the plan says so. */
static void test_xen_no_controller(void **state)
{
	struct ovk_plan_opts o = { 0 };
	struct ovk_plan *p;

	(void)state;
	p = golden("xen-nocontroller", &o);
	assert_true(has_note(p, 1, "disk item vbd0 (ovf:/disk/vdi0) names no controller"));
	assert_true(has_note(p, 0, "disk vdi0: hda on ide"));
	ovk_plan_free(p);
}

/* oVirt: sockets x cores, the nil-UUID Parent, a "group/image" disk. */
static void test_ovirt(void **state)
{
	struct ovk_plan_opts o = { 0 };
	struct ovk_plan *p;

	(void)state;
	p = golden("ovirt", &o);
	assert_int_equal(p->sockets, 2);
	assert_int_equal(p->cores, 2);
	assert_true(has_note(p, 1, "names no controller"));
	ovk_plan_free(p);
}

static void test_domain_type(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_plan_opts o = { .domain_type = "qemu" };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_plan *p = NULL;
	struct ovk_caps caps;
	size_t len;
	char *ovf = slurp("bios-lsilogic.ovf", &len), *xml = NULL;

	(void)state;
	assert_int_equal(ovk_ovf_parse((const uint8_t *)ovf, len, "x", &env, &err), 0);
	load_caps(0, &caps);
	assert_int_equal(ovk_plan_build(env, &env->systems[0], &caps, &o, &p, &err), 0);
	assert_string_equal(p->type, "qemu");
	assert_int_equal(ovk_plan_xml(p, &xml, &err), 0);
	assert_non_null(strstr(xml, "<domain type=\"qemu\">"));
	free(xml);
	ovk_plan_free(p);
	p = NULL;
	o.domain_type = "xen";
	assert_int_equal(ovk_plan_build(env, &env->systems[0], &caps, &o, &p, &err), -1);
	assert_null(p);
	assert_non_null(strstr(err.msg, "domain type xen is not offered"));
	ovk_ovf_free(env);
	free(ovf);
}

static void test_virtio(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_plan_opts o = { .bus = OVK_PLAN_BUS_VIRTIO };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_plan *p = NULL;
	struct ovk_caps caps;
	size_t len;
	char *ovf = slurp("mixed.ovf", &len), *xml = NULL;

	(void)state;
	assert_int_equal(ovk_ovf_parse((const uint8_t *)ovf, len, "x", &env, &err), 0);
	load_caps(0, &caps);
	assert_int_equal(ovk_plan_build(env, &env->systems[0], &caps, &o, &p, &err), 0);
	for (size_t i = 0; i < p->n_drives; i++)
		if (p->drives[i].type == OVK_OVF_DRIVE_DISK)
			assert_string_equal(p->drives[i].bus, "virtio");
	assert_string_equal(p->nics[0].model, "virtio");
	assert_int_equal(ovk_plan_xml(p, &xml, &err), 0);
	assert_non_null(strstr(xml, "<target dev=\"vda\" bus=\"virtio\"/>"));
	/* the guest has virtio drivers: virtio video too */
	assert_non_null(strstr(xml, "<video>\n      <model type=\"virtio\"/>"));
	free(xml);
	ovk_plan_free(p);
	ovk_ovf_free(env);
	free(ovf);
}

static void test_sanitize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ok-name_1.2", "ok-name_1.2" },
		{ ".hidden", "_hidden" },
		{ "..", "_." },
		{ "a/b c", "a_b_c" },
		{ "", "_" },
		{ "\xc3\xa9t\xc3\xa9", "__t__" },
	};
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(s = ovk_safe_name(cases[i].in));
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void test_caps_fallbacks(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_caps caps;
	static const char qemu_only[] =
		"<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>"
		"<machine canonical='pc-i440fx-7.2'>pc</machine><domain type='qemu'/>"
		"</arch></guest></capabilities>";
	static const char no_hvm[] =
		"<capabilities><guest><os_type>exe</os_type><arch name='x86_64'>"
		"<domain type='lxc'/></arch></guest></capabilities>";

	(void)state;
	assert_int_equal(ovk_caps_parse_host(qemu_only, NULL, &caps, &err), 0);
	assert_string_equal(ovk_caps_domain_type(&caps), "qemu");
	assert_true(ovk_caps_enum_has(&caps.machines, "pc"));
	assert_int_equal(ovk_caps_parse_host(no_hvm, NULL, &caps, &err), -1);
	assert_non_null(strstr(err.msg, "no hvm guests"));
	assert_int_equal(ovk_caps_parse_domain("<capabilities/>", &caps, &err), -1);
}

/* ---- --bus auto with the guest read (plan_guest.c) ---- */

/* A guest as src/guest would report it. */
static struct ovk_guest guest_of(enum ovk_guest_os os, unsigned boot, unsigned any)
{
	struct ovk_guest g;

	memset(&g, 0, sizeof g);
	g.os = os;
	snprintf(g.distro, sizeof g.distro, "%s", os == OVK_GUEST_WINDOWS ? "windows" : "rhel");
	snprintf(g.pretty, sizeof g.pretty, "%s", os == OVK_GUEST_WINDOWS ? "Windows 10" :
		 "Red Hat Enterprise Linux 9.4");
	g.boot_drivers = boot;
	g.drivers = boot | any;
	return g;
}

/* The plan of golden/OVF.ovf for guest g, and its domain XML if xml is
 * not NULL: 0, or -1 with err. */
static int plan_guest(const char *name, const struct ovk_guest *g, struct ovk_plan **p,
		      char **xml, struct ovk_error *err)
{
	struct ovk_plan_opts o = { .guest = g };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_caps caps;
	char file[64], *ovf;
	size_t len;
	int r;

	*p = NULL;
	snprintf(file, sizeof file, "%s.ovf", name);
	assert_non_null(ovf = slurp(file, &len));
	assert_int_equal(ovk_ovf_parse((const uint8_t *)ovf, len, file, &env, err), 0);
	load_caps(ovk_plan_wants_efi(&env->systems[0], o.firmware), &caps);
	r = ovk_plan_build(env, &env->systems[0], &caps, &o, p, err);
	if (r == 0 && xml)
		r = ovk_plan_xml(*p, xml, err);
	if (*p) {
		(*p)->vs = NULL;
		for (size_t i = 0; i < (*p)->n_drives; i++)
			(*p)->drives[i].disk = NULL;
	}
	ovk_ovf_free(env);
	free(ovf);
	return r;
}

/* The boot disk's bus and controller model ("" for none). */
static void boot_bus(const struct ovk_plan *p, const char *bus, const char *model)
{
	for (size_t i = 0; i < p->n_drives; i++) {
		const struct ovk_plan_drive *d = &p->drives[i];

		if (d->boot != 1)
			continue;
		assert_string_equal(d->bus, bus);
		assert_string_equal(d->ctl >= 0 ? p->ctls[d->ctl].model : "", model);
		assert_true(d->why[0] != '\0');
		return;
	}
	fail_msg("no boot disk");
}

/* A generic initramfs has virtio_scsi: the disk leaves VMware's LSI
 * Logic for virtio-scsi (golden: the controller and the note). */
static void test_guest_virtio_scsi(void **state)
{
	struct ovk_guest g = guest_of(OVK_GUEST_LINUX, OVK_DRV_VIRTIO_SCSI | OVK_DRV_MPTSPI |
				      OVK_DRV_AHCI | OVK_DRV_PIIX_IDE, OVK_DRV_VIRTIO_NET);
	struct ovk_plan_opts o = { .guest = &g };
	struct ovk_plan *p;

	(void)state;
	p = golden2("bios-lsilogic", "bios-lsilogic-guest-virtio", &o);
	boot_bus(p, "scsi", "virtio-scsi");
	assert_true(has_note(p, 0, "the boot disk on virtio-scsi, which the guest drives with "
			     "virtio_scsi at boot (the OVF has scsi lsilogic)"));
	/* NICs keep the OVF's model (issue 12) */
	assert_string_equal(p->nics[0].model, "e1000");
	ovk_plan_free(p);
}

/* Each guest the issue names, on a BIOS pc machine and under OVMF. */
static void test_guest_choices(void **state)
{
	static const struct {
		const char *ovf;
		enum ovk_guest_os os;
		unsigned boot;
		const char *bus, *model;      /* NULL: refused */
	} cases[] = {
		/* dracut host-only from VMware's LSI Parallel, with the IDE
		 * CD-ROM's ata_piix: IDE, the pc machine has it */
		{ "bios-lsilogic", OVK_GUEST_LINUX, OVK_DRV_MPTSPI | OVK_DRV_PIIX_IDE, "ide", "" },
		/* pvscsi is QEMU's too, whatever the OVF said */
		{ "bios-lsilogic", OVK_GUEST_LINUX, OVK_DRV_PVSCSI, "scsi", "vmpvscsi" },
		{ "bios-lsilogic", OVK_GUEST_LINUX, OVK_DRV_SYM53C8XX, "scsi", "lsilogic" },
		{ "bios-lsilogic", OVK_GUEST_LINUX, OVK_DRV_MPTSPI, NULL, NULL },
		/* the source's own chip where QEMU has it */
		{ "mixed", OVK_GUEST_LINUX, OVK_DRV_PVSCSI, "scsi", "vmpvscsi" },
		{ "efi-windows", OVK_GUEST_WINDOWS, OVK_DRV_AHCI | OVK_DRV_MPTSAS, "sata", "" },
		/* OVMF boots neither lsisas1068 nor IDE: refused */
		{ "efi-windows", OVK_GUEST_WINDOWS, OVK_DRV_MPTSAS, NULL, NULL },
		{ "efi-windows", OVK_GUEST_WINDOWS, OVK_DRV_PIIX_IDE | OVK_DRV_MPTSPI, NULL, NULL },
		{ "efi-windows", OVK_GUEST_WINDOWS, OVK_DRV_VIRTIO_SCSI, "scsi", "virtio-scsi" },
		{ "efi-windows", OVK_GUEST_WINDOWS, OVK_DRV_NVME, NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ovk_guest g = guest_of(cases[i].os, cases[i].boot, 0);
		struct ovk_error err = { 0 };
		struct ovk_plan *p;
		int r = plan_guest(cases[i].ovf, &g, &p, NULL, &err);

		if (!cases[i].bus) {
			if (r == 0)
				fail_msg("case %zu: planned, should be refused", i);
			assert_int_equal(err.errnum, ENODEV);
			assert_non_null(strstr(err.msg, "--bus keep"));
			assert_non_null(strstr(err.msg, cases[i].os == OVK_GUEST_WINDOWS ?
						"vioscsi" : "virtio_scsi"));
			assert_null(p);
			continue;
		}
		if (r < 0)
			fail_msg("case %zu: %s", i, err.msg);
		boot_bus(p, cases[i].bus, cases[i].model);
		ovk_plan_free(p);
	}
}

/* Windows' LSI_SAS at boot on a BIOS machine: QEMU's SAS1068, with a WWN
 * on its disk (Linux's mptsas sees no disk without one). */
static void test_guest_sas_wwn(void **state)
{
	struct ovk_guest g = guest_of(OVK_GUEST_WINDOWS, OVK_DRV_MPTSAS, 0);
	struct ovk_error err = { 0 };
	struct ovk_plan *p;
	char *xml = NULL;

	(void)state;
	assert_int_equal(plan_guest("bios-sas", &g, &p, &xml, &err), 0);
	boot_bus(p, "scsi", "lsisas1068");
	assert_non_null(strstr(xml, "<wwn>5525400"));
	free(xml);
	ovk_plan_free(p);
}

/* A guest not read keeps the OVF's mapping, with the reason as a
 * warning; a hibernated Windows is imported with a warning. */
static void test_guest_unread(void **state)
{
	struct ovk_guest g = guest_of(OVK_GUEST_UNREAD, 0, 0);
	struct ovk_error err = { 0 };
	struct ovk_plan *p;

	(void)state;
	snprintf(g.why, sizeof g.why, "sda2: encrypted (LUKS)");
	assert_int_equal(plan_guest("bios-lsilogic", &g, &p, NULL, &err), 0);
	boot_bus(p, "scsi", "lsilogic");
	assert_true(has_note(p, 1, "the guest could not be read (sda2: encrypted (LUKS))"));
	ovk_plan_free(p);
	g = guest_of(OVK_GUEST_WINDOWS, OVK_DRV_AHCI, 0);
	g.hibernated = 1;
	assert_int_equal(plan_guest("bios-lsilogic", &g, &p, NULL, &err), 0);
	boot_bus(p, "sata", "");
	assert_true(has_note(p, 1, "Fast Startup"));
	ovk_plan_free(p);
}

/* ---- the guest CPU (plan_cpu.c) ---- */

/* The <cpu> element of bios-lsilogic's plan under type/cpu/guest; NULL
 * with err when the plan is refused.  caps_edit may change the caps. */
static char *cpu_xml(const char *type, const char *cpu, const struct ovk_guest *g,
		     void (*caps_edit)(struct ovk_caps *), struct ovk_error *err)
{
	struct ovk_plan_opts o = { .domain_type = type, .cpu = cpu, .guest = g };
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_plan *p = NULL;
	struct ovk_caps caps;
	size_t len;
	char *ovf = slurp("bios-lsilogic.ovf", &len), *xml = NULL, *a, *b, *ret = NULL;

	assert_int_equal(ovk_ovf_parse((const uint8_t *)ovf, len, "x", &env, err), 0);
	load_caps(0, &caps);
	if (caps_edit)
		caps_edit(&caps);
	if (ovk_plan_build(env, &env->systems[0], &caps, &o, &p, err) == 0) {
		assert_int_equal(ovk_plan_xml(p, &xml, err), 0);
		assert_non_null(a = strstr(xml, "<cpu"));
		assert_non_null(b = strstr(a, "<topology"));
		ret = strndup(a, (size_t)(b - a));
	}
	free(xml);
	ovk_plan_free(p);
	ovk_ovf_free(env);
	free(ovf);
	return ret;
}

/* Domain capabilities of a TCG domain: no host CPU to pass through. */
static void tcg_modes(struct ovk_caps *caps)
{
	memset(&caps->cpu_modes, 0, sizeof caps->cpu_modes);
	snprintf(caps->cpu_modes.v[caps->cpu_modes.n++], OVK_CAPS_VALUE_LEN, "custom");
	snprintf(caps->cpu_modes.v[caps->cpu_modes.n++], OVK_CAPS_VALUE_LEN, "maximum");
}

static void test_cpu(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_guest rhel10;
	char *x;

	(void)state;
	memset(&rhel10, 0, sizeof rhel10);
	rhel10.os = OVK_GUEST_LINUX;
	snprintf(rhel10.distro, sizeof rhel10.distro, "rocky");
	snprintf(rhel10.version, sizeof rhel10.version, "10.0");
	rhel10.boot_drivers = rhel10.drivers = OVK_DRV_VIRTIO_SCSI;
	/* KVM: host-passthrough, as virt-install writes it */
	assert_non_null(x = cpu_xml(NULL, NULL, NULL, NULL, &err));
	assert_string_equal(x, "<cpu mode=\"host-passthrough\">\n    ");
	free(x);
	/* TCG: a named model with x86-64-v2 (RHEL 9-family), v3 for 10 */
	assert_non_null(x = cpu_xml("qemu", NULL, NULL, tcg_modes, &err));
	assert_non_null(strstr(x, "mode=\"custom\" match=\"exact\""));
	assert_non_null(strstr(x, "<model fallback=\"forbid\">Nehalem</model>"));
	free(x);
	assert_non_null(x = cpu_xml("qemu", NULL, &rhel10, tcg_modes, &err));
	assert_non_null(strstr(x, ">Haswell-noTSX</model>"));
	free(x);
	/* --cpu as asked, where the host offers it */
	assert_non_null(x = cpu_xml(NULL, "host-model", NULL, NULL, &err));
	assert_string_equal(x, "<cpu mode=\"host-model\">\n    ");
	free(x);
	assert_non_null(x = cpu_xml("qemu", "Westmere", NULL, tcg_modes, &err));
	assert_non_null(strstr(x, ">Westmere</model>"));
	free(x);
	assert_null(cpu_xml("qemu", "host-passthrough", NULL, tcg_modes, &err));
	assert_non_null(strstr(err.msg, "--cpu host-passthrough: a qemu domain here offers no "
				"CPU mode host-passthrough (under TCG, name a model"));
	assert_null(cpu_xml(NULL, "bad model'", NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "not host-passthrough, host-model or a CPU model"));
}

/* The guest agent's channel when the guest has it, none otherwise. */
static void test_guest_agent(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_guest g = guest_of(OVK_GUEST_LINUX, OVK_DRV_VIRTIO_SCSI, 0);
	struct ovk_plan *p;
	char *xml = NULL;
	static const char channel[] = "<channel type=\"unix\">\n      <target type=\"virtio\" "
				      "name=\"org.qemu.guest_agent.0\"/>";

	(void)state;
	assert_int_equal(plan_guest("bios-lsilogic", &g, &p, &xml, &err), 0);
	assert_null(strstr(xml, "guest_agent"));
	free(xml);
	ovk_plan_free(p);
	g.guest_agent = 1;
	assert_int_equal(plan_guest("bios-lsilogic", &g, &p, &xml, &err), 0);
	assert_non_null(strstr(xml, channel));
	assert_true(has_note(p, 0, "QEMU guest agent"));
	free(xml);
	ovk_plan_free(p);
}

/* --replace: a NIC without an OVF MAC keeps the replaced domain's. */
static void test_keep_macs(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_plan p;
	struct ovk_plan_nic nics[3];
	static const char old[] =
		"<domain type='kvm'><name>x</name><devices><disk type='file'/>"
		"<interface type='network'><mac address='52:54:00:11:22:33'/></interface>"
		"<serial type='pty'/>"
		"<interface type='network'><mac address='52:54:00:44:55:66'/></interface>"
		"</devices></domain>";

	(void)state;
	memset(&p, 0, sizeof p);
	memset(nics, 0, sizeof nics);
	snprintf(nics[1].mac, sizeof nics[1].mac, "00:50:56:ab:cd:ef");
	p.nics = nics;
	p.n_nics = 3;
	assert_int_equal(ovk_domxml_keep_macs(&p, old, &err), 0);
	assert_string_equal(nics[0].mac, "52:54:00:11:22:33");
	assert_string_equal(nics[1].mac, "00:50:56:ab:cd:ef");   /* the OVF's wins */
	assert_string_equal(nics[2].mac, "");                    /* no third one */
	assert_int_equal(p.n_notes, 1);
	assert_true(has_decision(&p, "nic 1", NULL, "52:54:00:11:22:33"));
	for (size_t i = 0; i < p.n_notes; i++)
		ovk_plan_note_free(&p.notes[i]);
	free(p.notes);
	p.notes = NULL;
	p.n_notes = 0;
	assert_int_equal(ovk_domxml_keep_macs(&p, "<domain", &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bios_lsilogic),
		cmocka_unit_test(test_efi_windows),
		cmocka_unit_test(test_efi_keep),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_mixed_nvme),
		cmocka_unit_test(test_xen_no_controller),
		cmocka_unit_test(test_ovirt),
		cmocka_unit_test(test_domain_type),
		cmocka_unit_test(test_virtio),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_caps_fallbacks),
		cmocka_unit_test(test_guest_virtio_scsi),
		cmocka_unit_test(test_guest_choices),
		cmocka_unit_test(test_guest_sas_wwn),
		cmocka_unit_test(test_guest_unread),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_guest_agent),
		cmocka_unit_test(test_keep_macs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
