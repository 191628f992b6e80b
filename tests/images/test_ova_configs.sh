#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_ova_configs.sh: a vendor appliance with a DeploymentOptionSection
# (issue 13, item 1): the default configuration converts its one disk, --config
# large also the disk only "large" attaches, each identical to its source
# (qemu-img compare); --info --json lists both configurations with their CPUs
# and memory; an unknown --config is a usage error (exit 2) on ova-convert
# and on ova-import, with nothing written; a File nothing references fails.
. "$(dirname "$0")/lib.sh"
need python3
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"

src=$T/src
mkdir -p "$src" "$T/out"
make_sparse "$T/sys.raw" 4M 0:1 3:1 || die "cannot make a disk"
make_sparse "$T/logs.raw" 2M 1:1 || die "cannot make a disk"
qemu-img convert -q -f raw -O qcow2 "$T/sys.raw" "$src/sys.qcow2" || die "qemu-img convert"
qemu-img convert -q -f raw -O qcow2 "$T/logs.raw" "$src/logs.qcow2" || die "qemu-img convert"
python3 "$OVK_SRC/tests/images/producer_ovf.py" configs "$src" || die "cannot write the OVF"
ovf=$src/configs.ovf

# 1. The default: only the system disk, which the default attaches.
run "$OVA_CONVERT" "$ovf" "$T/out"
check "the default configuration converts (rc $RC: $ERR)" [ "$RC" -eq 0 ]
check "it says which configuration" grep -q "configuration 'small' (the default)" <<<"$ERR"
check "the system disk is identical" compare_images "$T/sys.raw" "$T/out/edge-sys.qcow2" raw qcow2
check "the log disk of 'large' is not converted" [ ! -e "$T/out/edge-logs.qcow2" ]
rm -f "$T/out"/*

# 2. --config large: both disks.
run "$OVA_CONVERT" --config large "$ovf" "$T/out"
check "--config large converts (rc $RC: $ERR)" [ "$RC" -eq 0 ]
check "the system disk is identical" compare_images "$T/sys.raw" "$T/out/edge-sys.qcow2" raw qcow2
check "the log disk is identical" compare_images "$T/logs.raw" "$T/out/edge-logs.qcow2" raw qcow2
rm -f "$T/out"/*

# 3. --info --json: every configuration, with its CPUs and memory.
run "$OVA_CONVERT" --info --json "$ovf"
check "--info --json exits 0" [ "$RC" -eq 0 ]
check "--info lists both configurations" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
c = {x["id"]: x for x in d["configurations"]}
assert d["configuration"] == "small", d["configuration"]
assert c["small"]["default"] and c["small"]["selected"] and c["small"]["label"] == "Small"
assert (c["small"]["cpus"], c["small"]["memory"]) == (1, 1 << 30), c["small"]
assert (c["large"]["cpus"], c["large"]["memory"]) == (4, 4 << 30), c["large"]
assert not c["large"]["default"] and c["large"]["description"] == "with a log disk"
assert d["virtual-systems"][0]["cpus"] == 1
' "$OUT"
run "$OVA_CONVERT" --info --json --config large "$ovf"
check "--info --config describes that configuration" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["configuration"] == "large" and d["virtual-systems"][0]["cpus"] == 4
assert len(d["virtual-systems"][0]["drives"]) == 2
' "$OUT"

# 4. An unknown configuration: exit 2, naming the ones there are, nothing written.
run "$OVA_CONVERT" --config huge "$ovf" "$T/out"
check "ova-convert --config huge exits 2 (rc $RC)" [ "$RC" -eq 2 ]
check "the message names the configurations" grep -q "offers 'small', 'large'" <<<"$ERR"
check "nothing is written" [ -z "$(ls -A "$T/out")" ]
run "$IMPORT" -c test:///default --dir "$T/out" --config huge "$ovf"
check "ova-import --config huge exits 2 (rc $RC: $ERR)" [ "$RC" -eq 2 ]
check "nothing is imported" [ -z "$(ls -A "$T/out")" ]
run "$IMPORT" -c test:///default --dir "$T/out" --config large "$ovf"
check "ova-import --config large imports (rc $RC: $ERR)" [ "$RC" -eq 0 ]
check "ova-import --config large writes both disks" [ "$(ls "$T/out" | wc -l)" -eq 2 ]
check "4 vCPUs as 'large' says" grep -q "4 vCPUs" <<<"$OUT"
rm -f "$T/out"/*

# 5. A File that nothing references is an error, not a silent drop.
python3 "$OVK_SRC/tests/images/producer_ovf.py" orphan "$src" || die "cannot write the OVF"
expect_fail_clean "an unreferenced File is refused" "$T/out" "File 'notes' (notes.txt)" \
	"$OVA_CONVERT" "$src/orphan.ovf" "$T/out"
finish
