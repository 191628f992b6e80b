#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_sign.sh: ova-export --sign KEY --cert CERT (issue 14).  The
# .cert comes last in the tar, as ovftool writes it: a signature line over
# the manifest and the PEM certificate.  ovakit's own verifier must accept
# it with --require-signature, openssl must verify the signature too, and a
# manifest changed after signing must be refused.  A key that is not the
# certificate's is refused before anything is written.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$EXPORT" ] || die "ova-export not found at $EXPORT"
need openssl tar python3
CHECK="python3 $OVK_SRC/tests/images/check_export.py"

for k in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$k.key" -out "$T/$k.crt" \
		-days 30 -subj "/CN=ovakit test signer $k" 2>/dev/null || die "cannot make a key"
done
make_sparse "$T/d.raw" 8M 1:1 || die "cannot make d.raw"
mkdir -p "$T/out"

run "$EXPORT" --name signed --sign "$T/a.key" --cert "$T/a.crt" "$T/d.raw" "$T/out/s.ova"
check "--sign exits 0" [ "$RC" -eq 0 ]
tally $CHECK members "$T/out/s.ova" signed.ovf signed.mf signed-disk1.vmdk signed.cert
# The test signer is self-signed: trusted by naming it (issue 16).
run "$OVA_CONVERT" --info --json --require-signature --trust "$T/a.crt" "$T/out/s.ova"
check "ova-convert --require-signature --trust CERT accepts it" [ "$RC" -eq 0 ]
check "and names the signer" grep -q "ovakit test signer a" <<<"$OUT$ERR"

mkdir -p "$T/x" && tar -C "$T/x" -xf "$T/out/s.ova"
head -1 "$T/x/signed.cert" | sed -E 's/^SHA256\(signed.mf\)= //' | xxd -r -p >"$T/sig.bin"
openssl x509 -in "$T/x/signed.cert" -pubkey -noout >"$T/pub.pem"
check "openssl verifies the signature over signed.mf" \
	openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.bin" "$T/x/signed.mf"

# The manifest changed after signing, its digests still right (a spelling
# the parser takes): the signature alone refuses it.
sed -i 's/)= /) = /' "$T/x/signed.mf"
run "$OVA_CONVERT" --info --require-signature --trust "$T/a.crt" "$T/x"
check "a manifest changed after signing is refused (the signature)" \
	[ "$RC" -eq 1 -a -n "$(grep -i 'signature' <<<"$ERR")" ]

# The wrong key for the certificate: refused, nothing written.
expect_dir=$(ls -A "$T/out")
run "$EXPORT" --name bad --sign "$T/b.key" --cert "$T/a.crt" "$T/d.raw" "$T/out/bad.ova"
check "a key that is not the certificate's: exit 1" [ "$RC" -eq 1 ]
check "... one line naming the mismatch" \
	[ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 -a -n "$(grep 'does not belong' <<<"$ERR")" ]
check "... nothing left behind" [ "$(ls -A "$T/out")" = "$expect_dir" ]

# --sign with --manifest none: nothing to sign.
run "$EXPORT" --name bad --manifest none --sign "$T/a.key" --cert "$T/a.crt" "$T/d.raw" \
	"$T/out/bad.ova"
check "--sign without a manifest: exit 1, nothing left" \
	[ "$RC" -eq 1 -a "$(ls -A "$T/out")" = "$expect_dir" ]

finish
