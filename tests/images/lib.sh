# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/images/lib.sh: shared helpers for the image tests (sourced, not run).
#
# ctest runs each tests/images/test_*.sh with OVA_CONVERT, OVK_SRC, OVK_REAL,
# OVK_TMP, OVK_LIB and OVK_SANITIZE in the environment (tests/CMakeLists.txt).
# A test sources this file, calls `check`/`ok`/`not_ok` for each assertion and
# ends with `finish`, which exits 1 if any assertion failed.  Exit 77 means
# "skipped" (ctest's SKIP_RETURN_CODE); it is used only for a missing
# ../shared/testdata/real and for cases the machine cannot set up (both say
# why).
#
# qemu-img is the oracle and a hard dependency: a missing qemu-img fails the
# test, it never skips it.

# Variables set here (OUT, ERR, RC, UNPRIV, ...) are for the sourcing test;
# the commas in UNPRIV are setpriv's syntax.
# shellcheck disable=SC2034,SC2054
set -u -o pipefail

OVK_SRC=${OVK_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OVA_CONVERT=${OVA_CONVERT:-$OVK_SRC/build/src/cli/ova-convert}
OVK_REAL=${OVK_REAL:-$OVK_SRC/../shared/testdata/real}
OVK_TMP=${OVK_TMP:-${TMPDIR:-/tmp}}
OVK_SANITIZE=${OVK_SANITIZE:-0}
# Seconds any one command under test may take before it counts as a hang.
OVK_CMD_TIMEOUT=${OVK_CMD_TIMEOUT:-300}
# The tests' Python helpers (tests/images/*.py) import each other: no
# __pycache__ in the source tree, which may be read-only.
export PYTHONDONTWRITEBYTECODE=1

TEST_NAME=$(basename "$0" .sh)
_failures=0
_checks=0
_mounts=()
_loops=()
_real_required=0
_real_checked=0

# ---------------------------------------------------------------- reporting

ok() {
	_checks=$((_checks + 1))
	echo "ok     - $*"
}

# not_ok DESC [DETAIL...]: record a failure; details go on following lines.
not_ok() {
	_checks=$((_checks + 1))
	_failures=$((_failures + 1))
	echo "NOT OK - $1"
	shift
	local d
	for d in "$@"; do
		printf '         %s\n' "$d"
	done
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "command failed: $*"
	fi
}

# tally CMD...: run a checker that prints its own "ok     - " and
# "NOT OK - " lines (a .py driver such as badinput_judge.py) and count them
# as this test's assertions; a checker that fails to run is one failure.
tally() {
	local rc
	"$@" | tee "$T/.tally"
	rc=${PIPESTATUS[0]}
	_checks=$((_checks + $(grep -c -e '^ok     - ' -e '^NOT OK - ' "$T/.tally")))
	_failures=$((_failures + $(grep -c '^NOT OK - ' "$T/.tally")))
	[ "$rc" -eq 0 ] || not_ok "$* exited $rc"
}

die() {
	echo "FATAL  - $*"
	exit 1
}

skip_all() {
	echo "SKIP   - $*"
	exit 77
}

# need CMD...: every CMD must be on PATH.  A missing tool is a broken test
# machine, not a reason to skip.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "$c is required (scripts/test.sh installs it)"
	done
}

# finish: the last line of every test.
finish() {
	if [ "$_real_required" = 1 ] && [ "$_real_checked" -eq 0 ]; then
		not_ok "real samples: $OVK_REAL exists but no sample was checked"
	fi
	echo "$TEST_NAME: $((_checks - _failures)) passed, $_failures failed"
	[ "$_failures" -eq 0 ] || exit 1
	exit 0
}

# ---------------------------------------------------------------- scratch

_cleanup() {
	local m
	for m in "${_loops[@]}"; do
		losetup -d "$m" 2>/dev/null || true
	done
	for m in "${_mounts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
}

mkdir -p "$OVK_TMP" || die "cannot create OVK_TMP=$OVK_TMP"
T=$(mktemp -d "$OVK_TMP/$TEST_NAME.XXXXXX") || die "cannot create a scratch dir in $OVK_TMP"
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$OVA_CONVERT" ] || die "OVA_CONVERT=$OVA_CONVERT is not an executable"
need qemu-img

# mount_tmpfs DIR OPTS: mount a tmpfs for this test (unmounted on exit).
# Fails (returns 1) when mounting is not permitted here.
mount_tmpfs() {
	mkdir -p "$1" && mount -t tmpfs -o "$2" ovk-test "$1" 2>/dev/null || return 1
	_mounts+=("$1")
}

# loop_attach FILE: attach a loop device backed by FILE and set LOOP_DEV
# (detached on exit; not a command substitution, so the list survives).
# Fails when loop devices are not available here.
loop_attach() {
	LOOP_DEV=$(losetup -f --show "$1" 2>/dev/null) || return 1
	_loops+=("$LOOP_DEV")
}

