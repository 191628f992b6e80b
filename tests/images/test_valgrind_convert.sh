#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_valgrind_convert.sh: the convert part of valgrind.sh.
. "$(dirname "${BASH_SOURCE[0]}")/valgrind.sh" convert
