#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/compare.sh: the performance targets of issue 5, measured against
# qemu-img on the reference disk, each as a ratio from one run that alternates
# the tools (median of REPEAT, default 3; timed through a final `sync` unless
# the target says otherwise).
#
#   bench/compare.sh [TARGET...]      TARGET: perf cpu nosync sparse compress rss vfmt bench svmdk
#                                     export
#                                     (default: all of them, in that order)
#
#   perf      streamOptimized -> qcow2: qemu-img, ours and `cp` of our output
#             (the I/O floor), exactly as ../shared/acceptance/perf does it;
#             also checks the output with qemu-img compare and check
#   nosync    the same without the final sync, ours with --no-sync: the
#             engine's own speed against qemu-img's, page cache only
#   sparse    monolithicSparse -> qcow2 against qemu-img, and cp of the input
#   compress  -c (compressed qcow2) against qemu-img -c: wall and file size
#   rss       peak RSS of ours on the 2 GiB reference and on a 16 GiB disk
#             (mkdisk.py 16384, streamOptimized; about 15 min to make once)
#   cpu       streamOptimized -> qcow2: our CPU (user + sys) against the
#             inflate-only floor (bench/inflate_only.c: every grain decoded
#             once on one core, nothing else); with OVK_BUILD_BASE, the
#             CPU of that build's ova-convert too, alternating (issue 11)
#   vfmt      VHD, VHDX and VDI -> qcow2 (issue 13): the reference disk
#             written by qemu-img as vpc, vhdx and vdi (dynamic), each
#             converted by qemu-img and by ours in VFMT_PAIRS (default 5)
#             alternating pairs through sync; goal: ours/qemu-img of the
#             medians <= 1.05; the first output checked by qemu-img
#   bench     ova-bench --threads 1,2 --qemu-img on the reference: the
#             per-stage rates and the 1 -> 2 threads inflate speedup; writes
#             $OVK_WORK/bench.json and $OVK_WORK/bench.svg
#   svmdk     -O vmdk (streamOptimized, issue 14) from the raw reference disk
#             and from a qcow2 of it, against `qemu-img convert -O vmdk -o
#             subformat=streamOptimized`: wall through sync, CPU, output
#             size and peak RSS; then ours with -j 1 and -j 2 without sync
#             (page cache: the deflate stage is what is left), for the
#             1 -> 2 threads scaling.  Not in the default list: qemu-img
#             takes about a minute per run.  `ova-bench --export` reports
#             the same four figures in one program (ours in-process, its
#             peak RSS from a child of its own), with the goals.
#   export    ova-export (issue 14) of the raw and the qcow2 reference disk
#             against qemu-img's streamOptimized VMDK + tar: wall through
#             sync, CPU, OVA size, peak RSS; then -j 1 against -j 2 without
#             sync.  Not in the default list either.
#
# Environment: OVK_BUILD (a build dir; default build-bench, made with
# -DCMAKE_BUILD_TYPE=Release when absent), OVK_BUILD_BASE (another build
# to set beside it in `cpu`), OVK_WORK (where the generated
# disks are cached; default /tmp/ovk-accept, shared with the acceptance
# scripts), REPEAT, OVK_REF_RAW (svmdk's raw input; default
# /var/tmp/ovkbench/ref.raw when it exists, else mkdisk.py 2048 in OVK_WORK).  The disks come from ../shared/bench/mkdisk.py, written as VMDK by
# qemu-img (the reference writer).  Nothing here asserts: it prints figures
# and the goals next to them.  Benchmarks are never ctest assertions.
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${OVK_WORK:-/tmp/ovk-accept}
REPEAT=${REPEAT:-3}
# The reference generator lives in ../shared; it is not copied here.
MKDISK=${MKDISK:-$ROOT/../shared/bench/mkdisk.py}
BUILD=${OVK_BUILD:-$ROOT/build-bench}
T="$W/compare.$$"
SUMMARY=()

die() { echo "compare.sh: $*" >&2; exit 1; }
note() { echo "compare.sh: $*" >&2; }

cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for c in qemu-img python3 bc /usr/bin/time; do
	command -v "$c" >/dev/null || die "$c is required"
