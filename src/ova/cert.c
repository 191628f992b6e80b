/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cert.c: the .cert signature of a manifest, with OpenSSL's libcrypto (the
 * only file of src/ova that includes it, STYLE.md #5).
 *
 * Layout of a .cert, as ovftool writes it:
 *   SHA256(package.mf)= 3a5f...          <- signature of the .mf bytes, hex
 *   -----BEGIN CERTIFICATE-----
 *   ...                                   <- the signer, PEM X.509
 *   -----END CERTIFICATE-----
 * The signature is made over the manifest file's bytes with the digest the
 * line names (RSA PKCS#1 v1.5 in practice; any key type libcrypto knows
 * works through EVP_DigestVerify).  Certificates after the first are
 * the chain up to (not necessarily including) a CA.
 *
 * Two separate questions, two calls:
 *   - ovk_cert_verify: was the manifest signed with the key in the first
 *     certificate?  (Anyone can make a key and a certificate naming
 *     anybody, so this alone proves nothing about who signed.)
 *   - ovk_cert_check_chain: does that certificate chain to an anchor the
 *     caller trusts (files it names, and the system store only when it
 *     asks for it: the library reads no system state by itself)?  This is
 *     X509_verify_cert, so its rules hold: every certificate of the chain
 *     must be valid now (an expired one is refused even when it is itself
 *     the trusted anchor), and a self-signed certificate passes only when
 *     it is in the trust.
 * The policy (what --require-signature refuses) is the caller's: see
 * package.c.
 */
#include "manifest.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* The longest signature we accept: RSA-8192 gives 1024 bytes; no producer
 * uses more. */
#define CERT_MAX_SIG 1024
/* Certificates read from one .cert: a leaf and its intermediates.  Real
 * chains are 2 to 4 deep; 16 leaves room and bounds the work. */
#define CERT_MAX_CHAIN 16

static char *name_string(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long n;

	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n >= 0)
			s = strndup(p, (size_t)n);
	}
	BIO_free(b);
	return s;
}

/* The first line that is not blank: the signature line. */
static int signature_line(const uint8_t *cert, size_t len, const char **line, size_t *llen)
{
	const char *p = (const char *)cert, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t i = 0;

		while (i < l && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i < l) {
			*line = p;
			*llen = l;
			return 0;
		}
		p += l + (nl ? 1 : 0);
	}
	return -1;
}

struct sig {
	enum ovk_hash_alg alg;
	uint8_t bytes[CERT_MAX_SIG];
	size_t len;
};

static int read_signature(const uint8_t *cert, size_t len, const char *cert_name,
			  const char *mf_name, struct sig *sig, struct ovk_error *err)
{
	const char *line, *base = strrchr(mf_name, '/');
	char *alg_s = NULL, *name = NULL;
	size_t llen;
	int r, ret = -1;

	base = base ? base + 1 : mf_name;
	if (signature_line(cert, len, &line, &llen) != 0) {
		ovk_error_set(err, EINVAL, "%s: empty", cert_name);
		goto out;
	}
	r = ovk_manifest_line(line, llen, &alg_s, &name, sig->bytes, sizeof sig->bytes,
			      &sig->len);
	if (r != 0) {
		ovk_error_set(err, r == -2 ? ENOMEM : EINVAL, "%s: the first line is not "
			      "'ALG(manifest.mf)= signature'", cert_name);
		goto out;
	}
	sig->alg = ovk_hash_from_name(alg_s);
	if (sig->alg == OVK_HASH_NONE) {
		ovk_error_set(err, ENOTSUP, "%s: unknown digest algorithm '%s'", cert_name, alg_s);
		goto out;
	}
	if (strcmp(name, base) != 0) {
		ovk_error_set(err, EINVAL, "%s: signs '%s', not the package's manifest '%s'",
			      cert_name, name, base);
		goto out;
	}
	ret = 0;
out:
	free(alg_s);
	free(name);
	return ret;
}

