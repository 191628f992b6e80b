/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_gen.c: the reference workload of issue 5 and the child processes
 * ova-bench times.
 *
 * The generator is a port of ../shared/bench/mkdisk.py: the same pools and
 * the same distribution per 1 MiB block, from a fixed seed, so every machine
 * benchmarks the same bytes.  It is not byte-identical to the Python file
 * (a different PRNG: xoshiro256** instead of the Mersenne Twister), which
 * does not matter: what the benchmark depends on is the mix of holes, text
 * that deflates about 3:1, binary tables, and data that does not deflate.
 *
 * Child processes are timed with wait4() so their CPU time and peak RSS are
 * their own.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB ((uint64_t)1 << 20)
/* mkdisk.py's pools: 8 MiB each, so a 1 MiB slice at a random offset
 * rarely repeats and deflate cannot find it in its 32 KiB window. */
#define POOL_BYTES (8 * MIB)
#define WORDS 5000
#define MAX_WORD 11
#define SEED 20261127u
/* Room past a pool for the last line (16 words of 11 letters and a space)
 * or the last table (256 records of 16 bytes and 511 bytes of padding). */
#define POOL_SLACK (256 * 16 + 512)

/* ------------------------------------------------------------------ PRNG */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n): the modulo bias is below 2^-40 for every n used here. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1p-53;
}

/* ----------------------------------------------------------------- pools */

/* Lines of 4 to 16 words from a vocabulary of 5000 made-up words: deflate
 * gets about 3:1 out of it, like logs and source code.  The buffer has
 * POOL_SLACK bytes past the pool for the last line. */
static void make_text(struct rng *r, uint8_t *text)
{
	static const char letters[] = "etaoinshrdlucmfwypvbgkjqxz";
	char words[WORDS][MAX_WORD + 1];
	size_t len = 0;

	for (int w = 0; w < WORDS; w++) {
		int n = 2 + (int)rng_below(r, MAX_WORD - 1);

		for (int i = 0; i < n; i++)
			words[w][i] = letters[rng_below(r, sizeof letters - 1)];
		words[w][n] = '\0';
	}
	while (len < POOL_BYTES) {
		int n = 4 + (int)rng_below(r, 13);

		for (int i = 0; i < n; i++) {
			const char *word = words[rng_below(r, WORDS)];
			size_t wl = strlen(word);

			memcpy(text + len, word, wl);
			len += wl;
			text[len++] = i + 1 < n ? ' ' : '\n';
		}
	}
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Tables of 256 records {u32 index, u32 small, u64 pointer} and zero
 * padding, like a symbol table or a page of a database file.  The buffer
 * has POOL_SLACK bytes past the pool for the last table. */
static void make_binary(struct rng *r, uint8_t *bin)
{
	size_t len = 0;

	while (len < POOL_BYTES) {
		uint64_t base = rng_below(r, (uint64_t)1 << 32);
		size_t pad;

		for (uint32_t i = 0; i < 256; i++, len += 16) {
			put_le(bin + len, i, 4);
			put_le(bin + len + 4, rng_below(r, 4096), 4);
			put_le(bin + len + 8, base + 16 * rng_below(r, 1u << 16), 8);
		}
		pad = (size_t)rng_below(r, 512);
		memset(bin + len, 0, pad);
		len += pad;
	}
}

/* ------------------------------------------------------------ generator */

static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void fill_random(struct rng *r, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 8 <= len; i += 8)
		put_le(buf + i, rng_next(r), 8);
}

int bench_make_raw(const char *path, uint64_t size_mib, volatile sig_atomic_t *cancel,
		   struct cli_err *err)
{
	struct rng r;
	uint8_t *text = malloc(POOL_BYTES + POOL_SLACK), *bin = malloc(POOL_BYTES + POOL_SLACK);
	uint8_t *blk = malloc(MIB);
	int fd = -1, ret = -1;

