#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_hostile_gzip.sh: inflating is bounded and checked (issue 16, defect
# 8), written as an attacker would (tests/images/ova_gzip_bomb.py):
#
#   - a gzip'ed OVA whose tar holds 2 GiB of zeros no manifest or OVF
#     names, after the disk (2 MB): refused at that member's header, before
#     inflating it (OVK_APPLIANCE_MAX_UNNAMED_SKIP); before, 2 GiB were
#     inflated for nothing and the exit was 0;
#   - the same gzip'ed again (a 7 KB "double gzip"): refused as a gzip'ed
#     gzip before anything is inflated;
#   - a gzip'ed OVA whose trailer (CRC-32 and ISIZE) is zeros: refused
#     naming the trailer (libarchive's gzip filter never checked it);
#   - a gzip'ed File (ovf:compression="gzip") that inflates to 40 MiB for a
#     1 MiB Disk: refused past capacity + 1/64 + 16 MiB, naming the member.
#   - a gzip'ed File whose trailer's CRC-32 or ISIZE is zeroed: refused,
#     though the disk (streamOptimized) ends before the trailer; the same
#     with gzip's own trailer converts.
# `timeout` is a hang guard only, not a performance assertion.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need python3 tar gzip timeout
bomb=$OVK_SRC/tests/images/ova_gzip_bomb.py
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T" tiny >/dev/null ||
	die "make_appliance.sh failed"
mkdir "$T/x" "$T/out" && tar -C "$T/x" -xf "$T/tiny.ova" || die "cannot unpack"
members=(tiny.ovf tiny.mf tiny-disk1.vmdk)
OVK_CMD_TIMEOUT=120

python3 "$bomb" "$T/unnamed.gz1" "$T/x" $((2 << 30)) "${members[@]}" &&
	python3 "$bomb" "$T/double.ova" "$T/x" $((2 << 30)) "${members[@]}" &&
	python3 "$bomb" "$T/trailer.gz1" "$T/x" $((1 << 20)) "${members[@]}" --zero-trailer &&
	python3 "$bomb" "$T/small.gz1" "$T/x" $((1 << 20)) "${members[@]}" ||
	die "cannot build the gzip OVAs"
for f in unnamed trailer small; do mv "$T/$f.gz1" "$T/$f.ova"; done

expect_fail_clean "2 GiB of unnamed zeros in a gzip'ed OVA are refused, not inflated" \
	"$T/out" "zeros.bin" "$OVA_CONVERT" "$T/unnamed.ova" "$T/out"
check "  naming the rule" grep -q "named by neither the OVF nor the manifest" "$T/.err"
expect_fail_clean "the same gzip'ed twice is refused as a gzip'ed gzip" "$T/out" \
	"gzip'ed gzip" "$OVA_CONVERT" "$T/double.ova" "$T/out"
expect_fail_clean "a gzip'ed OVA with a zeroed trailer is refused" "$T/out" \
	"trailer's CRC-32 does not match" "$OVA_CONVERT" "$T/trailer.ova" "$T/out"
run "$OVA_CONVERT" "$T/small.ova" "$T/out"
check "the same with a good trailer and 1 MiB unnamed (the limit) converts" [ "$RC" -eq 0 ]
rm -f "$T"/out/*

# gzip_file DIR: DIR/tiny-disk1.vmdk is gzip data; say so in DIR/tiny.ovf
# (ovf:compression="gzip", ovf:size of the gzip) and tar DIR into DIR.ova.
gzip_file() {
	local d=$1
	cp "$T/x/tiny.ovf" "$d/" || return 1
	python3 -c '
import os, re, sys
d = sys.argv[1]
size = os.path.getsize(os.path.join(d, "tiny-disk1.vmdk"))
p = os.path.join(d, "tiny.ovf")
s = open(p).read()
s = re.sub(r"(<File [^>]*?)ovf:size=\"\d+\"",
           lambda m: m.group(1) + "ovf:size=\"%d\" ovf:compression=\"gzip\"" % size, s, count=1)
s = re.sub(r" ovf:format=\"[^\"]*\"", "", s)
open(p, "w").write(s)
' "$d" && tar -C "$d" --format=ustar -cf "$d.ova" tiny.ovf tiny-disk1.vmdk
}

# A gzip'ed File that inflates far past its Disk's capacity.
d=$T/gzfile && mkdir "$d" || die "cannot mkdir"
head -c $((40 << 20)) /dev/zero | gzip -n >"$d/tiny-disk1.vmdk" && gzip_file "$d" ||
	die "cannot make $d.ova"
expect_fail_clean "a gzip'ed File inflating past its Disk's capacity is refused" "$T/out" \
	"tiny-disk1.vmdk" "$OVA_CONVERT" "$d.ova" "$T/out"
check "  naming the bound" grep -q "more than its Disk's ovf:capacity allows" "$T/.err"

# A gzip'ed File's trailer is checked though the conversion has all of the
# guest's bytes before it: the disk (a streamOptimized VMDK) ends at its
# end-of-stream marker, and the gzip trailer comes after.  Once with the
# trailer as gzip wrote it, then with its CRC-32, then its ISIZE, zeroed.
for bad in none crc isize; do
	d=$T/gztrailer-$bad && mkdir "$d" || die "cannot mkdir"
	gzip -n <"$T/x/tiny-disk1.vmdk" >"$d/tiny-disk1.vmdk" || die "cannot gzip"
	len=$(stat -c %s "$d/tiny-disk1.vmdk")
	case $bad in
	crc) at=$((len - 8)) ;;
	isize) at=$((len - 4)) ;;
	none) at= ;;
	esac
	if [ -n "$at" ]; then
		head -c 4 /dev/zero | dd of="$d/tiny-disk1.vmdk" bs=1 seek="$at" conv=notrunc \
			status=none || die "cannot zero the $bad"
	fi
	gzip_file "$d" || die "cannot make $d.ova"
	if [ "$bad" = none ]; then
		run "$OVA_CONVERT" "$d.ova" "$T/out"
		check "a gzip'ed File with its trailer as gzip wrote it converts" [ "$RC" -eq 0 ]
		rm -f "$T"/out/*
	else
		expect_fail_clean "a gzip'ed File whose trailer's $bad is zeroed is refused" \
			"$T/out" "tiny-disk1.vmdk" "$OVA_CONVERT" "$d.ova" "$T/out"
	fi
done
finish
