/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_ovf_producers.c: the OVF reader against what producers other than
 * VMware and VirtualBox write (issue 13): deployment options as vendor
 * appliances carry them, oVirt/RHV's dialect, XenCenter's exports, and
 * every CIM host bus adapter type as controller.
 *
 * The descriptors here are written for these tests; each reproduces the
 * facts (namespaces, attributes, structure) of a producer's real files:
 *   - Cisco's CSR 1000V and IOSv OVFs (as in glennmatthews/cot
 *     COT/tests/csr1000v.ovf, iosv.ovf): a DeploymentOptionSection, the
 *     CPU and memory Items repeated with one InstanceID per configuration,
 *     a default that is not the first;
 *   - ovirt-engine's OvfWriter and virt-v2v -o rhv: the 1.x namespace with
 *     a trailing slash and no default one, xsi:type sections, Disk
 *     ovf:size in GiB, HostResource "group/image", a nil-UUID Parent,
 *     num_of_sockets x cpu_per_socket, an OS section whose ovf:id is the
 *     VM's UUID and whose Description is the OS name;
 *   - XenCenter: encoding="utf-16" declared over UTF-8 bytes, disks in
 *     ResourceType 19 Items without a Parent, VHD Files;
 *   - Google's GCE exporter (compute-image-tools
 *     cli_tools/gce_ovf_export/exporter/ovf_descriptor_generator.go): its
 *     SCSI controller is ResourceType 8 with no ResourceSubType.
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

#include "ova/ovf.h"

#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

#define NS_RASD "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"

static int parse(const char *xml, const char *config, struct ovk_ovf_envelope **env,
		 struct ovk_error *err)
{
	return ovk_ovf_parse_config((const uint8_t *)xml, strlen(xml), "p.ovf", config, env, err);
}

static struct ovk_ovf_envelope *parse_ok(const char *xml, const char *config)
{
	struct ovk_error err = {0};
	struct ovk_ovf_envelope *env = NULL;

	if (parse(xml, config, &env, &err) != 0)
		fail_msg("%s", err.msg);
	return env;
}

static void parse_fails(const char *xml, const char *config, int errnum, const char *needle)
{
	struct ovk_error err = {0};
	struct ovk_ovf_envelope *env = NULL;

	if (parse(xml, config, &env, &err) == 0)
		fail_msg("parsed, expected '%s'", needle);
	assert_null(env);
	if (!strstr(err.msg, needle))
		fail_msg("expected '%s' in '%s'", needle, err.msg);
	if (errnum)
		assert_int_equal(err.errnum, errnum);
}

static int has_warning(char **w, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(w[i], needle))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ configurations */

#define CFG_HEAD                                                                          \
	"<?xml version='1.0' encoding='utf-8'?>"                                          \
	"<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "             \
	"xmlns:rasd=\"" NS_RASD "\" xmlns:vmw=\"http://www.vmware.com/schema/ovf\">"      \
	"<ovf:References><ovf:File ovf:href=\"appliance.vmdk\" ovf:id=\"root\"/>"         \
	"<ovf:File ovf:href=\"big.vmdk\" ovf:id=\"bigfile\"/></ovf:References>"           \
	"<ovf:DiskSection><ovf:Info>disks</ovf:Info>"                                     \
	"<ovf:Disk ovf:capacity=\"2\" ovf:capacityAllocationUnits=\"byte * 2^30\" "       \
	"ovf:diskId=\"sys\" ovf:fileRef=\"root\"/>"                                       \
	"<ovf:Disk ovf:capacity=\"8\" ovf:capacityAllocationUnits=\"byte * 2^30\" "       \
	"ovf:diskId=\"logs\" ovf:fileRef=\"bigfile\"/></ovf:DiskSection>"

#define CFG_ITEM(cfg, type, id, body)                                                     \
	"<ovf:Item" cfg "><rasd:InstanceID>" id "</rasd:InstanceID>"                      \
	"<rasd:ResourceType>" #type "</rasd:ResourceType>" body "</ovf:Item>"

