#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The JSON the tools print is what doc/schema/*.schema.json says, and the
# fields it shares with `qemu-img info --output=json` agree with it:
#   - ova-convert --info --json over raw, qcow2 (v2, v3, zstd, with a
#     backing file), every VMDK subformat qemu-img writes, VHD (fixed and
#     dynamic), VHDX, VDI: valid under ova-convert-info-image, and
#     virtual-size, format, cluster-size, backing, format-specific.type,
#     the vmdk create-type and CIDs and the qcow2 compat, compression-type,
#     refcount-bits... equal to qemu-img's (check_qemu_info.py);
#   - ova-convert --info --json (and --verify) on an OVA, an OVF directory
#     and a signed OVA: ova-convert-info-appliance;
#   - ova-import --json with --dir, --dry-run and --print-xml on libvirt's
#     test driver: ova-import;
#   - ova-export --json: ova-export;
#   - the real samples of ../shared/testdata/real, when present.
# The schemas forbid unknown fields, so a field renamed in the C code and
# not in its schema fails here.
. "$(dirname "$0")/lib.sh"
need qemu-img python3 tar

BIN=${OVK_BIN:-$(dirname "$OVA_CONVERT")}
SCHEMA=$OVK_SRC/doc/schema
CHECK=$OVK_SRC/tests/images/check_json_schema.py
ORACLE=$OVK_SRC/tests/images/check_qemu_info.py
URI=test:///default
python3 -c 'import jsonschema' 2>/dev/null || die "python3-jsonschema is required (scripts/test.sh installs it)"
mkdir -p "$T/img" "$T/doc"

n=0
# valid SCHEMA DESC CMD...: CMD exits 0 and its stdout (its stderr with
# FROM_STDERR=1) is valid under SCHEMA.
valid() {
	local schema=$1 desc=$2 out
	shift 2
	n=$((n + 1))
	out=$T/doc/$n.json
	run "$@"
	if [ "${FROM_STDERR:-0}" = 1 ]; then printf '%s' "$ERR"; else printf '%s' "$OUT"; fi >"$out"
	if [ "$RC" -ne 0 ]; then
		not_ok "$desc: exit $RC" "$ERR"
	elif r=$(python3 "$CHECK" "$SCHEMA/$schema.schema.json" "$out" 2>&1); then
		ok "$desc: valid under $schema"
	else
		not_ok "$desc: not valid under $schema" "$r"
	fi
}

# image DESC FILE [QEMU_FORMAT]: the disk image schema, then qemu-img as
# the oracle (told the format where its probe takes a fixed VHD for raw).
image() {
	local desc=$1 file=$2 r
	valid ova-convert-info-image "$desc" "$OVA_CONVERT" --info --json "$file"
	[ "$RC" -eq 0 ] || return
	if ! qemu-img info ${3:+-f "$3"} --output=json "$file" >"$T/doc/$n.qemu.json" \
		2>"$T/doc/qemu.err"; then
		not_ok "$desc: qemu-img info fails" "$(cat "$T/doc/qemu.err")"
	elif r=$(python3 "$ORACLE" "$T/doc/$n.json" "$T/doc/$n.qemu.json"); then
		ok "$desc: same as qemu-img info ($r)"
	else
		not_ok "$desc: differs from qemu-img info" "$r"
	fi
}

cd "$T/img" || die "cannot enter $T/img"
head -c 3M /dev/urandom >data.raw
truncate -s 8M data.raw
image "raw" data.raw
for o in compat=0.10 compat=1.1 compression_type=zstd,cluster_size=4k \
	lazy_refcounts=on,refcount_bits=1 extended_l2=on; do
	qemu-img convert -q -f raw -O qcow2 -o "$o" data.raw "q-$o.qcow2"
	image "qcow2 $o" "q-$o.qcow2"
done
qemu-img create -q -f qcow2 -b "q-compat=1.1.qcow2" -F qcow2 overlay.qcow2
image "qcow2 with a backing file" overlay.qcow2
qemu-img create -q -f qcow2 -b overlay.qcow2 -F qcow2 overlay2.qcow2
image "qcow2 two levels over its base" overlay2.qcow2
for s in monolithicSparse monolithicFlat streamOptimized twoGbMaxExtentSparse \
	twoGbMaxExtentFlat; do
	qemu-img convert -q -f raw -O vmdk -o subformat=$s data.raw "v-$s.vmdk"
	image "vmdk $s" "v-$s.vmdk"
