/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_manifest.c: .mf parsing and digest checks, and .cert signatures made
 * at test time by the openssl command line (an independent signer).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_support.h"

#include "core/blob.h"
#include "ova/manifest.h"

/* sha256("hello\n"), sha1("hello\n"), md5("hello\n") */
#define SHA256_HELLO "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define SHA1_HELLO "f572d396fae9206628714fb2ce00f72e94f2258f"
#define MD5_HELLO "b1946ac92492d2347c6235b4d2611184"

static int parse(const char *text, struct ovk_manifest **mf, struct ovk_error *err)
{
	return ovk_manifest_parse((const uint8_t *)text, strlen(text), "t.mf", mf, err);
}

static void test_variants(void **state)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;
	const struct ovk_manifest_entry *e;
	/* ovftool's spacing, the spaced variant, CRLF, upper-case hex, a blank
	 * line, a name with parentheses and spaces. */
	const char *text = "SHA256(a.ovf)= " SHA256_HELLO "\r\n"
			   "SHA1 (disk (1).vmdk) = F572D396FAE9206628714FB2CE00F72E94F2258F\r\n"
			   "\r\n"
			   "  MD5(c.cert)=" MD5_HELLO "  \n"
			   "SHA256(disk (1).vmdk)= " SHA256_HELLO;

	(void)state;
	if (parse(text, &mf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(mf->n_entries, 4);
	e = ovk_manifest_find(mf, "disk (1).vmdk", OVK_HASH_SHA1);
	assert_non_null(e);
	assert_int_equal(e->digest_len, 20);
	assert_int_equal(e->digest[0], 0xf5);
	assert_int_equal(e->line, 2);
	/* With no algorithm asked, the strongest listed. */
	e = ovk_manifest_find(mf, "disk (1).vmdk", OVK_HASH_NONE);
	assert_int_equal(e->alg, OVK_HASH_SHA256);
	assert_non_null(ovk_manifest_find(mf, "c.cert", OVK_HASH_MD5));
	assert_null(ovk_manifest_find(mf, "a.ovf", OVK_HASH_SHA1));
	assert_null(ovk_manifest_find(mf, "missing.vmdk", OVK_HASH_NONE));
	/* Buffers verified with every algorithm listed for them. */
	assert_int_equal(ovk_manifest_verify_buffer(mf, "disk (1).vmdk",
						    (const uint8_t *)"hello\n", 6, &err), 0);
	assert_int_equal(ovk_manifest_verify_buffer(mf, "disk (1).vmdk",
						    (const uint8_t *)"hellO\n", 6, &err), -1);
	assert_non_null(strstr(err.msg, "disk (1).vmdk: "));
	assert_non_null(strstr(err.msg, "digest mismatch"));
	assert_int_equal(ovk_manifest_verify_buffer(mf, "missing.vmdk",
						    (const uint8_t *)"x", 1, &err), -1);
	assert_non_null(strstr(err.msg, "not listed"));
	ovk_manifest_free(mf);
}

static void expect_fail(const char *text, const char *needle)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;

	assert_int_equal(parse(text, &mf, &err), -1);
	assert_null(mf);
	if (!strstr(err.msg, needle))
		fail_msg("expected '%s' in '%s'", needle, err.msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_fail("SHA384(a.ovf)= " SHA256_HELLO "\n", "t.mf:1: unknown digest algorithm 'SHA384'");
	expect_fail("SHA1(a.ovf)= " SHA256_HELLO "\n", "has 32 bytes, not 20");
	expect_fail("\nSHA1(a.ovf) " SHA1_HELLO "\n", "t.mf:2: not a manifest line");
	expect_fail("SHA1(a.ovf)= " SHA1_HELLO "x\n", "not a manifest line");
	expect_fail("SHA1()= " SHA1_HELLO "\n", "not a manifest line");
	expect_fail("(a.ovf)= " SHA1_HELLO "\n", "not a manifest line");
	expect_fail("SHA1(a.ovf)= " SHA1_HELLO "\nSHA1(a.ovf)= " SHA1_HELLO "\n"
		    "SHA1(a.ovf)= 0000000000000000000000000000000000000000\n",
		    "t.mf:3: a second, different SHA1 digest for 'a.ovf' (first on line 1)");
	expect_fail("\n\n", "no digests");
	/* a line for the manifest itself, as a forger would add one */
	expect_fail("SHA1(a.ovf)= " SHA1_HELLO "\nSHA1(t.mf)= " SHA1_HELLO "\n",
		    "t.mf:2: a digest of the manifest itself");
	{
		struct ovk_error err = {0};
		struct ovk_manifest *mf = NULL;

		assert_int_equal(ovk_manifest_parse((const uint8_t *)"SHA1(a\0b)= x", 13, "t.mf",
						    &mf, &err), -1);
		assert_non_null(strstr(err.msg, "NUL"));
	}
}

static void test_verify(void **state)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;
	uint8_t d[20] = {0xf5, 0x72, 0xd3, 0x96, 0xfa, 0xe9, 0x20, 0x66, 0x28, 0x71,
			 0x4f, 0xb2, 0xce, 0x00, 0xf7, 0x2e, 0x94, 0xf2, 0x25, 0x8f};

	(void)state;
	assert_int_equal(parse("SHA1(d.vmdk)= " SHA1_HELLO "\n", &mf, &err), 0);
	assert_int_equal(ovk_manifest_verify(mf, "d.vmdk", OVK_HASH_SHA1, d, 20, &err), 0);
	d[19] ^= 1;
	assert_int_equal(ovk_manifest_verify(mf, "d.vmdk", OVK_HASH_SHA1, d, 20, &err), -1);
	assert_non_null(strstr(err.msg, "d.vmdk: SHA1 digest mismatch (manifest " SHA1_HELLO));
	assert_int_equal(ovk_manifest_verify(mf, "d.vmdk", OVK_HASH_SHA256, d, 32, &err), -1);
	assert_non_null(strstr(err.msg, "no SHA256 digest"));
	ovk_manifest_free(mf);
}

