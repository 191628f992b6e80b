/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crc32c.c: CRC-32C, one byte per step through a 256-entry table built
 * once (see crc32c.h).
 */
#include "crc32c.h"

#include <pthread.h>

#define CRC32C_POLY 0x82f63b78u   /* 0x1edc6f41 bit-reversed */

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		table[i] = c;
	}
}

uint32_t ovk_crc32c_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&table_once, table_init);
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t ovk_crc32c(const void *data, size_t len)
{
	return ovk_crc32c_update(0, data, len);
}
