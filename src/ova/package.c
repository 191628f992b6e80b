/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * package.c: open, parse, verify and plan an appliance; convert its disks
 * with every member they read checked in the same pass (see package.h).
 *
 * What is checked where:
 *   - the descriptor against the manifest, and the manifest against the
 *     .cert, here, as the package opens (or, for a manifest that follows
 *     the disks in a stream, in ovk_package_finish);
 *   - every member a disk reads (its File, chunks, a compressed File's
 *     stored bytes, a descriptor's extents and parents): by the verifier
 *     armed on the container here (ova/verify.h), which the container
 *     wraps around each member it opens and the engine settles before it
 *     commits each output;
 *   - that the manifest lists every member of the package it names, and
 *     every File a disk reads, here.
 */
#include "package.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note(const struct ovk_package_opts *o, int warning, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(const struct ovk_package_opts *o, int warning, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->note(o->note_opaque, warning, msg);
}

static const enum ovk_hash_alg pending_algs[OVK_PACKAGE_PENDING_ALGS + 1] = {
	OVK_HASH_SHA1, OVK_HASH_SHA256, OVK_HASH_NONE,
};

/* Who signed, as far as it is proven.  The signature over the manifest
 * (checked by ovk_cert_verify) proves that the holder of the certificate's
 * key signed these digests; only a chain to a trusted anchor says who that
 * is, and only a strong digest makes the signature cover this manifest
 * alone.  --require-signature wants both; without it, each gap is a
 * warning that says what was not proven. */
static int judge_signer(struct ovk_package *pkg, const struct ovk_package_opts *o,
			const char *certname, const uint8_t *certb, size_t certlen,
			struct ovk_error *err)
{
	struct ovk_cert_result *c = &pkg->cert;
	const char *who = c->subject ? c->subject : "(no subject)";
	const char *alg = ovk_hash_name(c->alg);
	const char *anchor = o->trust && o->trust[0] ? "--trust" : "the system's trust store";

	if (ovk_cert_check_chain(certb, certlen, certname, o->trust, o->trust_system, c,
				 err) < 0)
		return -1;
	if (o->require_signature && ovk_cert_weak_alg(c->alg))
		return ovk_error_set(err, EPERM, "%s: the manifest is signed with %s, which is "
				     "refused (MD5 and SHA-1 signatures can be forged); "
				     "--require-signature needs SHA256 or SHA512", certname, alg);
	if (o->require_signature && !c->trusted)
		return ovk_error_set(err, EPERM, "%s: the signer '%s' is not trusted: %s "
				     "(checked against %s; --trust FILE names a CA or a "
				     "certificate to trust)", certname, who,
				     c->untrusted_why ? c->untrusted_why : "no trust anchor",
				     anchor);
	if (ovk_cert_weak_alg(c->alg))
		note(o, 1, "signed by %s with %s, a digest whose signatures can be forged: who "
		     "signed this manifest is not proven", who, alg);
	else if (!c->trusted)
		note(o, 1, "signed by %s, but not trusted (%s, against %s): the signature proves "
		     "only that the holder of that certificate's key signed the manifest, not "
		     "who that is", who, c->untrusted_why ? c->untrusted_why : "no trust anchor",
		     anchor);
	else
		note(o, 0, "signed by %s (%s), trusted (its certificate chains to %s)", who,
		     alg, anchor);
	return 0;
}

/* The manifest's bytes: parsed, the descriptor checked against it, and it
 * against the .cert. */
static int check_manifest(struct ovk_package *pkg, const struct ovk_package_opts *o,
			  const char *mfname, const uint8_t *mfb, size_t mflen,
			  struct ovk_error *err)
{
	const uint8_t *certb = NULL, *ovf;
	const char *certname = NULL;
	size_t certlen = 0, ovflen;

