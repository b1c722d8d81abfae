/*
 * walk: walker throughput on one core.
 *
 *   walk4        uncached 4-level guest walks (4 entry reads each), target
 *                >= 30 M walks/s
 *   walk2d_4on4  uncached 4-level guest on 4-level EPT (24 reads each),
 *                target >= 8 M walks/s
 *
 * The guest maps NPAGES 4-KB pages spread over 64 page tables (PDEs) and
 * 8 PDPTEs; every walk goes to the next page in a fixed pseudo-random
 * order, so consecutive walks touch different tables. A/D flags are set
 * once in a warm-up pass, so the timed walks read memory only. Nothing is
 * allocated per walk (the result struct lives on the stack). Time is the
 * thread's CPU time, so other load on the machine does not skew the rate.
 *
 *   gmem_chase4  context line: the same 4 dependent entry reads done with
 *                bare msim_gmem_read64 calls and no walker logic -- the
 *                ceiling any walk over msim_gmem can reach on the machine that runs it
 *
 * Usage: bench_walk [--csv] [--quick] [--only TEST] [walks]
 *        (default 20,000,000 walks per test; --quick: 1,000,000, e.g. for
 *        callgrind; --only runs one of walk4, gmem_chase4, walk2d_4on4)
 * Output: "walk4: N walks/s" lines, or with --csv the header
 * "test,walks,seconds,walks_per_s,refs_per_walk" and one line per test.
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rng.h"
#include "mmu_sim/ept.h"

#define NPAGES 32768u
#define GROOT 0x100000ULL
#define HOFF 0x100000000ULL

struct pool {
	msim_gmem *mem;
	uint64_t next;
};

static uint64_t alloc_page(struct pool *p)
{
	uint64_t a = p->next;

	p->next += 4096;
	return a;
}

static int map4k(struct pool *p, uint64_t root, unsigned levels, uint64_t va,
		 uint64_t pa, uint64_t leaf, uint64_t upper)
{
	uint64_t table = root;

	for (unsigned l = levels; l > 1; l--) {
		uint64_t ea = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = msim_gmem_read64(p->mem, ea);

		if (!(e & 1)) {
			e = alloc_page(p) | upper;
			if (msim_gmem_write(p->mem, ea, 8, e))
				return -1;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	return msim_gmem_write(p->mem, table + ((va >> 12) & 511) * 8, 8,
			       pa | leaf);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t las[NPAGES];

static int run(const char *name, msim_gmem *gmem, const msim_cpu_features *cpu,
	       const msim_paging_regs *regs, const msim_walk_opts *opts,
	       unsigned long walks, bool csv)
{
	msim_walk_result res;
	double t0, dt;
	unsigned long refs = 0;
	uint64_t sink = 0;

	for (unsigned i = 0; i < NPAGES; i++) { /* warm-up: set A flags */
		if (msim_walk(gmem, cpu, regs, opts, las[i], 0, &res) ||
		    res.fault.kind != MSIM_FAULT_NONE) {
			fprintf(stderr, "%s: warm-up walk %u failed (%s, fault %d)\n",
				name, i, msim_last_error(), res.fault.kind);
			return 1;
		}
	}
	t0 = now_s();
	for (unsigned long i = 0; i < walks; i++) {
		msim_walk(gmem, cpu, regs, opts, las[i & (NPAGES - 1)], 0, &res);
		sink += res.pa;
		refs += res.nreads;
	}
	dt = now_s() - t0;
	if (csv)
		printf("%s,%lu,%.6f,%.0f,%.2f\n", name, walks, dt, walks / dt,
		       (double)refs / (double)walks);
	else
		printf("%s: %.0f walks/s (%.2f refs/walk, %.1f ns/walk)\n", name,
		       walks / dt, (double)refs / (double)walks, dt * 1e9 / walks);
	return sink == 1; /* keep the loop */
}

