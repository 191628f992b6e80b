#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_real.sh: the domain XML of every real third-party OVF
# (../shared/testdata/real: VMware, VirtualBox and ovftool exports) must be
# accepted by a real libvirt, not only by the schema.
#
# For every .ovf/.ova there that ova-import can map (`--print-xml`), under
# several option sets that reach different mapping paths (the OVF's own
# firmware; EFI on q35 where IDE and the LSI controllers move; EFI with
# --bus keep; virtio):
#   - virt-xml-validate accepts the XML against the domain schema;
#   - the test's real qemu:///system defines it with validation (which
#     also checks the buses and devices against this QEMU: the schema
#     alone accepts IDE on q35) and undefines it again.
# Samples ova-import refuses (ill-formed XML, entities, delta disks) are
# listed with the reason; they are the OVF layer's business and tested
# there.  Skipped (77) only when ../shared/testdata/real is absent; when it
# exists and nothing was checked, the test fails.  Needs root to start
# libvirtd: as root a daemon that cannot start is a failure, not a skip.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
real_samples_required
if ! ovk_libvirtd_start; then
	[ "$(id -u)" -eq 0 ] && die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
	skip_all "no libvirtd running and not root to start one"
fi
need virsh virt-xml-validate python3

V="virsh -q -c qemu:///system"
name=ovkreal$$
trap '$V undefine --nvram "$name" >/dev/null 2>&1; _cleanup' EXIT
VARIANTS=("" "--firmware efi" "--firmware efi --bus keep" "--bus virtio")

# check_xml SAMPLE VARIANT XML-FILE: schema, then define + undefine.
check_xml() {
	local what="$1 [${2:-as the OVF says}]" xml=$3 out
	if out=$(virt-xml-validate "$xml" domain 2>&1); then
		ok "$what: virt-xml-validate"
	else
		not_ok "$what: virt-xml-validate" "$out"
	fi
	if ! out=$($V define --validate "$xml" 2>&1); then
		not_ok "$what: qemu:///system refused it" "$out"
		return
	fi
	if out=$($V undefine --nvram "$name" 2>&1) && ! $V dominfo "$name" >/dev/null 2>&1; then
		ok "$what: defined and undefined on qemu:///system"
	else
		not_ok "$what: defined, but undefine failed" "$out"
	fi
}

refused=()
mkdir -p "$T/disks"   # --print-xml checks --dir as the import does
n_samples=0
while IFS= read -r -d '' f; do
	rel=${f#"$OVK_REAL"/}
	checked=0
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086  # the variant is a word list
		run "$IMPORT" -c qemu:///system --dir "$T/disks" --name "$name" --print-xml $v "$f"
		if [ "$RC" -ne 0 ]; then
			[ -z "$v" ] && refused+=("$rel: ${ERR%%$'\n'*}")
			[ -z "$v" ] && break
			not_ok "$rel [$v]: ova-import --print-xml failed (exit $RC)" "$ERR"
			continue
		fi
		printf '%s\n' "$OUT" >"$T/dom.xml"
		check_xml "$rel" "$v" "$T/dom.xml"
		checked=1
	done
	if [ "$checked" = 1 ]; then
		real_sample_checked
		n_samples=$((n_samples + 1))
	fi
done < <(find "$OVK_REAL" -type f \( -iname '*.ovf' -o -iname '*.ova' \) -print0 | sort -z)

for r in "${refused[@]}"; do
	echo "# not mapped (refused by ova-import): $r"
done
check "nothing written to --dir by --print-xml" [ -z "$(ls -A "$T/disks")" ]
echo "# $n_samples real samples checked"
finish