	if (ovk_manifest_parse(mfb, mflen, mfname, &pkg->mf, err) < 0)
		return -1;
	ovk_appliance_ovf(pkg->app, &ovf, &ovflen);
	if (ovk_manifest_verify_buffer(pkg->mf, ovk_appliance_ovf_name(pkg->app), ovf, ovflen,
				       err) < 0)
		return -1;
	if (ovk_appliance_cert(pkg->app, &certname, &certb, &certlen) != 0)
		certb = NULL;
	if (ovk_cert_verify(certb, certlen, certname, mfb, mflen, mfname,
			    o->require_signature ? OVK_CERT_REQUIRED : 0, &pkg->cert, err) < 0)
		return -1;
	pkg->manifest_status = "verified";
	if (pkg->cert.present)
		return judge_signer(pkg, o, certname, certb, certlen, err);
	note(o, 0, "no signature (.cert): the manifest proves the files are intact, not who "
	     "made them");
	return 0;
}

/* Every entry of the manifest names something the package holds: the
 * descriptor or a member (a File, a chunk of one).  An entry for a file
 * that is not there means the package lost a member on the way, and a
 * check we cannot make must not pass for one we made.  A stream's members
 * ahead are not known until it has been read to the end, so there this runs
 * from ovk_package_finish(). */
static int check_entries(struct ovk_package *pkg, const char *mfname, struct ovk_error *err)
{
	const char *ovf = ovk_appliance_ovf_name(pkg->app);
	const struct ovk_manifest_entry *one = NULL;
	char missing[OVK_ERROR_MAX] = "";
	size_t n = 0;

	/* all of them named at once */
	for (size_t i = 0; i < pkg->mf->n_entries; i++) {
		const struct ovk_manifest_entry *e = &pkg->mf->entries[i];

		if (strcmp(e->name, ovf) != 0 && !ovk_appliance_has_member(pkg->app, e->name)) {
			ovk_error_list_add(missing, sizeof missing, "'%s' (line %ld)", e->name,
					   e->line);
			one = e;
			n++;
		}
	}
	if (n == 1)
		return ovk_error_set(err, ENOENT, "%s:%ld: lists '%s', which is not in the package",
				     mfname, one->line, one->name);
	if (n > 1)
		return ovk_error_set(err, ENOENT, "%s: lists %zu files that are not in the package: "
				     "%s", mfname, n, missing);
	return 0;
}

static int is_stream(const struct ovk_package *pkg)
{
	return ovk_appliance_kind(pkg->app) == OVK_APPLIANCE_OVA_STREAM;
}

static int no_manifest(struct ovk_package *pkg, const struct ovk_package_opts *o,
		       struct ovk_error *err)
{
	pkg->manifest_status = "absent";
	if (o->require_signature)
		return ovk_error_set(err, EPERM, "%s: no manifest, so no signature "
				     "(--require-signature)", ovk_appliance_path(pkg->app));
	note(o, 1, "no manifest: the contents are not verified");
	return 0;
}

/* The descriptor against the manifest, the manifest against the .cert. */
static int verify(struct ovk_package *pkg, const struct ovk_package_opts *o,
		  struct ovk_error *err)
{
	const uint8_t *mfb = NULL;
	const char *mfname = NULL;
	size_t mflen = 0;
	int r;

	if (o->no_verify) {
		pkg->manifest_status = "skipped";
		note(o, 1, "manifest not checked (--no-verify)");
		return 0;
	}
	if ((r = ovk_appliance_manifest(pkg->app, &mfname, &mfb, &mflen)) < 0)
		return -1;
	if (r == 1 && is_stream(pkg)) {
		/* It may still come, after the disks (ovk_package_finish; a
		 * description does not read that far). */
		pkg->manifest_status = "pending";
		return 0;
	}
	if (r == 1)
		return no_manifest(pkg, o, err);
	if (check_manifest(pkg, o, mfname, mfb, mflen, err) < 0 ||
	    (!o->describe_only && !is_stream(pkg) && check_entries(pkg, mfname, err) < 0))
		return -1;
	note(o, 0, "manifest %s: descriptor verified; disks are verified as they convert",
	     mfname);
	return 0;
}

/* The first member of a File: the href, or its chunk 0. */
static int listed(const struct ovk_manifest *mf, const struct ovk_ova_job *job,
		  struct ovk_error *err)
{
	char *name = job->file->chunk_size ? ovk_appliance_chunk_name(job->file->href, 0) : NULL;
	const char *n = name ? name : job->file->href;
	int ret = -1;

