/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iso.h: the door to libarchive's ISO 9660 writer (tar.h is the door to
 * its readers).  One use: the CD-ROM that carries an OVF environment
 * (ovf-env.xml in the root directory, DSP0243's "iso" transport).
 */
#ifndef OVK_OVA_ISO_H
#define OVK_OVA_ISO_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* An image far larger than one small file needs: the environment of 1024
 * properties of 64 KiB each would be 64 MiB, and the image is refused
 * beyond 128 MiB rather than grown without end. */
#define OVK_ISO_MAX_SIZE ((size_t)128 << 20)

/* An ISO 9660 image (with Rock Ridge and Joliet names) labelled
 * `volume_id` holding one read-only file `name` with `len` bytes of
 * `data`; *out (malloc'ed) and *out_len.  libarchive's writer stages the
 * file's data in a temporary file of $TMPDIR while it builds. */
int ovk_iso_single_file(const char *volume_id, const char *name, const void *data,
			size_t len, uint8_t **out, size_t *out_len, struct ovk_error *err);

#endif
