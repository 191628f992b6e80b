#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_cli_errors.sh: ova-convert's error table and exit codes (issue 2).
#
# Every failure exits 1 with exactly one line on stderr,
# "ova-convert: <file>: <what is wrong>", naming the file at fault, and leaves
# the output directory exactly as it was.  Usage errors exit 2; --help and
# --version exit 0.
#
# Running as root (CI does): root ignores file modes, so
#   - "unreadable input" is a chmod 000 file read with the DAC override
#     capabilities dropped (setpriv, UNPRIV in lib.sh): a real
#     EACCES, as a normal user would get; a path through a regular file
#     (ENOTDIR) is checked too;
#   - "read-only output directory" is a read-only tmpfs mount (EROFS), and a
#     mode 555 directory with the same capabilities dropped (EACCES).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/out"
in=$T/in.raw
make_sparse "$in" 64M 1:1 40:2 || die "cannot make the input"

# ---- each case: exit 1, one line naming the file, nothing left behind
expect_fail_clean "missing input" "$T/out" nope.raw \
	"$OVA_CONVERT" "$T/nope.raw" "$T/out/o.raw"

mkdir -p "$T/appliance"
echo "not an ovf" >"$T/appliance/readme.txt"
expect_fail_clean "directory input without an .ovf" "$T/out" appliance \
	"$OVA_CONVERT" "$T/appliance" "$T/out/o.raw"
echo '<Envelope/>' >"$T/appliance/a.ovf"
echo '<Envelope/>' >"$T/appliance/b.ovf"
expect_fail_clean "directory input with two .ovf files" "$T/out" appliance \
	"$OVA_CONVERT" "$T/appliance" "$T/out/o.raw"

cp "$in" "$T/locked.raw"
chmod 000 "$T/locked.raw"
expect_fail_clean "unreadable input (mode 000, no DAC override)" "$T/out" locked.raw \
	"${UNPRIV[@]}" "$OVA_CONVERT" "$T/locked.raw" "$T/out/o.raw"
expect_fail_clean "input path through a regular file (ENOTDIR)" "$T/out" in.raw/disk.raw \
	"$OVA_CONVERT" "$in/disk.raw" "$T/out/o.raw"

expect_fail_clean "output directory does not exist" "$T/out" missing \
	"$OVA_CONVERT" "$in" "$T/out/missing/o.raw"

if mount_tmpfs "$T/readonly" ro,size=1m; then
	expect_fail_clean "output on a read-only file system" "$T/readonly" readonly \
		"$OVA_CONVERT" "$in" "$T/readonly/o.raw"
else
	echo "skip   - output on a read-only file system: mount not permitted here"
fi
mkdir -p "$T/noperm"
chmod 555 "$T/noperm"
expect_fail_clean "output in a mode 555 directory (no DAC override)" "$T/noperm" noperm \
	"${UNPRIV[@]}" "$OVA_CONVERT" "$in" "$T/noperm/o.raw"

printf 'not a disk image\n' >"$T/junk.bin"
expect_fail_clean "unknown format with -f vmdk" "$T/out" junk.bin \
	"$OVA_CONVERT" -f vmdk "$T/junk.bin" "$T/out/o.raw"
head -c 1M /dev/urandom >"$T/junk2.bin"
expect_fail_clean "random bytes with -f vmdk" "$T/out" junk2.bin \
	"$OVA_CONVERT" -f vmdk -O raw "$T/junk2.bin" "$T/out/o.raw"
expect_fail_clean "random bytes with -f qcow2" "$T/out" junk2.bin \
	"$OVA_CONVERT" -f qcow2 "$T/junk2.bin" "$T/out/o.raw"

# ---- an existing output is refused without --force, replaced with it
echo precious >"$T/out/o.raw"
expect_fail_clean "existing output without --force" "$T/out" o.raw \
	"$OVA_CONVERT" "$in" "$T/out/o.raw"
check "existing output still holds its bytes" grep -qx precious "$T/out/o.raw"
run "$OVA_CONVERT" --force "$in" "$T/out/o.raw"
if [ "$RC" -eq 0 ] && compare_raw "$in" "$T/out/o.raw"; then
	ok "existing output with --force: replaced, identical"
