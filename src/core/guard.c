/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* guard.c: see guard.h. */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

static __thread sigjmp_buf *guard_jmp;
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
	if (guard_jmp)
		siglongjmp(*guard_jmp, 1);
	/* Not ours: behave as if we were never here. */
	if (previous.sa_flags & SA_SIGINFO && previous.sa_sigaction) {
		previous.sa_sigaction(sig, info, ctx);
		return;
	}
	if (previous.sa_handler != SIG_IGN && previous.sa_handler != SIG_DFL &&
	    previous.sa_handler) {
		previous.sa_handler(sig);
		return;
	}
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous);
}

void ovk_guard_install(void)
{
	pthread_once(&installed, install);
}

int ovk_guarded(int (*fn)(void *arg, struct ovk_error *err), void *arg, const char *what,
		struct ovk_error *err)
{
	sigjmp_buf jmp;
	sigjmp_buf *volatile outer = guard_jmp;
	int ret;

	if (sigsetjmp(jmp, 1)) {
		guard_jmp = outer;
		return ovk_error_set(err, EIO,
				     "%s: input file changed size or could not be read while "
				     "converting (bus error on the mapping)", what);
	}
	guard_jmp = &jmp;
	ret = fn(arg, err);
	guard_jmp = outer;
	return ret;
}
