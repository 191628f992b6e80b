#!/usr/bin/env bash
# test_valgrind_convert.sh: the convert part of valgrind.sh.
. "$(dirname "${BASH_SOURCE[0]}")/valgrind.sh" convert