/* The memory-model floor: 4 dependent reads per address, nothing else. */
static void chase(msim_gmem *gmem, unsigned long walks, bool csv)
{
	uint64_t sink = 0;
	double t0, dt;

	t0 = now_s();
	for (unsigned long i = 0; i < walks; i++) {
		uint64_t va = las[i & (NPAGES - 1)], table = GROOT, e = 0;

		for (unsigned l = 4; l >= 1; l--) {
			e = msim_gmem_read64(gmem, table + ((va >> (12 + 9 * (l - 1))) & 511) * 8);
			table = e & 0x000ffffffffff000ULL;
		}
		sink += e;
	}
	dt = now_s() - t0;
	if (csv)
		printf("gmem_chase4,%lu,%.6f,%.0f,4.00\n", walks, dt, walks / dt);
	else
		printf("gmem_chase4: %.0f chases/s (%.1f ns/chase; floor for walk4)\n",
		       walks / dt, dt * 1e9 / walks);
	if (sink == 1)
		printf("\n");
}

int main(int argc, char **argv)
{
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_walk_opts opts = MSIM_WALK_OPTS_INIT;
	msim_nested n = MSIM_NESTED_INIT;
	struct pool g = { NULL, 0x200000 }, h = { NULL, 0x10000000 };
	unsigned long walks = 20000000UL;
	bool csv = false;
	const char *only = NULL;
	uint64_t seed = 42;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv"))
			csv = true;
		else if (!strcmp(argv[i], "--quick"))
			walks = 1000000UL;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s [--csv] [--quick] [--only TEST] [walks]\n",
			       argv[0]);
			return 0;
		} else
			walks = strtoul(argv[i], NULL, 0);
	}
	if (!walks) {
		fprintf(stderr, "bench_walk: walks must be > 0\n");
		return 1;
	}
	if (msim_gmem_create(&g.mem, NULL) || msim_gmem_create(&h.mem, NULL)) {
		fprintf(stderr, "bench_walk: %s\n", msim_last_error());
		return 1;
	}
	/* guest: NPAGES pages, 512 per PT, spread over PDPTEs */
	for (unsigned i = 0; i < NPAGES; i++) {
		uint64_t va = 0x7f0000000000ULL + ((uint64_t)(i / 512) << 30) / 8 +
			      ((uint64_t)(i % 512) << 12);

		las[i] = va;
		if (map4k(&g, GROOT, 4, va, 0x40000000ULL + (uint64_t)i * 4096,
			  0x7, 0x7)) {
			fprintf(stderr, "bench_walk: %s\n", msim_last_error());
			return 1;
		}
	}
	for (unsigned i = NPAGES - 1; i > 0; i--) { /* fixed shuffle */
		unsigned j = (unsigned)(msim_rng_next(&seed) % (i + 1));
		uint64_t t = las[i];

		las[i] = las[j];
		las[j] = t;
	}
	/* EPT: identity + HOFF for guest tables and data, 4-KB pages */
	for (uint64_t a = GROOT; a < g.next; a += 4096)
		rc |= map4k(&h, 0x1000000, 4, a, a + HOFF, 7 | (6 << 3), 7);
	for (unsigned i = 0; i < NPAGES; i++) {
		uint64_t a = 0x40000000ULL + (uint64_t)i * 4096;

		rc |= map4k(&h, 0x1000000, 4, a, a + HOFF, 7 | (6 << 3), 7);
	}
	if (rc) {
		fprintf(stderr, "bench_walk: %s\n", msim_last_error());
		return 1;
	}
	regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	regs.cr4 = MSIM_CR4_PAE;
	regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	regs.cr3 = GROOT;
	regs.cs_l = true;
	if (csv)
		printf("test,walks,seconds,walks_per_s,refs_per_walk\n");
	if (!only || !strcmp(only, "walk4"))
		rc = run("walk4", g.mem, &cpu, &regs, &opts, walks, csv);
	if (!only || !strcmp(only, "gmem_chase4"))
		chase(g.mem, walks, csv);
	n.kind = MSIM_NESTED_EPT;
	n.mem = h.mem;
	n.eptp = 0x1000000 | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
	opts.nested = &n;
	if (!only || !strcmp(only, "walk2d_4on4"))
		rc |= run("walk2d_4on4", g.mem, &cpu, &regs, &opts,
			  walks / 4 ? walks / 4 : 1, csv);
	msim_gmem_free(g.mem);
	msim_gmem_free(h.mem);
	return rc;
}
