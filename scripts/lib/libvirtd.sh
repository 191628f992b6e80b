# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# scripts/lib/libvirtd.sh: a real libvirtd (qemu driver) for the import
# tests, installed and started as root without systemd.  Sourced; every
# function is idempotent, so scripts/test.sh, scripts/demo.sh and each test
# may call ovk_libvirtd_start and only the first one does the work.
#
# Why these steps (tried on Debian 12 machines without systemd):
#   - libvirt-daemon-system is NOT installed: its postinst wants systemd;
#     we make the libvirt-qemu user and qemu.conf ourselves.
#   - the storage "dir" backend is built into libvirt-daemon; the qemu
#     driver is its own package; ovmf brings the EFI firmware descriptors
#     libvirt's auto-selection reads (/usr/share/qemu/firmware/*.json).
#   - virtlogd must run before libvirtd: QEMU's stdout/stderr and <log>
#     serial files go through it.

OVK_LIBVIRTD_DEPS=(
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
	qemu-system-x86 ovmf
)
# What tests/images/appliance/make_appliance.sh needs to build the tiny
# appliances: binutils (the BIOS boot sector), gcc + gnu-efi (the EFI
# application), dosfstools + mtools (its FAT ESP), fdisk (sfdisk: the GPT),
# and virt-xml-validate (libvirt-clients) for test_import_real.sh.
# shellcheck disable=SC2034  # used by the scripts that source this file
OVK_APPLIANCE_DEPS=(binutils gcc gnu-efi dosfstools mtools fdisk)
OVK_LIBVIRT_SOCK=/var/run/libvirt/libvirt-sock

# ovk_libvirtd_install: install the missing packages.
ovk_libvirtd_install() {
	local missing=() p
	for p in "${OVK_LIBVIRTD_DEPS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || {
		echo "libvirtd.sh: missing ${missing[*]} and not root" >&2
		return 1
	}
	echo "==> installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
}

# _ovk_qemu_conf: a libvirt-qemu user and group (libvirtd 9.0 resolves its
# built-in default user before it reads qemu.conf, so the user must exist
# even when unused), and QEMU run as root so it can open disks anywhere the
# tests put them.  qemu.conf ships in libvirt-daemon-system, which we do
# not install.
_ovk_qemu_conf() {
	local conf=/etc/libvirt/qemu.conf
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu || return 1
	getent passwd libvirt-qemu >/dev/null ||
		useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu ||
		return 1
	mkdir -p /etc/libvirt && touch "$conf" || return 1
	grep -qE '^user *= *"root"' "$conf" || echo 'user = "root"' >>"$conf"
	grep -qE '^group *= *"root"' "$conf" || echo 'group = "root"' >>"$conf"
}

# ovk_libvirtd_running: 0 when a libvirtd answers on the system socket.
ovk_libvirtd_running() {
	[ -S "$OVK_LIBVIRT_SOCK" ] && virsh -c qemu:///system version >/dev/null 2>&1
}

# ovk_libvirtd_start [EXTRA-PACKAGE...]: install, configure and start
# virtlogd + libvirtd (as daemons, left running), then wait up to 30 s for
# the socket.
ovk_libvirtd_start() {
	# ctest runs the import tests side by side: one at a time installs
	# and starts (apt's lock, libvirtd's pidfile), the others then find
	# the daemon running.
	local rc
	mkdir -p /run/lock 2>/dev/null
	if command -v flock >/dev/null && { exec {_ovk_lock}>>/run/lock/ovk-libvirtd.lock; } 2>/dev/null; then
		if ! flock -w 600 "$_ovk_lock"; then
			echo "libvirtd.sh: /run/lock/ovk-libvirtd.lock still held after 600 s" >&2
			exec {_ovk_lock}>&-
			return 1
		fi
		_ovk_libvirtd_start_locked "$@"
		rc=$?
		exec {_ovk_lock}>&-
		return $rc
	fi
	_ovk_libvirtd_start_locked "$@"
}

# _ovk_daemon CMD...: start a daemon without our lock's descriptor.  A
# daemon that inherited it would hold the lock for its whole life, and every
# later ovk_libvirtd_start would wait out flock's timeout.
_ovk_daemon() {
	if [ -n "${_ovk_lock:-}" ]; then
		"$@" {_ovk_lock}>&-
	else
		"$@"
	fi
}

_ovk_libvirtd_start_locked() {
	local i
	if ovk_libvirtd_running; then
		# Running already (another test started it): still make sure the
		# extra packages asked for are there.
		[ $# -eq 0 ] || ovk_libvirtd_install "$@"
		return
	fi
	[ "$(id -u)" -eq 0 ] || {
		echo "libvirtd.sh: starting libvirtd needs root" >&2
		return 1
	}
	ovk_libvirtd_install "$@" || return 1
	mkdir -p /var/log/libvirt/qemu /var/run/libvirt /var/lib/libvirt/images
	_ovk_qemu_conf || return 1
	pgrep -x virtlogd >/dev/null || _ovk_daemon virtlogd -d || return 1
	pgrep -x libvirtd >/dev/null || _ovk_daemon libvirtd -d || return 1
	for i in $(seq 60); do
		ovk_libvirtd_running && return 0
		sleep 0.5
	done
	echo "libvirtd.sh: libvirtd did not answer on $OVK_LIBVIRT_SOCK within 30 s" >&2
	return 1
}

# ovk_kvm_usable: 0 when the daemon's domain capabilities offer kvm.
ovk_kvm_usable() {
	virsh -c qemu:///system domcapabilities --virttype kvm >/dev/null 2>&1
}

# ovk_serial_wait LOG SECONDS PATTERN: 0 when an extended regexp PATTERN
# shows up in LOG (a guest's serial log) within SECONDS, else 1.
ovk_serial_wait() {
	local log=$1 secs=$2 pat=$3 i
	for ((i = 0; i < secs * 2; i++)); do
		grep -qE "$pat" "$log" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}
