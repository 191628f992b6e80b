#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vmdk_write.sh: -O vmdk (issue 14), judged by qemu-img.
#
#   - every input ovakit reads (raw with data, written zeros and holes;
#     pieces off grain boundaries in a size that is not a whole sector; a
#     sparse disk; all zeros; qcow2 and VMDK made by qemu-img; an OVA, plain
#     and gzip'ed, read as a stream) converts to streamOptimized (the
#     default) and to monolithicSparse: `qemu-img check` is clean and
#     `qemu-img compare` says identical;
#   - streamOptimized has VMware's layout, judged from the bytes by
#     vmdk_layout.py: GD at end, markers, footer, EOS, exactly the source's
#     non-zero grains; and it is no larger than 1.02x qemu-img's;
#   - -o adapter_type, hwversion and tools_version land in the descriptor;
#     bad values and -c with monolithicSparse are refused up front;
#   - a full output disk: exit 1, one line, nothing left.
. "$(dirname "$0")/lib.sh"
need python3 truncate dd gzip tar

layout=$OVK_SRC/tests/images/vmdk_layout.py
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/mix.raw" mix || die "cannot make mix.raw"
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/layout.raw" pieces --seed 1 0:100K:data \
	100K:900K:zero 1024000:300:data 2072576:1536K:text 3645440:200K:zero \
	4169728:1049576:text || die "cannot make layout.raw"
make_sparse "$T/sparse.raw" 100M 0:1 40:2 99:1 || die "cannot make sparse.raw"
truncate -s 3M "$T/zeros.raw"
head -c 1000 /dev/urandom >"$T/tiny.raw"
qemu-img convert -f raw -O qcow2 -c "$T/mix.raw" "$T/mix.qcow2" || die "qemu-img qcow2"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$T/layout.raw" "$T/layout-so.vmdk" ||
	die "qemu-img vmdk"
qemu-img convert -f raw -O vmdk "$T/mix.raw" "$T/mix-ms.vmdk" || die "qemu-img vmdk"

# vmdk_ok DESC SRC-RAW INPUT [ARGS...]: INPUT to a streamOptimized and a
# monolithicSparse VMDK: clean, identical to SRC-RAW; the stream's layout
# and size judged too.
vmdk_ok() {
	local desc=$1 ref=$2 in=$3 sf chk ours theirs
	shift 3
	for sf in streamOptimized monolithicSparse; do
		rm -f "$T/o.vmdk"
		run "$OVA_CONVERT" -O vmdk -o subformat=$sf "$@" "$in" "$T/o.vmdk"
		if [ "$RC" -ne 0 ]; then
			not_ok "$desc, $sf" "exit $RC" "stderr: $ERR"
			continue
		fi
		if ! chk=$(qemu-img check "$T/o.vmdk" 2>&1) || ! grep -q "No errors were found" <<<"$chk"; then
			not_ok "$desc, $sf: qemu-img check" "$(head -5 <<<"$chk")"
			continue
		fi
		if ! compare_images "$ref" "$T/o.vmdk" raw vmdk >/dev/null 2>&1; then
			not_ok "$desc, $sf: differs from the source per qemu-img compare"
			continue
		fi
		ok "$desc, $sf: clean and identical"
	done
	rm -f "$T/o.vmdk" "$T/q.vmdk"
	"$OVA_CONVERT" -O vmdk "$@" "$in" "$T/o.vmdk" 2>/dev/null || return
	tally python3 "$layout" check "$T/o.vmdk" "$ref"
	qemu-img convert -O vmdk -o subformat=streamOptimized "$ref" "$T/q.vmdk" || die "qemu-img convert"
	ours=$(stat -c %s "$T/o.vmdk")
	theirs=$(stat -c %s "$T/q.vmdk")
	# + 4 KiB: the GD, footer and EOS markers of VMware's layout, which
	# qemu-img's stream lacks (what an all-zero disk adds up to).
	if [ $((ours * 100)) -le $((theirs * 102 + 409600)) ]; then
		ok "$desc: $ours bytes <= 1.02 x qemu-img's $theirs + 4 KiB"
	else
		not_ok "$desc: $ours bytes, qemu-img's $theirs (more than 1.02x + 4 KiB)"
	fi
}

vmdk_ok "raw: data, zeros, text" "$T/mix.raw" "$T/mix.raw" -f raw
vmdk_ok "raw: pieces off grain boundaries, size not a whole sector" "$T/layout.raw" "$T/layout.raw" -f raw
vmdk_ok "raw: 100 MiB sparse, 4 MiB of data" "$T/sparse.raw" "$T/sparse.raw" -f raw
vmdk_ok "raw: all zeros" "$T/zeros.raw" "$T/zeros.raw" -f raw
vmdk_ok "raw: 1000 bytes" "$T/tiny.raw" "$T/tiny.raw" -f raw
vmdk_ok "raw, one worker" "$T/mix.raw" "$T/mix.raw" -j 1
vmdk_ok "qcow2 (qemu-img -c)" "$T/mix.raw" "$T/mix.qcow2"
vmdk_ok "VMDK streamOptimized (qemu-img)" "$T/layout.raw" "$T/layout-so.vmdk"
vmdk_ok "VMDK monolithicSparse (qemu-img)" "$T/mix.raw" "$T/mix-ms.vmdk"

