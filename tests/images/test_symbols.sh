#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_symbols.sh: libovakit exports ovk_* and nothing else (STYLE.md #12),
# every function the public header declares is really exported, each under
# the version node of cmake/ovakit.map, and the library's SONAME is
# libovakit.so.0.
#
# Allowed besides ovk_*: the linker's own markers (_init, _fini, _edata,
# _end, __bss_start), the version node itself (OVAKIT_*), and, in the
# sanitizer build only, what the ASan/UBSan instrumentation itself defines
# (__asan_*, __odr_asan_*, __ubsan_*, __sancov_*).
. "$(dirname "$0")/lib.sh"
need nm

lib=${OVK_LIB:-}
[ -n "$lib" ] && [ -f "$lib" ] || die "OVK_LIB=$lib is not the shared library"

nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$T/exported"
[ -s "$T/exported" ] || die "nm found no exported symbol in $lib"

allowed='^(ovk_.*|_init|_fini|_edata|_end|__bss_start|OVAKIT_.*)$'
if [ "$OVK_SANITIZE" = 1 ]; then
	allowed='^(ovk_.*|_init|_fini|_edata|_end|__bss_start|OVAKIT_.*|__asan_.*|___asan_.*|__odr_asan_.*|__ubsan_.*|__sancov_.*)$'
fi
stray=$(grep -Ev "$allowed" "$T/exported" || true)
if [ -z "$stray" ]; then
	ok "$(grep -c '^ovk_' "$T/exported") exported symbols, all ovk_*"
else
	not_ok "symbols without the ovk_ prefix are exported" $stray
fi

# Every OVK_API function of include/ovakit.h must be defined and exported.
declared=$(grep -oE 'OVK_API[^(]*\(' "$OVK_SRC/include/ovakit.h" |
	grep -oE 'ovk_[A-Za-z0-9_]+ *\($' | tr -d ' (' | sort -u)
[ -n "$declared" ] || die "found no OVK_API declaration in include/ovakit.h"
missing=$(comm -23 <(printf '%s\n' $declared) "$T/exported")
if [ -z "$missing" ]; then
	ok "all $(printf '%s\n' $declared | wc -l) OVK_API functions of ovakit.h are exported"
else
	not_ok "OVK_API functions declared in ovakit.h but not exported" $missing
fi

# The ABI's name and version (cmake/ovakit.map).
need readelf
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libovakit.so.0 ] && ok "SONAME is libovakit.so.0" ||
	not_ok "SONAME is '$soname', not libovakit.so.0"
node=$(sed -n 's/^\(OVAKIT_[0-9.]*\) {.*/\1/p' "$OVK_SRC/cmake/ovakit.map")
unversioned=$(nm -D --defined-only "$lib" | awk 'NF >= 3 && $3 ~ /^ovk_/ { print $3 }' |
	grep -v "@@$node\$" || true)
[ -n "$node" ] && [ -z "$unversioned" ] && ok "every ovk_ symbol is versioned $node" ||
	not_ok "ovk_ symbols outside the version node '$node'" $unversioned

finish
