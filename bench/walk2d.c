/*
 * walk2d: memory references and cycles per TLB miss of native and
 * two-dimensional walks, through the library's hardware model (TLB + PSC +
 * nested PSC + NTLB + data caches, lib/hw.h), with and without the
 * paging-structure caches. Figure walk2d (bench/fig_walk2d.sh).
 *
 * Workload: a guest maps NPAGES 4 KiB pages (256 MiB) contiguously at one
 * virtual range and reads one line of each page in a fixed pseudo-random
 * order (a random-access heap scan: far more pages than the STLB holds,
 * so nearly every access is a TLB miss). Under 2D the guest tables and
 * data sit in guest-physical memory mapped by an EPT of 4 KiB pages at
 * hpa = gpa + 4 GiB (the same EPT depth as the guest: 4-on-4, 5-on-5).
 * One untimed pass warms the TLBs, PSCs and caches and sets A bits; the
 * measured pass makes ACCESSES accesses.
 *
 * Configurations (caches switched off by zeroing their entry counts in
 * the cost set):
 *   nopwc     no PSC, no nested PSC, no NTLB
 *   pwc       guest PSC only (the PML4E/PDPTE/PDE caches)
 *   pwc+npwc  guest PSC + nested PSC + guest-physical TLB (2D only)
 *
 * Usage: bench_walk2d [--cost PRESET] [accesses]   (default sapphire-rapids,
 *        400000). Output CSV on stdout:
 * mode,levels,caches,accesses,tlb_misses,refs_per_miss,walk_cycles_per_miss,
 * cycles_per_miss (walk + TLB lookup), cycles_per_access
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "hw/hw.h"
#include "mmu_sim/ept.h"

#define NPAGES 65536u
#define GROOT 0x100000ULL
#define GDATA 0x40000000ULL
#define GVA 0x7f0000000000ULL
#define HOFF 0x100000000ULL
#define EROOT 0x1000000ULL

struct pool {
	msim_gmem *mem;
	uint64_t next;
};

static uint64_t order[NPAGES];

static int map4k(struct pool *p, uint64_t root, unsigned levels, uint64_t va,
		 uint64_t pa, uint64_t leaf, uint64_t upper)
{
	uint64_t table = root;

	for (unsigned l = levels; l > 1; l--) {
		uint64_t ea = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = msim_gmem_read64(p->mem, ea);

		if (!(e & 1)) {
			e = p->next | upper;
			p->next += 4096;
			if (msim_gmem_write(p->mem, ea, 8, e))
				return -1;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	return msim_gmem_write(p->mem, table + ((va >> 12) & 511) * 8, 8,
			       pa | leaf);
}

static void caches_off(msim_cost_params *p, bool psc, bool npsc)
{
	for (unsigned l = 0; l < 6; l++) {
		if (!psc)
			p->tlb.psc[l].entries = 0;
		if (!npsc)
			p->tlb.npsc[l].entries = 0;
	}
	if (!npsc)
		p->tlb.ntlb.entries = 0;
}

static int run(const char *preset, unsigned levels, bool twod, const char *caches,
	       unsigned long accesses)
{
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_nested n = MSIM_NESTED_INIT;
	msim_cost_params cost;
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_hw_xlat x;
	msim_hw_result res;
	msim_hw *hw = NULL;
	struct pool g = { NULL, GROOT + 4096 }, h = { NULL, EROOT + 4096 };
	unsigned long misses = 0, refs = 0;
	unsigned long long wcyc = 0, tcyc = 0, all = 0;
	int rc = 0;

	if (msim_cost_preset(preset, &cost))
		return -1;
	caches_off(&cost, strcmp(caches, "nopwc") != 0,
		   !strcmp(caches, "pwc+npwc"));
	ho.cost = &cost;
	if (msim_gmem_create(&g.mem, NULL) || msim_gmem_create(&h.mem, NULL) ||
	    msim_hw_create(&hw, &ho))
		return -1;
	for (unsigned i = 0; i < NPAGES; i++)
		rc |= map4k(&g, GROOT, levels, GVA + (uint64_t)i * 4096,
			    GDATA + (uint64_t)i * 4096, 0x7, 0x7);
	if (twod) { /* identity + HOFF, 4 KiB host pages, RWX WB */
		for (uint64_t a = GROOT; a < g.next; a += 4096)
			rc |= map4k(&h, EROOT, levels, a, a + HOFF, 7 | (6 << 3), 7);
		for (unsigned i = 0; i < NPAGES; i++)
			rc |= map4k(&h, EROOT, levels, GDATA + (uint64_t)i * 4096,
				    GDATA + (uint64_t)i * 4096 + HOFF, 7 | (6 << 3), 7);
		n.kind = MSIM_NESTED_EPT;
		n.mem = h.mem;
		n.eptp = EROOT | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(levels);
	}
	if (rc)
		goto out;
	cpu.la57 = levels == 5;
	regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	regs.cr4 = MSIM_CR4_PAE | (levels == 5 ? MSIM_CR4_LA57 : 0);
	regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	regs.cr3 = GROOT;
	regs.cs_l = true;
	memset(&x, 0, sizeof(x));
	x.mem = g.mem;
	x.cpu = &cpu;
	x.regs = &regs;
	x.nested = twod ? &n : NULL;
	msim_hw_tag_from(&x.tag, &regs, 1, x.nested);
	for (unsigned i = 0; i < NPAGES && !rc; i++) /* warm-up pass */
		rc = msim_hw_access(hw, &x, GVA + order[i] * 4096 + 64 * (order[i] & 63),
				    0, &res);
	for (unsigned long i = 0; i < accesses && !rc; i++) {
		uint64_t p = order[i % NPAGES];

		rc = msim_hw_access(hw, &x, GVA + p * 4096 + 64 * (p & 63), 0, &res);
		if (res.fault.kind != MSIM_FAULT_NONE) {
			fprintf(stderr, "walk2d: unexpected fault\n");
			rc = -1;
		}
		all += res.cycles;
		if (res.tlb_level == 0) {
			misses++;
			refs += res.walk_refs;
			wcyc += res.cycles_walk;
			tcyc += res.cycles_walk + res.cycles_tlb;
		}
	}
	if (!rc)
		printf("%s,%u,%s,%lu,%lu,%.2f,%.1f,%.1f,%.1f\n",
		       twod ? "2d" : "native", levels, caches, accesses, misses,
		       misses ? (double)refs / misses : 0.0,
		       misses ? (double)wcyc / misses : 0.0,
		       misses ? (double)tcyc / misses : 0.0,
		       (double)all / accesses);
