/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ova-bench: disk throughput of the conversion engine (issue 5).
 *
 *   ova-bench [--size 2G] [--threads 1,2,...] [--repeat N] [--qemu-img]
 *             [--export] [--json] [--plot FILE.svg] [--keep] [--workdir DIR]
 *             [IMAGE]
 *
 * Without IMAGE it makes the reference workload (bench_gen.c) in a scratch
 * directory and has qemu-img write it as a streamOptimized VMDK, the shape
 * appliances ship in.  Then, per thread count, it measures these stages
 * (medians of --repeat runs, alternating the stages inside each repetition
 * so that a slow minute of the shared disk hurts them all alike; the input
 * is in the page cache, as it is after a download):
 *
 *   read        the input file read with pread, 4 MiB stripes over N threads
 *   inflate     ovk_bench_convert(discard_output): decoding and zero detection
 *   hash        the same with SHA-256 of the input; the hashing thread's rate
 *   write       the sink's rate in a real qcow2 conversion (no fsync)
 *   deflate     a real conversion to a streamOptimized VMDK (no fsync): every
 *               data grain deflated on the workers (issue 14)
 *   end-to-end  a real conversion to qcow2 in the scratch directory,
 *               through its fsync; the output is removed after each run
 *
 * --qemu-img runs `qemu-img convert -O qcow2` on the same image alternately
 * with ours, each followed by sync(), and again both without syncing.
 * --export does the same for the export path (issue 14): ours -O vmdk
 * against `qemu-img convert -O vmdk -o subformat=streamOptimized`, from
 * IMAGE, or from the generated disk as raw and as a qcow2 qemu-img makes of
 * it, through sync only.  In both, ours runs in a forked child so that its
 * CPU time and peak RSS are the conversion's, and its first output is
 * checked with qemu-img compare and check: a wrong output fails the run.
 *
 * Only the public API (ovakit.h) is used: this is also a test that the API
 * is enough to write a benchmark with.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "clicommon.h"

#define MIB ((uint64_t)1 << 20)
/* --size: whole MiB (the generator's block), at most 1 TiB, which is more
 * than any scratch disk we run on and keeps the byte count far from
 * overflowing. */
#define MAX_SIZE_MIB ((uint64_t)1 << 20)
#define DEFAULT_SIZE_MIB 2048
#define DEFAULT_REPEAT 3
#define MAX_REPEAT 100
/* The read stage's stripe: large enough that syscalls do not count. */
#define READ_STRIPE ((size_t)4 << 20)
/* More readers than this only measure the scheduler. */
#define MAX_READERS 64

struct args {
	uint64_t size_mib;
	unsigned threads[BENCH_MAX_RUNS];
	unsigned nthreads;
	unsigned repeat;
	int qemu, export, json, keep;
	const char *plot, *workdir, *image;
};

struct bench {
	struct args a;
	char *dir;          /* our scratch directory */
	char *image;        /* what we measure */
	char *keep;         /* a file in dir to leave behind, or NULL */
	char *qemu_img;     /* its path, or NULL */
	char *out_ours, *out_qemu, *errlog;
	char *exp_raw, *exp_qcow2;   /* --export without IMAGE: its two inputs */
	char format[32];
	char workload[128];
	struct bench_report rep;
	struct ovk_error *lib_err;   /* what the library's calls fill */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ova-bench [OPTIONS] [IMAGE]\n"
		"\n"
		"Measure the conversion engine: read, inflate, hash, write and end-to-end\n"
		"throughput per thread count.  Without IMAGE, make the reference workload\n"
		"(a streamOptimized VMDK made by qemu-img from a generated disk).\n"
		"\n"
		"Options:\n"
		"      --size SIZE       size of the generated disk (default 2G; K, M, G, T)\n"
		"      --threads LIST    thread counts, e.g. 1,2,4 (default 1,2,4.. up to the CPUs)\n"
		"      --repeat N        runs per figure, the median is reported (default 3)\n"
		"      --qemu-img        also time `qemu-img convert -O qcow2` alternately with ours\n"
		"      --export          also time ours -O vmdk (streamOptimized) against `qemu-img\n"
		"                        convert -O vmdk -o subformat=streamOptimized`, from IMAGE or\n"
		"                        from the generated disk as raw and as qcow2: wall, CPU,\n"
		"                        sizes and peak RSS against issue 14's goals\n"
		"      --json            print the figures as JSON instead of a table\n"
		"      --plot FILE       draw throughput against threads: FILE.svg, or FILE.png\n"
		"                        (rendered by rsvg-convert, Debian's librsvg2-bin)\n"
		"      --keep            keep the generated image (its path goes to stderr)\n"
		"      --workdir DIR     where to make the scratch directory\n"
		"                        (default $TMPDIR, else /var/tmp)\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Rates are MB/s (10^6 bytes/s): read, hash and 'inflate in' of input bytes,\n"
		"inflate and end-to-end of guest bytes, write of data bytes written.\n"
		"Exit status: 0 ok, 1 failure, 2 usage error, 130/143 interrupted.\n");
}

