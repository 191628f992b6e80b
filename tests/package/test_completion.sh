#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_completion.sh: the installed bash completion is set for every tool
# in an interactive bash with bash-completion loaded, and completes what it
# should: options (from --help), formats, -o keys and values, files; and
# that zsh's compinit finds the zsh one.
. "$OVK_SRC/tests/images/lib.sh"
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || die "bash-completion is not installed ($BC)"

S=${OVK_STAGE:?the staged install, from the ctest fixture package.stage}
dir=$(dirname "$(find "$S" -path '*/bash-completion/completions/ova-convert' | head -1)")
[ -f "$dir/ova-convert" ] || die "no completion installed under $S"
export PATH=$S/bin:$PATH
export LD_LIBRARY_PATH=$(dirname "$(find "$S" -name 'libovakit.so*' | head -1)")

# Every installed tool has its completion, and `complete -p` shows it
# after bash-completion loads it the way TAB does (__load_completion).
for tool in "$S"/bin/*; do
	name=${tool##*/}
	out=$(BASH_COMPLETION_USER_DIR=$T/none XDG_DATA_DIRS=$(dirname "$(dirname "$dir")") \
		bash --norc --noprofile -i -c ". $BC; __load_completion $name; complete -p $name" 2>/dev/null)
	[[ $out == "complete -F _ovakit "*"$name" ]] && ok "bash -i: $out" ||
		not_ok "no completion for $name in bash -i" "$out"
done

# complete LINE: the candidates for LINE (completing its last word).  Its
# stderr is dropped: outside a real TAB, compopt says it is not in one.
complete_line() {
	bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		COMP_LINE=$*; COMP_POINT=${#COMP_LINE}
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_ovakit "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$BC" "$dir/ova-convert" "$1" 2>/dev/null
}
# expect LINE WANT: the candidates are exactly WANT.
expect() {
	local got
	got=$(complete_line "$1" | sed 's/ $//')
	[ "$got" = "$2" ] && ok "'$1' -> $got" || not_ok "'$1'" "want: $2" "got:  $got"
}
expect "ova-convert -O " "qcow2 raw vmdk"
expect "ova-convert -f vh" "vhd vhdx"
expect "ova-convert --no-" "--no-sync --no-verify"
expect "ova-convert -o comp" "compression_type="
expect "ova-convert -o cluster_size=64k,compression_type=z" "cluster_size=64k,compression_type=zlib cluster_size=64k,compression_type=zstd"
expect "ova-convert -O vmdk -o subformat=m" "subformat=monolithicSparse"
expect "ova-bench --th" "--threads"
mkdir -p "$T/files/sub" && touch "$T/files/disk1.vmdk" "$T/files/disk2.qcow2"
expect "ova-convert $T/files/d" "$T/files/disk1.vmdk $T/files/disk2.qcow2"
if [ -x "$S/bin/ova-import" ]; then
	expect "ova-import --bus " "auto keep virtio"
	expect "ova-import --format " "qcow2 raw"
	expect "ova-import --print" "--print-xml"
	expect "ova-import --dir $T/files/" "$T/files/sub"
fi
if [ -x "$S/bin/ova-export" ]; then
	expect "ova-export --disk-bus n" "nvme"
	expect "ova-export --manifest sha" "sha1 sha256 sha512"
	expect "ova-export --firmware " "bios efi"
fi

# zsh: compinit registers _ovakit for every installed tool.
zdir=$(dirname "$(find "$S" -path '*/zsh/*/_ovakit' | head -1)")
need zsh
for tool in "$S"/bin/*; do
	name=${tool##*/}
	c=$(zsh -fc "fpath=($zdir \$fpath); autoload -Uz compinit; compinit -u -D; print -r -- \${_comps[$name]}")
	[ "$c" = _ovakit ] && ok "zsh: $name is completed by _ovakit" ||
		not_ok "zsh: no completion for $name" "$c"
done
finish
