#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_deb_symbols.sh: debian/libovakit0.symbols lists exactly the symbols
# libovakit exports (each ovk_ function and the version node), so a new
# public function cannot reach the package without the version that
# brought it (README, "ABI"), and a removed one is seen as the ABI break it
# is.
. "$OVK_SRC/tests/images/lib.sh"
need nm
lib=${OVK_LIB:-}
[ -f "$lib" ] || die "OVK_LIB=$lib is not the shared library"
[ "$OVK_SANITIZE" = 1 ] && skip_all "checked in the plain build"

nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | grep -E '^(ovk_|OVAKIT_)' |
	sed 's/@@/@/; s/^\(OVAKIT_[0-9.]*\)$/\1@\1/' | sort -u >"$T/lib"
sed -n 's/^ \([^ ]*\) .*/\1/p' "$OVK_SRC/debian/libovakit0.symbols" | sort -u >"$T/deb"
new=$(comm -23 "$T/lib" "$T/deb" | tr '\n' ' ')
gone=$(comm -13 "$T/lib" "$T/deb" | tr '\n' ' ')
[ -z "$new" ] && ok "every exported symbol ($(wc -l <"$T/lib")) is in debian/libovakit0.symbols" ||
	not_ok "exported but not in debian/libovakit0.symbols (add them with the version that brings them): $new"
[ -z "$gone" ] && ok "every symbol of debian/libovakit0.symbols is exported" ||
	not_ok "in debian/libovakit0.symbols but no longer exported (an ABI break: README, ABI): $gone"
finish
