#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/spdx.sh: the SPDX-License-Identifier line of every tracked source,
# header, script and CMake file (LICENSE: LGPL-2.1-or-later).
#
#   scripts/spdx.sh           add the line where it is missing
#   scripts/spdx.sh --check   list the files without it; exit 1 if any
#
# Where the line goes: C, headers and linker scripts (*.c, *.h, *.map):
# "/* SPDX-... */" as the first line.  Shell, Python, CMake, pkg-config
# templates, bash completion and anything with a shebang: "# SPDX-..." as
# the first line, or the second after the shebang.  Man page sources
# (man/*.in): '.\" SPDX-...' first.  Test data (tests/fuzz/corpus,
# tests/fuzz/regress, tests/golden, images, OVF templates) is not code and
# carries none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ID='SPDX-License-Identifier: LGPL-2.1-or-later'
check=0
[ "${1:-}" = --check ] && check=1

# style FILE: c, hash, roff, or nothing for a file that carries no line.
style() {
	case $1 in
	tests/fuzz/corpus/* | tests/fuzz/regress/* | tests/golden/*) return ;;
	*.c | *.h | *.map) echo c ;;
	*.sh | *.py | *.bash | *.cmake | *CMakeLists.txt | *.cmake.in | *.pc.in | debian/rules) echo hash ;;
	man/*.in) echo roff ;;
	*) [ "$(head -c 2 "$1")" != '#!' ] || echo hash ;;
	esac
}

missing=0
while IFS= read -r f; do
	[ -f "$f" ] || continue
	s=$(style "$f")
	[ -n "$s" ] || continue
	case $(head -n 2 "$f") in *"$ID"*) continue ;; esac
	if [ "$check" = 1 ]; then
		echo "$f"
		missing=$((missing + 1))
		continue
	fi
	case $s in
	c) line="/* $ID */" ;;
	hash) line="# $ID" ;;
	roff) line=".\\\" $ID" ;;
	esac
	if [ "$(head -c 2 "$f")" = '#!' ]; then
		{ head -n 1 "$f"; printf '%s\n' "$line"; tail -n +2 "$f"; } >"$f.spdx"
	else
		{ printf '%s\n' "$line"; cat "$f"; } >"$f.spdx"
	fi
	chmod --reference="$f" "$f.spdx"
	mv "$f.spdx" "$f"
	echo "spdx: $f"
done < <(git ls-files)
[ "$check" = 0 ] || [ "$missing" -eq 0 ] || {
	echo "spdx.sh: $missing files lack '$ID' (scripts/spdx.sh adds it)" >&2
	exit 1
}
