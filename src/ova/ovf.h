/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovf.h: the VM model read from an OVF descriptor, in host terms.
 *
 * ovk_ovf_parse() turns the XML of any dialect we meet (OVF 0.9 with odd
 * prefixes, DMTF 1.x, DMTF 2.0 with StorageItem/EthernetPortItem, VMware
 * and VirtualBox extensions) into plain structs: sizes in bytes, counts as
 * integers, references as ids that are checked to exist.  Nothing in the
 * model points back into the XML, so the document is freed after parsing.
 *
 * Invariants once ovk_ovf_parse() returns 0:
 *   - every File id, Disk id and VirtualSystem id is unique;
 *   - every disk's file_ref (when set) names a File, parent_ref a Disk;
 *   - every drive's disk_id (when set) names a Disk, and its controller
 *     index (when >= 0) names a controller of the same system;
 *   - memory and capacity are exact byte counts within the named limits;
 *   - with a DeploymentOptionSection, `config` is one of `configurations`
 *     and only the Items of that configuration are in the systems;
 *   - every Disk is attached by a drive, is the parent of one that is, or
 *     is attached only in another configuration (`used` 0): none is
 *     dropped; every File is referenced by something in the document.
 * Anything we do not model is listed in `unknown`, with its line, so the
 * caller can report it: nothing is dropped silently.
 *
 * Ownership: the envelope owns every string and array; free it with
 * ovk_ovf_free() (NULL-safe).  The model is immutable after parsing and may
 * be read from many threads.
 */
#ifndef OVK_OVA_OVF_H
#define OVK_OVA_OVF_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Per-document limits.  Hostile descriptors are refused, not trimmed. */
/* VMware's largest VM has ~300 devices (4 SCSI x 64 disks, 10 NICs, ...),
 * and VirtualBox fewer; 4096 items per hardware section is 10x that. */
#define OVK_OVF_MAX_ITEMS 4096
/* Files, disks and networks per package: bounded by the items that use
 * them, so the same 4096. */
#define OVK_OVF_MAX_REFS 4096
/* Virtual systems in one package (collections included).  Real multi-VM
 * vApps have tens. */
#define OVK_OVF_MAX_SYSTEMS 1024
/* vCPUs: QEMU/KVM's ceiling today is 4096 (x86 with x2APIC). */
#define OVK_OVF_MAX_CPUS 4096
/* Memory: 64 TiB, above vSphere 8's 24 TB per VM and any host we import to. */
#define OVK_OVF_MAX_MEMORY ((uint64_t)1 << 46)
/* Disk capacity: 64 PiB, above every hypervisor's disk limit (VMDK 62 TiB,
 * VHDX 64 TiB) and 256x below 2^64, so offsets derived from it never wrap. */
#define OVK_OVF_MAX_CAPACITY ((uint64_t)1 << 56)
/* Text we keep (names, descriptions): longer values are refused. */
#define OVK_OVF_MAX_TEXT 65536
/* ProductSection properties per virtual system: vendor appliances have
 * tens (VMware's vCenter appliance about 60, NSX managers about 100);
 * 1024 is ten times the largest we have seen. */
#define OVK_OVF_MAX_PROPERTIES 1024
/* A property key (class.key.instance): keys are identifiers such as
 * "guestinfo.cis.appliance.net.addr"; 256 bytes is five times the longest
 * seen, and keeps the keys shown in messages on a line or two. */
#define OVK_OVF_MAX_KEY 256
/* ValueMap entries of one property: a choice list a user picks from. */
#define OVK_OVF_MAX_VALUE_MAP 1024

enum ovk_ovf_version {
	OVK_OVF_V0_9,   /* http://www.vmware.com/schema/ovf/1/envelope */
	OVK_OVF_V1,     /* http://schemas.dmtf.org/ovf/envelope/1 */
	OVK_OVF_V2,     /* http://schemas.dmtf.org/ovf/envelope/2 */
};

