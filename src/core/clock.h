/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clock.h: a monotonic clock in seconds, for stage timings and progress. */
#ifndef OVK_CORE_CLOCK_H
#define OVK_CORE_CLOCK_H

#include <time.h>

static inline double ovk_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
