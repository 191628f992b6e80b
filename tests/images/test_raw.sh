#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_raw.sh: raw -> raw conversion (issue 2), judged by qemu-img compare.
#
#   - sparse 5 GiB and 50 GiB inputs with scattered data convert identically,
#     the output stays sparse (du <= 1.1x the input's) and peak RSS stays
#     <= 64 MiB (not under ASan, whose shadow memory inflates RSS);
#   - odd sizes (2 KiB, 3 MiB + 512 B with zero runs inside the data);
#   - written zeros become holes (zero detection);
#   - -f/-O/--to, -p, -j 1/2, --no-sync, --force give the same bytes;
#   - --info and --info --json describe a raw input;
#   - a loop device as input and as output (written in place, its old
#     contents cleared where the source is zero).
. "$(dirname "$0")/lib.sh"
need python3 truncate dd du

GiB=$((1 << 30))
MiB=$((1 << 20))
RSS_LIMIT_KIB=$((64 * 1024))

# convert_ok DESC SRC DST [ARGS...]: convert and compare with qemu-img.
convert_ok() {
	local desc=$1 src=$2 dst=$3
	shift 3
	rm -f "$dst"
	peak_rss "$OVA_CONVERT" "$@" "$src" "$dst"
	if [ "$RC" -ne 0 ]; then
		not_ok "$desc" "exit $RC" "stderr: $ERR"
		return 1
	fi
	local cmp
	if ! cmp=$(compare_raw "$src" "$dst" 2>&1); then
		not_ok "$desc" "qemu-img compare: differs ($cmp)"
		return 1
	fi
	ok "$desc: identical per qemu-img compare"
}

# rss_ok DESC: the peak RSS of the last convert_ok.
rss_ok() {
	if [ "$OVK_SANITIZE" = 1 ]; then
		echo "skip   - $1: peak RSS ${RSS_KIB} KiB not judged under ASan"
	elif [ "$RSS_KIB" -gt 0 ] && [ "$RSS_KIB" -le "$RSS_LIMIT_KIB" ]; then
		ok "$1: peak RSS $((RSS_KIB / 1024)) MiB <= 64 MiB"
	else
		not_ok "$1: peak RSS ${RSS_KIB} KiB, limit $RSS_LIMIT_KIB KiB"
	fi
}

# sparse_ok DESC SRC DST: du of DST <= 1.1x du of SRC (plus one 64 KiB of
# slack for a file system's block rounding).
sparse_ok() {
	local a b
	a=$(alloc_kib "$2")
	b=$(alloc_kib "$3")
	if [ "$b" -le $((a * 11 / 10 + 64)) ]; then
		ok "$1: output allocates $b KiB, input $a KiB"
	else
		not_ok "$1: output allocates $b KiB, more than 1.1x the input's $a KiB"
	fi
}

mkdir -p "$T/out"

# --- 5 GiB: 200 MiB of data at start, middle, end and odd places; more data
# than the RSS limit, so that an input mapping that is never released shows.
make_sparse "$T/5g.raw" 5G 0:64 100:3 2000:64 3333:1 4000:60 5119:1 || die "cannot make 5g.raw"
convert_ok "5 GiB sparse raw->raw" "$T/5g.raw" "$T/out/5g.raw" -f raw -O raw
sparse_ok "5 GiB sparse raw->raw" "$T/5g.raw" "$T/out/5g.raw"
rss_ok "5 GiB sparse raw->raw"
check "5 GiB output has the input's exact size" \
	[ "$(stat -c %s "$T/out/5g.raw")" -eq $((5 * GiB)) ]

# --- info on the 5 GiB input
run "$OVA_CONVERT" --info "$T/5g.raw"
if [ "$RC" -eq 0 ] && [[ $OUT == *raw* ]] && [ -z "$ERR" ]; then
	ok "--info: exit 0, names the format"
else
	not_ok "--info" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi
run "$OVA_CONVERT" --info --json "$T/5g.raw"
if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | python3 -c 'import json, sys; json.load(sys.stdin)'; then
	ok "--info --json: exit 0, valid JSON"
	check "--info --json: format is raw" [ "$(json_get "$OUT" format)" = raw ]
	check "--info --json: virtual-size is 5 GiB" [ "$(json_get "$OUT" virtual-size)" = $((5 * GiB)) ]
	check "--info --json: filename names the input" \
		[ "$(basename "$(json_get "$OUT" filename)")" = 5g.raw ]
	alloc=$(json_get "$OUT" actual-size)
	blocks=$(( $(stat -c '%b * %B' "$T/5g.raw") ))
	if [ "$alloc" -ge $((193 * MiB)) ] && [ "$alloc" -le $((blocks + MiB)) ]; then
		ok "--info --json: actual-size $alloc covers the data, <= st_blocks ($blocks)"
	else
		not_ok "--info --json: actual-size $alloc, expected 193 MiB .. $blocks"
	fi
else
	not_ok "--info --json" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi

# --- the same bytes whatever the options
rm -f "$T/5g.raw.ref"
mv "$T/out/5g.raw" "$T/5g.raw.ref"
convert_ok "probe (no -f), --to raw" "$T/5g.raw" "$T/out/a.raw" --to raw
convert_ok "-j 1 --no-sync" "$T/5g.raw" "$T/out/b.raw" -j 1 --no-sync
convert_ok "-j 2" "$T/5g.raw" "$T/out/c.raw" -j 2
check "-j 1 and -j 2 outputs are byte-identical" cmp -s "$T/out/b.raw" "$T/out/c.raw"
convert_ok "--force over an existing output" "$T/5g.raw" "$T/out/c.raw" --force
rm -f "$T/out/"*.raw "$T/5g.raw.ref"

