#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import.sh: ova-import's transaction logic against libvirt's test
# driver (test:///default, in-process, fresh per run: it has a domain
# "test", a network "default" and a pool "default-pool", but no pool
# "default").  Checks --print-xml writes nothing, --dir output equals the
# source disk (qemu-img compare), exit 2 without a pool, name collisions,
# --replace, and that a failing define or a tampered manifest leaves
# nothing behind.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
need as ld tar sha256sum python3
URI=test:///default

app=$T/app
mkdir -p "$app"
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$app" tiny >/dev/null ||
	die "cannot build the test appliance"
ova=$app/tiny.ova

# --print-xml: XML on stdout, nothing written.
mkdir -p "$T/out"
run "$IMPORT" -c "$URI" --dir "$T/out" --print-xml "$ova"
check "--print-xml exits 0" [ "$RC" -eq 0 ]
check "--print-xml prints a domain" grep -q "<domain type=\"test\">" <<<"$OUT"
check "--print-xml keeps the lsilogic controller" grep -q 'model="lsilogic"' <<<"$OUT"
check "--print-xml writes nothing" [ -z "$(ls -A "$T/out")" ]

# No --pool/--dir and no pool named default: a usage error.
run "$IMPORT" -c "$URI" "$ova"
check "no default pool: exit 2" [ "$RC" -eq 2 ]
check "no default pool: suggests --pool and --dir" grep -q -- "--pool POOL.*--dir DIR" <<<"$ERR"

# A real import into a directory.
run "$IMPORT" -c "$URI" --dir "$T/out" --json "$ova"
check "import --dir exits 0" [ "$RC" -eq 0 ]
check "disk written as <vm>-<disk>.qcow2" [ -f "$T/out/tiny-vmdisk1.qcow2" ]
check "--dir disk is mode 0600, as pool volumes are" \
	[ "$(stat -c %a "$T/out/tiny-vmdisk1.qcow2")" = 600 ]
check "converted disk equals the source (qemu-img compare)" \
	compare_images "$app/tiny-disk1.raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2
check "qemu-img check passes" qemu-img check -q "$T/out/tiny-vmdisk1.qcow2"
check "JSON summary: defined" python3 "$OVK_SRC/tests/images/check_import.py" summary "$OUT"

# A gzip OVA whose disk is a monolithicSparse VMDK: copied beside the
# output first (the copy is unnamed, so only the output is left).
mkdir -p "$T/z"
tar -C "$T/z" -xf "$ova"
appliance_disk_as "$T/z" monolithicSparse "$app/tiny-disk1.raw" ||
	die "cannot make the monolithicSparse disk"
tar -C "$T/z" --format=ustar -czf "$T/sparse.ova" tiny.ovf tiny.mf tiny-disk1.vmdk
mkdir -p "$T/zout"
run "$IMPORT" -c "$URI" --dir "$T/zout" --name sparse "$T/sparse.ova"
check "gzip OVA, monolithicSparse disk: import --dir exits 0" [ "$RC" -eq 0 ]
check "gzip OVA, monolithicSparse disk: says it copies the disk first" \
	grep -q "copying it to a temp file in $T/zout" <<<"$OUT$ERR"
check "gzip OVA, monolithicSparse disk: equals the source" \
	compare_images "$app/tiny-disk1.raw" "$T/zout/sparse-vmdisk1.qcow2" raw qcow2
check "gzip OVA, monolithicSparse disk: only the output is left" \
	[ "$(ls -A "$T/zout")" = sparse-vmdisk1.qcow2 ]