# --------------------------------------------------------------- running

# run CMD...: run under a timeout; sets RC, OUT (stdout) and ERR (stderr).
run() {
	timeout -k 5 "$OVK_CMD_TIMEOUT" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

# peak_rss CMD...: like run, and sets RSS_KIB to the peak resident set of CMD.
peak_rss() {
	timeout -k 5 "$OVK_CMD_TIMEOUT" /usr/bin/time -f %M -o "$T/.rss" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	RSS_KIB=$(tail -n 1 "$T/.rss" 2>/dev/null)
	case $RSS_KIB in '' | *[!0-9]*) RSS_KIB=0 ;; esac
}

# UNPRIV: a command prefix that runs a program without the capabilities
# that let root ignore file modes (DAC), so that chmod-based cases mean the
# same for root (CI runs as root) as for a normal user.  The program stays
# uid 0, so the test's files remain reachable.  Use as "${UNPRIV[@]}" CMD.
UNPRIV=()
if [ "$(id -u)" -eq 0 ]; then
	need setpriv
	UNPRIV=(setpriv --bounding-set=-dac_override,-dac_read_search)
fi

_listing() {
	if [ -d "$1" ]; then
		(cd "$1" && find . -mindepth 1 -printf '%p %s %T@\n' | sort)
	else
		echo "<absent>"
	fi
}

