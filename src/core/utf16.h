/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utf16.h: the names Windows-made images store (VHD and VHDX parent
 * locators), as UTF-8 paths we can open.
 *
 * Those names are UTF-16 (little-endian in locators, big-endian in a VHD's
 * parent name field) and Windows paths (".\base.vhd", "C:\VMs\base.vhd",
 * "\\server\share\base.vhd").  They come from the image, so they are
 * hostile: bad surrogates, embedded NULs and overlong names are errors, and
 * a path that is absolute on Windows (a drive letter, a UNC or rooted path)
 * is reported as absolute, never turned into something relative.
 */
#ifndef OVK_CORE_UTF16_H
#define OVK_CORE_UTF16_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Decode `len` bytes of UTF-16 (big_endian or little) into a malloc'ed
 * NUL-terminated UTF-8 string.  Decoding stops at the first U+0000 (names
 * are padded with zeros); an odd length, an unpaired surrogate or a
 * result longer than max_bytes is an error naming `what`. */
int ovk_utf16_to_utf8(const uint8_t *in, size_t len, int big_endian, size_t max_bytes,
		      const char *what, char **out, struct ovk_error *err);

/* Rewrite a Windows path in place as a POSIX one: backslashes become
 * slashes and a leading ".\" is dropped.  Returns 1 when the path is
 * absolute on Windows (a drive letter "C:", a UNC "\\host" or a rooted
 * "\dir"), which the caller must refuse or treat as absolute; 0 otherwise. */
int ovk_windows_path_to_posix(char *path);

#endif
