/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_manifest.c: libFuzzer target for the .mf parser and the .cert
 * reader (src/ova/manifest.c, cert.c).
 *
 * Input: manifest bytes, then optionally a NUL and .cert bytes.  A parsed
 * manifest must hold digests of exactly their algorithm's size; the cert
 * check runs against the manifest bytes and must never claim a signature
 * it did not verify.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ova/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t mlen = nul ? (size_t)(nul - data) : size;
	struct ovk_error err;
	struct ovk_manifest *mf = NULL;
	struct ovk_cert_result res;

	if (ovk_manifest_parse(data, mlen, "fuzz.mf", &mf, &err) == 0) {
		for (size_t i = 0; i < mf->n_entries; i++)
			if (mf->entries[i].digest_len != ovk_hash_size(mf->entries[i].alg))
				abort();
		ovk_manifest_free(mf);
	}
	if (nul) {
		int r = ovk_cert_verify(nul + 1, size - mlen - 1, "fuzz.cert", data, mlen, "fuzz.mf",
					0, &res, &err);

		if (r != 0 && res.verified)
			abort();
		/* The chain walk, against an empty trust: nothing is trusted. */
		if (ovk_cert_check_chain(nul + 1, size - mlen - 1, "fuzz.cert", NULL, 0, &res,
					 &err) == 0 && res.trusted)
			abort();
		ovk_cert_result_clear(&res);
	}
	return 0;
}
