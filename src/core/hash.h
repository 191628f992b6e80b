/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hash.h: message digests for manifest checks, behind one small interface so
 * that libcrypto stays in one file (STYLE.md #5).
 */
#ifndef OVK_CORE_HASH_H
#define OVK_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ovk_hash;

int ovk_hash_new(enum ovk_hash_alg alg, struct ovk_hash **out, struct ovk_error *err);
void ovk_hash_update(struct ovk_hash *h, const void *data, size_t len);
/* Writes ovk_hash_size(alg) bytes. */
int ovk_hash_final(struct ovk_hash *h, uint8_t *digest, struct ovk_error *err);
void ovk_hash_free(struct ovk_hash *h);

/* The libcrypto digest for alg, for the signature check that needs one
 * (NULL for OVK_HASH_NONE).  The one other place libcrypto shows. */
struct evp_md_st;
const struct evp_md_st *ovk_hash_evp(enum ovk_hash_alg alg);

#endif
