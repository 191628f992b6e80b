/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crc32c.h: CRC-32C (Castagnoli), the checksum of VHDX headers, region
 * tables and log entries.
 *
 * Reflected polynomial 0x82f63b78, initial value and final xor ~0: the
 * CRC that iSCSI, ext4 and VHDX use (RFC 3720 appendix B.4 gives the test
 * vectors).  None of our dependencies exports it (zlib's crc32 is the
 * IEEE polynomial), and it is only ever run over metadata, so a small
 * table-driven loop is enough: a VHDX open checksums a few hundred KiB.
 */
#ifndef OVK_CORE_CRC32C_H
#define OVK_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of len bytes. */
uint32_t ovk_crc32c(const void *data, size_t len);

/* Continue a CRC over more bytes: ovk_crc32c_update(ovk_crc32c(a), b) is the
 * CRC of a followed by b.  Start from 0. */
uint32_t ovk_crc32c_update(uint32_t crc, const void *data, size_t len);

#endif
