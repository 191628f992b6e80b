#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_boot.sh: the end-to-end proof of issue 7.  A real libvirtd
# (scripts/lib/libvirtd.sh) imports the tiny BIOS appliance built at test
# time (lsilogic SCSI + E1000, streamOptimized VMDK, SHA256 manifest) with
# `ova-import --start`, and the guest's marker must appear on its first
# serial port within a bounded time: the converted disk booted on the OVF's
# own controller.  The same again through a remote URI
# (qemu+unix:///system?socket=...), with raw volumes streamed straight from
# the conversion through virStorageVolUpload.  KVM or TCG is whatever the
# daemon's capabilities offer (ova-import decides; the summary says which).
#
# Needs root (it starts libvirtd): skipped otherwise.  Everything it
# creates (domains, volumes, pool, bridge) is removed on exit.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
[ "$(id -u)" -eq 0 ] || skip_all "starting libvirtd needs root"
[ "$OVK_SANITIZE" = 1 ] && skip_all "the boot test runs once, in the release build"
ovk_libvirtd_start || die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip
# Seconds to wait for the guest's line: SeaBIOS takes ~10 s to reach the
# boot sector under TCG on a slow CI core; 120 s leaves a wide margin.
BOOT_TIMEOUT=120

tag=ovk$$
pool=$tag-pool
spool=$tag-small
br=${tag}br
doms=()
V="virsh -q -c qemu:///system"

cleanup_libvirt() {
	local d p
	for d in "${doms[@]}"; do
		$V destroy "$d" >/dev/null 2>&1
		$V undefine --nvram "$d" >/dev/null 2>&1
	done
	for p in "$pool" "$spool"; do
		for d in $($V vol-list "$p" 2>/dev/null | awk '{print $1}'); do
			$V vol-delete "$d" --pool "$p" >/dev/null 2>&1
		done
		$V pool-destroy "$p" >/dev/null 2>&1
		$V pool-undefine "$p" >/dev/null 2>&1
	done
	ip link del "$br" 2>/dev/null
	_cleanup
}
trap cleanup_libvirt EXIT

mkdir -p "$T/app" "$T/pool"
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
$V pool-define-as "$pool" dir --target "$T/pool" >/dev/null && $V pool-start "$pool" >/dev/null ||
	die "cannot create the test pool"
# A plain bridge: libvirt networks need iptables and dnsmasq, which a
# minimal machine lacks; the NIC only has to exist for this test.
ip link add "$br" type bridge && ip link set "$br" up || die "cannot create bridge $br"

