#!/usr/bin/env bash
# scripts/demo.sh: from a fresh checkout to a converted appliance disk.
#
# Installs the missing Debian packages, builds ovakit in build/, makes a
# sample "appliance disk" (a 1 GiB sparse disk with a few MiB of data at
# scattered offsets, written by qemu-img as a streamOptimized VMDK, the
# format OVA files carry), shows `ova-convert --info` on it, converts it to
# qcow2, shows --info of the result and proves with `qemu-img compare` that
# the guest sees the same bytes.
#
# While a format is still missing from this checkout the demo says so and
# falls back: VMDK -> raw, then raw -> qcow2, then raw -> raw.
# The files stay in build/demo/ for you to look at (OVK_BUILD_PREFIX moves
# build/).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
root=$(ovk_repo_root)
cd "$root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "installing missing Debian packages (if any)"
ovk_install_deps

build=$root/$OVK_BUILD_PREFIX
step "building ovakit in $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
conv=$build/src/cli/ova-convert
"$conv" --version

demo=$build/demo
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

step "making a sample appliance disk: 1 GiB virtual, a few MiB of data"
truncate -s 1G disk.raw
# A "boot sector", some "files" in the middle and data in the last MiB.
for spec in 0:1 37:2 300:4 777:1 1023:1; do
	head -c "${spec#*:}M" /dev/urandom |
		dd of=disk.raw bs=1M seek="${spec%%:*}" conv=notrunc status=none
done
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized disk.raw appliance-disk1.vmdk
ls -ls disk.raw appliance-disk1.vmdk

# Pick the best conversion this checkout can do.
src="" src_fmt="" out="" out_fmt=""
for try in "appliance-disk1.vmdk vmdk qcow2" "appliance-disk1.vmdk vmdk raw" \
	"disk.raw raw qcow2" "disk.raw raw raw"; do
	read -r s sf of <<<"$try"
	if "$conv" --info "$s" >/dev/null 2>"$demo/err" &&
		"$conv" -O "$of" "$s" "$demo/probe.$of" 2>"$demo/err"; then
		rm -f "$demo/probe.$of"
		src=$s src_fmt=$sf out=converted.$of out_fmt=$of
		break
	fi
	echo "(not yet in this checkout: $sf -> $of: $(head -n 1 "$demo/err"))"
	rm -f "$demo/probe.$of"
done
[ -n "$src" ] || { echo "demo: ova-convert cannot convert even raw -> raw" >&2; exit 1; }

step "ova-convert --info $src"
"$conv" --info "$src"
step "ova-convert --info --json $src"
"$conv" --info --json "$src"

step "ova-convert -p -O $out_fmt $src $out"
start=$(date +%s.%N)
"$conv" -p -O "$out_fmt" "$src" "$out"
printf 'converted in %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
qstart=$(date +%s.%N)
qemu-img convert -f "$src_fmt" -O "$out_fmt" "$src" "qemu-img.$out_fmt"
printf '(qemu-img convert took %.2f s for the same job)\n' "$(echo "$(date +%s.%N) - $qstart" | bc)"
rm -f "qemu-img.$out_fmt"

step "ova-convert --info $out"
"$conv" --info "$out"

step "qemu-img compare $src $out  (the oracle)"
qemu-img compare -f "$src_fmt" -F "$out_fmt" "$src" "$out"
if [ "$out_fmt" = qcow2 ]; then
	step "qemu-img check $out"
	qemu-img check "$out"
fi
ls -ls "$out"

step "done: the files are in $demo"
