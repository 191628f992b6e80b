#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --info on an appliance says what was verified (issue 17, item 5): the
# descriptor is, the disks are "not read"; --info --verify hashes every
# member the manifest lists and says "verified" or "mismatch" per member,
# so a tampered disk no longer hides behind "manifest: verified".
. "$(dirname "$0")/lib.sh"
need tar python3

app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src" "$T/m"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
ova=$T/src/tiny.ova
tar -C "$T/m" -xf "$ova"
size=$(stat -c %s "$T/m/tiny-disk1.vmdk")
printf '\xff' | dd of="$T/m/tiny-disk1.vmdk" bs=1 seek=$((size - 600)) conv=notrunc status=none
tar -C "$T/m" --format=ustar -cf "$T/src/tampered.ova" tiny.ovf tiny.mf tiny-disk1.vmdk
tar -C "$T/m" --format=ustar -czf "$T/src/tampered.ova.gz" tiny.ovf tiny.mf tiny-disk1.vmdk

# manifest_is JSON-FILE PYTHON-EXPR: the "manifest" object m satisfies EXPR.
manifest_is() {
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))["manifest"]; sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
info() {  # info OUT ARGS...: ova-convert --info --json ARGS > OUT
	local out=$1
	shift
	"$OVA_CONVERT" --info --json "$@" >"$out" 2>"$T/.err"
}

info "$T/plain.json" "$ova"
check "--info: descriptor verified, disks not read ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest"])' "$T/plain.json"))" \
	manifest_is "$T/plain.json" 'm == {"descriptor": "verified", "disks": "not read"}'
info "$T/tampered.json" "$T/src/tampered.ova"
check "--info of a tampered disk does not claim the disks" \
	manifest_is "$T/tampered.json" 'm["disks"] == "not read"'

info "$T/verify.json" --verify "$ova"
check "--info --verify: every member verified" \
	manifest_is "$T/verify.json" 'm == {"descriptor": "verified", "disks": "verified", "members": {"tiny-disk1.vmdk": "verified"}}'
info "$T/bad.json" --verify "$T/src/tampered.ova"
check "--info --verify of a tampered disk: mismatch, naming the member" \
	manifest_is "$T/bad.json" 'm["disks"] == "mismatch" and m["members"] == {"tiny-disk1.vmdk": "mismatch"}'
run "$OVA_CONVERT" --info --verify "$T/src/tampered.ova"
check "the text form says it too" grep -q "tiny-disk1.vmdk: mismatch" <<<"$OUT"
info "$T/gz.json" --verify "$T/src/tampered.ova.gz"
check "a compressed OVA: not read, and why" \
	manifest_is "$T/gz.json" 'm["disks"] == "not read" and "as it converts" in m["why"]'
run "$OVA_CONVERT" --verify "$ova" "$T/out"
check "--verify without --info is a usage error" [ "$RC" -eq 2 ]
finish
