/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clicommon.c: see clicommon.h. */
#include "clicommon.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_program = "ovakit";
volatile sig_atomic_t cli_cancel;

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048], *safe;

	vsnprintf(msg, sizeof msg, fmt, ap);
	/* One line, always, and nothing a terminal acts on: messages quote
	 * names from appliances. */
	safe = ovk_text_escape(msg);
	fprintf(stderr, "%s: %s%s\n", cli_program, prefix, safe ? safe : msg);
	free(safe);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("warning: ", fmt, ap);
	va_end(ap);
}

struct ovk_error *cli_err;

int cli_library_init(void)
{
	if (!(cli_err = ovk_error_new())) {
		cli_error("out of memory");
		return -1;
	}
	if (ovk_init(0, cli_err) < 0) {
		cli_error("%s", ovk_error_message(cli_err));
		return -1;
	}
	return 0;
}

static int fail_code(void)
{
	return cli_cancel ? 128 + (int)cli_cancel : 1;
}

int cli_fail(const struct ovk_error *err)
{
	cli_error("%s", ovk_error_message(err));
	return fail_code();
}

int cli_set_err(struct cli_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	e->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int cli_from_lib(struct cli_err *e, const struct ovk_error *lib)
{
	return cli_set_err(e, ovk_error_errno(lib), "%s", ovk_error_message(lib));
}

int cli_fail_own(const struct cli_err *e)
{
	cli_error("%s", e->msg);
	return fail_code();
}

static void on_signal(int sig)
{
	cli_cancel = sig;
}

void cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Past RLIMIT_FSIZE the default action kills us with the temp output
	 * half written; ignored, write() fails with EFBIG and the error path
	 * reports it and removes the temp file. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, NULL);
	/* Likewise a libvirt connection that drops mid-upload (the daemon
	 * died) or a closed stdout: EPIPE is an error we report and roll
	 * back from, where SIGPIPE would kill us with temp files left. */
	sigaction(SIGPIPE, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(struct cli_progress *p, const char *label)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->tty = isatty(STDERR_FILENO);
	p->start = now();
	p->last_pct = -1;
}

/* Plain lines are for logs: one per 10 %, at most one a second. */
#define PLAIN_STEP_PCT 10

/* n bytes for people, three digits: "512 B", "256 MiB", "64.5 MiB",
 * "1.95 GiB". */
static const char *human(uint64_t n, char *buf, size_t cap)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = -1;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, cap, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, cap, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return buf;
}

/* Seconds as "m:ss", or "h:mm:ss" past the hour. */
static const char *clock_text(double s, char *buf, size_t cap)
{
	unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
	return buf;
}

void cli_progress_cb(void *opaque, uint64_t done, uint64_t total)
{
	struct cli_progress *p = opaque;
	double t = now(), elapsed = t - p->start, mbs, eta;
	char d[32], tot[32], e[32];
	int pct;

	if (done < p->done)           /* the next conversion began */
		p->base += p->total;
	p->done = done;
	p->total = total;
	pct = total ? (int)(done * 100 / total) : 100;
	mbs = elapsed > 0 ? (double)(p->base + done) / elapsed / 1e6 : 0;
	eta = mbs > 0 && total > done ? (double)(total - done) / (mbs * 1e6) : 0;
	human(done, d, sizeof d);
	human(total, tot, sizeof tot);
	if (p->tty) {
		char bar[31];
		int fill = pct * 30 / 100;

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, ' ', (size_t)(30 - fill));
		bar[30] = '\0';
		fprintf(stderr, "\r%s [%s] %3d%% %s / %s %7.1f MB/s ETA %s\033[K", p->label, bar,
			pct, d, tot, mbs, clock_text(eta, e, sizeof e));
		fflush(stderr);
		p->line_open = 1;
	} else if (pct / PLAIN_STEP_PCT != p->last_pct / PLAIN_STEP_PCT &&
		   (t - p->last >= 1.0 || pct == 100)) {
		fprintf(stderr, "%s: %s: %d%% (%s / %s, %.1f MB/s, ETA %s)\n", cli_program,
			p->label, pct, d, tot, mbs, clock_text(eta, e, sizeof e));
		p->last = t;
		p->last_pct = pct;
	}
}

void cli_progress_break(struct cli_progress *p)
{
	if (p && p->line_open) {
		fputc('\n', stderr);
		p->line_open = 0;
	}
}

void cli_progress_end(struct cli_progress *p)
{
	double elapsed = now() - p->start;
	uint64_t bytes = p->base + p->done;
	char b[32], e[32];

	cli_progress_break(p);
	if (!bytes)
		return;
	if (elapsed < 60)
		snprintf(e, sizeof e, "%.1f s", elapsed);
	else
		clock_text(elapsed, e, sizeof e);
	fprintf(stderr, "%s: %s: %s in %s (%.1f MB/s average)\n", cli_program, p->label,
		human(bytes, b, sizeof b), e,
		elapsed > 0 ? (double)bytes / elapsed / 1e6 : 0);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char spec[64];
	int c;

	/* A leading ':' makes getopt report a missing argument as ':'. */
	snprintf(spec, sizeof spec, ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == ':')
		cli_error("option '%s' needs an argument (see %s --help)", argv[optind - 1],
			  cli_program);
	else if (c == '?' && optopt)
		cli_error("unrecognized option '-%c' (see %s --help)", optopt, cli_program);
	else if (c == '?')
		cli_error("unrecognized option '%s' (see %s --help)", argv[optind - 1],
			  cli_program);
	return c == ':' ? '?' : c;
}

int cli_choice(const char *opt, const char *v, const char *const *names, int *index)
{
	char all[128];

	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0) {
			if (index)
				*index = i;
			return 0;
		}
	cli_error("%s: '%s' is not one of: %s", opt, v, cli_join(names, all, sizeof all));
	return -1;
}

int cli_options(int argc, char **argv, const char *shortopts, const struct option *longopts,
		void (*usage)(FILE *f), int (*parse_opt)(int c, void *ctx), void *ctx)
{
	int c;

	while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == 'V') {
			cli_version();
			return 1;
		}
		if (c == '?' || parse_opt(c, ctx) < 0)
			return -1;
	}
	return 0;
}

const char *cli_join(const char *const *names, char *buf, size_t cap)
{
	size_t used = 0;

	if (cap)
		buf[0] = '\0';
	for (; names && *names && used < cap; names++) {
		int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", *names);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

void cli_version(void)
{
	char in[256], out[256];

	printf("%s (ovakit) %s\n", cli_program, ovk_version());
	printf("features: %s; read: %s; write: %s\n", ovk_features(),
	       cli_join(ovk_input_formats(), in, sizeof in),
	       cli_join(ovk_output_formats(), out, sizeof out));
}

int cli_add_trust(const char **list, size_t *n, const char *file)
{
	if (!*file) {
		cli_error("--trust: empty");
		return -1;
	}
	if (*n >= CLI_MAX_TRUST) {
		cli_error("--trust: more than %d", CLI_MAX_TRUST);
		return -1;
	}
	list[(*n)++] = file;
	list[*n] = NULL;
	return 0;
}

int cli_parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 1024)
		return -1;
	return (int)v;
}
