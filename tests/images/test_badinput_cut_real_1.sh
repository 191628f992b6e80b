#!/usr/bin/env bash
# test_badinput_cut_real_1.sh: shard 1 of 3 of badinput_cut_real.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_cut_real.sh" 1 3