# -p with stderr not a TTY: plain progress lines, no carriage returns.
run "$OVA_CONVERT" -p "$T/5g.raw" "$T/out/p.raw"
if [ "$RC" -eq 0 ] && [ -n "$ERR" ] && [[ $ERR != *$'\r'* ]] && compare_raw "$T/5g.raw" "$T/out/p.raw"; then
	ok "-p to a pipe: plain progress lines ($(printf '%s\n' "$ERR" | wc -l) lines), identical output"
else
	not_ok "-p to a pipe" "exit $RC" "stderr: $(printf '%s' "$ERR" | head -c 300 | cat -A)"
fi
rm -f "$T/out/p.raw" "$T/5g.raw"

# --- 50 GiB: data spread over the whole disk, 160 MiB of it.
make_sparse "$T/50g.raw" 50G 0:16 5000:16 10000:16 15000:16 20000:16 25000:16 \
	30000:16 40000:16 45000:16 51184:16 || die "cannot make 50g.raw"
convert_ok "50 GiB sparse raw->raw" "$T/50g.raw" "$T/out/50g.raw"
sparse_ok "50 GiB sparse raw->raw" "$T/50g.raw" "$T/out/50g.raw"
rss_ok "50 GiB sparse raw->raw"
rm -f "$T/50g.raw" "$T/out/50g.raw"

# --- odd sizes: smaller than a block, and a tail of 512 B past a MiB, with
# zero runs inside the data (a zero-detection off-by-one shows here).
head -c 2048 /dev/urandom >"$T/tiny.raw"
convert_ok "2 KiB raw->raw" "$T/tiny.raw" "$T/out/tiny.raw"
check "2 KiB output is 2048 bytes" [ "$(stat -c %s "$T/out/tiny.raw")" -eq 2048 ]
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/odd.raw" zero-runs $((3 * MiB + 512)) --first 4096 ||
	die "cannot make odd.raw"
convert_ok "3 MiB + 512 B with zero runs" "$T/odd.raw" "$T/out/odd.raw"
check "3 MiB + 512 B output has the exact size" \
	[ "$(stat -c %s "$T/out/odd.raw")" -eq $((3 * MiB + 512)) ]

# --- written zeros are not written again: 32 MiB of explicit zeros + 32 MiB
# of data, fully allocated in the input.
{ head -c 32M /dev/zero; head -c 32M /dev/urandom; } >"$T/zeros.raw"
convert_ok "allocated zeros raw->raw" "$T/zeros.raw" "$T/out/zeros.raw"
z=$(alloc_kib "$T/out/zeros.raw")
if [ "$z" -le $((33 * 1024)) ]; then
	ok "allocated zeros become holes: output allocates $z KiB of 64 MiB"
else
	not_ok "allocated zeros become holes: output allocates $z KiB, expected <= 33 MiB"
fi

# --- block devices: a loop device as input, and as output written in place.
# The output device starts full of 0xff, so any zero range of the source
# that is skipped instead of cleared (BLKZEROOUT) shows in the comparison.
python3 -c 'import sys; sys.stdout.buffer.write(b"\xff" * (64 << 20))' >"$T/dev.img"
if loop_attach "$T/odd.raw" && in_dev=$LOOP_DEV && loop_attach "$T/dev.img" && out_dev=$LOOP_DEV; then
	# A loop device rounds its size down to 512 B: 3 MiB + 512 B stays.
	convert_ok "loop device input" "$in_dev" "$T/out/fromdev.raw"
	truncate -s 0 "$T/out/todev.src" && dd if="$T/odd.raw" of="$T/out/todev.src" status=none
	truncate -s 64M "$T/out/todev.src"
	run "$OVA_CONVERT" -O raw --force "$T/out/todev.src" "$out_dev"
	if [ "$RC" -eq 0 ] && compare_raw "$T/out/todev.src" "$out_dev"; then
		ok "loop device output: written in place, zero ranges cleared"
	else
		not_ok "loop device output" "exit $RC" "stderr: $ERR"
	fi
else
	echo "skip   - block devices: no loop device available here"
fi

# A raw disk whose first bytes look like markup ("<" then binary; "<b>"
# text) is still a raw disk: only an XML declaration, a comment or an OVF
# Envelope makes a file a descriptor.  (Random test data started with '<'
# one run in 256 and was taken for an OVF.)
for head in '<\001\002' '<b>bold</b>' '  <Envelopes'; do
	{ printf "$head"; head -c 65536 /dev/urandom; } >"$T/markup.raw"
	run "$OVA_CONVERT" -O raw "$T/markup.raw" "$T/out/markup.raw"
	# (qemu-img compare, not cmp: the output is padded to a whole sector)
	if [ "$RC" -eq 0 ] && compare_raw "$T/markup.raw" "$T/out/markup.raw" >/dev/null; then
		ok "a raw disk starting with '$head' converts as raw"
	else
		not_ok "a raw disk starting with '$head' converts as raw" "exit $RC" "stderr: $ERR"
	fi
	rm -f "$T/out/markup.raw"
done

finish