	if (job->file->chunk_size && !name)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (!ovk_manifest_find(mf, n, OVK_HASH_NONE)) {
		ovk_error_set(err, EBADMSG, "disk %s: '%s' is not listed in the manifest (every "
			      "file a disk reads must be)", job->disk->id, n);
		goto out;
	}
	ret = 0;
out:
	free(name);
	return ret;
}

/* With a manifest: every disk's File must be in it (the rest of its
 * members are refused as they are opened), and the verifier compares each
 * member as the disks convert.  With one pending: it collects their
 * digests for ovk_package_finish. */
static int arm_checks(struct ovk_package *pkg, const struct ovk_package_opts *o,
		      struct ovk_error *err)
{
	int pending = strcmp(pkg->manifest_status, "pending") == 0;

	if (!pkg->mf && !pending)
		return 0;
	for (size_t i = 0; pkg->mf && i < pkg->plan->n_jobs; i++)
		if (pkg->plan->jobs[i].file && listed(pkg->mf, &pkg->plan->jobs[i], err) < 0)
			return -1;
	if (ovk_verify_new(pkg->mf, pending_algs, o->cancel, &pkg->verify, err) < 0)
		return -1;
	ovk_appliance_set_verify(pkg->app, pkg->verify);
	if (pending)
		note(o, 0, "no manifest ahead of the disks: they are hashed as they convert and "
		     "verified against a manifest at the end of the stream");
	return 0;
}

int ovk_package_open(const char *input, const struct ovk_package_opts *opts,
		     struct ovk_package **out, struct ovk_error *err)
{
	struct ovk_package *pkg = calloc(1, sizeof *pkg);
	const uint8_t *ovf;
	size_t len;
	int ret = -1;

	if (!pkg)
		return ovk_error_set(err, ENOMEM, "out of memory");
	pkg->opts = *opts;
	if (ovk_appliance_open(input, opts->open_flags, &pkg->app, err) < 0)
		goto out;
	ovk_appliance_ovf(pkg->app, &ovf, &len);
	if (ovk_ovf_parse_config(ovf, len, ovk_appliance_ovf_name(pkg->app), opts->config,
				 &pkg->env, err) < 0)
		goto out;
	for (size_t i = 0; i < pkg->env->n_warnings; i++)
		note(opts, 1, "%s", pkg->env->warnings[i]);
	if (pkg->env->config)
		note(opts, 0, "configuration '%s'%s", pkg->env->config,
		     opts->config ? " (as asked)" : " (the default)");
	if (verify(pkg, opts, err) < 0)
		goto out;
	ovk_appliance_set_named(pkg->app, pkg->env, pkg->mf);
	if (opts->describe_only) {
		if (ovk_appliance_check_refs(pkg->app, pkg->env, err) < 0) {
			/* Files that are not there are a descriptor's normal
			 * state; a File that is there with the wrong size is not. */
			if (opts->strict_refs || err->errnum != ENOENT)
				goto out;
			note(opts, 1, "%s", err->msg);
		}
		*out = pkg;
		return 0;
	}
	if (ovk_appliance_check_refs(pkg->app, pkg->env, err) < 0 ||
	    ovk_ova_plan(pkg->app, pkg->env, &pkg->plan, err) < 0 || arm_checks(pkg, opts, err) < 0)
		goto out;
	*out = pkg;
	pkg = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_name(err, input);
	ovk_package_free(pkg);
	return ret;
}

void ovk_package_free(struct ovk_package *pkg)
{
	if (!pkg)
		return;
	ovk_ova_plan_free(pkg->plan);
	ovk_cert_result_clear(&pkg->cert);
	/* The verifier points into the manifest, the appliance at the
	 * verifier, and at the envelope and manifest for the names. */
	if (pkg->app)
		ovk_appliance_set_named(pkg->app, NULL, NULL);
	ovk_appliance_free(pkg->app);
	ovk_verify_free(pkg->verify);
	ovk_manifest_free(pkg->mf);
	ovk_ovf_free(pkg->env);
	free(pkg);
}