done
if [ ! -x "$BUILD/src/cli/ova-convert" ]; then
	note "building $BUILD (Release)"
	{ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release &&
		cmake --build "$BUILD" -j"$(nproc)"; } >/dev/null || die "build failed"
fi
CONVERT="$BUILD/src/cli/ova-convert"
BENCH="$BUILD/src/cli/ova-bench"
EXPORT="$BUILD/src/cli/ova-export"
mkdir -p "$W" "$T"

# ------------------------------------------------------------------ disks

# make_image SIZE_MIB QEMU-FORMAT OPTIONS OUT: mkdisk.py, then qemu-img;
# cached in $W.
make_image() {
	local mib=$1 fmt=$2 opts=$3 out=$4 raw="$W/mkdisk-$1.raw"
	[ -f "$out" ] && return 0
	note "making $out (mkdisk.py $mib, $fmt $opts by qemu-img; once)"
	if [ ! -f "$raw" ]; then
		python3 "$MKDISK" "$mib" "$raw.tmp" && mv "$raw.tmp" "$raw" || return 1
	fi
	qemu-img convert -f raw -O "$fmt" -o "$opts" "$raw" "$out.tmp" && mv "$out.tmp" "$out"
}

# make_vmdk SIZE_MIB SUBFORMAT OUT: the reference disk as a VMDK.
make_vmdk() { make_image "$1" vmdk "subformat=$2" "$3"; }

# The names the acceptance scripts use, so the caches are shared.
REF="$W/ref-so.vmdk"
REF_MS="$W/ref-ms.vmdk"
REF16="$W/ref16-so.vmdk"

# ----------------------------------------------------------------- timing

# timed WALL-VAR CPU-VAR SYNC CMD...: wall seconds (through a final sync when
# SYNC is 1) and user + sys seconds; RSS_KB is the peak resident set.
timed() {
	local __w=$1 __c=$2 dosync=$3 s
	shift 3
	sync
	s=$(date +%s.%N)
	/usr/bin/time -f '%U %S %M' -o "$T/time" "$@" >/dev/null 2>"$T/err" ||
		{ note "failed: $* ($(tail -1 "$T/err"))"; return 1; }
	[ "$dosync" = 1 ] && sync
	printf -v "$__w" '%.2f' "$(echo "$(date +%s.%N) - $s" | bc)"
	printf -v "$__c" '%s' "$(awk '{print $1 + $2}' "$T/time")"
	RSS_KB=$(awk '{print $3}' "$T/time")
}

med() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
div() { echo "scale=2; $1 / $2" | bc; }
mbs() { echo "scale=1; $1 / $2 / 1000000" | bc; }
size_of() { stat -c %s "$1"; }
vsize() { qemu-img info --output=json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])'; }
summary() { SUMMARY+=("$*"); echo "$*"; }

# ---------------------------------------------------------------- targets

target_perf() {
	local q=() o=() f=() qc=() oc=() rss=0 w c i Q O F QC OC
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	for i in $(seq "$REPEAT"); do
		timed w c 1 qemu-img convert -f vmdk -O qcow2 "$REF" "$T/q.qcow2" || return 1
		q+=("$w"); qc+=("$c"); rm -f "$T/q.qcow2"
		timed w c 1 "$CONVERT" -O qcow2 "$REF" "$T/o.qcow2" || return 1
		o+=("$w"); oc+=("$c"); [ "$RSS_KB" -gt "$rss" ] && rss=$RSS_KB
		if [ "$i" = 1 ]; then
			if ! { qemu-img compare -q -f vmdk -F qcow2 "$REF" "$T/o.qcow2" &&
				qemu-img check -q "$T/o.qcow2"; }; then
				summary "perf: OUTPUT WRONG: qemu-img compare/check failed"
			fi
		fi
		timed w c 1 cp "$T/o.qcow2" "$T/floor.bin"
		f+=("$w"); rm -f "$T/o.qcow2" "$T/floor.bin"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}"); F=$(med "${f[@]}")
	QC=$(med "${qc[@]}"); OC=$(med "${oc[@]}")
	echo "perf runs: qemu-img ${q[*]} | ours ${o[*]} | floor ${f[*]}"
	summary "| streamOptimized -> qcow2, through sync | ours $O s | qemu-img $Q s | qemu-img/ours $(div "$Q" "$O") (goal >= 1.5) |"
	summary "| ... ratio to the I/O floor (cp + sync $F s) | ours/floor $(div "$O" "$F") | | goal <= 1.25 |"
	summary "| ... CPU user+sys | ours $OC s | qemu-img $QC s | qemu-img/ours $(div "$QC" "$OC") (goal >= 2) |"
	summary "| ... peak RSS, 2 GiB | ours $((rss / 1024)) MiB | | goal <= 64 MiB |"
}

