#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/fuzz.sh: build the libFuzzer targets (tests/fuzz/fuzz_*.c) with
# clang + ASan + UBSan in build-fuzz/ and run them.
#
#   scripts/fuzz.sh [--merge] [--budget SECONDS] [TARGET] [SECONDS]
#
# TARGET: one target name (e.g. fuzz_vmdk); empty or absent: every target.
# SECONDS: run time per target (default 20).  --budget caps the total over
# all targets: each then gets min(SECONDS, budget / targets), at least 5 s.
#
# Every target first replays its corpus (tests/fuzz/corpus/TARGET/) and its
# regression inputs (tests/fuzz/regress/TARGET/, the crashes found so far),
# then fuzzes.  New corpus entries go to a scratch directory, not into the
# repository, unless --merge is given: then they are minimized into
# tests/fuzz/corpus/TARGET/ with -merge=1.  A crash, leak, timeout or OOM
# fails the run; its reproducer is kept in build-fuzz/artifacts/TARGET/.
#
# Environment: OVK_FUZZ_DIR (the build tree, default PREFIX-fuzz: see
# scripts/lib/deps.sh), OVK_FUZZ_ARGS (extra libFuzzer flags).  The last
# line ("fuzz: ...") gives the targets, the seconds, the total executions
# and the findings; scripts/test.sh and the README quote it.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
root=$(ovk_repo_root)
cd "$root"

fuzzdir=${OVK_FUZZ_DIR:-$OVK_BUILD_PREFIX-fuzz}
merge=0
budget=0
while [ $# -gt 0 ]; do
	case $1 in
	--merge) merge=1; shift ;;
	--budget) budget=$2; shift 2 ;;
	-h|--help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
only=${1:-}
seconds=${2:-20}

targets=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	t=$(basename "$src" .c)
	[ -z "$only" ] || [ "$only" = "$t" ] && targets+=("$t")
done
if [ ${#targets[@]} -eq 0 ]; then
	if [ -n "$only" ]; then
		echo "fuzz.sh: no target named $only (tests/fuzz/$only.c)" >&2
		exit 2
	fi
	echo "fuzz: no targets yet (tests/fuzz/fuzz_*.c), skipped"
	exit 0
fi

if [ "$budget" -gt 0 ]; then
	share=$((budget / ${#targets[@]}))
	[ "$share" -lt 5 ] && share=5
	[ "$share" -lt "$seconds" ] && seconds=$share
fi

ovk_install_deps
echo "==> building ${#targets[@]} fuzz target(s) in $fuzzdir/ (clang, ASan+UBSan)"
CC=clang cmake -S . -B "$fuzzdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVK_FUZZ=ON >/dev/null
cmake --build "$fuzzdir" -j"$(nproc)" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/ovk-fuzz.XXXXXX")
started=$SECONDS
trap 'rm -rf "$work"' EXIT
total_runs=0
bad=()
for t in "${targets[@]}"; do
	bin=$fuzzdir/tests/fuzz/$t
	corpus=tests/fuzz/corpus/$t
	regress=tests/fuzz/regress/$t
	art=$fuzzdir/artifacts/$t
	rm -rf "$art"   # reproducers of an earlier run are not this run's
	mkdir -p "$corpus" "$work/$t" "$art"
	dirs=("$work/$t" "$corpus")   # libFuzzer writes new units into the first
	[ -d "$regress" ] && dirs+=("$regress")
	echo "==> $t: ${seconds}s, corpus $(find "$corpus" -type f | wc -l) file(s)"
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" ${OVK_FUZZ_ARGS:-} "${dirs[@]}" \
		>"$work/$t.log" 2>&1; then
		bad+=("$t")
		tail -n 60 "$work/$t.log"
		echo "==> $t FAILED; reproducer(s) in $art/:"
		ls -l "$art"
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
	echo "    $t: ${runs:-?} runs, $(find "$work/$t" -type f | wc -l) new unit(s)"
	total_runs=$((total_runs + ${runs:-0}))
	if [ "$merge" = 1 ]; then
		"$bin" -merge=1 "$corpus" "$work/$t" >"$work/$t.merge.log" 2>&1
		echo "    merged into $corpus: now $(find "$corpus" -type f | wc -l) file(s)"
	fi
done

if [ ${#bad[@]} -gt 0 ]; then
	echo "fuzz: ${#bad[@]} of ${#targets[@]} target(s) found a problem: ${bad[*]}" \
		"($((SECONDS - started))s, $total_runs runs in the others)"
	exit 1
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds}s each ($((SECONDS - started))s in all)," \
	"$total_runs runs, no findings"
