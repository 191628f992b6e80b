#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_bench.sh: ova-bench runs end to end on a tiny workload (issue 5).
#
# A smoke test, never a timing assertion: the figures depend on the machine.
# It checks that the generated workload is the VMDK qemu-img made and reads
# back as the reference mix, that --json is valid JSON with every stage for
# every thread count, that --plot writes well-formed SVG, that --keep keeps
# exactly the image, that --export reports every figure of issue 14 for the
# raw and the qcow2 input and fails when qemu-img finds our output wrong,
# that usage errors exit 2 and failures exit 1 with one line, and that
# SIGINT exits 130 and leaves no scratch files.
. "$(dirname "$0")/lib.sh"
need python3

BENCH=${OVA_BENCH:-${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-bench}
[ -x "$BENCH" ] || die "ova-bench not found at $BENCH"

W="$T/work"
mkdir -p "$W"

# --- JSON on the generated workload, two thread counts, with qemu-img ----
run "$BENCH" --size 8M --threads 1,2 --repeat 1 --qemu-img --json --plot "$T/plot.svg" \
	--workdir "$W"
if [ "$RC" -eq 0 ]; then
	ok "ova-bench --json on an 8 MiB generated workload"
else
	not_ok "ova-bench --json on an 8 MiB generated workload" "exit $RC" "stderr: $ERR"
fi
printf '%s\n' "$OUT" >"$T/bench.json"
check "--json output parses with python3 -m json.tool" \
	python3 -m json.tool "$T/bench.json" /dev/null
check "--json has every stage for threads 1 and 2, and the qemu-img ratios" \
	python3 "$OVK_SRC/tests/images/check_bench.py" json "$T/bench.json"
check "--plot writes a well-formed SVG with one line per stage and qemu-img" \
	python3 "$OVK_SRC/tests/images/check_bench.py" svg "$T/plot.svg"
# scratch_gone DESC: nothing of the run is left in the work directory.
scratch_gone() {
	local left
	left=$(ls -A "$W")
	if [ -z "$left" ]; then
		ok "$1"
	else
		not_ok "$1" "left: $left"
	fi
}
scratch_gone "the scratch directory is gone after the run"

# --- --export on the generated disk, as raw and as qcow2 ------------------
run "$BENCH" --size 64M --threads 1,2 --repeat 1 --export --json --workdir "$W"
if [ "$RC" -eq 0 ]; then
	ok "ova-bench --export --json on a 64 MiB generated disk"
else
	not_ok "ova-bench --export --json on a 64 MiB generated disk" "exit $RC" "stderr: $ERR"
fi
printf '%s\n' "$OUT" >"$T/export.json"
check "--export: raw and qcow2 against qemu-img, sizes, RSS, ratios and goals consistent" \
	python3 "$OVK_SRC/tests/images/check_bench.py" export "$T/export.json"
scratch_gone "--export leaves no scratch behind (raw, qcow2, outputs)"

# --- --plot FILE.png through rsvg-convert; --repeat 1 is one run, said so
if command -v rsvg-convert >/dev/null; then
	run "$BENCH" --size 8M --threads 1 --repeat 1 --qemu-img --plot "$T/plot.png" --workdir "$W"
	check "--plot FILE.png writes a PNG ($(file -b "$T/plot.png" 2>/dev/null | cut -c1-40))" \
		cmp -n 8 "$T/plot.png" <(printf '\x89PNG\r\n\x1a\n')
	check "no SVG is left beside it" bash -c '! ls "$1".*.svg 2>/dev/null | grep -q .' _ "$T/plot.png"
	check "--repeat 1 says one run, never a median ($(grep -m1 'one run' <<<"$OUT"))" \
		bash -c 'grep -q "one run" <<<"$1" && ! grep -q median <<<"$1"' _ "$OUT"
else
	echo "skip   - --plot FILE.png: rsvg-convert is not installed"
fi

# --- the generator: same mix as mkdisk.py (40% holes, 20% incompressible) -
run "$BENCH" --size 64M --threads 1 --repeat 1 --keep --workdir "$W"
kept=$(printf '%s\n' "$ERR" | sed -n 's/^ova-bench: kept //p')
if [ "$RC" -eq 0 ] && [ -f "$kept" ]; then
	ok "--keep leaves the generated image ($kept)"
	check "qemu-img check accepts the kept VMDK" qemu-img check -q -f vmdk "$kept"
	check "the kept image is streamOptimized" \
		sh -c "qemu-img info '$kept' | grep -q 'create type: streamOptimized'"
	check "ova-convert turns it into what qemu-img reads from it" \
		sh -c "'$OVA_CONVERT' -O raw '$kept' '$T/k.raw' && qemu-img compare -q -f vmdk -F raw '$kept' '$T/k.raw'"
	check "its content is the reference mix (holes, text, binary, random)" \
		python3 "$OVK_SRC/tests/images/check_bench.py" mix "$T/k.raw"
	rm -f "$T/k.raw"
	left=$(ls -A "$(dirname "$kept")")
	if [ "$left" = "$(basename "$kept")" ]; then
		ok "--keep keeps only the image"
	else
		not_ok "--keep keeps only the image" "left: $left"
	fi
else
	not_ok "--keep leaves the generated image" "exit $RC, stderr: $ERR"
fi
rm -rf "${W:?}"/*

# --- a given IMAGE (raw), text output --------------------------------------
make_sparse "$T/in.raw" 6M 0:2 4:1
run "$BENCH" --threads 2 --repeat 1 --workdir "$W" "$T/in.raw"
if [ "$RC" -eq 0 ] && [[ $OUT == *"end-to-end"* ]] && [[ $OUT == *"raw, 6 MiB virtual"* ]]; then
	ok "text table for a raw IMAGE"
else
	not_ok "text table for a raw IMAGE" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi

# --- --export of a given IMAGE: one input, its table with the goals --------
run "$BENCH" --threads 2 --repeat 1 --export --workdir "$W" "$T/in.raw"
n=$(grep -c 'subformat=streamOptimized, alternating with ours' <<<"$OUT")
if [ "$RC" -eq 0 ] && [ "$n" -eq 1 ] && [[ $OUT == *"from $T/in.raw"* ]] &&
	grep -q '^  peak RSS .*<= 64 MiB  \(met\|MISSED\)$' <<<"$OUT" &&
	grep -q '^  output size .*<= 1.02  \(met\|MISSED\)$' <<<"$OUT" &&
	grep -q '^deflate stage, 1 -> 2 threads: not measured' <<<"$OUT"; then
	ok "--export of a raw IMAGE: one comparison, sizes and RSS against the goals"
else
	not_ok "--export of a raw IMAGE: one comparison with the goals" "exit $RC" "stdout: $OUT" \
		"stderr: $ERR"
fi

# --- --export: an output qemu-img finds wrong fails the run, in one line ---
# A qemu-img whose compare says "differ" stands in for a wrong output.
mkdir -p "$T/fakebin"
real_qemu=$(command -v qemu-img)
printf '#!/bin/sh\n[ "$1" = compare ] && exit 1\nexec %s "$@"\n' "$real_qemu" \
	>"$T/fakebin/qemu-img"
chmod +x "$T/fakebin/qemu-img"
PATH="$T/fakebin:$PATH" run "$BENCH" --threads 1 --repeat 1 --export --workdir "$W" "$T/in.raw"
lines=$(printf '%s' "$ERR" | grep -vc '^ova-bench: .*run 1 of 1$')
if [ "$RC" -eq 1 ] && [ "$lines" -eq 1 ] && [ -z "$OUT" ] &&
	[[ $ERR == *"in.raw: our -O vmdk output is wrong: qemu-img compare failed"* ]]; then
	ok "--export: a wrong output is a failure, one line ($(grep wrong <<<"$ERR"))"
else
	not_ok "--export: a wrong output is a failure, one line" "exit $RC" "stdout: $OUT" \
		"stderr: $ERR"
fi

# --- errors ----------------------------------------------------------------
for bad in "--size 1.5G" "--size 0" "--threads 0" "--threads 1,x" "--repeat 0" "--bogus" \
	"--plot $T/plot.txt" \
	"--size 8M $T/in.raw" "a b"; do
	# shellcheck disable=SC2086  # split on purpose
	run "$BENCH" $bad
	if [ "$RC" -eq 2 ]; then
		ok "usage error exits 2: $bad"
	else
		not_ok "usage error exits 2: $bad" "exit $RC, stderr: $ERR"
	fi
done
run "$BENCH" --repeat 1 --workdir "$W" "$T/missing.vmdk"
lines=$(printf '%s' "$ERR" | grep -c '')
if [ "$RC" -eq 1 ] && [ "$lines" -eq 1 ] && [[ $ERR == "ova-bench: "*missing.vmdk* ]]; then
	ok "a missing IMAGE fails with one line naming it ($ERR)"
else
	not_ok "a missing IMAGE fails with one line naming it" "exit $RC, stderr: $ERR"
fi
run "$BENCH" --repeat 1 --workdir "$T/nonexistent/dir" "$T/in.raw"
if [ "$RC" -eq 1 ] && [[ $ERR == "ova-bench: "*nonexistent* ]]; then
	ok "an unusable --workdir fails with exit 1 ($ERR)"
else
	not_ok "an unusable --workdir fails with exit 1" "exit $RC, stderr: $ERR"
fi

# --- SIGINT: exit 130, no scratch left --------------------------------------
# While the generator or qemu-img runs (a 4 GiB workload takes many
# seconds), interrupt once the scratch directory has appeared.
"$BENCH" --size 4G --repeat 1 --workdir "$W" >/dev/null 2>"$T/int.err" &
pid=$!
for _ in $(seq 200); do
	[ -n "$(ls -A "$W")" ] && break
	sleep 0.05
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
left=$(ls -A "$W")
if [ "$rc" -eq 130 ] && [ -z "$left" ]; then
	ok "SIGINT exits 130 and removes the scratch directory"
else
	not_ok "SIGINT exits 130 and removes the scratch directory" "exit $rc, left: $left" \
		"stderr: $(cat "$T/int.err")"
fi

finish
