#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_man.sh: every installed tool has a man page, every option of its
# --help is in the page and every option the page describes is in --help,
# and each page (ovakit(3) too) renders without a warning.  The tools are
# those `cmake --install` put in OVK_STAGE/bin, so a new tool, or a new
# option on one side only, fails here until the other side has it.
. "$OVK_SRC/tests/images/lib.sh"
. "$OVK_SRC/tests/package/help_options.sh"
need groff
need man

S=${OVK_STAGE:?the staged install, from the ctest fixture package.stage}
[ -d "$S/bin" ] || die "no $S/bin: the install was not staged"
export LD_LIBRARY_PATH=$(dirname "$(find "$S" -name 'libovakit.so*' | head -1)")

# render PAGE: groff's warnings (-ww) and man's own, none expected.
render() {
	local page=$1 w
	w=$( { groff -man -ww -z -t "$page"; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null; } 2>&1)
	[ -z "$w" ] && ok "${page##*/} renders without warnings" ||
		not_ok "${page##*/} renders with warnings" "$w"
}

n=0
for tool in "$S"/bin/*; do
	name=${tool##*/}
	n=$((n + 1))
	page=$S/share/man/man1/$name.1
	if [ ! -f "$page" ]; then
		not_ok "$name has no man page ($page)"
		continue
	fi
	render "$page"
	"$tool" --help | help_options >"$T/$name.help" || true
	man_options <"$page" >"$T/$name.man"
	[ -s "$T/$name.help" ] || { not_ok "$name --help lists no option"; continue; }
	only_help=$(comm -23 "$T/$name.help" "$T/$name.man" | tr '\n' ' ')
	only_man=$(comm -13 "$T/$name.help" "$T/$name.man" | tr '\n' ' ')
	[ -z "$only_help" ] && ok "$name: all $(wc -l <"$T/$name.help") options of --help are in $name(1)" ||
		not_ok "$name: options in --help but not in $name(1): $only_help"
	[ -z "$only_man" ] && ok "$name: every option of $name(1) is in --help" ||
		not_ok "$name: options in $name(1) but not in --help: $only_man"
done
[ "$n" -gt 0 ] || not_ok "no tool installed in $S/bin"

page=$S/share/man/man3/ovakit.3
if [ -f "$page" ]; then
	render "$page"
	# Every entry point of the public header is in ovakit(3).
	missing=$(grep -ohE 'OVK_API[^(]*\(' "$S"/include/ovakit*.h | grep -oE 'ovk_[a-z0-9_]+ *\($' |
		tr -d ' (' | sort -u | while read -r f; do grep -q "$f" "$page" || echo "$f"; done)
	[ -z "$missing" ] && ok "ovakit(3) names every OVK_API function" ||
		not_ok "ovakit(3) lacks" $missing
else
	not_ok "no ovakit(3) installed"
fi
finish
