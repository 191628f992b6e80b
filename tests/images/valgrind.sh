# SPDX-License-Identifier: LGPL-2.1-or-later
# valgrind.sh PART [SHARD SHARDS]: valgrind memcheck over the unit tests
# (PART unit; dealt to SHARDS tests in turn), the
# fuzz corpus replays (replay), and a set of conversions through
# ova-convert (convert) (issue 8).  Sourced by test_valgrind_PART.sh: one
# ctest test each, so that each stays well inside ctest's 900 s and the
# cores share them.
#
# Zero errors and zero definite leaks: every run is under
#   valgrind --error-exitcode=99 --leak-check=full
#            --errors-for-leak-kinds=definite
# so an invalid read, a use of uninitialised memory in a branch, a bad
# free or a definite leak fails it.  ("Possibly lost" and "still
# reachable" blocks are libraries' caches, not our leaks.)  Conversions
# also check their output with qemu-img, so they cannot pass by failing
# early.
#
# Runs in the plain build only: ASan binaries cannot run under valgrind
# (OVK_SANITIZE on: skipped, saying so).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need valgrind python3
part=$1 shard=${2:-0} shards=${3:-1}
# The guest readers' unit tests build their images with mkfs, LVM and
# ntfs-3g and read hundreds of MiB through the readers: minutes natively
# under load, beyond ctest's limit under memcheck.  Their parsers are
# memchecked here through the fuzz replays (fuzz_part, fuzz_lvm*, fuzz_xfs,
# fuzz_fat, fuzz_guest_ext, fuzz_guest_ntfs, fuzz_hive, fuzz_initramfs),
# and the tests themselves run under ASan+UBSan.
VG_UNIT_SKIP=" test_guest_parse test_guest_libs test_guest_win "

case ${OVK_SANITIZE,,} in
1 | on | true | yes)
	skip_all "OVK_SANITIZE is on: ASan binaries cannot run under valgrind (the plain build runs this)"
	;;
esac

build=$(cd "$(dirname "$OVA_CONVERT")/../.." && pwd)
[ -d "$build/tests" ] || die "no tests/ in the build tree $build"
# The memcheck report of the logs: its "==PID==" lines.  Valgrind's own
# notices ("--PID--") are not: valgrind 3.19 does not know openat2
# (syscall 437), says so in five such lines and fails the call with
# ENOSYS, which ovakit falls back from (O_NOFOLLOW).
vg_report() {
	cat "$@" 2>/dev/null | grep -Ev '^--[0-9]+-- ' || true
}
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --num-callers=30 --child-silent-after-fork=yes)
# Valgrind serializes threads and runs code ~20x slower: give each run
# more time than the default per-command timeout.
OVK_CMD_TIMEOUT=${OVK_VALGRIND_TIMEOUT:-900}

# vg DESC CMD...: CMD under memcheck must exit 0 with no valgrind report.
vg() {
	local desc=$1
	shift
	run "${VG[@]}" --log-file="$T/vg.%p.log" "$@"
	local report
	report=$(vg_report "$T"/vg.*.log)
	rm -f "$T"/vg.*.log
	if [ "$RC" -eq 0 ] && [ -z "$report" ]; then
		ok "$desc: memcheck clean"
	else
		not_ok "$desc: memcheck" "exit $RC" "$(head -c 4000 <<<"$report")" "stderr: ${ERR:0:2000}"
	fi
}

# vg_fail DESC CMD...: CMD must fail (exit 1) cleanly, with no report: the
# error paths free what they allocated.
vg_fail() {
	local desc=$1
	shift
	run "${VG[@]}" --log-file="$T/vg.%p.log" "$@"
	local report
	report=$(vg_report "$T"/vg.*.log)
	rm -f "$T"/vg.*.log
	if [ "$RC" -eq 1 ] && [ -z "$report" ]; then
		ok "$desc: refused (${ERR}), memcheck clean"
	else
		not_ok "$desc: memcheck" "exit $RC, expected 1" "$(head -c 4000 <<<"$report")" \
			"stderr: ${ERR:0:2000}"
	fi
}

# 1. Unit tests (cmocka), run side by side: valgrind is single-threaded.
if [ "$part" = unit ]; then
	pids=()
	names=()
	i=-1
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		[[ $VG_UNIT_SKIP == *" $n "* ]] && continue
		i=$((i + 1))
		[ $((i % shards)) -eq "$shard" ] || continue
		( cd "$T" && timeout -k 5 "$OVK_CMD_TIMEOUT" "${VG[@]}" --log-file="$T/unit.$n.%p.log" \
			"$t" >"$T/unit.$n.out" 2>&1; echo $? >"$T/unit.$n.rc" ) &
		pids+=($!)
		names+=("$n")
		# At most nproc at once.
		while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do sleep 0.2; done
	done
	wait "${pids[@]}"
	for n in "${names[@]}"; do
		rc=$(cat "$T/unit.$n.rc")
		report=$(vg_report "$T"/unit."$n".*.log)
		if [ "$rc" -eq 0 ] && [ -z "$report" ]; then
			ok "unit $n: memcheck clean"
		elif [ "$rc" -eq 77 ] && [ -z "$report" ]; then
			# 77: ctest's skip code, from a test whose real samples
			# (../shared/testdata/real) are absent; what ran is clean.
			ok "unit $n: memcheck clean (its real-sample part skipped: no samples here)"
		else
			not_ok "unit $n: memcheck" "exit $rc" "$(head -c 4000 <<<"$report")" \
				"$(tail -n 20 "$T/unit.$n.out")"
		fi
	done
