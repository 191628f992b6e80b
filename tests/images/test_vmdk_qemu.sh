#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vmdk_qemu.sh: every VMDK subformat qemu-img writes reads back exactly
# (issue 3), judged by qemu-img compare against the raw source.
#
#   - monolithicSparse, streamOptimized, monolithicFlat, twoGbMaxExtentSparse,
#     twoGbMaxExtentFlat and monolithicSparse with zeroed_grain=on;
#   - at 4 sectors, 1 MiB + 512 B and 196 KiB (3 grains and a partial one,
#     both with zero runs inside the data) and 3 GiB mostly holes with data
#     at both ends and in the middle (twoGbMaxExtent* then spans two extent
#     files);
#   - to raw and to qcow2 (qemu-img check must be clean);
#   - streamOptimized also read as a forward-only stream (no mmap), as in a
#     compressed OVA: each size in a gzip OVA;
#   - streamOptimized with a 3 GiB capacity stays within 64 MiB of RSS;
#   - --info --json names the create type, grain size and extents;
#   - an image with real zeroed grains (GTE=1, written by qemu-io).
. "$(dirname "$0")/lib.sh"
need python3 truncate dd

SUBFORMATS="monolithicSparse streamOptimized monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat zeroed"
RSS_LIMIT_KIB=$((64 * 1024))

head -c 2048 /dev/urandom >"$T/tiny.raw"
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/odd.raw" zero-runs $(((1 << 20) + 512)) --seed 3 &&
	python3 "$OVK_SRC/tests/images/make_disk.py" "$T/short.raw" zero-runs $((3 * 65536 + 4096)) \
		--seed 4 --first 65536 || die "cannot make odd.raw and short.raw"
make_sparse "$T/big.raw" 3G 0:1 1536:1 3071:1 || die "cannot make big.raw"

# make_vmdk RAW SUBFORMAT DIR: qemu-img writes the VMDK; prints its path.
make_vmdk() {
	local raw=$1 sf=$2 dir=$3 opts
	opts="subformat=$sf"
	[ "$sf" = zeroed ] && opts="subformat=monolithicSparse,zeroed_grain=on"
	mkdir -p "$dir"
	qemu-img convert -q -f raw -O vmdk -o "$opts" "$raw" "$dir/disk.vmdk" || return 1
	echo "$dir/disk.vmdk"
}

# stream_ok R VMDK: the streamOptimized VMDK, wrapped in a gzip OVA
# (make_tar_seeds.py), is read as a forward-only stream and gives R.raw.
stream_ok() {
	local g=$T/gz
	rm -rf "$g" && mkdir -p "$g/out"
	python3 "$OVK_SRC/tests/fuzz/make_tar_seeds.py" "$g" "$2" gzip || die "cannot wrap $2 in an OVA"
	run "$OVA_CONVERT" -O raw "$g/gzip.ova" "$g/out"
	if [ "$RC" -ne 0 ]; then
		not_ok "$1 streamOptimized in a gzip OVA -> raw" "exit $RC" "stderr: $ERR"
	elif cmp=$(compare_raw "$T/$1.raw" "$g/out/s-vmdisk1.raw" 2>&1); then
		ok "$1 streamOptimized in a gzip OVA (a forward-only stream) -> raw: identical per qemu-img compare"
	else
		not_ok "$1 streamOptimized in a gzip OVA -> raw" "qemu-img compare: $cmp"
	fi
	rm -rf "$g"
}

for r in tiny odd short big; do
	for sf in $SUBFORMATS; do
		dir="$T/$r-$sf"
		vmdk=$(make_vmdk "$T/$r.raw" "$sf" "$dir") || { not_ok "$r $sf: qemu-img could not write it"; continue; }
		rm -f "$T/o.raw"
		peak_rss "$OVA_CONVERT" -O raw "$vmdk" "$T/o.raw"
		if [ "$RC" -ne 0 ]; then
			not_ok "$r $sf -> raw" "exit $RC" "stderr: $ERR"
		elif cmp=$(compare_raw "$T/$r.raw" "$T/o.raw" 2>&1); then
			ok "$r $sf -> raw: identical per qemu-img compare"
		else
			not_ok "$r $sf -> raw" "qemu-img compare: $cmp"
		fi
		if [ "$r" = big ] && [ "$sf" = streamOptimized ] && [ "$OVK_SANITIZE" != 1 ]; then
			if [ "$RSS_KIB" -le "$RSS_LIMIT_KIB" ]; then
				ok "big streamOptimized: peak RSS $RSS_KIB KiB <= $RSS_LIMIT_KIB"
			else
				not_ok "big streamOptimized: peak RSS $RSS_KIB KiB > $RSS_LIMIT_KIB"
			fi
		fi
		rm -f "$T/o.raw"
		[ "$sf" = streamOptimized ] && stream_ok "$r" "$vmdk"
		if [ "$r" != big ]; then
			run "$OVA_CONVERT" -O qcow2 "$vmdk" "$T/o.qcow2"
			if [ "$RC" -eq 0 ] && qemu-img check -q "$T/o.qcow2" &&
				compare_images "$vmdk" "$T/o.qcow2" vmdk qcow2 >/dev/null 2>&1; then
				ok "$r $sf -> qcow2: identical, qemu-img check clean"
			else
				not_ok "$r $sf -> qcow2" "exit $RC" "stderr: $ERR"
			fi
			rm -f "$T/o.qcow2"
		fi
		[ "$r" = big ] && rm -rf "$dir"
	done
