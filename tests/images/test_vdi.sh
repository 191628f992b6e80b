#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vdi.sh: VDI input (issue 13 item 6), judged by qemu-img.
#
#   - dynamic (static=off) and fixed (static=on) images qemu-img writes, at
#     sizes that are not whole 1 MiB blocks (1 MiB + 512, 2048 bytes, data
#     and holes over several blocks), convert to raw and qcow2: identical
#     per qemu-img compare, sizes equal, qcow2 clean;
#   - a disk size that is not a whole sector (VBoxManage convertfromraw
#     writes them) reads as qemu-img reads it: rounded up to a sector;
#   - discarded blocks (map entry ~1) read as zeros, as in qemu-img.
. "$(dirname "$0")/lib.sh"
need python3

. "$OVK_SRC/tests/images/vfmt_lib.sh"
vfmt_disks

converts_each vdi vdi static=off static=on

# disk_size 2000 (not a sector) in a copy of small's: qemu-img says 2048.
python3 "$OVK_SRC/tests/images/vdi_poke.py" "$T/small-static-off.vdi" "$T/odd.vdi" disk_size=2000 ||
	die "vdi_poke.py"
converts "disk size 2000 (rounded up as qemu-img does)" "$T/odd.vdi" vdi
python3 "$OVK_SRC/tests/images/vdi_poke.py" "$T/pieces-static-off.vdi" "$T/discard.vdi" \
	map1=0xfffffffe map6=0xfffffffe || die "vdi_poke.py"
converts "discarded blocks read as zeros" "$T/discard.vdi" vdi
finish
