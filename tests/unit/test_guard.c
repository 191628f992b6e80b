/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_guard.c: unit tests for src/core/guard.h, the SIGBUS guard, with
 * real SIGBUSes: a file is mapped, truncated, and a page past its new end
 * touched.  Checked, as guard.h promises: fn's own result passes through;
 * a SIGBUS inside ovk_guarded() is -1, EIO and a message naming the input,
 * and the process goes on and can be guarded again; the jump lands in the
 * innermost guard of the faulting thread; a SIGBUS outside any guard goes
 * to the handler there before, or kills as usual.
 *
 * The guard's handler is installed once per process, by
 * ovk_guard_install() (ovk_init() in a program), and cmocka swaps SIGBUS's
 * around each test: so each test installs it, alone in a fresh copy of
 * this program (--one NAME), and each unguarded fault runs in another
 * (--child HOW), which it kills or hands to that process's own handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/guard.h"
#include "unit_support.h"

#define NPAGES 4

/* NPAGES pages of a file, mapped, then cut to one page: page 0 reads,
 * pages 1.. raise SIGBUS. */
struct cut {
	volatile uint8_t *map;
	size_t page;
};

static void cut_map(struct cut *c, const char *name)
{
	char path[4200];
	int fd;

	c->page = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof path, "%s/%s", ut_tmpdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(NPAGES * c->page)), 0);
	c->map = mmap(NULL, NPAGES * c->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(c->map != MAP_FAILED);
	for (size_t i = 0; i < NPAGES; i++)
		c->map[i * c->page] = (uint8_t)(0x10 + i);
	assert_int_equal(ftruncate(fd, (off_t)c->page), 0);
	close(fd);
}

static void cut_unmap(struct cut *c)
{
	munmap((void *)c->map, NPAGES * c->page);
}

/* Read page `page`'s first byte into *got, counting the steps taken. */
struct touch {
	struct cut *c;
	size_t page;
	volatile int steps;       /* volatile: seen as it was at the fault */
	volatile int got;
};

static int touch_fn(void *arg, struct ovk_error *err)
{
	struct touch *t = arg;

	(void)err;
	t->steps = 1;
	t->got = t->c->map[t->page * t->c->page];
	t->steps = 2;
	return t->got;
}

/* err is the guard's: EIO, and the message starts with the input's name. */
static void expect_fault(const struct ovk_error *err, const char *what)
{
	size_t n = strlen(what);

	assert_int_equal(err->errnum, EIO);
	if (strncmp(err->msg, what, n) != 0 || strncmp(err->msg + n, ": ", 2) != 0)
		fail_msg("\"%s\" does not start with \"%s: \"", err->msg, what);
}

static int guard_setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_guard", 0);
}

static int guard_teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

static int returns_own(void *arg, struct ovk_error *err)
{
	int *v = arg;

	return *v < 0 ? ovk_error_set(err, ENOSPC, "fn's own error") : *v;
}

static void test_guard_catches_truncation(void **state)
{
	struct ovk_error err = { 0 };
	struct cut c;
	struct touch t = { &c, 0, 0, 0 };
	sigset_t mask;
	int v = -1;

	(void)state;
	ovk_guard_install();
	/* Without a fault, fn's own result and error pass through. */
	assert_int_equal(ovk_guarded(returns_own, &v, "in", &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_string_equal(err.msg, "fn's own error");
	cut_map(&c, "cut1");
	assert_int_equal(ovk_guarded(touch_fn, &t, "disk1.vmdk", &err), 0x10);

	for (int round = 0; round < 3; round++) {
		memset(&err, 0, sizeof err);
		t = (struct touch){ &c, 1 + (size_t)round % (NPAGES - 1), 0, -1 };
		assert_int_equal(ovk_guarded(touch_fn, &t, "disk1.vmdk", &err), -1);
		/* The fault stopped fn mid-way, at the read. */
		assert_int_equal(t.steps, 1);
		assert_int_equal(t.got, -1);
		expect_fault(&err, "disk1.vmdk");

		/* The same mapping still reads below the cut. */
		t = (struct touch){ &c, 0, 0, -1 };
		assert_int_equal(ovk_guarded(touch_fn, &t, "disk1.vmdk", &err), 0x10);
		assert_int_equal(t.steps, 2);
	}
	/* The jump restored the signal mask: SIGBUS is not left blocked (a
	 * blocked synchronous SIGBUS kills, guard or not). */
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGBUS));
	cut_unmap(&c);
}

