/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cert_sign.c: making the .cert of an exported package (ova-export --sign),
 * the writing half of cert.c, and with it the only files of src/ova that
 * include libcrypto (STYLE.md #5).
 *
 * The .cert is what ovftool writes and cert.c reads back:
 *   ALG(package.mf)= <hex signature of the manifest's bytes>
 *   -----BEGIN CERTIFICATE-----      <- the signer's certificate, PEM
 * The signature is EVP_DigestSign with the manifest's algorithm and the
 * given key (RSA PKCS#1 v1.5 for an RSA key, as ovftool signs).  The key
 * must be the certificate's: a .cert that its own certificate cannot
 * verify is refused here rather than shipped.
 */
#include "manifest.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* The key and the certificate, read from their PEM files. */
static int read_pems(const char *key_path, const char *cert_path, EVP_PKEY **key, X509 **x,
		     struct ovk_error *err)
{
	BIO *b = BIO_new_file(key_path, "r");

	*key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!*key)
		return ovk_error_set(err, EINVAL, "%s: cannot read a PEM private key (an "
				     "unencrypted one is needed)", key_path);
	b = BIO_new_file(cert_path, "r");
	*x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!*x)
		return ovk_error_set(err, EINVAL, "%s: cannot read a PEM X.509 certificate",
				     cert_path);
	if (X509_check_private_key(*x, *key) != 1)
		return ovk_error_set(err, EINVAL, "%s: the key %s does not belong to this "
				     "certificate", cert_path, key_path);
	return 0;
}

/* The signature line: "ALG(mf_name)= hex\n", malloc'ed. */
static char *sig_line(enum ovk_hash_alg alg, const char *mf_name, const uint8_t *sig,
		      size_t len)
{
	char *s = malloc(ovk_manifest_line_len(alg, mf_name, len) + 1);

	if (s)
		ovk_manifest_format_line(alg, mf_name, sig, len, s);
	return s;
}

/* sig_line, then the certificate in PEM, into *out. */
static int assemble(const char *line, X509 *x, char **out, size_t *out_len,
		    struct ovk_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n;
	int ret = -1;

	if (!b || PEM_write_bio_X509(b, x) != 1) {
		ovk_error_set(err, ENOMEM, "cannot write the certificate as PEM");
		goto out;
	}
	n = BIO_get_mem_data(b, &pem);
	if (n <= 0 || !(*out = malloc(strlen(line) + (size_t)n + 1))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	*out_len = strlen(line) + (size_t)n;
	memcpy(*out, line, strlen(line));
	memcpy(*out + strlen(line), pem, (size_t)n);
	(*out)[*out_len] = 0;
	ret = 0;
out:
	BIO_free(b);
	return ret;
}

int ovk_cert_sign(const uint8_t *mf, size_t mf_len, const char *mf_name, enum ovk_hash_alg alg,
		  const char *key_path, const char *cert_path, char **out, size_t *out_len,
		  struct ovk_error *err)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	char *line = NULL;
	int ret = -1;

	*out = NULL;
	if (read_pems(key_path, cert_path, &key, &x, err) < 0)
		goto out;
	if (!(ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestSignInit(ctx, NULL, ovk_hash_evp(alg), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, mf, mf_len) != 1 || !(sig = malloc(sig_len)) ||
	    EVP_DigestSign(ctx, sig, &sig_len, mf, mf_len) != 1) {
		ovk_error_set(err, EINVAL, "%s: cannot sign %s with %s", key_path, mf_name,
			      ovk_hash_name(alg));
		goto out;
	}
	if (!(line = sig_line(alg, mf_name, sig, sig_len))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = assemble(line, x, out, out_len, err);
out:
	/* libcrypto's error queue is per thread; leave it clean for others. */
	ERR_clear_error();
	free(line);
	free(sig);
	EVP_MD_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}
