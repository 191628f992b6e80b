#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's examples cannot rot (issue 17, item 9): every fenced block
# tagged ```sh test is run, line by line, in a scratch directory holding
# the test appliance as appliance.ova, with the tools on PATH; each line
# must exit 0.
. "$(dirname "$0")/lib.sh"
need tar python3

app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
mkdir -p "$T/run/vms"
cp "$T/src/tiny.ova" "$T/run/appliance.ova"
python3 - "$OVK_SRC/README.md" >"$T/lines" <<'PY'
import sys
block = False
for line in open(sys.argv[1]):
    s = line.rstrip("\n")
    if s.startswith("```"):
        block = s.strip() == "```sh test" if not block else False
        continue
    if block and s.strip() and not s.lstrip().startswith("#"):
        print(s)
PY
[ -s "$T/lines" ] || die "the README has no \`\`\`sh test block"
while IFS= read -r line; do
	(cd "$T/run" && PATH=$OVK_BIN:$PATH timeout 300 bash -c "$line") >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "README: $line"; else
		not_ok "README: $line" "exit $rc" "$(tail -3 "$T/.err")"; fi
done <"$T/lines"
finish
