#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_badinput_qcow2.sh: hostile values in a qcow2 qemu-img wrote are
# refused cleanly: L1 size 2^31, refcount order 7, cluster bits 8 and 22,
# a virtual size the L1 table cannot map, tables and entries beyond the
# file or unaligned, a backing file name of 2^31 bytes or /etc/passwd, an
# unknown incompatible feature (qcow2_bad_fields.py).  The contract:
# badinput_lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
badinput_images

gen qcow2_bad_fields.py "$G/qcow2_v3/img.qcow2" "$G/qhostile" >"$G/qhostile.list"
judge refuse "$G/qhostile.list"

finish