#define VM_HEAD                                                                           \
	"<ovf:VirtualSystem ovf:id=\"vm\"><ovf:Info>vm</ovf:Info>"                          \
	"<ovf:VirtualHardwareSection><ovf:Info>hw</ovf:Info>"
#define VM_TAIL "</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>"

/* Three sizes, "medium" the default though listed second; the CPU Item is
 * repeated with InstanceID 1 for each, memory shared by two; the log disk
 * exists only in "large". */
static const char cfg_ovf[] =
	CFG_HEAD
	"<ovf:DeploymentOptionSection><ovf:Info>profiles</ovf:Info>"
	"<ovf:Configuration ovf:id=\"small\"><ovf:Label>Small</ovf:Label>"
	"<ovf:Description>1 vCPU, 2 GB</ovf:Description></ovf:Configuration>"
	"<ovf:Configuration ovf:id=\"medium\" ovf:default=\"true\"><ovf:Label>Medium"
	"</ovf:Label></ovf:Configuration>"
	"<ovf:Configuration ovf:id=\"large\"><ovf:Label>Large</ovf:Label>"
	"</ovf:Configuration></ovf:DeploymentOptionSection>"
	"<ovf:VirtualSystem ovf:id=\"router\"><ovf:Info>vm</ovf:Info>"
	"<ovf:VirtualHardwareSection><ovf:Info>hw</ovf:Info>"
	/* The plain Item is every configuration's but those replacing it. */
	CFG_ITEM("", 3, "1", "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>")
	CFG_ITEM(" ovf:configuration=\"medium\"", 3, "1", "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>")
	CFG_ITEM(" ovf:configuration=\"large\"", 3, "1", "<rasd:VirtualQuantity>8</rasd:VirtualQuantity>"
		 "<vmw:CoresPerSocket ovf:required=\"false\">4</vmw:CoresPerSocket>")
	CFG_ITEM(" ovf:configuration=\"small  medium\"", 4, "2",
		 "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
		 "<rasd:VirtualQuantity>2048</rasd:VirtualQuantity>")
	CFG_ITEM(" ovf:configuration=\"large\"", 4, "2",
		 "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
		 "<rasd:VirtualQuantity>16384</rasd:VirtualQuantity>")
	CFG_ITEM("", 6, "3", "<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>")
	CFG_ITEM("", 17, "4", "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>"
		 "<rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>0</rasd:AddressOnParent>")
	CFG_ITEM(" ovf:configuration=\"large\"", 17, "5",
		 "<rasd:HostResource>ovf:/disk/logs</rasd:HostResource><rasd:Parent>3</rasd:Parent>")
	CFG_ITEM(" ovf:configuration=\"large\"", 10, "6", "<rasd:Connection>data</rasd:Connection>")
	CFG_ITEM("", 10, "7", "<rasd:Connection>mgmt</rasd:Connection>")
	"</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>";

static void test_config_default(void **state)
{
	struct ovk_ovf_envelope *env = parse_ok(cfg_ovf, NULL);
	const struct ovk_ovf_system *vs = &env->systems[0];

	(void)state;
	assert_int_equal(env->n_configurations, 3);
	assert_string_equal(env->configurations[0].id, "small");
	assert_string_equal(env->configurations[0].label, "Small");
	assert_string_equal(env->configurations[0].description, "1 vCPU, 2 GB");
	assert_false(env->configurations[0].is_default);
	assert_true(env->configurations[1].is_default);
	assert_null(env->configurations[1].description);
	assert_string_equal(env->config, "medium");
	assert_int_equal(vs->cpus, 2);
	assert_int_equal(vs->memory, 2048 * MiB);
	assert_int_equal(vs->n_drives, 1);
	assert_int_equal(vs->n_nics, 1);
	/* The log disk is attached only in "large": kept, not used. */
	assert_int_equal(env->disks[0].used, 1);
	assert_int_equal(env->disks[1].used, 0);
	ovk_ovf_free(env);
}

