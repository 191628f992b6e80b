#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_qcow2.sh: qcow2 output and input (issue 4), judged by qemu-img.
#
#   - raw and VMDK inputs (random data, text, zero runs inside data clusters,
#     odd sizes, 1 TiB and 8 TiB sparse disks whose L1 table spans several
#     clusters) convert to qcow2 at cluster sizes 512 B, 4 KiB, 64 KiB and
#     2 MiB, plain and with -c (zlib and zstd); so does a disk of holes,
#     written zeros and data whose pieces start and end off cluster
#     boundaries and whose size is not a whole sector, and 24 MiB at 512-byte
#     clusters (many refcount blocks and L2 tables); every output must pass
#     `qemu-img check` (no errors, no leaks), be identical to its source per
#     `qemu-img compare`, and allocate no more (du) than `qemu-img convert`
#     with the same options;
#   - qcow2 images written by qemu-img (plain, zlib, zstd, 512-byte and 2 MiB
#     clusters, version 2, zero clusters, extended L2 subclusters, a backing
#     chain) convert back byte-exactly;
#   - --overlay writes an empty qcow2 over a VMDK or a raw file that qemu
#     reads through, recording the backing name and format;
#   - --info describes a qcow2; an absolute backing path is refused.
. "$(dirname "$0")/lib.sh"
need python3 truncate dd du qemu-io

# A disk with every kind of cluster: random, text (compressible), zero
# runs of 4 KiB inside data clusters, whole zero clusters, odd tail.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/mix.raw" mix || die "cannot make mix.raw"
# test_qcow2.c's layout: pieces that start and end off cluster boundaries
# at every cluster size: data, written zeros (the engine's ZERO extents),
# 300 bytes of data, a hole (UNALLOCATED), text, written zeros, a hole, and
# text to the end, 1000 bytes past a whole MiB (not a whole sector).
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/layout.raw" pieces --seed 1 0:100K:data \
	100K:900K:zero 1024000:300:data 2072576:1536K:text 3645440:200K:zero \
	4169728:1049576:text || die "cannot make layout.raw"
# 24 MiB at 512-byte clusters: refcount blocks (256 clusters each) and the
# L1 table span many ranges; 4 MiB of written zeros in the middle.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/many.raw" pieces --gaps zero --seed 99 \
	0:8M:data 12M:12M:data || die "cannot make many.raw"
make_sparse "$T/tera.raw" 1T 0:1 400000:1 1048575:1 || die "cannot make tera.raw"
make_sparse "$T/peta.raw" 8T 0:1 3000000:2 8388607:1 || die "cannot make peta.raw"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$T/mix.raw" "$T/mix-so.vmdk" ||
	die "qemu-img could not make the VMDK input"

# qcow2_ok DESC SRC-RAW INPUT [ARGS...]: convert INPUT to qcow2 with ARGS;
# check clean, identical to SRC-RAW, no larger than qemu-img's.
qcow2_ok() {
	local desc=$1 ref=$2 in=$3 ours theirs chk
	shift 3
	rm -f "$T/o.qcow2" "$T/q.qcow2"
	run "$OVA_CONVERT" -O qcow2 "$@" "$in" "$T/o.qcow2"
	if [ "$RC" -ne 0 ]; then
		not_ok "$desc" "exit $RC" "stderr: $ERR"
		return
	fi
	if ! chk=$(qemu-img check "$T/o.qcow2" 2>&1) || ! grep -q "No errors were found" <<<"$chk"; then
		not_ok "$desc: qemu-img check" "$(head -5 <<<"$chk")"
		return
	fi
	if ! compare_images "$ref" "$T/o.qcow2" raw qcow2 >/dev/null 2>&1; then
		not_ok "$desc: differs from the source per qemu-img compare"
		return
	fi
	qemu-img convert -O qcow2 "$@" "$in" "$T/q.qcow2" || die "qemu-img convert $*"
	ours=$(du -B1 "$T/o.qcow2" | cut -f1)
	theirs=$(du -B1 "$T/q.qcow2" | cut -f1)
	if [ "$ours" -le "$theirs" ]; then
		ok "$desc: clean, identical, $ours <= qemu-img's $theirs bytes"
	else
		not_ok "$desc: $ours bytes allocated, qemu-img's $theirs"
	fi
}

for cs in 4096 65536 2M; do
	qcow2_ok "raw mix, cluster $cs" "$T/mix.raw" "$T/mix.raw" -f raw -o cluster_size=$cs
	qcow2_ok "raw mix, cluster $cs, zlib" "$T/mix.raw" "$T/mix.raw" -f raw -c -o cluster_size=$cs
	qcow2_ok "raw mix, cluster $cs, zstd" "$T/mix.raw" "$T/mix.raw" -f raw -c \
		-o cluster_size=$cs,compression_type=zstd
	qcow2_ok "vmdk mix, cluster $cs" "$T/mix.raw" "$T/mix-so.vmdk" -o cluster_size=$cs
	qcow2_ok "vmdk mix, cluster $cs, zstd" "$T/mix.raw" "$T/mix-so.vmdk" -c \
		-o cluster_size=$cs,compression_type=zstd