/* ------------------------------------------------------------- arguments */

static int parse_size_mib(const char *s, uint64_t *mib)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = (uint64_t)1 << 10; end++; break;
	case 'm': case 'M': mult = MIB; end++; break;
	case 'g': case 'G': mult = (uint64_t)1 << 30; end++; break;
	case 't': case 'T': mult = (uint64_t)1 << 40; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	/* A bare number is MiB, like mkdisk.py's argument. */
	if (mult == 1)
		mult = MIB;
	if (*end || v == 0 || v > MAX_SIZE_MIB * MIB / mult || (v * mult) % MIB)
		return -1;
	*mib = v * mult / MIB;
	return 0;
}

static int parse_thread_list(const char *s, struct args *a)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	a->nthreads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int n = cli_parse_count(tok);

		if (n < 0 || a->nthreads == BENCH_MAX_RUNS)
			return -1;
		a->threads[a->nthreads++] = (unsigned)n;
	}
	return a->nthreads ? 0 : -1;
}

static void default_threads(struct args *a)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n;

	if (cpus < 1)
		cpus = 1;
	a->nthreads = 0;
	for (n = 1; n < (unsigned)cpus && a->nthreads < BENCH_MAX_RUNS - 1; n *= 2)
		a->threads[a->nthreads++] = n;
	a->threads[a->nthreads++] = (unsigned)cpus;
}

enum { OPT_SIZE = 256, OPT_THREADS, OPT_REPEAT, OPT_QEMU, OPT_EXPORT, OPT_JSON, OPT_PLOT,
       OPT_KEEP, OPT_WORKDIR };

/* Returns an exit code to leave with, or -1 to go on. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "qemu-img", no_argument, NULL, OPT_QEMU },
		{ "export", no_argument, NULL, OPT_EXPORT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "workdir", required_argument, NULL, OPT_WORKDIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_err perr;
	int c, n, size_given = 0;

	a->size_mib = DEFAULT_SIZE_MIB;
	a->repeat = DEFAULT_REPEAT;
	default_threads(a);
	while ((c = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (c) {
		case OPT_SIZE:
			size_given = 1;
			if (parse_size_mib(optarg, &a->size_mib) < 0) {
				cli_error("--size: '%s' is not a whole number of MiB (1M to 1T)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_THREADS:
			if (parse_thread_list(optarg, a) < 0) {
				cli_error("--threads: '%s' is not a list of up to %d thread counts "
					  "(1-1024)", optarg, BENCH_MAX_RUNS);
				return EXIT_USAGE;
			}
			break;
		case OPT_REPEAT:
			n = cli_parse_count(optarg);
			if (n < 1 || n > MAX_REPEAT) {
				cli_error("--repeat: '%s' is not a count (1-%d)", optarg, MAX_REPEAT);
				return EXIT_USAGE;
			}
			a->repeat = (unsigned)n;
			break;
		case OPT_QEMU: a->qemu = 1; break;
		case OPT_EXPORT: a->export = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_PLOT:
			if (bench_plot_kind(optarg, &perr) == PLOT_REFUSED) {
				cli_error("%s", perr.msg);
				return EXIT_USAGE;
			}
			a->plot = optarg;
			break;
		case OPT_KEEP: a->keep = 1; break;
		case OPT_WORKDIR: a->workdir = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': cli_version(); return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		cli_error("at most one IMAGE (see --help)");
		return EXIT_USAGE;
	}
	a->image = optind < argc ? argv[optind] : NULL;
	if (a->image && (size_given || a->keep)) {
		cli_error("--size and --keep are for the generated image, not for IMAGE");
		return EXIT_USAGE;
	}
	return -1;
}

/* ------------------------------------------------------- scratch and cleanup */

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static int make_scratch(struct bench *b, struct cli_err *err)
{
	const char *base = b->a.workdir;
	char *tmpl = NULL;

	if (!base)
		base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	if (asprintf(&tmpl, "%s/ova-bench.XXXXXX", base) < 0)
		goto nomem;
	if (!mkdtemp(tmpl)) {
		cli_set_err(err, errno, "%s: cannot make a scratch directory: %s", base,
			strerror(errno));
		free(tmpl);
		return -1;
	}
	b->dir = tmpl;
	b->out_ours = path_in(b->dir, "ours.out");
	b->out_qemu = path_in(b->dir, "qemu-img.out");
	b->errlog = path_in(b->dir, "stderr.log");
	if (b->out_ours && b->out_qemu && b->errlog)
		return 0;
nomem:
	return cli_set_err(err, ENOMEM, "out of memory");
}