done
qemu-img create -q -f vmdk -b v-monolithicSparse.vmdk -F vmdk v-delta.vmdk
image "vmdk delta over a monolithicSparse parent" v-delta.vmdk
for s in fixed dynamic; do
	qemu-img convert -q -f raw -O vpc -o subformat=$s data.raw "h-$s.vhd"
	image "vhd $s" "h-$s.vhd" vpc
done
qemu-img convert -q -f raw -O vhdx data.raw x.vhdx
image "vhdx" x.vhdx
for s in on off; do
	qemu-img convert -q -f raw -O vdi -o static=$s data.raw "d-$s.vdi"
	image "vdi static=$s" "d-$s.vdi"
done

# Appliances.
mkdir -p "$T/app/ovf"
bash "$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
tar -C "$T/app/ovf" -xf "$T/app/tiny.ova"
valid ova-convert-info-appliance "OVA --info" "$OVA_CONVERT" --info --json "$T/app/tiny.ova"
valid ova-convert-info-appliance "OVA --info --verify" "$OVA_CONVERT" --info --verify --json \
	"$T/app/tiny.ova"
valid ova-convert-info-appliance "OVF directory --info" "$OVA_CONVERT" --info --json \
	"$T/app/ovf/tiny.ovf"

# ova-import on libvirt's test driver: a fresh host in each process.
if [ -x "$BIN/ova-import" ] && "$BIN/ova-import" --version | grep -q libvirt; then
	for mode in --dry-run --print-xml ""; do
		mkdir -p "$T/dir$mode"
		# --print-xml prints the domain XML; the summary goes to stderr
		FROM_STDERR=$([ "$mode" = --print-xml ] && echo 1 || echo 0) \
		valid ova-import "ova-import ${mode:-(real)} --json" "$BIN/ova-import" -c "$URI" \
			--dir "$T/dir$mode" ${mode:+"$mode"} --json "$T/app/tiny.ova"
	done
	check "ova-import --json: the volume has its real path" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["storage"] == {"kind": "directory", "path": sys.argv[2], "format": "qcow2",
                        "description": d["storage"]["description"]}, d["storage"]
assert d["domains"][0]["disks"][0]["path"] == sys.argv[2] + "/tiny-vmdisk1.qcow2", d
' "$T/doc/$n.json" "$T/dir"
else
	ok "# SKIP ova-import: built without libvirt"
fi

valid ova-export "ova-export --json" "$BIN/ova-export" --name exp --json \
	"$T/img/q-compat=1.1.qcow2" "$T/img/v-streamOptimized.vmdk" "$T/exp.ova"
valid ova-convert-info-appliance "ova-export's OVA read back" "$OVA_CONVERT" --info --verify \
	--json "$T/exp.ova"

# The real samples, when this checkout has them.
if [ -d "$OVK_REAL" ] && [ -f "$OVK_REAL/SOURCES.md" ]; then
	python3 "$OVK_SRC/tests/images/real_samples.py" "$OVK_REAL/SOURCES.md" >"$T/real.list" ||
		die "cannot read $OVK_REAL/SOURCES.md"
	while read -r f _; do
		image "real $f" "$OVK_REAL/$f"
	done <"$T/real.list"
	for f in dfvfs/ext2.qcow2; do
		[ -f "$OVK_REAL/$f" ] && image "real $f" "$OVK_REAL/$f"
	done
	# (govmomi's ttylinux OVA is stored with its disk cut to 1 MiB, which
	# --info refuses; it is not a schema case)
	for f in glance/testserver.ova; do
		[ -f "$OVK_REAL/$f" ] && valid ova-convert-info-appliance "real $f" \
			"$OVA_CONVERT" --info --json "$OVK_REAL/$f"
	done
else
	ok "# SKIP real samples: $OVK_REAL absent"
fi

finish
