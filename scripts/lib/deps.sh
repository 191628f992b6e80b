# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/lib/deps.sh: the Debian 12 packages ovakit needs to build and test,
# and the one function that installs whichever of them are missing.
# Sourced by scripts/test.sh, scripts/demo.sh and scripts/fuzz.sh.
#
# clang and libclang-rt-14-dev are listed explicitly: Debian 12's clang only
# *recommends* the sanitizer and libFuzzer runtimes, so a minimal install
# cannot link -fsanitize=fuzzer without them.

OVK_DEPS=(
	build-essential cmake pkg-config
	zlib1g-dev libdeflate-dev libzstd-dev libssl-dev
	libxml2-dev libarchive-dev libvirt-dev
	libcmocka-dev
	libext2fs-dev         # src/guest/fs_ext.c: ext2/3/4 through libext2fs (and com_err)
	ntfs-3g-dev           # src/guest/fs_ntfs.c: NTFS through libntfs-3g's device operations
	libhivex-dev          # src/guest/hive.c: the Windows registry (SYSTEM hive)
	e2fsprogs             # tests: mke2fs -d builds the ext2/3/4 images, debugfs reads them back
	ntfs-3g               # tests: mkntfs, ntfscp and the ntfs-3g mount build the NTFS images
	libwin-hivex-perl     # tests: hivexregedit edits copies of the real SYSTEM hives
	libhivex-bin          # tests: hivexget, the oracle for the hive reader
	cpio zstd xz-utils lz4  # tests: initramfs images, cpio archives in each compression
	qemu-utils            # qemu-img: the oracle of every image test
	xorriso libarchive-tools  # tests: the OVF environment's ISO image read by xorriso and bsdtar
	libxml2-utils         # tests: xmllint checks the environment document
	virt-v2v              # tests: test_export_consumers.sh, virt-v2v -i ova reads ova-export's OVA
	clang libclang-rt-14-dev
	python3 bc time util-linux
	python3-jsonschema    # tests/images/test_json_schema.sh: the JSON output against doc/schema
	groff man-db          # tests/package/test_man.sh: the pages render without warnings
	bash-completion zsh   # completion/ovakit.bash and _ovakit, and their test
	valgrind              # tests/images/test_valgrind_*.sh: memcheck pass
	# tests/unit/test_guest_parse.c builds real guest images with these
	# (and tests/fuzz/make_guest_seeds.py the guest fuzz seeds):
	fdisk                 # sfdisk: MBR with logical partitions, GPT
	dosfstools mtools     # mkfs.vfat, mcopy: FAT12/16/32 with long names
	xfsprogs              # mkfs.xfs -p, xfs_db, xfs_io: XFS v4 and v5
	lvm2                  # pvcreate, vgcreate, lvcreate, lvs: LVM2 on loop devices
)

# The real Linux guests of tests/images/test_guest_linux.sh, built by
# tests/guests/mkguest.sh from Debian's own parts (the kernel .deb is
# fetched with apt-get download, never installed): busybox-static (the
# guests' userland), kmod (depmod), cpio, xz-utils and zstd (the
# initramfs), lvm2, xfsprogs, e2fsprogs and dosfstools (the file systems),
# fdisk (sfdisk), grub-pc-bin + grub-efi-amd64-bin + grub2-common
# (grub-install for i386-pc and x86_64-efi), extlinux + syslinux-common
# (its mbr.bin), and fusefat: CI's kernel has no FAT (nor partitions, nor
# device-mapper), and grub-install wants the ESP mounted.  Their boot also
# needs qemu-system-x86 and ovmf (scripts/lib/libvirtd.sh).
OVK_GUEST_DEPS=(
	busybox-static kmod cpio xz-utils zstd
	lvm2 xfsprogs e2fsprogs dosfstools fdisk
	grub-pc-bin grub-efi-amd64-bin grub2-common extlinux syslinux-common fusefat
)
OVK_DEPS+=("${OVK_GUEST_DEPS[@]}")

# ovk_install_deps [EXTRA-PACKAGE...]: install what is missing; apt-get update
# only when something is.  Needs root (or sudo) only in that case.
ovk_install_deps() {
	local missing=() p sudo=()

	for p in "${OVK_DEPS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "==> installing missing packages: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "error: missing packages (${missing[*]}) and not root; install them first" >&2
			return 1
		}
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Where the scripts build: PREFIX/, PREFIX-asan/ and PREFIX-fuzz/.
OVK_BUILD_PREFIX=${OVK_BUILD_PREFIX:-build}

# ovk_repo_root: the checkout this script lives in, whatever the cwd.
ovk_repo_root() {
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}
