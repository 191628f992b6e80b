#!/usr/bin/env bash
# test_badinput.sh: the bad-input table (issue 8).
#
# Every case runs ova-convert under a timeout and `ulimit -v`, and must end
# with exit 1 (never a signal, never a hang), exactly one line on stderr
# that names the input file and says what is wrong, and nothing left in
# the output directory.  The cases:
#   - truncation: every real sample (../shared/testdata/real) and every
#     generated image (VMDK of each subformat and qcow2 variants from
#     qemu-img, a tiny OVA) of at most 1 MiB, cut at every 512-byte
#     boundary;
#   - corrupted VMDK fields: bit flips in the header, the grain directory
#     and grain tables; stream grain markers claiming more than 2 grains,
#     an LBA beyond the capacity, duplicate and overlapping LBAs;
#   - hostile VMDK geometry and extents: capacity 2^63, grain size 0 and
#     not a power of two, extent paths that are absolute or contain "..";
#   - hostile qcow2 values: L1 size 2^31, refcount order 7, and friends;
#   - hostile tar members: "..", absolute, symlink, hardlink, duplicates,
#     in plain and gzip-compressed OVAs;
#   - hostile OVF: billion laughs, a 200 MB OVF, 100,000 items, negative
#     and huge capacity and memory;
#   - manifest faults: a missing file named, an unknown algorithm.
# A truncated or bit-flipped image can still be a valid image (a cut in
# trailing padding, a flip in an unused field).  Then ova-convert may
# succeed, but only if qemu-img, the oracle, reads the same file and gets
# the same guest contents (qemu-img compare); an OVA that still converts
# must give the same disk as the intact one.  Being stricter than qemu-img
# (refusing what it reads) is allowed and counted.  The crafted hostile
# cases must always be refused.
#
# Not under ASan: its shadow memory reservation cannot start under
# `ulimit -v`, so the sanitized build skips this test (the fuzz targets and
# the other tests cover the same code under ASan).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need python3 tar

case ${OVK_SANITIZE,,} in
1 | on | true | yes)
	skip_all "OVK_SANITIZE is on: ASan cannot reserve its shadow memory under ulimit -v," \
		"and this table must run under ulimit -v (the release build runs it)"
	;;
esac

# Per case: seconds before it counts as a hang, and the address-space limit
# (KiB).  4 GiB is far above what a conversion of these tiny inputs maps
# (inputs, 2 MiB chunks per worker, thread stacks), and far below what a
# runaway allocation would want.
export OVK_BADINPUT_TIMEOUT=${OVK_BADINPUT_TIMEOUT:-30}
export OVK_BADINPUT_VMEM_KIB=${OVK_BADINPUT_VMEM_KIB:-4194304}
export OVA_CONVERT OVK_REAL OVK_SRC

cat >"$T/badinput.py" <<'PY'
import concurrent.futures as cf
import gzip, io, itertools, json, os, random, resource, shutil, struct, subprocess, sys
import tarfile, threading

T = sys.argv[1]
CONV = os.environ["OVA_CONVERT"]
REAL = os.environ.get("OVK_REAL", "")
SRC = os.environ["OVK_SRC"]
TIMEOUT = int(os.environ["OVK_BADINPUT_TIMEOUT"])
VMEM = int(os.environ["OVK_BADINPUT_VMEM_KIB"]) * 1024
MAX_CUT_SIZE = 1 << 20
WORKERS = max(1, min(4, os.cpu_count() or 1))
failures = 0
checks = 0
real_checked = 0
_slots = threading.local()
_slot_ids = itertools.count()


def my_slot():
    """An output directory per worker thread, so cases never share one."""
    if not hasattr(_slots, "n"):
        _slots.n = next(_slot_ids)
    return _slots.n


def ok(msg):
    global checks
    checks += 1
    print(f"ok     - {msg}", flush=True)


def not_ok(msg, details=()):
    global checks, failures
    checks += 1
    failures += 1
    print(f"NOT OK - {msg}", flush=True)
    for d in details:
        print(f"         {d}", flush=True)


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (VMEM, VMEM))


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ------------------------------------------------------------- running

