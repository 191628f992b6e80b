/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * appliance_verify.c: --info's account of the manifest, member by member.
 *
 * Opening a package checks the descriptor against the manifest (and the
 * manifest against its signature); the disks are checked only as they
 * convert.  So --info says so ("disks": "not read") instead of one word
 * that could be read as covering everything, and --info --verify reads
 * every member the manifest lists, hashes it with the listed algorithm and
 * says per member "verified", "mismatch" or "missing".  A compressed OVA
 * is one forward stream: its members are not read here (they are verified
 * as they convert), and it says that too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/info.h"
#include "ova/package.h"

/* Bytes read at a time while hashing a member. */
#define VERIFY_CHUNK ((size_t)1 << 20)

static int hash_member(struct ovk_package *pkg, const struct ovk_manifest_entry *e,
		       uint8_t *digest, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	struct ovk_hash *h = NULL;
	uint8_t *buf = malloc(VERIFY_CHUNK);
	ssize_t n = -1;
	int ret = -1;

	if (!buf) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_appliance_open_member(pkg->app, e->name, pkg->opts.open_flags, &b, err) < 0 ||
	    ovk_hash_new(e->alg, &h, err) < 0)
		goto out;
	while ((n = ovk_blob_read(b, buf, VERIFY_CHUNK, err)) > 0)
		ovk_hash_update(h, buf, (size_t)n);
	if (n < 0 || ovk_hash_final(h, digest, err) < 0)
		goto out;
	ret = 0;
out:
	ovk_hash_free(h);
	ovk_blob_free(b);
	free(buf);
	return ret;
}

/* "verified", "mismatch" or "missing" for one entry; NULL with err set
 * when it cannot be read at all. */
static const char *member_state(struct ovk_package *pkg, const struct ovk_manifest_entry *e,
				struct ovk_error *err)
{
	uint8_t digest[OVK_HASH_MAX_DIGEST];
	struct ovk_error mismatch = { 0 };

	if (!ovk_appliance_has_member(pkg->app, e->name))
		return "missing";
	if (hash_member(pkg, e, digest, err) < 0)
		return NULL;
	return ovk_manifest_verify(pkg->mf, e->name, e->alg, digest, e->digest_len,
				   &mismatch) == 0 ? "verified" : "mismatch";
}

/* "members": {name: state}; *all_ok cleared by any state but verified. */
static int describe_members(struct ovk_info *info, struct ovk_package *pkg, int *all_ok,
			    struct ovk_error *err)
{
	const char *ovf = ovk_appliance_ovf_name(pkg->app);

	*all_ok = 1;
	ovk_info_begin_object(info, "members");
	for (size_t i = 0; i < pkg->mf->n_entries; i++) {
		const struct ovk_manifest_entry *e = &pkg->mf->entries[i];
		const char *state;

		if (strcmp(e->name, ovf) == 0)
			continue;
		if (!(state = member_state(pkg, e, err))) {
			ovk_info_end(info);
			return -1;
		}
		*all_ok &= strcmp(state, "verified") == 0;
		ovk_info_str(info, e->name, state);
	}
	ovk_info_end(info);
	return 0;
}

int ovk_package_describe_manifest(struct ovk_package *pkg, int verify_all,
				  struct ovk_info *info, struct ovk_error *err)
{
	int stream = ovk_appliance_kind(pkg->app) == OVK_APPLIANCE_OVA_STREAM, all_ok = 0;
	int ret = -1;

	ovk_info_begin_object(info, "manifest");
	ovk_info_str(info, "descriptor", pkg->manifest_status);
	if (!pkg->mf) {
		ovk_info_str(info, "disks", strcmp(pkg->manifest_status, "pending") == 0 ?
			     "not read" : pkg->manifest_status);
	} else if (!verify_all || stream) {
		ovk_info_str(info, "disks", "not read");
		if (verify_all)
			ovk_info_str(info, "why", "a compressed OVA is read once, as it converts, "
				     "and verified then");
	} else {
		if (describe_members(info, pkg, &all_ok, err) < 0)
			goto out;
		ovk_info_str(info, "disks", all_ok ? "verified" : "mismatch");
	}
	ret = 0;
out:
	ovk_info_end(info);
	return ret;
}