done

# qemu-img convert leaves zero runs unallocated, so the zeroed-grain entries
# (GTE == 1) come from explicit zero writes over data; the image must really
# hold them, or the ZERO path was not exercised.
need qemu-io
mkdir -p "$T/zg"
qemu-img create -q -f vmdk -o zeroed_grain=on "$T/zg/z.vmdk" 1M &&
	qemu-io -f vmdk -c 'write -P 0xab 0 1M' -c 'write -z 64k 128k' -c 'write -z 960k 64k' \
		"$T/zg/z.vmdk" >/dev/null || die "qemu-io could not write zeroed grains"
if python3 "$OVK_SRC/tests/images/vmdk_zeroed_grains.py" "$T/zg/z.vmdk" 3
then ok "zeroed_grain=on: the image has 3 zeroed-grain entries"
else not_ok "zeroed_grain=on: no GTE == 1 entries found"
fi
qemu-img convert -q -f vmdk -O raw "$T/zg/z.vmdk" "$T/zg/want.raw"
run "$OVA_CONVERT" -O raw "$T/zg/z.vmdk" "$T/zg/o.raw"
if [ "$RC" -eq 0 ] && cmp -s "$T/zg/want.raw" "$T/zg/o.raw"; then
	ok "zeroed grains read as zeros between data"
else
	not_ok "zeroed grains" "exit $RC" "stderr: $ERR"
fi

# --info --json on a two-extent disk.
vmdk=$(make_vmdk "$T/odd.raw" twoGbMaxExtentSparse "$T/info")
run "$OVA_CONVERT" --info --json "$vmdk"
if [ "$RC" -eq 0 ] && python3 "$OVK_SRC/tests/images/check_info.py" two-extent-vmdk "$OUT"
then ok "--info --json: create-type, cluster-size, compression, extents"
else not_ok "--info --json" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi
vmdk=$(make_vmdk "$T/odd.raw" streamOptimized "$T/info2")
run "$OVA_CONVERT" --info --json "$vmdk"
if [ "$RC" -eq 0 ] && [ "$(json_get "$OUT" format-specific.data.create-type)" = streamOptimized ] &&
	[ "$(json_get "$OUT" format-specific.data.compression)" = deflate ] &&
	[ "$(json_get "$OUT" format-specific.data.version)" = 3 ]; then
	ok "--info --json streamOptimized: create-type, compression, version"
else
	not_ok "--info --json streamOptimized" "stdout: $OUT" "stderr: $ERR"
fi

# A delta disk (qemu's sparse child with parentCID/parentFileNameHint) reads
# through its parent; after the parent is written its CID changes and both
# qemu and we refuse the child.
mkdir -p "$T/delta"
qemu-img convert -q -f raw -O vmdk "$T/odd.raw" "$T/delta/base.vmdk" &&
	(cd "$T/delta" && qemu-img create -q -f vmdk -b base.vmdk -F vmdk child.vmdk) &&
	qemu-io -f vmdk -c 'write -P 0x5a 512k 64k' "$T/delta/child.vmdk" >/dev/null ||
	die "qemu could not make a delta disk"
run "$OVA_CONVERT" -O raw "$T/delta/child.vmdk" "$T/delta/o.raw"
if [ "$RC" -eq 0 ] && compare_images "$T/delta/child.vmdk" "$T/delta/o.raw" vmdk raw >/dev/null; then
	ok "delta disk reads through its parent: identical per qemu-img compare"
else
	not_ok "delta disk" "exit $RC" "stderr: $ERR"
fi
qemu-io -f vmdk -c 'write -P 1 0 512' "$T/delta/base.vmdk" >/dev/null
expect_fail_clean "delta disk whose parent changed (CID mismatch) refused" "$T/delta/out" "parentCID" \
	"$OVA_CONVERT" -O raw "$T/delta/child.vmdk" "$T/delta/out/o.raw"
rm -f "$T/delta/base.vmdk"
expect_fail_clean "delta disk without its parent refused" "$T/delta/out" "base.vmdk" \
	"$OVA_CONVERT" -O raw "$T/delta/child.vmdk" "$T/delta/out/o.raw"

# COWD (ESX vmfsSparse) through a descriptor, against qemu (the extent is the
# fuzz seed, which qemu reads the same way).
mkdir -p "$T/cowd"
cp "$OVK_SRC/tests/fuzz/corpus/fuzz_vmdk/cowd.vmdk" "$T/cowd/d-delta.vmdk"
printf '# Disk DescriptorFile\nversion=1\nCID=11111111\nparentCID=ffffffff\ncreateType="vmfsSparse"\nRW 16 VMFSSPARSE "d-delta.vmdk"\n' >"$T/cowd/d.vmdk"
qemu-img convert -q -f vmdk -O raw "$T/cowd/d.vmdk" "$T/cowd/want.raw" || die "qemu-img cannot read the COWD sample"
run "$OVA_CONVERT" -O raw "$T/cowd/d.vmdk" "$T/cowd/o.raw"
if [ "$RC" -eq 0 ] && cmp -s "$T/cowd/want.raw" "$T/cowd/o.raw"; then
	ok "COWD (vmfsSparse) extent: identical to qemu-img"
else
	not_ok "COWD extent" "exit $RC" "stderr: $ERR"
fi

finish
