#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_consumers.sh: third-party OVF readers take ova-export's
# output (issue 14).  Skipped when neither is installed (they are not in
# scripts/lib/deps.sh: virt-v2v pulls in libguestfs and its appliance):
#   - Debian's virt-v2v: `virt-v2v -i ova X.ova --print-source` must list
#     the name, memory, vCPUs, firmware, every disk and the NIC;
#   - govmomi's OVF reader (ovf.Unmarshal, where govc import.spec starts),
#     built offline from golang-github-vmware-govmomi-dev: the system type,
#     every disk and hardware item.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$EXPORT" ] || die "ova-export not found at $EXPORT"
GOVMOMI=/usr/share/gocode/src/github.com/vmware/govmomi/ovf
have_v2v=0; command -v virt-v2v >/dev/null && have_v2v=1
have_go=0; command -v go >/dev/null && [ -d "$GOVMOMI" ] && have_go=1
[ $have_v2v = 1 ] || [ $have_go = 1 ] ||
	skip_all "neither virt-v2v nor go with golang-github-vmware-govmomi-dev is installed"

make_sparse "$T/a.raw" 16M 1:1 && make_sparse "$T/b.raw" 8M 0:1 || die "cannot make the disks"
run "$EXPORT" --name consumer --cpus 2 --cores 2 --memory 1G --firmware efi --disk-bus sata \
	--nic e1000e --network lan "$T/a.raw" "$T/b.raw" "$T/c.ova"
[ "$RC" -eq 0 ] || die "ova-export failed: $ERR"

if [ $have_v2v = 1 ]; then
	run env LIBGUESTFS_BACKEND=direct virt-v2v -i ova "$T/c.ova" --print-source
	check "virt-v2v --print-source exits 0" [ "$RC" -eq 0 ]
	for want in "source name: consumer" "memory: 1073741824" "nr vCPUs: 2" "firmware: uefi" \
		"0 \[sata\]" "1 \[sata\]" 'Bridge "lan" \[e1000e\]' "cores/socket: 2"; do
		check "virt-v2v sees '$want'" grep -q "$want" <<<"$OUT"
	done
else
	echo "SKIP   - virt-v2v is not installed"
fi

if [ $have_go = 1 ]; then
	mkdir -p "$OVK_TMP/gocache"
	if GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$OVK_TMP/gocache \
		go build -o "$T/govmomi_ovf" "$OVK_SRC/tests/images/govmomi_ovf.go" >"$T/go.log" 2>&1; then
		tar -C "$T" -xf "$T/c.ova" consumer.ovf
		run "$T/govmomi_ovf" "$T/consumer.ovf"
		check "govmomi's ovf.Unmarshal parses it" [ "$RC" -eq 0 ]
		for want in "name: consumer disks: 2 files: 2" "system: vmx-14" \
			"disk: vmdisk1 16777216" "item: 3 20 vmware.sata.ahci" "item: 6 10 E1000e"; do
			check "govmomi sees '$want'" grep -q "$want" <<<"$OUT"
		done
	else
		not_ok "govmomi_ovf.go builds offline" "$(tail -5 "$T/go.log")"
	fi
else
	echo "SKIP   - go or golang-github-vmware-govmomi-dev is not installed"
fi

finish