/* Nested guards: a fault returns to the innermost guard open, and once an
 * inner guard is done (returned or jumped out of), a fault is the outer
 * one's again.  Page 0 reads; pages 1.. fault. */
struct nest {
	struct cut *c;
	size_t inner_page, after_page;
	volatile int inner_ret;
	struct ovk_error inner_err;
	volatile int after;
};

static int outer_fn(void *arg, struct ovk_error *err)
{
	struct nest *n = arg;
	struct touch t = { n->c, n->inner_page, 0, -1 };

	n->inner_ret = ovk_guarded(touch_fn, &t, "inner.vmdk", &n->inner_err);
	t = (struct touch){ n->c, n->after_page, 0, -1 };
	n->after = touch_fn(&t, err);
	return 100 + n->after;
}

static void nest_run(struct cut *c, size_t inner_page, size_t after_page)
{
	struct ovk_error err;
	struct nest n;
	int ret;

	memset(&n, 0, sizeof n);
	n.c = c;
	n.inner_page = inner_page;
	n.after_page = after_page;
	n.after = -1;
	ret = ovk_guarded(outer_fn, &n, "outer.ova", &err);
	assert_int_equal(n.inner_ret, inner_page ? -1 : 0x10);
	if (inner_page)
		expect_fault(&n.inner_err, "inner.vmdk");
	assert_int_equal(ret, after_page ? -1 : 100 + 0x10);
	assert_int_equal(n.after, after_page ? -1 : 0x10);
	if (after_page)
		expect_fault(&err, "outer.ova");
}

static void test_guard_nested(void **state)
{
	struct cut c;

	(void)state;
	ovk_guard_install();
	cut_map(&c, "cut2");
	nest_run(&c, 2, 0);
	nest_run(&c, 0, 3);
	nest_run(&c, 1, 2);
	nest_run(&c, 0, 0);
	cut_unmap(&c);
}

/* Two threads in their guards at once, deterministically: the faulter's
 * guard opens first, the waiter's second, then the faulter faults.  It
 * must land in its own guard; a guard pointer shared by threads would
 * jump onto the waiter's stack. */
enum { INSIDE, BOTH, DONE };

struct pair {
	struct cut *c;
	pthread_barrier_t bar[3];  /* INSIDE, BOTH, DONE; two threads each */
	int faulter_ret;
	struct ovk_error faulter_err;
};

static int faulter_fn(void *arg, struct ovk_error *err)
{
	struct pair *p = arg;
	struct touch t = { p->c, 2, 0, -1 };

	pthread_barrier_wait(&p->bar[INSIDE]);
	pthread_barrier_wait(&p->bar[BOTH]);
	return touch_fn(&t, err);
}

static int waiter_fn(void *arg, struct ovk_error *err)
{
	struct pair *p = arg;
	struct touch t = { p->c, 0, 0, -1 };

	pthread_barrier_wait(&p->bar[BOTH]);
	pthread_barrier_wait(&p->bar[DONE]);
	return touch_fn(&t, err);
}

static void *faulter_main(void *arg)
{
	struct pair *p = arg;

	p->faulter_ret = ovk_guarded(faulter_fn, p, "faulter", &p->faulter_err);
	pthread_barrier_wait(&p->bar[DONE]);
	return NULL;
}

