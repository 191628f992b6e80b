#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Feedback while the tools work (issue 17, item 4): -p shows bytes done of
# the total, the rate and an ETA, and ends with the bytes, the elapsed time
# and the average rate; without a terminal the lines stay plain (no bar,
# no escape codes); ova-import says each stage as it begins, -p or not.
# ova-import runs against libvirt's test driver.
. "$(dirname "$0")/lib.sh"
need tar python3

IMPORT=$OVK_BIN/ova-import
URI=test:///default
make_sparse "$T/in.raw" 256M 0:64 100:64 || die "cannot make the input"

# 1. No terminal: plain lines, "N% (done / total, rate, ETA)", then the end.
run "$OVA_CONVERT" -p -O qcow2 "$T/in.raw" "$T/out.qcow2"
check "-p without a terminal: exit 0" [ "$RC" -eq 0 ]
check "a plain line has done / total, rate and ETA ($(head -1 <<<"$ERR"))" \
	grep -Eq '^ova-convert: .*out.qcow2: [0-9]+% \([0-9.]+ [KMG]iB / 256 MiB, [0-9.]+ MB/s, ETA [0-9]+:[0-9]{2}\)$' \
	<<<"$ERR"
check "the last line has the bytes, the elapsed time and the average ($(tail -1 <<<"$ERR"))" \
	grep -Eq '^ova-convert: .*out.qcow2: 256 MiB in ([0-9]+:[0-9]{2}|[0-9.]+ s) \([0-9.]+ MB/s average\)$' \
	<<<"$(tail -1 <<<"$ERR")"
check "no escape codes or carriage returns without a terminal" \
	bash -c '! grep -q $'"'"'[\r\033]'"'"' "$1"' _ "$T/.err"
check "the output is still right" compare_images "$T/in.raw" "$T/out.qcow2" raw qcow2

# 2. A terminal: the bar, on one line rewritten, then the same end line.
if command -v script >/dev/null; then
	script -qec "$OVA_CONVERT -p -O raw $T/in.raw $T/tty.raw" /dev/null >"$T/tty.log" 2>&1
	check "a terminal gets a bar with done / total and ETA" \
		grep -Eq '\[#* *\] +[0-9]+% [0-9.]+ [KMG]i?B / 256 MiB +[0-9.]+ MB/s ETA' "$T/tty.log"
	check "... and the end line with the average" grep -q "256 MiB in .* MB/s average" "$T/tty.log"
fi

# 3. ova-import says each stage to a terminal, without -p too, and with -p
# anywhere; a script's stderr without -p stays quiet (a failure is one
# line); -p adds the end line.
app=$OVK_SRC/tests/images/appliance/make_appliance.sh
bash "$app" "$T" tiny >/dev/null || die "cannot build the test appliance"
mkdir -p "$T/d1" "$T/d2"
mkdir -p "$T/d0" "$T/d3"
run "$IMPORT" -c "$URI" --dir "$T/d0" "$T/tiny.ova"
check "ova-import without -p, stderr not a terminal: exit 0, no stage lines" \
	[ "$RC" -eq 0 -a -z "$ERR" ]
if command -v script >/dev/null; then
	script -qec "$IMPORT -c $URI --dir $T/d3 $T/tiny.ova" /dev/null >"$T/itty.log" 2>&1
	check "ova-import without -p, on a terminal: it says it converts the disk" \
		grep -Eq "^ova-import: converting disk vmdisk1 \([0-9]+ MiB\) to .*tiny-vmdisk1.qcow2" "$T/itty.log"
fi
run "$IMPORT" -c "$URI" --dir "$T/d1" -p "$T/tiny.ova"
check "ova-import -p: exit 0" [ "$RC" -eq 0 ]
check "it says it converts the disk ($(grep converting <<<"$ERR" | tail -1))" \
	grep -Eq "^ova-import: converting disk vmdisk1 \([0-9]+ MiB\) to .*tiny-vmdisk1.qcow2$" <<<"$ERR"
check "it says it defines the domain" grep -q "^ova-import: defining domain tiny$" <<<"$ERR"
check "its stdout is still the summary alone" bash -c '! grep -q "^ova-import:" <<<"$1"' _ "$OUT"
run "$IMPORT" -c "$URI" --dir "$T/d2" -p "$T/tiny.ova"
check "ova-import -p ends with the bytes and the average ($(tail -1 <<<"$ERR"))" \
	grep -Eq 'tiny.ova: [0-9.]+ [KMG]iB in ([0-9]+:[0-9]{2}|[0-9.]+ s) \([0-9.]+ MB/s average\)$' \
	<<<"$(tail -1 <<<"$ERR")"
finish