# expect_fail_clean DESC WATCH-DIR MENTION CMD...: CMD must exit 1 with
# exactly one line on stderr that starts with "ova-convert: " and contains
# MENTION (a file name; empty: any), and WATCH-DIR (the output directory, or
# its parent when it does not exist) must be exactly as before: no output,
# no temp file left behind, nothing existing touched.
expect_fail_clean() {
	local desc=$1 watch=$2 mention=$3 before after lines problems=()
	shift 3
	before=$(_listing "$watch")
	run "$@"
	after=$(_listing "$watch")
	lines=$(printf '%s' "$ERR" | grep -c '' || true)
	[ "$RC" -eq 1 ] || problems+=("exit code $RC, expected 1")
	[ "$lines" -eq 1 ] || problems+=("$lines lines on stderr, expected 1")
	case $ERR in
	"ova-convert: "*) ;;
	*) problems+=("stderr does not start with 'ova-convert: '") ;;
	esac
	if [ -n "$mention" ] && [[ $ERR != *"$mention"* ]]; then
		problems+=("stderr does not name '$mention'")
	fi
	[ "$before" = "$after" ] || problems+=("$watch changed:" "before: $before" "after:  $after")
	if [ ${#problems[@]} -eq 0 ]; then
		ok "$desc (${ERR})"
	else
		not_ok "$desc" "${problems[@]}" "command: $*" "stderr: $ERR"
	fi
}

# --------------------------------------------------------------- images

# make_sparse FILE SIZE [MIB-OFFSET:MIB-LENGTH...]: a sparse file of SIZE
# (truncate syntax) with random data at the given places.
make_sparse() {
	local f=$1 size=$2 spec off len
	shift 2
	rm -f "$f"
	truncate -s "$size" "$f" || return 1
	for spec in "$@"; do
		off=${spec%%:*}
		len=${spec#*:}
		head -c "${len}M" /dev/urandom |
			dd of="$f" bs=1M seek="$off" conv=notrunc status=none || return 1
	done
}

# virtual_size FILE [FMT]: the guest size in bytes, as qemu-img sees it.
virtual_size() {
	qemu-img info --output=json -f "${2:-raw}" "$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["virtual-size"])'
}

# compare_images A B [FMT-A [FMT-B]]: qemu-img says the guest contents are
# identical, and the virtual sizes are equal (plain `qemu-img compare`
# forgives a size difference when the excess reads as zeros; -s would also
# compare allocation, which a converter is free to change).
compare_images() {
	local fa=${3:-raw} fb=${4:-raw} sa sb
	sa=$(virtual_size "$1" "$fa") && sb=$(virtual_size "$2" "$fb") || return 1
	if [ "$sa" != "$sb" ]; then
		echo "virtual size differs: $1 $sa, $2 $sb"
		return 1
	fi
	qemu-img compare -q -f "$fa" -F "$fb" "$1" "$2"
}

compare_raw() {
	compare_images "$1" "$2" raw raw
}

# alloc_kib FILE: allocated size in KiB (du), i.e. what sparseness saves.
alloc_kib() {
	du -k "$1" | cut -f1
}

# json_get JSON KEY[.KEY...]: print a field of a JSON document (dots step into objects).
json_get() {
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[k]
print(v if not isinstance(v, bool) else str(v).lower())' "$1" "$2"
}

# ------------------------------------------------------------ appliances

# ovf_schema OVF: validate OVF against DMTF's OVF 1.x envelope schema
# (DSP8023) with xmllint, when OVK_OVF_XSD names dsp8023_1.1.x.xsd (with
# the CIM schemas it imports beside it; not shipped here: DMTF's files, at
# schemas.dmtf.org/ovf/envelope/1/).  Says SKIP otherwise.
ovf_schema() {
	if [ -z "${OVK_OVF_XSD:-}" ]; then
		echo "SKIP   - $(basename "$1") against DSP8023: OVK_OVF_XSD is not set"
		return 0
	fi
	if xmllint --noout --nonet --schema "$OVK_OVF_XSD" "$1" >"$T/.xsd" 2>&1; then
		ok "$(basename "$1") validates against DSP8023 ($(basename "$OVK_OVF_XSD"))"
	else
		not_ok "$(basename "$1") against DSP8023" "$(grep -v 'parser warning' "$T/.xsd")"
	fi
}

# wait_marker LOG: the tiny appliance's line (OVK-APPLIANCE-BOOTED) in the
# serial log LOG within BOOT_TIMEOUT seconds (the boot tests set it).
wait_marker() {
	local i
	for ((i = 0; i < BOOT_TIMEOUT * 2; i++)); do
		grep -q OVK-APPLIANCE-BOOTED "$1" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# appliance_disk_as DIR SUBFORMAT RAW: in the unpacked tiny appliance DIR,
# make tiny-disk1.vmdk the guest disk RAW in that VMDK subformat (with its
# extent files beside it, tiny-disk1-*.vmdk), and fix the OVF's File size
# and the SHA256 manifest (every file) to match.
appliance_disk_as() {
	local dir=$1 f
	qemu-img convert -f raw -O vmdk -o subformat="$2" "$3" "$dir/tiny-disk1.vmdk" || return 1
	sed -i -E "s/(ovf:size=\")[0-9]+/\1$(stat -c %s "$dir/tiny-disk1.vmdk")/" "$dir/tiny.ovf"
	(cd "$dir" && for f in tiny.ovf tiny-disk1*.vmdk; do
		echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
	done >tiny.mf)
}

# mkapp OUT.ova TINY.OVF RAW... [options]: a multi-disk tiny appliance
# (tests/images/appliance/multi_disk.py), or die.
mkapp() { python3 "$OVK_SRC/tests/images/appliance/multi_disk.py" "$@" || die "cannot build $1"; }

# stamped_disks BOOT.RAW DIR: the old and new contents of a two-disk
# appliance, DIR/{o1,o2,n1,n2}.raw: disk 1 is the bootable BOOT.RAW, disk
# 2 is 1 MiB of zeros; a 4 KiB stamp (A, B, C, D) at byte 600000, past the
# boot sector, tells them apart.
stamped_disks() {
	local d stamp
	for d in o1:A o2:B n1:C n2:D; do
		stamp=${d#*:}
		d=$2/${d%:*}.raw
		case $d in
		*1.raw) cp "$1" "$d" ;;
		*) head -c 1M /dev/zero >"$d" ;;
		esac || return 1
		head -c 4096 /dev/zero | tr '\0' "$stamp" |
			dd of="$d" bs=4096 seek=600000 oflag=seek_bytes conv=notrunc status=none || return 1
	done
}

# ------------------------------------------------------------- libvirt

# scratch_up POOL BRIDGE DIR: a dir pool POOL over DIR and a plain bridge
# BRIDGE on qemu:///system, for a boot test (libvirt networks need iptables
# and dnsmasq, which a minimal machine lacks).  scratch_down removes both,
# with every volume in the pool.
scratch_up() {
	virsh -q -c qemu:///system pool-define-as "$1" dir --target "$3" >/dev/null &&
		virsh -q -c qemu:///system pool-start "$1" >/dev/null || return 1
	ip link add "$2" type bridge && ip link set "$2" up
}

scratch_down() {
	local v
	for v in $(virsh -q -c qemu:///system vol-list "$1" 2>/dev/null | awk '{print $1}'); do
		virsh -q -c qemu:///system vol-delete "$v" --pool "$1" >/dev/null 2>&1
	done
	virsh -q -c qemu:///system pool-destroy "$1" >/dev/null 2>&1
	virsh -q -c qemu:///system pool-undefine "$1" >/dev/null 2>&1
	ip link del "$2" 2>/dev/null
}

# ---------------------------------------------------------- real samples

# real_samples_required: the test reads ../shared/testdata/real.  Skip (77)
# only when that directory is absent (a plain clone); when it exists the test
# must check at least one sample, or finish fails it.
real_samples_required() {
	[ -d "$OVK_REAL" ] || skip_all "$OVK_REAL absent (not a failure: a plain checkout has no real samples)"
	_real_required=1
}

# real_sample_checked: count one real sample as checked (pass or fail).
real_sample_checked() {
	_real_checked=$((_real_checked + 1))
}
