# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/package/help_options.sh: the options a tool's --help lists, and the
# options a man page's .TP tags list, one per line (sourced by test_man.sh).
#
# --help: the lines after the usage block (its first blank line) that start
# with blanks and a dash; of each, the option spec before the description
# (two blanks, or a word that is neither an option nor a METAVAR).
help_options() {
	awk 'seen && /^[ \t]+-/ { print } /^$/ { seen = 1 }' | while IFS= read -r line; do
		spec=$(sed -E 's/^[[:space:]]+//; s/  .*//' <<<"$line")
		for w in ${spec//,/ }; do
			case $w in
			-*) printf '%s\n' "${w%%=*}" ;;
			*[a-z]*) break ;;   # the description, after one blank
			esac
		done
	done | sort -u
}

# man: the tag line after each .TP, with \- made -, and every -x or --long
# in it (the tag names an option, its arguments and alternatives).
man_options() {
	awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' |
		sed 's/\\-/-/g; s/\\f[BIRP]//g' |
		grep -oE '(^|[ "])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed 's/^[ "]//' | sort -u
}
