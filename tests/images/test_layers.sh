#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# STYLE.md #0: the layers go core -> formats -> engine -> ova -> guest -> virt
# (novirt in a build without libvirt) -> cli, and no layer includes one
# above it; formats never include each other; the CLI sees only the public
# header.  util (the XML doors) sits on
# core alone and serves ova, guest and virt, never core, the formats or the
# engine.  STYLE.md #5: libxml2 is included by util's two doors and nowhere
# else.  Checked on the sources, so a new include that breaks a rule fails
# here rather than in review.
. "$(dirname "$0")/lib.sh"

# allowed[DIR]: the src/ directories DIR may include from (besides itself).
# A directory that does not exist yet (guest) is skipped.
declare -A allowed=(
	[core]=""
	[util]="core"
	[raw]="core" [vmdk]="core" [qcow2]="core" [vhd]="core" [vhdx]="core" [vdi]="core"
	[known]="core"
	[engine]="core"
	[ova]="core engine util"
	[guest]="core engine ova util"
	[virt]="core engine ova guest util"
	[novirt]="core engine ova guest util"
)
for dir in "${!allowed[@]}"; do
	[ -d "$OVK_SRC/src/$dir" ] || continue
	bad=()
	while IFS= read -r line; do
		file=${line%%:*}
		inc=$(sed -E 's/.*#include "([a-z]+)\/.*/\1/' <<<"$line")
		[ "$inc" = "$dir" ] && continue
		[[ " ${allowed[$dir]} " == *" $inc "* ]] || bad+=("$file includes $inc/")
	done < <(grep -H '#include "[a-z]*/' "$OVK_SRC/src/$dir"/*.[ch] 2>/dev/null || true)
	if [ ${#bad[@]} -eq 0 ]; then ok "src/$dir includes only ${allowed[$dir]:-nothing above it}"
	else not_ok "src/$dir includes a layer it must not" "${bad[@]}"; fi
done
xml_users=$(grep -rlE '#include <libxml/' "$OVK_SRC"/src | sed "s|^$OVK_SRC/||" | sort | tr '\n' ' ')
[ "$xml_users" = "src/util/xml.c src/util/xmlw.c " ] &&
	ok "libxml2 is included only by src/util/xml.c and src/util/xmlw.c" ||
	not_ok "libxml2 is included outside the XML doors" "$xml_users"
cli_bad=$(grep -H '#include "' "$OVK_SRC"/src/cli/*.[ch] | grep -Ev '"(ovakit|clicommon|bench)\.h"' || true)
[ -z "$cli_bad" ] && ok "src/cli includes only the public header" ||
	not_ok "src/cli includes library internals" "$cli_bad"
finish
