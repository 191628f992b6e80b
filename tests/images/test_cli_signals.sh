#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_cli_signals.sh: SIGINT / SIGTERM during a conversion (issue 2).
#
# ova-convert must notice the signal, cancel the pipeline, remove its temp
# output and exit by itself with 130 (SIGINT) or 143 (SIGTERM): a process
# killed by the signal's default action would leave the temp file behind.
#
# To make this deterministic rather than a race against a fast conversion,
# the driver (fault_at.py) waits until ova-convert has written its first
# MiB, stops it (SIGSTOP), queues the signal, and resumes it (SIGCONT): the
# signal then always arrives in the middle of the copy.  stderr must be the
# one line saying so (with -p, progress lines may come first).
. "$(dirname "$0")/lib.sh"
need python3

# 1 GiB of non-zero data (one random MiB repeated): zero detection cannot
# skip it, and it is quick to make.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/big.raw" repeat 1024 || die "cannot make big.raw"

for case in "SIGINT 130" "SIGTERM 143" "SIGINT 130 -j 1" "SIGTERM 143 -p"; do
	rm -rf "$T/out" && mkdir -p "$T/out"
	# shellcheck disable=SC2086  # the case is split on purpose
	set -- $case
	lines=1
	[ "${3:-}" = -p ] && lines=any   # progress lines may come before the signal
	if msg=$(python3 "$OVK_SRC/tests/images/fault_at.py" signal="$1" expect="$2" \
		lines=$lines watch="$T/out" patience=60 \
		-- "$OVA_CONVERT" "${@:3}" "$T/big.raw" "$T/out/o.raw"); then
		ok "$case during a 1 GiB conversion: ${msg#ok: }"
	else
		not_ok "$case during a 1 GiB conversion" "$msg"
	fi
done

finish