# OVF shapes that would make one image serve two drives: a Disk attached
# by two disk Items, and two disk ids that become one file name ("d 1" and
# "d_1").  Both refused before anything is written.
mkdir -p "$T/shapes" "$T/sout"
tar -C "$T/shapes" -xf "$ova" && rm "$T/shapes/tiny.mf"
cp "$T/shapes/tiny.ovf" "$T/tiny.ovf.orig"
for shape in twice collide; do
	cp "$T/tiny.ovf.orig" "$T/shapes/tiny.ovf"
	python3 "$OVK_SRC/tests/images/appliance/ovf_drives.py" "$T/shapes/tiny.ovf" "$shape" ||
		die "cannot rewrite the OVF ($shape)"
	[ "$shape" = twice ] && want="attached by two drive items" || want="would both be named tiny-d_1"
	run "$IMPORT" -c "$URI" --dir "$T/sout" --replace "$T/shapes"
	check "drives sharing one image ($shape): refused (exit 1)" [ "$RC" -eq 1 ]
	check "drives sharing one image ($shape): the message says why" grep -q "$want" <<<"$ERR"
	check "drives sharing one image ($shape): nothing written" [ -z "$(ls -A "$T/sout")" ]
done

# A relative --dir: the domain must name its disk by absolute path
# (libvirt's schema refuses a relative one).
mkdir -p "$T/rel"
run bash -c 'cd "$1" && shift && exec "$@"' - "$T" "$IMPORT" -c "$URI" --dir rel --name rel "$ova"
check "relative --dir: import exits 0" [ "$RC" -eq 0 ]
check "relative --dir: the disk is where asked" [ -f "$T/rel/rel-vmdisk1.qcow2" ]
run bash -c 'cd "$1" && shift && exec "$@"' - "$T" "$IMPORT" -c "$URI" --dir rel --name rel2 \
	--print-xml "$ova"
check "relative --dir: the XML names the disk by absolute path" \
	grep -q "<source file=\"$T/rel/rel2-vmdisk1.qcow2\"" <<<"$OUT"