/* Producers whose OVF departs from the DMTF schema in ways we read. */
enum ovk_ovf_dialect {
	OVK_OVF_DIALECT_DMTF,
	/* ovirt-engine and virt-v2v -o rhv/vdsm: the 1.x namespace with a
	 * trailing slash, no default namespace, Disk ovf:size in GiB,
	 * HostResource "group/image", CPUs as sockets x cores. */
	OVK_OVF_DIALECT_OVIRT,
};

/* One entry of the DeploymentOptionSection. */
struct ovk_ovf_configuration {
	char *id;
	char *label;             /* <Label>, or NULL */
	char *description;       /* <Description>, or NULL */
	int is_default;          /* ovf:default="true" */
};

struct ovk_ovf_file {
	char *id;
	char *href;              /* as written; checked by the container */
	uint64_t size;           /* stored bytes (compressed, all chunks); 0 if unknown */
	int has_size;
	char *compression;       /* "gzip", or NULL */
	uint64_t chunk_size;     /* 0: not chunked */
};

struct ovk_ovf_disk {
	char *id;
	uint64_t capacity;       /* bytes, exact */
	uint64_t populated_size; /* bytes, 0 if unknown */
	char *format;            /* URI, or NULL */
	char *file_ref;          /* File id, or NULL for a blank disk */
	char *parent_ref;        /* Disk id of the parent of a delta disk, or NULL */
	/* Drives of the chosen configuration attaching it, plus children
	 * that are; 0: attached only in another configuration. */
	unsigned used;
};

struct ovk_ovf_network {
	char *name;
	char *description;
};

enum ovk_ovf_firmware {
	OVK_OVF_FW_DEFAULT,      /* not said: BIOS in practice */
	OVK_OVF_FW_BIOS,
	OVK_OVF_FW_EFI,
};

enum ovk_ovf_bus {
	OVK_OVF_BUS_IDE,         /* ResourceType 5 */
	OVK_OVF_BUS_SCSI,        /* 6, and the SCSI transports 7 (FC), 8 (iSCSI), 9 (IB) */
	OVK_OVF_BUS_SATA,        /* 20 with AHCI, vmware.sata.ahci, or unknown subtype */
	OVK_OVF_BUS_NVME,        /* 20 with NVMe, vmware.nvme.controller */
};

struct ovk_ovf_controller {
	char *instance_id;
	enum ovk_ovf_bus bus;
	char *subtype;           /* e.g. "lsilogic", "VirtualSCSI", "PIIX4"; may be NULL */
	char *scsi_model;        /* SCSI: the recognised model, lower case
				  * ("lsilogic", "lsilogicsas", "buslogic",
				  * "virtualscsi"), or NULL */
	int64_t address;         /* rasd:Address / BusNumber, or -1 */
	char *name;              /* ElementName or Caption */
};

enum ovk_ovf_drive_type {
	OVK_OVF_DRIVE_DISK,      /* 17 */
	OVK_OVF_DRIVE_CDROM,     /* 15, 16 */
	OVK_OVF_DRIVE_FLOPPY,    /* 14 */
};

struct ovk_ovf_drive {
	enum ovk_ovf_drive_type type;
	char *instance_id;
	char *host_resource;     /* as written, or NULL */
	char *disk_id;           /* for disks: the Disk it shows, or NULL */
	char *file_ref;          /* HostResource ovf:/file/ID (an ISO), or NULL */
	int controller;          /* index into the system's controllers, or -1:
				  * none named (a warning says so for disks) */
	int64_t address_on_parent; /* -1 when not given */
	char *name;
};

struct ovk_ovf_nic {
	char *instance_id;
	char *model;             /* ResourceSubType as written ("E1000", "VmxNet3"), or NULL */
	char *mac;               /* "00:50:56:..", normalised to lower case with colons, or NULL */
	char *network;           /* rasd:Connection, or NULL */
	int64_t address_on_parent;
	char *name;
};

