/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manifest.h: OVF manifests (.mf) and their signatures (.cert).
 *
 * A manifest lists one digest per line, `ALG(name)= hex`, for the files of
 * a package.  ovk_manifest_parse() reads the spellings seen in the wild:
 * `SHA1(x.ovf)= ab..`, `SHA256 (x.ovf) = AB..`, CRLF line ends, blank lines.
 * The algorithms are those of enum ovk_hash_alg (MD5, SHA1, SHA256,
 * SHA512); any other is an error, since a check we cannot make must not
 * pass for one we made.
 *
 * The digests of the members a disk reads are computed by the verifier
 * (verify.h), in the pass that converts it, and ovk_manifest_verify()
 * compares.  Small members (the .ovf) are hashed with
 * ovk_manifest_verify_buffer().
 *
 * A .cert file holds `ALG(name.mf)= hex` (a signature of the manifest's
 * bytes) followed by a PEM X.509 certificate; ovk_cert_verify() checks the
 * signature with the certificate's public key (libcrypto, in cert.c).
 *
 * Ownership: ovk_manifest_free() and ovk_cert_result_clear() are NULL-safe.
 * Parsed objects are immutable and may be read from many threads.
 */
#ifndef OVK_OVA_MANIFEST_H
#define OVK_OVA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A manifest names each file of a package once per algorithm; packages
 * have a handful of files (OVK_OVF_MAX_REFS at most), and a line is under
 * 300 bytes (SHA512 hex is 128), so 4096 lines in 1 MiB covers any real
 * one with room to spare. */
#define OVK_MANIFEST_MAX_BYTES ((size_t)1 << 20)
#define OVK_MANIFEST_MAX_LINES 4096
/* A .cert is a signature line and a certificate chain: 1 MiB as well. */
#define OVK_CERT_MAX_BYTES ((size_t)1 << 20)

struct ovk_manifest_entry {
	char *name;
	enum ovk_hash_alg alg;
	uint8_t digest[OVK_HASH_MAX_DIGEST];
	size_t digest_len;
	long line;
};

struct ovk_manifest {
	struct ovk_manifest_entry *entries;
	size_t n_entries;
};

/* Parse manifest bytes; `name` is used in messages. */
int ovk_manifest_parse(const uint8_t *buf, size_t len, const char *name,
		       struct ovk_manifest **out, struct ovk_error *err);
void ovk_manifest_free(struct ovk_manifest *mf);

/* The entry for `file` with `alg`, or with the strongest algorithm listed
 * when alg is OVK_HASH_NONE; NULL when the manifest does not list it. */
const struct ovk_manifest_entry *ovk_manifest_find(const struct ovk_manifest *mf,
						   const char *file, enum ovk_hash_alg alg);

/* Compare a computed digest with the manifest's entry for `file`/`alg`:
 * -1 with "FILE: SHA256 digest mismatch (manifest ..., computed ...)" or
 * "FILE: not listed in the manifest". */
int ovk_manifest_verify(const struct ovk_manifest *mf, const char *file, enum ovk_hash_alg alg,
			const uint8_t *digest, size_t len, struct ovk_error *err);

/* Hash `buf` with every algorithm the manifest lists for `file` and
 * compare.  -1 when it is not listed or a digest differs. */
int ovk_manifest_verify_buffer(const struct ovk_manifest *mf, const char *file,
			       const uint8_t *buf, size_t len, struct ovk_error *err);

/* Writing (ova-export): the line `ALG(file)= hex\n` as ovftool writes it,
 * lower-case hex.  _len is its length without a NUL; out must hold that
 * plus one. */
size_t ovk_manifest_line_len(enum ovk_hash_alg alg, const char *file, size_t digest_len);
void ovk_manifest_format_line(enum ovk_hash_alg alg, const char *file, const uint8_t *digest,
			      size_t digest_len, char *out);
/* n bytes as 2n lower-case hex digits and a NUL. */
void ovk_hex(const uint8_t *d, size_t n, char *out);

/* ------------------------------------------------------------ .cert */

/* Ask ovk_cert_verify to refuse a missing signature (--require-signature). */
#define OVK_CERT_REQUIRED 0x1u

struct ovk_cert_result {
	int present;          /* a .cert was given */
	int verified;         /* the signature over the manifest is valid */
	enum ovk_hash_alg alg;
	char *subject;        /* the signer, one line (RFC 2253), or NULL */
	char *issuer;
	int self_signed;      /* warnings, as VirtualBox gives them */
	int expired;
	int not_yet_valid;
	/* ovk_cert_check_chain: */
	int chain_checked;
	int trusted;          /* chains to a trusted anchor, all valid now */
	const char *untrusted_why;  /* libcrypto's reason (static), or NULL */
};

/* Verify `cert` (the .cert bytes, or NULL when the package has none)
 * against the manifest bytes `mf` named `mf_name`.  A bad signature, a
 * certificate that cannot be read, or a signature line naming another
 * manifest is an error.  With no cert, the result says present = 0 and the
 * call succeeds unless OVK_CERT_REQUIRED is in flags. */
int ovk_cert_verify(const uint8_t *cert, size_t cert_len, const char *cert_name,
		    const uint8_t *mf, size_t mf_len, const char *mf_name, unsigned flags,
		    struct ovk_cert_result *res, struct ovk_error *err);
void ovk_cert_result_clear(struct ovk_cert_result *res);

/* Sign the manifest bytes `mf` (named mf_name in the package) with the
 * PEM private key at key_path, digest `alg`, and make the .cert text: the
 * signature line and the PEM certificate at cert_path, which must hold the
 * key's public half (cert_sign.c).  *out malloc'ed, *out_len its bytes. */
int ovk_cert_sign(const uint8_t *mf, size_t mf_len, const char *mf_name, enum ovk_hash_alg alg,
		  const char *key_path, const char *cert_path, char **out, size_t *out_len,
		  struct ovk_error *err);

/* Does the .cert's first certificate chain (through the others in the
 * .cert) to an anchor in `trust` (NULL-terminated PEM files: CA bundles
 * or certificates, each trusted as an anchor even when not a CA) or, with
 * trust_system, in OpenSSL's default paths (/etc/ssl/certs,
 * SSL_CERT_FILE/SSL_CERT_DIR)?  X509_verify_cert's rules: every
 * certificate valid now, a self-signed one only when trusted.  Fills
 * res->chain_checked, trusted, untrusted_why; -1 only when a trust file
 * or the certificates cannot be read. */
int ovk_cert_check_chain(const uint8_t *cert, size_t cert_len, const char *cert_name,
			 const char *const *trust, int trust_system,
			 struct ovk_cert_result *res, struct ovk_error *err);

/* 1 for the digests whose signatures are refused under
 * --require-signature: MD5 and SHA-1 have practical collisions, so a
 * signature over one proves nothing about the manifest's content. */
int ovk_cert_weak_alg(enum ovk_hash_alg alg);

/* Parse a digest line `ALG(name)= hex` (shared by manifests and certs).
 * The digest may be up to `max` bytes (a signature is longer than a hash);
 * *name_out is malloc'ed. */
int ovk_manifest_line(const char *line, size_t len, char **alg_out, char **name_out,
		      uint8_t *digest, size_t max, size_t *digest_len);

#endif
