#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_valgrind_replay.sh: the replay part of valgrind.sh.
. "$(dirname "${BASH_SOURCE[0]}")/valgrind.sh" replay
