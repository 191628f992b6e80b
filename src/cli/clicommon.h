/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clicommon.h: what the programs share: the one-line error format,
 * signal-to-cancel plumbing with the 130/143 exit codes, and the progress
 * line.  Only the public API is used here.
 */
#ifndef OVK_CLI_COMMON_H
#define OVK_CLI_COMMON_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ovakit.h"

#define EXIT_USAGE 2

extern const char *cli_program;
/* The library's error handle, for every call (cli_library_init). */
extern struct ovk_error *cli_err;

/* ovk_init() and cli_err, first thing in main: 0, or -1 after saying why. */
int cli_library_init(void);
/* The signal that asked us to stop, or 0. */
extern volatile sig_atomic_t cli_cancel;

/* Print "program: msg" as one line on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr, escaped (ovk_text_escape): not an error. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "program: <the library's message>" and return the exit code for
 * it: 128 + signal when a signal cancelled the work, else 1. */
int cli_fail(const struct ovk_error *err);

/* A failure of the program's own (a bench stage, a plot), or the
 * library's copied in: the library's error handle is opaque. */
struct cli_err {
	int errnum;
	char msg[1024];
};
int cli_set_err(struct cli_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy the library's failure into e; returns -1. */
int cli_from_lib(struct cli_err *e, const struct ovk_error *lib);
/* cli_fail() for a struct cli_err. */
int cli_fail_own(const struct cli_err *e);
/* Route SIGINT and SIGTERM into cli_cancel. */
void cli_catch_signals(void);

/* A progress line: a bar on a TTY, plain lines otherwise, with bytes
 * done/total, rate and ETA; at the end the bytes, elapsed time and average
 * rate.  Several conversions in a row (an appliance's disks) each count
 * from 0: the end sums them. */
struct cli_progress {
	const char *label;
	int tty;
	int line_open;               /* a bar is on the terminal's last line */
	double start, last;
	int last_pct;
	uint64_t base;               /* bytes of the conversions before this one */
	uint64_t done, total;        /* this one's */
};
void cli_progress_init(struct cli_progress *p, const char *label);
void cli_progress_cb(void *opaque, uint64_t done, uint64_t total);
/* End an open bar's line (before other output); NULL-safe. */
void cli_progress_break(struct cli_progress *p);
void cli_progress_end(struct cli_progress *p);

/* -V, the same on every tool: "NAME (ovakit) X.Y.Z", then one line: the
 * features the library was built with (ovk_features(): "+libvirt +zstd")
 * and the formats it reads and writes. */
void cli_version(void);
/* names (NULL-terminated) as "a, b, c" into buf: for messages that list
 * the valid values. */
const char *cli_join(const char *const *names, char *buf, size_t cap);
/* --trust FILE may be repeated: a CA bundle and a vendor's certificate or
 * two are what anyone names; 32 is far beyond that. */
#define CLI_MAX_TRUST 32

/* Append one --trust FILE to the NULL-terminated list (CLI_MAX_TRUST + 1
 * slots); -1 with a message when empty or too many. */
int cli_add_trust(const char **list, size_t *n, const char *file);

/* Parse a positive count (-j N, --disk N); -1 when invalid. */
int cli_parse_count(const char *s);

struct option;
/* getopt_long() with getopt's own messages replaced by one line in our
 * format ("program: unrecognized option '--x' (see --help)"); returns what
 * getopt_long returns, with '?' for both an unknown option and a missing
 * argument, after printing. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* v among names (NULL-terminated), its position into *index (may be
 * NULL); else -1 after a message that lists the valid values. */
int cli_choice(const char *opt, const char *v, const char *const *names, int *index);
/* The option loop around cli_getopt: -h and -V answered here (usage(),
 * cli_version()), every other option handed to parse_opt(c, ctx), which
 * says what is wrong and returns -1.  0 when all are read, 1 after -h or
 * -V (exit 0), -1 on a usage error. */
int cli_options(int argc, char **argv, const char *shortopts, const struct option *longopts,
		void (*usage)(FILE *f), int (*parse_opt)(int c, void *ctx), void *ctx);

#endif
