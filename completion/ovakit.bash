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
			{ COMPREPLY=($(compgen -W "qcow2 raw" -- "$cur")); return; }
		COMPREPLY=($(compgen -W "raw vmdk qcow2 vhd vhdx vdi" -- "$cur"))
		return ;;
	-O | --to)
		COMPREPLY=($(compgen -W "qcow2 raw vmdk" -- "$cur"))
		return ;;
	-o)
		_ovakit_o_keys
		return ;;
	--bus)
		COMPREPLY=($(compgen -W "auto keep virtio" -- "$cur"))
		return ;;
	--firmware)
		if [[ $1 == ova-export ]]; then
			COMPREPLY=($(compgen -W "bios efi" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "auto bios efi" -- "$cur"))
		fi
		return ;;
	--disk-bus)
		COMPREPLY=($(compgen -W "scsi sata ide virtio nvme" -- "$cur"))
		return ;;
	--nic)
		COMPREPLY=($(compgen -W "vmxnet3 e1000e e1000 none" -- "$cur"))
		return ;;
	--scsi)
		COMPREPLY=($(compgen -W "lsilogicsas pvscsi" -- "$cur"))
		return ;;
	--manifest)
		COMPREPLY=($(compgen -W "sha256 sha1 sha512 none" -- "$cur"))
		return ;;
	--ovf-version)
		COMPREPLY=($(compgen -W "1.0 2.0" -- "$cur"))
		return ;;
	--sign | --cert)
		_filedir pem
		return ;;
	--virt-type)
		COMPREPLY=($(compgen -W "kvm qemu" -- "$cur"))
		return ;;
	--pool)
		COMPREPLY=($(compgen -W "$(_ovakit_virsh pool-list --all)" -- "$cur"))
		return ;;
	--network)
		COMPREPLY=($(compgen -W "$(_ovakit_virsh net-list --all)" -- "$cur"))
		return ;;
	--name)
		COMPREPLY=($(compgen -W "$(_ovakit_virsh list --all)" -- "$cur"))
		return ;;
	--bridge)
		COMPREPLY=($(compgen -W "$(command ls /sys/class/net/*/bridge -d 2>/dev/null |
			sed 's|/sys/class/net/||; s|/bridge||')" -- "$cur"))
		return ;;
	--dir | --tmp-dir | --workdir)
		# ova-export's --dir is a flag: its next word is the domain.
		[[ $1 == ova-export && $prev == --dir ]] || { _filedir -d; return; } ;;
	--serial-log | --plot | --overlay)
		_filedir
		return ;;
	-c | --connect)
		COMPREPLY=($(compgen -W "qemu:///system qemu:///session qemu+ssh://" -- "$cur"))
		return ;;
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
