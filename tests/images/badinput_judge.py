#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""badinput_judge.py --scratch DIR MODE ...: run ova-convert on bad inputs
and judge each run by the failure contract and by qemu-img (issue 8).

  cut LABEL INPUT [--appliance] [--victim FILE] [--with FILE...]
      Cut VICTIM (default: INPUT) at every 512-byte boundary below its
      size, the other files of the input (--with: a descriptor's extents, a
      backing file) intact beside it, and convert INPUT after each cut.
      One assertion for all the cuts.
  table DESC LIST
      Convert every input of LIST (lines "LABEL<TAB>PATH", as the vmdk_*.py
      generators print them) to qcow2.  One assertion for the whole list.
  refuse LIST [--appliance]
      Every input of LIST is crafted to be hostile: each must be refused.
      One assertion per input, "LABEL (stderr)".

Every run is under a timeout (OVK_BADINPUT_TIMEOUT, seconds) and an
address-space limit (OVK_BADINPUT_VMEM_KIB), and must end with exit 1
(never a signal, never a hang), exactly one line on stderr that names the
input (or the output) and says what is wrong, and nothing left in the
output directory.  An input that is not crafted (a cut or a bit flip) may
still be a valid image: then exit 0 is right, but only if qemu-img reads
the same file and gets the same guest contents (for an appliance, --appliance:
if the intact appliance converts to the same disks).  Being stricter than
qemu-img is allowed and counted.

Prints "ok     - ..." / "NOT OK - ..." lines, the form lib.sh's tally
counts; exits 0 unless it could not run.  OVA_CONVERT names the converter.
Inputs run WORKERS (up to 4) at a time.
"""
import argparse
import concurrent.futures as cf
import itertools
import json
import os
import resource
import shutil
import subprocess
import tempfile
import threading

CONV = os.environ["OVA_CONVERT"]
TIMEOUT = int(os.environ.get("OVK_BADINPUT_TIMEOUT", "30"))
VMEM = int(os.environ.get("OVK_BADINPUT_VMEM_KIB", "4194304")) * 1024
WORKERS = max(1, min(4, os.cpu_count() or 1))
SCRATCH = None
_slots = threading.local()
_slot_ids = itertools.count()


def my_slot():
    """An output directory per worker thread, so cases never share one."""
    if not hasattr(_slots, "n"):
        _slots.n = next(_slot_ids)
    return _slots.n


def ok(msg):
    print(f"ok     - {msg}", flush=True)


def not_ok(msg, details=()):
    print(f"NOT OK - {msg}", flush=True)
    for d in details:
        print(f"         {d}", flush=True)


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (VMEM, VMEM))


# ------------------------------------------------------------- running

class Outcome:
    def __init__(self, rc, err, problems, out):
        self.rc, self.err, self.problems, self.out = rc, err, problems, out


def convert(inp, appliance):
    """Run ova-convert on inp; check the failure contract.  On exit 0 the
    output is left for the caller (o.qcow2 or the directory); on failure
    the output directory must be empty."""
    outdir = os.path.join(SCRATCH, f"out{my_slot()}")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    target = outdir if appliance else os.path.join(outdir, "o.qcow2")
    try:
        p = subprocess.run([CONV] + ([] if appliance else ["-O", "qcow2"]) + [inp, target],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT,
                           preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return Outcome(None, "", [f"still running after {TIMEOUT} s (a hang)"], None)
    err = p.stderr.decode(errors="replace").strip()
    problems = []
    if p.returncode < 0:
        problems.append(f"killed by signal {-p.returncode}")
    elif p.returncode not in (0, 1):
        problems.append(f"exit {p.returncode}")
    if p.returncode == 1:
        lines = err.splitlines()
        name = os.path.basename(inp)
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr, expected 1")
        elif not lines[0].startswith("ova-convert: "):
            problems.append("stderr does not start with 'ova-convert: '")
        elif name not in lines[0] and target not in lines[0]:
            # (the output may be what is wrong: an empty "OVA" is a
            # 0-byte raw image, and its output a directory)
            problems.append(f"stderr names neither {name} nor the output")
        elif len(lines[0]) < len("ova-convert: ") + min(len(name), len(target)) + 4:
            problems.append("stderr gives no cause")
        left = os.listdir(outdir)
        if left:
            problems.append(f"left in the output directory: {left}")
    return Outcome(p.returncode, err, problems, target if p.returncode == 0 else None)


def qemu_agrees(inp, out):
    """qemu-img reads inp and its guest contents equal our qcow2 output."""
    ref = out + ".ref.raw"
    try:
        if subprocess.run(["qemu-img", "convert", "-O", "raw", inp, ref],
                          capture_output=True, timeout=60).returncode != 0:
            return False, "qemu-img cannot read it"
        a = subprocess.run(["qemu-img", "info", "--output=json", "-f", "qcow2", out],
                           capture_output=True, text=True).stdout
        try:
            size = json.loads(a)["virtual-size"]
        except (ValueError, KeyError):
            return False, "qemu-img cannot read our output"
        if size != os.path.getsize(ref):
            return False, "virtual size differs from qemu-img's"
        r = subprocess.run(["qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", ref, out],
                           capture_output=True)
        return r.returncode == 0, "contents differ from qemu-img's"
    finally:
        if os.path.exists(ref):
            os.unlink(ref)


def same_as(out_dir, ref_dir):
    """An OVA that still converts gives the intact OVA's disks."""
    a, b = sorted(os.listdir(out_dir)), sorted(os.listdir(ref_dir))
    if a != b:
        return False, f"outputs {a}, intact OVA gives {b}"
    for n in a:
        r = subprocess.run(["qemu-img", "compare", "-q", os.path.join(out_dir, n),
                            os.path.join(ref_dir, n)], capture_output=True)
        if r.returncode != 0:
            return False, f"{n} differs from the intact OVA's"
    return True, ""


