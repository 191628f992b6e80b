#!/usr/bin/env bash
# test_badinput_cut_real_0.sh: shard 0 of 3 of badinput_cut_real.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_cut_real.sh" 0 3
