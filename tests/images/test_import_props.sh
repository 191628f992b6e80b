#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_props.sh: OVF properties and the OVF environment (issue 13)
# through the command lines, against libvirt's test driver with --dir.
#   - every refusal of a setting (an unknown key, a key not
#     user-configurable, a value its type or qualifier refuses, a property
#     with no default, a default its own qualifier refuses, a bad
#     --prop-file line or file) is exit 2 with one line naming the
#     property, before anything is created: the output directory stays
#     empty, also with --print-xml; a password's value is never shown;
#   - an import writes <vm>-ovf-env.iso beside the disk and attaches it as
#     a read-only CD-ROM on the OVF's CD-ROM drive (or a drive of its own
#     when the OVF has none); xorriso and bsdtar read ovf-env.xml off the
#     image, xmllint finds it well-formed and Python's XML reader finds the
#     environment namespace and every value, --prop winning over
#     --prop-file;
#   - com.vmware.guestInfo alone: one warning, and the ISO all the same;
#     no transport: a warning and no ISO;
#   - a define that fails after the ISO is written rolls it back with the
#     disk; --replace replaces it;
#   - ova-convert --info (text and --json) lists the properties and never a
#     password's default.
. "$(dirname "$0")/lib.sh"
need python3 qemu-img xorriso bsdtar xmllint
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
URI=test:///default
GEN=$OVK_SRC/tests/images/props_ovf.py
SECRET=s3cret-default

src=$T/src out=$T/out
mkdir -p "$src" "$out"
qemu-img create -q -f qcow2 "$src/sys.qcow2" 4M || die "qemu-img create"
python3 "$GEN" "$src" || die "cannot write the OVF"
ovf=$src/propvm.ovf

# has TEXT WORDS / lacks TEXT WORDS: for check.
has() { [[ $1 == *"$2"* ]]; }
lacks() { [[ $1 != *"$2"* ]]; }

# refused DESC MENTION ARGS...: exit 2, one line naming MENTION, nothing
# in the output directory.
refused() {
	local desc=$1 mention=$2 lines
	shift 2
	run "$IMPORT" -c "$URI" --dir "$out" "$@"
	lines=$(printf '%s' "$ERR" | grep -c '' || true)
	check "$desc: exit 2 (got $RC)" [ "$RC" -eq 2 ]
	check "$desc: one line ($lines)" [ "$lines" -eq 1 ]
	check "$desc: it names '$mention' (got: $ERR)" has "$ERR" "$mention"
	check "$desc: nothing created" [ -z "$(ls -A "$out")" ]
}

refused "no value for the required ip" \
	"property 'ip' (string, Ip) has no default value: give one with --prop ip=VALUE" "$ovf"
refused "--print-xml without ip" "property 'ip'" --print-xml "$ovf"
refused "ip=10.0.0" "'10.0.0' is not an IPv4 or IPv6 address" --prop ip=10.0.0 "$ovf"
refused "an unknown key" "the appliance has no property 'ipaddr' (it has 'ip', 'hostname'" \
	--prop ip=10.0.0.1 --prop ipaddr=1 "$ovf"
refused "a key not user-configurable" "property 'version' is not user-configurable" \
	--prop ip=10.0.0.1 --prop version=2 "$ovf"
refused "hostname= under MinLen(1)" "'' is shorter than MinLen(1)" \
	--prop ip=10.0.0.1 --prop hostname= "$ovf"
refused "hostname of 64 bytes under MaxLen(63)" "is longer than MaxLen(63)" \
	--prop ip=10.0.0.1 --prop "hostname=$(printf 'h%.0s' {1..64})" "$ovf"
refused "port=65536 (uint16)" "'65536' is outside 0..65535" \
	--prop ip=10.0.0.1 --prop port=65536 "$ovf"
refused "workers=17 under MaxValue(16)" "'17' is outside 1..16" \
	--prop ip=10.0.0.1 --prop workers=17 "$ovf"
refused "level=5 outside its ValueMap" "'5' is not one of its ValueMap" \
	--prop ip=10.0.0.1 --prop level=5 "$ovf"
refused "mode=medium outside its ValueMap" "'medium' is not one of its ValueMap" \
	--prop ip=10.0.0.1 --prop mode=medium "$ovf"
