/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container_priv.h: shared by container.c (opening appliances, members,
 * the resolver), container_io.c (chunked and gzip'ed Files as streams)
 * and plan.c.  Not for use outside those.
 */
#ifndef OVK_OVA_CONTAINER_PRIV_H
#define OVK_OVA_CONTAINER_PRIV_H

#include "container.h"
#include "tar.h"
#include "verify.h"

struct meta {
	char *name;
	uint8_t *buf;
	size_t len;
};

enum stream_state {
	MEMBER_NONE,       /* no header read, or the member was passed */
	MEMBER_PENDING,    /* header read, data untouched */
	MEMBER_OPEN,       /* handed out as a stream blob */
};

struct ovk_appliance {
	struct ovk_resolver resolver;  /* members by name, for the engine */
	int refs;
	enum ovk_appliance_kind kind;
	unsigned flags;
	char *path;
	char *dir;                     /* OVF kind: the directory of the .ovf */
	struct meta ovf, mf, cert;

	/* OVA: the mapping (also the source of a compressed stream) */
	struct ovk_blob *file;
	struct ovk_tar_member *members;
	size_t n_members;

	/* OVA_STREAM */
	int fd;
	struct ovk_tar_stream *ts;
	char *cur_name;
	uint64_t cur_size;
	enum stream_state cur_state;
	uint64_t generation;           /* bumped when the stream moves on */
	int at_end;
	char **seen;                   /* every member name passed, in order */
	size_t n_seen, seen_cap;

	/* ovk_appliance_set_named(): borrowed, or NULL */
	const struct ovk_ovf_envelope *named_env;
	const struct ovk_manifest *named_mf;

	/* ovk_appliance_set_verify(): NULL until armed; borrowed */
	struct ovk_verify *verify;
};

void ovk_appliance_ref(struct ovk_appliance *app);
/* A mapped OVA's member by name, or NULL. */
const struct ovk_tar_member *ovk_appliance_find_member(const struct ovk_appliance *app,
						       const char *name);

/* container_io.c */
int ovk_appliance_open_chunked(struct ovk_appliance *app, const struct ovk_ovf_file *file,
			       unsigned flags, struct ovk_blob **out, struct ovk_error *err);
/* Inflate `base` (owned by the new blob, even on failure) to at most `max`
 * bytes (UINT64_MAX: unbounded). */
int ovk_ova_gunzip(struct ovk_blob *base, uint64_t max, struct ovk_blob **out,
		   struct ovk_error *err);
/* If `head` (the file's first bytes) is gzip: app->ts reads the tar through
 * our gunzip (1); 0 when it is not gzip; -1 on error. */
int ovk_appliance_open_gzip_stream(struct ovk_appliance *app, const uint8_t *head, size_t len,
				   struct ovk_error *err);

#endif
