#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_hostile_signature.sh: --require-signature needs a trust anchor
# (issue 16, defect 6), written as an attacker would sign:
#
#   a self-signed certificate naming "CN=VMware, Inc.", a certificate that
#   expired in 2020 (issued by a CA the user trusts), and SHA-1 and MD5
#   signatures by a trusted signer.  Each is refused under
#   --require-signature, naming the reason; a leaf issued by a CA named
#   with --trust converts, and so does the self-signed one when its own
#   certificate is named with --trust.  An expired certificate stays
#   refused even when it is itself the trusted anchor (X509_verify_cert
#   checks every certificate's dates).  Without --require-signature an
#   untrusted signer converts with a warning that says what the signature
#   did not prove.  ova-import takes --trust the same way.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need openssl tar sha256sum od
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T" tiny >/dev/null ||
	die "make_appliance.sh failed"
mkdir "$T/x" "$T/out" && tar -C "$T/x" -xf "$T/tiny.ova" || die "cannot unpack"
cd "$T" || die "cannot enter $T"

# The attacker's and the user's keys and certificates.
quiet() { "$@" >/dev/null 2>&1 || die "failed: $*"; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
	-subj '/CN=ovakit test CA'
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 30 \
	-subj '/CN=VMware, Inc.'
quiet openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=good signer'
quiet openssl req -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj '/CN=old signer'
printf '%s\n' '[ca]' 'default_ca = c' '[c]' 'database = index.txt' 'new_certs_dir = .' \
	'serial = serial' 'default_md = sha256' 'policy = p' '[p]' 'commonName = supplied' >ca.cnf
: >index.txt && echo 01 >serial
quiet openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in leaf.csr -out leaf.pem \
	-days 30 -notext
# Valid from 2019 to 2020: openssl 3.0's x509 has no -not_after, ca has.
quiet openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in old.csr -out old.pem \
	-startdate 190101000000Z -enddate 200101000000Z -notext

# signed NAME KEY CERT DGST: NAME.ova, tiny.mf signed with KEY and digest
# DGST (sha256, sha1, md5), CERT in the .cert, as ovftool lays it out.
signed() {
	local alg
	alg=$(echo "$4" | tr a-z A-Z)
	(cd x && openssl dgst "-$4" -sign "../$2" -out ../sig.bin tiny.mf &&
		{ printf '%s(tiny.mf)= ' "$alg"; od -An -v -tx1 ../sig.bin | tr -d ' \n'; echo
		  cat "../$3"; } >tiny.cert &&
		tar --format=ustar -cf "../$1.ova" tiny.ovf tiny.mf tiny.cert tiny-disk1.vmdk) ||
		die "cannot sign $1"
}
signed self self.key self.pem sha256
signed leaf leaf.key leaf.pem sha256
signed old old.key old.pem sha256
signed sha1 leaf.key leaf.pem sha1
signed md5 leaf.key leaf.pem md5

# converts DESC OVA ARGS...: exit 0, the disk written.
converts() {
	local desc=$1 ova=$2
	shift 2
	rm -f out/*
	run "$OVA_CONVERT" "$@" "$ova" out
	if [ "$RC" -eq 0 ] && [ -s out/tiny-vmdisk1.qcow2 ]; then
		ok "$desc"
	else
		not_ok "$desc" "rc=$RC" "$ERR"
	fi
}
# refused DESC MENTION OVA ARGS...: exit 1, one line naming MENTION, no output.
refused() {
	local desc=$1 mention=$2 ova=$3
	shift 3
	rm -f out/*
	expect_fail_clean "$desc" out "$mention" "$OVA_CONVERT" --require-signature "$@" "$ova" out
}

refused "self-signed 'CN=VMware, Inc.' is refused (system store)" "self-signed" self.ova
converts "self-signed converts when its own certificate is trusted" self.ova \
	--require-signature --trust self.pem
refused "a leaf of an untrusted CA is refused" "not trusted" leaf.ova
converts "a leaf of a CA named with --trust converts" leaf.ova --require-signature --trust ca.pem
[[ $ERR == *"good signer"*"trusted"* ]] && ok "  the trusted signer is named" ||
	not_ok "  the trusted signer is named" "$ERR"
converts "--trust is repeatable (an unrelated certificate, then the CA)" leaf.ova \
	--require-signature --trust self.pem --trust ca.pem
refused "a certificate that expired in 2020 is refused (CA trusted)" "expired" old.ova \
	--trust ca.pem
refused "... and when it is itself named with --trust" "expired" old.ova --trust old.pem
refused "a SHA-1 signature by a trusted signer is refused by name" "SHA1" sha1.ova \
	--trust ca.pem
refused "an MD5 signature by a trusted signer is refused by name" "MD5" md5.ova --trust ca.pem
refused "the self-signed one is still refused with another --trust" "self-signed" self.ova \
	--trust ca.pem
refused "a --trust file that holds no certificate is an error naming it" "tiny.mf" self.ova \
	--trust "$T/x/tiny.mf"

# Without --require-signature: verified if present, and said what it proves.
converts "without --require-signature, self-signed converts" self.ova
[[ $ERR == *"warning: signed by CN=VMware"*"not trusted"*"not who"* ]] &&
	ok "  with a warning that the signer is not proven" ||
	not_ok "  with a warning that the signer is not proven" "$ERR"
converts "without --require-signature, SHA-1 converts" sha1.ova --trust ca.pem
[[ $ERR == *"warning: signed by"*"SHA1"*"not proven"* ]] &&
	ok "  with a warning that SHA-1 proves nothing" ||
	not_ok "  with a warning that SHA-1 proves nothing" "$ERR"

# ova-import: the same rule, the same option.
run "$IMPORT" -c test:///default --print-xml --require-signature "$T/self.ova"
[ "$RC" -eq 1 ] && [[ $ERR == *"self-signed"* ]] &&
	ok "ova-import --require-signature refuses the self-signed signer" ||
	not_ok "ova-import --require-signature refuses the self-signed signer" "rc=$RC" "$ERR"
run "$IMPORT" -c test:///default --print-xml --dir "$T" --require-signature --trust "$T/ca.pem" \
	"$T/leaf.ova"
[ "$RC" -eq 0 ] && ok "ova-import --trust CA accepts its leaf" ||
	not_ok "ova-import --trust CA accepts its leaf" "rc=$RC" "$ERR"
finish
