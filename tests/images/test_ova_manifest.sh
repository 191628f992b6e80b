#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The manifest covers every member a disk reads, not only a plain File:
# the chunks of a chunked File (ovf:chunkSize), the stored bytes of a
# gzip'ed File (ovf:compression="gzip"), and the flat extent a VMDK
# descriptor opens beside it.  For each, in a plain OVA, a gzip-compressed
# OVA (manifest before the disks, and after them) and the directory form:
# the good appliance converts to the guest disk (qemu-img compare); a
# changed member with the original manifest is refused naming the member
# and the algorithm, with nothing left behind; a manifest that omits the
# member is refused; --no-verify converts the changed one.  Also a signed
# chunked appliance under --require-signature, and --info on a stream whose
# manifest comes after the disks ("pending").
. "$(dirname "$0")/lib.sh"
need tar gzip python3 sha256sum split openssl as ld

app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src" "$T/out"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
mkdir -p "$T/base" || die "cannot make $T/base"
tar -C "$T/base" -xf "$T/src/tiny.ova" tiny.ovf || die "cannot unpack the test appliance"

# The guest disk: 1 MiB (the OVF's capacity), random in its first 768 KiB
# so that the VMDK grains do not compress and a changed guest byte keeps
# every member's size; another with one byte changed.
raw=$T/src/guest.raw
evil_raw=$T/src/evil.raw
truncate -s 1M "$raw" || die "cannot make the guest disk"
head -c $((768 << 10)) /dev/urandom | dd of="$raw" conv=notrunc status=none ||
	die "cannot make the guest disk"
# One guest byte inverted: byte 300000 XOR 0xff.
cp "$raw" "$evil_raw" &&
	byte=$(od -An -tu1 -j 300000 -N 1 "$raw") &&
	printf '%b' "\\0$(printf %03o $((byte ^ 255)))" |
	dd of="$evil_raw" bs=1 seek=300000 conv=notrunc status=none ||
	die "cannot make the changed guest disk"

CHUNK=262144
out=$T/out/tiny-vmdisk1.qcow2

# data_members DIR: the members a disk reads, in archive order: the File's
# member (a descriptor) before its extent, chunks in order.
data_members() {
	local f
	[ ! -e "$1/tiny-disk1.vmdk" ] || echo tiny-disk1.vmdk
	for f in "$1"/*; do   # glob order is sorted
		f=${f##*/}
		case $f in tiny.ovf | tiny.mf | tiny.cert | tiny-disk1.vmdk) ;; *) echo "$f" ;; esac
	done
}

# write_mf DIR [OMIT]: a SHA256 manifest of the descriptor and every data
# member, but OMIT.
write_mf() {
	local d=$1 omit=${2:-} f
	(cd "$d" && for f in tiny.ovf $(data_members "$d"); do
		[ "$f" = "$omit" ] || echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
	done >tiny.mf)
}

# set_file_attr DIR ATTRS: add attributes to the OVF's File element.
set_file_attr() {
	sed -i "s|ovf:id=\"file1\"|ovf:id=\"file1\" $2|" "$1/tiny.ovf"
}

# make_kind DIR KIND RAW: the members of a KIND (chunked, gzip, flat)
# appliance for guest disk RAW in DIR, with their manifest.
make_kind() {
	local d=$1 kind=$2 img=$3
	rm -rf "$d" && mkdir -p "$d" && cp "$T/base/tiny.ovf" "$d/" || return 1
	case $kind in
	chunked)
		appliance_disk_as "$d" streamOptimized "$img" || return 1
		split -b "$CHUNK" -d -a 9 "$d/tiny-disk1.vmdk" "$d/tiny-disk1.vmdk." || return 1
		rm "$d/tiny-disk1.vmdk"
		set_file_attr "$d" "ovf:chunkSize=\"$CHUNK\""
		;;
	gzip)
		appliance_disk_as "$d" streamOptimized "$img" || return 1
		gzip -n -9 "$d/tiny-disk1.vmdk" && mv "$d/tiny-disk1.vmdk.gz" "$d/tiny-disk1.vmdk" ||
			return 1
		sed -i -E "s/(ovf:size=\")[0-9]+/\1$(stat -c %s "$d/tiny-disk1.vmdk")/" "$d/tiny.ovf"
		set_file_attr "$d" 'ovf:compression="gzip"'
		;;
	flat)
		appliance_disk_as "$d" monolithicFlat "$img" || return 1
		;;
	esac
	write_mf "$d"
}