/* The engine's notes (a disk copied to a temp file) join the package's. */
static void engine_note(void *opaque, const char *msg)
{
	const struct ovk_package_opts *o = opaque;

	note(o, 0, "%s", msg);
}

int ovk_package_prepare(struct ovk_package *pkg, const struct ovk_ova_job *job,
			struct ovk_engine_job *ej, struct ovk_convert_opts *o,
			struct ovk_error *err)
{
	memset(ej, 0, sizeof *ej);
	/* Whatever a failed conversion before this one left to hash. */
	ovk_verify_abort(pkg->verify);
	if (!job->file) {
		ej->blank_size = job->disk->capacity;
		return 0;
	}
	/* The OVF says what the File is; content that is not that format must
	 * not slip through as raw (glance's 4-byte "ABCD" disk). */
	if (!o->in_format && job->disk->format && strcasestr(job->disk->format, "vmdk"))
		o->in_format = "vmdk";
	if (!o->note) {
		o->note = engine_note;
		o->note_opaque = &pkg->opts;
	}
	ej->resolver = ovk_appliance_resolver(pkg->app);
	if (pkg->verify) {
		ej->before_commit = ovk_verify_settle;
		ej->hook_opaque = pkg->verify;
	}
	if (ovk_appliance_open_file(pkg->app, job->file, o->open_flags, &ej->blob, err) == 0)
		return 0;
	/* A compressed File's bytes are checked as it opens: say where. */
	return ovk_error_name(err, ovk_appliance_path(pkg->app));
}

static int finish(struct ovk_package *pkg, struct ovk_error *err)
{
	const uint8_t *mfb = NULL;
	const char *mfname = NULL;
	size_t mflen = 0;
	int r;

	/* A stream stops after its last disk: read the rest, so that a
	 * member breaking the tar rules (a "..", a link, a name twice) fails
	 * the package wherever it sits, as it does in a mapped OVA.  (A no-op
	 * for mapped OVAs and directories.) */
	if (ovk_appliance_drain(pkg->app, err) < 0)
		return -1;
	if (!pkg->manifest_status || strcmp(pkg->manifest_status, "pending") != 0) {
		if (is_stream(pkg) && pkg->mf &&
		    ovk_appliance_manifest(pkg->app, &mfname, &mfb, &mflen) == 0)
			return check_entries(pkg, mfname, err);
		return 0;
	}
	if ((r = ovk_appliance_manifest(pkg->app, &mfname, &mfb, &mflen)) < 0)
		return -1;
	if (r == 1)
		return no_manifest(pkg, &pkg->opts, err);
	if (check_manifest(pkg, &pkg->opts, mfname, mfb, mflen, err) < 0 ||
	    check_entries(pkg, mfname, err) < 0 || ovk_verify_collected(pkg->verify, pkg->mf, err) < 0)
		return -1;
	note(&pkg->opts, 0, "manifest %s (after the disks): descriptor and disks verified",
	     mfname);
	return 0;
}

int ovk_package_finish(struct ovk_package *pkg, struct ovk_error *err)
{
	const char *path = ovk_appliance_path(pkg->app);

	if (finish(pkg, err) == 0)
		return 0;
	return ovk_error_name(err, path);
}

int ovk_package_convert(struct ovk_package *pkg, const struct ovk_ova_job *job,
			const char *output, const struct ovk_convert_opts *copts,
			struct ovk_error *err)
{
	struct ovk_convert_opts o = *copts;
	struct ovk_engine_job ej;

	if (ovk_package_prepare(pkg, job, &ej, &o, err) < 0)
		return -1;
	ej.output = output;
	return ovk_engine_convert(&ej, &o, NULL, err);
}

char *ovk_safe_name(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	char *s;

	if (len > OVK_SAFE_NAME_MAX)
		len = OVK_SAFE_NAME_MAX;
	if (!(s = malloc(len + 2)))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		int okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		s[i] = okc ? (char)c : '_';
	}
	s[len] = '\0';
	/* No leading dot (hidden files, "." and ".."), and never empty. */
	if (len == 0 || s[0] == '.')
		s[0] = '_';
	if (len == 0)
		s[1] = '\0';
	return s;
}
