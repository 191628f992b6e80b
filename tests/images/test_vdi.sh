#!/usr/bin/env bash
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

mk=$OVK_SRC/tests/images/make_disk.py
python3 "$mk" "$T/pieces.raw" pieces --seed 3 0:100K:data 100K:900K:zero 1024000:300:data \
	3M:1M:text 6M:1049088:data || die "cannot make pieces.raw"
python3 "$mk" "$T/mib.raw" pieces --size 1049088 --seed 4 0:4K:data 1048576:512:data ||
	die "cannot make mib.raw"
python3 "$mk" "$T/small.raw" pieces --seed 5 0:2048:text || die "cannot make small.raw"

converts() {  # converts DESC IMAGE: to raw and qcow2, as qemu-img reads IMAGE
	local desc=$1 img=$2 o
	for o in raw qcow2; do
		rm -f "$T/out.$o"
		run "$OVA_CONVERT" -O "$o" "$img" "$T/out.$o"
		if [ "$RC" -ne 0 ]; then
			not_ok "$desc -> $o" "exit $RC: $ERR"
		elif ! compare_images "$img" "$T/out.$o" vdi "$o" >/dev/null; then
			not_ok "$desc -> $o: differs per qemu-img compare"
		elif [ "$o" = qcow2 ] && ! qemu-img check -q "$T/out.qcow2"; then
			not_ok "$desc -> qcow2: qemu-img check"
		else
			ok "$desc -> $o: identical ($(virtual_size "$img" vdi) bytes)"
		fi
	done
}

for src in pieces mib small; do
	for static in off on; do
		img=$T/$src-static-$static.vdi
		qemu-img convert -f raw -O vdi -o static=$static "$T/$src.raw" "$img" ||
			die "qemu-img could not write $img"
		converts "$src.raw as vdi static=$static" "$img"
	done
done

# disk_size 2000 (not a sector) in a copy of small's: qemu-img says 2048.
python3 "$OVK_SRC/tests/images/vdi_poke.py" "$T/small-static-off.vdi" "$T/odd.vdi" disk_size=2000 ||
	die "vdi_poke.py"
converts "disk size 2000 (rounded up as qemu-img does)" "$T/odd.vdi"
python3 "$OVK_SRC/tests/images/vdi_poke.py" "$T/pieces-static-off.vdi" "$T/discard.vdi" \
	map1=0xfffffffe map6=0xfffffffe || die "vdi_poke.py"
converts "discarded blocks read as zeros" "$T/discard.vdi"
finish
