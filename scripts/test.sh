#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/test.sh: the project's whole test run, as CI does it (.ci/run).
#
#   1. install the missing Debian packages (scripts/lib/deps.sh);
#   2. build/       RelWithDebInfo, -Werror, then ctest;
#   3. build-asan/  ASan + UBSan, -Werror, then ctest again;
#   4. build-tsan/  ThreadSanitizer: the engine's unit test and an 8-thread
#      streamOptimized -> qcow2 conversion, with no report;
#   5. the libvirt daemon killed in the middle of an import: the one case
#      of tests/images/test_faults.sh that cannot share the machine with
#      other tests (ctest runs it against a dropped connection instead),
#      run alone against build/ (needs root; skipped otherwise);
#   6. the Debian packages: built from a clean clone of HEAD, linted,
#      installed, checked and purged (tests/package/deb.sh; needs root);
#   7. every libFuzzer target briefly (scripts/fuzz.sh, bounded).
# The valgrind memcheck pass (test_valgrind_*.sh) and the bad-input table
# (test_badinput_*.sh) are ctest tests of the plain build; both skip in the
# ASan build, saying why.
#
# Environment: OVK_FUZZ_SECONDS (per target, default 20), OVK_FUZZ_BUDGET
# (seconds for all targets together, default 240), OVK_SKIP_FUZZ=1 and
# OVK_SKIP_DEB=1 to skip steps 7 and 6 while iterating locally,
# OVK_BUILD_PREFIX (default "build") to put the trees elsewhere (PREFIX/,
# PREFIX-asan/, PREFIX-fuzz/).  Exits non-zero if anything failed.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
root=$(ovk_repo_root)
cd "$root"
jobs=$(nproc)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/ovk-test.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

ovk_install_deps

summary=()
failed=0
n_pass=0 n_fail=0 n_skip=0   # ctest tests over both builds

# run_suite NAME BUILD-DIR CMAKE-ARGS...: configure, build and ctest one tree.
run_suite() {
	local name=$1 dir=$2 rc=0
	shift 2
	echo "==> [$name] configure + build in $dir/"
	if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVK_WERROR=ON -DOVK_TESTS=ON "$@" \
		>"$logdir/$name.cmake.log" 2>&1; then
		cat "$logdir/$name.cmake.log"
		summary+=("$name: CONFIGURE FAILED")
		failed=1
		return 0
	fi
	if ! cmake --build "$dir" -j"$jobs"; then
		summary+=("$name: BUILD FAILED")
		failed=1
		return 0
	fi
	echo "==> [$name] ctest"
	# Image tests are I/O bound and each checks its own RSS, so they can
	# share the cores; the per-test TIMEOUT guards against hangs.
	(cd "$dir" && ctest --output-on-failure -j"$jobs") 2>&1 | tee "$logdir/$name.log" || rc=$?
	local line total nfail skipped nskip
	line=$(grep -E 'tests passed, .* tests failed out of' "$logdir/$name.log" | tail -1 || true)
	summary+=("$name: ${line:-no ctest summary}")
	total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"${line:-out of 0}")
	nfail=$(sed -E 's/.*, ([0-9]+) tests? failed.*/\1/' <<<"${line:-, 0 tests failed}")
	# A skipped test is not a failure, but name them so nobody mistakes a
	# skip for a pass.
	skipped=$(grep -E '\*\*\*(Skipped|Not Run)' "$logdir/$name.log" |
		sed -E 's/.*Test +#[0-9]+: ([^ ]+) .*/\1/' | tr '\n' ' ' || true)
	nskip=$(wc -w <<<"$skipped")
	[ -n "$skipped" ] && summary+=("$name: skipped: $skipped")
	[ "$total" -gt 0 ] || { summary+=("$name: ctest ran no test"); rc=1; }
	n_pass=$((n_pass + total - nfail - nskip))
	n_fail=$((n_fail + nfail))
	n_skip=$((n_skip + nskip))
	[ "$rc" -eq 0 ] || failed=1
}

run_suite release "$OVK_BUILD_PREFIX"
run_suite asan "$OVK_BUILD_PREFIX-asan" -DOVK_SANITIZE=ON

