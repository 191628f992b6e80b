#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/package/deb.sh: the Debian packages, as a user gets them (issue 15).
#
#   1. install what building and checking needs (debhelper, lintian, the
#      Build-Depends of debian/control), with apt-get;
#   2. clone the checkout's HEAD into a scratch directory and build the
#      three packages there: dpkg-buildpackage -us -uc -b (tests off, -j2);
#   3. lintian on the result: no error (warnings are printed, and the ones
#      we keep are justified in debian/*lintian-overrides);
#   4. apt install ./ovakit_*.deb ./libovakit0_*.deb ./libovakit-dev_*.deb;
#   5. man -w ova-import, ova-convert --version (version and features), the
#      bash completion in `bash -i`, the JSON Schemas, and a ten-line consumer built with
#      find_package(ovakit) and with pkg-config ovakit, and run;
#   6. purge the three packages and check that nothing of them is left.
#
# Needs root (or sudo) for apt; exits 77 (skipped) without either.  Refuses
# to run where ovakit packages are already installed (it would remove
# them).  Uncommitted changes are not in the clone: commit first.  Takes
# one build of the project (tests off, -j2) and a lintian run.
# Environment: OVK_DEB_KEEP=DIR keeps the built .debs in DIR.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pkgs=(ovakit libovakit0 libovakit-dev)
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	else
		echo "deb.sh: skipped: needs root (or sudo) to install packages"
		exit 77
	fi
fi
apt() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

for p in "${pkgs[@]}"; do
	if installed "$p"; then
		echo "deb.sh: $p is installed already; purge it first (apt-get purge ${pkgs[*]})" >&2
		exit 1
	fi
done