static void test_config_chosen(void **state)
{
	struct ovk_ovf_envelope *env = parse_ok(cfg_ovf, "large");
	const struct ovk_ovf_system *vs = &env->systems[0];

	(void)state;
	assert_string_equal(env->config, "large");
	assert_int_equal(vs->cpus, 8);
	assert_int_equal(vs->cores_per_socket, 4);
	assert_int_equal(vs->memory, 16384 * MiB);
	assert_int_equal(vs->n_drives, 2);
	assert_int_equal(vs->n_nics, 2);
	assert_int_equal(env->disks[1].used, 1);
	ovk_ovf_free(env);
	env = parse_ok(cfg_ovf, "small");
	assert_int_equal(env->systems[0].cpus, 1);
	assert_int_equal(env->systems[0].memory, 2048 * MiB);
	ovk_ovf_free(env);
}

static void test_config_unknown(void **state)
{
	(void)state;
	parse_fails(cfg_ovf, "huge", OVK_OVF_ENOCONFIG,
		    "no configuration 'huge': the OVF offers 'small', 'medium', 'large'");
	/* Case matters: ids are xs:string. */
	parse_fails(cfg_ovf, "Large", OVK_OVF_ENOCONFIG, "no configuration 'Large'");
}

static void test_config_without_section(void **state)
{
	/* No DeploymentOptionSection: asking for one is the same error, and
	 * Items of undeclared configurations belong to none. */
	static const char xml[] =
		CFG_HEAD
		VM_HEAD
		CFG_ITEM("", 3, "1", "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>")
		CFG_ITEM(" ovf:configuration=\"big\"", 3, "1",
			 "<rasd:VirtualQuantity>4</rasd:VirtualQuantity>")
		CFG_ITEM("", 17, "4", "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>")
		CFG_ITEM("", 17, "5", "<rasd:HostResource>ovf:/disk/logs</rasd:HostResource>")
		VM_TAIL;
	struct ovk_ovf_envelope *env;

	(void)state;
	parse_fails(xml, "big", OVK_OVF_ENOCONFIG, "offers none (no DeploymentOptionSection)");
	env = parse_ok(xml, NULL);
	assert_null(env->config);
	assert_int_equal(env->n_configurations, 0);
	assert_int_equal(env->systems[0].cpus, 2);
	ovk_ovf_free(env);
}

static void test_config_first_is_default(void **state)
{
	/* Without ovf:default the first configuration is the default; two
	 * with one id are refused. */
	static const char xml[] =
		CFG_HEAD
		"<ovf:DeploymentOptionSection><ovf:Info>p</ovf:Info>"
		"<ovf:Configuration ovf:id=\"a\"><ovf:Label>A</ovf:Label></ovf:Configuration>"
		"<ovf:Configuration ovf:id=\"b\"><ovf:Label>B</ovf:Label></ovf:Configuration>"
		"</ovf:DeploymentOptionSection>"
		VM_HEAD
		CFG_ITEM(" ovf:configuration=\"a\"", 3, "1", "<rasd:VirtualQuantity>3</rasd:VirtualQuantity>")
		CFG_ITEM(" ovf:configuration=\"b\"", 3, "1", "<rasd:VirtualQuantity>5</rasd:VirtualQuantity>")
		CFG_ITEM("", 17, "4", "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>")
		CFG_ITEM("", 17, "5", "<rasd:HostResource>ovf:/disk/logs</rasd:HostResource>")
		VM_TAIL;
	struct ovk_ovf_envelope *env = parse_ok(xml, NULL);
	char *dup = strdup(xml), *p;

	(void)state;
	assert_string_equal(env->config, "a");
	assert_int_equal(env->systems[0].cpus, 3);
	ovk_ovf_free(env);
	assert_non_null(dup);
	p = strstr(dup, "ovf:id=\"b\"");
	p[8] = 'a';
	parse_fails(dup, NULL, EINVAL, "two configurations with id 'a'");
	free(dup);
}

/* ------------------------------------------------------------ oVirt */

