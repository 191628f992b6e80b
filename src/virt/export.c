/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export.c: ovk_export(), the public entry of ova-export.  It checks the
 * options, describes the machine (from a libvirt domain, export_dom.c, or
 * from disk images and the options), applies the overrides, and hands the
 * machine to src/ova, which maps it to VMware's hardware and writes the
 * package (ova/export.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/info.h"
#include "engine/engine.h"
#include "virt/export_priv.h"
#include "virt/lv.h"

/* Memory when an image export names none: 1 GiB. */
#define IMAGE_MEMORY_DEFAULT ((uint64_t)1 << 30)

static int one_of(const char *v, const char *const *names, const char *what, int *index,
		  struct ovk_error *err)
{
	for (int i = 0; names[i]; i++) {
		if (strcasecmp(v, names[i]) == 0) {
			*index = i;
			return 0;
		}
	}
	return ovk_error_set(err, EINVAL, "%s '%s': not one of the values it takes", what, v);
}

/* The public options as the writer's. */
static int writer_opts(const struct ovk_export_opts *o, struct ovk_exp_opts *w,
		       struct ovk_error *err)
{
	static const char *const scsi[] = { "lsilogicsas", "pvscsi", NULL };
	static const char *const nics[] = { "vmxnet3", "e1000e", "e1000", "none", NULL };
	int i = 0;

	memset(w, 0, sizeof *w);
	if (o->scsi && one_of(o->scsi, scsi, "--scsi", &i, err) < 0)
		return -1;
	w->pvscsi = i == 1;
	if (o->nic && one_of(o->nic, nics, "--nic", &i, err) < 0)
		return -1;
	w->nic_model = o->nic && strcasecmp(o->nic, "none") != 0 ? o->nic : NULL;
	if (o->hw_version && (o->hw_version < OVK_EXP_HW_MIN || o->hw_version > OVK_EXP_HW_MAX))
		return ovk_error_set(err, EINVAL, "--hw-version %u: vmx-%02u to vmx-%02u",
				     o->hw_version, OVK_EXP_HW_MIN, OVK_EXP_HW_MAX);
	if (o->ovf_version > 2)
		return ovk_error_set(err, EINVAL, "--ovf-version: 1.0 or 2.0");
	w->manifest_alg = OVK_HASH_SHA256;
	if (o->manifest && strcasecmp(o->manifest, "none") == 0)
		w->manifest_alg = OVK_HASH_NONE;
	else if (o->manifest && ((w->manifest_alg = ovk_hash_from_name(o->manifest)) == OVK_HASH_NONE ||
				 w->manifest_alg == OVK_HASH_MD5))
		return ovk_error_set(err, EINVAL, "--manifest '%s': sha1, sha256, sha512 or "
				     "none", o->manifest);
	if (!o->sign_key != !o->sign_cert)
		return ovk_error_set(err, EINVAL, "--sign needs --cert, and --cert --sign");
	if (o->sign_key && w->manifest_alg == OVK_HASH_NONE)
		return ovk_error_set(err, EINVAL, "--sign: a signature is over the manifest, and "
				     "--manifest none makes none");
	w->hw_version = o->hw_version;
	w->ovf_version = o->ovf_version;
	w->sign_key = o->sign_key;
	w->sign_cert = o->sign_cert;
	w->dir = o->dir;
	w->force = o->force;
	w->no_sync = o->no_sync;
	w->threads = o->threads;
	w->cancel = o->cancel;
	w->progress = o->progress;
	w->progress_opaque = o->progress_opaque;
	w->note = o->note;
	w->note_opaque = o->note_opaque;
	return 0;
}

static int dup_opt(const char *s, char **out, struct ovk_error *err)
{
	if (!s)
		return 0;
	free(*out);
	if (!(*out = strdup(s)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* A machine from disk images and the options. */
static int from_images(const char *const *disks, const struct ovk_export_opts *o,
		       struct ovk_exp_vm *vm, struct ovk_error *err)
{
	static const char *const buses[] = { "scsi", "sata", "ide", "virtio", "nvme", NULL };
	static const char *const fws[] = { "bios", "efi", NULL };
	size_t n = 0;
	int bus = 0, fw = 0;

	while (disks[n])
		n++;
	if (!o->name || !*o->name)
		return ovk_error_set(err, EINVAL, "disk images need --name");
	if (n == 0 || n > OVK_EXP_MAX_DEVICES)
		return ovk_error_set(err, EINVAL, "1 to %d disk images", OVK_EXP_MAX_DEVICES);
	if ((o->disk_bus && one_of(o->disk_bus, buses, "--disk-bus", &bus, err) < 0) ||
	    (o->firmware && one_of(o->firmware, fws, "--firmware", &fw, err) < 0))
		return -1;
	if (o->cpus > OVK_EXP_MAX_CPUS || (o->cores && (o->cpus ? o->cpus : 1) % o->cores))
		return ovk_error_set(err, EINVAL, "--cpus %u, --cores %u: up to %u CPUs, "
				     "a whole number of sockets", o->cpus, o->cores, OVK_EXP_MAX_CPUS);
	if (o->secure_boot && fw != 1)
		return ovk_error_set(err, EINVAL, "--secure-boot needs --firmware efi");
	vm->cpus = o->cpus ? o->cpus : 1;
	vm->cores = o->cores;
	vm->memory = o->memory ? o->memory : IMAGE_MEMORY_DEFAULT;
	vm->efi = fw == 1;
	vm->secure_boot = o->secure_boot;
	if (!(vm->disks = calloc(n, sizeof *vm->disks)) || !(vm->nics = calloc(1, sizeof *vm->nics)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++, vm->n_disks++) {
		struct ovk_exp_disk *d = &vm->disks[i];

		d->bus = (enum ovk_exp_bus)bus;
		if (dup_opt(disks[i], &d->path, err) < 0 || dup_opt(disks[i], &d->target, err) < 0)
			return -1;
	}
	if (o->nic && strcasecmp(o->nic, "none") == 0)
		return dup_opt(o->name, &vm->name, err);
	vm->n_nics = 1;
	if (dup_opt(o->network, &vm->nics[0].network, err) < 0)
		return -1;
	return dup_opt(o->name, &vm->name, err);
}

static int from_domain(const char *domain, const struct ovk_export_opts *o,
		       struct ovk_exp_vm *vm, struct ovk_error *err)
{
	struct ovk_lv *lv = NULL;
	char *xml = NULL;
	int active = 0, ret = -1;

	if (ovk_lv_open(o->uri, &lv, err) < 0 ||
	    ovk_lv_domain_read(lv, domain, &xml, &active, err) < 0)
		goto out;
	if (active && !o->force_running) {
		ovk_error_set(err, OVK_ERUNNING, "domain %s is running: its disks may change while "
			      "they are read; shut it down, or --force", domain);
		goto out;
	}
	if (active && o->note)
		o->note(o->note_opaque, "the domain is running: its disks may be inconsistent "
			"(--force)");
	ret = ovk_export_read_domain(lv, xml, o->download, vm, err);
	if (ret < 0)
		ovk_error_prefix(err, "domain %s", domain);
out:
	free(xml);
	ovk_lv_close(lv);
	return ret;
}

static void machine_info(const struct ovk_exp_vm *vm, struct ovk_info *info)
{
	ovk_info_str(info, "name", vm->name);
	ovk_info_u64(info, "cpus", vm->cpus);
	if (vm->cores)
		ovk_info_u64(info, "cores-per-socket", vm->cores);
	ovk_info_u64(info, "memory", vm->memory);
	ovk_info_str(info, "firmware", vm->efi ? "efi" : "bios");
	ovk_info_bool(info, "secure-boot", vm->secure_boot);
	if (vm->os)
		ovk_info_str(info, "os", vm->os);
	ovk_info_begin_list(info, "disks");
	for (size_t i = 0; i < vm->n_disks; i++) {
		const struct ovk_exp_disk *d = &vm->disks[i];

		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "target", d->target);
		ovk_info_str(info, "device", d->cdrom ? "cdrom" : "disk");
		if (!d->cdrom) {
			ovk_info_str(info, "file", d->file);
			ovk_info_u64(info, "capacity", d->capacity);
			ovk_info_u64(info, "populated-size", d->populated);
			ovk_info_u64(info, "file-size", d->file_size);
		}
		ovk_info_end(info);
	}
	ovk_info_end(info);
	ovk_info_begin_list(info, "nics");
	for (size_t i = 0; i < vm->n_nics; i++) {
		ovk_info_begin_object(info, NULL);
		if (vm->nics[i].mac)
			ovk_info_str(info, "mac", vm->nics[i].mac);
		ovk_info_str(info, "network", vm->nics[i].network ? vm->nics[i].network
								 : "VM Network");
		ovk_info_end(info);
	}
	ovk_info_end(info);
}

int ovk_export(const char *domain, const char *const *disks, const char *output,
	       const struct ovk_export_opts *opts, struct ovk_info **summary,
	       struct ovk_error *err)
{
	struct ovk_export_opts o;
	struct ovk_exp_opts w;
	struct ovk_exp_vm *vm = calloc(1, sizeof *vm);
	struct ovk_info *info = NULL;
	int ret = -1;

	if (summary)
		*summary = NULL;
	if (!vm || !(info = ovk_info_new())) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_opts_load(&o, sizeof o, opts, "ovk_export_opts", err) < 0 ||
	    writer_opts(&o, &w, err) < 0)
		goto out;
	if (!domain == !disks) {
		ovk_error_set(err, EINVAL, "a domain or disk images, not both");
		goto out;
	}
	if ((domain ? from_domain(domain, &o, vm, err) : from_images(disks, &o, vm, err)) < 0 ||
	    dup_opt(o.os, &vm->os, err) < 0 || dup_opt(o.description, &vm->description, err) < 0)
		goto out;
	if (ovk_exp_write(vm, output, &w, info, err) < 0)
		goto out;
	ovk_info_begin_object(info, "machine");
	machine_info(vm, info);
	ovk_info_end(info);
	if (summary) {
		*summary = info;
		info = NULL;
	}
	ret = 0;
out:
	ovk_info_free(info);
	ovk_exp_vm_free(vm);
	return ret;
}
