# SPDX-License-Identifier: LGPL-2.1-or-later
# badinput_cut_real.sh SHARD SHARDS: every real sample of at most 1 MiB
# (../shared/testdata/real; not the .ovf, .mf and .md notes), cut at every
# 512-byte boundary, fails cleanly or converts to what qemu-img reads (an
# OVA: to the intact OVA's disks).  The contract and the oracle:
# badinput_lib.sh.  Skipped (77) without the real samples.
#
# Sourced by test_badinput_cut_real_N.sh with the samples dealt in turn to
# SHARDS tests (sample i to shard i mod SHARDS): each is ~10 minutes of
# conversions on one core, which ctest then spreads over the cores.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
real_samples_required
shard=$1 shards=$2

# In the order of the sorted paths, as LC_ALL=C sorts them.
i=-1
while IFS=$'\t' read -r dir f; do
	case $f in *.ovf | *.mf | *.md) continue ;; esac
	i=$((i + 1))
	[ $((i % shards)) -eq "$shard" ] || continue
	appliance=()
	[[ $f == *.ova ]] && appliance=(--appliance)
	rel=${dir#"$OVK_REAL"}
	rel=${rel#/}
	judge cut "real ${rel:+$rel/}$f" "$dir/$f" "${appliance[@]}"
	real_sample_checked
done < <(find "$OVK_REAL" -type f -size -1048577c -printf '%h\t%f\n' | LC_ALL=C sort)

finish
