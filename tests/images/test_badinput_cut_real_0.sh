#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_badinput_cut_real_0.sh: shard 0 of 3 of badinput_cut_real.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_cut_real.sh" 0 3