refused "enabled=yes (boolean)" "'yes' is not a boolean" \
	--prop ip=10.0.0.1 --prop enabled=yes "$ovf"
refused "offset=-129 (sint8)" "'-129' is outside -128..127" \
	--prop ip=10.0.0.1 --prop offset=-129 "$ovf"
refused "ratio=half (real64)" "'half' is not a real number" \
	--prop ip=10.0.0.1 --prop ratio=half "$ovf"
refused "a short password" "the value is shorter than MinLen(8)" \
	--prop ip=10.0.0.1 --prop root_password=hunter2 "$ovf"
check "the password is not shown" lacks "$ERR" hunter2
refused "--prop without '='" "'ip' is not KEY=VALUE" --prop ip "$ovf"
printf '# settings\nip=10.0.0.1\nno equals sign\n' >"$T/bad.props"
refused "a --prop-file line without '='" "bad.props:3: not KEY=VALUE" \
	--prop-file "$T/bad.props" "$ovf"
refused "a --prop-file that does not exist" "--prop-file" --prop-file "$T/none.props" "$ovf"

python3 "$GEN" "$src" --name emptydef --empty-default || die "cannot write the OVF"
refused "a default its own MinLen(1) refuses" \
	"property 'motd' (string, MinLen(1)): its default '' is shorter than MinLen(1): give a value with --prop motd=VALUE" \
	--prop ip=10.0.0.1 "$src/emptydef.ovf"
python3 "$GEN" "$src" --name hidden --hidden-no-default || die "cannot write the OVF"
refused "a hidden property without a value" "the appliance cannot be deployed as it is" \
	--prop ip=10.0.0.1 "$src/hidden.ovf"

# An import: --prop-file, then --prop over it.
cat >"$T/good.props" <<'PROPS'
# first boot
ip = 10.9.9.9

hostname=from-file
note=a=b # kept, '#' and all
PROPS
run "$IMPORT" -c "$URI" --dir "$out" --prop-file "$T/good.props" --prop ip=10.1.2.3 \
	--prop 'mode=large' "$ovf"
check "import with --prop-file and --prop: exit 0 ($ERR)" [ "$RC" -eq 0 ]
check "the disk and the environment's ISO are written" \
	[ "$(ls "$out" | tr '\n' ' ')" = "propvm-ovf-env.iso propvm-sys.qcow2 " ]
check "the summary names the CD-ROM" \
	grep -q "OVF environment: 13 properties in ovf-env.xml on CD-ROM hdb on ide" <<<"$OUT"
check "the password is not in the summary" lacks "$OUT$ERR" "$SECRET"
check "xorriso lists ovf-env.xml in the image's root" \
	grep -qx "'/ovf-env.xml'" <(xorriso -indev "$out/propvm-ovf-env.iso" -find / 2>/dev/null)
bsdtar -xOf "$out/propvm-ovf-env.iso" ovf-env.xml >"$T/env.xml"
check "bsdtar extracts it and xmllint finds it well-formed" xmllint --noout "$T/env.xml"
check "the environment: namespace, oe:id, every value" python3 -c '
import sys, xml.etree.ElementTree as ET
NS = "{http://schemas.dmtf.org/ovf/environment/1}"
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == NS + "Environment" and r.get(NS + "id") == "propvm", (r.tag, r.attrib)
assert r.find(NS + "PlatformSection") is not None
p = {x.get(NS + "key"): x.get(NS + "value") for x in r.iter(NS + "Property")}
want = {"ip": "10.1.2.3", "hostname": "from-file", "port": "8443", "workers": "4",
        "level": "2", "mode": "large", "enabled": "true", "offset": "-3", "ratio": "0.5",
        "root_password": "s3cret-default", "note": "a=b # kept, '"'"'#'"'"' and all",
        "version": "1.0", "vami.gateway.appliance": "10.0.0.1"}
