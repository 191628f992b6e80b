/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ntfs.h: what the NTFS reader (fs_ntfs.c, through libntfs-3g) knows about
 * a volume beyond the gfs interface: whether Windows left it hibernated or
 * unclean, and its serial number as Windows prints it.  The file system
 * itself is opened through gfs.h like any other.
 *
 * Private to src/guest.
 */
#ifndef OVK_GUEST_NTFS_H
#define OVK_GUEST_NTFS_H

#include <stdint.h>

#include "guest/gfs.h"

struct ovk_ntfs_state {
	/* hiberfil.sys at the root starts "hibr"/"HIBR": Windows is
	 * hibernated, or shut down with Fast Startup (a hybrid hibernation of
	 * the kernel session).  Booting it on other hardware, or after its
	 * disk was changed, loses what the hibernated session held. */
	int hibernated;
	/* The volume's dirty flag (chkdsk is due), and a $LogFile that is
	 * not clean (Windows did not unmount it: a crash, hibernation, Fast
	 * Startup).  Read-only, neither matters to the reader: the log is
	 * never replayed, the volume read as it stands. */
	int dirty;
	int log_unclean;
	uint64_t serial;          /* the boot sector's 64-bit volume serial */
	char serial_windows[10];  /* "XXXX-XXXX", its low 32 bits, as `vol` prints it */
};

/* The facts about an NTFS volume opened through gfs: 0, or -1 (EINVAL)
 * when fs is not NTFS. */
int ovk_ntfs_state(const struct ovk_gfs *fs, struct ovk_ntfs_state *out, struct ovk_error *err);

#endif