#define OVIRT_HEAD                                                                        \
	"<?xml version='1.0' encoding='UTF-8'?>"                                          \
	"<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1/\" "            \
	"xmlns:rasd=\"" NS_RASD "\" "                                                     \
	"xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"                 \
	"CIM_VirtualSystemSettingData\" "                                                 \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ovf:version=\"4.4.0.0\">"

#define IMG "11111111-2222-3333-4444-555555555555"
#define VOL "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define VM_UUID "99999999-8888-7777-6666-555555555555"

static const char ovirt_ovf[] =
	OVIRT_HEAD
	"<References><File ovf:href=\"" IMG "/" VOL "\" ovf:id=\"" VOL "\" "
	"ovf:size=\"3221225472\" ovf:description=\"exported\"/></References>"
	"<Section xsi:type=\"ovf:NetworkSection_Type\"><Info>nets</Info>"
	"<Network ovf:name=\"ovirtmgmt\"/></Section>"
	"<Section xsi:type=\"ovf:DiskSection_Type\"><Info>disks</Info>"
	"<Disk ovf:diskId=\"" VOL "\" ovf:size=\"20\" ovf:actual_size=\"3\" "
	"ovf:vm_snapshot_id=\"" VM_UUID "\" ovf:parentRef=\"\" ovf:fileRef=\"" IMG "/" VOL "\" "
	"ovf:format=\"http://www.gnome.org/~markmc/qcow-image-format.html\" "
	"ovf:volume-format=\"COW\" ovf:volume-type=\"Sparse\" ovf:disk-interface=\"VirtIO\" "
	"ovf:boot=\"true\" ovf:disk-alias=\"web_Disk1\"/></Section>"
	"<Content ovf:id=\"out\" xsi:type=\"ovf:VirtualSystem_Type\">"
	"<Name>web</Name><Description>web server</Description>"
	"<Section ovf:id=\"" VM_UUID "\" ovf:required=\"false\" "
	"xsi:type=\"ovf:OperatingSystemSection_Type\"><Info>Guest Operating System</Info>"
	"<Description>windows_2019x64</Description></Section>"
	"<Section xsi:type=\"ovf:VirtualHardwareSection_Type\"><Info>4 CPU, 4096 Memory</Info>"
	"<System><vssd:VirtualSystemType>ENGINE 4.4.0.0</vssd:VirtualSystemType></System>"
	"<Item><rasd:Caption>4 virtual cpu</rasd:Caption><rasd:InstanceId>1</rasd:InstanceId>"
	"<rasd:ResourceType>3</rasd:ResourceType><rasd:num_of_sockets>2</rasd:num_of_sockets>"
	"<rasd:cpu_per_socket>2</rasd:cpu_per_socket><rasd:threads_per_cpu>1</rasd:threads_per_cpu>"
	"</Item>"
	"<Item><rasd:Caption>4096 MB of memory</rasd:Caption><rasd:InstanceId>2</rasd:InstanceId>"
	"<rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>MegaBytes"
	"</rasd:AllocationUnits><rasd:VirtualQuantity>4096</rasd:VirtualQuantity></Item>"
	"<Item><rasd:Caption>Drive 1</rasd:Caption><rasd:InstanceId>" VOL "</rasd:InstanceId>"
	"<rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>" IMG "/" VOL
	"</rasd:HostResource><rasd:Parent>00000000-0000-0000-0000-000000000000</rasd:Parent>"
	"<rasd:Template>00000000-0000-0000-0000-000000000000</rasd:Template></Item>"
	"<Item><rasd:Caption>Ethernet adapter on ovirtmgmt</rasd:Caption>"
	"<rasd:InstanceId>7</rasd:InstanceId><rasd:ResourceType>10</rasd:ResourceType>"
	"<rasd:ResourceSubType>3</rasd:ResourceSubType><rasd:Connection>ovirtmgmt"
	"</rasd:Connection><rasd:Name>nic1</rasd:Name>"
	"<rasd:MACAddress>56:6F:0A:1B:00:01</rasd:MACAddress></Item>"
	"</Section></Content></ovf:Envelope>";