class Outcome:
    def __init__(self, rc, err, problems, out):
        self.rc, self.err, self.problems, self.out = rc, err, problems, out


def convert(inp, appliance, mention=None):
    """Run ova-convert on inp; check the failure contract.  On exit 0 the
    output is left for the caller (o.qcow2 or the directory); on failure
    the output directory must be empty."""
    outdir = os.path.join(T, f"out{my_slot()}")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    target = outdir if appliance else os.path.join(outdir, "o.qcow2")
    try:
        p = subprocess.run([CONV] + ([] if appliance else ["-O", "qcow2"]) + [inp, target], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=TIMEOUT, preexec_fn=limit)
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
        name = mention or os.path.basename(inp)
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


def qemu_agrees(inp, out, fmt=None):
    """qemu-img reads inp and its guest contents equal our qcow2 output."""
    ref = out + ".ref.raw"
    cmd = ["qemu-img", "convert"] + (["-f", fmt] if fmt else []) + ["-O", "raw", inp, ref]
    try:
        if subprocess.run(cmd, capture_output=True, timeout=60).returncode != 0:
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


def judge(inp, appliance, oracle, fmt=None, mention=None):
    """One case.  oracle: 'refuse' (must fail), 'qemu' (may succeed if
    qemu-img agrees), or a directory (an OVA: may succeed if equal to it).
    Returns (kind, problems, stderr): kind is 'refused', 'agreed' or 'bad'."""
    o = convert(inp, appliance, mention)
    if o.problems:
        return "bad", o.problems + [f"stderr: {o.err!r}"], o.err
    if o.rc == 1:
        return "refused", [], o.err
    if oracle == "refuse":
        return "bad", ["exit 0: a hostile input was accepted"], o.err
    if oracle == "qemu":
        good, why = qemu_agrees(inp, o.out, fmt)
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


def table(desc, cases, appliance=False, oracle="qemu", fmt=None, mention=None):
    """Run many inputs (label, path) in parallel as one assertion."""
    def case(c):
        kind, problems, _ = judge(c[1], appliance, oracle, fmt, mention)
        return c[0], kind, problems
    with cf.ThreadPoolExecutor(WORKERS) as ex:
        report(desc, len(cases), list(ex.map(case, cases)))


def one(desc, path, appliance=False, mention=None):
    """A crafted hostile input: must be refused."""
    kind, problems, err = judge(path, appliance, "refuse", mention=mention)
    if kind == "refused":
        ok(f"{desc} ({err})")
    else:
        not_ok(desc, problems)


# ---------------------------------------------------------- truncation

def cut_stripe(label, files, victim, inp, cut_at, appliance, oracle, fmt):
    """Copy the input's files once into a fresh directory, then cut the
    victim down through cut_at (descending), judging inp after each cut.
    Copying once per stripe rather than once per cut keeps a 1 MiB image's
    2048 cuts from writing a gigabyte."""
    work = os.path.join(T, "cut", f"{next(_slot_ids)}")
    os.makedirs(work)
    for f in files:
        shutil.copy(f, work)
    v = os.path.join(work, os.path.basename(victim))
    i = os.path.join(work, os.path.basename(inp))
    out = []
    for n in cut_at:
        os.truncate(v, n)
        kind, problems, _ = judge(i, appliance, oracle, fmt)
        out.append((f"{label} cut at {n}", kind, problems))
    shutil.rmtree(work)
    return out