done
qcow2_ok "raw mix, cluster 512" "$T/mix.raw" "$T/mix.raw" -f raw -o cluster_size=512
qcow2_ok "raw mix, cluster 512, zlib" "$T/mix.raw" "$T/mix.raw" -f raw -c -o cluster_size=512
for opts in "" "-o cluster_size=512" "-o cluster_size=4k" "-o cluster_size=2M" "-c" \
	"-c -o compression_type=zstd" "-c -o cluster_size=512" \
	"-c -o cluster_size=4096,compression_type=zlib" "-c -o cluster_size=2M,compression_type=zstd"; do
	# shellcheck disable=SC2086  # split on purpose
	qcow2_ok "layout of unaligned pieces ($opts)" "$T/layout.raw" "$T/layout.raw" -f raw $opts
done
qcow2_ok "24 MiB, cluster 512" "$T/many.raw" "$T/many.raw" -f raw -o cluster_size=512
qcow2_ok "24 MiB, cluster 512, zlib" "$T/many.raw" "$T/many.raw" -f raw -c -o cluster_size=512
rm -f "$T/many.raw"
qcow2_ok "1 TiB sparse, cluster 4k" "$T/tera.raw" "$T/tera.raw" -f raw -o cluster_size=4k
qcow2_ok "1 TiB sparse, cluster 4k, zlib" "$T/tera.raw" "$T/tera.raw" -f raw -c -o cluster_size=4k
qcow2_ok "8 TiB sparse, cluster 64k" "$T/peta.raw" "$T/peta.raw" -f raw
qcow2_ok "8 TiB sparse, cluster 64k, zstd" "$T/peta.raw" "$T/peta.raw" -f raw -c \
	-o compression_type=zstd
qcow2_ok "8 TiB sparse, cluster 2M" "$T/peta.raw" "$T/peta.raw" -f raw -o cluster_size=2M

# qcow2 written by qemu-img, read back.
for opts in "" "-c" "-c -o compression_type=zstd" "-o cluster_size=512" "-c -o cluster_size=2M" \
	"-c -o cluster_size=2M,compression_type=zstd" "-o compat=0.10" "-c -o compat=0.10" \
	"-c -o compat=0.10,cluster_size=4096" "-o extended_l2=on" \
	"-c -o extended_l2=on,cluster_size=32k" "-o extended_l2=on,cluster_size=2M"; do
	rm -f "$T/in.qcow2" "$T/back.raw"
	# shellcheck disable=SC2086
	qemu-img convert -f raw -O qcow2 $opts "$T/mix.raw" "$T/in.qcow2" || die "qemu-img convert $opts"
	run "$OVA_CONVERT" -O raw "$T/in.qcow2" "$T/back.raw"
	if [ "$RC" -eq 0 ] && cmp -s "$T/mix.raw" "$T/back.raw"; then
		ok "qemu-img qcow2 ($opts) reads byte-exactly"
	else
		not_ok "qemu-img qcow2 ($opts) reads byte-exactly" "exit $RC" "stderr: $ERR"
	fi
done

# chain_ok DESC REF-RAW TOP: TOP, read through its backing files, equals
# REF-RAW (qemu-img's reading) as raw, and converts to a clean qcow2.
chain_ok() {
	run "$OVA_CONVERT" -O raw "$3" "$T/chain.raw"
	if [ "$RC" -eq 0 ] && cmp -s "$2" "$T/chain.raw"; then
		ok "$1: reads byte-exactly"
	else
		not_ok "$1: reads byte-exactly" "exit $RC" "stderr: $ERR"
	fi
	rm -f "$T/chain.raw"
	qcow2_ok "$1, to qcow2" "$2" "$3"
}

# A chain with zero clusters and data at every level.
(
	cd "$T" || exit 1
	qemu-img convert -f raw -O qcow2 -c mix.raw base.qcow2 &&
		qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2 &&
		qemu-io -c "write -P 0xaa 1M 64k" -c "write -z 2M 128k" -c "write -P 0x11 3000k 5k" \
			mid.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2 &&
		qemu-io -c "write -P 0xbb 4M 1M" -c "write -z -u 6M 1M" top.qcow2 >/dev/null &&
		qemu-img convert -O raw top.qcow2 top-ref.raw
) || die "could not build the backing chain"
chain_ok "backing chain of three qcow2s with zero clusters" "$T/top-ref.raw" "$T/top.qcow2"

