#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modorder.py MODDIR MODULE...: print the module files (paths relative to
MODDIR, as modules.dep names them) that loading each MODULE takes, every one
after its dependencies (modules.dep walked depth first), each once: the
order an initramfs's init insmods them in.  A module built into the kernel
(modules.builtin) needs nothing; one that is neither is an error.  '-' and
'_' are one character in module names, as to modprobe.
"""
import os
import sys

moddir, wanted = sys.argv[1], sys.argv[2:]


def key(path):
    return os.path.basename(path).split(".ko")[0].replace("-", "_")


deps, by_name = {}, {}
with open(os.path.join(moddir, "modules.dep")) as f:
    for line in f:
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        by_name[key(path)] = path
with open(os.path.join(moddir, "modules.builtin")) as f:
    builtin = {key(line.strip()) for line in f if line.strip()}

order, seen = [], set()


def add(path):
    if path in seen:
        return
    seen.add(path)
    for d in deps[path]:
        add(d)
    order.append(path)


for m in wanted:
    m = m.replace("-", "_")
    if m in by_name:
        add(by_name[m])
    elif m not in builtin:
        sys.exit("modorder.py: no module %s in %s" % (m, moddir))
print("\n".join(order))
