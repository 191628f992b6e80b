#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_build_minimal.sh: -DOVK_LIBVIRT=OFF -DOVK_ZSTD=OFF configures and
# builds the library, ova-convert and ova-bench with the libvirt and zstd
# headers out of reach, and that ova-convert passes the conversion tests.
#
# "Out of reach": a scratch include directory, searched before the system's
# (-isystem), holds a file for every header of /usr/include/libvirt/ and for
# zstd.h and zstd_errors.h, each an #error.  A source that includes one of
# them, however indirectly, fails the build.  On top of that no compile
# command may name a libvirt or zstd include path, the library may not be
# linked with libvirt or libzstd, and ova-import must not be built.
. "$OVK_SRC/tests/images/lib.sh"
# It builds a tree of its own, without sanitizers: once, in the plain build.
[ "$OVK_SANITIZE" = 1 ] && skip_all "the build without libvirt is checked in the plain build"
need cmake
need readelf

B=$T/build
poison=$T/poison
mkdir -p "$poison/libvirt"
for h in /usr/include/libvirt/*.h; do
	[ -e "$h" ] || continue
	printf '#error "%s included in an OVK_LIBVIRT=OFF build"\n' "libvirt/${h##*/}" \
		>"$poison/libvirt/${h##*/}"
done
for h in zstd.h zstd_errors.h; do
	printf '#error "%s included in an OVK_ZSTD=OFF build"\n' "$h" >"$poison/$h"
done
[ -e "$poison/libvirt/libvirt.h" ] ||
	echo "# /usr/include/libvirt is absent here: the poisoned names are only zstd's"

if ! nice cmake -S "$OVK_SRC" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVK_WERROR=ON \
	-DOVK_LIBVIRT=OFF -DOVK_ZSTD=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
	-DCMAKE_C_FLAGS="-isystem $poison" >"$T/cmake.log" 2>&1; then
	cat "$T/cmake.log"
	die "configure with -DOVK_LIBVIRT=OFF -DOVK_ZSTD=OFF failed"
fi
ok "configures with -DOVK_LIBVIRT=OFF -DOVK_ZSTD=OFF"
grep -qiE 'libvirt|libzstd' "$T/cmake.log" &&
	not_ok "configure still looks for libvirt or libzstd" "$(grep -iE 'libvirt|libzstd' "$T/cmake.log")" ||
	ok "configure does not look for libvirt or libzstd"

if nice cmake --build "$B" -j2 --target ovakit ova-convert ova-bench >"$T/build.log" 2>&1; then
	ok "libovakit, ova-convert and ova-bench build with the headers poisoned"
else
	not_ok "build failed" "$(grep -E 'error|Error' "$T/build.log" | head -20)"
	finish
fi
bad=$(grep -oE '(-I|-isystem ?)[^ "]*(libvirt|zstd)[^ "]*' "$B/compile_commands.json" | sort -u)
[ -z "$bad" ] && ok "no compile command names a libvirt or zstd include path" ||
	not_ok "compile commands name libvirt/zstd include paths" "$bad"
[ "$(grep -c "isystem $poison" "$B/compile_commands.json")" -gt 0 ] &&
	ok "every compile saw the poisoned include directory" ||
	not_ok "the poisoned include directory is not on the compile commands"
[ ! -e "$B/src/cli/ova-import" ] && ok "ova-import is not built" ||
	not_ok "ova-import was built without libvirt"

lib=$(find "$B" -maxdepth 1 -name 'libovakit.so.*.*' | head -1)
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[[ $needed != *libvirt* && $needed != *zstd* ]] &&
	ok "libovakit needs neither libvirt nor libzstd ($needed)" ||
	not_ok "libovakit is linked with libvirt or libzstd" "$needed"
grep -q 'Requires.private:.*\(libvirt\|libzstd\)' "$B/ovakit.pc" &&
	not_ok "ovakit.pc still requires libvirt or libzstd" "$(grep Requires "$B/ovakit.pc")" ||
	ok "ovakit.pc requires neither"

conv=$B/src/cli/ova-convert
run "$conv" --version
[[ $OUT == "ova-convert (ovakit) "*$'\n'"features: -libvirt -zstd"* ]] &&
	ok "--version says what is missing: $(tail -1 <<<"$OUT")" ||
	not_ok "--version does not name the features" "$OUT"

# The conversions: qcow2 with zlib, and the refusal of zstd.
make_sparse "$T/in.raw" 64M 0:3 20:5 63:1
mkdir -p "$T/zd"
run "$conv" -O qcow2 -c "$T/in.raw" "$T/z.qcow2"
[ "$RC" -eq 0 ] && qemu-img compare -q "$T/in.raw" "$T/z.qcow2" &&
	ok "a zlib-compressed qcow2 matches its input" || not_ok "zlib qcow2" "$ERR"
expect_fail_clean "compression_type=zstd fails cleanly without zstd" "$T/zd" "zstd" \
	"$conv" -O qcow2 -c -o compression_type=zstd "$T/in.raw" "$T/zd/out.qcow2"

# ... and conversion tests of the full build, run on this ova-convert: raw
# and qcow2 output, VMDK input against qemu-img, appliances.  (The rest
# convert the same way; these keep the test within its time.)
for t in test_raw test_vmdk_qemu test_ova_convert; do
	if OVA_CONVERT=$conv OVK_BIN=$B/src/cli OVK_LIB=$lib bash "$OVK_SRC/tests/images/$t.sh" \
		>"$T/$t.log" 2>&1; then
		ok "tests/images/$t.sh passes ($(grep -c '^ok' "$T/$t.log") checks)"
	else
		not_ok "tests/images/$t.sh fails on the OVK_LIBVIRT=OFF build" \
			"$(grep -A3 'NOT OK' "$T/$t.log" | head -20)"
	fi
done
finish
