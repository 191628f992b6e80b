#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_ova_dialects.sh: XenServer's and oVirt's OVFs (issue 13, items 3 and 4).
# A XenCenter-style export declares encoding="utf-16" over UTF-8 bytes and
# puts its disk in a ResourceType 19 Item with no controller: it converts,
# identical to its source (qemu-img compare), with a warning for each, and
# ova-import places the disk on the machine's default controller.  An
# oVirt-style export (trailing-slash namespace, GiB sizes, "group/image"
# paths, sockets x cores) converts and imports the same way.
. "$(dirname "$0")/lib.sh"
need python3
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"

mkdir -p "$T/xen" "$T/ovirt" "$T/out"
make_sparse "$T/sys.raw" 4M 0:1 2:2 || die "cannot make a disk"
qemu-img convert -q -f raw -O qcow2 "$T/sys.raw" "$T/xen/sys.qcow2" || die "qemu-img convert"
python3 "$OVK_SRC/tests/images/producer_ovf.py" xen "$T/xen" || die "cannot write the OVF"

# 1. XenServer.
run "$OVA_CONVERT" "$T/xen/xen.ovf" "$T/out"
check "the XenServer OVF converts (rc $RC: $ERR)" [ "$RC" -eq 0 ]
# "Café" kept to safe characters: each byte of the é becomes '_'.
check "the disk is identical" compare_images "$T/sys.raw" "$T/out/Caf__-vdi0.qcow2" raw qcow2
check "the encoding is a warning" grep -q "warning: .*encoding 'utf-16', but the bytes are 8-bit" <<<"$ERR"
rm -f "$T/out"/*
run "$IMPORT" -c test:///default --dir "$T/out" --print-xml "$T/xen/xen.ovf"
check "ova-import --print-xml maps it (rc $RC)" [ "$RC" -eq 0 ]
check "the disk is on the default IDE bus" grep -q "<target dev=\"hda\" bus=\"ide\"/>" <<<"$OUT"
check "its missing controller is a warning" grep -q "names no controller" <<<"$ERR"

# 2. oVirt: the volume is qcow2 at IMG/VOL.
vol=$(python3 "$OVK_SRC/tests/images/producer_ovf.py" ovirt "$T/ovirt") || die "cannot write the OVF"
mkdir -p "$T/ovirt/$(dirname "$vol")"
qemu-img convert -q -f raw -O qcow2 "$T/sys.raw" "$T/ovirt/$vol" || die "qemu-img convert"
qemu-img resize -q "$T/ovirt/$vol" 1G || die "qemu-img resize"
qemu-img convert -q -f qcow2 -O raw "$T/ovirt/$vol" "$T/ovirt.raw" || die "qemu-img convert"
run "$OVA_CONVERT" "$T/ovirt/ovirt.ovf" "$T/out"
check "the oVirt OVF converts (rc $RC: $ERR)" [ "$RC" -eq 0 ]
out=$(ls "$T/out"/rhvvm-*.qcow2 2>/dev/null)
check "the disk is identical" compare_images "$T/ovirt.raw" "$out" raw qcow2
rm -f "$T/out"/*
run "$OVA_CONVERT" --info --json "$T/ovirt/ovirt.ovf"
check "--info reads sockets x cores and the GiB size" python3 -c '
import json, sys
vs = json.loads(sys.argv[1])["virtual-systems"][0]
assert (vs["cpus"], vs["cores-per-socket"], vs["memory"]) == (4, 2, 1 << 30), vs
assert vs["os-type"] == "rhel_8x64", vs
assert vs["drives"][0]["capacity"] == 1 << 30, vs["drives"]
' "$OUT"
run "$IMPORT" -c test:///default --dir "$T/out" "$T/ovirt/ovirt.ovf"
check "ova-import imports it (rc $RC: $ERR)" [ "$RC" -eq 0 ]
out=$(ls "$T/out"/* 2>/dev/null | head -1)
check "the imported disk is identical" compare_images "$T/ovirt.raw" "$out" raw qcow2
finish