# Ours, read back by ours (mapped) and by ours again into VMDK.
"$OVA_CONVERT" -O vmdk "$T/mix.raw" "$T/ours.vmdk" 2>/dev/null || die "cannot convert mix.raw"
run "$OVA_CONVERT" -O raw "$T/ours.vmdk" "$T/back.raw"
check "our streamOptimized reads back byte-exactly" cmp -s "$T/mix.raw" "$T/back.raw"
vmdk_ok "VMDK streamOptimized (ours)" "$T/mix.raw" "$T/ours.vmdk"

# An appliance: its disk, found in the OVA and read in place (plain) or as
# a stream (gzip), becomes OUTDIR/<vm>-<disk>.vmdk.
mkdir -p "$T/app" "$T/out"
bash "$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
gzip -c "$T/app/tiny.ova" >"$T/app/tiny-gz.ova"
for ova in tiny.ova tiny-gz.ova; do
	rm -f "$T/out"/*
	run "$OVA_CONVERT" -O vmdk "$T/app/$ova" "$T/out"
	out=$T/out/tiny-vmdisk1.vmdk
	if [ "$RC" -eq 0 ] && qemu-img check -q "$out" && compare_images "$T/app/tiny-disk1.raw" "$out" raw vmdk; then
		ok "$ova -> <vm>-<disk>.vmdk: clean and identical"
	else
		not_ok "$ova -> <vm>-<disk>.vmdk" "exit $RC" "$ERR"
	fi
done

# Options in the descriptor.
desc() { dd if="$1" bs=512 skip=1 count=2 status=none | tr -d '\0'; }
run "$OVA_CONVERT" -O vmdk -o adapter_type=ide,hwversion=14,tools_version=12345 "$T/mix.raw" "$T/opt.vmdk"
d=$(desc "$T/opt.vmdk")
cyl=$(($(stat -c %s "$T/mix.raw") / 512 / (16 * 63)))
for line in 'ddb.adapterType = "ide"' 'ddb.virtualHWVersion = "14"' 'ddb.toolsVersion = "12345"' \
	'ddb.geometry.heads = "16"' 'ddb.geometry.sectors = "63"' "ddb.geometry.cylinders = \"$cyl\"" \
	'createType="streamOptimized"'; do
	grep -qxF "$line" <<<"$d" && ok "-o ...: descriptor says $line" ||
		not_ok "-o ...: descriptor says $line" "$d"
done
check "-o adapter_type=ide: qemu-img check is clean" qemu-img check -q "$T/opt.vmdk"
d=$(desc "$T/ours.vmdk")
for line in 'ddb.adapterType = "lsilogic"' 'ddb.toolsVersion = "2147483647"' \
	'ddb.virtualHWVersion = "4"' 'parentCID=ffffffff'; do
	grep -qxF "$line" <<<"$d" && ok "defaults: descriptor says $line" ||
		not_ok "defaults: descriptor says $line" "$d"
done
run "$OVA_CONVERT" -O vmdk "$T/mix.raw" "$T/ours2.vmdk"
[ "$(desc "$T/ours.vmdk" | grep ^CID=)" != "$(desc "$T/ours2.vmdk" | grep ^CID=)" ] &&
	ok "two conversions get different CIDs" || not_ok "two conversions get different CIDs"

# Refused before anything is written: usage errors (exit 2, one line).
for o in subformat=twoGbMaxExtentSparse adapter_type=scsi hwversion=0 hwversion=x \
	tools_version=-1 tools_version=2147483648 cluster_size=64k; do
	run "$OVA_CONVERT" -O vmdk -o "$o" "$T/mix.raw" "$T/bad.vmdk"
	if [ "$RC" -ne 0 ] && [ ! -e "$T/bad.vmdk" ] && [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; then
		ok "-o $o is refused (exit $RC: $ERR)"
	else
		not_ok "-o $o is refused" "exit $RC" "$ERR"
	fi
done
expect_fail_clean "-c with monolithicSparse is refused" "$T/out" "monolithicSparse" \
	"$OVA_CONVERT" -c -O vmdk -o subformat=monolithicSparse "$T/mix.raw" "$T/out/c.vmdk"
run "$OVA_CONVERT" -c -O vmdk "$T/mix.raw" "$T/c.vmdk"
check "-c with streamOptimized is accepted" compare_images "$T/mix.raw" "$T/c.vmdk" raw vmdk

# A full output disk: nothing is left behind.
mkdir -p "$T/full"
if mount_tmpfs "$T/full" size=1m; then
	head -c 4M /dev/urandom >"$T/rand.raw"
	for sf in streamOptimized monolithicSparse; do
		expect_fail_clean "disk full (1 MiB tmpfs, 4 MiB of random data, $sf)" "$T/full" \
			"No space left on device" "$OVA_CONVERT" -O vmdk -o subformat=$sf "$T/rand.raw" "$T/full/o.vmdk"
	done
else
	echo "SKIP   - disk full: cannot mount a tmpfs here (needs root)"
fi
finish
