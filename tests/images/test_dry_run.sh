#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --dry-run and --print-xml exit as the import would (issue 17, item 7):
# for each case, --dry-run, then the real import, on the same fresh state,
# must agree on the exit code and on the warnings of the summary; and
# --print-xml on the exit code.  The cases: the test suite's appliances
# (one disk, two disks, a disk member missing, a disk member shorter than
# its ovf:size, in an OVA and in a directory) and the host's refusals (no
# default pool, --dir or --pool that does not exist, a network that is not
# defined, --start onto it).  One difference is on purpose: --print-xml
# maps an OVF whose files are not there (a descriptor alone, as vendors
# publish them), saying so, where the import and --dry-run refuse it.
# libvirt's test driver (test:///default) is
# fresh in each process, so each run sees the same host.  What only
# reading the disks finds (a digest that does not match) is out of reach
# of a dry run, and not among the cases.
. "$(dirname "$0")/lib.sh"
need tar python3

IMPORT=$OVK_BIN/ova-import
URI=test:///default
app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src" "$T/m"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
tiny=$T/src/tiny.ova
tar -C "$T/src" -xf "$tiny" tiny.ovf || die "cannot extract the OVF"
head -c 1M /dev/zero >"$T/src/zero.raw"
mkapp "$T/src/two.ova" "$T/src/tiny.ovf" "$T/src/tiny-disk1.raw" "$T/src/zero.raw"
tar -C "$T/m" -xf "$tiny"
tar -C "$T/m" --format=ustar -cf "$T/src/nodisk.ova" tiny.ovf tiny.mf
# A disk member shorter than the OVF's ovf:size says (cut in transit).
cp "$T/m/tiny.ovf" "$T/m/short.ovf"
size=$(stat -c %s "$T/m/tiny-disk1.vmdk")
sed -i "s/ovf:size=\"$size\"/ovf:size=\"$((size * 2))\"/" "$T/m/short.ovf"
grep -q "ovf:size=\"$((size * 2))\"" "$T/m/short.ovf" || die "cannot edit ovf:size"
tar -C "$T/m" --format=ustar -cf "$T/src/short.ova" short.ovf tiny-disk1.vmdk
mkdir "$T/shortdir" && cp "$T/m/short.ovf" "$T/m/tiny-disk1.vmdk" "$T/shortdir/"

warnings() { grep '^ *warning: ' | sed 's/^ *//' | sort; }

n=0
# same DESC ARGS...: --dry-run and the import (and --print-xml, on the exit
# code) with ARGS, @D standing for a fresh directory each.
same() {
	local desc=$1 dry_rc dry_warn real_rc real_warn xml_rc args=()
	shift
	n=$((n + 1))
	for mode in dry xml real; do
		mkdir -p "$T/$n.$mode"
		args=("${@//@D/$T/$n.$mode}")
		case $mode in
		dry) run "$IMPORT" -c "$URI" --dry-run "${args[@]}"
		     dry_rc=$RC dry_warn=$(warnings <<<"$OUT") ;;
		xml) run "$IMPORT" -c "$URI" --print-xml "${args[@]}"
		     xml_rc=$RC
		     check "$desc: --print-xml writes nothing" [ -z "$(ls -A "$T/$n.$mode")" ] ;;
		real) run "$IMPORT" -c "$URI" "${args[@]}"
		      real_rc=$RC real_warn=$(warnings <<<"$OUT") ;;
		esac
	done
	check "$desc: --dry-run writes nothing" [ -z "$(ls -A "$T/$n.dry")" ]
	[ -n "${XML_MAPS_MISSING:-}" ] && [ "$xml_rc" = 0 ] && xml_rc=$real_rc
	if [ "$dry_rc" = "$real_rc" ] && [ "$xml_rc" = "$real_rc" ]; then
		ok "$desc: --dry-run, --print-xml and the import all exit $real_rc"
	else
		not_ok "$desc: exit codes" "dry-run $dry_rc, print-xml $xml_rc, import $real_rc" "$ERR"
	fi
	if [ "$dry_warn" = "$real_warn" ]; then
		ok "$desc: the same warnings ($(wc -l <<<"$real_warn"))"
	else
		not_ok "$desc: warnings differ" "dry-run:" "$dry_warn" "import:" "$real_warn"
	fi
}

same "one disk into a directory" --dir @D "$tiny"
same "two disks into a directory" --dir @D "$T/src/two.ova"
XML_MAPS_MISSING=1 same "a disk member missing" --dir @D "$T/src/nodisk.ova"
same "a disk member shorter than its ovf:size" --dir @D "$T/src/short.ova"
same "a disk file shorter than its ovf:size (OVF directory)" --dir @D "$T/shortdir"
same "no --pool/--dir and no pool 'default'" "$tiny"
same "--dir that does not exist" --dir "$T/nonexistent" "$tiny"
same "--pool that does not exist" --pool nosuch "$tiny"
same "a network that is not defined" --dir @D --network nosuch "$tiny"
same "--start onto a network that is not defined" --dir @D --network nosuch --start "$tiny"

run "$IMPORT" -c "$URI" --dry-run --dir "$T/1.dry" "$tiny"
check "the dry run says what it would do" grep -q "domain tiny: would be defined (dry run)" <<<"$OUT"
finish
