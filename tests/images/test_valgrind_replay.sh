#!/usr/bin/env bash
# test_valgrind_replay.sh: the replay part of valgrind.sh.
. "$(dirname "${BASH_SOURCE[0]}")/valgrind.sh" replay
