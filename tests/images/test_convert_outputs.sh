#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Where ova-convert may write (issue 17): an appliance with one disk (or
# --disk N) into a FILE; a missing OUTDIR/ made when its parent exists (and
# removed again on failure); '-' as stdout for raw, refused for the formats
# that seek and for a terminal.  qemu-img judges every output.
. "$(dirname "$0")/lib.sh"
need tar python3 cmp

app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src" "$T/o"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
ova=$T/src/tiny.ova
raw=$T/src/tiny-disk1.raw
tar -C "$T/src" -xf "$ova" tiny.ovf || die "cannot extract the OVF"
head -c 1M /dev/zero >"$T/src/zero.raw"
mkapp "$T/src/two.ova" "$T/src/tiny.ovf" "$raw" "$T/src/zero.raw"

# 1. One disk: the output is a file, of the format asked for.
run "$OVA_CONVERT" -O qcow2 "$ova" "$T/o/web01.qcow2"
check "one-disk OVA into FILE exits 0 ($ERR)" [ "$RC" -eq 0 ]
check "FILE holds the disk (qemu-img compare)" compare_images "$raw" "$T/o/web01.qcow2" raw qcow2
check "qemu-img check is clean" qemu-img check -q "$T/o/web01.qcow2"
expect_fail_clean "an existing FILE is refused without --force" "$T/o" "--force" \
	"$OVA_CONVERT" -O qcow2 "$ova" "$T/o/web01.qcow2"
run "$OVA_CONVERT" --force -O raw "$ova" "$T/o/web01.qcow2"
check "--force replaces FILE" compare_raw "$raw" "$T/o/web01.qcow2"

# 2. Two disks: --disk N picks one for a FILE; an existing file is no
# directory for both.
run "$OVA_CONVERT" --disk 2 -O raw "$T/src/two.ova" "$T/o/d2.raw"
check "--disk 2 into FILE ($ERR)" compare_raw "$T/src/zero.raw" "$T/o/d2.raw"
expect_fail_clean "two disks into an existing file are refused, naming --disk" "$T/o" \
	"--disk N" "$OVA_CONVERT" "$T/src/two.ova" "$T/o/d2.raw"

# 3. A missing OUTDIR: made when its parent exists (a name ending in '/',
# or several disks), never its parent; gone again when the conversion fails.
run "$OVA_CONVERT" "$ova" "$T/o/new/"
check "a missing OUTDIR/ is made ($ERR)" \
	compare_images "$raw" "$T/o/new/tiny-vmdisk1.qcow2" raw qcow2
run "$OVA_CONVERT" "$T/src/two.ova" "$T/o/new2"
check "two disks into a missing OUTDIR make it ($ERR)" \
	test -f "$T/o/new2/tiny-vmdisk1.qcow2" -a -f "$T/o/new2/tiny-vmdisk2.qcow2"
expect_fail_clean "OUTDIR whose parent is missing is refused" "$T/o" "nope/deeper" \
	"$OVA_CONVERT" "$ova" "$T/o/nope/deeper/"
mkapp "$T/src/bad.ova" "$T/src/tiny.ovf" "$raw" "$T/src/zero.raw" --bad-digest 2
expect_fail_clean "a failed conversion removes the OUTDIR it made" "$T/o" "" \
	"$OVA_CONVERT" "$T/src/bad.ova" "$T/o/made/"

# 4. '-' is stdout: raw streams byte for byte (to a pipe too), the formats
# that seek are refused before any work, a terminal is refused.
"$OVA_CONVERT" -O raw "$ova" - >"$T/stdout.raw" 2>"$T/.err"
check "OVA -O raw - writes the disk to stdout ($(cat "$T/.err"))" compare_raw "$raw" "$T/stdout.raw"
"$OVA_CONVERT" -O raw "$raw" - 2>"$T/.err" | cat >"$T/pipe.raw"
check "disk -O raw - through a pipe" cmp "$raw" "$T/pipe.raw"
# The sector tail a raw file gets is written as zeros (qemu-img's size).
head -c 1000 /dev/urandom >"$T/odd.raw"
"$OVA_CONVERT" -f raw -O raw "$T/odd.raw" - >"$T/odd.out" 2>"$T/.err"
check "a 1000-byte input streams as 1024 bytes" [ "$(stat -c %s "$T/odd.out")" -eq 1024 ]
check "... whose first 1000 are the input" cmp -n 1000 "$T/odd.raw" "$T/odd.out"
[ ! -e "$PWD/-" ] && ok "no file named '-' is made" || not_ok "no file named '-' is made"
for fmt in qcow2 vmdk; do
	run "$OVA_CONVERT" -O "$fmt" "$raw" -
	if [ "$RC" -eq 1 ] && [[ $ERR == *"cannot be written to a stream"* ]] && [ -z "$OUT" ]; then
		ok "-O $fmt to stdout is refused ($ERR)"
	else
		not_ok "-O $fmt to stdout is refused" "rc=$RC" "$ERR"
	fi
done
run "$OVA_CONVERT" -O raw "$T/src/two.ova" -
if [ "$RC" -eq 1 ] && [[ $ERR == *"--disk N"* ]] && [ -z "$OUT" ]; then
	ok "two disks to stdout are refused ($ERR)"
else
	not_ok "two disks to stdout are refused" "rc=$RC" "$ERR"
fi
if command -v script >/dev/null; then
	script -qec "$OVA_CONVERT -O raw $raw -" /dev/null >"$T/tty.out" 2>&1
	grep -q "stdout is a terminal" "$T/tty.out" && ok "a terminal on stdout is refused" ||
		not_ok "a terminal on stdout is refused" "$(cat "$T/tty.out")"
fi
finish
