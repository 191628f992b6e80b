#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_faults.sh: faults from outside the input (issue 8).
#
#   1. disk full: the output on a small tmpfs, for qcow2 (plain and -c) and
#      raw, failing early and on the very last writes;
#   2. file too large: RLIMIT_FSIZE (ulimit -f) below the output's size.
#      SIGXFSZ's default action would kill the process; ova-convert ignores
#      it, so write() fails with EFBIG and the error path runs;
#   3. input truncated while it is being converted (raw, qcow2 and VMDK
#      inputs, read through the mapping): the SIGBUS guard turns it into an
#      error;
#   4. SIGINT / SIGTERM during ova-import into a directory and into a pool
#      of a real libvirtd (qemu:///system, scripts/lib/libvirtd.sh), qcow2
#      and raw, while the conversion streams into the volume (nothing may
#      be staged in --tmp-dir meanwhile);
#   5. the libvirt daemon gone in the middle of an upload.
# Every case: exit 1 (or 130/143 for a signal), never death by a signal,
# one line on stderr naming the file and the cause, no output or temp file
# left, and for imports no domain and no volume.
#
# Signals and faults arrive deterministically: a driver (fault_at below)
# waits until the process has written a given amount, stops it (SIGSTOP),
# applies the fault, and resumes it (SIGCONT), so the fault always lands
# in the middle of the work.
#
# Case 5 kills the daemon's side of the connection rather than the shared
# daemon: ctest runs the import tests side by side, and killing the one
# libvirtd under them would fail them at random.  ova-import connects
# through a relay socket (qemu+unix:///system?socket=...) and the relay
# process is killed with SIGKILL, which is exactly what the client sees
# when the daemon dies (the connection drops mid-stream).  With
# OVK_FAULTS_KILL_LIBVIRTD=1 (scripts/test.sh sets it when it runs this
# test alone, after ctest) only case 5 runs, and the real libvirtd is
# killed instead, then restarted.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need python3 tar sha256sum virsh

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"

# fault_at NAME=VALUE... -- CMD...: fault_at.py, which runs CMD, waits
# until it has written a given amount (or a file has grown to a size),
# stops it, applies the fault (a signal, a truncated input, a killed
# peer), resumes it and checks how it ended; see its docstring for the
# NAMEs.  Prints "ok: ..." and succeeds, or prints the problems and fails.
fault_at() { python3 "$OVK_SRC/tests/images/fault_at.py" "$@"; }

# fault DESC ARGS...: fault_at as one assertion.
fault() {
	local desc=$1 msg
	shift
	if msg=$(fault_at "$@"); then ok "$desc: ${msg#ok: }"; else not_ok "$desc" "$msg"; fi
}

# Non-zero data that deflate squeezes (so the OVA stays small) but that no
# zero detection can skip: a 1 MiB pattern of 16-byte counters, repeated.
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/src.raw" repeat 256 --block counters ||
	die "cannot make src.raw"
head -c 8M /dev/urandom >"$T/rand.raw"
# scripts/test.sh runs this test a second time, alone, for the real daemon
# kill only (OVK_FAULTS_KILL_LIBVIRTD=1): the other cases ran under ctest.
daemon_only=${OVK_FAULTS_KILL_LIBVIRTD:-0}

