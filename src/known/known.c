/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * known.c: the disk formats ovakit knows by their signatures and does not
 * read.  Their probe claims them so that they are refused by name ("x.img:
 * a QED image; ovakit does not read QED") instead of falling to raw, which
 * takes any content and would convert the container as if it were the
 * disk: exit 0 and a wrong disk.
 *
 * Why a format directory of its own, and not a list in the registry: the
 * registry names formats and picks the best score; what a signature looks
 * like (qemu's probes for each of these: block/qed.c, qcow.c,
 * parallels.c, bochs.c, cloop.c, dmg.c, crypto.c) is format knowledge, and
 * it lives beside the other formats' probes, behind the same ops table,
 * where the fuzzers and tests reach it the same way.  It knows core only.
 *
 *   signature                              where     format
 *   "QED\0"                                0         QED
 *   "QFI\xfb", version 1 (be32 at 4)       0         qcow (version 1)
 *   "WithoutFreeSpace" / "WithouFreSpacExt" 0        Parallels
 *   "Bochs Virtual HD Image"               0         Bochs
 *   "#!/bin/sh\n#V2.0 Format\n"            0         cloop
 *   "LUKS\xba\xbe"                         0         LUKS
 *   "koly" (be32 version 4, size 512)      EOF-512   DMG (Apple UDIF)
 *
 * Scores are SURE: a real format of ours that also matches (qcow2 claims
 * "QFI\xfb" of any version, at MAYBE for versions it does not read) still
 * wins with SURE on the versions it reads, as the registry keeps the
 * first of equal scores and qcow2 comes first.
 */
#include <errno.h>
#include <string.h>

#include "core/endian.h"
#include "core/format.h"

struct signature {
	const char *magic;
	size_t len;
	const char *what;           /* "a QED image" */
	const char *name;           /* "QED" */
};

#define SIG(m, what, name) { m, sizeof m - 1, what, name }

static const struct signature head_signatures[] = {
	SIG("QED\0", "a QED image", "QED"),
	SIG("WithoutFreeSpace", "a Parallels image", "Parallels"),
	SIG("WithouFreSpacExt", "a Parallels image", "Parallels"),
	SIG("Bochs Virtual HD Image", "a Bochs image", "Bochs"),
	SIG("#!/bin/sh\n#V2.0 Format\n", "a cloop image", "cloop"),
	SIG("LUKS\xba\xbe", "a LUKS encrypted volume", "LUKS"),
};
#define NHEAD (sizeof head_signatures / sizeof head_signatures[0])

static const struct signature qcow1 = SIG("QFI\xfb", "a qcow (version 1) image", "qcow version 1");
static const struct signature dmg = SIG("koly", "a DMG (Apple disk image)", "DMG");

/* qcow2.c's magic; version 1 is the older format, which qcow2 leaves to us. */
#define QCOW_VERSION_1 1u
/* DMG's koly trailer: version 4, header size 512 (qemu's dmg_probe looks
 * for the magic at the end; the version and size make it one). */
#define DMG_KOLY_VERSION 4u
#define DMG_KOLY_SIZE 512u

static const struct signature *match_head(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < NHEAD; i++)
		if (len >= head_signatures[i].len &&
		    memcmp(head, head_signatures[i].magic, head_signatures[i].len) == 0)
			return &head_signatures[i];
	if (len >= 8 && memcmp(head, qcow1.magic, qcow1.len) == 0 &&
	    be32_load(head + 4) == QCOW_VERSION_1)
		return &qcow1;
	return NULL;
}

static const struct signature *match_tail(const uint8_t *tail, size_t len)
{
	if (len >= 12 && memcmp(tail, dmg.magic, dmg.len) == 0 &&
	    be32_load(tail + 4) == DMG_KOLY_VERSION && be32_load(tail + 8) == DMG_KOLY_SIZE)
		return &dmg;
	return NULL;
}

static int known_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)size;
	return match_head(head, len) ? OVK_PROBE_SURE : OVK_PROBE_NO;
}

static int known_probe_tail(const uint8_t *tail, size_t len, uint64_t size)
{
	(void)size;
	return match_tail(tail, len) ? OVK_PROBE_SURE : OVK_PROBE_NO;
}

/* A signature at the head is refused as it comes, without copying a
 * stream first. */
static int known_streamable(const uint8_t *head, size_t len)
{
	return match_head(head, len) != NULL;
}

static int known_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			     struct ovk_source **out, struct ovk_error *err)
{
	uint8_t buf[OVK_PROBE_TAIL_BYTES];
	uint64_t size = ovk_blob_size(blob);
	const struct signature *sig = NULL;
	const uint8_t *head;
	size_t len;

	(void)ctx;
	(void)out;
	if (ovk_blob_peek(blob, OVK_PROBE_BYTES, &head, &len, err) < 0)
		return -1;
	sig = match_head(head, len);
	if (!sig && !ovk_blob_is_stream(blob) && size != UINT64_MAX && size >= sizeof buf &&
	    ovk_blob_pread(blob, size - sizeof buf, buf, sizeof buf, err) == 0)
		sig = match_tail(buf, sizeof buf);
	if (!sig)
		return ovk_error_set(err, EINVAL, "not an image of a known unsupported format");
	return ovk_error_set(err, ENOTSUP, "%s; ovakit does not read %s", sig->what, sig->name);
}

const struct ovk_format ovk_format_known = {
	.name = "known",
	.probe = known_probe,
	.probe_tail = known_probe_tail,
	.streamable = known_streamable,
	.open_source = known_open_source,
};