static void test_ovirt(void **state)
{
	struct ovk_ovf_envelope *env = parse_ok(ovirt_ovf, NULL);
	const struct ovk_ovf_system *vs = &env->systems[0];

	(void)state;
	assert_int_equal(env->version, OVK_OVF_V1);
	assert_int_equal(env->dialect, OVK_OVF_DIALECT_OVIRT);
	assert_int_equal(env->n_disks, 1);
	assert_int_equal(env->disks[0].capacity, 20 * GiB);
	assert_int_equal(env->disks[0].populated_size, 3 * GiB);
	assert_null(env->disks[0].parent_ref);
	assert_string_equal(vs->name, "web");
	assert_int_equal(vs->cpus, 4);
	assert_int_equal(vs->cores_per_socket, 2);
	assert_int_equal(vs->memory, 4096 * MiB);
	/* The id is the VM's UUID: no CIM id; the name is the OS. */
	assert_int_equal(vs->os_id, -1);
	assert_string_equal(vs->os_type, "windows_2019x64");
	assert_int_equal(vs->n_drives, 1);
	assert_string_equal(vs->drives[0].disk_id, VOL);
	assert_int_equal(vs->drives[0].controller, -1);
	assert_true(has_warning(vs->warnings, vs->n_warnings, "names no controller"));
	assert_string_equal(vs->nics[0].mac, "56:6f:0a:1b:00:01");
	assert_int_equal(env->disks[0].used, 1);
	ovk_ovf_free(env);
}

/* ovirt_ovf with `from` (which must occur) replaced by `to`; malloc'ed. */
static char *ovirt_with(const char *from, const char *to)
{
	const char *at = strstr(ovirt_ovf, from);
	char *s = NULL;

	assert_non_null(at);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(at - ovirt_ovf), ovirt_ovf, to,
			     at + strlen(from)) > 0);
	return s;
}

static void test_ovirt_variants(void **state)
{
	struct ovk_ovf_envelope *env;
	char *s;

	(void)state;
	/* ovf:capacity in bytes, as ovirt-engine 4.4 writes beside the GiB. */
	s = ovirt_with("ovf:size=\"20\"", "ovf:size=\"20\" ovf:capacity=\"1073741824\"");
	env = parse_ok(s, NULL);
	assert_int_equal(env->disks[0].capacity, GiB);
	ovk_ovf_free(env);
	free(s);
	/* An OS given by name in ovf:id. */
	s = ovirt_with("\"" VM_UUID "\" ovf:required", "\"rhel_8x64\" ovf:required");
	env = parse_ok(s, NULL);
	assert_string_equal(env->systems[0].os_type, "rhel_8x64");
	ovk_ovf_free(env);
	free(s);
	/* A Disk with neither size says so, naming the dialect. */
	s = ovirt_with("ovf:size=\"20\"", "");
	parse_fails(s, NULL, EINVAL, "an oVirt OVF: disk '" VOL "' has neither ovf:capacity");
	free(s);
	/* A CPU Item with VirtualQuantity keeps it; threads make cores
	 * unknown. */
	s = ovirt_with("<rasd:threads_per_cpu>1", "<rasd:VirtualQuantity>8</rasd:VirtualQuantity>"
		       "<rasd:threads_per_cpu>2");
	env = parse_ok(s, NULL);
	assert_int_equal(env->systems[0].cpus, 8);
	assert_int_equal(env->systems[0].cores_per_socket, 0);
	ovk_ovf_free(env);
	free(s);
}