out:
	msim_hw_free(hw);
	msim_gmem_free(g.mem);
	msim_gmem_free(h.mem);
	return rc;
}

int main(int argc, char **argv)
{
	const char *preset = "sapphire-rapids";
	unsigned long accesses = 400000;
	uint64_t seed = 7;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cost") && i + 1 < argc)
			preset = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s [--cost PRESET] [accesses]\n", argv[0]);
			return 0;
		} else
			accesses = strtoul(argv[i], NULL, 0);
	}
	for (unsigned i = 0; i < NPAGES; i++)
		order[i] = i;
	for (unsigned i = NPAGES - 1; i > 0; i--) { /* fixed shuffle */
		unsigned j = (unsigned)(msim_rng_next(&seed) % (i + 1));
		uint64_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	printf("mode,levels,caches,accesses,tlb_misses,refs_per_miss,"
	       "walk_cycles_per_miss,cycles_per_miss,cycles_per_access\n");
	for (unsigned levels = 4; levels <= 5; levels++) {
		rc |= run(preset, levels, false, "nopwc", accesses);
		rc |= run(preset, levels, false, "pwc", accesses);
		rc |= run(preset, levels, true, "nopwc", accesses);
		rc |= run(preset, levels, true, "pwc", accesses);
		rc |= run(preset, levels, true, "pwc+npwc", accesses);
	}
	if (rc)
		fprintf(stderr, "bench_walk2d: %s\n", msim_last_error());
	return rc ? 1 : 0;
}