# boot_case DESC NAME URI [ARGS...]
boot_case() {
	local desc=$1 name=$2 uri=$3 log=$T/$2.serial
	shift 3
	doms+=("$name")
	run "$IMPORT" -c "$uri" --pool "$pool" --bridge "$br" --name "$name" --start \
		--serial-log "$log" "$@" "$T/app/tiny.ova"
	if [ "$RC" -ne 0 ]; then
		not_ok "$desc: import" "exit $RC" "$ERR"
		return
	fi
	ok "$desc: imported and started ($(grep -o 'domain type [a-z]*' <<<"$OUT"))"
	check "$desc: lsilogic controller unchanged" \
		grep -q "model='lsilogic'" <(virsh -c qemu:///system dumpxml "$name")
	if wait_marker "$log"; then
		ok "$desc: guest printed its marker on COM1"
	else
		not_ok "$desc: no marker on COM1 within ${BOOT_TIMEOUT}s" "$(cat "$log" 2>/dev/null)"
	fi
}

boot_case "local qcow2" "$tag-local" qemu:///system --json
vol=$($V vol-path "$tag-local-vmdisk1.qcow2" --pool "$pool" 2>/dev/null)
check "local: --json names the pool as an object and the volume's real path" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
s, d = j["storage"], j["domains"][0]["disks"][0]
assert s["kind"] == "pool" and s["pool"] == sys.argv[2] and s["pool-type"], s
assert d["pool"] == sys.argv[2] and d["path"] == sys.argv[3], d' "$OUT" "$pool" "$vol"
check "local: uploaded volume equals the source disk" \
	qemu-img compare -U -f raw -F qcow2 "$T/app/tiny-disk1.raw" "$vol"
check "local: uploaded volume passes qemu-img check" qemu-img check -U -q "$vol"
# The volume was streamed, its header and refcount block put in place
# after the stream (virStorageVolUpload at an offset): byte for byte what
# ova-convert writes to a file from the same disk.
(cd "$T/app" && tar xf tiny.ova tiny-disk1.vmdk) || die "cannot extract the disk"
"$OVA_CONVERT" -O qcow2 "$T/app/tiny-disk1.vmdk" "$T/app/ref.qcow2" || die "ova-convert failed"
check "local: the streamed volume is the image ova-convert writes" cmp "$T/app/ref.qcow2" "$vol"
check "local: libvirt sees a qcow2 volume of the disk's size" \
	grep -q "<format type='qcow2'/>" <($V vol-dumpxml "$tag-local-vmdisk1.qcow2" --pool "$pool")

boot_case "remote URI, raw streamed" "$tag-remote" \
	"qemu+unix:///system?socket=$OVK_LIBVIRT_SOCK" --format raw
vol=$($V vol-path "$tag-remote-vmdisk1.img" --pool "$pool" 2>/dev/null)
check "remote: volume is raw and equals the source disk" \
	qemu-img compare -U -f raw -F raw "$T/app/tiny-disk1.raw" "$vol"

# --replace keeps the old domain and its volumes until the replacement is
# ready: the new disk streams into a side volume (.ovk-new-<pid>-<vol>),
# and only once every disk has passed its digest and the domain is
# defined does the old volume go and the daemon copy the new one into its
# name (virStorageVolCreateXMLFrom).
bad=$T/bad
mkdir -p "$bad"
(cd "$bad" && tar xf "$T/app/tiny.ova" && printf 'X' |
	dd of=tiny-disk1.vmdk bs=1 seek=70000 conv=notrunc status=none &&
	tar --format=ustar -cf tampered.ova tiny.ovf tiny.mf tiny-disk1.vmdk) ||
	die "cannot build the tampered appliance"
# A second appliance whose disk differs from the first (a line past the
# boot sector), so that a replacement shows.
new=$T/new
mkdir -p "$new"
cp "$T/app/tiny-disk1.raw" "$new/disk.raw"
printf 'OVK-REPLACED-DISK' | dd of="$new/disk.raw" bs=1 seek=524288 conv=notrunc status=none
(cd "$new" && tar xf "$T/app/tiny.ova") && appliance_disk_as "$new" streamOptimized "$new/disk.raw" &&
	(cd "$new" && tar --format=ustar -cf new.ova tiny.ovf tiny.mf tiny-disk1.vmdk) ||
	die "cannot build the second appliance"
# A disk whose raw bytes are a qcow2 header naming a host file as its
# backing file: libvirt probes a file volume's format from its bytes, and
# a copy made by the daemon would read that file into the new volume.
evil=$T/evil
mkdir -p "$evil"
echo "OVK-HOST-SECRET" >"$evil/secret"
qemu-img create -q -f qcow2 -b "$evil/secret" -F raw "$evil/disk.raw" 1M &&
	truncate -s 1M "$evil/disk.raw" &&
	(cd "$evil" && tar xf "$T/app/tiny.ova") &&
	appliance_disk_as "$evil" streamOptimized "$evil/disk.raw" &&
	(cd "$evil" && tar --format=ustar -cf evil.ova tiny.ovf tiny.mf tiny-disk1.vmdk) ||
	die "cannot build the qcow2-lookalike appliance"

# defined DOM: the domain is defined.
defined() { $V dominfo "$1" >/dev/null 2>&1; }

# no_side DESC: no side volume is left in the pool.
no_side() {
	check "$1: no side volume left in the pool" \
		[ -z "$($V vol-list "$pool" | awk '$1 ~ /^\.ovk-new-/')" ]
}

# replace_fails DESC DOM VOL ORIG OVA URI [ARGS...]: --replace of DOM with
# OVA fails, and DOM and VOL (a copy of which is ORIG) are as they were.
replace_fails() {
	local desc=$1 dom=$2 v=$3 orig=$4 ova=$5 uri=$6 path
	shift 6
	run "$IMPORT" -c "$uri" --pool "$pool" --bridge "$br" --name "$dom" --replace "$@" "$ova"
	check "$desc: exit 1" [ "$RC" -eq 1 ]
	check "$desc: the old domain is still defined" defined "$dom"
	path=$($V vol-path "$v" --pool "$pool" 2>/dev/null)
	check "$desc: the old volume is there" [ -n "$path" ]
	check "$desc: the old volume is byte for byte as it was" cmp "$orig" "$path"
	no_side "$desc"
}

# replace_works DESC DOM VOL FMT URI [ARGS...]: --replace of DOM with the
# second appliance succeeds and VOL holds its disk.
replace_works() {
	local desc=$1 dom=$2 v=$3 fmt=$4 uri=$5 path
	shift 5
	run "$IMPORT" -c "$uri" --pool "$pool" --bridge "$br" --name "$dom" --replace "$@" \
		"$new/new.ova"
	check "$desc: exit 0" [ "$RC" -eq 0 ]
	check "$desc: says it replaced the domain" grep -q "replaced the existing domain" <<<"$OUT"
	path=$($V vol-path "$v" --pool "$pool" 2>/dev/null)
	check "$desc: the new volume equals the new disk" \
		qemu-img compare -U -q -f raw -F "$fmt" "$new/disk.raw" "$path"
	check "$desc: libvirt sees a $fmt volume" \
		grep -q "<format type='$fmt'/>" <($V vol-dumpxml "$v" --pool "$pool")
	no_side "$desc"
}

lvol=$tag-local-vmdisk1.qcow2
cp "$($V vol-path "$lvol" --pool "$pool")" "$T/old-local.qcow2" || die "cannot copy the volume"
replace_fails "--replace, qcow2, a disk failing its digest" "$tag-local" "$lvol" \
	"$T/old-local.qcow2" "$bad/tampered.ova" qemu:///system
check "--replace failed: the error names the digest" grep -qi "digest\|SHA256" <<<"$ERR"
check "--replace failed: the old volume still equals the old disk" \
	qemu-img compare -U -q -f raw -F qcow2 "$T/app/tiny-disk1.raw" \
	"$($V vol-path "$lvol" --pool "$pool")"
check "--replace failed: the old domain is still running" \
	grep -q running <($V domstate "$tag-local")
replace_works "--replace, qcow2" "$tag-local" "$lvol" qcow2 qemu:///system
check "--replace, qcow2: the new volume passes qemu-img check" \
	qemu-img check -U -q "$($V vol-path "$lvol" --pool "$pool")"
check "--replace, qcow2: the copy is qcow2 version 3 (compat 1.1)" \
	grep -q "compat: 1.1" <(qemu-img info -U "$($V vol-path "$lvol" --pool "$pool")")

# The copy into place failing after the old volume is gone (the client's
# virStorageVolCreateXMLFrom made to fail, with LD_PRELOAD): the new disk
# is kept in its side volume, which the error names, with the way to put
# it in place, and the new domain stays defined (the old one's disk is
# gone: there is nothing to go back to).
shim=$T/noclone.so
printf '%s\n' 'void *virStorageVolCreateXMLFrom(void *p, const char *x, void *v, unsigned f);' \
	'void *virStorageVolCreateXMLFrom(void *p, const char *x, void *v, unsigned f)' \
	'{ (void)p; (void)x; (void)v; (void)f; return 0; }' >"$T/noclone.c"
need gcc
gcc -shared -fPIC -o "$shim" "$T/noclone.c" || die "cannot build the LD_PRELOAD shim"
LD_PRELOAD=$shim run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" \
	--name "$tag-local" --replace "$T/app/tiny.ova"
side=$($V vol-list "$pool" | awk '$1 ~ /^\.ovk-new-.*-'"$lvol"'$/ {print $1}')
check "--replace, copy into place fails: exit 1" [ "$RC" -eq 1 ]
check "--replace, copy into place fails: the side volume is kept" [ -n "$side" ]
check "--replace, copy into place fails: the error names it and the way out" \
	grep -q "kept as volume $side in pool $pool.*virsh vol-clone --pool $pool $side $lvol" \
	<<<"$ERR"
check "--replace, copy into place fails: the side volume holds the new disk" \
	qemu-img compare -U -q -f raw -F qcow2 "$T/app/tiny-disk1.raw" \
	"$($V vol-path "$side" --pool "$pool" 2>/dev/null)"
check "--replace, copy into place fails: the new domain stays defined" defined "$tag-local"
check "--replace, copy into place fails: the way out works" \
	$V vol-clone --pool "$pool" "$side" "$lvol"
$V vol-delete "$side" --pool "$pool" >/dev/null 2>&1
check "--replace, copy into place fails: the recovered volume equals the disk" \
	qemu-img compare -U -q -f raw -F qcow2 "$T/app/tiny-disk1.raw" \
	"$($V vol-path "$lvol" --pool "$pool" 2>/dev/null)"

# The same for raw volumes, through the remote URI.
ruri="qemu+unix:///system?socket=$OVK_LIBVIRT_SOCK"
rvol=$tag-remote-vmdisk1.img
cp "$($V vol-path "$rvol" --pool "$pool")" "$T/old-remote.img" || die "cannot copy the volume"
replace_fails "--replace, raw, remote, a disk failing its digest" "$tag-remote" "$rvol" \
	"$T/old-remote.img" "$bad/tampered.ova" "$ruri" --format raw
replace_fails "--replace, raw, a disk that reads as qcow2" "$tag-remote" "$rvol" \
	"$T/old-remote.img" "$evil/evil.ova" "$ruri" --format raw
check "--replace, raw lookalike: the error says why" grep -q "reads the new raw disk as qcow2" <<<"$ERR"
replace_works "--replace, raw, remote" "$tag-remote" "$rvol" raw "$ruri" --format raw

# A qcow2 pool import needs no temp space: it streams, so a --tmp-dir
# that does not exist is never touched and the import succeeds, through a
# remote URI too.
run "$IMPORT" -c "qemu+unix:///system?socket=$OVK_LIBVIRT_SOCK" --pool "$pool" --bridge "$br" \
	--name "$tag-tmp" --tmp-dir "$T/no-such-dir" "$T/app/tiny.ova"
doms+=("$tag-tmp")
check "--tmp-dir missing, qcow2 into a pool: exit 0" [ "$RC" -eq 0 ]
check "--tmp-dir missing: the directory was not created" [ ! -e "$T/no-such-dir" ]
vol=$($V vol-path "$tag-tmp-vmdisk1.qcow2" --pool "$pool" 2>/dev/null)
check "--tmp-dir missing: the volume equals the source disk" \
	qemu-img compare -U -f raw -F qcow2 "$T/app/tiny-disk1.raw" "$vol"
check "--tmp-dir missing: the volume passes qemu-img check" qemu-img check -U -q "$vol"
$V undefine "$tag-tmp" >/dev/null 2>&1
$V vol-delete "$tag-tmp-vmdisk1.qcow2" --pool "$pool" >/dev/null 2>&1

# Refused before anything is created: the domain exists.
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$tag-local" "$T/app/tiny.ova"
check "existing domain refused (exit 1)" [ "$RC" -eq 1 ]
check "pool unchanged by the refused import" \
	[ "$($V vol-list "$pool" | wc -l)" -eq 2 ]

# ---- --replace, all or nothing, with two disks and at the commit
# The commit runs every check that can refuse (each side volume's format
# as libvirt reads it, the pool's room for the copies, a cancel) before it
# deletes any old volume; a start that fails once the disks are replaced
# keeps the new domain with its new disks.
two=$T/two
mkdir -p "$two"
tar -C "$two" -xf "$T/app/tiny.ova" tiny.ovf || die "cannot extract the OVF"
stamped_disks "$T/app/tiny-disk1.raw" "$two" || die "cannot make the disks"
mkapp "$two/old.ova" "$two/tiny.ovf" "$two/o1.raw" "$two/o2.raw"
mkapp "$two/new.ova" "$two/tiny.ovf" "$two/n1.raw" "$two/n2.raw"
mkapp "$two/bad2.ova" "$two/tiny.ovf" "$two/n1.raw" "$two/n2.raw" --bad-digest 2
# disk 2 raw bytes that libvirt reads as a qcow2 with a backing file
mkapp "$two/evil2.ova" "$two/tiny.ovf" "$two/n1.raw" "$evil/disk.raw"

tdom=$tag-two
tv1=$tdom-vmdisk1.img
tv2=$tdom-vmdisk2.img
doms+=("$tdom")
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$tdom" --format raw \
	"$two/old.ova"
check "two disks, raw: import exits 0" [ "$RC" -eq 0 ]
vpath() { $V vol-path "$1" --pool "${2:-$pool}" 2>/dev/null; }
cp "$(vpath "$tv1")" "$two/old1.img" && cp "$(vpath "$tv2")" "$two/old2.img" ||
	die "cannot copy the volumes"

# two_kept DESC: tdom and both its old volumes are as they were.
two_kept() {
	check "$1: the old domain is still defined" defined "$tdom"
	check "$1: old volume 1 byte for byte as it was" cmp "$two/old1.img" "$(vpath "$tv1")"
	check "$1: old volume 2 byte for byte as it was" cmp "$two/old2.img" "$(vpath "$tv2")"
	no_side "$1"
}

run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$tdom" --format raw \
	--replace "$two/evil2.ova"
check "--replace, two disks, disk 2 refused at the commit: exit 1" [ "$RC" -eq 1 ]
check "--replace, two disks, disk 2 refused: the error says why" \
	grep -q "volume $tv2: libvirt reads the new raw disk as qcow2" <<<"$ERR"
two_kept "--replace, two disks, disk 2 refused at the commit"

# A cancel that arrives during those checks (SIGINT raised from inside
# the side-volume format check, with LD_PRELOAD) stops the import before
# anything old is removed: exit 130.
printf '%s\n' '#define _GNU_SOURCE' '#include <dlfcn.h>' '#include <signal.h>' \
	'char *virStorageVolGetXMLDesc(void *v, unsigned f);' \
	'char *virStorageVolGetXMLDesc(void *v, unsigned f)' \
	'{ char *(*real)(void *, unsigned) = (char *(*)(void *, unsigned))' \
	'	dlsym(RTLD_NEXT, "virStorageVolGetXMLDesc");' \
	'  raise(SIGINT); return real(v, f); }' >"$T/sigcheck.c"
gcc -shared -fPIC -o "$T/sigcheck.so" "$T/sigcheck.c" -ldl || die "cannot build the shim"
LD_PRELOAD=$T/sigcheck.so run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" \
	--name "$tdom" --format raw --replace "$two/new.ova"
check "--replace, SIGINT during the commit's checks: exit 130" [ "$RC" -eq 130 ]
check "--replace, SIGINT during the commit's checks: says interrupted" \
	grep -q "interrupted" <<<"$ERR"
two_kept "--replace, SIGINT during the commit's checks"

# The start fails once both disks are replaced (a serial log the daemon
# cannot create): the new domain stays defined with its new disks, and
# the one-line error says so.
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$tdom" --format raw \
	--replace --start --serial-log /nonexistent/ovk/x.log "$two/new.ova"
check "--replace --start, the start fails: exit 1" [ "$RC" -eq 1 ]
check "--replace --start, the start fails: one line saying where that leaves us" \
	grep -q "^ova-import: domain $tdom: cannot start: .*; the domain is defined with its new disks$" \
	<<<"$ERR"
check "--replace --start, the start fails: the new domain is defined" \
	grep -q "/nonexistent/ovk/x.log" <($V dumpxml "$tdom" 2>/dev/null)
for k in 1 2; do
	check "--replace --start, the start fails: volume $k holds the new disk $k" \
		qemu-img compare -U -q -f raw -F raw "$two/n$k.raw" "$(vpath "$tdom-vmdisk$k.img")"
done
no_side "--replace --start, the start fails"

# The same with --dir: the new disks wait in stage files beside the old
# ones, which a failing disk 2 leaves alone; a failing start after the
# renames keeps the new domain and files.
ddom=$tag-twod
doms+=("$ddom")
mkdir -p "$two/dir"
run "$IMPORT" -c qemu:///system --dir "$two/dir" --bridge "$br" --name "$ddom" "$two/old.ova"
check "two disks, --dir: import exits 0" [ "$RC" -eq 0 ]
(cd "$two/dir" && sha256sum -- *) >"$two/dsums"
run "$IMPORT" -c qemu:///system --dir "$two/dir" --bridge "$br" --name "$ddom" --replace \
	"$two/bad2.ova"
check "--dir --replace, disk 2 failing its digest: exit 1" [ "$RC" -eq 1 ]
check "--dir --replace, disk 2 failing its digest: the old domain is still defined" \
	defined "$ddom"
check "--dir --replace, disk 2 failing its digest: old files as they were, nothing else" \
	bash -c 'cd "$1" && sha256sum --quiet -c "$2" && [ "$(ls -A | wc -l)" -eq 2 ]' - \
	"$two/dir" "$two/dsums"
run "$IMPORT" -c qemu:///system --dir "$two/dir" --bridge "$br" --name "$ddom" --replace \
	--start --serial-log /nonexistent/ovk/x.log "$two/new.ova"
check "--dir --replace --start, the start fails: exit 1" [ "$RC" -eq 1 ]
check "--dir --replace --start, the start fails: the error says the domain is kept" \
	grep -q "; the domain is defined with its new disks$" <<<"$ERR"
check "--dir --replace --start, the start fails: the new domain is defined" \
	grep -q "/nonexistent/ovk/x.log" <($V dumpxml "$ddom" 2>/dev/null)
for k in 1 2; do
	check "--dir --replace --start, the start fails: file $k holds the new disk $k" \
		qemu-img compare -U -q -f raw -F qcow2 "$two/n$k.raw" "$two/dir/$ddom-vmdisk$k.qcow2"
done
check "--dir --replace --start, the start fails: no stage file left" \
	[ "$(ls -A "$two/dir" | wc -l)" -eq 2 ]

# A pool without room for the copy: a 6 MiB tmpfs holding the tiny disk
# (about 0.3 MiB as qcow2), replaced by a disk of 3.5 MiB of random data.
# Its side volume fits, but the copy does not fit beside it even once
# the old volume is deleted: refused before the old volume goes, the side
# volume dropped, and the message names the pool and the numbers.
if mount_tmpfs "$T/small" size=6m; then
	$V pool-define-as "$spool" dir --target "$T/small" >/dev/null &&
		$V pool-start "$spool" >/dev/null || die "cannot create the small pool"
	big=$T/big
	mkdir -p "$big"
	truncate -s 4M "$big/disk.raw"
	head -c 3584K /dev/urandom | dd of="$big/disk.raw" conv=notrunc status=none
	mkapp "$big/big.ova" "$two/tiny.ovf" "$big/disk.raw"
	sdom=$tag-small
	svol=$sdom-vmdisk1.qcow2
	doms+=("$sdom")
	run "$IMPORT" -c qemu:///system --pool "$spool" --bridge "$br" --name "$sdom" \
		"$T/app/tiny.ova"
	check "small pool: import exits 0" [ "$RC" -eq 0 ]
	cp "$(vpath "$svol" "$spool")" "$T/old-small.qcow2" || die "cannot copy the volume"
	run "$IMPORT" -c qemu:///system --pool "$spool" --bridge "$br" --name "$sdom" \
		--replace "$big/big.ova"
	check "--replace, no room for the copy: exit 1" [ "$RC" -eq 1 ]
	check "--replace, no room for the copy: the error names the pool and the numbers" \
		grep -q "storage pool $spool has [0-9]* bytes free.*needs [0-9]*; nothing replaced" \
		<<<"$ERR"
	check "--replace, no room for the copy: the old domain is still defined" defined "$sdom"
	check "--replace, no room for the copy: the old volume byte for byte as it was" \
		cmp "$T/old-small.qcow2" "$(vpath "$svol" "$spool")"
	check "--replace, no room for the copy: no side volume left" \
		[ -z "$($V vol-list "$spool" | awk '$1 ~ /^\.ovk-new-/')" ]
	check "--replace, no room for the copy: nothing else in the pool directory" \
		[ "$(ls -A "$T/small")" = "$svol" ]
	# With room for one copy (1 MiB of data), the same pool takes it.
	truncate -s 2M "$big/fits.raw"
	head -c 1M /dev/urandom | dd of="$big/fits.raw" conv=notrunc status=none
	mkapp "$big/fits.ova" "$two/tiny.ovf" "$big/fits.raw"
	run "$IMPORT" -c qemu:///system --pool "$spool" --bridge "$br" --name "$sdom" \
		--replace "$big/fits.ova"
	check "--replace, room for the copy in the small pool: exit 0" [ "$RC" -eq 0 ]
	check "--replace, room for the copy in the small pool: the volume is the new disk" \
		qemu-img compare -U -q -f raw -F qcow2 "$big/fits.raw" "$(vpath "$svol" "$spool")"
	check "--replace, room for the copy in the small pool: nothing else in the pool" \
		[ "$(ls -A "$T/small")" = "$svol" ]
else
	echo "SKIP   - --replace into a small pool: cannot mount a tmpfs here"
fi

finish
