#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_bench.py json|svg|mix FILE: judge what ova-bench wrote; exit 0 when
it is right, else fail with the assertion that does not hold.  Used by
test_bench.sh.

  json  the --json report of `--size 8M --threads 1,2 --qemu-img`: the
        generated VMDK workload, a run per thread count with every stage's
        rate, and the qemu-img comparison;
  svg   the --plot output: well-formed SVG with one polyline per stage (6: read, inflate,
        hash, write, end to end, deflate)
        and a dashed qemu-img line;
  mix   a 64 MiB raw read back from the --keep image: the generator's mix
        (40% holes, 25% text, 15% binary, 20% random, MiB by MiB).
"""
import json
import sys
import xml.etree.ElementTree as ET
import zlib


def check_json(path):
    with open(path) as f:
        d = json.load(f)
    assert d["format"] == "vmdk", d["format"]
    assert d["virtual_size"] == 8 << 20, d["virtual_size"]
    assert [r["threads"] for r in d["runs"]] == [1, 2]
    for r in d["runs"]:
        for k in ("cores", "read_mbs", "inflate_mbs", "inflate_input_mbs", "hash_mbs",
                  "write_mbs", "end_to_end_mbs", "end_to_end_seconds", "deflate_mbs"):
            assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r[k])
        # qemu-img measured at every thread count, not drawn flat
        assert r["qemu_img_end_to_end_mbs"] > 0, r
        assert r["inflate_stats"]["bytes_out"] == 8 << 20
        assert r["end_to_end_stats"]["data_bytes"] > 0
    q = d["qemu_img"]
    # --repeat 1: one run, as asked (issue 17: no "median of 3")
    assert q["runs"] == d["repeat"] and q["wall_ratio"] > 0 and q["nosync_wall_ratio"] > 0, q


def check_svg(path):
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    # the headline panel (ours, qemu-img dashed) and the stages' panel (5)
    lines = root.findall(ns + "polyline")
    assert len(lines) == 7, len(lines)
    assert [l.get("stroke-dasharray") is not None for l in lines[:2]] == [False, True]
    texts = "".join(t.text or "" for t in root.iter(ns + "text"))
    assert "x qemu-img" in texts and "Stages" in texts, texts
    assert "median" not in texts  # --repeat 1


def check_mix(path):
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) == 64 << 20
    kinds = {"hole": 0, "text": 0, "random": 0, "binary": 0}
    for i in range(0, len(data), 1 << 20):
        b = data[i:i + (1 << 20)]
        if b.count(0) == len(b):
            kinds["hole"] += 1
        elif all(c in b" \nabcdefghijklmnopqrstuvwxyz" for c in set(b)):
            kinds["text"] += 1
        elif len(zlib.compress(b, 1)) > len(b) * 0.99:
            kinds["random"] += 1
        else:
            kinds["binary"] += 1
    # 64 draws of the 40/25/15/20 mix: each kind well away from zero.
    assert all(kinds[k] >= 3 for k in kinds), kinds
    assert 10 <= kinds["hole"] <= 40, kinds


def main():
    checks = {"json": check_json, "svg": check_svg, "mix": check_mix}
    if len(sys.argv) != 3 or sys.argv[1] not in checks:
        sys.exit(__doc__)
    checks[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
