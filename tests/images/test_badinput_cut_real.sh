#!/usr/bin/env bash
# test_badinput_cut_real.sh: every real sample of at most 1 MiB
# (../shared/testdata/real; not the .ovf, .mf and .md notes), cut at every
# 512-byte boundary, fails cleanly or converts to what qemu-img reads (an
# OVA: to the intact OVA's disks).  The contract and the oracle:
# badinput_lib.sh.  Skipped (77) without the real samples.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
real_samples_required

# In the order of the sorted paths, as LC_ALL=C sorts them.
while IFS=$'\t' read -r dir f; do
	case $f in *.ovf | *.mf | *.md) continue ;; esac
	appliance=()
	[[ $f == *.ova ]] && appliance=(--appliance)
	rel=${dir#"$OVK_REAL"}
	rel=${rel#/}
	judge cut "real ${rel:+$rel/}$f" "$dir/$f" "${appliance[@]}"
	real_sample_checked
done < <(find "$OVK_REAL" -type f -size -1048577c -printf '%h\t%f\n' | LC_ALL=C sort)

finish