enum ovk_ovf_device_type {
	OVK_OVF_DEV_SERIAL,      /* 21 */
	OVK_OVF_DEV_USB,         /* 23 */
	OVK_OVF_DEV_VIDEO,       /* 24 */
	OVK_OVF_DEV_SOUND,       /* 35 */
};

struct ovk_ovf_device {
	enum ovk_ovf_device_type type;
	char *instance_id;
	char *subtype;
	char *name;
};

/* One thing we read past without modelling it. */
struct ovk_ovf_unknown {
	char *what;              /* "Item 7 (ResourceType 1, vmware.vmci)" or an element */
	long line;
	int required;            /* ovf:required was not "false" */
};

/* vmw:Config / vmw:ExtraConfig key=value pairs of a hardware section. */
struct ovk_ovf_config {
	char *key;
	char *value;
};

struct ovk_ovf_product {
	char *product, *vendor, *version, *full_version, *product_url, *vendor_url;
};

/* A property's type: DSP0243's (uint8..sint64, real32/64, boolean,
 * string) and VMware's spellings (int, real, password, ip). */
enum ovk_ovf_prop_type {
	OVK_OVF_PROP_STRING,
	OVK_OVF_PROP_BOOLEAN,
	OVK_OVF_PROP_INT,        /* with min/max from the type (uint8..sint64, int) */
	OVK_OVF_PROP_REAL,       /* real32, real64, real */
	OVK_OVF_PROP_IP,         /* VMware's "ip" type or vmw:qualifiers="Ip": an address */
	OVK_OVF_PROP_OTHER,      /* a type we do not know: kept as a string, with a warning */
};

/* One ProductSection Property, as the environment names it. */
struct ovk_ovf_property {
	char *key;               /* [class.]key[.instance], as in the environment */
	char *type_name;         /* ovf:type as written ("uint16", "string") */
	enum ovk_ovf_prop_type type;
	int64_t int_min;         /* OVK_OVF_PROP_INT: the type's range, narrowed */
	uint64_t int_max;        /*   by MinValue()/MaxValue(); int_min may be < 0 */
	int has_min_len, has_max_len;
	uint64_t min_len, max_len; /* MinLen(n), MaxLen(n): bytes of the value */
	char **value_map;        /* ValueMap{...}: allowed values ("a", or "1..4" for INT) */
	size_t n_value_map;
	char *qualifiers;        /* ovf:qualifiers and vmw:qualifiers as written, or NULL */
	int user_configurable;   /* ovf:userConfigurable="true" (default false) */
	int password;            /* ovf:password="true": never shown */
	char *value;             /* the default (ovf:value, or the chosen
				  * configuration's <Value>), or NULL: none */
	char *label, *description;
	long line;               /* where it is, for messages */
};

struct ovk_ovf_system {
	char *id;
	char *name;              /* <Name>, else ovf:id */
	char *info;
	char *collection;        /* id of the enclosing VirtualSystemCollection, or NULL */
	char *system_type;       /* vssd:VirtualSystemType ("vmx-08 vmx-09"), or NULL */
	int64_t os_id;           /* CIM OS id, -1 if absent */
	char *os_type;           /* vmw:osType or vbox:OSType, or NULL */
	char *os_description;
	char *annotation;        /* AnnotationSection's Annotation, or NULL */

	enum ovk_ovf_firmware firmware;
	int secure_boot;
	char *nvram_file_ref;    /* File id of VMware's NVRAM file, or NULL */

	uint32_t cpus;           /* 0 when the OVF gives none */
	uint32_t cores_per_socket; /* 0 when not given */
	uint64_t memory;         /* bytes, 0 when not given */

