#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The three tools' shared manners (issue 17, item 3): -h/--help and
# -V/--version on each, one --version format ("NAME (ovakit) X.Y.Z" and a
# features line), error messages that list the valid values, long forms
# of the short options, counts in good grammar, a clear --overlay message,
# and ova-import's last line saying what to type next.  ova-import runs
# against libvirt's test driver (test:///default).
. "$(dirname "$0")/lib.sh"
need tar python3

IMPORT=$OVK_BIN/ova-import
BENCH=$OVK_BIN/ova-bench
URI=test:///default

# 1. -h/--help, -V/--version: exit 0, stdout only, one version format.
for tool in ova-convert ova-import ova-bench ova-export; do
	for opt in -h --help; do
		run "$OVK_BIN/$tool" "$opt"
		if [ "$RC" -eq 0 ] && [[ $OUT == *"Usage: $tool"* ]] && [[ $OUT == *"-h, --help"* ]] &&
			[[ $OUT == *"-V, --version"* ]] && [ -z "$ERR" ]; then
			ok "$tool $opt: usage naming -h/--help and -V/--version"
		else
			not_ok "$tool $opt" "exit $RC" "stderr: $ERR"
		fi
	done
	for opt in -V --version; do
		run "$OVK_BIN/$tool" "$opt"
		if [ "$RC" -eq 0 ] && [ -z "$ERR" ] &&
			[[ $(sed -n 1p <<<"$OUT") =~ ^$tool\ \(ovakit\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] &&
			[[ $(sed -n 2p <<<"$OUT") == "features: "*"read: "*"write: "* ]] &&
			[ "$(wc -l <<<"$OUT")" -eq 2 ]; then
			ok "$tool $opt: '$(head -1 <<<"$OUT")' and a features line"
		else
			not_ok "$tool $opt: NAME (ovakit) X.Y.Z, then features" "exit $RC" "$OUT" "$ERR"
		fi
	done
done
feat() { "$OVK_BIN/$1" --version | sed -n 2p; }
check "every tool reports the same features" \
	[ "$(feat ova-convert)" = "$(feat ova-import)" -a "$(feat ova-import)" = "$(feat ova-bench)" \
	-a "$(feat ova-bench)" = "$(feat ova-export)" ]

# 2. Usage errors list the valid values (exit 2).
lists() {  # lists DESC NEEDLE CMD...: exit 2, stderr holds NEEDLE
	local desc=$1 needle=$2
	shift 2
	run "$@"
	if [ "$RC" -eq 2 ] && [[ $ERR == *"$needle"* ]]; then ok "$desc ($ERR)"; else
		not_ok "$desc" "exit $RC" "stderr: $ERR"; fi
}
head -c 1M /dev/zero >"$T/in.raw"
lists "-O qcow lists the output formats" "one of: " "$OVA_CONVERT" -O qcow "$T/in.raw" "$T/o"
[[ $ERR == *qcow2* && $ERR == *vmdk* && $ERR == *raw* ]] && ok "... qcow2, raw and vmdk" ||
	not_ok "-O qcow names qcow2, raw and vmdk" "$ERR"
lists "-f vmdkk lists the input formats" "one of: qcow2, vmdk" "$OVA_CONVERT" -f vmdkk "$T/in.raw" "$T/o"
lists "--bus lists its choices" "one of: auto, keep, virtio" "$IMPORT" --bus scsi x.ova
lists "--firmware lists its choices" "one of: auto, bios, efi" "$IMPORT" --firmware uefi x.ova
lists "--format lists its choices" "one of: qcow2, raw" "$IMPORT" --format vmdk x.ova
lists "--overlay without OUTPUT says what is missing" "name the overlay to create" \
	"$OVA_CONVERT" --overlay "$T/in.raw"
check "... and writes nothing" [ ! -e "$T/o" ]

# 3. Long forms: ova-import --threads and --progress as -j and -p.
app=$OVK_SRC/tests/images/appliance/make_appliance.sh
bash "$app" "$T" tiny >/dev/null || die "cannot build the test appliance"
mkdir -p "$T/out"
run "$IMPORT" -c "$URI" --dir "$T/out" --threads 2 --progress "$T/tiny.ova"
check "ova-import --threads 2 --progress: exit 0 ($(tail -1 <<<"$ERR"))" [ "$RC" -eq 0 ]

# 4. Grammar: one socket, not "1 sockets"; and the next steps, last.
check "the summary counts one socket as '1 socket' ($(grep vCPU <<<"$OUT"))" \
	grep -q "cpu: 2 vCPUs -> 1 socket x 2 cores" <<<"$OUT"
check "no '1 <plural>' anywhere" bash -c '! grep -E "\b1 (socket|core|vCPU|disk|thread)s\b" <<<"$1"' \
	_ "$OUT$ERR"
last=$(tail -1 <<<"$OUT")
check "the last line says what to type next ($last)" \
	test "$last" = "next: virsh -c $URI start tiny && virsh -c $URI console tiny"

# 5. A network that is not defined is not to be "started".
rm -rf "$T/out" && mkdir -p "$T/out"
run "$IMPORT" -c "$URI" --dir "$T/out" --network nosuch "$T/tiny.ova"
if [ "$RC" -eq 0 ] && [[ $OUT == *"network nosuch is not defined: define it"* ]] &&
	[[ $OUT != *"start it before"* ]]; then
	ok "an undefined network: 'define it', not 'start it'"
else
	not_ok "an undefined network: 'define it', not 'start it'" "exit $RC" "$OUT" "$ERR"
fi
finish
