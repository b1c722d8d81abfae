/*
 * tlb_hit: the components of a TLB-hit access on one core, 48 hot 4K pages
 * (all L1 DTLB hits) visited in a fixed random order:
 *
 *  1. msim_tlb_lookup: the TLB model's lookup;
 *  2. msim_hw_access without the hit memo (x.ctx_gen = 0): lookup +
 *     use-time rights check + L1D pricing + counters, every time;
 *  3. msim_hw_access with the memo (what the machine uses).
 *
 * The replay target (>= 150 M events/s) is bench_replay_hit's; this one
 * only reports. Prints "<name> <events> events in <s> s CPU: <M> M
 * events/s" per stream (CPU time of this process; best of 5 rounds for
 * stream 1).
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"

#include "hw/hw.h"
#include "base/internal.h"

#define PAGES 48

static double report(const char *name, uint64_t n, double cpu, double wall)
{
	double rate = n / cpu;
	printf("%-22s %llu events in %.3f s CPU (%.3f s wall): %.1f M events/s\n",
	       name, (unsigned long long)n, cpu, wall, rate / 1e6);
	return rate;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 200000000ULL;
	msim_gmem *mem;
	msim_cost_params cost;
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_hw *hw;
	msim_stats *st;
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_hw_xlat x;
	msim_hw_result r;
	msim_tlb_hit h;
	uint64_t va[PAGES], sink = 0, next = 0x101000;
	const uint64_t base = 0x7f0000000000ULL;
	double t0, w0, rate, best_cpu = 0, best_wall = 0;

	/* 4-level tables mapping PAGES pages */
	if (msim_gmem_create(&mem, NULL) || msim_cost_preset("skylake-sp", &cost) ||
	    msim_stats_create(&st))
		return 2;
	for (int i = 0; i < PAGES; i++) {
		uint64_t table = 0x100000, v = base + (uint64_t)i * 4096;
		for (int l = 4; l > 1; l--) {
			uint64_t ea = table + ((v >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
			uint64_t e = msim_gmem_read64(mem, ea);
			if (!e) {
				e = next | 0x27;
				next += 4096;
				msim_gmem_write(mem, ea, 8, e);
			}
			table = e & MSIM_GENMASK(51, 12);
		}
		msim_gmem_write(mem, table + ((v >> 12) & 0x1ff) * 8, 8,
				(0x10000000 + (uint64_t)i * 4096) | 0x67);
		va[i] = v + (uint64_t)(i % 64) * 64;
	}
	/* visit the pages in a fixed random order: which way of a set hits
	 * is then data-dependent, as in real traces */
	for (int i = PAGES - 1; i > 0; i--) {
		uint64_t t, j = (uint64_t)(i * 0x9e3779b97f4a7c15ULL >> 40) % (uint64_t)(i + 1);

		t = va[i];
		va[i] = va[j];
		va[j] = t;
	}
	regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	regs.cr4 = MSIM_CR4_PAE | MSIM_CR4_PGE;
	regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	regs.cr3 = 0x100000;
	regs.cpl = 3;
	memset(&x, 0, sizeof(x));
	x.mem = mem;
	x.cpu = &cpu;
	x.regs = &regs;
	msim_hw_tag_from(&x.tag, &regs, 0, NULL);
	ho.cost = &cost;
	ho.stats = st;
	if (msim_hw_create(&hw, &ho))
		return 2;
	for (int i = 0; i < PAGES; i++)
		msim_hw_access(hw, &x, va[i], MSIM_WACC_USER, &r);

	/* best of 5 rounds: the machine may be shared (CPU time still
	 * suffers from cache and hypervisor interference) */
	rate = 0;
	for (int round = 0; round < 5; round++) {
		double c_s, w_s, rr;
		uint64_t m = n / 5;

		t0 = bench_cpu_now();
		w0 = bench_wall_now();
		for (uint64_t i = 0, k = 0; i < m; i++) {
			sink += (uint64_t)msim_tlb_lookup(msim_hw_tlb(hw), &x.tag,
							  va[k], false, &h);
			sink += h.pa;
			if (++k == PAGES)
				k = 0;
		}
		c_s = bench_cpu_now() - t0;
		w_s = bench_wall_now() - w0;
		rr = m / c_s;
		if (rr > rate) {
			rate = rr;
			best_cpu = c_s;
			best_wall = w_s;
		}
	}
	report("tlb_lookup (L1 hits)", n / 5, best_cpu, best_wall);

	n /= 4;
	for (int memo = 0; memo < 2; memo++) {
		x.ctx_gen = (uint64_t)memo; /* 0: no memo */
		t0 = bench_cpu_now();
		w0 = bench_wall_now();
		for (uint64_t i = 0, k = 0; i < n; i++) {
			msim_hw_access(hw, &x, va[k], MSIM_WACC_USER, &r);
			sink += r.cycles;
			if (++k == PAGES)
				k = 0;
		}
		report(memo ? "hw_access (memo)" : "hw_access (TLB hits)", n,
		       bench_cpu_now() - t0, bench_wall_now() - w0);
	}
	printf("(checksum %llu, tlb.l1d.hit %llu)\n", (unsigned long long)sink,
	       (unsigned long long)msim_stats_get(st, "tlb.l1d.hit"));
	msim_hw_free(hw);
	msim_stats_free(st);
	msim_gmem_free(mem);
	return 0;
}
