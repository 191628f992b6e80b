#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_badinput_ova.sh: hostile OVAs are refused cleanly, plain and
# gzip-compressed:
#   - tar members named "..", "a/../../x" or absolute, the disk as a
#     symlink or hard link, a device, duplicate members
#     (ova_bad_members.py), and nothing is written outside the output;
#   - OVFs: billion laughs, an external entity, 100,000 items, negative and
#     huge capacity and memory, a 200 MB OVF as a file and as a member
#     (ova_bad_ovf.py);
#   - manifests: a missing file named, an unknown algorithm, a short
#     digest, a line without one (ova_bad_manifest.py).
# The contract: badinput_lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
badinput_seeds
ova=$G/seeds/plain.ova

gen ova_bad_members.py "$ova" "$G/tar" >"$G/tar.list"
judge refuse "$G/tar.list" --appliance
if [ -e /tmp/ovk-evil ]; then
	not_ok "a hostile member was written to /tmp/ovk-evil"
fi

gen ova_bad_ovf.py "$ova" "$G/ovf" >"$G/ovf.list"
judge refuse "$G/ovf.list" --appliance
rm -rf "${G:?}/ovf"   # 400 MB

gen ova_bad_manifest.py "$ova" "$G/mf" >"$G/mf.list"
judge refuse "$G/mf.list" --appliance

finish
