# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for the ovakit tools: ova-convert, ova-import, ova-bench,
# ova-export (and any later ova-* tool that is added to the `complete` line).
# Installed once per tool name in bash-completion's completionsdir, where it
# is loaded the first time one of them is completed.
#
# Options come from the tool's own --help (_parse_help), so a new option
# completes without a change here.  Values: formats for -f/-O/-F, the -o
# keys and their values, files and directories, and for ova-import the
# libvirt pools, networks and domains through virsh, only when virsh is
# there and answers within two seconds.

_ovakit_virsh() {
	# _ovakit_virsh WHAT: names from `virsh WHAT --name`, on the URI that
	# -c/--connect gave on the line, or nothing.
	local uri=() i
	type -P virsh >/dev/null || return 0
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --connect) uri=(-c "${COMP_WORDS[i + 1]}") ;;
		--connect=*) uri=(-c "${COMP_WORDS[i]#--connect=}") ;;
		esac
	done
	timeout 2 virsh -q "${uri[@]}" "$@" --name 2>/dev/null
}

_ovakit_words() {
	# _ovakit_words "W1 W2 ...": the words that start with the current one.
	COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

_ovakit_o_keys() {
	# -o key=value[,key=value...]: complete the last pair.
	local head= last=$cur
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		last=${cur##*,}
	fi
	local cands
	case $last in
	compression_type=*) cands="zlib zstd" ;;
	subformat=*) cands="streamOptimized monolithicSparse" ;;
	adapter_type=*) cands="lsilogic ide buslogic legacyESX" ;;
	*=*) return 0 ;;
	*)
		compopt -o nospace
		COMPREPLY=($(compgen -P "$head" -W "cluster_size= compression_type= subformat= adapter_type= hwversion= tools_version=" -- "$last"))
		return 0
		;;
	esac
	COMPREPLY=($(compgen -P "$head${last%%=*}=" -W "$cands" -- "${last#*=}"))
}

_ovakit() {
	local cur prev words cword split
	_init_completion -s || return

	case $prev in
	-f | --format | -F | --backing-format)
		[[ $1 == ova-import && $prev == --format ]] &&
			{ _ovakit_words "qcow2 raw"; return; }
		_ovakit_words "raw vmdk qcow2 vhd vhdx vdi"
		return ;;
	-O | --to) _ovakit_words "qcow2 raw vmdk"; return ;;
	-o) _ovakit_o_keys; return ;;
	--bus) _ovakit_words "auto keep virtio"; return ;;
	--firmware)
		if [[ $1 == ova-export ]]; then
			_ovakit_words "bios efi"
		else
			_ovakit_words "auto bios efi"
		fi
		return ;;
	--disk-bus) _ovakit_words "scsi sata ide virtio nvme"; return ;;
	--nic) _ovakit_words "vmxnet3 e1000e e1000 none"; return ;;
	--scsi) _ovakit_words "lsilogicsas pvscsi"; return ;;
	--manifest) _ovakit_words "sha256 sha1 sha512 none"; return ;;
	--ovf-version) _ovakit_words "1.0 2.0"; return ;;
	--sign | --cert) _filedir pem; return ;;
	--virt-type) _ovakit_words "kvm qemu"; return ;;
	--pool) _ovakit_words "$(_ovakit_virsh pool-list --all)"; return ;;
	--network) _ovakit_words "$(_ovakit_virsh net-list --all)"; return ;;
	--name) _ovakit_words "$(_ovakit_virsh list --all)"; return ;;
	--bridge)
		_ovakit_words "$(command ls /sys/class/net/*/bridge -d 2>/dev/null |
			sed 's|/sys/class/net/||; s|/bridge||')"
		return ;;
	--dir | --tmp-dir | --workdir)
		# ova-export's --dir is a flag: its next word is the domain.
		[[ $1 == ova-export && $prev == --dir ]] || { _filedir -d; return; } ;;
	--serial-log | --plot | --overlay) _filedir; return ;;
	-c | --connect) _ovakit_words "qemu:///system qemu:///session qemu+ssh://"; return ;;
	-j | --threads | --disk | --repeat | --size | --config | --cpus | --cores | --memory | \
		--hw-version | --os | --description)
		return ;;
	esac
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '$(_parse_help "$1")' -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi
	_filedir
}
complete -F _ovakit ova-convert ova-import ova-bench ova-export