# tsan: the engine's threads under ThreadSanitizer (issue 11): its unit
# test (every extent form, 1 and 8 threads, errors, cancel) and a real
# conversion with 8 threads, judged by qemu-img compare.
run_tsan() {
	local dir=$OVK_BUILD_PREFIX-tsan t
	echo "==> [tsan] configure + build in $dir/"
	if ! { cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVK_WERROR=ON \
		-DOVK_TESTS=ON -DOVK_TSAN=ON >"$logdir/tsan.cmake.log" 2>&1 &&
		cmake --build "$dir" -j"$jobs" --target test_engine ova-convert; }; then
		summary+=("tsan: BUILD FAILED")
		failed=1
		return 0
	fi
	t=$(mktemp -d "${TMPDIR:-/tmp}/ovk-tsan.XXXXXX")
	# 96 MiB, data and holes in turn, as a streamOptimized VMDK.
	truncate -s 96M "$t/src.raw"
	for i in $(seq 0 2 94); do
		dd if=/dev/urandom of="$t/src.raw" bs=1M count=1 seek="$i" conv=notrunc status=none
	done
	qemu-img convert -O vmdk -o subformat=streamOptimized "$t/src.raw" "$t/src.vmdk"
	export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
	if (cd "$dir/tests" && OVK_TMP="$t" ./test_engine) >"$logdir/tsan.log" 2>&1 &&
		"$dir/src/cli/ova-convert" -j 8 -O qcow2 "$t/src.vmdk" "$t/o.qcow2" \
			>>"$logdir/tsan.log" 2>&1 &&
		qemu-img compare -q "$t/src.raw" "$t/o.qcow2"; then
		summary+=("tsan: engine unit test and an 8-thread conversion, no report")
	else
		cat "$logdir/tsan.log"
		summary+=("tsan: FAILED (see the report above)")
		failed=1
	fi
	unset TSAN_OPTIONS
	rm -rf "$t"
}
run_tsan

# daemon_kill: test_faults.sh's case 5 with the real libvirtd killed.
daemon_kill() {
	local dir=$OVK_BUILD_PREFIX rc=0
	case $dir in /*) ;; *) dir=$root/$dir ;; esac
	if [ "$(id -u)" -ne 0 ]; then
		summary+=("libvirtd kill: skipped (needs root)")
		return 0
	fi
	[ -x "$dir/src/cli/ova-convert" ] || { summary+=("libvirtd kill: no $dir build"); return 0; }
	echo "==> [libvirtd kill] tests/images/test_faults.sh, OVK_FAULTS_KILL_LIBVIRTD=1"
	mkdir -p "$dir/testtmp"
	OVK_FAULTS_KILL_LIBVIRTD=1 OVA_CONVERT="$dir/src/cli/ova-convert" OVK_BIN="$dir/src/cli" \
		OVK_SRC="$root" OVK_TMP="$dir/testtmp" OVK_SANITIZE=0 \
		bash tests/images/test_faults.sh 2>&1 | tee "$logdir/daemon.log" || rc=$?
	summary+=("libvirtd kill: $(tail -n 1 "$logdir/daemon.log")")
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || failed=1
}
daemon_kill

# deb: the Debian packages built from a clean clone, installed, checked
# and purged (tests/package/deb.sh; needs root, skipped otherwise).
debian_packages() {
	local rc=0
	if [ "${OVK_SKIP_DEB:-0}" = 1 ]; then
		summary+=("deb: skipped (OVK_SKIP_DEB=1)")
		return 0
	fi
	echo "==> [deb] tests/package/deb.sh"
	tests/package/deb.sh 2>&1 | tee "$logdir/deb.log" || rc=$?
	case $rc in
	0) summary+=("deb: $(grep -c '^ok' "$logdir/deb.log") checks passed ($(grep -m1 '^ok.*lintian' "$logdir/deb.log" | sed 's/^ok *- //'))") ;;
	77) summary+=("deb: skipped (needs root)") ;;
	*) summary+=("deb: FAILED ($(grep -c '^NOT OK' "$logdir/deb.log") checks)"); failed=1 ;;
	esac
}
debian_packages

if [ "${OVK_SKIP_FUZZ:-0}" = 1 ]; then
	summary+=("fuzz: skipped (OVK_SKIP_FUZZ=1)")
else
	echo "==> [fuzz] every target, bounded"
	if scripts/fuzz.sh --budget "${OVK_FUZZ_BUDGET:-240}" "" "${OVK_FUZZ_SECONDS:-20}" 2>&1 |
		tee "$logdir/fuzz.log"; then
		summary+=("fuzz: $(grep -E '^fuzz: ' "$logdir/fuzz.log" | tail -1 | sed 's/^fuzz: //')")
	else
		summary+=("fuzz: FAILED ($(grep -E '^fuzz: ' "$logdir/fuzz.log" | tail -1 | sed 's/^fuzz: //'))")
		failed=1
	fi
fi

echo
echo "==================== summary ===================="
printf '%s\n' "${summary[@]}"
echo "ctest: $n_pass passed, $n_fail failed, $n_skip skipped"
if [ "$failed" -ne 0 ]; then
	echo "scripts/test.sh: FAILED"
	exit 1
fi
echo "scripts/test.sh: all passed"