static void test_guard_threads_interleaved(void **state)
{
	struct ovk_error err = { 0 };
	struct pair p;
	pthread_t th;
	struct cut c;

	(void)state;
	ovk_guard_install();
	cut_map(&c, "cut4");
	memset(&p, 0, sizeof p);
	p.c = &c;
	for (int i = 0; i < 3; i++)
		pthread_barrier_init(&p.bar[i], NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, faulter_main, &p), 0);
	pthread_barrier_wait(&p.bar[INSIDE]);
	assert_int_equal(ovk_guarded(waiter_fn, &p, "waiter", &err), 0x10);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.faulter_ret, -1);
	expect_fault(&p.faulter_err, "faulter");
	assert_int_equal(err.errnum, 0);
	for (int i = 0; i < 3; i++)
		pthread_barrier_destroy(&p.bar[i]);
	cut_unmap(&c);
}

/* ----------------------------------- outside a guard, in a fresh process */

static void chain_siginfo(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	_exit(sig == SIGBUS && si->si_signo == SIGBUS && si->si_addr ? 42 : 41);
}

static void chain_plain(int sig)
{
	_exit(sig == SIGBUS ? 43 : 41);
}

/* Scenario `how` in this fresh process: set SIGBUS's handler, install the
 * guard's over it, have a guard catch one fault, then fault unguarded. */
static int child_main(const char *how)
{
	struct sigaction sa;
	struct ovk_error err;
	struct cut c;
	struct touch t;

	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	alarm(20);                /* a handler that swallows SIGBUS loops */
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	if (strcmp(how, "siginfo") == 0) {
		sa.sa_sigaction = chain_siginfo;
		sa.sa_flags = SA_SIGINFO;
	} else if (strcmp(how, "plain") == 0) {
		sa.sa_handler = chain_plain;
	} else {
		sa.sa_handler = SIG_DFL;
	}
	sigaction(SIGBUS, &sa, NULL);
	ovk_guard_install();
	cut_map(&c, how);
	t = (struct touch){ &c, 1, 0, -1 };
	if (ovk_guarded(touch_fn, &t, "x", &err) != -1 || err.errnum != EIO)
		return 3;
	t = (struct touch){ &c, 2, 0, -1 };
	touch_fn(&t, &err);
	return 4;                 /* survived an unguarded SIGBUS */
}

/* How this program was started, to run it again. */
static const char *self_path;

/* This program run again as `test_guard MODE ARG`; its wait status. */
static int run_self(const char *mode, const char *arg)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* argv[0], not /proc/self/exe: under valgrind that is
		 * valgrind's own tool, which will not run alone */
		execl(self_path, self_path, mode, arg, ut_tmpdir, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_guard_outside_not_swallowed(void **state)
{
	int st;

	(void)state;
	st = run_self("--child", "default");
	if (!WIFSIGNALED(st))
		fail_msg("default handler: child exited %d, not killed by SIGBUS",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	assert_int_equal(WTERMSIG(st), SIGBUS);

	/* The handlers there before say so by their exit status. */
	st = run_self("--child", "siginfo");
	assert_int_equal(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 42);
	st = run_self("--child", "plain");
	assert_int_equal(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 43);
}

/* A test, run alone in a fresh process that must pass it. */
static void in_fresh_process(void **state)
{
	int st = run_self("--one", *state);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s in its own process: wait status 0x%x", (char *)*state, st);
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_catches_truncation),
		cmocka_unit_test(test_guard_nested),
		cmocka_unit_test(test_guard_threads_interleaved),
		cmocka_unit_test(test_guard_outside_not_swallowed),
	};
	struct CMUnitTest fresh[sizeof tests / sizeof tests[0]];

	if (argc == 4 && strcmp(argv[1], "--child") == 0) {
		snprintf(ut_tmpdir, sizeof ut_tmpdir, "%s", argv[3]);
		return child_main(argv[2]);
	}
	if (argc == 4 && strcmp(argv[1], "--one") == 0) {
		cmocka_set_test_filter(argv[2]);
		return cmocka_run_group_tests_name(argv[2], tests, guard_setup, guard_teardown);
	}
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		fresh[i] = (struct CMUnitTest){ tests[i].name, in_fresh_process, NULL, NULL,
						(void *)tests[i].name };
	return cmocka_run_group_tests_name("guard", fresh, NULL, NULL);
}