/* The scratch directory holds only flat files we made. */
static void remove_scratch(struct bench *b)
{
	DIR *d;
	struct dirent *de;

	if (!b->dir || !(d = opendir(b->dir)))
		return;
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!(p = path_in(b->dir, de->d_name)))
			continue;
		if (!b->keep || strcmp(p, b->keep) != 0)
			unlink(p);
		free(p);
	}
	closedir(d);
	if (!b->keep)
		rmdir(b->dir);
}

/* ---------------------------------------------------------- the workload */

static int run_qemu_img(struct bench *b, char *const argv[], struct bench_child *res,
			struct cli_err *err)
{
	char line[512];
	int rc = bench_spawn(argv, b->errlog, &cli_cancel, res, err);

	if (rc < 0)
		return -1;
	if (rc != 0) {
		bench_first_line(b->errlog, line, sizeof line);
		err->errnum = EIO;
		snprintf(err->msg, sizeof err->msg, "qemu-img %s failed (exit %d): %s", argv[1],
			 rc, line[0] ? line : "no message");
		return -1;
	}
	return 0;
}

/* --export without IMAGE: the generated disk as raw (kept) and as a qcow2
 * that qemu-img makes of it, the two inputs an export starts from. */
static int make_export_inputs(struct bench *b, const char *raw, struct cli_err *err)
{
	char name[64];
	char *argv[] = { b->qemu_img, "convert", "-f", "raw", "-O", "qcow2", (char *)raw, NULL,
			 NULL };

	snprintf(name, sizeof name, "ref-%lluM.qcow2", (unsigned long long)b->a.size_mib);
	if (!(b->exp_qcow2 = path_in(b->dir, name)) || !(b->exp_raw = strdup(raw)))
		return cli_set_err(err, ENOMEM, "out of memory");
	argv[7] = b->exp_qcow2;
	return run_qemu_img(b, argv, NULL, err);
}

static int make_workload(struct bench *b, struct cli_err *err)
{
	char name[64];
	char *raw = NULL, *vmdk = NULL;
	int ret = -1;

	snprintf(name, sizeof name, "ref-%lluM.raw", (unsigned long long)b->a.size_mib);
	if (!(raw = path_in(b->dir, name)))
		goto out;
	snprintf(name, sizeof name, "ref-%lluM.vmdk", (unsigned long long)b->a.size_mib);
	if (!(vmdk = path_in(b->dir, name)))
		goto out;
	fprintf(stderr, "ova-bench: making the reference workload (%llu MiB) in %s\n",
		(unsigned long long)b->a.size_mib, b->dir);
	if (bench_make_raw(raw, b->a.size_mib, &cli_cancel, err) < 0)
		goto out;
	if (!b->qemu_img) {
		cli_warn("qemu-img is not installed: it is needed to make the streamOptimized "
			 "VMDK, so this measures the raw image (no inflate work)");
		snprintf(b->workload, sizeof b->workload, "reference mix, %llu MiB, raw",
			 (unsigned long long)b->a.size_mib);
		b->image = raw;
		raw = NULL;
	} else {
		char *argv[] = { b->qemu_img, "convert", "-f", "raw", "-O", "vmdk", "-o",
				 "subformat=streamOptimized", raw, vmdk, NULL };

		if (run_qemu_img(b, argv, NULL, err) < 0)
			goto out;
		if (b->a.export) {
			if (make_export_inputs(b, raw, err) < 0)
				goto out;
		} else {
			unlink(raw);
		}
		snprintf(b->workload, sizeof b->workload,
			 "reference mix, %llu MiB, streamOptimized VMDK by qemu-img",
			 (unsigned long long)b->a.size_mib);
		b->image = vmdk;
		vmdk = NULL;
	}
	if (b->a.keep)
		b->keep = b->image;
	ret = 0;
out:
	if (ret < 0 && !err->msg[0])
		cli_set_err(err, ENOMEM, "out of memory");
	free(raw);
	free(vmdk);
	return ret;
}

