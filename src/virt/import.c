/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * import.c: ovk_import(), the whole of ova-import as one transaction.
 *
 *   1. read the appliance: OVF, manifest and signature, disk jobs (src/ova);
 *      the OVF properties' settings are checked against their types and
 *      qualifiers here, so a refused one creates nothing;
 *   2. per VirtualSystem: host capabilities -> plan -> storage names -> XML;
 *      --print-xml stops here, having created nothing;
 *   3. preflight, before anything is created or removed: name collisions
 *      (refused unless --replace), networks (missing/inactive: a warning,
 *      an error with --start);
 *   4. convert every disk into its volume or file, verifying its manifest
 *      digest in the same pass, and write each OVF environment's ISO image
 *      (a raw volume or file, removed by the rollback like the disks);
 *   5. define every domain (VIR_DOMAIN_DEFINE_VALIDATE; with --replace the
 *      old one is removed just before), put replaced files and volumes in
 *      place (ovk_store_commit), then start the domains.
 * A failure in 4 or 5 undoes 4 and 5: domains are undefined, volumes and
 * files deleted, a replaced domain's definition restored (issue 7: "no
 * half-done imports").  With --replace the new disks wait beside the old
 * ones (stage files, side volumes: storage.h) until the commit, so any
 * failure before it leaves the old domain and its disks in place.  Once
 * the commit has removed an old disk there is nothing left to go back
 * to: a failure after that (a start) keeps the new domains defined with
 * their new disks, and its message says so.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cancel.h"
#include "import_priv.h"
#include "lv.h"
#include "ova/ovfenv.h"
#include "ova/package.h"
#include "storage.h"

/* Networks given as SRC=DST: as many as an OVF can have. */
#define IMPORT_MAX_NETMAP OVK_OVF_MAX_REFS

struct imp {
	const struct ovk_import_opts *o;
	struct ovk_import_result *res;
	struct ovk_package *pkg;
	const struct ovk_ovf_envelope *env;   /* pkg->env */
	struct ovk_lv *lv;
	struct ovk_store *st;
	struct ovk_plan_opts popts;
	const char **net_src, **net_dst;
	/* OVF properties: the settings, and one value per property */
	struct ovk_ovf_assign *assign;
	size_t n_assign;
	const char ***env_values;
};

/* Tell the caller a stage begins (ovk_import_opts.stage). */
static void stage(const struct imp *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stage(const struct imp *im, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!im->o->stage)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	im->o->stage(im->o->stage_opaque, msg);
}

/* NET at most once, and SRC=DST pairs with both sides named. */
static int check_network_args(const char *const *nets, size_t *n, struct ovk_error *err)
{
	int plain = 0;

	for (*n = 0; nets && nets[*n]; (*n)++) {
		const char *net = nets[*n], *eq = strchr(net, '=');

		if (!eq && plain++)
			return ovk_error_set(err, EINVAL, "--network %s: only one network may be "
					     "given for all (use SRC=DST)", net);
		if (!eq && !*net)
			return ovk_error_set(err, EINVAL, "--network: empty");
		if (eq && (eq == net || !eq[1]))
			return ovk_error_set(err, EINVAL, "--network %s: expected SRC=DST", net);
	}
	if (*n > IMPORT_MAX_NETMAP)
		return ovk_error_set(err, E2BIG, "more than %d --network options", IMPORT_MAX_NETMAP);
	return 0;
}

int ovk_import_check_networks(const struct ovk_import_opts *opts, struct ovk_error *err)
{
	struct ovk_import_opts o;
	size_t n;

	if (ovk_opts_load(&o, sizeof o, opts, "ovk_import_opts", err) < 0)
		return -1;
	return check_network_args(o.networks, &n, err);
}

