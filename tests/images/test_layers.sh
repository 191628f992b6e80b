#!/usr/bin/env bash
# STYLE.md #0: the layers go core -> formats -> engine -> ova -> virt -> cli,
# and no layer includes one above it; formats never include each other; the
# CLI sees only the public header.  Checked on the sources, so a new include
# that breaks the rule fails here rather than in review.
. "$(dirname "$0")/lib.sh"

# allowed[DIR]: the src/ directories DIR may include from (besides itself).
declare -A allowed=(
	[core]=""
	[raw]="core" [vmdk]="core" [qcow2]="core"
	[engine]="core"
	[ova]="core engine"
	[virt]="core engine ova"
)
for dir in "${!allowed[@]}"; do
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
cli_bad=$(grep -H '#include "' "$OVK_SRC"/src/cli/*.[ch] | grep -Ev '"(ovakit|clicommon|bench)\.h"' || true)
[ -z "$cli_bad" ] && ok "src/cli includes only the public header" ||
	not_ok "src/cli includes library internals" "$cli_bad"
finish
