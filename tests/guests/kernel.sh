#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kernel.sh: the guests' kernel, from Debian's real package.  Prints one
# line, "VER KDIR": the kernel version (e.g. 6.1.0-57-amd64) and the
# directory it is unpacked in, which holds
#
#   boot/vmlinuz-VER, boot/config-VER       as the package ships them
#   lib/modules/VER/kernel/...              every module (.ko, or .ko.xz /
#                                           .ko.zst where the kernel compresses)
#   lib/modules/VER/modules.{builtin,order,builtin.modinfo}   shipped
#   lib/modules/VER/modules.{dep,alias,...} made by depmod -b, as the
#                                           package's postinst would
#
# KDIR is shared and read-only to its users (mkguest.sh, mkinitramfs.sh).
#
# The package linux-image-amd64 depends on (linux-image-<abi>-amd64) is
# fetched with `apt-get download` into OVK_GUEST_CACHE (default
# /var/tmp/ovakit-guests) once and reused while it is the candidate: it is
# never installed on the host.  Without apt lists (an offline machine) the
# newest .deb already in the cache is used.  The .deb is unpacked beside
# it once (400 MB of modules: 10-25 s a run saved).  Needs dpkg-deb and
# depmod (kmod); the cache is shared between tests, so the work is
# serialised with flock, and the .deb and its tree land under their final
# names only when complete.
set -euo pipefail

cache=${OVK_GUEST_CACHE:-/var/tmp/ovakit-guests}
mkdir -p "$cache"

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}') || pkg=
exec {lock}>>"$cache/.lock"
flock -w 600 "$lock" || { echo "kernel.sh: $cache/.lock held for 600 s" >&2; exit 1; }
deb=
if [ -n "$pkg" ]; then
	want=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	deb=$cache/${pkg}_${want//:/%3a}_amd64.deb
	if [ ! -s "$deb" ]; then
		dl=$(mktemp -d "$cache/.dl.XXXXXX")
		# apt's sandbox user cannot write to a root-only cache: say so
		# quietly and download as root, as apt itself falls back to.
		(cd "$dl" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			{ rm -rf "$dl"; echo "kernel.sh: apt-get download $pkg failed" >&2; exit 1; }
		mv "$dl"/*.deb "$deb" && rmdir "$dl"
		# One kernel is enough: drop the ones it superseded.
		find "$cache" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -path "$deb" \
			-exec rm -rf {} +
	fi
else
	deb=$(find "$cache" -maxdepth 1 -name 'linux-image-*-amd64_*.deb' | sort -V | tail -n 1)
	[ -n "$deb" ] || { echo "kernel.sh: no apt lists and no cached kernel in $cache" >&2; exit 1; }
fi

kdir=${deb%.deb}
if [ ! -d "$kdir" ]; then
	tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# Only what a guest needs: the kernel, its config and the module tree
	# (docs and System.map stay in the package).
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*' './lib/modules/*'
	ver=$(basename "$(find "$tmp/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)")
	[ -f "$tmp/boot/vmlinuz-$ver" ] || { echo "kernel.sh: no vmlinuz-$ver in $deb" >&2; exit 1; }
	depmod -b "$tmp" "$ver"
	chmod 755 "$tmp"
	mv "$tmp" "$kdir"
fi
ver=$(basename "$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)")
echo "$ver $kdir"
