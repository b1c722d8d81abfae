/*
 * kvm_replay: policy replay speed of the KVM MMU model on CR-write-heavy
 * traces (target: >= 10 M events/s on one core).
 *
 * Generates "procs" (round-robin MOV CR3, 5 processes, PTI) and "wp-storm"
 * (CR0.WP toggles) traces in memory, decodes them once into an event
 * array (10k switches: it stays cache resident, so the time is the
 * model's, not DRAM streaming of a huge array), then replays that array
 * `reps` times into one VM and times only the model: a minimal dispatcher
 * hands each event to the kvm_hooks.h entry points (the architectural
 * checks of the real machine are not part of this measurement).
 *
 * Output (stdout): CSV workload,policy,events,seconds,mevents_per_s
 * (seconds: best of 5 trials).
 * Usage: bench_kvm_replay [reps [policy-index]]   (default 100 reps)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/kvm/kvm_replay_util.h"
#include "../tests/trace/trace_helpers.h"
#include "kvm/kvm_internal.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/trace.h"

static msim_event *load(const char *name, const char *params, size_t *n)
{
	msim_event *ev = th_gen_events(name, params, n);

	if (!ev) {
		fprintf(stderr, "gen %s: %s\n", name, msim_last_error());
		exit(1);
	}
	return ev;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double replay_once(const msim_event *ev, size_t n, unsigned long reps,
			  const char *policy)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_gmem *mem;
	msim_kvm *kvm;
	double t0, t;

	if (msim_kvm_opts_parse(&o, policy) || msim_gmem_create(&mem, NULL) ||
	    msim_kvm_create(&kvm, &o, 1, NULL, NULL, mem, NULL)) {
		fprintf(stderr, "%s: %s\n", policy, msim_last_error());
		exit(1);
	}
	t0 = now();
	for (size_t k = 0; k < n * reps; k++)
		kvm_replay_event(kvm, mem, &ev[k % n]);
	t = now() - t0;
	msim_kvm_free(kvm);
	msim_gmem_free(mem);
	return t;
}

/* best of TRIALS runs: the least disturbed by other work on the host */
#define TRIALS 5
static void replay(const msim_event *ev, size_t n, unsigned long reps,
		   const char *policy, const char *wl)
{
	double best = 1e30;

	for (int i = 0; i < TRIALS; i++) {
		double t = replay_once(ev, n, reps, policy);

		if (t < best)
			best = t;
	}
	printf("%s,%s,%zu,%.4f,%.2f\n", wl, policy, n * reps, best,
	       n * reps / best / 1e6);
}

int main(int argc, char **argv)
{
	unsigned long reps = argc > 1 ? strtoul(argv[1], NULL, 0) : 100;
	unsigned long sw = 10000;
	const char *pol[] = { "preset=6.18-pvm", "preset=6.18-pvm,prev_roots=16",
			      "preset=5.18", "preset=6.4", "preset=5.10,policy=keep-roots" };
	char p1[128], p2[128];
	size_t n1, n2;
	msim_event *e1, *e2;

	snprintf(p1, sizeof(p1), "procs=5,pti=1,ws=0,switches=%lu", sw);
	snprintf(p2, sizeof(p2), "toggles=%lu,writes=0,reads=0", sw);
	e1 = load("procs", p1, &n1);
	e2 = load("wp-storm", p2, &n2);
	printf("workload,policy,events,seconds,mevents_per_s\n");
	for (unsigned i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
		if (argc > 2 && i != strtoul(argv[2], NULL, 0))
			continue;
		replay(e1, n1, reps, pol[i], "procs-pti");
		replay(e2, n2, reps, pol[i], "wp-storm");
	}
	free(e1);
	free(e2);
	return 0;
}
