#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_hostile_manifest.sh: one rule for which manifest and certificate
# count (issue 16, defect 9): those named after the descriptor (tiny.ovf:
# tiny.mf, tiny.cert), wherever they are in the archive, in a plain OVA
# and a gzip-compressed one alike.  Before, the plain path took the first
# .mf and the compressed path the last, so an attacker who appends a
# second manifest gets one tool to check the real one and another to
# check his.  Any other .mf or .cert is refused, naming it, in either
# order and in both container kinds; a lone manifest under another name
# too.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need tar gzip sha256sum
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T" tiny >/dev/null ||
	die "make_appliance.sh failed"
mkdir "$T/x" "$T/out" && tar -C "$T/x" -xf "$T/tiny.ova" || die "cannot unpack"
cd "$T/x" || die "cannot enter $T/x"

# The attacker's manifest: right digests too, so that only the rule can
# tell which one counts.
cp tiny.mf evil.mf && cp tiny.mf package.mf && touch tiny.cert evil.cert

# pack NAME MEMBER...: NAME.tar as given, and NAME.tgz, its gzip'ed copy.
pack() {
	local name=$1
	shift
	tar --format=ustar -cf "../$name.tar" "$@" && gzip -nc "../$name.tar" >"../$name.tgz" ||
		die "cannot pack $name"
}
pack good tiny.ovf tiny.mf tiny-disk1.vmdk
pack good-late tiny.ovf tiny-disk1.vmdk tiny.mf
pack mf-after tiny.ovf tiny.mf tiny-disk1.vmdk evil.mf
pack mf-before evil.mf tiny.ovf tiny.mf tiny-disk1.vmdk
pack mf-lone tiny.ovf package.mf tiny-disk1.vmdk
pack cert-extra tiny.ovf tiny.mf evil.cert tiny-disk1.vmdk
cd "$T" || die "cannot enter $T"

for kind in tar tgz; do
	for good in good good-late; do
		rm -f out/*
		run "$OVA_CONVERT" "$good.$kind" out
		[ "$RC" -eq 0 ] && [[ $ERR == *"tiny.mf"*verified* ]] &&
			ok "$kind: $good: tiny.mf counts and converts" ||
			not_ok "$kind: $good: tiny.mf counts and converts" "rc=$RC" "$ERR"
	done
	rm -f out/*
	expect_fail_clean "$kind: a second manifest after the disks is refused" out "evil.mf" \
		"$OVA_CONVERT" "mf-after.$kind" out
	expect_fail_clean "$kind: a second manifest before the descriptor is refused" out \
		"evil.mf" "$OVA_CONVERT" "mf-before.$kind" out
	expect_fail_clean "$kind: a lone manifest not named after the descriptor is refused" \
		out "package.mf" "$OVA_CONVERT" "mf-lone.$kind" out
	expect_fail_clean "$kind: a certificate not named after the descriptor is refused" out \
		"evil.cert" "$OVA_CONVERT" "cert-extra.$kind" out
	# --info reads the same metadata by the same rule (a stream only as
	# far as its disks: one met after them is seen by a conversion).
	run "$OVA_CONVERT" --info "mf-before.$kind"
	[ "$RC" -eq 1 ] && [[ $ERR == *evil.mf* ]] &&
		ok "$kind: --info refuses the second manifest too" ||
		not_ok "$kind: --info refuses the second manifest too" "rc=$RC" "$ERR"
done
finish
