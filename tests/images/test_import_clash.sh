#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_clash.sh: every disk name of every VM is checked before the
# first byte is written (issue 16, defects 4 and 5), as an attacker lays
# the OVF out (multi_vm_ovf.py): two VMs whose disks the naming rule gives
# one name, and one Disk that two VMs attach.  Each is refused with exit 1
# and a message naming both, with and without --replace, into --dir and
# with --print-xml, and nothing is written.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need python3
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
qemu-img create -q -f vmdk "$T/d1.vmdk" 1M
qemu-img create -q -f vmdk "$T/d2.vmdk" 1M
mkdir "$T/out"

for mode in clash shared; do
	python3 "$OVK_SRC/tests/images/multi_vm_ovf.py" "$mode" >"$T/$mode.ovf"
	case $mode in
	clash) want="would both be named a-b-c.qcow2" ;;
	shared) want="disk d is attached by virtual systems x and y" ;;
	esac
	for extra in "" --replace --print-xml; do
		run "$IMPORT" -c test:///default --dir "$T/out" $extra "$T/$mode.ovf"
		if [ "$RC" -eq 1 ] && grep -qF "$want" <<<"$ERR" && [ -z "$(ls -A "$T/out")" ]; then
			ok "$mode ${extra:-(plain)}: refused before anything is written ($ERR)"
		else
			not_ok "$mode ${extra:-(plain)}: refused before anything is written" \
				"exit $RC" "stderr: $ERR" "out: $(ls -A "$T/out")"
		fi
	done
done

finish