/* ------------------------------------------------------------ .cert */


static uint8_t *slurp(const char *name, size_t *len)
{
	char path[8192];
	struct ovk_blob *b = NULL;
	struct ovk_error err = {0};
	uint8_t *p;

	snprintf(path, sizeof path, "%s/%s", ut_tmpdir, name);
	assert_int_equal(ovk_blob_open_file(path, &b, &err), 0);
	p = malloc(ovk_blob_size(b) + 1);
	assert_non_null(p);
	memcpy(p, ovk_blob_data(b), ovk_blob_size(b));
	*len = ovk_blob_size(b);
	ovk_blob_free(b);
	return p;
}

static int cert_setup(void **state)
{
	(void)state;
	if (ut_scratch_setup("ova-cert", 0) < 0)
		return -1;
	/* A self-signed signer, a manifest, and the .cert as ovftool lays it
	 * out: "SHA256(x.mf)= sig-hex" then the PEM certificate. */
	return ut_sh("cd '%s' && "
		   "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
		   "-days 30 -subj '/CN=ovakit test signer/O=ovakit' 2>/dev/null && "
		   "printf 'SHA256(x.ovf)= %s\\n' > x.mf && "
		   "openssl dgst -sha256 -sign key.pem -out sig.bin x.mf && "
		   "{ printf 'SHA256(x.mf)= '; od -An -v -tx1 sig.bin | tr -d ' \\n'; echo; "
		   "cat cert.pem; } > x.cert", ut_tmpdir, SHA256_HELLO) == 0 ? 0 : -1;
}

static int cert_teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

static void test_cert(void **state)
{
	struct ovk_error err = {0};
	struct ovk_cert_result res;
	size_t clen, mlen;
	uint8_t *cert = slurp("x.cert", &clen);
	uint8_t *mf = slurp("x.mf", &mlen);

	(void)state;
	if (ovk_cert_verify(cert, clen, "x.cert", mf, mlen, "x.mf", 0, &res, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(res.present);
	assert_true(res.verified);
	assert_int_equal(res.alg, OVK_HASH_SHA256);
	assert_true(res.self_signed);
	assert_false(res.expired);
	assert_non_null(strstr(res.subject, "CN=ovakit test signer"));
	ovk_cert_result_clear(&res);

	/* One tampered byte of the manifest: the signature fails. */
	mf[10] ^= 1;
	assert_int_equal(ovk_cert_verify(cert, clen, "x.cert", mf, mlen, "x.mf", 0, &res, &err),
			 -1);
	assert_non_null(strstr(err.msg, "x.cert: the SHA256 signature does not match"));
	assert_false(res.verified);
	ovk_cert_result_clear(&res);
	mf[10] ^= 1;

	/* A signature for another manifest name. */
	assert_int_equal(ovk_cert_verify(cert, clen, "x.cert", mf, mlen, "y.mf", 0, &res, &err),
			 -1);
	assert_non_null(strstr(err.msg, "signs 'x.mf'"));
	ovk_cert_result_clear(&res);

	/* A tampered signature byte. */
	cert[20] = cert[20] == '0' ? '1' : '0';
	assert_int_equal(ovk_cert_verify(cert, clen, "x.cert", mf, mlen, "x.mf", 0, &res, &err),
			 -1);
	ovk_cert_result_clear(&res);

	/* No .cert: fine unless a signature is required. */
	assert_int_equal(ovk_cert_verify(NULL, 0, NULL, mf, mlen, "x.mf", 0, &res, &err), 0);
	assert_false(res.present);
	assert_int_equal(ovk_cert_verify(NULL, 0, NULL, mf, mlen, "x.mf", OVK_CERT_REQUIRED, &res,
					 &err), -1);
	assert_non_null(strstr(err.msg, "not signed"));
	free(cert);
	free(mf);
}

static void test_cert_garbage(void **state)
{
	struct ovk_error err = {0};
	struct ovk_cert_result res;
	const char *no_pem = "SHA256(x.mf)= 00ff\n";
	const char *bad_line = "hello\n-----BEGIN CERTIFICATE-----\n";

	(void)state;
	assert_int_equal(ovk_cert_verify((const uint8_t *)no_pem, strlen(no_pem), "c",
					 (const uint8_t *)"m", 1, "x.mf", 0, &res, &err), -1);
	assert_non_null(strstr(err.msg, "no PEM X.509 certificate"));
	ovk_cert_result_clear(&res);
	assert_int_equal(ovk_cert_verify((const uint8_t *)bad_line, strlen(bad_line), "c",
					 (const uint8_t *)"m", 1, "x.mf", 0, &res, &err), -1);
	assert_non_null(strstr(err.msg, "first line"));
	ovk_cert_result_clear(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_cert_garbage),
	};
	const struct CMUnitTest cert_tests[] = {
		cmocka_unit_test(test_cert),
	};
	int r = cmocka_run_group_tests_name("manifest", tests, NULL, NULL);

	if (r != 0)
		return r;
	return cmocka_run_group_tests_name("cert", cert_tests, cert_setup, cert_teardown);
}
