/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * appliance.c: the public appliance entry points: convert every disk of an
 * OVA/OVF into a directory (or the one disk into a file or a stream), and
 * describe an appliance for --info.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/info.h"
#include "engine/engine.h"
#include "ova/package.h"

static struct ovk_package_opts package_opts(const struct ovk_appliance_opts *a,
					    const struct ovk_convert_opts *c)
{
	struct ovk_package_opts p = {
		.open_flags = c->open_flags,
		.no_verify = a->no_verify,
		.require_signature = a->require_signature,
		.cancel = c->cancel,
		.note = a->note,
		.note_opaque = a->note_opaque,
		.config = a->config,
		.trust = a->trust,
		.trust_system = a->trust_system,
	};

	return p;
}

static const char *extension(const char *format)
{
	return format ? format : "raw";
}

/* OUTDIR/<vm>-<disk>.<format>, with both names made safe. */
static char *output_name(const char *outdir, const struct ovk_ova_job *job, const char *format)
{
	char *vm = ovk_safe_name(job->system ? job->system->name : "disk");
	char *disk = ovk_safe_name(job->disk->id);
	char *path = NULL;

	if (vm && disk && asprintf(&path, "%s/%s-%s.%s", outdir, vm, disk, extension(format)) < 0)
		path = NULL;
	free(vm);
	free(disk);
	return path;
}

/* Where the disks go.  A stream, or one file, takes exactly one disk. */
struct target {
	const char *path;
	int is_dir;
	int made;                  /* the directory was created here */
};

static int one_disk_only(const char *output, size_t n_selected, const char *what,
			 struct ovk_error *err)
{
	return ovk_error_set(err, ENOTDIR, "%s: %s, and the appliance has %zu disk%s to "
			     "convert (name a directory, or choose one with --disk N)", output,
			     what, n_selected, ovk_plural(n_selected));
}

/* A directory when OUTPUT is one, ends in '/', or gets several disks
 * (made when missing and its parent exists); else one disk's file. */
static int choose_target(const char *output, size_t n_selected,
			 const struct ovk_convert_opts *copts, struct target *t,
			 struct ovk_error *err)
{
	size_t len = strlen(output);
	int trailing = len > 0 && output[len - 1] == '/';
	struct stat st;

	t->path = output;
	t->is_dir = t->made = 0;
	if (copts->to_stream && !ovk_output_format_for(copts, output, err))
		return -1;
	if (copts->to_stream)
		return n_selected == 1 ? 0 : one_disk_only(output, n_selected, "a stream", err);
	if (stat(output, &st) == 0) {
		t->is_dir = S_ISDIR(st.st_mode);
		if (!t->is_dir && (trailing || n_selected != 1))
			return one_disk_only(output, n_selected, "not a directory", err);
		return 0;
	}
	if (errno != ENOENT)
		return ovk_error_sys(err, errno, "%s", output);
	if (!trailing && n_selected == 1)
		return 0;
	if (mkdir(output, 0777) < 0)
		return ovk_error_sys(err, errno, "%s: cannot create the directory", output);
	t->is_dir = t->made = 1;
	return 0;
}

/* Every output name, checked before anything is written: distinct, and
 * new unless --force. */
static int plan_outputs(const struct ovk_package *pkg, const struct target *t,
			const struct ovk_convert_opts *copts, unsigned disk, char **names,
			struct ovk_error *err)
{
	for (size_t i = 0; i < pkg->plan->n_jobs; i++) {
		if (disk && i + 1 != disk)
			continue;
		names[i] = t->is_dir ? output_name(t->path, &pkg->plan->jobs[i], copts->out_format)
				     : strdup(t->path);
		if (!names[i])
			return ovk_error_set(err, ENOMEM, "out of memory");
		for (size_t j = 0; j < i; j++)
			if (names[j] && strcmp(names[i], names[j]) == 0)
				return ovk_error_set(err, EEXIST,
						     "%s: two disks would get this name", names[i]);
		if (!copts->to_stream &&
		    ovk_output_check(names[i], copts->force, 0, "--force", err) < 0)
			return -1;
	}
	return 0;
}

