/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench.h: what ova-bench's three files share.
 *
 *   ova-bench.c     arguments, the scratch directory, the measurements
 *   bench_gen.c     the reference workload (a C port of mkdisk.py) and the
 *                   child processes (qemu-img, and ours in the comparisons)
 *                   with their wall and CPU time and peak RSS
 *   bench_report.c  the text table, the JSON document and the SVG plot
 *
 * Units: sizes in bytes, times in seconds, rates in MB/s (10^6 bytes per
 * second, as qemu-img and dd print them).  A rate that was not measured is
 * a negative number; the reports print it as "-" or null.
 */
#ifndef OVK_CLI_BENCH_H
#define OVK_CLI_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "clicommon.h"
#include "ovakit.h"

/* At most this many thread counts in --threads: more would not fit a line. */
#define BENCH_MAX_RUNS 16

/* One thread count's figures (medians over the repetitions). */
struct bench_run {
	unsigned threads;
	double cores;           /* CPU capacity N busy threads got (bench_cpu_capacity) */
	double read_mbs;        /* input bytes / wall, striped pread over N threads */
	double inflate_mbs;     /* guest bytes / wall, discard_output */
	double inflate_in_mbs;  /* the same run, input bytes / wall */
	double inflate_cpu_seconds;  /* its user + sys: flat when threads add no overhead */
	double hash_mbs;        /* input bytes / the hashing thread's time */
	double write_mbs;       /* data bytes / the sink's time (no fsync) */
	double deflate_mbs;     /* guest bytes / wall, to a streamOptimized VMDK (no fsync) */
	double deflate_cpu_seconds;
	double e2e_mbs;         /* guest bytes / wall of a qcow2 conversion with fsync */
	double e2e_seconds;
	double e2e_cpu_seconds;
	/* qemu-img convert -O qcow2 at this thread count (-m, its coroutines),
	 * guest bytes / wall through sync; -1 without --qemu-img */
	double qemu_e2e_mbs;
	struct ovk_convert_stats inflate_stats, e2e_stats;  /* of the median run */
};

/* At most this many --export inputs: the generated disk as raw and as
 * qcow2, or the one IMAGE. */
#define BENCH_MAX_EXPORT 2

/* Issue 14's goals for the export path (-O vmdk, streamOptimized). */
#define EXPORT_GOAL_WALL 0.25                  /* ours/qemu-img, through sync */
#define EXPORT_GOAL_SIZE 1.02                  /* ours/qemu-img, output bytes */
#define EXPORT_GOAL_RSS ((uint64_t)64 << 20)   /* our peak RSS, bytes */
#define EXPORT_GOAL_SPEEDUP 1.7                /* deflate stage, 1 -> 2 threads */

/* One comparison with qemu-img convert (--qemu-img: to qcow2; --export: to
 * a streamOptimized VMDK): medians of alternating runs.  Ours runs in a
 * child process, so its CPU time and peak RSS are the conversion's alone. */
struct bench_compare {
	int done;
	unsigned runs;
	unsigned threads;               /* ours ran with this many workers */
	const char *input;              /* the file converted */
	const char *in_format;          /* its format, as ovakit probed it */
	const char *target;             /* "qcow2" or "vmdk" */
	double qemu_wall, ours_wall;    /* through a final sync() */
	double qemu_cpu, ours_cpu;      /* user + system */
	/* page cache only; -1 when not measured (--export does not) */
	double qemu_nosync_wall, ours_nosync_wall;
	uint64_t qemu_size, ours_size;      /* the output files, bytes */
	uint64_t qemu_maxrss, ours_maxrss;  /* peak resident set, bytes, the most of any run */
};

struct bench_report {
	const char *image;
	const char *format;           /* as ovakit probed it */
	const char *workload;         /* what made the image, or NULL for IMAGE */
	uint64_t virtual_size, input_size;
	unsigned repeat;
	/* The 1-minute load average before and after: other work on the
	 * machine is the first suspect when a figure moves. */
	double load_before, load_after;
	unsigned nruns;
	struct bench_run runs[BENCH_MAX_RUNS];
	struct bench_compare qemu;     /* --qemu-img */
	unsigned nexport;              /* --export: one per input */
	struct bench_compare exports[BENCH_MAX_EXPORT];
};

/* ------------------------------------------------------------ bench_gen.c */

/* Write the reference disk of size_mib MiB to path (a new file): per 1 MiB
 * block 40% holes, 25% text-like, 15% structured binary, 20% incompressible,
 * from a fixed seed.  Returns 0, or -1 with *err filled (ECANCELED when
 * *cancel became non-zero). */
int bench_make_raw(const char *path, uint64_t size_mib, volatile sig_atomic_t *cancel,
		   struct cli_err *err);

/* How many cores `threads` CPU-bound threads get right now: threads times
 * the wall time of one thread's fixed work over the wall time of all of
 * them doing it at once.  A loaded or throttled machine gives less than
 * `threads`, and no engine can scale past it.  -1 when threads cannot start. */
double bench_cpu_capacity(unsigned threads);

/* The path of an executable named name on PATH, or NULL; malloc'ed. */
char *bench_which(const char *name);

/* What wait4() says of a child process. */
struct bench_child {
	double wall;         /* fork to reaped, seconds */
	double cpu;          /* its user + system seconds */
	uint64_t maxrss;     /* its peak resident set, bytes */
};

/* Run fn(arg) in a child process, which exits with what fn returns.  Fills
 * *res when not NULL.  Returns the child's exit status, 128 + signal when it
 * died of one, or -1 with *err filled (prefixed with name) when it could not
 * run or *cancel was set (the child is then sent SIGTERM and reaped).  Fork
 * only while no other thread of ours is alive: the child gets one thread. */
int bench_fork(int (*fn)(void *), void *arg, const char *name,
	       volatile sig_atomic_t *cancel, struct bench_child *res, struct cli_err *err);

/* bench_fork() of argv (argv[0] looked up on PATH) with stdin and stdout on
 * /dev/null and stderr into errlog (or /dev/null when NULL). */
int bench_spawn(char *const argv[], const char *errlog, volatile sig_atomic_t *cancel,
		struct bench_child *res, struct cli_err *err);

/* The first line of a file, for error messages ("" when unreadable). */
void bench_first_line(const char *path, char *buf, size_t size);

double bench_now(void);
/* The 1-minute load average, or -1 when /proc/loadavg is unreadable. */
double bench_loadavg(void);
/* User + system seconds of this process so far (all threads). */
double bench_cpu_self(void);

/* --------------------------------------------------------- bench_report.c */

void bench_print_table(FILE *f, const struct bench_report *r);
void bench_print_json(FILE *f, const struct bench_report *r);
/* Write the SVG plot to path; -1 with *err filled when it cannot. */
int bench_write_svg(const char *path, const struct bench_report *r, struct cli_err *err);

/* What --plot FILE writes, by its name: SVG, PNG (rendered from the SVG by
 * rsvg-convert), or PLOT_REFUSED with the reason in *err. */
enum bench_plot { PLOT_SVG, PLOT_PNG, PLOT_REFUSED };
enum bench_plot bench_plot_kind(const char *path, struct cli_err *err);
/* The plot in the kind bench_plot_kind() said. */
int bench_write_plot(const char *path, const struct bench_report *r, struct cli_err *err);

#endif
