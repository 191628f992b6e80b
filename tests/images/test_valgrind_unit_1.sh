#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_valgrind_unit_1.sh: shard 1 of 2 of the unit part of valgrind.sh.
. "$(dirname "${BASH_SOURCE[0]}")/valgrind.sh" unit 1 2