static int parse_networks(struct imp *im, struct ovk_error *err)
{
	const char *const *nets = im->o->networks;
	size_t n;

	im->popts.bridge = im->o->bridge;
	if (check_network_args(nets, &n, err) < 0)
		return -1;
	if (n && (!(im->net_src = calloc(n, sizeof(char *))) ||
		  !(im->net_dst = calloc(n, sizeof(char *)))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(nets[i], '=');

		if (!eq) {
			im->popts.network = nets[i];
			continue;
		}
		/* SRC is cut at '=': keep a copy; DST points into the caller's
		 * string. */
		if (!(im->net_src[im->popts.n_netmap] = strndup(nets[i], (size_t)(eq - nets[i]))))
			return ovk_error_set(err, ENOMEM, "out of memory");
		im->net_dst[im->popts.n_netmap++] = eq + 1;
	}
	im->popts.net_src = im->net_src;
	im->popts.net_dst = im->net_dst;
	return 0;
}

static void keep_note(void *opaque, int warning, const char *msg)
{
	struct imp *im = opaque;

	ovk_plan_note(&im->res->notes, warning, "%s", msg);
}

/* --prop-file, then --prop: every setting checked against the OVF's
 * properties, which all need a valid value, before anything is created. */
static int resolve_properties(struct imp *im, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	int ret = -1;

	if (im->o->prop_file) {
		if (ovk_blob_open_file(im->o->prop_file, &b, err) < 0) {
			ovk_error_prefix(err, "--prop-file");
			err->errnum = OVK_EPROPERTY;
			goto out;
		}
		if (ovk_blob_size(b) > OVK_OVF_MAX_PROP_FILE || (ovk_blob_size(b) &&
							 !ovk_blob_data(b))) {
			ovk_error_set(err, OVK_EPROPERTY, "--prop-file %s: more than %zu bytes",
				      im->o->prop_file, OVK_OVF_MAX_PROP_FILE);
			goto out;
		}
		if (ovk_blob_size(b) &&
		    ovk_ovf_assign_parse_file(ovk_blob_data(b), (size_t)ovk_blob_size(b),
					      im->o->prop_file, &im->assign, &im->n_assign,
					      err) < 0)
			goto out;
	}
	for (size_t i = 0; im->o->props && im->o->props[i]; i++)
		if (ovk_ovf_assign_add(&im->assign, &im->n_assign, im->o->props[i], "--prop",
				       err) < 0)
			goto out;
	if (ovk_ovf_env_resolve(im->env, im->assign, im->n_assign, &im->env_values, err) < 0)
		goto out;
	ret = 0;
out:
	ovk_blob_free(b);
	return ret;
}

static int load_appliance(struct imp *im, const char *input, struct ovk_error *err)
{
	struct ovk_package_opts po = {
		.open_flags = im->o->open_flags,
		.no_verify = im->o->no_verify,
		.require_signature = im->o->require_signature,
		/* --print-xml and --dry-run read no disk; --print-xml maps an
		 * OVF whose files are elsewhere, --dry-run refuses it as the
		 * import would. */
		.describe_only = im->o->print_xml || im->o->dry_run,
		.strict_refs = im->o->dry_run,
		.cancel = im->o->cancel,
		.note = keep_note,
		.note_opaque = im,
		.config = im->o->config,
		.trust = im->o->trust,
		.trust_system = im->o->trust_system,
	};

	if (ovk_package_open(input, &po, &im->pkg, err) < 0)
		return -1;
	im->env = im->pkg->env;
	if (im->env->n_systems == 0)
		return ovk_error_set(err, EINVAL, "%s: the OVF describes no virtual system", input);
	if (im->o->name && im->env->n_systems > 1)
		return ovk_error_set(err, EINVAL, "--name: the appliance has %zu virtual systems",
				     im->env->n_systems);
	return resolve_properties(im, err);
}

/* Host facts for one system: capabilities, then domain capabilities for the
 * machine its firmware needs. */
static int host_caps(struct imp *im, const struct ovk_ovf_system *vs, struct ovk_caps *caps,
		     struct ovk_error *err)
{
	char *xml = NULL;
	const char *type;
	int efi = ovk_plan_wants_efi(vs, im->popts.firmware), r, ret = -1;

	if (ovk_lv_capabilities(im->lv, &xml, err) < 0 ||
	    ovk_caps_parse_host(xml, NULL, caps, err) < 0)
		goto out;
	free(xml);
	xml = NULL;
	if (!(type = ovk_plan_domain_type(caps, im->popts.domain_type, err)))
		goto out;
	if ((r = ovk_lv_domcaps(im->lv, caps->arch, ovk_plan_machine(efi), type, &xml,
				err)) < 0)
		goto out;
	if (r == 0 && ovk_caps_parse_domain(xml, caps, err) < 0)
		goto out;
	ret = 0;
out:
	free(xml);
	return ret;
}

/* Plan (again) the domain of system vs from d->caps and d->guest: its
 * plan, storage names and XML replace what d had. */
static int plan_one(struct imp *im, struct ovk_import_dom *d, const struct ovk_ovf_system *vs,
		    struct ovk_error *err)
{
	struct ovk_plan_opts po = im->popts;
	struct ovk_plan *p = NULL;
	char *xml = NULL;
	int ret = -1;

	po.guest = d->guest;
	if (ovk_plan_build(im->env, vs, &d->caps, &po, &p, err) < 0) {
		ovk_error_prefix(err, "virtual system %s", vs->id);
		goto out;
	}
	if (d->prev_xml && ovk_domxml_keep_macs(p, d->prev_xml, err) < 0)
		goto out;
	if (ovk_store_assign(im->st, p, err) < 0 || ovk_plan_xml(p, &xml, err) < 0)
		goto out;
	ovk_plan_free(d->plan);
	free(d->xml);
	d->plan = p;
	d->xml = xml;
	p = NULL;
	xml = NULL;
	ret = 0;
out:
	ovk_plan_free(p);
	free(xml);
	return ret;
}

/* --print-xml, --dry-run: everything is checked, nothing is written. */
static int writes_nothing(const struct imp *im)
{
	return im->o->print_xml || im->o->dry_run;
}

/* Whether buses are chosen from the guest (issue 12): --bus auto. */
static int reads_guest(const struct imp *im)
{
	return im->popts.bus == OVK_PLAN_BUS_AUTO;
}

static int new_guest(struct ovk_import_dom *d, struct ovk_error *err)
{
	if (!(d->guest = calloc(1, sizeof *d->guest)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* Every disk name of every domain, before a byte is written: two disks
 * that the naming rules give one name ("a" + "b-c" and "a-b" + "c"), or
 * one Disk that two virtual systems attach, would leave two domains on one
 * writable volume, or one without its volume. */
static int check_disk_names(const struct imp *im, struct ovk_error *err)
{
	const struct ovk_import_result *res = im->res;

	for (size_t i = 0; i < res->n_doms; i++)
		for (size_t k = 0; k < res->doms[i].plan->n_drives; k++) {
			const struct ovk_plan_drive *a = &res->doms[i].plan->drives[k];

			for (size_t j = 0; a->vol && j <= i; j++)
				for (size_t l = 0; l < (j == i ? k : res->doms[j].plan->n_drives); l++) {
					const struct ovk_plan_drive *b =
						&res->doms[j].plan->drives[l];

					if (!b->vol)
						continue;
					if (a->disk && a->disk == b->disk && j != i)
						return ovk_error_set(err, EEXIST, "disk %s is attached "
								     "by virtual systems %s and %s; "
								     "one disk cannot back two domains",
								     a->disk->id,
								     res->doms[j].plan->name,
								     res->doms[i].plan->name);
					if (strcmp(a->vol, b->vol) != 0)
						continue;
					return ovk_error_set(err, EEXIST, "disk %s of %s and disk %s of "
							     "%s would both be named %s; refused "
							     "before anything is written",
							     b->disk ? b->disk->id : "ovf-env",
							     res->doms[j].plan->name,
							     a->disk ? a->disk->id : "ovf-env",
							     res->doms[i].plan->name, a->vol);
				}
		}
	return 0;
}

static int plan_systems(struct imp *im, struct ovk_error *err)
{
	struct ovk_import_result *res = im->res;

	if (!(res->doms = calloc(im->env->n_systems, sizeof(*res->doms))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < im->env->n_systems; i++) {
		const struct ovk_ovf_system *vs = &im->env->systems[i];
		struct ovk_import_dom *d = &res->doms[res->n_doms];

		res->n_doms++;
		if (host_caps(im, vs, &d->caps, err) < 0)
			return ovk_error_prefix(err, "virtual system %s", vs->id);
		/* --print-xml converts nothing: it reads the guest from the
		 * appliance's own disks, where they can be read in place.  An
		 * import reads the disks it converted (guest_from_outputs). */
		if (writes_nothing(im) && reads_guest(im))
			stage(im, "reading the guest of %s in place", vs->name);
		if (writes_nothing(im) && reads_guest(im) &&
		    (new_guest(d, err) < 0 ||
		     ovk_guest_inspect_package(im->pkg->app, im->env, vs, im->o->open_flags,
					       d->guest, err) < 0))
			return -1;
		if (plan_one(im, d, vs, err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(res->doms[j].plan->name, d->plan->name) == 0)
				return ovk_error_set(err, EEXIST, "two virtual systems are named "
						     "'%s'", d->plan->name);
	}
	return check_disk_names(im, err);
}

/* Read each domain's guest from the disks just converted, and plan it
 * again with what it can drive: before anything is defined, so a guest
 * no bus fits fails the import (its disks go with the rollback). */
static int guest_from_outputs(struct imp *im, struct ovk_error *err)
{
	for (size_t i = 0; reads_guest(im) && i < im->res->n_doms; i++) {
		struct ovk_import_dom *d = &im->res->doms[i];
		const struct ovk_plan *p = d->plan;
		struct ovk_blob **blobs = calloc(p->n_drives ? p->n_drives : 1, sizeof *blobs);
		const char **formats = calloc(p->n_drives ? p->n_drives : 1, sizeof *formats);
		const struct ovk_ovf_system *vs = p->vs;
		struct ovk_error e = { 0 };
		size_t n = 0;
		int r = -1;

		stage(im, "reading the guest on the disks of %s", p->name);
		if (!blobs || !formats || new_guest(d, err) < 0) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto next;
		}
		for (size_t k = 0; k < p->n_drives; k++) {
			if (!p->drives[k].vol || p->drives[k].type != OVK_OVF_DRIVE_DISK)
				continue;
			if (ovk_store_open_written(im->st, &p->drives[k], &blobs[n], &formats[n],
						   &e) < 0)
				break;
			n++;
		}
		if (e.msg[0]) {
			d->guest->os = OVK_GUEST_UNREAD;
			/* the message goes into a fixed field: a cut one still says why */
			memcpy(d->guest->why, e.msg, sizeof d->guest->why - 1);
		} else {
			int read = ovk_guest_inspect_blobs(blobs, formats, NULL, n, d->guest, err);

			n = 0;     /* the blobs were taken over */
			if (read < 0)
				goto next;
		}
		r = plan_one(im, d, vs, err);
next:
		for (size_t k = 0; k < n; k++)
			ovk_blob_free(blobs[k]);
		free(blobs);
		free(formats);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Networks: missing or inactive is a warning, unless the domain is to be
 * started now, when it would fail half-way. */
static int check_networks(struct imp *im, const struct ovk_plan *p, struct ovk_error *err)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		const char *net = p->nics[i].source;
		int s;

		if (p->nics[i].bridge)
			continue;
		if ((s = ovk_lv_network_state(im->lv, net, err)) == -1)
			return -1;
		if (s == 1)
			continue;
		if (im->o->start)
			return ovk_error_set(err, ENONET, "network %s is %s: the domain cannot "
					     "start (--network NET or --bridge BR)", net,
					     s == 0 ? "not active" : "not defined");
		if (s == 0)
			ovk_plan_note(&im->res->notes, 1, "network %s is not active: start it "
				      "before the domain (virsh net-start %s)", net, net);
		else
			ovk_plan_note(&im->res->notes, 1, "network %s is not defined: define it, "
				      "or connect the NICs elsewhere (--network NET, --bridge BR)",
				      net);
	}
	return 0;
}

/* --replace: the replaced domain's MACs, for the NICs the OVF gives none
 * (a new MAC would break the guest's DHCP reservation). */
static int keep_macs(struct imp *im, struct ovk_import_dom *d, struct ovk_error *err)
{
	const struct ovk_ovf_system *vs = d->plan->vs;

	if (ovk_lv_domain_xml(im->lv, d->plan->name, &d->prev_xml, err) < 0)
		return ovk_error_prefix(err, "--replace");
	return plan_one(im, d, vs, err);
}

/* Refusals only: nothing on the host changes here, also with --replace,
 * so an import that fails early leaves the old domain as it was. */
static int preflight(struct imp *im, struct ovk_error *err)
{
	for (size_t i = 0; i < im->res->n_doms; i++) {
		struct ovk_import_dom *d = &im->res->doms[i];
		int r;

		if (check_networks(im, d->plan, err) < 0)
			return -1;
		if ((r = ovk_lv_domain_exists(im->lv, d->plan->name, err)) < 0)
			return -1;
		if (r && !im->o->replace)
			return ovk_error_set(err, EEXIST, "domain %s exists (--replace replaces "
					     "it, or --name NAME)", d->plan->name);
		d->replaces = r;
		if (r && keep_macs(im, d, err) < 0)
			return -1;
		if (ovk_store_check(im->st, d->plan, im->o->replace, err) < 0)
			return -1;
	}
	return 0;
}

/* --replace: the old domain goes just before the new one is defined; its
 * definition is kept so that rollback can put it back, with its disks,
 * which are only replaced after every domain is defined (not its EFI
 * variables, which go with it). */
static int remove_old(struct imp *im, struct ovk_import_dom *d, struct ovk_error *err)
{
	if (!d->replaces)
		return 0;
	if (ovk_lv_domain_xml(im->lv, d->plan->name, &d->old_xml, err) < 0 ||
	    ovk_lv_domain_remove(im->lv, d->plan->name, err) < 0)
		return ovk_error_prefix(err, "--replace");
	ovk_plan_note(d->plan, 1, "replaced the existing domain %s", d->plan->name);
	return 0;
}

static const struct ovk_plan_drive *drive_for(const struct imp *im, const struct ovk_ova_job *j)
{
	for (size_t i = 0; i < im->res->n_doms; i++) {
		const struct ovk_plan *p = im->res->doms[i].plan;

		if (p->vs != j->system)
			continue;
		for (size_t k = 0; k < p->n_drives; k++)
			if (p->drives[k].disk == j->disk)
				return &p->drives[k];
	}
	return NULL;
}

static int convert_one(struct imp *im, const struct ovk_ova_job *j, struct ovk_error *err)
{
	const struct ovk_plan_drive *d = drive_for(im, j);
	struct ovk_engine_job ej;
	struct ovk_convert_opts co = {
		.struct_size = sizeof co,
		.threads = im->o->threads,
		.open_flags = im->o->open_flags,
		.progress = im->o->progress,
		.progress_opaque = im->o->progress_opaque,
		.cancel = im->o->cancel,
		/* --dir: beside the output, which has room for the disk */
		.tmp_dir = im->o->dir ? NULL : im->o->tmp_dir,
	};

	if (!d)
		return 0;   /* a disk no system attaches: nothing to import it into */
	stage(im, "converting disk %s (%llu MiB) to %s%s%s", j->disk->id,
	      (unsigned long long)(j->disk->capacity >> 20), d->path ? d->path : d->vol,
	      d->pool ? " in pool " : "", d->pool ? d->pool : "");
	/* The members are checked inside the conversion, before its output
	 * is committed or its upload finished. */
	if (ovk_package_prepare(im->pkg, j, &ej, &co, err) < 0)
		return -1;
	return ovk_store_write(im->st, d, &ej, &co, err);
}

/* A start that fails, or a cancel before it, once disks were replaced:
 * the rollback keeps the new domain (there is no old one to go back to),
 * and the one-line error must say where that leaves the user. */
static int start_one(struct imp *im, struct ovk_import_dom *d, struct ovk_error *err)
{
	struct ovk_error why;

	if (ovk_cancelled(im->o->cancel)) {
		ovk_error_set(err, ECANCELED, "domain %s: interrupted before it was started",
			      d->plan->name);
	} else if (stage(im, "starting domain %s", d->plan->name),
		   ovk_lv_domain_start(im->lv, d->plan->name, err) == 0) {
		d->started = 1;
		return 0;
	}
	if (!ovk_store_replaced(im->st))
		return -1;
	why = *err;
	return ovk_error_set(err, why.errnum, "%s; the domain is defined with its new disks",
			     why.msg);
}

/* The ISO image of domain i's OVF environment into its CD-ROM's volume or
 * file, written like a raw disk. */
static int write_env(struct imp *im, size_t i, struct ovk_error *err)
{
	const struct ovk_plan *p = im->res->doms[i].plan;
	const struct ovk_plan_drive *d = NULL;
	struct ovk_engine_job ej = { 0 };
	struct ovk_convert_opts co = {
		.struct_size = sizeof co,
		.in_format = "raw",
		.threads = 1,
		.open_flags = im->o->open_flags,
		.cancel = im->o->cancel,
	};
	uint8_t *iso = NULL;
	size_t len;
	int ret = -1;

	for (size_t k = 0; k < p->n_drives && !d; k++)
		if (p->drives[k].env)
			d = &p->drives[k];
	if (!d)
		return 0;
	if (ovk_ovf_env_iso(p->vs, im->env_values[p->vs - im->env->systems], &iso, &len,
			    err) < 0 ||
	    ovk_blob_from_memory(d->vol, iso, len, &ej.blob, err) < 0)
		goto out;
	ret = ovk_store_write(im->st, d, &ej, &co, err);
out:
	free(iso);
	return ret;
}

static int create_all(struct imp *im, struct ovk_error *err)
{
	for (size_t i = 0; i < im->pkg->plan->n_jobs; i++)
		if (convert_one(im, &im->pkg->plan->jobs[i], err) < 0)
			return -1;
	for (size_t i = 0; i < im->res->n_doms; i++)
		if (write_env(im, i, err) < 0)
			return -1;
	/* A manifest after the disks (streamed OVA): verified now, before any
	 * domain is defined; a mismatch rolls the volumes back. */
	if (ovk_package_finish(im->pkg, err) < 0 || guest_from_outputs(im, err) < 0)
		return -1;
	for (size_t i = 0; i < im->res->n_doms; i++) {
		struct ovk_import_dom *d = &im->res->doms[i];

		if (remove_old(im, d, err) < 0)
			return -1;
		stage(im, "defining domain %s", d->plan->name);
		if (ovk_lv_domain_define(im->lv, d->xml, err) < 0)
			return ovk_error_prefix(err, "domain %s", d->plan->name);
		d->defined = 1;
	}
	if (ovk_store_commit(im->st, &im->res->notes, im->o->cancel, err) < 0)
		return -1;
	for (size_t i = 0; i < im->res->n_doms; i++)
		if (ovk_store_paths(im->st, im->res->doms[i].plan, err) < 0)
			return -1;
	for (size_t i = 0; im->o->start && i < im->res->n_doms; i++)
		if (start_one(im, &im->res->doms[i], err) < 0)
			return -1;
	return 0;
}

static void rollback(struct imp *im)
{
	struct ovk_error ignored;

	/* Past the first replaced disk: nothing to go back to (see above). */
	if (ovk_store_replaced(im->st))
		return;
	for (size_t i = 0; i < im->res->n_doms; i++) {
		struct ovk_import_dom *d = &im->res->doms[i];

		if (d->defined && ovk_lv_domain_remove(im->lv, d->plan->name, &ignored) == 0)
			d->defined = d->started = 0;
		if (d->old_xml && !d->defined &&
		    ovk_lv_domain_define(im->lv, d->old_xml, &ignored) == 0)
			ovk_plan_note(d->plan, 1, "the replaced domain %s is defined again "
				      "with its disks as they were", d->plan->name);
	}
	ovk_store_rollback(im->st);
}

static int set_str(char **dst, const char *s, struct ovk_error *err)
{
	if (!(*dst = strdup(s)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int ovk_import(const char *input, const struct ovk_import_opts *import_opts,
	       struct ovk_import_result *res, struct ovk_error *err)
{
	struct ovk_import_opts loaded;
	const struct ovk_import_opts *opts = &loaded;
	struct imp im = { .o = opts, .res = res };
	int ret = -1, created = 0;

	if (ovk_opts_load(&loaded, sizeof loaded, import_opts, "ovk_import_opts", err) < 0)
		return -1;
	im.popts.name = opts->name;
	im.popts.bus = (enum ovk_plan_bus_choice)opts->bus;
	im.popts.firmware = (enum ovk_plan_fw_choice)opts->firmware;
	im.popts.serial_log = opts->serial_log;
	im.popts.domain_type = opts->virt_type;
	im.popts.cpu = opts->cpu;
	if (parse_networks(&im, err) < 0 || load_appliance(&im, input, err) < 0)
		goto out;
	if (ovk_lv_open(opts->uri, &im.lv, err) < 0 || set_str(&res->uri, ovk_lv_uri(im.lv), err) < 0)
		goto out;
	/* The target is checked as the import checks it, --print-xml too: no
	 * made-up pool "default", no directory that is not there. */
	res->dry_run = opts->print_xml || opts->dry_run;
	if (ovk_store_open(im.lv, opts->dir, opts->pool, opts->format, 0, &im.st,
			   err) < 0 ||
	    set_str(&res->storage, ovk_store_describe(im.st), err) < 0)
		goto out;
	ovk_store_get_desc(im.st, &res->store);
	if (plan_systems(&im, err) < 0)
		goto out;
	/* Refusals only: --print-xml and --dry-run stop after them. */
	if (preflight(&im, err) < 0)
		goto out;
	if (res->dry_run) {
		ret = 0;
		goto out;
	}
	created = 1;
	if (create_all(&im, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && created)
		rollback(&im);
	/* The plans outlive the OVF model they borrowed from. */
	for (size_t i = 0; i < res->n_doms; i++) {
		if (!res->doms[i].plan)      /* refused before it was planned */
			continue;
		res->doms[i].plan->vs = NULL;
		for (size_t k = 0; k < res->doms[i].plan->n_drives; k++)
			res->doms[i].plan->drives[k].disk = NULL;
	}
	ovk_store_free(im.st);
	ovk_lv_close(im.lv);
	if (im.env)
		ovk_ovf_env_values_free(im.env, im.env_values);
	ovk_ovf_assign_free(im.assign, im.n_assign);
	ovk_package_free(im.pkg);
	for (size_t i = 0; i < im.popts.n_netmap; i++)
		free((char *)im.net_src[i]);
	free(im.net_src);
	free(im.net_dst);
	return ret;
}