# The file exists now: refused, then replaced.
run "$IMPORT" -c "$URI" --dir "$T/out" "$ova"
check "existing file refused (exit 1)" [ "$RC" -eq 1 ]
check "existing file: message names it" grep -q "tiny-vmdisk1.qcow2: already exists (use --replace" <<<"$ERR"
run "$IMPORT" -c "$URI" --dir "$T/out" --replace "$ova"
check "--replace overwrites (exit 0)" [ "$RC" -eq 0 ]
rm -f "$T/out"/*

# Name collision with the test driver's own domain "test".
run "$IMPORT" -c "$URI" --dir "$T/out" --name test "$ova"
check "domain collision refused (exit 1)" [ "$RC" -eq 1 ]
check "domain collision: message" grep -q "domain test exists" <<<"$ERR"
check "domain collision: nothing written" [ -z "$(ls -A "$T/out")" ]

# Injected failure after the disk is written: libvirt's schema refuses a
# relative <log file=> (ovakit passes --serial-log as given), so the define
# fails and the converted disk must be rolled back.  (A multicast MAC used
# to serve here; it is refused before anything is written now:
# test_hostile_text.sh.)
bad=$T/bad
mkdir -p "$bad"
run "$IMPORT" -c "$URI" --dir "$T/out" --serial-log relative.log "$ova"
check "failing define: exit 1" [ "$RC" -eq 1 ]
check "failing define: libvirt's reason shown" grep -q "refused the domain" <<<"$ERR"
check "failing define: converted disk rolled back" [ -z "$(ls -A "$T/out")" ]

# A tampered disk: the manifest check fails in the conversion pass.
(cd "$bad" && tar xf "$ova" && printf 'X' |
	dd of=tiny-disk1.vmdk bs=1 seek=70000 conv=notrunc status=none &&
	tar --format=ustar -cf tampered.ova tiny.ovf tiny.mf tiny-disk1.vmdk)
run "$IMPORT" -c "$URI" --dir "$T/out" "$bad/tampered.ova"
check "tampered disk: exit 1" [ "$RC" -eq 1 ]
check "tampered disk: names file and algorithm" grep -q "tiny-disk1.vmdk.*SHA256" <<<"$ERR"
check "tampered disk: nothing left" [ -z "$(ls -A "$T/out")" ]

# --replace with a tampered disk: the old file stays (the conversion's
# final rename is what replaces it, and it never happens).
run "$IMPORT" -c "$URI" --dir "$T/out" "$ova"
check "import again for --replace (exit 0)" [ "$RC" -eq 0 ]
sum=$(sha256sum <"$T/out/tiny-vmdisk1.qcow2")
run "$IMPORT" -c "$URI" --dir "$T/out" --replace "$bad/tampered.ova"
check "--replace with a tampered disk: exit 1" [ "$RC" -eq 1 ]
check "--replace failed: the old file is untouched" \
	[ "$(sha256sum <"$T/out/tiny-vmdisk1.qcow2" 2>/dev/null)" = "$sum" ]
check "--replace failed: no temp file left" [ "$(ls -A "$T/out")" = tiny-vmdisk1.qcow2 ]
rm -f "$T/out"/*

# Usage errors.
run "$IMPORT" --pool a --dir b "$ova"
check "--pool with --dir: exit 2" [ "$RC" -eq 2 ]
run "$IMPORT" --bus sideways "$ova"
check "bad --bus: exit 2" [ "$RC" -eq 2 ]

# --dir --replace of a two-disk appliance that fails after disk 1 is
# written: disk 2's digest (manifest first), or a manifest at the end of
# a gzip OVA (checked once every disk is converted).  Each new disk waits
# in a stage file beside the old one until the whole import is ready, so
# the old files must come through byte for byte, with no stage file left.
# (The test driver lives in one process: the domain side is checked
# against a real daemon in test_import_boot.sh.)
rep=$T/rep2
mkdir -p "$rep/out"
tar -C "$rep" -xf "$ova" tiny.ovf || die "cannot extract the OVF"
# Old and new contents of both disks: disk 1 boots, disk 2 is data; a
# 4 KiB stamp past the boot sector tells them apart.
stamped_disks "$app/tiny-disk1.raw" "$rep" || die "cannot make the disks"
mkapp "$rep/old.ova" "$rep/tiny.ovf" "$rep/o1.raw" "$rep/o2.raw"
mkapp "$rep/bad2.ova" "$rep/tiny.ovf" "$rep/n1.raw" "$rep/n2.raw" --bad-digest 2
mkapp "$rep/badlast.ova" "$rep/tiny.ovf" "$rep/n1.raw" "$rep/n2.raw" --gz --mf-last \
	--bad-digest 2
run "$IMPORT" -c "$URI" --dir "$rep/out" --name rep2d "$rep/old.ova"
check "two disks: import --dir exits 0" [ "$RC" -eq 0 ]
(cd "$rep/out" && sha256sum rep2d-vmdisk1.qcow2 rep2d-vmdisk2.qcow2) >"$rep/sums"
for c in "bad2:disk 2 failing its digest:tiny-disk2.vmdk: SHA256 digest mismatch" \
	"badlast:a gzip OVA's manifest at the end, wrong for disk 2:tiny-disk2.vmdk: SHA256"; do
	IFS=: read -r f desc want <<<"$c"
	run "$IMPORT" -c "$URI" --dir "$rep/out" --name rep2d --replace "$rep/$f.ova"
	check "--dir --replace, $desc: exit 1" [ "$RC" -eq 1 ]
	check "--dir --replace, $desc: the error says why" grep -q "$want" <<<"$ERR"
	check "--dir --replace, $desc: both old files byte for byte as they were" \
		bash -c 'cd "$1" && sha256sum --quiet -c "$2"' - "$rep/out" "$rep/sums"
	check "--dir --replace, $desc: no stage file left" \
		[ "$(ls -A "$rep/out" | tr '\n' ' ')" = "rep2d-vmdisk1.qcow2 rep2d-vmdisk2.qcow2 " ]
done
run "$IMPORT" -c "$URI" --dir "$rep/out" --name rep2d --replace "$rep/badlast.ova" --no-verify
check "--dir --replace, --no-verify: exit 0" [ "$RC" -eq 0 ]
for k in 1 2; do
	check "--dir --replace: disk $k is the new one" \
		compare_images "$rep/n$k.raw" "$rep/out/rep2d-vmdisk$k.qcow2" raw qcow2
done
check "--dir --replace: no stage file left" \
	[ "$(ls -A "$rep/out" | tr '\n' ' ')" = "rep2d-vmdisk1.qcow2 rep2d-vmdisk2.qcow2 " ]

finish
