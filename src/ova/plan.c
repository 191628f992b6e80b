/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.c: which disks of an appliance to convert, and in which order: the
 * order of their bytes in the container (member offsets in a mapped OVA,
 * References order otherwise, which is the archive order the OVF spec
 * prescribes), so that a streamed OVA is read once, forward.  Disks that
 * only another configuration attaches (ovk_ovf_disk.used 0) are left out.
 */
#include "container_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t position(const struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			 const struct ovk_ovf_file *f)
{
	if (!f)
		return UINT64_MAX;  /* blank disks last */
	if (app->kind == OVK_APPLIANCE_OVA && !f->chunk_size)
		for (size_t i = 0; i < app->n_members; i++)
			if (strcmp(app->members[i].name, f->href) == 0)
				return app->members[i].offset;
	return (uint64_t)(f - env->files);
}

static void attach(const struct ovk_ovf_envelope *env, struct ovk_ova_job *job)
{
	for (size_t s = 0; s < env->n_systems; s++) {
		const struct ovk_ovf_system *vs = &env->systems[s];

		for (size_t d = 0; d < vs->n_drives; d++) {
			if (vs->drives[d].disk_id && strcmp(vs->drives[d].disk_id, job->disk->id) == 0) {
				job->system = vs;
				job->drive = &vs->drives[d];
				return;
			}
		}
	}
}

struct sort_key {
	uint64_t pos;
	size_t index;
	struct ovk_ova_job job;
};

static int by_position(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int ovk_ova_plan(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
		 struct ovk_ova_plan **out, struct ovk_error *err)
{
	struct ovk_ova_plan *plan = calloc(1, sizeof *plan);
	struct sort_key *keys = calloc(env->n_disks ? env->n_disks : 1, sizeof *keys);
	size_t i, n = 0;
	int ret = -1;

	*out = NULL;
	if (!plan || !keys) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < env->n_disks; i++) {
		struct ovk_ova_job *job = &keys[n].job;

		if (!env->disks[i].used)
			continue;
		job->disk = &env->disks[i];
		job->file = ovk_ovf_find_file(env, job->disk->file_ref);
		attach(env, job);
		keys[n].pos = position(app, env, job->file);
		keys[n++].index = i;
	}
	qsort(keys, n, sizeof *keys, by_position);
	plan->jobs = calloc(env->n_disks ? env->n_disks : 1, sizeof *plan->jobs);
	if (!plan->jobs) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		plan->jobs[i] = keys[i].job;
	plan->n_jobs = n;
	*out = plan;
	plan = NULL;
	ret = 0;
out:
	ovk_ova_plan_free(plan);
	free(keys);
	return ret;
}

void ovk_ova_plan_free(struct ovk_ova_plan *plan)
{
	if (!plan)
		return;
	free(plan->jobs);
	free(plan);
}