	if (!text || !bin || !blk) {
		err->errnum = ENOMEM;
		snprintf(err->msg, sizeof err->msg, "out of memory");
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		goto sys;
	rng_seed(&r, SEED);
	make_text(&r, text);
	make_binary(&r, bin);
	for (uint64_t b = 0; b < size_mib; b++) {
		double u = rng_unit(&r);
		const uint8_t *src = blk;

		if (cancel && *cancel) {
			err->errnum = ECANCELED;
			snprintf(err->msg, sizeof err->msg, "%s: interrupted", path);
			goto out;
		}
		if (u < 0.40)
			continue;               /* a hole: the file stays sparse */
		if (u < 0.65)
			src = text + rng_below(&r, POOL_BYTES - MIB);
		else if (u < 0.80)
			src = bin + rng_below(&r, POOL_BYTES - MIB);
		else
			fill_random(&r, blk, MIB);
		if (write_all(fd, src, MIB, b * MIB) < 0)
			goto sys;
	}
	if (ftruncate(fd, (off_t)(size_mib * MIB)) < 0)
		goto sys;
	ret = 0;
	goto out;
sys:
	err->errnum = errno;
	snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(bin);
	free(blk);
	return ret;
}

/* ------------------------------------------------------------ calibration */

/* About 0.1 s of PRNG steps on a current core: long enough to dwarf thread
 * start-up, short enough to run before every measurement. */
#define SPIN_STEPS 100000000u
/* More spinners than this say nothing new about a 2 to 64 core machine. */
#define MAX_SPINNERS 256

static void *spin_main(void *arg)
{
	struct rng r;
	uint64_t acc = 0;

	rng_seed(&r, (uint64_t)(uintptr_t)arg);
	for (unsigned i = 0; i < SPIN_STEPS; i++)
		acc ^= rng_next(&r);
	/* Keep the loop: the result goes back through the return value. */
	return (void *)(uintptr_t)(acc | 1);
}

static double spin(unsigned n)
{
	pthread_t th[MAX_SPINNERS];
	unsigned started = 0;
	double t0 = bench_now();

	for (; started < n; started++)
		if (pthread_create(&th[started], NULL, spin_main, (void *)(uintptr_t)started) != 0)
			break;
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return started == n ? bench_now() - t0 : -1;
}

double bench_cpu_capacity(unsigned threads)
{
	double one, all;

	if (threads > MAX_SPINNERS)
		threads = MAX_SPINNERS;
	one = spin(1);
	all = threads == 1 ? one : spin(threads);
	if (one <= 0 || all <= 0)
		return -1;
	return threads * one / all;
}

/* ------------------------------------------------------- child processes */

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (f && fscanf(f, "%lf", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static double tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

double bench_cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return tv_seconds(&ru.ru_utime) + tv_seconds(&ru.ru_stime);
}

char *bench_which(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? strdup(name) : NULL;
	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *cand = NULL;

		if (asprintf(&cand, "%s/%s", dir, name) < 0)
			break;
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

struct exec_args {
	char *const *argv;
	const char *errlog;
};

static int child_exec(void *arg)
{
	const struct exec_args *x = arg;
	int null = open("/dev/null", O_RDWR);
	int efd = x->errlog ? open(x->errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;

	if (null < 0 || efd < 0)
		return 127;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(efd, STDERR_FILENO);
	/* The parent turns SIGINT into a clean stop and then ends us itself. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(x->argv[0], x->argv);
	dprintf(STDERR_FILENO, "%s: %s\n", x->argv[0], strerror(errno));
	return 127;
}

int bench_fork(int (*fn)(void *), void *arg, const char *name,
	       volatile sig_atomic_t *cancel, struct bench_child *res, struct cli_err *err)
{
	struct rusage ru;
	double t0 = bench_now();
	int status = 0;
	pid_t pid, r;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err->errnum = errno;
		snprintf(err->msg, sizeof err->msg, "%s: cannot fork: %s", name, strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(fn(arg));
	/* The signal handler is installed without SA_RESTART, so a SIGINT
	 * interrupts wait4() and we stop the child before cleaning up. */
	while ((r = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
		if (cancel && *cancel)
			kill(pid, SIGTERM);
	if (r < 0) {
		err->errnum = errno;
		snprintf(err->msg, sizeof err->msg, "%s: wait: %s", name, strerror(errno));
		return -1;
	}
	if (res) {
		res->wall = bench_now() - t0;
		res->cpu = tv_seconds(&ru.ru_utime) + tv_seconds(&ru.ru_stime);
		/* Linux counts ru_maxrss in KiB. */
		res->maxrss = (uint64_t)ru.ru_maxrss * 1024;
	}
	if (cancel && *cancel) {
		err->errnum = ECANCELED;
		snprintf(err->msg, sizeof err->msg, "%s: interrupted", name);
		return -1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int bench_spawn(char *const argv[], const char *errlog, volatile sig_atomic_t *cancel,
		struct bench_child *res, struct cli_err *err)
{
	struct exec_args x = { argv, errlog };

	return bench_fork(child_exec, &x, argv[0], cancel, res, err);
}

void bench_first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}