target_cpu() {
	local fl=() o=() b=() w c i FL O B line
	local base=${OVK_BUILD_BASE:+$OVK_BUILD_BASE/src/cli/ova-convert}
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	[ -x "$BUILD/bench/inflate-only" ] || die "no $BUILD/bench/inflate-only"
	for i in $(seq "$REPEAT"); do
		line=$("$BUILD/bench/inflate-only" "$REF") || return 1
		fl+=("$(sed -E 's/.*cpu ([0-9.]+) s.*/\1/' <<<"$line")")
		timed w c 1 "$CONVERT" -O qcow2 "$REF" "$T/o.qcow2" || return 1
		o+=("$c"); rm -f "$T/o.qcow2"
		if [ -n "$base" ]; then
			timed w c 1 "$base" -O qcow2 "$REF" "$T/o.qcow2" || return 1
			b+=("$c"); rm -f "$T/o.qcow2"
		fi
	done
	FL=$(med "${fl[@]}"); O=$(med "${o[@]}")
	echo "cpu runs: inflate-only ${fl[*]} | ours ${o[*]}${base:+ | base ${b[*]}}"
	summary "| streamOptimized -> qcow2, CPU user+sys against inflate-only | ours $O s | inflate-only $FL s | ours/inflate $(div "$O" "$FL") (goal <= 1.5) |"
	if [ -n "$base" ]; then
		B=$(med "${b[@]}")
		summary "| ... the base build ($OVK_BUILD_BASE) | base $B s | | base/inflate $(div "$B" "$FL"); ours/base $(div "$O" "$B") |"
	fi
}

target_nosync() {
	local q=() o=() w c Q O
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	for _ in $(seq "$REPEAT"); do
		timed w c 0 qemu-img convert -f vmdk -O qcow2 "$REF" "$T/q.qcow2" || return 1
		q+=("$w"); rm -f "$T/q.qcow2"
		timed w c 0 "$CONVERT" --no-sync -O qcow2 "$REF" "$T/o.qcow2" || return 1
		o+=("$w"); rm -f "$T/o.qcow2"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}")
	echo "nosync runs: qemu-img ${q[*]} | ours ${o[*]}"
	summary "| streamOptimized -> qcow2, no sync (page cache) | ours $O s | qemu-img $Q s | qemu-img/ours $(div "$Q" "$O") (goal >= 3.5) |"
}

target_sparse() {
	local q=() o=() f=() w c Q O F vs
	make_vmdk 2048 monolithicSparse "$REF_MS" || die "cannot make $REF_MS"
	vs=$(vsize "$REF_MS")
	for _ in $(seq "$REPEAT"); do
		timed w c 1 qemu-img convert -f vmdk -O qcow2 "$REF_MS" "$T/q.qcow2" || return 1
		q+=("$w"); rm -f "$T/q.qcow2"
		timed w c 1 "$CONVERT" -O qcow2 "$REF_MS" "$T/o.qcow2" || return 1
		o+=("$w")
		timed w c 1 cp "$REF_MS" "$T/floor.bin"
		f+=("$w"); rm -f "$T/o.qcow2" "$T/floor.bin"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}"); F=$(med "${f[@]}")
	echo "sparse runs: qemu-img ${q[*]} | ours ${o[*]} | cp ${f[*]}"
	summary "| monolithicSparse -> qcow2, through sync | ours $O s ($(mbs "$vs" "$O") MB/s guest, $(mbs "$(size_of "$REF_MS")" "$O") MB/s input) | qemu-img $Q s ($(mbs "$vs" "$Q") MB/s) | ours/qemu-img $(div "$O" "$Q") (goal <= 0.8); cp+sync $F s |"
}