/* --force over existing files: each such disk is written to a stage name
 * (staged[i], else NULL) and replaces its file only once the whole
 * appliance has converted and verified, so a failure keeps the old one. */
static int stage_existing(char **names, size_t n, int to_stream, char ***staged,
			  struct ovk_error *err)
{
	struct stat st;

	if (!(*staged = calloc(n + 1, sizeof **staged)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !to_stream; i++)
		if (names[i] && lstat(names[i], &st) == 0 &&
		    !((*staged)[i] = ovk_output_stage_name(names[i])))
			return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int replace_staged(char **names, char **staged, size_t n, struct ovk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!staged[i])
			continue;
		if (rename(staged[i], names[i]) < 0)
			return ovk_error_sys(err, errno, "%s: cannot replace it", names[i]);
		free(staged[i]);
		staged[i] = NULL;
	}
	return 0;
}

int ovk_appliance_convert(const char *input, const char *output,
			  const struct ovk_convert_opts *convert_opts,
			  const struct ovk_appliance_opts *appliance_opts, struct ovk_error *err)
{
	struct ovk_convert_opts co;
	struct ovk_appliance_opts ao;
	const struct ovk_convert_opts *copts = &co;
	const struct ovk_appliance_opts *aopts = &ao;
	struct ovk_package_opts popts;
	struct ovk_package *pkg = NULL;
	struct target t = { 0 };
	char **names = NULL, **staged = NULL;
	size_t done = 0;
	int ret = -1;

	if (ovk_opts_load(&co, sizeof co, convert_opts, "ovk_convert_opts", err) < 0 ||
	    ovk_opts_load(&ao, sizeof ao, appliance_opts, "ovk_appliance_opts", err) < 0)
		return -1;
	popts = package_opts(aopts, copts);
	/* The input's faults first: a directory without an .ovf is named as
	 * such, whatever the output. */
	if (ovk_package_open(input, &popts, &pkg, err) < 0)
		goto out;
	if (aopts->disk > pkg->plan->n_jobs) {
		ovk_error_set(err, EINVAL, "%s: --disk %u, but the appliance has %zu disk%s", input,
			      aopts->disk, pkg->plan->n_jobs, ovk_plural(pkg->plan->n_jobs));
		goto out;
	}
	if (choose_target(output, aopts->disk ? 1 : pkg->plan->n_jobs, copts, &t, err) < 0)
		goto out;
	if (!(names = calloc(pkg->plan->n_jobs + 1, sizeof *names))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (plan_outputs(pkg, &t, copts, aopts->disk, names, err) < 0 ||
	    stage_existing(names, pkg->plan->n_jobs, copts->to_stream, &staged, err) < 0)
		goto out;
	for (; done < pkg->plan->n_jobs; done++) {
		const char *to = staged[done] ? staged[done] : names[done];

		if (!names[done])
			continue;
		if (ovk_package_convert(pkg, &pkg->plan->jobs[done], to, copts, err) < 0)
			goto out;
	}
	/* A manifest after the disks (streamed OVA) is checked now, and only
	 * then do the disks replace files of the same names. */
	if (ovk_package_finish(pkg, err) < 0 ||
	    replace_staged(names, staged, pkg->plan->n_jobs, err) < 0)
		goto out;
	ret = 0;
out:
	/* No half-converted appliance: drop the disks already written (an
	 * existing file is still the old one: only its stage is dropped). */
	for (size_t i = 0; names && ret < 0 && !copts->to_stream && i < done; i++)
		if (names[i])
			unlink(staged[i] ? staged[i] : names[i]);
	if (ret < 0 && t.made)
		rmdir(output);
	for (size_t i = 0; names && pkg && i < pkg->plan->n_jobs; i++) {
		free(names[i]);
		free(staged ? staged[i] : NULL);
	}
	free(staged);
	free(names);
	ovk_package_free(pkg);
	return ret;
}
