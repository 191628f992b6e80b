/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * appliance_info.c: `ova-convert --info` for an appliance: per VM its name,
 * OS, firmware, CPUs and topology, memory, controllers, disks, NICs and
 * networks, its OVF properties (never a password's value) and environment
 * transport, and the package's manifest and signature status, and every
 * configuration of a DeploymentOptionSection with the CPUs and memory it
 * gives.  Keys are snake_case and documented in the README.
 */
#include <errno.h>
#include <string.h>

#include "core/info.h"
#include "engine/engine.h"
#include "ova/package.h"

static const char *kind_name(enum ovk_appliance_kind k)
{
	switch (k) {
	case OVK_APPLIANCE_OVA: return "ova";
	case OVK_APPLIANCE_OVA_STREAM: return "ova (compressed, streamed)";
	case OVK_APPLIANCE_OVF: return "ovf";
	}
	return "?";
}

static const char *version_name(enum ovk_ovf_version v)
{
	switch (v) {
	case OVK_OVF_V0_9: return "0.9";
	case OVK_OVF_V1: return "1.x";
	case OVK_OVF_V2: return "2.0";
	}
	return "?";
}

static void str_if(struct ovk_info *info, const char *key, const char *val)
{
	if (val)
		ovk_info_str(info, key, val);
}

static void describe_controllers(struct ovk_info *info, const struct ovk_ovf_system *vs)
{
	ovk_info_begin_list(info, "controllers");
	for (size_t i = 0; i < vs->n_controllers; i++) {
		const struct ovk_ovf_controller *c = &vs->controllers[i];

		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "instance-id", c->instance_id);
		ovk_info_str(info, "bus", ovk_ovf_bus_name(c->bus));
		str_if(info, "subtype", c->subtype);
		str_if(info, "model", c->scsi_model);
		ovk_info_end(info);
	}
	ovk_info_end(info);
}

static const char *drive_type(enum ovk_ovf_drive_type t)
{
	switch (t) {
	case OVK_OVF_DRIVE_DISK: return "disk";
	case OVK_OVF_DRIVE_CDROM: return "cdrom";
	case OVK_OVF_DRIVE_FLOPPY: return "floppy";
	}
	return "?";
}

static void describe_drive(struct ovk_info *info, const struct ovk_ovf_envelope *env,
			   const struct ovk_ovf_system *vs, const struct ovk_ovf_drive *d)
{
	const struct ovk_ovf_disk *disk = d->disk_id ? ovk_ovf_find_disk(env, d->disk_id) : NULL;
	const struct ovk_ovf_file *file =
		disk && disk->file_ref ? ovk_ovf_find_file(env, disk->file_ref) : NULL;

	ovk_info_begin_object(info, NULL);
	ovk_info_str(info, "type", drive_type(d->type));
	if (disk) {
		ovk_info_str(info, "disk-id", disk->id);
		str_if(info, "file", file ? file->href : NULL);
		str_if(info, "format", disk->format);
		ovk_info_u64(info, "capacity", disk->capacity);
		if (disk->populated_size)
			ovk_info_u64(info, "populated-size", disk->populated_size);
		str_if(info, "parent", disk->parent_ref);
	}
	if (d->controller >= 0) {
		const struct ovk_ovf_controller *c = &vs->controllers[d->controller];

		ovk_info_str(info, "controller", c->instance_id);
		ovk_info_str(info, "bus", ovk_ovf_bus_name(c->bus));
	}
	if (d->address_on_parent >= 0)
		ovk_info_u64(info, "slot", (uint64_t)d->address_on_parent);
	ovk_info_end(info);
}

static void describe_properties(struct ovk_info *info, const struct ovk_ovf_system *vs)
{
	str_if(info, "transport", vs->transport);
	ovk_info_begin_list(info, "properties");
	for (size_t i = 0; i < vs->n_properties; i++) {
		const struct ovk_ovf_property *p = &vs->properties[i];

		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "key", p->key);
		ovk_info_str(info, "type", p->type_name);
		str_if(info, "qualifiers", p->qualifiers);
		str_if(info, "label", p->label);
		str_if(info, "description", p->description);
		/* a password's default is as secret as the value it stands for */
		if (p->value && !p->password)
			ovk_info_str(info, "default", p->value);
		ovk_info_bool(info, "has-default", p->value != NULL);
		ovk_info_bool(info, "user-configurable", p->user_configurable);
		ovk_info_bool(info, "password", p->password);
		ovk_info_end(info);
	}
	ovk_info_end(info);
}