/* The format and size as ovakit sees them. */
static int describe_image(struct bench *b, struct cli_err *err)
{
	struct ovk_info *info = NULL;
	const char *format;
	struct stat st;
	int ret = -1;

	if (stat(b->image, &st) < 0) {
		cli_set_err(err, errno, "%s: %s", b->image, strerror(errno));
		goto out;
	}
	if (ovk_info_open(b->image, NULL, 0, &info, b->lib_err) < 0) {
		cli_from_lib(err, b->lib_err);
		goto out;
	}
	if ((format = ovk_info_get_str(info, "format")))
		snprintf(b->format, sizeof b->format, "%s", format);
	if (!b->format[0] || ovk_info_get_u64(info, "virtual-size", &b->rep.virtual_size) < 0 ||
	    !b->rep.virtual_size) {
		cli_set_err(err, EINVAL, "%s: cannot tell its format and size", b->image);
		goto out;
	}
	b->rep.input_size = (uint64_t)st.st_size;
	ret = 0;
out:
	ovk_info_free(info);
	return ret;
}

/* ------------------------------------------------------------- the stages */

struct reader {
	int fd;
	unsigned index, stride;
	uint64_t size;
	int failed;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t *buf = malloc(READ_STRIPE);
	uint64_t off = (uint64_t)r->index * READ_STRIPE;