# pack DIR OUT FORM: DIR as an OVA; FORM is ova (plain tar), gz (compressed,
# manifest before the disks) or late (compressed, manifest after them).
pack() {
	local d=$1 o=$2 form=$3 data
	mapfile -t data < <(data_members "$d")
	case $form in
	ova) tar -C "$d" --format=ustar -cf "$o" tiny.ovf tiny.mf "${data[@]}" ;;
	gz) tar -C "$d" --format=ustar -czf "$o" tiny.ovf tiny.mf "${data[@]}" ;;
	late) tar -C "$d" --format=ustar -czf "$o" tiny.ovf "${data[@]}" tiny.mf ;;
	esac
}

# input DIR FORM: the path to convert for FORM (dir: the directory itself).
input() {
	local d=$1 form=$2
	if [ "$form" = dir ]; then
		echo "$d"
	else
		pack "$d" "$d.$form.ova" "$form" && echo "$d.$form.ova"
	fi
}

converts_to() {  # converts_to DESC INPUT RAW [OPTS...]: rc 0 and equal to RAW
	local desc=$1 in=$2 want=$3
	shift 3
	rm -f "$T/out"/*
	run "$OVA_CONVERT" "$@" "$in" "$T/out"
	if [ "$RC" -eq 0 ] && compare_images "$want" "$out" raw qcow2 >/dev/null; then
		ok "$desc"
	else
		not_ok "$desc" "rc=$RC" "$ERR"
	fi
	rm -f "$T/out"/*
}

refused() {  # refused DESC MEMBER ALG INPUT [OPTS...]: exit 1, names both, nothing left
	local desc=$1 member=$2 alg=$3 in=$4
	shift 4
	expect_fail_clean "$desc" "$T/out" "$member" "$OVA_CONVERT" "$@" "$in" "$T/out"
	if [ -n "$alg" ] && [[ $ERR != *"$alg"* ]]; then
		not_ok "$desc: the message names $alg" "$ERR"
	fi
}

# The member each kind gets changed in, and how.  chunked: the chunk past
# the first (whose embedded descriptor has a random CID) that holds the
# changed guest byte (the same size: the grains are stored); gzip:
# the gzip header's MTIME, which inflating ignores (only a digest of the
# stored bytes sees it); flat: the guest byte.
changed_member() {
	case $1 in
	chunked) cmp -s "$T/good-chunked/$2" "$T/evil-chunked/$2" || echo "$2" ;;
	gzip) echo tiny-disk1.vmdk ;;
	flat) echo tiny-disk1-flat.vmdk ;;
	esac
}

for kind in chunked gzip flat; do
	make_kind "$T/good-$kind" "$kind" "$raw" || die "cannot build the $kind appliance"
	make_kind "$T/evil-$kind" "$kind" "$evil_raw" || die "cannot build the changed $kind appliance"
	# The changed members, the original manifest and descriptor.
	bad=$T/bad-$kind
	rm -rf "$bad" && cp -r "$T/good-$kind" "$bad"
	case $kind in
	chunked)
		member=
		for f in $(data_members "$bad" | tail -n +2); do
			[ -n "$member" ] || member=$(changed_member chunked "$f")
		done
		[ -n "$member" ] && [ "$member" != tiny-disk1.vmdk.000000000 ] ||
			die "the changed guest byte is not in a middle chunk ($member)"
		cp "$T/evil-chunked/$member" "$bad/$member"
		chunk_member=$member
		;;
	gzip)
		member=tiny-disk1.vmdk
		printf '\x01\x02\x03\x04' | dd of="$bad/$member" bs=1 seek=4 conv=notrunc status=none
		;;
	flat)
		member=tiny-disk1-flat.vmdk
		cp "$T/evil-flat/$member" "$bad/$member"
		;;
	esac
	cmp -s "$bad/$member" "$T/good-$kind/$member" && die "$kind: $member did not change"
	[ "$(stat -c %s "$bad/$member")" = "$(stat -c %s "$T/good-$kind/$member")" ] ||
		die "$kind: the changed $member has another size"
	# The manifest without the member.
	omit=$T/omit-$kind
	rm -rf "$omit" && cp -r "$T/good-$kind" "$omit" && write_mf "$omit" "$member"

	# What --no-verify gives for the changed appliance.
	if [ "$kind" = gzip ]; then want_bad=$raw; else want_bad=$evil_raw; fi
	for form in ova gz late dir; do
		what="$kind File, $form"
		converts_to "$what: converts to the guest disk" "$(input "$T/good-$kind" "$form")" "$raw"
		in=$(input "$bad" "$form")
		refused "$what: changed $member with the original manifest is refused" \
			"$member" SHA256 "$in"
		converts_to "$what: --no-verify converts the changed member" "$in" "$want_bad" \
			--no-verify
		refused "$what: a manifest without $member is refused" "$member" "" \
			"$(input "$omit" "$form")"
	done
done

# A chunked File whose manifest lacks chunk 0 is refused at once; one that
# lacks its last chunk, when that chunk is opened.
d=$T/omit0 && rm -rf "$d" && cp -r "$T/good-chunked" "$d" && write_mf "$d" tiny-disk1.vmdk.000000000
refused "chunked File: a manifest without chunk 0 is refused" tiny-disk1.vmdk.000000000 "" \
	"$(input "$d" ova)"
last=$(data_members "$T/good-chunked" | tail -n 1)
d=$T/omitlast && rm -rf "$d" && cp -r "$T/good-chunked" "$d" && write_mf "$d" "$last"
for form in ova gz late; do
	refused "chunked File, $form: a manifest without the last chunk is refused" "$last" "" \
		"$(input "$d" "$form")"
done

# Bytes the disk's reader never needs still count: the last sector of the
# last chunk (the streamOptimized end-of-stream marker's padding) and bytes
# appended to a flat extent past what the descriptor reads.  --no-verify
# shows the reader does not look at them.
d=$T/tail-chunked && rm -rf "$d" && cp -r "$T/good-chunked" "$d"
size=$(stat -c %s "$d/$last")
printf '\x77' | dd of="$d/$last" bs=1 seek=$((size - 2)) conv=notrunc status=none
d=$T/tail-flat && rm -rf "$d" && cp -r "$T/good-flat" "$d"
printf 'appended' >>"$d/tiny-disk1-flat.vmdk"
for kind in chunked flat; do
	if [ "$kind" = chunked ]; then m=$last; else m=tiny-disk1-flat.vmdk; fi
	for form in ova gz late dir; do
		in=$(input "$T/tail-$kind" "$form")
		converts_to "$kind, $form: bytes the reader skips: --no-verify converts" "$in" \
			"$raw" --no-verify
		refused "$kind, $form: bytes the reader skips are still verified" "$m" SHA256 "$in"
	done
done

# A chunked File without ovf:size is read until a chunk is missing: an
# extra chunk after the end of the VMDK (a sector of zeros: one more
# end-of-stream marker, which the reader takes as the end) is part of the
# File, so the conversion must open it and find it is not in the manifest.
d=$T/nosize && rm -rf "$d" && cp -r "$T/good-chunked" "$d"
sed -i -E 's/ ovf:size="[0-9]+"//' "$d/tiny.ovf" && write_mf "$d"
next=tiny-disk1.vmdk.$(printf '%09d' "$(data_members "$d" | wc -l)")
for form in ova gz late dir; do
	in=$(input "$d" "$form")
	converts_to "chunked File without ovf:size, $form: converts" "$in" "$raw"
done
head -c 512 /dev/zero >"$d/$next"
for form in ova gz late dir; do
	in=$(input "$d" "$form")
	converts_to "chunked File without ovf:size, $form: --no-verify converts one with an extra chunk" \
		"$in" "$raw" --no-verify
	refused "chunked File without ovf:size, $form: an extra chunk not in the manifest is refused" \
		"$next" "" "$in"
done

# --allow-unsafe-paths lets a directory appliance's descriptor name an
# extent outside it, but what a disk reads must still be in the manifest.
d=$T/unsafe && rm -rf "$d" && cp -r "$T/good-flat" "$d"
mv "$d/tiny-disk1-flat.vmdk" "$T/outside-flat.vmdk"
sed -i "s|\"tiny-disk1-flat.vmdk\"|\"$T/outside-flat.vmdk\"|" "$d/tiny-disk1.vmdk"
sed -i -E "s/(ovf:size=\")[0-9]+/\1$(stat -c %s "$d/tiny-disk1.vmdk")/" "$d/tiny.ovf"
write_mf "$d"
refused "unsafe paths: an extent outside the directory, not in the manifest, is refused" \
	"$T/outside-flat.vmdk" "" "$d" --allow-unsafe-paths
converts_to "unsafe paths: the same converts with --no-verify" "$d" "$raw" \
	--allow-unsafe-paths --no-verify

# A signed chunked appliance under --require-signature, its self-signed
# signer trusted with --trust: the good one converts, one with a changed
# chunk is refused.
sign() {  # sign DIR: a .cert for DIR/tiny.mf, as ovftool lays it out
	(cd "$1" && openssl dgst -sha256 -sign "$T/key.pem" -out "$T/sig.bin" tiny.mf &&
		{ printf 'SHA256(tiny.mf)= '; od -An -v -tx1 "$T/sig.bin" | tr -d ' \n'; echo
		  cat "$T/cert.pem"; } >tiny.cert)
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 30 \
	-subj '/CN=ovakit test signer' 2>/dev/null || die "openssl cannot make a signer"
for v in good bad; do
	d=$T/signed-$v && rm -rf "$d" && cp -r "$T/$v-chunked" "$d" && sign "$d" ||
		die "cannot sign the chunked appliance"
	mapfile -t data < <(data_members "$d")
	tar -C "$d" --format=ustar -cf "$d.ova" tiny.ovf tiny.mf tiny.cert "${data[@]}"
done
converts_to "signed chunked OVA converts with --require-signature" "$T/signed-good.ova" "$raw" \
	--require-signature --trust "$T/cert.pem"
[[ $ERR == *"ovakit test signer"* ]] && ok "the signer is reported" ||
	not_ok "the signer is reported" "$ERR"
refused "signed chunked OVA with a changed chunk is refused (--require-signature)" \
	"$chunk_member" SHA256 "$T/signed-bad.ova" --require-signature --trust "$T/cert.pem"

# --info on a stream whose manifest comes after the disks: "pending".
run "$OVA_CONVERT" --info --json "$(input "$T/good-gzip" late)"
if [ "$RC" -eq 0 ] && [ "$(json_get "$OUT" manifest.descriptor)" = pending ] &&
	[[ $ERR != *"no manifest"* ]]; then
	ok "--info: a manifest after the disks of a stream is \"pending\""
else
	not_ok "--info: a manifest after the disks of a stream is \"pending\"" "rc=$RC" "$OUT" "$ERR"
fi
finish