fail=0
ok() { echo "ok     - $*"; }
not_ok() { echo "NOT OK - $*"; fail=1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ovk-deb.XXXXXX")
purge() {
	local p present=()
	for p in "${pkgs[@]}"; do installed "$p" && present+=("$p"); done
	[ ${#present[@]} -eq 0 ] || apt purge "${present[@]}" >/dev/null
}
trap 'purge; rm -rf "$work"' EXIT

echo "==> deb: build tools and Build-Depends"
apt update
apt install --no-install-recommends debhelper dpkg-dev lintian build-essential \
	man-db bash-completion git >/dev/null
builddeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$root/debian/control" |
	sed '$d; s/^Build-Depends://' | tr -d '\n' | tr -s ' ')
apt satisfy --no-install-recommends "$builddeps" >/dev/null

echo "==> deb: dpkg-buildpackage -us -uc -b in a clean clone of HEAD"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	[ -z "$(git -C "$root" status --porcelain)" ] ||
		echo "deb.sh: note: the checkout has uncommitted changes; the packages are built from HEAD"
	git clone -q "$root" "$work/ovakit"
else
	# Not a git checkout (an unpacked tarball): a copy without build trees.
	mkdir "$work/ovakit"
	tar -C "$root" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$work/ovakit" -xf -
fi
if (cd "$work/ovakit" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	nice dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b: $(cd "$work" && ls ./*.deb | tr '\n' ' ')"
else
	tail -40 "$work/build.log"
	not_ok "dpkg-buildpackage failed"
	exit 1
fi
[ -z "${OVK_DEB_KEEP:-}" ] || { mkdir -p "$OVK_DEB_KEEP" && cp "$work"/*.deb "$OVK_DEB_KEEP"; }

echo "==> deb: lintian"
changes=$(ls "$work"/ovakit_*.changes)
lintian --info --display-info "$changes" >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
nerr=$(grep -c '^E: ' "$work/lintian.log" || true)
nwarn=$(grep -c '^W: ' "$work/lintian.log" || true)
[ "$nerr" -eq 0 ] && ok "lintian: no error ($nwarn warnings)" || not_ok "lintian: $nerr errors"

echo "==> deb: apt install"
(cd "$work" && apt install --no-install-recommends ./ovakit_*.deb ./libovakit0_*.deb \
	./libovakit-dev_*.deb >/dev/null) && ok "apt install of the three packages" ||
	{ not_ok "apt install failed"; exit 1; }

man -w ova-import >/dev/null 2>&1 && ok "man -w ova-import: $(man -w ova-import)" ||
	not_ok "man -w ova-import finds no page"
man -w 3 ovakit >/dev/null 2>&1 && ok "man -w 3 ovakit: $(man -w 3 ovakit)" ||
	not_ok "no ovakit(3)"
version=$(sed -n 's/^ovakit (\([^-]*\)-.*/\1/p;q' "$root/debian/changelog")
v=$(ova-convert --version)
[[ $v == "ova-convert (ovakit) $version"$'\n'"features: +libvirt +zstd"* ]] &&
	ok "ova-convert --version: ${v//$'\n'/ \/ }" || not_ok "ova-convert --version: $v"
# Debian's bash.bashrc leaves bash-completion off, and bash-completion
# loads completions/<command> on first use: load both as a TAB would.
c=$(bash -i -c '. /usr/share/bash-completion/bash_completion; __load_completion ova-convert;
	complete -p ova-convert' 2>/dev/null || true)
[[ $c == "complete -F _ovakit ova-convert" ]] && ok "bash -i: $c" ||
	not_ok "no completion for ova-convert in bash -i: $c"

n=$(ls /usr/share/ovakit/schema/*.schema.json 2>/dev/null | wc -l)
[ "$n" -ge 4 ] && ok "the JSON Schemas are installed ($n in /usr/share/ovakit/schema)" ||
	not_ok "the JSON Schemas are not in /usr/share/ovakit/schema ($n files)"

echo "==> deb: a consumer with find_package(ovakit) and with pkg-config"
mkdir -p "$work/consumer"
cat >"$work/consumer/main.c" <<'C'
#include <stdio.h>
#include <ovakit.h>
int main(void)
{
	const char *const *f = ovk_output_formats();
	printf("ovakit %s (%s), writes %s\n", ovk_version(), ovk_features(), f[0]);
	return 0;
}
C
cat >"$work/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(ovakit 0.2 REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE ovakit::ovakit)
CM
if cmake -S "$work/consumer" -B "$work/consumer/build" >"$work/consumer.log" 2>&1 &&
	cmake --build "$work/consumer/build" >>"$work/consumer.log" 2>&1 &&
	out=$("$work/consumer/build/consumer"); then
	ok "find_package(ovakit) -> ovakit::ovakit: $out"
else
	cat "$work/consumer.log"
	not_ok "the find_package(ovakit) consumer does not build or run"
fi
# shellcheck disable=SC2046
if cc -o "$work/consumer/pc" "$work/consumer/main.c" $(pkg-config --cflags --libs ovakit) &&
	out=$("$work/consumer/pc"); then
	ok "pkg-config ovakit: $out"
else
	not_ok "the pkg-config consumer does not build or run"
fi

echo "==> deb: purge"
files=$(dpkg -L "${pkgs[@]}" 2>/dev/null | sort -u)
purge
for p in "${pkgs[@]}"; do
	dpkg -L "$p" >/dev/null 2>&1 && not_ok "dpkg -L $p still lists files"
done
left=()
while IFS= read -r f; do
	[ -n "$f" ] && [ ! -d "$f" ] && [ -e "$f" ] && left+=("$f")
done <<<"$files"
left+=(/usr/lib/*/libovakit* /usr/lib/*/cmake/ovakit /usr/bin/ova-* /usr/share/ovakit)
present=()
for f in "${left[@]}"; do [ -e "$f" ] && present+=("$f"); done
[ ${#present[@]} -eq 0 ] && ok "purged: nothing of the packages is left" ||
	not_ok "left after purge: ${present[*]}"

[ "$fail" -eq 0 ] && echo "deb.sh: all passed" || echo "deb.sh: FAILED"
exit "$fail"
