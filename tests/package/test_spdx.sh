#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_spdx.sh: every tracked source, header, script and CMake file carries
# the SPDX-License-Identifier line of LICENSE (scripts/spdx.sh --check,
# which also says where the line goes), and LICENSE is the LGPL 2.1 text.
. "$OVK_SRC/tests/images/lib.sh"
need git
git -C "$OVK_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
	skip_all "$OVK_SRC is not a git checkout: no list of tracked files"

if out=$("$OVK_SRC/scripts/spdx.sh" --check 2>&1); then
	ok "every tracked source, script and CMake file has its SPDX line"
else
	not_ok "files without the SPDX line" $out
fi
grep -q 'GNU LESSER GENERAL PUBLIC LICENSE' "$OVK_SRC/LICENSE" &&
	grep -q 'Version 2.1, February 1999' "$OVK_SRC/LICENSE" &&
	ok "LICENSE is the LGPL 2.1" || not_ok "LICENSE is not the LGPL 2.1 text"
finish