if [ "$daemon_only" != 1 ]; then
	# ------------------------------------------------------------ 1. disk full
	mkdir -p "$T/full"
	if mount_tmpfs "$T/full" size=4m; then
		for args in "-O qcow2" "-O qcow2 -c" "-O raw" "-O qcow2 -j 1"; do
			# shellcheck disable=SC2086  # split on purpose
			expect_fail_clean "disk full (4 MiB tmpfs, 8 MiB of data, $args)" "$T/full" \
				"No space left on device" "$OVA_CONVERT" $args "$T/rand.raw" "$T/full/o.img"
			check "disk full ($args): the tmpfs is empty again" \
				[ "$(df --output=used -k "$T/full" | tail -1 | tr -d ' ')" -eq 0 ]
		done
		# The last writes fail: qcow2 writes its L1 table and refcounts at
		# finish, after the data; raw's last block is the size-setting one.
		# The tmpfs is made one page too small for the whole output, as
		# measured on a roomy tmpfs first.
		for fmt in qcow2 raw; do
			umount "$T/full" && mount -t tmpfs -o size=64m ovk-test "$T/full" ||
				die "cannot remount the tmpfs"
			"$OVA_CONVERT" -O "$fmt" "$T/rand.raw" "$T/full/ref.$fmt" 2>/dev/null ||
				die "cannot convert rand.raw to $fmt"
			need_kib=$(df --output=used -k "$T/full" | tail -1 | tr -d ' ')
			umount "$T/full" && mount -t tmpfs -o size=$((need_kib - 4))k ovk-test "$T/full" ||
				die "cannot remount the tmpfs"
			expect_fail_clean "disk full on the last page ($fmt, ${need_kib} KiB needed)" \
				"$T/full" "No space left on device" "$OVA_CONVERT" -O "$fmt" "$T/rand.raw" "$T/full/o.$fmt"
		done
	else
		echo "SKIP   - disk full: cannot mount a tmpfs here (needs root)"
	fi

	# ----------------------------------------------------- 2. file too large
	mkdir -p "$T/out"
	for args in "-O qcow2" "-O raw" "-O qcow2 -c"; do
		# shellcheck disable=SC2086
		expect_fail_clean "file too large (ulimit -f 2048 KiB, $args)" "$T/out" "File too large" \
			bash -c 'ulimit -f 2048 && exec "$@"' - "$OVA_CONVERT" $args "$T/rand.raw" "$T/out/o.img"
	done

	# ---------------------------------------------- 3. input truncated mid-run
	qemu-img convert -O qcow2 "$T/src.raw" "$T/src.qcow2"
	qemu-img convert -O vmdk -o subformat=monolithicSparse "$T/src.raw" "$T/src.vmdk"
	for in in src.raw src.qcow2 src.vmdk; do
		for out in qcow2 raw; do
			cp "$T/$in" "$T/victim"
			rm -rf "$T/out" && mkdir -p "$T/out"
			fault "input $in truncated to 4 MiB while converting to $out" \
				truncate="$T/victim:4194304" wait_wchar=$((8 << 20)) expect=1 \
				mention="victim|changed size" watch="$T/out" \
				-- "$OVA_CONVERT" -O "$out" "$T/victim" "$T/out/o.$out"
		done
	done
	rm -f "$T/victim" "$T/src.qcow2" "$T/src.vmdk"
fi

# ------------------------------------------------ 4. signals during import
. "$OVK_SRC/scripts/lib/libvirtd.sh"
if ! ovk_libvirtd_start >"$T/libvirtd.log" 2>&1; then
	cat "$T/libvirtd.log"
	[ "$(id -u)" -eq 0 ] && die "cannot start libvirtd"
	echo "SKIP   - import faults: libvirtd needs root here"
	finish
fi
URI=qemu:///system

# The appliance: the 256 MiB disk as a streamOptimized VMDK in a plain OVA
# (the fuzz seeds' minimal OVF and manifest around it).
qemu-img convert -O vmdk -o subformat=streamOptimized "$T/src.raw" "$T/app-disk1.vmdk" &&
	python3 "$OVK_SRC/tests/fuzz/make_tar_seeds.py" "$T/seeds" "$T/app-disk1.vmdk" plain &&
	mv "$T/seeds/plain.ova" "$T/app.ova" || die "cannot make the appliance"
rm -rf "$T/app-disk1.vmdk" "$T/seeds" "$T/src.raw"

name=ovkfault-$$
pool=ovkfault-$$
mkdir -p "$T/pool" "$T/tmp"
virsh -c "$URI" pool-create-as "$pool" dir --target "$T/pool" >/dev/null ||
	die "cannot create pool $pool"
# On exit, whatever the outcome: the test's domain, volumes and pool go.
_faults_cleanup() {
	virsh -c "$URI" undefine --nvram "$name" >/dev/null 2>&1
	virsh -c "$URI" pool-destroy "$pool" >/dev/null 2>&1
	[ -n "${relay_pid:-}" ] && kill "$relay_pid" 2>/dev/null
	_cleanup
}
trap _faults_cleanup EXIT

