#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_images.sh: ova-export from disk images (issue 14).  Three
# inputs in three formats become one OVA; the package is judged member by
# member: tar order as ovftool writes it (.ovf, .mf, disks), every VMDK
# clean (qemu-img check) and identical to its source (qemu-img compare),
# File sizes, Disk capacities and manifest digests exact, the OVF equal to
# its golden text (tests/golden/export-images.ovf; only the deflated sizes
# set aside), ovakit's own reader taking it back; then --dir, and the
# manifest algorithms.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$EXPORT" ] || die "ova-export not found at $EXPORT"
need python3 tar xmllint
CHECK="python3 $OVK_SRC/tests/images/check_export.py"

# The inputs: a qcow2 with data at two places, a raw file of an odd size
# (qemu counts it in whole sectors), and a monolithicSparse VMDK.
make_sparse "$T/a.raw" 64M 1:3 40:1 || die "cannot make a.raw"
qemu-img convert -f raw -O qcow2 "$T/a.raw" "$T/a.qcow2" || die "cannot make a.qcow2"
make_sparse "$T/b.raw" 3000000 0:2 || die "cannot make b.raw"
make_sparse "$T/c.raw" 32M 5:1 || die "cannot make c.raw"
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$T/c.raw" "$T/c.vmdk" ||
	die "cannot make c.vmdk"

mkdir -p "$T/out"
run "$EXPORT" --name "exp vm" --cpus 4 --cores 2 --memory 2G --firmware efi --secure-boot \
	--disk-bus sata --nic e1000e --network lan --os debian12 --description "made by <test> & co" \
	--json "$T/a.qcow2" "$T/b.raw" "$T/c.vmdk" "$T/out/exp.ova"
check "export of three images exits 0" [ "$RC" -eq 0 ]
check "--json is one JSON document" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$OUT"
check "notes go to stderr" grep -q "note: OS debian12: vmw:osType debian10_64Guest" <<<"$ERR"
tally $CHECK members "$T/out/exp.ova" exp_vm.ovf exp_vm.mf exp_vm-disk1.vmdk exp_vm-disk2.vmdk \
	exp_vm-disk3.vmdk
mkdir -p "$T/x" && tar -C "$T/x" -xf "$T/out/exp.ova" || die "cannot unpack the OVA"
i=1
for src in "a.qcow2 qcow2" "b.raw raw" "c.vmdk vmdk"; do
	set -- $src
	check "disk $i: qemu-img check is clean" qemu-img check -q "$T/x/exp_vm-disk$i.vmdk"
	check "disk $i: identical to $1 (qemu-img compare)" \
		compare_images "$T/$1" "$T/x/exp_vm-disk$i.vmdk" "$2" vmdk
	i=$((i + 1))
done
tally $CHECK package "$T/x"
tally $CHECK golden "$T/x/exp_vm.ovf" "$OVK_SRC/tests/golden/export-images.ovf"
check "the OVF is well-formed XML" xmllint --noout "$T/x/exp_vm.ovf"
ovf_schema "$T/x/exp_vm.ovf"

run "$OVA_CONVERT" --info --verify --json "$T/out/exp.ova"
check "ova-convert --info --verify reads the OVA back, every member verified" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=d["virtual-systems"][0];
m = d["manifest"]
assert m["descriptor"] == m["disks"] == "verified" and set(m["members"].values()) == {"verified"}, m
assert (v["cpus"], v["memory"], v["firmware"], v["secure-boot"]) == (4, 2 << 30, "efi", True), v
assert [n["model"] for n in v["nics"]] == ["E1000e"], v["nics"]' "$OUT"
mkdir -p "$T/back"
check "ova-convert converts the OVA back" "$OVA_CONVERT" -O raw "$T/out/exp.ova" "$T/back/"
check "and the first disk is the qcow2's guest" \
	compare_images "$T/a.qcow2" "$T/back/exp_vm-vmdisk1.raw" qcow2 raw

# --dir: the same files in a new directory, which ovakit reads as a package.
run "$EXPORT" --name dirvm --dir "$T/a.qcow2" "$T/out/dirvm"
check "--dir exits 0" [ "$RC" -eq 0 ]
check "--dir writes .ovf, .mf and the disk" \
	[ "$(ls "$T/out/dirvm" | tr '\n' ' ')" = "dirvm-disk1.vmdk dirvm.mf dirvm.ovf " ]
tally $CHECK package "$T/out/dirvm"
run "$OVA_CONVERT" --info --verify "$T/out/dirvm"
check "--dir: ova-convert --info --verify verifies its manifest" \
	grep -q "^ *disks: verified" <<<"$OUT"

# The manifest algorithms: sha1 (vSphere 5.x), sha512, none.
for alg in sha1 sha512; do
	run "$EXPORT" --name m --manifest "$alg" --nic none "$T/b.raw" "$T/out/$alg.ova"
	check "--manifest $alg exits 0" [ "$RC" -eq 0 ]
	mkdir -p "$T/$alg" && tar -C "$T/$alg" -xf "$T/out/$alg.ova"
	check "--manifest $alg: lines are ${alg^^}(file)= hex" grep -q "^${alg^^}(m.ovf)= " "$T/$alg/m.mf"
	tally $CHECK package "$T/$alg"
done
run "$EXPORT" --name m --manifest none "$T/b.raw" "$T/out/none.ova"
tally $CHECK members "$T/out/none.ova" m.ovf m-disk1.vmdk

finish