static void test_namespace_messages(void **state)
{
	(void)state;
	parse_fails("<Envelope xmlns=\"http://www.vmware.com/schema/ovf/1/envelope/x\"/>", NULL,
		    EINVAL, "an OVF 0.9 envelope, but its namespace is");
	parse_fails("<Envelope xmlns=\"http://www.ovirt.org/ovf\"/>", NULL, EINVAL,
		    "an oVirt OVF, but its <Envelope> is in namespace 'http://www.ovirt.org/ovf'");
	parse_fails("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/3\"/>", NULL, ENOTSUP,
		    "an OVF envelope of version '3'");
	parse_fails("<Envelope/>", NULL, EINVAL, "<Envelope> has no namespace");
	parse_fails("<ovf xmlns=\"urn:x\"/>", NULL, EINVAL,
		    "the root is <ovf> in namespace 'urn:x', not an OVF <Envelope>");
}

/* ------------------------------------------------------------ XenServer */

/* "Ubuntu Café" in UTF-8, under a declaration that says UTF-16. */
#define XEN_HEAD                                                                          \
	"<?xml version=\"1.0\" encoding=\"utf-16\"?>"                                     \
	"<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "             \
	"xmlns:rasd=\"" NS_RASD "\" "                                                     \
	"xmlns:xenovf=\"http://schemas.citrix.com/ovf/envelope/1\" "                      \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"                        \
	"<ovf:References><ovf:File ovf:id=\"f0\" ovf:href=\"vdi0.vhd\" ovf:size=\"1024\"/>"

#define XEN_DISKS                                                                         \
	"</ovf:References><ovf:DiskSection><ovf:Info>VDIs</ovf:Info>"                     \
	"<ovf:Disk ovf:diskId=\"vdi0\" ovf:fileRef=\"f0\" ovf:capacity=\"4294967296\" "   \
	"ovf:format=\"http://www.microsoft.com/technet/virtualserver/downloads/"          \
	"vhdspec.mspx\"/></ovf:DiskSection>"                                              \
	"<ovf:VirtualSystem ovf:id=\"xvm\"><ovf:Info>x</ovf:Info>"                        \
	"<ovf:Name>Ubuntu Caf\xc3\xa9</ovf:Name>"                                         \
	"<ovf:VirtualHardwareSection><ovf:Info>hw</ovf:Info>"                             \
	"<ovf:System><vssd:VirtualSystemType xmlns:vssd=\"urn:v\">xen-3.0-unknown"        \
	"</vssd:VirtualSystemType></ovf:System>"                                          \
	CFG_ITEM("", 3, "c", "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>")

#define XEN_VBD(type)                                                                     \
	CFG_ITEM("", type, "vbd0", "<rasd:Caption>Hard disk</rasd:Caption>"               \
		 "<rasd:HostResource>ovf:/disk/vdi0</rasd:HostResource>"                  \
		 "<rasd:Connection>device=0,bootable=true</rasd:Connection>"              \
		 "<rasd:AddressOnParent>0</rasd:AddressOnParent>")
#define XEN_TAIL "</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>"

static void test_xen(void **state)
{
	struct ovk_ovf_envelope *env = parse_ok(XEN_HEAD XEN_DISKS XEN_VBD(19) XEN_TAIL, NULL);
	const struct ovk_ovf_system *vs = &env->systems[0];

	(void)state;
	assert_true(has_warning(env->warnings, env->n_warnings,
				"p.ovf: the XML declaration says encoding 'utf-16', but the bytes "
				"are 8-bit: read as UTF-8"));
	assert_string_equal(vs->name, "Ubuntu Caf\xc3\xa9");
	assert_int_equal(vs->n_drives, 1);
	assert_int_equal(vs->drives[0].type, OVK_OVF_DRIVE_DISK);
	assert_string_equal(vs->drives[0].disk_id, "vdi0");
	assert_int_equal(vs->drives[0].controller, -1);
	assert_true(has_warning(vs->warnings, vs->n_warnings,
				"disk item vbd0 (ovf:/disk/vdi0) names no controller"));
	ovk_ovf_free(env);
	/* The same with a 17 Item. */
	env = parse_ok(XEN_HEAD XEN_DISKS XEN_VBD(17) XEN_TAIL, NULL);
	assert_int_equal(env->systems[0].n_drives, 1);
	ovk_ovf_free(env);
}