# Extended L2 entries: subclusters allocated, zeroed and left to the
# backing file inside one cluster, over a backing file with data everywhere.
(
	cd "$T" || exit 1
	qemu-img create -q -f qcow2 -o extended_l2=on xbase.qcow2 4M &&
		qemu-io -c "write -P 0x11 0 4M" xbase.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -o extended_l2=on -b xbase.qcow2 -F qcow2 xtop.qcow2 &&
		qemu-io -c "write -P 0x22 4k 2k" -c "write -z 64k 6k" -c "write -P 0x33 130k 1k" \
			-c "write -P 0x44 1M 64k" -c "discard 2M 64k" -c "write -z 3M 2k" \
			xtop.qcow2 >/dev/null &&
		qemu-img convert -O raw xtop.qcow2 xtop-ref.raw
) || die "could not build the extended L2 chain"
chain_ok "extended L2 subclusters over a backing file" "$T/xtop-ref.raw" "$T/xtop.qcow2"

# An L2 entry whose host offset is not cluster aligned is corrupt even
# where no data is read through it (a zero cluster, a zero or unallocated
# subcluster): qemu-img refuses such images, and so must we.
mkdir -p "$T/out"
for kind in plain extended; do
	opts=""
	[ "$kind" = extended ] && opts="-o extended_l2=on"
	rm -f "$T/unal.qcow2"
	# shellcheck disable=SC2086
	qemu-img create -q -f qcow2 $opts "$T/unal.qcow2" 4M &&
		qemu-io -c "write -z 0 64k" -c "write -P 1 64k 64k" "$T/unal.qcow2" >/dev/null ||
		die "cannot make the $kind image"
	python3 "$OVK_SRC/tests/images/qcow2_unalign_l2.py" "$T/unal.qcow2" ||
		die "cannot unalign the $kind image"
	qemu-img convert -O raw "$T/unal.qcow2" "$T/unal-ref.raw" 2>/dev/null &&
		die "qemu-img read the unaligned $kind image: the case no longer tests anything"
	expect_fail_clean "$kind L2 entry with an unaligned offset on a zero cluster is refused" \
		"$T/out" "not cluster aligned" "$OVA_CONVERT" -O raw "$T/unal.qcow2" "$T/out/unal.raw"
done

# --overlay over a VMDK, relative name resolved from the output directory.
mkdir -p "$T/ov"
rm -f "$T/ov/over.qcow2"
run "$OVA_CONVERT" --overlay ../mix-so.vmdk -F vmdk "$T/ov/over.qcow2"
if [ "$RC" -eq 0 ] && qemu-img check -q "$T/ov/over.qcow2" &&
	compare_images "$T/mix.raw" "$T/ov/over.qcow2" raw qcow2 >/dev/null 2>&1 &&
	qemu-img info "$T/ov/over.qcow2" | grep -q "backing file format: vmdk"; then
	ok "--overlay over a VMDK: clean, reads as the VMDK, format recorded"
else
	not_ok "--overlay over a VMDK" "exit $RC" "stderr: $ERR"
fi
# --overlay over a raw file: the backing name is kept as given.
run "$OVA_CONVERT" --overlay ../layout.raw -F raw "$T/ov/raw-over.qcow2"
if [ "$RC" -eq 0 ] && qemu-img check -q "$T/ov/raw-over.qcow2" &&
	compare_images "$T/layout.raw" "$T/ov/raw-over.qcow2" raw qcow2 >/dev/null 2>&1 &&
	info=$(qemu-img info "$T/ov/raw-over.qcow2") &&
	grep -q "^backing file: \.\./layout\.raw" <<<"$info" &&
	grep -q "backing file format: raw" <<<"$info"; then
	ok "--overlay over a raw file: clean, reads as the file, name and format recorded"
else
	not_ok "--overlay over a raw file" "exit $RC" "stderr: $ERR"
fi

# --info on a qcow2.
qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd,cluster_size=4k "$T/mix.raw" "$T/in.qcow2"
run "$OVA_CONVERT" --info --json "$T/in.qcow2"
if [ "$RC" -eq 0 ] && [ "$(json_get "$OUT" cluster-size)" = 4096 ] &&
	[ "$(json_get "$OUT" format-specific.data.compression-type)" = zstd ] && [ "$(json_get "$OUT" format)" = qcow2 ]; then
	ok "--info --json: cluster-size 4096, compression-type zstd"
else
	not_ok "--info --json on a qcow2" "exit $RC" "$OUT" "$ERR"
fi

# An absolute backing path is refused (it could name any file).
qemu-img create -q -f qcow2 -b "$T/mix.raw" -F raw "$T/abs.qcow2" 1>/dev/null
expect_fail_clean "absolute backing path refused" "$T/out" abs.qcow2 \
	"$OVA_CONVERT" -O raw "$T/abs.qcow2" "$T/out/x.raw"

finish
