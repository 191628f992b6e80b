#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fault_at.py NAME=VALUE... -- CMD...: land a fault in the middle of CMD.

Runs CMD, waits until it has written a given amount, stops it (SIGSTOP),
applies the fault, resumes it (SIGCONT), and checks how it ended.  The stop
makes the fault land deterministically mid-work, never in a race with a
fast command.  Used by test_cli_signals.sh and test_faults.sh.

  wait_wchar=N            wait for N bytes written by CMD (any fd, from
                          /proc/PID/io; default 1 MiB)
  wait_file=P wait_size=N wait instead for file P to reach N bytes
  signal=SIGINT           the fault: a signal to CMD, or
  truncate=P:N            truncate file P to N bytes, or
  kill=PID                SIGKILL another process
  expect=1|130|143        the exit code expected (default 1)
  lines=1|any             how many lines stderr must have (default 1; any
                          when CMD may print progress)
  mention=TEXT            text stderr must contain (several: TEXT|TEXT)
  watch=DIR               must hold no file afterwards (several: DIR:DIR)
  empty_at_fault=DIR      must hold no file when the fault point is reached:
                          nothing is staged there, the work streams
  patience=S              seconds to wait for the fault point, and again
                          for CMD to end after it (default 120)

Prints "ok: WHAT: exit N; stderr: '...'" and exits 0, or prints the
problems and exits 1.
"""
import os
import signal
import subprocess
import sys
import time


def wchar(pid):
    """Bytes the process has written so far (any fd), 0 if unknown."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit(__doc__)
    i = argv.index("--")
    args = dict(a.split("=", 1) for a in argv[:i])
    cmd = argv[i + 1:]
    patience = float(args.get("patience", "120"))
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def reached():
        if "wait_file" in args:
            try:
                return os.stat(args["wait_file"]).st_size >= int(args["wait_size"])
            except OSError:
                return False
        return wchar(p.pid) >= int(args.get("wait_wchar", 1 << 20))

    deadline = time.monotonic() + patience
    while p.poll() is None and not reached() and time.monotonic() < deadline:
        time.sleep(0.001)
    if p.poll() is not None:
        err = p.stderr.read().decode(errors="replace").strip()
        print(f"ended (exit {p.returncode}) before the fault could be applied; stderr: {err!r}")
        sys.exit(1)
    if not reached():
        p.kill()
        print(f"the point of the fault was not reached in {patience:g} s")
        sys.exit(1)
    os.kill(p.pid, signal.SIGSTOP)
    staged = []
    for d in filter(None, args.get("empty_at_fault", "").split(":")):
        staged += [f"{d}/{f}" for f in os.listdir(d)] if os.path.isdir(d) else []
    what = ""
    if "signal" in args:
        os.kill(p.pid, getattr(signal, args["signal"]))
        what = args["signal"]
    elif "truncate" in args:
        path, n = args["truncate"].rsplit(":", 1)
        os.truncate(path, int(n))
        what = f"input truncated to {n} bytes"
    elif "kill" in args:
        os.kill(int(args["kill"]), signal.SIGKILL)
        what = f"pid {args['kill']} killed"
    os.kill(p.pid, signal.SIGCONT)
    try:
        _, err = p.communicate(timeout=patience)
    except subprocess.TimeoutExpired:
        p.kill()
        print(f"still running {patience:g} s after the fault ({what})")
        sys.exit(1)
    err = err.decode(errors="replace").strip()
    problems = []
    if staged:
        problems.append(f"files staged at the fault point: {sorted(staged)}")
    if p.returncode < 0:
        problems.append(f"killed by signal {-p.returncode}")
    elif p.returncode != int(args.get("expect", "1")):
        problems.append(f"exit {p.returncode}, expected {args.get('expect', '1')}")
    lines = [l for l in err.splitlines() if l.strip()]
    if args.get("lines", "1") != "any" and len(lines) != int(args.get("lines", "1")):
        problems.append(f"{len(lines)} lines on stderr, expected {args.get('lines', '1')}")
    for m in args.get("mention", "").split("|"):
        if m and m not in err:
            problems.append(f"stderr does not mention {m!r}")
    for d in filter(None, args.get("watch", "").split(":")):
        left = os.listdir(d) if os.path.isdir(d) else []
        if left:
            problems.append(f"left in {d}: {sorted(left)}")
    if problems:
        print("; ".join(problems) + f"; after {what}; stderr: {err!r}")
        sys.exit(1)
    print(f"ok: {what}: exit {p.returncode}; stderr: {err!r}")


if __name__ == "__main__":
    main()