assert p == want, p
' "$T/env.xml"
rm -f "$out"/*

# --print-xml: the CD-ROM on the OVF's drive (hdb), on the ISO's path.
run "$IMPORT" -c "$URI" --dir "$out" --print-xml --prop ip=10.1.2.3 "$ovf"
check "--print-xml: exit 0" [ "$RC" -eq 0 ]
cdrom_of() {
	python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.argv[1])
for x in d.iter("disk"):
    if x.get("device") == "cdrom":
        s = x.find("source")
        print(x.find("target").get("dev"), x.find("target").get("bus"),
              s.get("file") if s is not None else "-", x.find("readonly") is not None)
' "$1"
}
check "--print-xml shows the CD-ROM with the ISO, read-only" \
	[ "$(cdrom_of "$OUT")" = "hdb ide $out/propvm-ovf-env.iso True" ]
check "--print-xml writes nothing" [ -z "$(ls -A "$out")" ]

# No CD-ROM in the OVF: a drive of its own.  guestInfo alone: one warning.
python3 "$GEN" "$src" --name gi --no-cdrom --transport com.vmware.guestInfo ||
	die "cannot write the OVF"
run "$IMPORT" -c "$URI" --dir "$out" --print-xml --prop ip=10.1.2.3 "$src/gi.ovf"
check "guestInfo only, no CD-ROM Item: a CD-ROM of its own" \
	[ "$(cdrom_of "$OUT")" = "hdb ide $out/gi-ovf-env.iso True" ]
check "guestInfo only: one warning, saying it has no QEMU equivalent" \
	[ "$(grep -c "com.vmware.guestInfo.*no QEMU equivalent" <<<"$ERR")" -eq 1 ]
python3 "$GEN" "$src" --name notr --transport "" || die "cannot write the OVF"
run "$IMPORT" -c "$URI" --dir "$out" --prop ip=10.1.2.3 "$src/notr.ovf"
check "no transport: imported (exit $RC)" [ "$RC" -eq 0 ]
check "no transport: a warning that the guest is not given them" \
	grep -q "names no environment transport" <<<"$OUT"
check "no transport: no ISO" [ ! -e "$out/notr-ovf-env.iso" ]
rm -f "$out"/*

# A define that fails once the disk and the ISO are written (libvirt's
# schema refuses a relative serial log): both rolled back.
run "$IMPORT" -c "$URI" --dir "$out" --serial-log relative.log --prop ip=10.1.2.3 "$ovf"
check "failing define: exit 1 (got $RC)" [ "$RC" -eq 1 ]
check "failing define: the ISO and the disk are rolled back" [ -z "$(ls -A "$out")" ]

# --replace: a new ISO replaces the old.
run "$IMPORT" -c "$URI" --dir "$out" --prop ip=10.1.2.3 "$ovf"
run "$IMPORT" -c "$URI" --dir "$out" --replace --prop ip=10.4.4.4 "$ovf"
check "--replace: exit 0 ($ERR)" [ "$RC" -eq 0 ]
check "--replace: the ISO holds the new value" \
	grep -q 'oe:key="ip" oe:value="10.4.4.4"' <(bsdtar -xOf "$out/propvm-ovf-env.iso" ovf-env.xml)
check "--replace: no stage file left" [ "$(ls -A "$out" | wc -l)" -eq 2 ]

# --info lists the properties, never a password's default.
run "$OVA_CONVERT" --info "$ovf"
check "--info: exit 0" [ "$RC" -eq 0 ]
check "--info lists the transport and a property" \
	grep -q "transport: iso com.vmware.guestInfo" <<<"$OUT"
check "--info: no password" lacks "$OUT" "$SECRET"
run "$OVA_CONVERT" --info --json "$ovf"
check "--info --json: the properties, the password's default hidden" python3 -c '
import json, sys
vs = json.loads(sys.argv[1])["virtual-systems"][0]
p = {x["key"]: x for x in vs["properties"]}
assert vs["transport"] == "iso com.vmware.guestInfo"
assert p["ip"] == {"key": "ip", "type": "string", "qualifiers": "Ip", "label": "IP address",
                   "has-default": False, "user-configurable": True, "password": False}, p["ip"]
assert p["workers"]["qualifiers"] == "MinValue(1) MaxValue(16)" and p["workers"]["default"] == "4"
assert p["root_password"]["password"] and "default" not in p["root_password"]
assert p["root_password"]["has-default"]
assert not p["version"]["user-configurable"] and p["note"]["default"] == ""
assert "vami.gateway.appliance" in p
' "$OUT"
check "--info --json: no password" lacks "$OUT" "$SECRET"
finish