static void test_nothing_dropped(void **state)
{
	(void)state;
	/* A disk whose only Item is of a type we do not map is an error... */
	parse_fails(XEN_HEAD XEN_DISKS XEN_VBD(31) XEN_TAIL, NULL, EINVAL,
		    "disk 'vdi0' is attached by no drive Item we map: it would be dropped");
	/* ...so is a File nothing uses. */
	parse_fails(XEN_HEAD "<ovf:File ovf:id=\"f1\" ovf:href=\"orphan.vhd\"/>" XEN_DISKS
		    XEN_VBD(19) XEN_TAIL, NULL, EINVAL,
		    "File 'f1' (orphan.vhd) is used by no Disk or drive: it would be dropped");
	/* Bytes that are not UTF-8 either are still refused. */
	parse_fails("<?xml version=\"1.0\" encoding=\"utf-16\"?><a>\xff\xfe</a>", NULL, EINVAL,
		    "ill-formed XML");
}

/* ------------------------------------------------------------ HBAs */

static void test_hba_types(void **state)
{
	/* GCE's 8 without a subtype, FC and InfiniBand adapters, VMware's 20
	 * with and without a subtype, an LSI model on 20, an IDE by PIIX. */
	static const char xml[] =
		CFG_HEAD
		VM_HEAD
		CFG_ITEM("", 8, "c8", "<rasd:ElementName>SCSI Controller</rasd:ElementName>")
		CFG_ITEM("", 7, "c7", "<rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType>")
		CFG_ITEM("", 9, "c9", "")
		CFG_ITEM("", 20, "c20", "")
		CFG_ITEM("", 20, "c20s", "<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>")
		CFG_ITEM("", 20, "c20n", "<rasd:ResourceSubType>NVMe</rasd:ResourceSubType>")
		CFG_ITEM("", 5, "c5", "<rasd:ResourceSubType>PIIX4</rasd:ResourceSubType>")
		CFG_ITEM("", 17, "d0", "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>"
			 "<rasd:Parent>c8</rasd:Parent><rasd:AddressOnParent>0</rasd:AddressOnParent>")
		CFG_ITEM("", 17, "d1", "<rasd:HostResource>ovf:/disk/logs</rasd:HostResource>"
			 "<rasd:Parent>c20</rasd:Parent>")
		VM_TAIL;
	static const enum ovk_ovf_bus want[] = {
		OVK_OVF_BUS_SCSI, OVK_OVF_BUS_SCSI, OVK_OVF_BUS_SCSI, OVK_OVF_BUS_SATA,
		OVK_OVF_BUS_SCSI, OVK_OVF_BUS_NVME, OVK_OVF_BUS_IDE,
	};
	struct ovk_ovf_envelope *env = parse_ok(xml, NULL);
	const struct ovk_ovf_system *vs = &env->systems[0];

	(void)state;
	assert_int_equal(vs->n_controllers, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(vs->controllers[i].bus, want[i]);
	assert_null(vs->controllers[0].scsi_model);
	assert_string_equal(vs->controllers[0].name, "SCSI Controller");
	assert_string_equal(vs->controllers[1].scsi_model, "lsilogicsas");
	assert_string_equal(vs->controllers[4].scsi_model, "lsilogic");
	assert_int_equal(vs->drives[0].controller, 0);
	assert_int_equal(vs->drives[1].controller, 3);
	assert_int_equal(vs->n_warnings, 0);
	assert_int_equal(vs->n_unknown, 0);
	ovk_ovf_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_config_chosen),
		cmocka_unit_test(test_config_unknown),
		cmocka_unit_test(test_config_without_section),
		cmocka_unit_test(test_config_first_is_default),
		cmocka_unit_test(test_ovirt),
		cmocka_unit_test(test_ovirt_variants),
		cmocka_unit_test(test_namespace_messages),
		cmocka_unit_test(test_xen),
		cmocka_unit_test(test_nothing_dropped),
		cmocka_unit_test(test_hba_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
