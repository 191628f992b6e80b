#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""real_samples.py SOURCES.md: print "DIR/FILE SHA256" for every VMDK (or
.img) sample of ../shared/testdata/real/SOURCES.md that documents a guest
sha256, so that a sample added there is tested by test_vmdk_real.sh.

A sample is a table row under a "## DIR/..." heading whose first cell ends
in .vmdk or .img and which says "guest sha256 <64 hex digits>".
"""
import re
import sys


def main():
    section = None
    with open(sys.argv[1]) as f:
        for line in f:
            m = re.match(r'## (\S+)/', line)
            if m:
                section = m.group(1)
                continue
            cells = [c.strip() for c in line.split('|')]
            if section and len(cells) > 2 and re.search(r'\.(vmdk|img)$', cells[1]):
                h = re.search(r'guest sha256 ([0-9a-f]{64})', line)
                if h:
                    print(f"{section}/{cells[1]} {h.group(1)}")


if __name__ == "__main__":
    main()
