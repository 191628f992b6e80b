# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/images/vfmt_lib.sh: what test_vhd.sh, test_vhdx.sh and test_vdi.sh
# share (sourced after lib.sh, not run).

# vfmt_disks: the raw disks every format is written from, at sizes that are
# no whole block of any of them: $T/pieces.raw (data, written zeros, 300
# bytes, text and holes over 7 MiB + 512), $T/mib.raw (1 MiB + 512) and
# $T/small.raw (2048 bytes).
vfmt_disks() {
	local mk=$OVK_SRC/tests/images/make_disk.py
	python3 "$mk" "$T/pieces.raw" pieces --seed 3 0:100K:data 100K:900K:zero \
		1024000:300:data 3M:1M:text 6M:1049088:data || die "cannot make pieces.raw"
	python3 "$mk" "$T/mib.raw" pieces --size 1049088 --seed 4 0:4K:data 1048576:512:data ||
		die "cannot make mib.raw"
	python3 "$mk" "$T/small.raw" pieces --seed 5 0:2048:text || die "cannot make small.raw"
}

# converts DESC IMAGE FMT [REF REF-FMT]: IMAGE to raw and to qcow2, each
# identical to REF (default: IMAGE as qemu-img reads it as FMT) with the
# same virtual size, the qcow2 clean per qemu-img check.
converts() {
	local desc=$1 img=$2 fmt=$3 ref=${4:-$2} rf=${5:-$3} o
	for o in raw qcow2; do
		rm -f "$T/out.$o"
		run "$OVA_CONVERT" -O "$o" "$img" "$T/out.$o"
		if [ "$RC" -ne 0 ]; then
			not_ok "$desc -> $o" "exit $RC: $ERR"
		elif ! compare_images "$ref" "$T/out.$o" "$rf" "$o" >/dev/null; then
			not_ok "$desc -> $o: differs per qemu-img compare" \
				"$(compare_images "$ref" "$T/out.$o" "$rf" "$o")"
		elif [ "$o" = qcow2 ] && ! qemu-img check -q "$T/out.qcow2"; then
			not_ok "$desc -> qcow2: qemu-img check"
		else
			ok "$desc -> $o: identical ($(virtual_size "$ref" "$rf") bytes)"
		fi
	done
}

# converts_each QEMU-FMT EXT OPTS...: each vfmt_disks disk, written by
# qemu-img as QEMU-FMT with each -o OPTS to $T/DISK-OPTS.EXT (OPTS with
# '=' and ',' as '-'), converts as qemu-img reads it.
converts_each() {
	local fmt=$1 ext=$2 src opts img
	shift 2
	for src in pieces mib small; do
		for opts in "$@"; do
			img=$T/$src-${opts//[=,]/-}.$ext
			qemu-img convert -f raw -O "$fmt" -o "$opts" "$T/$src.raw" "$img" ||
				die "qemu-img could not write $img"
			converts "$src.raw as $fmt $opts" "$img" "$fmt"
		done
	done
}

# diff_child FORMAT CHILD EXPECT [vfmt_diff.py options]: a differencing vhd
# or vhdx CHILD over $T/base.FORMAT (whose guest contents are
# $T/base.out), and the raw disk EXPECT it must read as.
diff_child() {
	local fmt=$1 child=$2 exp=$3
	shift 3
	python3 "$OVK_SRC/tests/images/vfmt_diff.py" "$fmt" "$T/base.$fmt" "$child" "$exp" \
		--parent-raw "$T/base.out" "$@" || die "vfmt_diff.py $*"
}
