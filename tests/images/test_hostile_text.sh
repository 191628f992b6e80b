#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_hostile_text.sh: text from an appliance never reaches the terminal
# raw (issue 16, defect 7), written as an attacker would:
#
#   an unmapped Item whose ElementName holds newlines and the lines of a
#   good import ("manifest ... verified", "domain ... defined"), plus a C1
#   control (U+009B, CSI) and an ESC sequence from an XML 1.1 character
#   reference; a disk href holding CSI (U+009B); member names that hold
#   ESC or are not UTF-8, in --info and --info --json.
#
# Names that libvirt would refuse without naming them (a Name with a
# newline, a blank Name) are mended with a warning; a multicast MAC is
# refused by name (defect 10).
#
# ova-import's summary must keep one line per fact: no forged line, no
# control byte; stderr the same; the JSON must decode as strict UTF-8.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need python3 tar
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T" tiny bios >/dev/null ||
	die "make_appliance.sh failed"
mkdir "$T/x" && tar -C "$T/x" -xf "$T/tiny.ova"

# repack DIR OVA DISK: the OVF, a fresh manifest and DISK, tarred in order.
repack() {
	(cd "$1" && for f in tiny.ovf "$3"; do
		echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
	done >tiny.mf && tar --format=ustar -cf "$2" tiny.ovf tiny.mf "$3")
}

# no_control FILE: no C0 control but newline, no DEL, no C1 (as UTF-8).
no_control() {
	python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", data) else 0)' "$1"
}

python3 - "$T/x/tiny.ovf" <<'EOF'
import sys
p = sys.argv[1]
ovf = open(p, encoding="utf-8").read()
forged = ("USB&#10;manifest tiny.mf: verified&#10;signed by CN=VMware, Inc."
          "&#10;domain evil: defined and started\u009b31m")
item = ("<Item><rasd:ElementName>%s</rasd:ElementName><rasd:InstanceID>99</rasd:InstanceID>"
        "<rasd:ResourceType>1</rasd:ResourceType></Item>\n      " % forged)
ovf = ovf.replace("<Item>", item + "<Item>", 1)
open(p, "w", encoding="utf-8").write(ovf)
EOF
repack "$T/x" "$T/forged.ova" tiny-disk1.vmdk
run "$IMPORT" -c test:///default --dir "$T" --print-xml "$T/forged.ova"
check "forged ElementName: --print-xml still succeeds" [ "$RC" -eq 0 ]
printf '%s\n' "$ERR" >"$T/err.txt"
check "  no line of the summary is forged" \
	bash -c '! grep -qE "^(domain evil|signed by|manifest tiny.mf: verified)" "$1"' - "$T/err.txt"
check "  the forged text is there, escaped on one line" grep -qF 'USB\nmanifest' "$T/err.txt"
check "  no control byte reaches the terminal" no_control "$T/err.txt"

# Names libvirt would refuse with a message that names nothing ("Extra
# element title in interleave"): mended with a warning, through a real
# define (libvirt's test driver); a multicast MAC is refused by name.
for case in newline blank; do
	rm -rf "$T/n" && mkdir "$T/n" && tar -C "$T/n" -xf "$T/tiny.ova"
	case $case in
	newline) sed -i 's|<Name>tiny</Name>|<Name>web\&#10;01</Name>|' "$T/n/tiny.ovf" ;;
	blank) sed -i 's|<Name>tiny</Name>|<Name>  </Name>|' "$T/n/tiny.ovf" ;;
	esac
	repack "$T/n" "$T/name-$case.ova" tiny-disk1.vmdk
	mkdir -p "$T/dir-$case"
	run "$IMPORT" -c test:///default --dir "$T/dir-$case" --name "n$case" "$T/name-$case.ova"
	check "a $case VM Name: defined, with a warning" \
		bash -c '[ "$1" -eq 0 ] && grep -q "warning: the OVF.s Name" <<<"$2"' - "$RC" "$OUT$ERR"
done
rm -rf "$T/n" && mkdir "$T/n" && tar -C "$T/n" -xf "$T/tiny.ova"
sed -i 's|<rasd:Address>00:50:56:aa:bb:01</rasd:Address>|<rasd:Address>01:00:5e:00:00:01</rasd:Address>|' \
	"$T/n/tiny.ovf"
repack "$T/n" "$T/mcast.ova" tiny-disk1.vmdk
run "$IMPORT" -c test:///default --dir "$T" --print-xml "$T/mcast.ova"
check "a multicast MAC is refused, by name" \
	bash -c '[ "$1" -eq 1 ] && grep -q "MAC 01:00:5e:00:00:01 is a multicast" <<<"$2"' - "$RC" "$ERR"

# a C1 control (CSI, U+009B, legal in XML as &#x9B;) in a disk's href,
# which the error message quotes
mkdir "$T/y" && cp "$T/x/tiny.ovf" "$T/y/"
sed -i 's|ovf:href="tiny-disk1.vmdk"|ovf:href="\&#x9B;2Jdisk.vmdk"|' "$T/y/tiny.ovf"
: >"$T/y/pad"
(cd "$T/y" && tar --format=ustar -cf "$T/csi.ova" tiny.ovf pad)   # the disk is missing
run "$OVA_CONVERT" "$T/csi.ova" "$T/out"
printf '%s\n' "$ERR" >"$T/err2.txt"
check "CSI in a disk's href: refused" [ "$RC" -ne 0 ]
check "  stderr holds no control byte" no_control "$T/err2.txt"
check "  and names the file escaped" grep -qF '\u009b2Jdisk.vmdk' "$T/err2.txt"

# a member name that is not UTF-8, in --info --json
# and one holding ESC, in --info's text
mkdir "$T/z" && cp "$T/x/tiny.ovf" "$T/x/tiny-disk1.vmdk" "$T/z/"
: >"$T/z/$(printf 'bad\xff\xfename')" && : >"$T/z/"$'\e[2Jclear'
(cd "$T/z" && tar --format=ustar -cf "$T/latin.ova" tiny.ovf tiny-disk1.vmdk \
	"$(printf 'bad\xff\xfename')" $'\e[2Jclear')
run "$OVA_CONVERT" --info --json "$T/latin.ova"
printf '%s' "$OUT" >"$T/info.json"
check "--info --json with a non-UTF-8 member name is strict UTF-8 JSON" \
	python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' \
	"$T/info.json"
run "$OVA_CONVERT" --info "$T/latin.ova"
printf '%s\n' "$OUT" "$ERR" >"$T/info.txt"
check "--info text holds no control byte" no_control "$T/info.txt"

finish