target_compress() {
	local q=() o=() w c Q O qs os
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	for i in $(seq "$REPEAT"); do
		timed w c 1 qemu-img convert -c -f vmdk -O qcow2 "$REF" "$T/q.qcow2" || return 1
		q+=("$w"); qs=$(size_of "$T/q.qcow2"); rm -f "$T/q.qcow2"
		timed w c 1 "$CONVERT" -c -O qcow2 "$REF" "$T/o.qcow2" || return 1
		o+=("$w"); os=$(size_of "$T/o.qcow2")
		if [ "$i" = 1 ]; then
			if ! { qemu-img compare -q -f vmdk -F qcow2 "$REF" "$T/o.qcow2" &&
				qemu-img check -q "$T/o.qcow2"; }; then
				summary "compress: OUTPUT WRONG: qemu-img compare/check failed"
			fi
		fi
		rm -f "$T/o.qcow2"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}")
	echo "compress runs: qemu-img ${q[*]} | ours ${o[*]}"
	summary "| -c compressed qcow2, through sync | ours $O s | qemu-img -c $Q s | ours/qemu-img $(div "$O" "$Q") (goal <= 0.5) |"
	summary "| ... file size | ours $os B | qemu-img $qs B | ours/qemu-img $(echo "scale=4; $os / $qs" | bc) (goal <= 1.02) |"
}

target_rss() {
	local w c r2 r16
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	timed w c 1 "$CONVERT" -O qcow2 "$REF" "$T/o.qcow2" || return 1
	r2=$RSS_KB; rm -f "$T/o.qcow2"
	make_vmdk 16384 streamOptimized "$REF16" || die "cannot make $REF16"
	timed w c 1 "$CONVERT" -O qcow2 "$REF16" "$T/o.qcow2" || return 1
	r16=$RSS_KB; rm -f "$T/o.qcow2"
	summary "| peak RSS, streamOptimized -> qcow2 | 2 GiB: $((r2 / 1024)) MiB, 16 GiB: $((r16 / 1024)) MiB ($w s) | | goal <= 64 MiB |"
}

target_vfmt() {
	local spec fmt opts img q o w c i Q O
	for spec in vpc:subformat=dynamic:vhd vhdx:subformat=dynamic:vhdx vdi:static=off:vdi; do
		IFS=: read -r fmt opts ext <<<"$spec"
		img="$W/ref-dynamic.$ext" q=() o=()
		make_image 2048 "$fmt" "$opts" "$img" || die "cannot make $img"
		for i in $(seq "${VFMT_PAIRS:-5}"); do
			timed w c 1 qemu-img convert -f "$fmt" -O qcow2 "$img" "$T/q.qcow2" || return 1
			q+=("$w"); rm -f "$T/q.qcow2"
			timed w c 1 "$CONVERT" -O qcow2 "$img" "$T/o.qcow2" || return 1
			o+=("$w")
			if [ "$i" = 1 ] && ! { qemu-img compare -q -f "$fmt" -F qcow2 "$img" "$T/o.qcow2" &&
				qemu-img check -q "$T/o.qcow2"; }; then
				summary "vfmt $fmt: OUTPUT WRONG: qemu-img compare/check failed"
			fi
			rm -f "$T/o.qcow2"
		done
		Q=$(med "${q[@]}"); O=$(med "${o[@]}")
		echo "vfmt $fmt runs: qemu-img ${q[*]} | ours ${o[*]}"
		summary "| $fmt ($opts) -> qcow2, through sync | ours $O s | qemu-img $Q s | ours/qemu-img $(div "$O" "$Q") (goal <= 1.05) |"
	done
}

