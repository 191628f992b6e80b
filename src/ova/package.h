/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * package.h: an appliance opened, parsed and checked, ready to convert.
 *
 * This is the one place that strings the OVA pieces together, for both
 * ova-convert and ova-import: open the container, parse the OVF, check the
 * descriptor against the manifest and the manifest against its signature,
 * check every File reference, and plan the disks.  Each disk is then
 * converted with every member it reads hashed in the same pass and
 * compared before its output is committed (ova/verify.h): a mismatch
 * fails the conversion, and a manifest must list every such member.
 *
 * Notes (what was verified, what was not, the signer) go to a callback, as
 * the library prints nothing.
 */
#ifndef OVK_OVA_PACKAGE_H
#define OVK_OVA_PACKAGE_H

#include "engine/engine.h"
#include "ova/container.h"
#include "ova/manifest.h"
#include "ova/ovf.h"
#include "ova/verify.h"

struct ovk_package_opts {
	unsigned open_flags;       /* OVK_OPEN_* */
	int no_verify;             /* skip the manifest and the signature */
	int require_signature;     /* a missing, bad or untrusted signature is an error */
	/* Trust anchors for the signer (ovk_cert_check_chain): PEM files,
	 * NULL-terminated, or NULL; and OpenSSL's default paths. */
	const char *const *trust;
	int trust_system;
	/* Only describe (--info, --print-xml): a missing File is a note, not
	 * an error, and no disks are planned. */
	int describe_only;
	/* With describe_only: a File the package lacks is an error still. */
	int strict_refs;
	/* The DeploymentOptionSection configuration; NULL: the default.  One
	 * the OVF does not offer fails with errnum OVK_OVF_ENOCONFIG. */
	const char *config;
	volatile sig_atomic_t *cancel;
	/* warning != 0 for things the user should look at. */
	void (*note)(void *opaque, int warning, const char *msg);
	void *note_opaque;
};

/* In a streamed (compressed) OVA the manifest may come after the disks.
 * Then each member a disk reads is hashed, as it converts, with the two
 * algorithms producers write (ovftool and VirtualBox: SHA1 or SHA256), and
 * ovk_package_finish() reads the rest of the stream and compares.  A
 * manifest in another algorithm gets a clear error there: a third digest
 * on every byte of every disk is too dear for the rare case. */
#define OVK_PACKAGE_PENDING_ALGS 2         /* SHA1, SHA256 */

struct ovk_package {
	struct ovk_appliance *app;
	struct ovk_ovf_envelope *env;
	struct ovk_manifest *mf;           /* NULL: none, or not checked */
	struct ovk_cert_result cert;
	struct ovk_ova_plan *plan;         /* NULL when describe_only */
	/* "verified", "absent", "skipped", or "pending" until
	 * ovk_package_finish() for a manifest that comes after the disks */
	const char *manifest_status;
	struct ovk_package_opts opts;      /* for notes from ovk_package_finish */
	/* Checks every member a disk reads: against mf, or collecting for a
	 * manifest still to come.  NULL when there is nothing to check. */
	struct ovk_verify *verify;
};

int ovk_package_open(const char *input, const struct ovk_package_opts *opts,
		     struct ovk_package **out, struct ovk_error *err);
void ovk_package_free(struct ovk_package *pkg);

/* Prepare the conversion of `job` for any destination: fill *ej with its
 * blob (NULL and blank_size for a blank disk), the appliance as its
 * resolver, and the verifier as its before-commit hook, so that a
 * mismatch fails before the output is committed; adjust *o (a copy of the
 * caller's options: the input format the OVF names, the notes).  The
 * caller sets ej's destination and runs ovk_engine_convert(). */
int ovk_package_prepare(struct ovk_package *pkg, const struct ovk_ova_job *job,
			struct ovk_engine_job *ej, struct ovk_convert_opts *o,
			struct ovk_error *err);

/* After the last disk: with the manifest "pending", read the rest of the
 * stream, and verify the descriptor, the signature and every disk's
 * digests computed during its conversion.  -1 on a mismatch (the caller
 * removes the outputs: nothing verified may be left).  0 and nothing to
 * do otherwise. */
int ovk_package_finish(struct ovk_package *pkg, struct ovk_error *err);

/* Convert the disk of `job` to `output` (format and options from copts),
 * verifying its members in the same pass.  A blank disk (no File) becomes
 * an empty image of its capacity. */
int ovk_package_convert(struct ovk_package *pkg, const struct ovk_ova_job *job,
			const char *output, const struct ovk_convert_opts *copts,
			struct ovk_error *err);

/* The "manifest" object of --info (appliance_verify.c): the descriptor's
 * state, and the disks' ("not read"; with verify_all every listed member
 * hashed: "verified", "mismatch" or "missing" each). */
struct ovk_info;
int ovk_package_describe_manifest(struct ovk_package *pkg, int verify_all,
				  struct ovk_info *info, struct ovk_error *err);

/* A name from the OVF made safe for file and domain names: only
 * [A-Za-z0-9._-] (others become '_'), no leading dot, never empty, at most
 * OVK_SAFE_NAME_MAX bytes (file names stop at 255; room for a suffix).
 * malloc'ed; NULL when out of memory. */
#define OVK_SAFE_NAME_MAX 200
char *ovk_safe_name(const char *name);

#endif
