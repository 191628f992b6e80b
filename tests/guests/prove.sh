#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# prove.sh APPDIR [NAME...]: the guests' own proof, with nothing of ovakit
# in the way.  Each guest's raw disk APPDIR/NAME-disk1.raw (as mkguest.sh
# leaves it) is booted under plain QEMU (bootq.sh) on every bus its
# GUEST_QEMU line in guests.sh names: it must print
# OVK-GUEST-<NAME>-ROOT-OK on the buses before the "!", and
# OVK-GUEST-<NAME>-NOROOT (its initramfs found no root disk) on the ones
# after it.  That is the evidence that a guest's driver set really is what
# its table line says, e.g. that the dracut host-only LSI Parallel guest
# boots on ide and not on QEMU's lsi53c895a.
#
# Not run by ctest (a negative case waits out the initramfs's 30 s root
# wait under TCG): run it after changing a guest or the kernel.  Prints one
# "ok"/"NOT OK" line per boot; exit 1 if any is NOT OK.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/guests.sh"
app=$1
shift
[ $# -gt 0 ] || set -- "${GUEST_NAMES[@]}"

fail=0
for n in "$@"; do
	want=ROOT-OK
	for bus in ${GUEST_QEMU[$n]}; do
		[ "$bus" = "!" ] && { want=NOROOT; continue; }
		t0=$SECONDS
		got=$("$here/bootq.sh" "$app/$n-disk1.raw" "$bus" "${GUEST_FW[$n]}" 300 2>&1 |
			grep -a -o "OVK-GUEST-$n-[A-Z-]*" | head -n 1) || true
		if [ "$got" = "OVK-GUEST-$n-$want" ]; then
			echo "ok     - $n on $bus: $got ($((SECONDS - t0)) s)"
		else
			echo "NOT OK - $n on $bus: wanted OVK-GUEST-$n-$want, got '${got:-nothing}'"
			fail=1
		fi
	done
done
exit "$fail"
