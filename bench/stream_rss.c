/*
 * Streaming benchmark: peak RSS of `mmu-sim replay -` fed N generated
 * events through a pipe, for N = 10^6, 10^7, 10^8 (or the counts given).
 * Memory must not grow with trace length: readers stream and the machine
 * keeps per-page, not per-event, state.
 *
 * usage: bench_stream_rss MMU_SIM [N ...] [--kvm POLICY] [--csv]
 * Prints: events,peak_rss_kib,seconds,events_per_s
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/gen_internal.h"
#include "mmu_sim/mmu_sim.h"

/* 16 processes x 64 pages each, 4-level tables, then N events of accesses
 * with a CR3 switch every 64 events: a steady state, no growth. */
static int feed(FILE *f, uint64_t n)
{
	msim_trace_writer *w;
	msim_event ev;
	uint64_t rng = 42;
	const unsigned nproc = 16, npages = 64;

	if (msim_trace_writer_create(&w, f, MSIM_TRACE_BINARY))
		return -1;
#define PUT(t, a0, a1, a2)                                                     \
	do {                                                                   \
		memset(&ev, 0, sizeof(ev));                                    \
		ev.type = (t);                                                 \
		ev.arg[0] = (a0), ev.arg[1] = (a1), ev.arg[2] = (a2);          \
		ev.present = 0x7;                                              \
		if (msim_trace_write(w, &ev))                                  \
			goto fail;                                             \
	} while (0)
	for (unsigned p = 0; p < nproc; p++) {
		uint64_t base = 0x100000ULL + p * 0x10000ULL;

		/* PML4 base, PDPT +0x1000, PD +0x2000, PT +0x3000, data from +0x4000 */
		PUT(MSIM_EV_WRMEM, base, (base + 0x1000) | 7, 8);
		PUT(MSIM_EV_WRMEM, base + 0x1000, (base + 0x2000) | 7, 8);
		PUT(MSIM_EV_WRMEM, base + 0x2000, (base + 0x3000) | 7, 8);
		for (unsigned i = 0; i < npages; i++)
			PUT(MSIM_EV_WRMEM, base + 0x3000 + i * 8,
			    (0x10000000ULL + (uint64_t)i * 0x1000) | 7, 8);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = MSIM_EV_SREGS;
	ev.arg[0] = 0x80010033, ev.arg[1] = 0x100000, ev.arg[2] = 0x20, ev.arg[3] = 0xd00;
	ev.present = 0xf;
	if (msim_trace_write(w, &ev))
		goto fail;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = msim_rng_next(&rng);

		if (i % 64 == 63) {
			memset(&ev, 0, sizeof(ev));
			ev.type = MSIM_EV_CR3;
			ev.arg[0] = 0x100000ULL + (r % nproc) * 0x10000ULL;
			ev.present = 1;
		} else {
			memset(&ev, 0, sizeof(ev));
			ev.type = MSIM_EV_ACCESS;
			ev.arg[0] = (r >> 32) & 1;
			ev.arg[1] = ((r >> 8) % npages) << 12 | (r & 0xff8);
			ev.arg[2] = 3;
			ev.present = 0x7;
		}
		if (msim_trace_write(w, &ev))
			goto fail;
	}
	msim_trace_writer_free(w);
	return 0;
fail:
	msim_trace_writer_free(w);
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run_one(const char *cli, const char *kvm, uint64_t n)
{
	int fd[2], st;
	struct rusage ru;
	pid_t pid;
	double t0 = now(), dt;
	FILE *f;

	fflush(stdout);
	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (kvm)
			execl(cli, cli, "replay", "-q", "--kvm", kvm, "-", (char *)NULL);
		else
			execl(cli, cli, "replay", "-q", "-", (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
	f = fdopen(fd[1], "w");
	if (feed(f, n))
		fprintf(stderr, "feeding the trace failed: %s\n", msim_last_error());
	fclose(f);
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "replay of %llu events failed\n", (unsigned long long)n);
		return -1;
	}
	dt = now() - t0;
	printf("%llu,%ld,%.2f,%.0f\n", (unsigned long long)n, ru.ru_maxrss, dt, n / dt);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t counts[16];
	unsigned nc = 0;
	const char *kvm = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MMU_SIM [N ...] [--kvm POLICY]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--kvm") && i + 1 < argc)
			kvm = argv[++i];
		else if (nc < 16)
			counts[nc++] = strtoull(argv[i], NULL, 0);
	}
	if (!nc) {
		counts[0] = 1000000, counts[1] = 10000000, counts[2] = 100000000;
		nc = 3;
	}
	printf("events,peak_rss_kib,seconds,events_per_s\n");
	for (unsigned i = 0; i < nc; i++)
		if (run_one(argv[1], kvm, counts[i]))
			return 1;
	return 0;
}