	if (!buf) {
		r->failed = ENOMEM;
		return NULL;
	}
	for (; off < r->size && !cli_cancel; off += (uint64_t)r->stride * READ_STRIPE) {
		if (pread(r->fd, buf, READ_STRIPE, (off_t)off) < 0 && errno != EINTR) {
			r->failed = errno;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Read path (size bytes) with pread over `threads`; *mbs its rate.  The
 * read stage, and the comparisons' warm-up of their input. */
static int stage_read(const char *path, uint64_t size, unsigned threads, double *mbs,
		      struct cli_err *err)
{
	struct reader rd[MAX_READERS];
	pthread_t th[MAX_READERS];
	unsigned n = threads < MAX_READERS ? threads : MAX_READERS;
	unsigned started = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), failed = 0;
	double t0;

	if (fd < 0)
		return cli_set_err(err, errno, "%s: %s", path, strerror(errno));
	t0 = bench_now();
	for (; started < n; started++) {
		rd[started] = (struct reader){ .fd = fd, .index = started, .stride = n,
					       .size = size };
		if (pthread_create(&th[started], NULL, reader_main, &rd[started]) != 0)
			break;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		if (rd[i].failed)
			failed = rd[i].failed;
	}
	*mbs = (double)size / (bench_now() - t0) / 1e6;
	close(fd);
	if (cli_cancel)
		return cli_set_err(err, ECANCELED, "%s: interrupted", path);
	if (started < n)
		return cli_set_err(err, EAGAIN, "cannot start reader threads");
	if (failed)
		return cli_set_err(err, failed, "%s: %s", path, strerror(failed));
	return 0;
}

enum mode { MODE_DISCARD, MODE_HASH, MODE_QCOW2, MODE_VMDK };

/* One ovk_bench_convert of input to out_ours in `mode`. */
static int convert_once(struct bench *b, const char *input, enum mode mode, unsigned threads,
			int no_sync, struct ovk_convert_stats *st)
{
	struct ovk_convert_opts o = OVK_CONVERT_OPTS_INIT;
	struct ovk_bench_opts bo = OVK_BENCH_OPTS_INIT;

	o.out_format = mode == MODE_VMDK ? "vmdk" : "qcow2";
	o.threads = threads;
	o.cancel = &cli_cancel;
	o.no_sync = no_sync;
	bo.discard_output = mode == MODE_DISCARD || mode == MODE_HASH;
	bo.hash = mode == MODE_HASH ? OVK_HASH_SHA256 : OVK_HASH_NONE;
	*st = (struct ovk_convert_stats)OVK_CONVERT_STATS_INIT;
	return ovk_bench_convert(input, b->out_ours, &o, &bo, st, b->lib_err);
}

/* A stage: one conversion of the image in this process, its wall and CPU
 * seconds. */
static int run_ours(struct bench *b, enum mode mode, unsigned threads, int no_sync,
		    struct ovk_convert_stats *st, double *wall, double *cpu, struct cli_err *err)
{
	double t0, c0;
	int r;

	unlink(b->out_ours);
	sync();
	c0 = bench_cpu_self();
	t0 = bench_now();
	r = convert_once(b, b->image, mode, threads, no_sync, st);
	if (r < 0)
		cli_from_lib(err, b->lib_err);
	*wall = bench_now() - t0;
	if (cpu)
		*cpu = bench_cpu_self() - c0;
	unlink(b->out_ours);
	return r;
}

static double median(double *v, unsigned n, unsigned *at)
{
	unsigned best = 0;

	/* n is small: pick the element with as many below as above it. */
	for (unsigned i = 0; i < n; i++) {
		unsigned below = 0, equal_before = 0;

		for (unsigned j = 0; j < n; j++) {
			below += v[j] < v[i];
			equal_before += j < i && v[j] == v[i];
		}
		if (below + equal_before == n / 2)
			best = i;
	}
	if (at)
		*at = best;
	return v[best];
}

static double rate(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / seconds / 1e6 : -1;
}

struct samples {
	double cores[MAX_REPEAT], read[MAX_REPEAT], inflate[MAX_REPEAT], inflate_cpu[MAX_REPEAT], hash[MAX_REPEAT];
	double e2e[MAX_REPEAT], cpu[MAX_REPEAT], deflate[MAX_REPEAT], deflate_cpu[MAX_REPEAT];
	struct ovk_convert_stats inflate_st[MAX_REPEAT], e2e_st[MAX_REPEAT];
};

static int measure_threads(struct bench *b, unsigned threads, struct bench_run *run,
			   struct cli_err *err)
{
	struct samples *s = calloc(1, sizeof *s);
	struct ovk_convert_stats hst, dst;
	double wall, v[MAX_REPEAT] = { 0 };
	unsigned n = b->a.repeat, at;
	int ret = -1;

	if (!s)
		return cli_set_err(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		fprintf(stderr, "ova-bench: %u thread%s, run %u of %u\n", threads,
			threads == 1 ? "" : "s", i + 1, n);
		s->cores[i] = bench_cpu_capacity(threads);
		if (stage_read(b->image, b->rep.input_size, threads, &s->read[i], err) < 0 ||
		    run_ours(b, MODE_DISCARD, threads, 0, &s->inflate_st[i], &s->inflate[i],
			     &s->inflate_cpu[i], err) < 0 ||
		    run_ours(b, MODE_HASH, threads, 0, &hst, &wall, NULL, err) < 0 ||
		    run_ours(b, MODE_QCOW2, threads, 0, &s->e2e_st[i], &s->e2e[i], &s->cpu[i],
			     err) < 0 ||
		    run_ours(b, MODE_VMDK, threads, 1, &dst, &s->deflate[i], &s->deflate_cpu[i],
			     err) < 0)
			goto out;
		s->hash[i] = rate(hst.bytes_in, hst.hash_seconds);
	}
	run->threads = threads;
	run->cores = median(s->cores, n, NULL);
	run->read_mbs = median(s->read, n, NULL);
	median(s->inflate, n, &at);
	run->inflate_stats = s->inflate_st[at];
	run->inflate_mbs = rate(b->rep.virtual_size, s->inflate[at]);
	run->inflate_in_mbs = rate(b->rep.input_size, s->inflate[at]);
	run->inflate_cpu_seconds = s->inflate_cpu[at];
	run->hash_mbs = median(s->hash, n, NULL);
	median(s->deflate, n, &at);
	run->deflate_mbs = rate(b->rep.virtual_size, s->deflate[at]);
	run->deflate_cpu_seconds = s->deflate_cpu[at];
	for (unsigned i = 0; i < n; i++)
		v[i] = rate(s->e2e_st[i].data_bytes, s->e2e_st[i].write_seconds);
	run->write_mbs = median(v, n, NULL);
	run->e2e_seconds = median(s->e2e, n, &at);
	run->e2e_stats = s->e2e_st[at];
	run->e2e_cpu_seconds = s->cpu[at];
	run->e2e_mbs = rate(b->rep.virtual_size, run->e2e_seconds);
	ret = 0;
out:
	free(s);
	return ret;
}

/* ------------------------------------------------------------- qemu-img */

/* qemu-img convert's -m: coroutines in flight, at most 16. */
#define QEMU_MAX_COROUTINES 16

/* What a comparison converts: input (in_format, as ovakit probed it) to
 * out_format, "qcow2" or "vmdk" (streamOptimized). */
struct target {
	const char *input, *in_format, *out_format;
};

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* One qemu-img conversion of t into out_qemu (left for the caller to
 * measure and remove); `m` its coroutines (-m), 0 for its default. */
static int time_qemu(struct bench *b, const struct target *t, int with_sync, unsigned m,
		     struct bench_child *res, struct cli_err *err)
{
	char mbuf[16];
	char *argv[16];
	unsigned n = 0;
	double t0;
	int r;

	argv[n++] = b->qemu_img;
	argv[n++] = "convert";
	argv[n++] = "-f";
	argv[n++] = (char *)t->in_format;
	argv[n++] = "-O";
	argv[n++] = (char *)t->out_format;
	if (!strcmp(t->out_format, "vmdk")) {
		argv[n++] = "-o";
		argv[n++] = "subformat=streamOptimized";
	}
	if (m) {
		snprintf(mbuf, sizeof mbuf, "%u", m > QEMU_MAX_COROUTINES ? QEMU_MAX_COROUTINES : m);
		argv[n++] = "-m";
		argv[n++] = mbuf;
	}
	argv[n++] = (char *)t->input;
	argv[n++] = b->out_qemu;
	argv[n] = NULL;

	unlink(b->out_qemu);
	sync();
	t0 = bench_now();
	r = run_qemu_img(b, argv, res, err);
	if (r == 0 && with_sync)
		sync();
	res->wall = bench_now() - t0;
	return r;
}

struct child_job {
	struct bench *b;
	const struct target *t;
	unsigned threads;
	int no_sync;
};

/* In the child: our conversion; a failure's message goes to errlog, where
 * the parent reads it. */
static int child_convert(void *arg)
{
	const struct child_job *j = arg;
	struct ovk_convert_stats st;
	enum mode mode = strcmp(j->t->out_format, "vmdk") ? MODE_QCOW2 : MODE_VMDK;
	FILE *f;

	if (convert_once(j->b, j->t->input, mode, j->threads, j->no_sync, &st) == 0)
		return 0;
	if ((f = fopen(j->b->errlog, "w"))) {
		fprintf(f, "%s\n", ovk_error_message(j->b->lib_err));
		fclose(f);
	}
	return 1;
}

/* Ours on t into out_ours (left for the caller), in a forked child: no
 * other thread is alive here, and the child's peak RSS and CPU time are
 * the conversion's alone.  Through sync() when with_sync (and the
 * library's fsync), else neither. */
static int time_ours(struct bench *b, const struct target *t, unsigned threads, int with_sync,
		     struct bench_child *res, struct cli_err *err)
{
	struct child_job j = { b, t, threads, !with_sync };
	char line[512];
	double t0;
	int rc;

	unlink(b->out_ours);
	sync();
	t0 = bench_now();
	rc = bench_fork(child_convert, &j, "ova-bench", &cli_cancel, res, err);
	if (rc == 0 && with_sync)
		sync();
	res->wall = bench_now() - t0;
	if (rc > 0) {
		bench_first_line(b->errlog, line, sizeof line);
		if (line[0])
			cli_set_err(err, EIO, "%s", line);
		else
			cli_set_err(err, EIO, "%s: our conversion to %s failed (exit %d)", t->input,
				    t->out_format, rc);
	}
	return rc == 0 ? 0 : -1;
}

/* qemu-img judges our output against its input: a wrong output is a
 * failure of the run, never a figure. */
static int check_ours(struct bench *b, const struct target *t, struct cli_err *err)
{
	char *cmp[] = { b->qemu_img, "compare", "-q", "-f", (char *)t->in_format, "-F",
			(char *)t->out_format, (char *)t->input, b->out_ours, NULL };
	char *chk[] = { b->qemu_img, "check", "-q", "-f", (char *)t->out_format, b->out_ours,
			NULL };
	char why[sizeof err->msg];

	if (run_qemu_img(b, cmp, NULL, err) == 0 && run_qemu_img(b, chk, NULL, err) == 0)
		return 0;
	if (err->errnum == ECANCELED)
		return -1;
	snprintf(why, sizeof why, "%s", err->msg);
	return cli_set_err(err, EIO, "%s: our -O %s output is wrong: %s", t->input,
			   t->out_format, why);
}

/* qemu-img at `threads` (as its -m), so the plot compares both at each
 * thread count instead of drawing one qemu-img figure flat across them. */
static int qemu_at(struct bench *b, unsigned threads, struct bench_run *run,
		   struct cli_err *err)
{
	const struct target t = { b->image, b->format, "qcow2" };
	struct bench_child res;
	double w[MAX_REPEAT];

	for (unsigned i = 0; i < b->a.repeat; i++) {
		fprintf(stderr, "ova-bench: qemu-img -m %u, run %u of %u\n",
			threads > QEMU_MAX_COROUTINES ? QEMU_MAX_COROUTINES : threads, i + 1,
			b->a.repeat);
		if (time_qemu(b, &t, 1, threads, &res, err) < 0)
			return -1;
		unlink(b->out_qemu);
		w[i] = res.wall;
	}
	run->qemu_e2e_mbs = rate(b->rep.virtual_size, median(w, b->a.repeat, NULL));
	return 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* qemu-img and ours on t, alternately, --repeat times (as asked: 1 is one
 * run, no median), each through sync(), and again both without syncing
 * when `nosync`.  Our first output is checked. */
static int compare_qemu(struct bench *b, const struct target *t, int nosync,
			struct bench_compare *q, struct cli_err *err)
{
	unsigned n = b->a.repeat;
	double qw[MAX_REPEAT], qc[MAX_REPEAT], ow[MAX_REPEAT], oc[MAX_REPEAT];
	double qn[MAX_REPEAT], on[MAX_REPEAT], mbs;
	struct bench_child res;

	*q = (struct bench_compare){ .runs = n, .threads = b->a.threads[b->a.nthreads - 1],
				     .input = t->input, .in_format = t->in_format,
				     .target = t->out_format, .qemu_nosync_wall = -1,
				     .ours_nosync_wall = -1 };
	/* The input into the page cache first, as for the stages: else the
	 * first run, qemu-img's, would pay for reading it from the disk. */
	if (stage_read(t->input, file_size(t->input), 1, &mbs, err) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		fprintf(stderr, "ova-bench: %s -> %s, qemu-img and ours, run %u of %u\n",
			t->in_format, t->out_format, i + 1, n);
		if (time_qemu(b, t, 1, 0, &res, err) < 0)
			return -1;
		qw[i] = res.wall;
		qc[i] = res.cpu;
		q->qemu_maxrss = max_u64(q->qemu_maxrss, res.maxrss);
		q->qemu_size = file_size(b->out_qemu);
		unlink(b->out_qemu);
		if (time_ours(b, t, q->threads, 1, &res, err) < 0)
			return -1;
		ow[i] = res.wall;
		oc[i] = res.cpu;
		q->ours_maxrss = max_u64(q->ours_maxrss, res.maxrss);
		q->ours_size = file_size(b->out_ours);
		if (i == 0 && check_ours(b, t, err) < 0)
			return -1;
		unlink(b->out_ours);
		if (!nosync)
			continue;
		if (time_qemu(b, t, 0, 0, &res, err) < 0)
			return -1;
		qn[i] = res.wall;
		unlink(b->out_qemu);
		if (time_ours(b, t, q->threads, 0, &res, err) < 0)
			return -1;
		on[i] = res.wall;
		unlink(b->out_ours);
	}
	q->qemu_wall = median(qw, n, NULL);
	q->qemu_cpu = median(qc, n, NULL);
	q->ours_wall = median(ow, n, NULL);
	q->ours_cpu = median(oc, n, NULL);
	if (nosync) {
		q->qemu_nosync_wall = median(qn, n, NULL);
		q->ours_nosync_wall = median(on, n, NULL);
	}
	q->done = 1;
	return 0;
}

/* --export: from IMAGE, or from the generated disk as raw and as qcow2. */
static int compare_exports(struct bench *b, struct cli_err *err)
{
	struct target t[BENCH_MAX_EXPORT] = { { b->image, b->format, "vmdk" } };
	unsigned n = 1;

	if (b->exp_raw) {
		t[0] = (struct target){ b->exp_raw, "raw", "vmdk" };
		t[1] = (struct target){ b->exp_qcow2, "qcow2", "vmdk" };
		n = 2;
	}
	for (unsigned i = 0; i < n; i++) {
		if (compare_qemu(b, &t[i], 0, &b->rep.exports[i], err) < 0)
			return -1;
		b->rep.nexport = i + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ main */

static int bench_main(struct bench *b, struct cli_err *err)
{
	if (make_scratch(b, err) < 0)
		return -1;
	b->qemu_img = bench_which("qemu-img");
	if ((b->a.qemu || b->a.export) && !b->qemu_img)
		return cli_set_err(err, ENOENT, "%s: qemu-img is not installed",
				   b->a.qemu ? "--qemu-img" : "--export");
	if (b->a.image) {
		if (!(b->image = strdup(b->a.image)))
			return cli_set_err(err, ENOMEM, "out of memory");
	} else if (make_workload(b, err) < 0) {
		return -1;
	}
	if (describe_image(b, err) < 0)
		return -1;
	b->rep.image = b->image;
	b->rep.format = b->format;
	b->rep.workload = b->a.image ? NULL : b->workload;
	b->rep.repeat = b->a.repeat;
	b->rep.load_before = bench_loadavg();
	/* The comparisons come first: ours runs in a forked child, which must
	 * not inherit the stages' freed buffers (glibc keeps some resident)
	 * into its peak RSS. */
	if (b->a.qemu && compare_qemu(b, &(const struct target){ b->image, b->format, "qcow2" }, 1,
				      &b->rep.qemu, err) < 0)
		return -1;
	if (b->a.export && compare_exports(b, err) < 0)
		return -1;
	for (unsigned i = 0; i < b->a.nthreads; i++) {
		if (measure_threads(b, b->a.threads[i], &b->rep.runs[i], err) < 0)
			return -1;
		b->rep.runs[i].qemu_e2e_mbs = -1;
		if (b->a.qemu && qemu_at(b, b->a.threads[i], &b->rep.runs[i], err) < 0)
			return -1;
		b->rep.nruns = i + 1;
	}
	b->rep.load_after = bench_loadavg();
	if (b->a.plot && bench_write_plot(b->a.plot, &b->rep, err) < 0)
		return -1;
	if (b->a.json)
		bench_print_json(stdout, &b->rep);
	else
		bench_print_table(stdout, &b->rep);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_set_err(err, errno, "standard output: %s", strerror(errno));
	if (b->keep)
		fprintf(stderr, "ova-bench: kept %s\n", b->keep);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b;
	struct cli_err err = { 0 };
	int rc;

	cli_program = "ova-bench";
	memset(&b, 0, sizeof b);
	rc = parse_args(argc, argv, &b.a);
	if (rc >= 0)
		return rc;
	if (!(b.lib_err = ovk_error_new()) || ovk_init(0, b.lib_err) < 0) {
		cli_error("%s", b.lib_err ? ovk_error_message(b.lib_err) : "out of memory");
		ovk_error_free(b.lib_err);
		return 1;
	}
	cli_catch_signals();
	rc = bench_main(&b, &err) < 0 ? cli_fail_own(&err) : 0;
	ovk_error_free(b.lib_err);
	remove_scratch(&b);
	free(b.dir);
	free(b.image);
	free(b.qemu_img);
	free(b.out_ours);
	free(b.out_qemu);
	free(b.errlog);
	free(b.exp_raw);
	free(b.exp_qcow2);
	return rc;
}