else
	not_ok "existing output with --force" "exit $RC" "stderr: $ERR"
fi
check "--force leaves only the output in the directory" \
	[ "$(ls -A "$T/out")" = o.raw ]
rm -f "$T/out/o.raw"

# ---- --help and --version: exit 0, on stdout, quiet on stderr
run "$OVA_CONVERT" --help
if [ "$RC" -eq 0 ] && [[ $OUT == *ova-convert* ]] && [[ $OUT == *--info* ]] && [ -z "$ERR" ]; then
	ok "--help: exit 0, usage on stdout"
else
	not_ok "--help" "exit $RC" "stdout: $(printf '%s' "$OUT" | head -3)" "stderr: $ERR"
fi
run "$OVA_CONVERT" --version
if [ "$RC" -eq 0 ] && [[ $OUT =~ [0-9]+\.[0-9]+\.[0-9]+ ]] && [ -z "$ERR" ]; then
	ok "--version: exit 0 ($OUT)"
else
	not_ok "--version" "exit $RC" "stdout: $OUT" "stderr: $ERR"
fi

# ---- usage errors: exit 2, something on stderr, no output
usage_error() {
	local desc=$1
	shift
	run "$@"
	if [ "$RC" -eq 2 ] && [ -n "$ERR" ] && [ -z "$(ls -A "$T/out")" ]; then
		ok "usage error, $desc: exit 2"
	else
		not_ok "usage error, $desc" "exit $RC (expected 2)" "stderr: $ERR" \
			"out/: $(ls -A "$T/out" | tr '\n' ' ')"
	fi
	rm -rf "$T/out" && mkdir -p "$T/out"
}
usage_error "unknown flag" "$OVA_CONVERT" --no-such-flag "$in" "$T/out/o.raw"
usage_error "no arguments" "$OVA_CONVERT"
usage_error "no OUTPUT" "$OVA_CONVERT" "$in"
usage_error "three operands" "$OVA_CONVERT" "$in" "$T/out/o.raw" "$T/out/p.raw"
usage_error "-j without a number" "$OVA_CONVERT" -j abc "$in" "$T/out/o.raw"
usage_error "-j with nothing after it" "$OVA_CONVERT" "$in" "$T/out/o.raw" -j
usage_error "unknown output format" "$OVA_CONVERT" -O vdi "$in" "$T/out/o.img"
usage_error "unknown input format" "$OVA_CONVERT" -f qed "$in" "$T/out/o.raw"
usage_error "unknown -o key" "$OVA_CONVERT" -O qcow2 -o foo=bar "$in" "$T/out/o.qcow2"
usage_error "bad -o value" "$OVA_CONVERT" -O qcow2 -o cluster_size=3 "$in" "$T/out/o.qcow2"
usage_error "-o on a format without options" "$OVA_CONVERT" -O raw -o cluster_size=4k \
	"$in" "$T/out/o.raw"
usage_error "-c on a format that does not compress" "$OVA_CONVERT" -c -O raw "$in" "$T/out/o.raw"
usage_error "-F without --overlay" "$OVA_CONVERT" -F vmdk "$in" "$T/out/o.raw"
usage_error "ova-import: unknown flag" "$(dirname "$OVA_CONVERT")/ova-import" --no-such-flag "$in"
usage_error "ova-import: an empty --name" "$(dirname "$OVA_CONVERT")/ova-import" --name "" "$in"
usage_error "ova-import: two networks for all" "$(dirname "$OVA_CONVERT")/ova-import" \
	--network a --network b "$in"
usage_error "ova-import: --network =x" "$(dirname "$OVA_CONVERT")/ova-import" --network =x "$in"
# getopt's own messages are replaced by one line in the program's format.
run "$OVA_CONVERT" --no-such-flag "$in" "$T/out/o.raw"
check "unknown flag: one line, 'ova-convert: unrecognized option ...'" \
	grep -qx "ova-convert: unrecognized option '--no-such-flag' (see ova-convert --help)" <<<"$ERR"

finish
