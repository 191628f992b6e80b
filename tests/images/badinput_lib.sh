# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/images/badinput_lib.sh: what the bad-input tests (issue 8) share;
# sourced (it sources lib.sh), not run.
#
# Each test_badinput_*.sh is one table of inputs that ova-convert must
# survive:
#   test_badinput_cut_real_N.sh every real sample of at most 1 MiB (3 shards)
#                              (../shared/testdata/real), cut at every
#                              512-byte boundary;
#   test_badinput_cut.sh       the same for generated images (VMDK of each
#                              subformat, qcow2 variants, a tiny OVA);
#   test_badinput_vmdk.sh      VMDK bit flips, stream markers, geometry and
#                              extent paths;
#   test_badinput_qcow2.sh     hostile qcow2 header and table values;
#   test_badinput_ova.sh       hostile tar members, OVFs and manifests.
# Every case runs ova-convert under a timeout and `ulimit -v`, and must end
# with exit 1 (never a signal, never a hang), exactly one line on stderr
# that names the input file and says what is wrong, and nothing left in
# the output directory; badinput_judge.py runs and judges them.
# A truncated or bit-flipped image can still be a valid image (a cut in
# trailing padding, a flip in an unused field).  Then ova-convert may
# succeed, but only if qemu-img, the oracle, reads the same file and gets
# the same guest contents (qemu-img compare); an OVA that still converts
# must give the same disk as the intact one.  Being stricter than qemu-img
# (refusing what it reads) is allowed and counted.  The crafted hostile
# cases must always be refused.
#
# Not under ASan: its shadow memory reservation cannot start under
# `ulimit -v`, so the sanitized build skips these tests (the fuzz targets
# and the other tests cover the same code under ASan).

# Sourced: $G and the functions are for the test that sources this.
# shellcheck shell=bash disable=SC2034
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
export OVA_CONVERT

_BI_PY=$OVK_SRC/tests/images
G=$T/gen
mkdir -p "$G"

# judge MODE ARGS...: badinput_judge.py's verdicts, counted as this test's.
judge() { tally python3 "$_BI_PY/badinput_judge.py" --scratch "$T/judge" "$@"; }

# gen NAME.py ARGS... >LIST: the cases of a generator of crafted inputs
# (vmdk_*.py, qcow2_*.py, ova_*.py), or die.
gen() { python3 "$_BI_PY/$1" "${@:2}" || die "$1 could not make its cases"; }

# badinput_images: the generated images, from a 256 KiB disk of
# compressible, non-zero text in three places, zeros elsewhere (small sparse
# and compressed images with real grains and clusters): $G/SUB/SUB.vmdk per
# VMDK subformat, $G/LABEL/img.qcow2 per qcow2 variant, and a qcow2 overlay
# $G/backing/top.qcow2 over base.qcow2.  $G/images lists them, "LABEL
# PATH" a line (LABEL with _ for spaces), in the order they are cut.
badinput_images() {
	local sub q label
	python3 "$_BI_PY/make_disk.py" "$G/src.raw" pieces --size 256K --gaps zero --seed 8 \
		--alphabet ovakit-hostile- 0:64K:text 87040:64K:text 192000:64K:text ||
		die "cannot make src.raw"
	: >"$G/images"
	for sub in monolithicSparse streamOptimized monolithicFlat twoGbMaxExtentSparse \
		twoGbMaxExtentFlat; do
		mkdir -p "$G/$sub"
		qemu-img convert -O vmdk -o subformat=$sub "$G/src.raw" "$G/$sub/$sub.vmdk" ||
			die "qemu-img cannot write $sub"
		echo "vmdk_$sub $G/$sub/$sub.vmdk" >>"$G/images"
	done
	for q in "qcow2_v3 -o cluster_size=4096" "qcow2_v2 -o compat=0.10,cluster_size=4096" \
		"qcow2_64k_clusters -o cluster_size=65536" "qcow2_zlib -o cluster_size=4096 -c" \
		"qcow2_zstd -o cluster_size=4096,compression_type=zstd -c"; do
		label=${q%% *}
		mkdir -p "$G/$label"
		# shellcheck disable=SC2086  # the options are split on purpose
		qemu-img convert -O qcow2 ${q#* } "$G/src.raw" "$G/$label/img.qcow2" ||
			die "qemu-img cannot write $label"
		echo "$label $G/$label/img.qcow2" >>"$G/images"
	done
	mkdir -p "$G/backing"
	cp "$G/qcow2_v3/img.qcow2" "$G/backing/base.qcow2"
	qemu-img create -q -f qcow2 -o cluster_size=4096 -b base.qcow2 -F qcow2 \
		"$G/backing/top.qcow2" || die "cannot make the qcow2 overlay"
	if command -v qemu-io >/dev/null; then
		qemu-io -c "write -P 0x5a 4096 8192" "$G/backing/top.qcow2" >/dev/null ||
			die "cannot write into the qcow2 overlay"
	fi
	echo "qcow2_overlay $G/backing/top.qcow2" >>"$G/images"
}

# badinput_seeds: the tiny OVAs of the fuzz seeds in $G/seeds (plain.ova,
# gzip.ova, ...: tests/fuzz/make_tar_seeds.py).
badinput_seeds() {
	python3 "$OVK_SRC/tests/fuzz/make_tar_seeds.py" "$G/seeds" || die "cannot make the tiny OVAs"
}