def judge(inp, appliance, oracle):
    """One case.  oracle: 'refuse' (must fail), 'qemu' (may succeed if
    qemu-img agrees), or a directory (an OVA: may succeed if equal to it).
    Returns (kind, problems, stderr): kind is 'refused', 'agreed' or 'bad'."""
    o = convert(inp, appliance)
    if o.problems:
        return "bad", o.problems + [f"stderr: {o.err!r}"], o.err
    if o.rc == 1:
        return "refused", [], o.err
    if oracle == "refuse":
        return "bad", ["exit 0: a hostile input was accepted"], o.err
    if oracle == "qemu":
        good, why = qemu_agrees(inp, o.out)
    else:
        good, why = same_as(o.out, oracle)
    return ("agreed", [], o.err) if good else ("bad", [f"exit 0, but {why}"], o.err)


def report(desc, n, results):
    """One assertion for many cases: the tally, and the first problems."""
    tally = {"refused": 0, "agreed": 0, "bad": 0}
    bad = []
    for label, kind, problems in results:
        tally[kind] += 1
        if kind == "bad":
            bad.append((label, problems))
    summary = (f"{desc}: {n} case(s): {tally['refused']} refused cleanly"
               + (f", {tally['agreed']} read as qemu-img reads them" if tally["agreed"] else ""))
    if bad:
        details = [f"{label}: " + "; ".join(problems) for label, problems in sorted(bad)[:10]]
        if len(bad) > 10:
            details.append(f"... and {len(bad) - 10} more")
        not_ok(f"{summary}, {tally['bad']} BAD", details)
    else:
        ok(summary)


def read_list(path):
    """[(label, path)] from "LABEL<TAB>PATH" lines."""
    with open(path) as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if line.strip()]


# ---------------------------------------------------------------- modes

def table(a):
    def case(c):
        kind, problems, _ = judge(c[1], False, "qemu")
        return f"{a.desc} {c[0]}", kind, problems
    cases = read_list(a.list)
    with cf.ThreadPoolExecutor(WORKERS) as ex:
        report(a.desc, len(cases), list(ex.map(case, cases)))


def refuse(a):
    for label, path in read_list(a.list):
        kind, problems, err = judge(path, a.appliance, "refuse")
        if kind == "refused":
            ok(f"{label} ({err})")
        else:
            not_ok(label, problems)


def cut_stripe(label, files, victim, inp, cut_at, appliance, oracle):
    """Copy the input's files once into a fresh directory, then cut the
    victim down through cut_at (descending), judging inp after each cut.
    Copying once per stripe rather than once per cut keeps a 1 MiB image's
    2048 cuts from writing a gigabyte."""
    os.makedirs(os.path.join(SCRATCH, "cut"), exist_ok=True)
    work = tempfile.mkdtemp(dir=os.path.join(SCRATCH, "cut"))
    for f in files:
        shutil.copy(f, work)
    v = os.path.join(work, os.path.basename(victim))
    i = os.path.join(work, os.path.basename(inp))
    out = []
    for n in cut_at:
        os.truncate(v, n)
        kind, problems, _ = judge(i, appliance, oracle)
        out.append((f"{label} cut at {n}", kind, problems))
    shutil.rmtree(work)
    return out


def cut(a):
    inp = a.input
    victim = a.victim or inp
    size = os.path.getsize(victim)
    oracle = "qemu"
    if a.appliance:
        oracle = os.path.join(SCRATCH, "ref", a.label.replace("/", "_").replace(" ", "_"))
        os.makedirs(oracle, exist_ok=True)
        subprocess.run([CONV, inp, oracle], capture_output=True)
    files = sorted({inp, victim, *a.with_})
    offsets = list(range(0, size, 512))[::-1]
    stripes = [offsets[w::WORKERS] for w in range(WORKERS)]
    with cf.ThreadPoolExecutor(WORKERS) as ex:
        futs = [ex.submit(cut_stripe, a.label, files, victim, inp, st, a.appliance, oracle)
                for st in stripes if st]
        results = [r for f in futs for r in f.result()]
    what = "" if victim == inp else f" extent {os.path.basename(victim)}"
    report(f"{a.label}{what} ({size} bytes) truncated at every 512-byte boundary",
           len(offsets), results)


def main():
    global SCRATCH
    ap = argparse.ArgumentParser(prog="badinput_judge.py")
    ap.add_argument("--scratch", required=True)
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("cut")
    p.add_argument("label")
    p.add_argument("input")
    p.add_argument("--appliance", action="store_true")
    p.add_argument("--victim")
    p.add_argument("--with", dest="with_", nargs="*", default=[])
    p.set_defaults(fn=cut)
    p = sub.add_parser("table")
    p.add_argument("desc")
    p.add_argument("list")
    p.set_defaults(fn=table)
    p = sub.add_parser("refuse")
    p.add_argument("list")
    p.add_argument("--appliance", action="store_true")
    p.set_defaults(fn=refuse)
    a = ap.parse_args()
    SCRATCH = a.scratch
    os.makedirs(SCRATCH, exist_ok=True)
    a.fn(a)


if __name__ == "__main__":
    main()
