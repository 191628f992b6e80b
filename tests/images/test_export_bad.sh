#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_bad.sh: ova-export from images when it must fail (issue 14):
# a missing disk, a directory given as a disk, an existing OUT without
# --overwrite, usage errors (exit 2), a full output disk, and
# SIGINT / SIGTERM in the middle of a disk (fault_at.py stops it after its
# first MiB and queues the signal).  Each: the exit code, one line on
# stderr, and nothing left in the output directory.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$EXPORT" ] || die "ova-export not found at $EXPORT"
need python3

make_sparse "$T/d.raw" 8M 1:1 || die "cannot make d.raw"
mkdir -p "$T/out"

fails() {   # DESC CODE MENTION CMD...: exit CODE, one line naming MENTION, $T/out untouched
	local desc=$1 code=$2 mention=$3 before
	shift 3
	before=$(ls -A "$T/out")
	run "$@"
	if [ "$RC" -eq "$code" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] &&
		[[ $ERR == "ova-export: "*"$mention"* ]] && [ "$(ls -A "$T/out")" = "$before" ]; then
		ok "$desc ($ERR)"
	else
		not_ok "$desc" "exit $RC (want $code)" "stderr: $ERR" "out: $(ls -A "$T/out")"
	fi
}

fails "a missing disk" 1 "nosuch.raw" "$EXPORT" --name v "$T/d.raw" "$T/nosuch.raw" "$T/out/v.ova"
fails "a directory as a disk" 1 "directory" "$EXPORT" --name v "$T" "$T/out/v.ova"
fails "--dir into an existing directory" 1 "cannot make the directory" \
	"$EXPORT" --name v --dir "$T/d.raw" "$T/out"
fails "an unknown --disk-bus" 2 "--disk-bus" "$EXPORT" --name v --disk-bus fdc "$T/d.raw" "$T/out/v.ova"
fails "--secure-boot without efi" 2 "--secure-boot" "$EXPORT" --name v --secure-boot "$T/d.raw" "$T/out/v.ova"
fails "--sign without --cert" 2 "--cert" "$EXPORT" --name v --sign k.pem "$T/d.raw" "$T/out/v.ova"
fails "no OUT" 2 "need" "$EXPORT" --name v "$T/d.raw"
fails "--hw-version 22" 2 "--hw-version" "$EXPORT" --name v --hw-version 22 "$T/d.raw" "$T/out/v.ova"
fails "secure boot on vmx-10" 1 "secure boot needs vmx-13" \
	"$EXPORT" --name v --firmware efi --secure-boot --hw-version 10 "$T/d.raw" "$T/out/v.ova"

run "$EXPORT" --name v "$T/d.raw" "$T/out/v.ova"
check "a first export succeeds" [ "$RC" -eq 0 ]
sum=$(sha256sum <"$T/out/v.ova")
fails "an existing OUT without --overwrite" 1 "v.ova" "$EXPORT" --name w "$T/d.raw" "$T/out/v.ova"
check "... and the existing OUT is untouched" [ "$(sha256sum <"$T/out/v.ova")" = "$sum" ]
run "$EXPORT" --name w --overwrite "$T/d.raw" "$T/out/v.ova"
check "--overwrite replaces it" [ "$RC" -eq 0 ] && tar -tf "$T/out/v.ova" | grep -qx w.ovf
rm -f "$T/out/v.ova"

# A full output disk: a 4 MiB tmpfs for an export of 8 MiB of random data.
if mount_tmpfs "$T/full" size=4m; then
	make_sparse "$T/r.raw" 8M 0:8 || die "cannot make r.raw"
	run "$EXPORT" --name full "$T/r.raw" "$T/full/full.ova"
	if [ "$RC" -eq 1 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] &&
		[[ $ERR == *"No space left"* ]] && [ -z "$(ls -A "$T/full")" ]; then
		ok "a full output disk: exit 1, one line, nothing left ($ERR)"
	else
		not_ok "a full output disk" "exit $RC" "stderr: $ERR" "left: $(ls -A "$T/full")"
	fi
else
	not_ok "cannot mount a tmpfs for the full-disk case"
fi

# 512 MiB of non-zero data (one random MiB repeated): the signal always
# lands mid-disk.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/big.raw" repeat 512 || die "cannot make big.raw"
for case in "SIGINT 130" "SIGTERM 143"; do
	set -- $case
	for mode in ova dir; do
		flag=; [ $mode = dir ] && flag=--dir
		if msg=$(python3 "$OVK_SRC/tests/images/fault_at.py" signal="$1" expect="$2" \
			watch="$T/out" patience=60 -- "$EXPORT" --name big $flag "$T/big.raw" \
			"$T/out/big.$mode"); then
			ok "$1 during a 512 MiB export ($mode): ${msg#ok: }"
		else
			not_ok "$1 during a 512 MiB export ($mode)" "$msg"
		fi
	done
done

finish
