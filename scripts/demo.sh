#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/demo.sh: from a fresh checkout to a running imported appliance.
#
#   1. install the missing Debian packages (build deps, libvirt + QEMU +
#      OVMF, and what the sample appliance is built with);
#   2. build ovakit in build/ (OVK_BUILD_PREFIX moves it);
#   3. make the sample appliance: a tiny BIOS guest whose boot sector
#      prints a line on COM1, as a streamOptimized VMDK behind a
#      VMware-style OVF (lsilogic SCSI, E1000) with a SHA256 manifest, in
#      an OVA (tests/images/appliance/make_appliance.sh);
#   4. start libvirtd (scripts/lib/libvirtd.sh: no systemd needed);
#   5. show the domain XML ova-import would define (--print-xml), then
#      import it for real with --start: the disk is converted and uploaded
#      into a storage pool through libvirt, the domain defined and started,
#      on a plain bridge (libvirt's NAT network needs iptables);
#   6. print the line the guest writes on its serial port;
#   7. remove the domain, its volume, the pool and the bridge.
#
# Run as root on Debian 12.  Idempotent: a second run replaces what a
# first, interrupted one left (the names all start with "ovkdemo").
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/libvirtd.sh"
root=$(ovk_repo_root)
cd "$root"

NAME=ovkdemo
POOL=ovkdemo-pool
BRIDGE=ovkdemo0
MARKER=OVK-APPLIANCE-BOOTED
# Seconds to wait for the guest's line: ~1 s under KVM, ~10 s under TCG.
BOOT_TIMEOUT=120
V="virsh -q -c qemu:///system"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it starts libvirtd)" >&2; exit 1; }

cleanup() {
	local v
	$V destroy "$NAME" >/dev/null 2>&1 || true
	$V undefine --nvram "$NAME" >/dev/null 2>&1 || true
	for v in $($V vol-list "$POOL" 2>/dev/null | awk '{print $1}'); do
		$V vol-delete "$v" --pool "$POOL" >/dev/null 2>&1 || true
	done
	$V pool-destroy "$POOL" >/dev/null 2>&1 || true
	$V pool-undefine "$POOL" >/dev/null 2>&1 || true
	ip link del "$BRIDGE" 2>/dev/null || true
}

step "installing missing Debian packages (if any)"
ovk_install_deps
ovk_libvirtd_install "${OVK_APPLIANCE_DEPS[@]}"

build=$root/$OVK_BUILD_PREFIX
step "building ovakit in $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
import=$build/src/cli/ova-import
"$import" --version

demo=$build/demo
rm -rf "$demo"
mkdir -p "$demo/pool"

step "making the sample appliance $demo/$NAME.ova"
tests/images/appliance/make_appliance.sh "$demo" "$NAME" bios
tar tvf "$demo/$NAME.ova"

step "starting libvirtd"
ovk_libvirtd_start
virsh -c qemu:///system version

step "a storage pool and a bridge for the demo"
cleanup   # whatever an earlier run left
trap cleanup EXIT
$V pool-define-as "$POOL" dir --target "$demo/pool" >/dev/null
$V pool-start "$POOL" >/dev/null
ip link add "$BRIDGE" type bridge
ip link set "$BRIDGE" up
echo "pool $POOL in $demo/pool, bridge $BRIDGE"

step "ova-import --print-xml: the domain it would define (nothing is created)"
"$import" -c qemu:///system --pool "$POOL" --bridge "$BRIDGE" "$demo/$NAME.ova" --print-xml

step "ova-import --start"
"$import" -c qemu:///system --pool "$POOL" --bridge "$BRIDGE" --replace --start \
	--serial-log "$demo/serial.log" "$demo/$NAME.ova"
$V list --all | grep -w "$NAME"
$V vol-list "$POOL"

step "the guest's serial port"
for ((i = 0; i < BOOT_TIMEOUT * 2; i++)); do
	grep -q "$MARKER" "$demo/serial.log" 2>/dev/null && break
	sleep 0.5
done
if ! grep -q "$MARKER" "$demo/serial.log" 2>/dev/null; then
	echo "demo.sh: the guest printed nothing within ${BOOT_TIMEOUT}s" >&2
	exit 1
fi
echo "guest says: $(grep -m1 -o "$MARKER" "$demo/serial.log")"

step "cleaning up: domain, volume, pool and bridge"
cleanup
trap - EXIT
echo "done (the appliance stays in $demo/)"
