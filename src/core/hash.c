/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hash.c: the digest interface of hash.h over OpenSSL's EVP API. */
#include "hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <strings.h>

struct ovk_hash {
	EVP_MD_CTX *ctx;
	enum ovk_hash_alg alg;
};

static const struct {
	enum ovk_hash_alg alg;
	const char *name;
	size_t size;
} hash_table[] = {
	{ OVK_HASH_MD5, "MD5", 16 },
	{ OVK_HASH_SHA1, "SHA1", 20 },
	{ OVK_HASH_SHA256, "SHA256", 32 },
	{ OVK_HASH_SHA512, "SHA512", 64 },
};

const char *ovk_hash_name(enum ovk_hash_alg alg)
{
	for (size_t i = 0; i < sizeof hash_table / sizeof hash_table[0]; i++)
		if (hash_table[i].alg == alg)
			return hash_table[i].name;
	return NULL;
}

enum ovk_hash_alg ovk_hash_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof hash_table / sizeof hash_table[0]; i++)
		if (strcasecmp(hash_table[i].name, name) == 0)
			return hash_table[i].alg;
	return OVK_HASH_NONE;
}

size_t ovk_hash_size(enum ovk_hash_alg alg)
{
	for (size_t i = 0; i < sizeof hash_table / sizeof hash_table[0]; i++)
		if (hash_table[i].alg == alg)
			return hash_table[i].size;
	return 0;
}

const EVP_MD *ovk_hash_evp(enum ovk_hash_alg alg)
{
	switch (alg) {
	case OVK_HASH_MD5: return EVP_md5();
	case OVK_HASH_SHA1: return EVP_sha1();
	case OVK_HASH_SHA256: return EVP_sha256();
	case OVK_HASH_SHA512: return EVP_sha512();
	case OVK_HASH_NONE: break;
	}
	return NULL;
}

int ovk_hash_new(enum ovk_hash_alg alg, struct ovk_hash **out, struct ovk_error *err)
{
	const EVP_MD *md = ovk_hash_evp(alg);
	struct ovk_hash *h;

	if (!md)
		return ovk_error_set(err, EINVAL, "unknown hash algorithm %d", (int)alg);
	h = calloc(1, sizeof *h);
	if (!h || !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	h->alg = alg;
	if (EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
		ovk_hash_free(h);
		return ovk_error_set(err, EINVAL, "%s: digest not available", ovk_hash_name(alg));
	}
	*out = h;
	return 0;
}

void ovk_hash_update(struct ovk_hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

int ovk_hash_final(struct ovk_hash *h, uint8_t *digest, struct ovk_error *err)
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, digest, &len) != 1)
		return ovk_error_set(err, EIO, "%s: digest failed", ovk_hash_name(h->alg));
	return 0;
}

void ovk_hash_free(struct ovk_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
