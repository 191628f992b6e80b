#!/usr/bin/env bash
# test_cli_signals.sh: SIGINT / SIGTERM during a conversion (issue 2).
#
# ova-convert must notice the signal, cancel the pipeline, remove its temp
# output and exit by itself with 130 (SIGINT) or 143 (SIGTERM): a process
# killed by the signal's default action would leave the temp file behind.
#
# To make this deterministic rather than a race against a fast conversion,
# the driver waits until ova-convert has written its first MiB, stops it
# (SIGSTOP), queues the signal, and resumes it (SIGCONT): the signal then
# always arrives in the middle of the copy.
. "$(dirname "$0")/lib.sh"
need python3

# 1 GiB of non-zero data (one random MiB repeated): zero detection cannot
# skip it, and it is quick to make.
python3 - "$T/big.raw" <<'PY'
import os, sys
block = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as f:
    for _ in range(1024):
        f.write(block)
PY

# interrupt SIGNAME EXPECTED-EXIT [ARGS...]: prints "ok ..." or the problem.
interrupt() {
	python3 - "$OVA_CONVERT" "$T/big.raw" "$T/out" "$@" <<'PY'
import os, signal, subprocess, sys, time

conv, src, outdir, signame, expected = sys.argv[1:6]
extra = sys.argv[6:]
sig = getattr(signal, signame)
p = subprocess.Popen([conv, *extra, src, os.path.join(outdir, "o.raw")],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def written(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

deadline = time.monotonic() + 60
while p.poll() is None and written(p.pid) < (1 << 20) and time.monotonic() < deadline:
    time.sleep(0.001)
if p.poll() is not None:
    print(f"conversion ended (exit {p.returncode}) before it wrote 1 MiB; cannot interrupt it")
    sys.exit(1)
if written(p.pid) < (1 << 20):
    p.kill()
    print("conversion wrote nothing in 60 s")
    sys.exit(1)
os.kill(p.pid, signal.SIGSTOP)
os.kill(p.pid, sig)
os.kill(p.pid, signal.SIGCONT)
try:
    _, err = p.communicate(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    print(f"still running 60 s after {signame}")
    sys.exit(1)
err = err.decode(errors="replace").strip()
left = sorted(os.listdir(outdir))
problems = []
if p.returncode < 0:
    problems.append(f"killed by signal {-p.returncode} instead of exiting {expected}")
elif p.returncode != int(expected):
    problems.append(f"exit {p.returncode}, expected {expected}")
if left:
    problems.append(f"left in the output dir: {left}")
if problems:
    print("; ".join(problems) + f"; stderr: {err!r}")
    sys.exit(1)
print(f"ok: exit {p.returncode}, output dir empty; stderr: {err!r}")
PY
}

for case in "SIGINT 130" "SIGTERM 143" "SIGINT 130 -j 1" "SIGTERM 143 -p"; do
	rm -rf "$T/out" && mkdir -p "$T/out"
	# shellcheck disable=SC2086  # the case is split on purpose
	if msg=$(interrupt $case); then
		ok "$case during a 1 GiB conversion: $msg"
	else
		not_ok "$case during a 1 GiB conversion" "$msg"
	fi
done

finish