target_bench() {
	make_vmdk 2048 streamOptimized "$REF" || die "cannot make $REF"
	"$BENCH" --threads 1,2 --repeat "$REPEAT" --qemu-img --json --plot "$W/bench.svg" "$REF" \
		>"$W/bench.json" || return 1
	summary "$(python3 - "$W/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r, q = d["runs"], d["qemu_img"]
for x in r:
    print("ova-bench %d thread(s), %.2f cores free: read %.0f, inflate %.0f (guest) / %.0f (input), hash %.0f, "
          "write %.0f, end-to-end %.0f MB/s" % (x["threads"], x["cores"], x["read_mbs"], x["inflate_mbs"],
          x["inflate_input_mbs"], x["hash_mbs"], x["write_mbs"], x["end_to_end_mbs"]),
          file=sys.stderr)
print("| inflate 1 -> %d threads (ova-bench) | %.0f -> %.0f MB/s guest: %.2fx "
      "(%.2f cores were free for %d threads) | | goal >= 1.7x |"
      % (r[-1]["threads"], r[0]["inflate_mbs"], r[-1]["inflate_mbs"],
         r[-1]["inflate_mbs"] / r[0]["inflate_mbs"], r[-1]["cores"], r[-1]["threads"]))
print("| deflate 1 -> %d threads (ova-bench, -O vmdk) | %.0f -> %.0f MB/s guest: %.2fx | | goal >= 1.7x |"
      % (r[-1]["threads"], r[0]["deflate_mbs"], r[-1]["deflate_mbs"],
         r[-1]["deflate_mbs"] / r[0]["deflate_mbs"]))
print("| ova-bench --qemu-img (%d threads, through sync) | ours %.2f s | qemu-img %.2f s | "
      "%.2fx; no sync %.2fx; CPU %.2fx |" % (q["ours_threads"], q["ours_wall_seconds"],
      q["qemu_wall_seconds"], q["wall_ratio"], q["nosync_wall_ratio"], q["cpu_ratio"]))
PY
)"
}

# svmdk_one FORMAT INPUT: ours and qemu-img's streamOptimized from INPUT.
svmdk_one() {
	local fmt=$1 in=$2 q=() o=() qc=() oc=() rss=0 qrss=0 w c i Q O QC OC qs os
	for i in $(seq "$REPEAT"); do
		timed w c 1 qemu-img convert -f "$fmt" -O vmdk -o subformat=streamOptimized "$in" \
			"$T/q.vmdk" || return 1
		q+=("$w"); qc+=("$c"); qs=$(size_of "$T/q.vmdk"); qrss=$RSS_KB; rm -f "$T/q.vmdk"
		timed w c 1 "$CONVERT" -O vmdk "$in" "$T/o.vmdk" || return 1
		o+=("$w"); oc+=("$c"); os=$(size_of "$T/o.vmdk"); [ "$RSS_KB" -gt "$rss" ] && rss=$RSS_KB
		if [ "$i" = 1 ]; then
			if ! { qemu-img compare -q -f "$fmt" -F vmdk "$in" "$T/o.vmdk" &&
				qemu-img check -q "$T/o.vmdk"; }; then
				summary "svmdk: OUTPUT WRONG ($fmt): qemu-img compare/check failed"
			fi
		fi
		rm -f "$T/o.vmdk"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}"); QC=$(med "${qc[@]}"); OC=$(med "${oc[@]}")
	echo "svmdk $fmt runs: qemu-img ${q[*]} | ours ${o[*]}"
	summary "| $fmt -> streamOptimized VMDK, through sync | ours $O s | qemu-img $Q s | ours/qemu-img $(div "$O" "$Q") (goal <= 0.25) |"
	summary "| ... CPU user+sys | ours $OC s | qemu-img $QC s | |"
	summary "| ... file size | ours $os B | qemu-img $qs B | ours/qemu-img $(echo "scale=4; $os / $qs" | bc) (goal <= 1.02) |"
	summary "| ... peak RSS | ours $((rss / 1024)) MiB | qemu-img $((qrss / 1024)) MiB | goal <= 64 MiB |"
}

# svmdk_inputs: RAW and QCOW, the reference disk as raw and as qcow2 (made
# once), for svmdk and export.
svmdk_inputs() {
	RAW=${OVK_REF_RAW:-/var/tmp/ovkbench/ref.raw}
	QCOW="$W/ref-svmdk.qcow2"
	if [ ! -f "$RAW" ]; then
		RAW="$W/mkdisk-2048.raw"
		if [ ! -f "$RAW" ]; then
			note "making $RAW (mkdisk.py 2048; once)"
			python3 "$MKDISK" 2048 "$RAW.tmp" && mv "$RAW.tmp" "$RAW" || die "cannot make $RAW"
		fi
	fi
	if [ ! -f "$QCOW" ]; then
		note "making $QCOW (qemu-img, from $RAW; once)"
		qemu-img convert -f raw -O qcow2 "$RAW" "$QCOW.tmp" && mv "$QCOW.tmp" "$QCOW" ||
			die "cannot make $QCOW"
	fi
}

