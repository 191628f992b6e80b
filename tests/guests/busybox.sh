#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# busybox.sh ROOT: busybox-static in ROOT, at the path it has on the host
# (/usr/bin/busybox on a merged-/usr Debian), with a link in ROOT/bin for
# each applet but init and linuxrc (each guest brings its own init).  One
# `busybox --install -s`, not a process per applet.
set -euo pipefail
root=$1
bb=$(readlink -f /bin/busybox)
mkdir -p "$root/bin" "$root/${bb%/*}"
cp "$bb" "$root/$bb"
"$bb" --install -s "$root/bin"
rm -f "$root/bin/init" "$root/bin/linuxrc"