fi

# 2. The fuzz corpora and regression inputs through the parsers.
for r in "$build"/tests/replay_fuzz_*; do
	[ "$part" = replay ] || break
	[ -x "$r" ] || continue
	t=${r##*/replay_}
	vg "replay $t corpus" "$r" "$OVK_SRC/tests/fuzz/corpus/$t" "$OVK_SRC/tests/fuzz/regress/$t"
done
[ "$part" = convert ] || finish

# 3. Conversions.  Generated inputs first, so the test means something
# without the real samples.
mkdir -p "$T/in" "$T/out"
# 4 MiB: compressible text in three places, zeros elsewhere.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/in/src.raw" pieces --size 4M --gaps zero \
	--seed 8 --alphabet ovakit-valgrind 0:300000:text 1M:300000:text 3149824:300000:text ||
	die "cannot make src.raw"
src=$T/in/src.raw
qemu-img convert -O vmdk -o subformat=streamOptimized "$src" "$T/in/so.vmdk"
qemu-img convert -O vmdk -o subformat=monolithicSparse "$src" "$T/in/ms.vmdk"
qemu-img convert -O vmdk -o subformat=twoGbMaxExtentFlat "$src" "$T/in/flat.vmdk"
qemu-img convert -O qcow2 -c -o compression_type=zstd "$src" "$T/in/zstd.qcow2"
qemu-img convert -O qcow2 -c "$src" "$T/in/zlib.qcow2"

# convert_ok DESC OUT-FMT INPUT [ARGS...]: converts clean and equal.
convert_ok() {
	local desc=$1 fmt=$2 in=$3 out=$T/out/o.$2
	shift 3
	rm -f "$out"
	vg "$desc" "$OVA_CONVERT" -O "$fmt" "$@" "$in" "$out"
	check "$desc: output equals the source (qemu-img compare)" \
		qemu-img compare -q -F "$fmt" "$in" "$out"
}
convert_ok "stream VMDK -> qcow2, 2 threads" qcow2 "$T/in/so.vmdk" -j 2
convert_ok "stream VMDK -> raw, 1 thread" raw "$T/in/so.vmdk" -j 1
convert_ok "monolithicSparse VMDK -> compressed qcow2" qcow2 "$T/in/ms.vmdk" -c
convert_ok "twoGbMaxExtentFlat VMDK -> qcow2" qcow2 "$T/in/flat.vmdk"
convert_ok "zstd qcow2 -> raw" raw "$T/in/zstd.qcow2"
convert_ok "zlib qcow2 -> zstd-compressed qcow2" qcow2 "$T/in/zlib.qcow2" -c -o compression_type=zstd
vg "--info --json on a VMDK" "$OVA_CONVERT" --info --json "$T/in/ms.vmdk"

# Appliances: the fuzz seeds (plain, gzip-streamed, late manifest,
# signed, chunked, gzip File) and a refused one.
python3 "$OVK_SRC/tests/fuzz/make_tar_seeds.py" "$T/ova"
for o in plain gzip late-mf signed chunked gzip-file; do
	[ -f "$T/ova/$o.ova" ] || continue
	rm -rf "$T/out" && mkdir -p "$T/out"
	vg "OVA $o.ova -> qcow2" "$OVA_CONVERT" "$T/ova/$o.ova" "$T/out"
done
vg "--info --json on an OVA" "$OVA_CONVERT" --info --json "$T/ova/signed.ova"
rm -rf "$T/out" && mkdir -p "$T/out"
vg_fail "OVA with a ../x member" "$OVA_CONVERT" "$T/ova/dotdot.ova" "$T/out"
head -c 100000 "$T/in/so.vmdk" >"$T/in/cut.vmdk"
vg_fail "truncated stream VMDK" "$OVA_CONVERT" "$T/in/cut.vmdk" "$T/out/o.qcow2"

# Real samples, when present.
if [ -d "$OVK_REAL" ]; then
	real_samples_required
	for s in dfvfs/ext2.vmdk vmdk-rs/streamOptimized.vmdk vmdk-rs/streamOptimizedWithMarkers.vmdk \
		dfvfs/ext2.qcow2; do
		[ -f "$OVK_REAL/$s" ] || continue
		convert_ok "real $s -> qcow2" qcow2 "$OVK_REAL/$s"
		real_sample_checked
	done
	rm -rf "$T/out" && mkdir -p "$T/out"
	vg_fail "real govmomi ttylinux OVA (truncated disk)" "$OVA_CONVERT" \
		"$OVK_REAL/govmomi/ttylinux-pc_i486-16.1.ova" "$T/out"
	real_sample_checked
fi

finish