def truncation(label, inp, appliance=False, siblings=(), fmt=None, victim=None):
    """Cut victim (default: inp itself) at every 512-byte boundary below
    its size, the input's other files (siblings) intact beside it."""
    victim = victim or inp
    size = os.path.getsize(victim)
    oracle = "qemu"
    if appliance:
        oracle = os.path.join(T, "ref", label.replace("/", "_").replace(" ", "_"))
        os.makedirs(oracle, exist_ok=True)
        subprocess.run([CONV, inp, oracle], capture_output=True)
    files = sorted({inp, victim, *siblings})
    offsets = list(range(0, size, 512))[::-1]
    stripes = [offsets[w::WORKERS] for w in range(WORKERS)]
    with cf.ThreadPoolExecutor(WORKERS) as ex:
        futs = [ex.submit(cut_stripe, label, files, victim, inp, st, appliance, oracle, fmt)
                for st in stripes if st]
        results = [r for f in futs for r in f.result()]
    what = "" if victim == inp else f" extent {os.path.basename(victim)}"
    report(f"{label}{what} ({size} bytes) truncated at every 512-byte boundary",
           len(offsets), results)


# ------------------------------------------------------------ generators

def pattern_raw(path, size):
    """Compressible but non-zero data in a few places, zeros elsewhere:
    small sparse and compressed images with real grains/clusters."""
    rnd = random.Random(8)
    buf = bytearray(size)
    for start in (0, size // 3, size - 70000):
        start = max(0, start) // 512 * 512
        chunk = bytes(rnd.choice(b"ovakit-hostile-") for _ in range(65536))
        buf[start:start + len(chunk)] = chunk[:size - start]
    write(path, bytes(buf))


def gen_images(g):
    raw = os.path.join(g, "src.raw")
    pattern_raw(raw, 256 << 10)
    imgs = {}
    for sub in ("monolithicSparse", "streamOptimized", "monolithicFlat",
                "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"):
        d = os.path.join(g, sub)
        os.makedirs(d)
        p = os.path.join(d, f"{sub}.vmdk")
        sh("qemu-img", "convert", "-O", "vmdk", "-o", f"subformat={sub}", raw, p)
        imgs[f"vmdk {sub}"] = p
    for label, opts, extra in (("qcow2 v3", "cluster_size=4096", []),
                               ("qcow2 v2", "compat=0.10,cluster_size=4096", []),
                               ("qcow2 64k clusters", "cluster_size=65536", []),
                               ("qcow2 zlib", "cluster_size=4096", ["-c"]),
                               ("qcow2 zstd", "cluster_size=4096,compression_type=zstd", ["-c"])):
        d = os.path.join(g, label.replace(" ", "_"))
        os.makedirs(d)
        p = os.path.join(d, "img.qcow2")
        sh("qemu-img", "convert", "-O", "qcow2", "-o", opts, *extra, raw, p)
        imgs[label] = p
    d = os.path.join(g, "backing")
    os.makedirs(d)
    shutil.copy(imgs["qcow2 v3"], os.path.join(d, "base.qcow2"))
    sh("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.qcow2",
       "-F", "qcow2", os.path.join(d, "top.qcow2"))
    sh("qemu-io", "-c", "write -P 0x5a 4096 8192", os.path.join(d, "top.qcow2")) \
        if shutil.which("qemu-io") else None
    imgs["qcow2 overlay"] = os.path.join(d, "top.qcow2")
    return raw, imgs


def vmdk_header(data):
    f = struct.unpack_from("<4sIIQQQQIQQQB4sH", data, 0)
    keys = ("magic version flags capacity grain desc_off desc_size gtes rgd gd overhead "
            "unclean nl compress").split()
    return dict(zip(keys, f))


def stream_grains(data):
    """(offset, lba, size) of each grain marker of a stream VMDK."""
    h = vmdk_header(data)
    i = h["overhead"] * 512
    out = []
    while i + 16 <= len(data):
        lba, size = struct.unpack_from("<QI", data, i)
        if size:
            out.append((i, lba, size))
            i += (12 + size + 511) // 512 * 512
        else:
            mtype = struct.unpack_from("<I", data, i + 12)[0]
            if mtype == 0:
                break
            i += 512 + lba * 512
    return out


def patched(data, off, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, value)
    return bytes(b)


def flipped(data, off, bit):
    b = bytearray(data)
    b[off] ^= 1 << bit
    return bytes(b)


# ---------------------------------------------------------------- cases

def corrupted_vmdk(imgs, g):
    ms = read(imgs["vmdk monolithicSparse"])
    so = read(imgs["vmdk streamOptimized"])
    d = os.path.join(g, "corrupt")
    os.makedirs(d)

    def many(label, variants, oracle="qemu"):
        cases = []
        for i, data in enumerate(variants):
            sub = os.path.join(d, label.replace(" ", "_"), str(i))
            os.makedirs(sub)
            cases.append((f"{label} #{i}", write(os.path.join(sub, "c.vmdk"), data)))
        table(label, cases, oracle=oracle)

    # Header: every byte of the fields (0..78), two bits each.
    for name, data in (("monolithicSparse", ms), ("streamOptimized", so)):
        many(f"VMDK {name} header bit flips",
             [flipped(data, off, bit) for off in range(79) for bit in (off % 8, 7 - off % 8)])
    # Grain directory and grain tables of the sparse image.
    h = vmdk_header(ms)
    gd = h["gd"] * 512
    gt = struct.unpack_from("<I", ms, gd)[0] * 512
    live = [i for i in range(h["gtes"]) if struct.unpack_from("<I", ms, gt + 4 * i)[0]]
    many("VMDK grain directory bit flips (entry 0, every bit; rgd too)",
         [flipped(ms, gd + b // 8, b % 8) for b in range(32)] +
         [flipped(ms, h["rgd"] * 512 + b // 8, b % 8) for b in range(32)])
    many(f"VMDK grain table bit flips ({len(live)} live entries, every bit)",
         [flipped(ms, gt + 4 * e + b // 8, b % 8) for e in live for b in range(32)])
    # Stream markers: crafted, so always refused.
    grains = stream_grains(so)
    cap = vmdk_header(so)["capacity"]
    grain = vmdk_header(so)["grain"]
    (o0, l0, s0), (o1, l1, s1) = grains[0], grains[1]
    for label, data in (
            ("a grain marker claiming 3 grains of compressed data",
             patched(so, o0 + 8, "<I", 3 * grain * 512)),
            ("a grain marker claiming 4 GiB", patched(so, o0 + 8, "<I", 0xffffffff)),
            ("a grain marker at an LBA beyond the capacity", patched(so, o1, "<Q", cap)),
            ("a grain marker at LBA 2^63", patched(so, o1, "<Q", 1 << 63)),
            ("a grain marker at an LBA not on a grain boundary", patched(so, o1, "<Q", l0 + 1)),
            ("two grain markers at the same LBA", patched(so, o1, "<Q", l0)),
            ("grain markers going backwards", patched(patched(so, o0, "<Q", l1), o1, "<Q", l0))):
        one(f"VMDK stream: {label}", write(os.path.join(d, "m.vmdk"), data))


def hostile_vmdk(imgs, g):
    d = os.path.join(g, "geometry")
    os.makedirs(d)
    ms = read(imgs["vmdk monolithicSparse"])
    so = read(imgs["vmdk streamOptimized"])
    for label, data in (
            ("capacity 2^63 sectors", patched(ms, 12, "<Q", 1 << 63)),
            ("capacity 2^63 bytes", patched(ms, 12, "<Q", (1 << 63) // 512)),
            ("capacity 2^64-1 sectors (stream)", patched(so, 12, "<Q", (1 << 64) - 1)),
            ("grain size 0", patched(ms, 20, "<Q", 0)),
            ("grain size 0 (stream)", patched(so, 20, "<Q", 0)),
            ("grain size 3 sectors (not a power of two)", patched(ms, 20, "<Q", 3)),
            ("grain size 2^40 sectors", patched(ms, 20, "<Q", 1 << 40)),
            ("512 GTEs per GT: 0", patched(ms, 44, "<I", 0)),
            ("GTEs per GT 2^31", patched(ms, 44, "<I", 1 << 31)),
            ("descriptor size 2^40 sectors", patched(ms, 36, "<Q", 1 << 40)),
            ("gd offset beyond the file", patched(ms, 56, "<Q", 1 << 40))):
        one(f"VMDK {label}", write(os.path.join(d, "g.vmdk"), data))
    flat = read(imgs["vmdk monolithicFlat"].replace(".vmdk", "-flat.vmdk"))
    write(os.path.join(d, "x-flat.vmdk"), flat)
    desc = ('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n'
            'createType="monolithicFlat"\n\n# Extent description\n{}\n\n'
            '# The Disk Data Base\nddb.virtualHWVersion = "4"\n')
    sub = os.path.join(d, "sub")
    os.makedirs(sub)
    for label, extent in (
            ("an absolute extent path", 'RW 512 FLAT "/etc/passwd" 0'),
            ("an extent path with ..", 'RW 512 FLAT "../x-flat.vmdk" 0'),
            ("an extent path with a .. inside", 'RW 512 FLAT "a/../../x-flat.vmdk" 0'),
            ("an extent of 2^63 sectors", f'RW {1 << 63} FLAT "x-flat.vmdk" 0'),
            ("an extent offset of 2^62 sectors", f'RW 512 FLAT "x-flat.vmdk" {1 << 62}'),
            ("an extent naming itself", 'RW 512 SPARSE "d.vmdk"')):
        one(f"VMDK descriptor with {label}",
            write(os.path.join(sub, "d.vmdk"), desc.format(extent).encode()))


def hostile_qcow2(imgs, g):
    d = os.path.join(g, "qhostile")
    os.makedirs(d)
    q = read(imgs["qcow2 v3"])
    l1_off = struct.unpack_from(">Q", q, 40)[0]
    l2_off = struct.unpack_from(">Q", q, l1_off)[0] & 0x00fffffffffffe00
    for label, data in (
            ("L1 size 2^31", patched(q, 36, ">I", 1 << 31)),
            ("L1 size 2^32-1", patched(q, 36, ">I", 0xffffffff)),
            ("refcount order 7", patched(q, 96, ">I", 7)),
            ("cluster bits 8", patched(q, 20, ">I", 8)),
            ("cluster bits 22", patched(q, 20, ">I", 22)),
            ("virtual size 2^63", patched(q, 24, ">Q", 1 << 63)),
            ("virtual size 2^62 (L1 too small)", patched(q, 24, ">Q", 1 << 62)),
            ("L1 table beyond the file", patched(q, 40, ">Q", 1 << 40)),
            ("an L1 entry beyond the file", patched(q, l1_off, ">Q", (1 << 63) | (1 << 40))),
            ("an unaligned L1 entry", patched(q, l1_off, ">Q", (1 << 63) | (l2_off + 512))),
            ("an L2 entry beyond the file", patched(q, l2_off, ">Q", (1 << 63) | (1 << 40))),
            ("a compressed L2 entry beyond the file", patched(q, l2_off, ">Q", (1 << 62) | (1 << 40))),
            ("header length 2^31", patched(q, 100, ">I", 1 << 31)),
            ("backing file name of 2^31 bytes", patched(patched(q, 8, ">Q", 512), 16, ">I", 1 << 31)),
            ("backing file /etc/passwd",
             patched(patched(q[:1024] + b"/etc/passwd" + q[1035:], 8, ">Q", 1024), 16, ">I", 11)),
            ("an unknown incompatible feature bit", patched(q, 72, ">Q", 1 << 40))):
        one(f"qcow2 {label}", write(os.path.join(d, "q.qcow2"), data))


def seeds(g):
    d = os.path.join(g, "seeds")
    sh(sys.executable, os.path.join(SRC, "tests/fuzz/make_tar_seeds.py"), d)
    return d


def members(ova):
    with tarfile.open(ova) as t:
        return [(m.name, t.extractfile(m).read()) for m in t.getmembers()]


def pack(path, entries, compress=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                t.addfile(e)
                continue
            name, data = e
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    write(path, gzip.compress(data, mtime=0) if compress else data)
    return path


def link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def hostile_tar(sd, g):
    d = os.path.join(g, "tar")
    os.makedirs(d)
    base = members(os.path.join(sd, "plain.ova"))
    disk = [e for e in base if e[0].endswith(".vmdk")][0]
    rest = [e for e in base if e is not disk]
    for compress in (False, True):
        kind = "gzip OVA" if compress else "OVA"
        for label, entries in (
                ("a member named ../x", base + [("../x", b"evil")]),
                ("a member named a/../../x", base + [("a/../../x", b"evil")]),
                ("an absolute member /tmp/x", base + [("/tmp/ovk-evil", b"evil")]),
                ("the disk as a symlink to /etc/passwd",
                 rest + [link(disk[0], "/etc/passwd", tarfile.SYMTYPE)]),
                ("the disk as a hardlink to the OVF", rest + [link(disk[0], "s.ovf", tarfile.LNKTYPE)]),
                ("a device member", base + [link("dev", "", tarfile.CHRTYPE)]),
                ("the disk twice, different bytes", base + [(disk[0], disk[1][:512])]),
                ("the OVF twice", base + [("s.ovf", b"<Envelope/>")])):
            one(f"{kind}: {label}", pack(os.path.join(d, "h.ova"), entries, compress),
                appliance=True)
    if os.path.exists("/tmp/ovk-evil"):
        not_ok("a hostile member was written to /tmp/ovk-evil")


def hostile_ovf(sd, g):
    d = os.path.join(g, "ovf")
    os.makedirs(d)
    base = members(os.path.join(sd, "plain.ova"))
    ovf = [e for e in base if e[0].endswith(".ovf")][0][1].decode()
    disk = [e for e in base if e[0].endswith(".vmdk")][0]

    def ova(label, text):
        # No manifest: the OVF itself must be refused, not its digest.
        one(f"OVF: {label}", pack(os.path.join(d, "o.ova"), [("s.ovf", text.encode()), disk]),
            appliance=True)

    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE Envelope [\n<!ENTITY lol "lol">\n'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">\n'
                        for i in range(1, 10))
              + ']>\n')
    body = ovf.split("?>", 1)[1]
    ova("billion laughs (9 levels of 10 entities)",
        laughs + body.replace("<Name>s</Name>", "<Name>&lol9;</Name>"))
    ova("an external entity (file:///etc/passwd)",
        '<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + body.replace("<Name>s</Name>", "<Name>&x;</Name>"))
    items = "".join(f"<Item><rasd:ElementName>x</rasd:ElementName><rasd:InstanceID>{i + 10}"
                    "</rasd:InstanceID><rasd:ResourceType>1</rasd:ResourceType></Item>"
                    for i in range(100000))
    ova("100,000 items", ovf.replace("</VirtualHardwareSection>", items + "</VirtualHardwareSection>"))
    cap = 'ovf:capacity="'
    for label, new in (("capacity -1", "-1"), ("capacity 2^64", str(1 << 64)),
                       ("capacity 10^30", "1" + "0" * 30),
                       ("capacity 2^60 x 2^10 units",
                        f'{1 << 60}" ovf:capacityAllocationUnits="byte * 2^10')):
        i = ovf.index(cap) + len(cap)
        j = ovf.index('"', i)
        ova(label, ovf[:i] + new + ovf[j:])
    mem = "<rasd:VirtualQuantity>64</rasd:VirtualQuantity>"
    for label, new in (("memory -1 MB", "-1"), ("memory 2^60 MB", str(1 << 60)),
                       ("memory 10^30 MB", "1" + "0" * 30)):
        ova(label, ovf.replace(mem, f"<rasd:VirtualQuantity>{new}</rasd:VirtualQuantity>"))
    # 200 MB: as a bare .ovf file and as an OVA member (both refused
    # before being read whole).
    big = os.path.join(d, "big.ovf")
    pad = b"<!-- " + b"x" * (1 << 20) + b" -->\n"
    with open(big, "wb") as f:
        f.write(ovf.split("</Envelope>")[0].encode())
        for _ in range(200):
            f.write(pad)
        f.write(b"</Envelope>\n")
    one("OVF: a 200 MB .ovf file", big, appliance=True)
    bigova = os.path.join(d, "big.ova")
    with tarfile.open(bigova, "w", format=tarfile.GNU_FORMAT) as t:
        t.add(big, arcname="s.ovf")
        info = tarfile.TarInfo(disk[0])
        info.size = len(disk[1])
        t.addfile(info, io.BytesIO(disk[1]))
    os.unlink(big)
    one("OVF: a 200 MB .ovf member of an OVA", bigova, appliance=True)
    os.unlink(bigova)


def manifest_faults(sd, g):
    d = os.path.join(g, "mf")
    os.makedirs(d)
    base = members(os.path.join(sd, "plain.ova"))
    mf = [e for e in base if e[0].endswith(".mf")][0]
    rest = [e for e in base if e is not mf]
    for label, text in (
            ("a manifest naming a missing file",
             mf[1] + b"SHA256(s-disk2.vmdk)= " + b"0" * 64 + b"\n"),
            ("a manifest with an unknown algorithm", mf[1].replace(b"SHA256(s.ovf)", b"SHA3-256(s.ovf)")),
            ("a manifest with a short digest", mf[1].replace(b"SHA256(s.ovf)= ", b"SHA256(s.ovf)= 00")[:-40] + b"\n"),
            ("a manifest line without a digest", mf[1] + b"SHA256(s.ovf)\n")):
        entries = [rest[0], (mf[0], text)] + rest[1:]
        one(f"{label}", pack(os.path.join(d, "m.ova"), entries), appliance=True)
        one(f"{label} (gzip OVA)", pack(os.path.join(d, "m.ova"), entries, True), appliance=True)


def main():
    global real_checked
    g = os.path.join(T, "gen")
    os.makedirs(g)
    raw, imgs = gen_images(g)
    sd = seeds(g)

    if REAL and os.path.isdir(REAL):
        skip_ext = (".ovf", ".mf", ".md")
        for root, _, files in sorted(os.walk(REAL)):
            for f in sorted(files):
                p = os.path.join(root, f)
                if f.endswith(skip_ext) or os.path.getsize(p) > MAX_CUT_SIZE:
                    continue
                label = os.path.relpath(p, REAL)
                truncation(f"real {label}", p, appliance=f.endswith(".ova"))
                real_checked += 1

    for label, p in imgs.items():
        d = os.path.dirname(p)
        if label.startswith("vmdk") and len(os.listdir(d)) > 1:
            # A descriptor and its extents: cut each, the others intact.
            files = [os.path.join(d, f) for f in sorted(os.listdir(d))]
            for f in files:
                truncation(label, p, siblings=files, victim=f)
        elif label == "qcow2 overlay":
            truncation(label, p, siblings=[os.path.join(d, "base.qcow2")])
        else:
            truncation(label, p)
    truncation("tiny OVA", os.path.join(sd, "plain.ova"), appliance=True)
    truncation("tiny gzip OVA", os.path.join(sd, "gzip.ova"), appliance=True)

    corrupted_vmdk(imgs, g)
    hostile_vmdk(imgs, g)
    hostile_qcow2(imgs, g)
    hostile_tar(sd, g)
    hostile_ovf(sd, g)
    manifest_faults(sd, g)

    print(f"BADINPUT checks={checks} failures={failures} real={real_checked}")


main()
PY

python3 "$T/badinput.py" "$T" | tee "$T/badinput.log"
line=$(grep '^BADINPUT ' "$T/badinput.log" | tail -1)
[ -n "$line" ] || die "the bad-input driver did not finish"
n=$(sed -E 's/.*checks=([0-9]+).*/\1/' <<<"$line")
f=$(sed -E 's/.*failures=([0-9]+).*/\1/' <<<"$line")
r=$(sed -E 's/.*real=([0-9]+).*/\1/' <<<"$line")
_checks=$n
_failures=$f
if [ -d "$OVK_REAL" ]; then
	real_samples_required
	_real_checked=$r
fi
finish