static int check_signature(X509 *x, const struct sig *sig, const uint8_t *mf, size_t mf_len,
			   const char *cert_name, struct ovk_error *err)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	EVP_MD_CTX *ctx = NULL;
	int ret = -1;

	if (!key) {
		ovk_error_set(err, EINVAL, "%s: the certificate's public key cannot be read",
			      cert_name);
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, ovk_hash_evp(sig->alg), NULL, key) != 1 ||
	    EVP_DigestVerify(ctx, sig->bytes, sig->len, mf, mf_len) != 1) {
		ovk_error_set(err, EBADMSG, "%s: the %s signature does not match the manifest",
			      cert_name, ovk_hash_name(sig->alg));
		goto out;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int ovk_cert_verify(const uint8_t *cert, size_t cert_len, const char *cert_name,
		    const uint8_t *mf, size_t mf_len, const char *mf_name, unsigned flags,
		    struct ovk_cert_result *res, struct ovk_error *err)
{
	struct sig sig = {0};
	BIO *bio = NULL;
	X509 *x = NULL;
	int ret = -1;

	memset(res, 0, sizeof *res);
	if (!cert) {
		if (flags & OVK_CERT_REQUIRED)
			return ovk_error_set(err, EPERM, "%s: the package is not signed (no .cert), "
					     "and a signature is required", mf_name);
		return 0;
	}
	res->present = 1;
	if (cert_len > OVK_CERT_MAX_BYTES || cert_len > INT32_MAX) {
		ovk_error_set(err, EFBIG, "%s: %zu bytes, more than a .cert may have", cert_name,
			      cert_len);
		goto out;
	}
	if (read_signature(cert, cert_len, cert_name, mf_name, &sig, err) != 0)
		goto out;
	res->alg = sig.alg;
	bio = BIO_new_mem_buf(cert, (int)cert_len);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (!x) {
		ovk_error_set(err, EINVAL, "%s: no PEM X.509 certificate after the signature",
			      cert_name);
		goto out;
	}
	res->subject = name_string(X509_get_subject_name(x));
	res->issuer = name_string(X509_get_issuer_name(x));
	res->self_signed = X509_check_issued(x, x) == X509_V_OK;
	res->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
	res->not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(x)) > 0;
	if (check_signature(x, &sig, mf, mf_len, cert_name, err) != 0)
		goto out;
	res->verified = 1;
	ret = 0;
out:
	/* libcrypto's error queue is per thread; leave it clean for others. */
	ERR_clear_error();
	X509_free(x);
	BIO_free(bio);
	return ret;
}

int ovk_cert_weak_alg(enum ovk_hash_alg alg)
{
	return alg == OVK_HASH_MD5 || alg == OVK_HASH_SHA1;
}

/* The certificates of a .cert, in order (the signature line is skipped
 * by PEM's reader, as any text outside BEGIN/END is). */
static int read_chain(const uint8_t *cert, size_t len, const char *cert_name,
		      STACK_OF(X509) **out, struct ovk_error *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *bio = NULL;
	X509 *x;
	int ret = -1;

	if (len > OVK_CERT_MAX_BYTES || len > INT32_MAX) {
		ovk_error_set(err, EFBIG, "%s: %zu bytes, more than a .cert may have", cert_name,
			      len);
		goto out;
	}
	if (!sk || !(bio = BIO_new_mem_buf(cert, (int)len))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(sk) == CERT_MAX_CHAIN || !sk_X509_push(sk, x)) {
			X509_free(x);
			ovk_error_set(err, E2BIG, "%s: more than %d certificates", cert_name,
				      CERT_MAX_CHAIN);
			goto out;
		}
	}
	if (sk_X509_num(sk) == 0) {
		ovk_error_set(err, EINVAL, "%s: no PEM X.509 certificate", cert_name);
		goto out;
	}
	*out = sk;
	sk = NULL;
	ret = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	BIO_free(bio);
	return ret;
}

/* The trust anchors: each file's certificates (a CA bundle, or one
 * certificate: a leaf named there is an anchor too, hence PARTIAL_CHAIN),
 * and OpenSSL's default paths when asked for. */
static int load_trust(const char *const *files, int system, X509_STORE **out,
		      struct ovk_error *err)
{
	X509_STORE *st = X509_STORE_new();
	X509_LOOKUP *lu;
	int ret = -1;

	if (!st) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; files && files[i]; i++) {
		lu = X509_STORE_add_lookup(st, X509_LOOKUP_file());
		if (!lu || X509_load_cert_crl_file(lu, files[i], X509_FILETYPE_PEM) <= 0) {
			ovk_error_set(err, EINVAL, "%s: cannot read a PEM certificate to trust from "
				      "it", files[i]);
			goto out;
		}
	}
	if (files && files[0])
		X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	if (system && X509_STORE_set_default_paths(st) != 1) {
		ovk_error_set(err, EIO, "cannot load the system's trusted certificates");
		goto out;
	}
	*out = st;
	st = NULL;
	ret = 0;
out:
	X509_STORE_free(st);
	return ret;
}

int ovk_cert_check_chain(const uint8_t *cert, size_t cert_len, const char *cert_name,
			 const char *const *trust, int trust_system,
			 struct ovk_cert_result *res, struct ovk_error *err)
{
	STACK_OF(X509) *chain = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *st = NULL;
	int ret = -1;

	res->chain_checked = 0;
	res->trusted = 0;
	res->untrusted_why = NULL;
	if (load_trust(trust, trust_system, &st, err) < 0 ||
	    read_chain(cert, cert_len, cert_name, &chain, err) < 0)
		goto out;
	if (!(ctx = X509_STORE_CTX_new()) ||
	    X509_STORE_CTX_init(ctx, st, sk_X509_value(chain, 0), chain) != 1) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	res->chain_checked = 1;
	if (X509_verify_cert(ctx) == 1)
		res->trusted = 1;
	else
		res->untrusted_why = X509_verify_cert_error_string(
			X509_STORE_CTX_get_error(ctx));
	ret = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_free(st);
	return ret;
}

void ovk_cert_result_clear(struct ovk_cert_result *res)
{
	if (!res)
		return;
	free(res->subject);
	free(res->issuer);
	memset(res, 0, sizeof *res);
}