# nothing_imported DESC: no domain, no volume, no file in the pool, no temp.
nothing_imported() {
	local problems=() vols
	virsh -c "$URI" dominfo "$name" >/dev/null 2>&1 && problems+=("domain $name exists")
	virsh -c "$URI" pool-refresh "$pool" >/dev/null 2>&1
	vols=$(virsh -c "$URI" vol-list "$pool" --details 2>/dev/null | awk 'NR > 2 && NF { print $1 }')
	[ -z "$vols" ] || problems+=("volumes left in $pool: $vols")
	[ -z "$(ls -A "$T/pool")" ] || problems+=("files left in the pool dir: $(ls -A "$T/pool")")
	[ -z "$(ls -A "$T/tmp")" ] || problems+=("temp files left: $(ls -A "$T/tmp")")
	[ -z "$(ls -A "$T/out")" ] || problems+=("files left in --dir: $(ls -A "$T/out")")
	if [ ${#problems[@]} -eq 0 ]; then ok "$1: rolled back"; else not_ok "$1: rolled back" "${problems[@]}"; fi
	clean_import
}

# clean_import: remove whatever an import left, so one failure does not
# cascade into the next case.
clean_import() {
	local v
	virsh -c "$URI" undefine --nvram "$name" >/dev/null 2>&1
	virsh -c "$URI" pool-refresh "$pool" >/dev/null 2>&1
	for v in $(virsh -c "$URI" vol-list "$pool" 2>/dev/null | awk 'NR > 2 && NF { print $1 }'); do
		virsh -c "$URI" vol-delete --pool "$pool" "$v" >/dev/null 2>&1
	done
	rm -rf "${T:?}/pool"/* "$T/tmp"/* "$T/out"/*
}

imp=("$IMPORT" -c "$URI" --name "$name" --tmp-dir "$T/tmp")
if [ "$daemon_only" != 1 ]; then
	rm -rf "$T/out" && mkdir -p "$T/out"
	for sig in "SIGINT 130" "SIGTERM 143"; do
		# shellcheck disable=SC2086  # split on purpose
		set -- $sig
		# During the conversion into --dir (the output is being written).
		fault "$1 during import --dir" signal="$1" expect="$2" wait_wchar=$((16 << 20)) \
			watch="$T/out:$T/tmp" -- "${imp[@]}" --dir "$T/out" "$T/app.ova"
		nothing_imported "$1 during import --dir"
		# qcow2 into the pool: converted straight into the upload stream,
		# so the volume grows while nothing is staged in --tmp-dir.
		fault "$1 during import --pool (qcow2 streaming)" signal="$1" expect="$2" \
			wait_file="$T/pool/$name-vmdisk1.qcow2" wait_size=$((16 << 20)) watch="$T/tmp" \
			empty_at_fault="$T/tmp" -- "${imp[@]}" --pool "$pool" "$T/app.ova"
		nothing_imported "$1 during import --pool (qcow2 streaming)"
		# raw into the pool: converted straight into the upload stream.
		fault "$1 during import --pool --format raw" signal="$1" expect="$2" \
			wait_file="$T/pool/$name-vmdisk1.img" wait_size=$((16 << 20)) watch="$T/tmp" \
			empty_at_fault="$T/tmp" -- "${imp[@]}" --pool "$pool" --format raw "$T/app.ova"
		nothing_imported "$1 during import --pool --format raw"
	done

	# A control: the same import, uninterrupted, succeeds (so the cases above
	# failed because of the fault, not by themselves).
	run "${imp[@]}" --pool "$pool" "$T/app.ova"
	check "uninterrupted import --pool succeeds" [ "$RC" -eq 0 ]

	# --replace interrupted while the new disk streams (into a side
	# volume): the old domain and its volume stay exactly as they were.
	vol=$T/pool/$name-vmdisk1.qcow2
	before=$(sha256sum <"$vol")
	fault "SIGINT during import --pool --replace" signal=SIGINT expect=130 \
		wait_wchar=$((32 << 20)) -- "${imp[@]}" --pool "$pool" --replace "$T/app.ova"
	check "interrupted --replace: the old domain is still defined" \
		virsh -c "$URI" dominfo "$name"
	check "interrupted --replace: the old volume is unchanged" \
		[ "$(sha256sum <"$vol")" = "$before" ]
	virsh -c "$URI" pool-refresh "$pool" >/dev/null 2>&1
	check "interrupted --replace: no side volume left" \
		[ "$(virsh -c "$URI" vol-list "$pool" | awk 'NR > 2 && NF { print $1 }')" = "$name-vmdisk1.qcow2" ]
	clean_import
fi

# --------------------------------------------- 5. the daemon gone mid-upload
if [ "${OVK_FAULTS_KILL_LIBVIRTD:-0}" = 1 ]; then
	for fmt in qcow2 raw; do
		ext=$fmt && [ "$fmt" = raw ] && ext=img
		# The live daemon (pgrep could also list an unreaped zombie).
		daemon=$(cat /run/libvirtd.pid 2>/dev/null)
		[ -n "$daemon" ] || daemon=$(pgrep -x -r R,S,D libvirtd | head -1)
		fault "libvirtd killed during the upload ($fmt)" kill="$daemon" expect=1 \
			wait_file="$T/pool/$name-vmdisk1.$ext" wait_size=$((16 << 20)) watch="$T/tmp" \
			-- "${imp[@]}" --pool "$pool" --format "$fmt" "$T/app.ova"
		# The killed daemon may linger as a zombie (a container's pid 1
		# need not reap it), and ovk_libvirtd_start's pgrep would take
		# it for a running one: start a new one here, then wait for it.
		for _ in $(seq 100); do
			[ "$(awk '{ print $3 }' "/proc/$daemon/stat" 2>/dev/null)" = Z ] && break
			[ -e "/proc/$daemon" ] || break
			sleep 0.1
		done
		ovk_libvirtd_running || libvirtd -d || die "cannot restart libvirtd"
		ovk_libvirtd_start >/dev/null 2>&1 || die "cannot restart libvirtd"
		virsh -c "$URI" pool-create-as "$pool" dir --target "$T/pool" >/dev/null 2>&1
		# What the importer could not remove (the daemon was gone) is
		# a partial volume: report it, then remove it for the next case.
		left=$(ls -A "$T/pool")
		if virsh -c "$URI" dominfo "$name" >/dev/null 2>&1; then
			not_ok "libvirtd killed ($fmt): a domain was defined"
		else
			ok "libvirtd killed ($fmt): no domain defined (left for the admin: ${left:-nothing})"
		fi
		clean_import
	done
else
	relay=$T/relay.sock
	for fmt in qcow2 raw; do
		ext=$fmt && [ "$fmt" = raw ] && ext=img
		rm -f "$relay" "$relay.new"   # the previous relay's socket file
		python3 "$OVK_SRC/tests/images/unix_relay.py" "$OVK_LIBVIRT_SOCK" "$relay" &
		relay_pid=$!
		for _ in $(seq 300); do [ -S "$relay" ] && break; sleep 0.1; done
		fault "libvirt connection dropped during the upload ($fmt)" kill="$relay_pid" \
			expect=1 mention="$name-vmdisk1.$ext" wait_file="$T/pool/$name-vmdisk1.$ext" \
			wait_size=$((16 << 20)) watch="$T/tmp" empty_at_fault="$T/tmp" \
			-- "$IMPORT" -c "qemu+unix:///system?socket=$relay" --name "$name" \
			--tmp-dir "$T/tmp" --pool "$pool" --format "$fmt" "$T/app.ova"
		kill "$relay_pid" 2>/dev/null   # when the fault never came
		wait "$relay_pid" 2>/dev/null
		relay_pid=
		if virsh -c "$URI" dominfo "$name" >/dev/null 2>&1; then
			not_ok "connection dropped ($fmt): a domain was defined"
		else
			ok "connection dropped ($fmt): no domain defined"
		fi
		# The daemon saw its client go: the half-written volume is left
		# to us (nobody can delete it over a dead connection).
		clean_import
	done
fi

finish
