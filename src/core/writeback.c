/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* writeback.c: see writeback.h. */
#include "writeback.h"

#include <fcntl.h>

void ovk_writeback_init(struct ovk_writeback *wb, int fd, int enabled)
{
	wb->fd = fd;
	wb->enabled = enabled;
	wb->next = 0;
	wb->have_prev = 0;
	wb->prev = 0;
}

void ovk_writeback_advance(struct ovk_writeback *wb, uint64_t frontier)
{
	if (!wb->enabled)
		return;
	while (frontier >= wb->next + OVK_WRITEBACK_WINDOW) {
		uint64_t start = wb->next;

		sync_file_range(wb->fd, (off_t)start, (off_t)OVK_WRITEBACK_WINDOW,
				SYNC_FILE_RANGE_WRITE);
		if (wb->have_prev) {
			sync_file_range(wb->fd, (off_t)wb->prev, (off_t)OVK_WRITEBACK_WINDOW,
					SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					SYNC_FILE_RANGE_WAIT_AFTER);
			posix_fadvise(wb->fd, (off_t)wb->prev, (off_t)OVK_WRITEBACK_WINDOW,
				      POSIX_FADV_DONTNEED);
		}
		wb->prev = start;
		wb->have_prev = 1;
		wb->next = start + OVK_WRITEBACK_WINDOW;
	}
}