# scaling LABEL OUT CMD...: CMD (which writes OUT) with -j 1 and -j 2
# inserted after its first word, no sync, REPEAT pairs; the speedup.
scaling() {
	local label=$1 out=$2 j w c one=() two=() ONE TWO
	shift 2
	for _ in $(seq "$REPEAT"); do
		for j in 1 2; do
			timed w c 0 "$1" -j "$j" "${@:2}" || return 1
			rm -rf "$out"
			if [ "$j" = 1 ]; then one+=("$w"); else two+=("$w"); fi
		done
	done
	ONE=$(med "${one[@]}"); TWO=$(med "${two[@]}")
	echo "$label runs: -j 1 ${one[*]} | -j 2 ${two[*]}"
	summary "| $label, no sync, 1 -> 2 threads | -j 1 $ONE s, -j 2 $TWO s | | $(div "$ONE" "$TWO")x (goal >= 1.7) |"
}

target_svmdk() {
	svmdk_inputs
	svmdk_one raw "$RAW" || return 1
	svmdk_one qcow2 "$QCOW" || return 1
	scaling "raw -> streamOptimized (deflate stage)" "$T/o.vmdk" \
		"$CONVERT" --no-sync -O vmdk "$RAW" "$T/o.vmdk"
}

# export_one FORMAT INPUT: ova-export of INPUT against qemu-img's
# streamOptimized VMDK tarred by hand, both through sync.
export_one() {
	local fmt=$1 in=$2 q=() o=() qc=() oc=() rss=0 qrss=0 w c i Q O QC OC qs os
	for i in $(seq "$REPEAT"); do
		timed w c 1 sh -c 'cd "$1" && qemu-img convert -f "$2" -O vmdk -o subformat=streamOptimized \
			"$3" ref-disk1.vmdk && tar cf q.ova ref-disk1.vmdk' sh "$T" "$fmt" "$in" || return 1
		q+=("$w"); qc+=("$c"); qs=$(size_of "$T/q.ova"); qrss=$RSS_KB; rm -f "$T/q.ova" "$T/ref-disk1.vmdk"
		timed w c 1 "$EXPORT" --name ref --nic none "$in" "$T/o.ova" || return 1
		o+=("$w"); oc+=("$c"); os=$(size_of "$T/o.ova"); [ "$RSS_KB" -gt "$rss" ] && rss=$RSS_KB
		rm -f "$T/o.ova"
	done
	Q=$(med "${q[@]}"); O=$(med "${o[@]}"); QC=$(med "${qc[@]}"); OC=$(med "${oc[@]}")
	echo "export $fmt runs: qemu-img+tar ${q[*]} | ova-export ${o[*]}"
	summary "| ova-export from $fmt, through sync | ours $O s | qemu-img+tar $Q s | ours/qemu-img $(div "$O" "$Q") (goal <= 0.25) |"
	summary "| ... CPU user+sys | ours $OC s | qemu-img+tar $QC s | |"
	summary "| ... OVA size | ours $os B | qemu-img+tar $qs B | ours/qemu-img $(echo "scale=4; $os / $qs" | bc) (goal <= 1.02) |"
	summary "| ... peak RSS | ours $((rss / 1024)) MiB | qemu-img $((qrss / 1024)) MiB | goal <= 64 MiB |"
}

target_export() {
	svmdk_inputs
	export_one raw "$RAW" || return 1
	export_one qcow2 "$QCOW" || return 1
	scaling "ova-export" "$T/o.ova" "$EXPORT" --no-sync --name ref --nic none "$RAW" "$T/o.ova"
}

# ------------------------------------------------------------------- main

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(perf cpu nosync sparse compress rss vfmt bench)
echo "compare.sh: $(nproc) CPUs, $(uname -r), $(qemu-img --version | head -1), REPEAT=$REPEAT," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
for t in "${targets[@]}"; do
	case $t in
	perf | cpu | nosync | sparse | compress | rss | vfmt | bench | svmdk | export) "target_$t" || die "$t failed" ;;
	*) die "unknown target '$t' (perf cpu nosync sparse compress rss vfmt bench svmdk export)" ;;
	esac
done
echo
echo "| target | ours | qemu-img | ratio / goal |"
echo "|---|---|---|---|"
printf '%s\n' "${SUMMARY[@]}"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