static void describe_system(struct ovk_info *info, const struct ovk_ovf_envelope *env,
			    const struct ovk_ovf_system *vs)
{
	ovk_info_begin_object(info, NULL);
	ovk_info_str(info, "name", vs->name);
	str_if(info, "collection", vs->collection);
	if (vs->os_id >= 0)
		ovk_info_u64(info, "os-id", (uint64_t)vs->os_id);
	str_if(info, "os-type", vs->os_type);
	str_if(info, "os-description", vs->os_description);
	ovk_info_str(info, "firmware", ovk_ovf_firmware_name(vs->firmware));
	ovk_info_bool(info, "secure-boot", vs->secure_boot);
	ovk_info_u64(info, "cpus", vs->cpus);
	if (vs->cores_per_socket)
		ovk_info_u64(info, "cores-per-socket", vs->cores_per_socket);
	ovk_info_u64(info, "memory", vs->memory);
	describe_controllers(info, vs);
	ovk_info_begin_list(info, "drives");
	for (size_t i = 0; i < vs->n_drives; i++)
		describe_drive(info, env, vs, &vs->drives[i]);
	ovk_info_end(info);
	ovk_info_begin_list(info, "nics");
	for (size_t i = 0; i < vs->n_nics; i++) {
		ovk_info_begin_object(info, NULL);
		str_if(info, "model", vs->nics[i].model);
		str_if(info, "mac", vs->nics[i].mac);
		str_if(info, "network", vs->nics[i].network);
		ovk_info_end(info);
	}
	ovk_info_end(info);
	describe_properties(info, vs);
	ovk_info_begin_list(info, "unknown");
	for (size_t i = 0; i < vs->n_unknown; i++)
		ovk_info_str(info, NULL, vs->unknown[i].what);
	ovk_info_end(info);
	ovk_info_end(info);
}

/* One configuration's totals over the systems: parsing the descriptor
 * again with it chosen is the same filter the conversion applies. */
static int config_totals(const struct ovk_package *pkg, const char *id, uint64_t *cpus,
			 uint64_t *memory, struct ovk_error *err)
{
	struct ovk_ovf_envelope *env = NULL;
	const uint8_t *ovf;
	size_t len;

	ovk_appliance_ovf(pkg->app, &ovf, &len);
	if (ovk_ovf_parse_config(ovf, len, ovk_appliance_ovf_name(pkg->app), id, &env, err) < 0)
		return -1;
	*cpus = *memory = 0;
	for (size_t i = 0; i < env->n_systems; i++) {
		*cpus += env->systems[i].cpus;
		*memory += env->systems[i].memory;
	}
	ovk_ovf_free(env);
	return 0;
}

static int describe_configurations(struct ovk_info *info, const struct ovk_package *pkg,
				   struct ovk_error *err)
{
	const struct ovk_ovf_envelope *env = pkg->env;

	str_if(info, "configuration", env->config);
	ovk_info_begin_list(info, "configurations");
	for (size_t i = 0; i < env->n_configurations; i++) {
		const struct ovk_ovf_configuration *cf = &env->configurations[i];
		uint64_t cpus, memory;

		if (config_totals(pkg, cf->id, &cpus, &memory, err) < 0)
			return -1;
		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "id", cf->id);
		str_if(info, "label", cf->label);
		str_if(info, "description", cf->description);
		ovk_info_bool(info, "default", cf->is_default);
		ovk_info_bool(info, "selected", strcmp(cf->id, env->config) == 0);
		ovk_info_u64(info, "cpus", cpus);
		ovk_info_u64(info, "memory", memory);
		ovk_info_end(info);
	}
	ovk_info_end(info);
	return 0;
}

int ovk_appliance_info(const char *input, unsigned open_flags,
		       const struct ovk_appliance_opts *appliance_opts, struct ovk_info **out,
		       struct ovk_error *err)
{
	struct ovk_package_opts popts = { .open_flags = open_flags, .describe_only = 1 };
	struct ovk_appliance_opts ao;
	struct ovk_package *pkg = NULL;
	struct ovk_info *info = NULL;
	int ret = -1;

	if (ovk_opts_load(&ao, sizeof ao, appliance_opts, "ovk_appliance_opts", err) < 0)
		return -1;
	popts.no_verify = ao.no_verify;
	popts.require_signature = ao.require_signature;
	popts.note = ao.note;
	popts.note_opaque = ao.note_opaque;
	popts.config = ao.config;
	popts.trust = ao.trust;
	popts.trust_system = ao.trust_system;
	if (ovk_package_open(input, &popts, &pkg, err) < 0)
		return -1;
	if (!(info = ovk_info_new())) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ovk_info_str(info, "filename", input);
	ovk_info_str(info, "format", kind_name(ovk_appliance_kind(pkg->app)));
	ovk_info_str(info, "ovf-version", version_name(pkg->env->version));
	ovk_info_str(info, "descriptor", ovk_appliance_ovf_name(pkg->app));
	if (ovk_package_describe_manifest(pkg, ao.verify_all, info, err) < 0)
		goto out;
	ovk_info_bool(info, "signed", pkg->cert.present);
	if (pkg->cert.present) {
		str_if(info, "signer", pkg->cert.subject);
		ovk_info_bool(info, "signer-self-signed", pkg->cert.self_signed);
		ovk_info_bool(info, "signer-expired", pkg->cert.expired);
		ovk_info_bool(info, "signer-trusted", pkg->cert.trusted);
	}
	if (describe_configurations(info, pkg, err) < 0)
		goto out;
	ovk_info_begin_list(info, "networks");
	for (size_t i = 0; i < pkg->env->n_networks; i++)
		ovk_info_str(info, NULL, pkg->env->networks[i].name);
	ovk_info_end(info);
	ovk_info_begin_list(info, "virtual-systems");
	for (size_t i = 0; i < pkg->env->n_systems; i++)
		describe_system(info, pkg->env, &pkg->env->systems[i]);
	ovk_info_end(info);
	*out = info;
	info = NULL;
	ret = 0;
out:
	ovk_info_free(info);
	ovk_package_free(pkg);
	return ret;
}