	struct ovk_ovf_controller *controllers;
	size_t n_controllers;
	struct ovk_ovf_drive *drives;
	size_t n_drives;
	struct ovk_ovf_nic *nics;
	size_t n_nics;
	struct ovk_ovf_device *devices;
	size_t n_devices;
	struct ovk_ovf_config *config;
	size_t n_config;
	struct ovk_ovf_product *products;
	size_t n_products;
	/* ProductSection properties (keys unique within the system), and the
	 * environment transports of the VirtualHardwareSection (ovf:transport,
	 * a list: "iso", "com.vmware.guestInfo"). */
	struct ovk_ovf_property *properties;
	size_t n_properties;
	char *transport;         /* as written, or NULL */
	int transport_iso;       /* "iso" is listed */
	int transport_guestinfo; /* "com.vmware.guestInfo" is listed */
	struct ovk_ovf_unknown *unknown;
	size_t n_unknown;
	/* Departures the mapping must make (a disk without a controller). */
	char **warnings;
	size_t n_warnings;
	/* Disk ids attached only by Items of other configurations. */
	char **other_config_disks;
	size_t n_other_config_disks;
};

struct ovk_ovf_envelope {
	enum ovk_ovf_version version;
	enum ovk_ovf_dialect dialect;
	struct ovk_ovf_configuration *configurations;  /* DeploymentOptionSection */
	size_t n_configurations;
	char *config;            /* the chosen configuration's id; NULL without any */
	struct ovk_ovf_file *files;
	size_t n_files;
	struct ovk_ovf_disk *disks;
	size_t n_disks;
	struct ovk_ovf_network *networks;
	size_t n_networks;
	struct ovk_ovf_system *systems;
	size_t n_systems;
	struct ovk_ovf_unknown *unknown;   /* envelope-level sections */
	size_t n_unknown;
	/* What was read other than as written (an encoding that contradicts
	 * the bytes), for the caller to show as warnings. */
	char **warnings;
	size_t n_warnings;
};

/* Parse an OVF descriptor.  `name` is used in messages ("x.ova:x.ovf"). */
int ovk_ovf_parse(const uint8_t *buf, size_t len, const char *name,
		  struct ovk_ovf_envelope **out, struct ovk_error *err);
/* The same with the Items of configuration `config` (NULL: the default,
 * ovf:default="true", else the first).  A `config` the envelope does not
 * offer fails with errnum OVK_OVF_ENOCONFIG, naming the ones it does. */
#define OVK_OVF_ENOCONFIG ESRCH
int ovk_ovf_parse_config(const uint8_t *buf, size_t len, const char *name, const char *config,
			 struct ovk_ovf_envelope **out, struct ovk_error *err);
void ovk_ovf_free(struct ovk_ovf_envelope *env);

const struct ovk_ovf_file *ovk_ovf_find_file(const struct ovk_ovf_envelope *env, const char *id);
const struct ovk_ovf_disk *ovk_ovf_find_disk(const struct ovk_ovf_envelope *env, const char *id);

/* Parse a byte count written as `value` in `units` (DSP0004 programmatic
 * units such as "byte * 2^30", or "MegaBytes", "GB", ...).  NULL units
 * means `default_shift` (0 for bytes, 20 for MiB).  Refuses overflow and
 * anything above `limit`. */
int ovk_ovf_bytes(const char *value, const char *units, unsigned default_shift, uint64_t limit,
		  uint64_t *out, struct ovk_error *err);

/* Strict decimal: digits only, no sign, no overflow. */
int ovk_ovf_u64(const char *s, uint64_t *out);

/* A MAC address as "00:50:56:AA:BB:CC", "00-50-56-aa-bb-cc" or
 * "005056AABBCC", normalised to "00:50:56:aa:bb:cc".  -1 if it is not one. */
int ovk_ovf_mac(const char *in, char out[18]);

/* Whether v is a value property p may hold (its type, MinLen, MaxLen,
 * ValueMap, MinValue, MaxValue, Ip; and text an XML document can carry):
 * 0, or -1 with the reason in why ("shorter than MinLen(1)"), which never
 * quotes the value. */
int ovk_ovf_prop_check(const struct ovk_ovf_property *p, const char *v, char *why, size_t len);

const char *ovk_ovf_bus_name(enum ovk_ovf_bus bus);
const char *ovk_ovf_firmware_name(enum ovk_ovf_firmware fw);

#endif
