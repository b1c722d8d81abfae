/*
 * CPU presets for the cycle model. Every number carries its source:
 *   [V]  confirmed in a primary or named published source;
 *   [S]  single secondary source (named);
 *   [M]  measured on this project's machine (traces/hw/, bench/probe.c);
 *   [E]  estimate, no public number found: the reasoning is given.
 * Cache latencies are load-to-use core cycles of a dependent load.
 * Virtualization / KVM costs: published measurements cited at each value;
 * no published INVEPT/INVVPID latency or shadow page alloc/zap cycle count
 * was found, so those are [E] everywhere.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/cost.h"

#define GEOM(e, w, r) ((msim_tlb_geom){ (e), (w), MSIM_REPL_##r, false })
#define GEOMX(e, w, r) ((msim_tlb_geom){ (e), (w), MSIM_REPL_##r, true })

/* Costs shared by every preset unless overridden. */
static void common(msim_cost_params *p)
{
	memset(p, 0, sizeof(*p));
	p->line = 64;
	p->walk_l1d = true; /* Intel/AMD walkers look up the L1D [E: the PMH
			     * issues loads through the L1D on Skylake per the
			     * Intel Opt. Manual description; not re-read] */
	p->lat_l1tlb = 0;   /* VIPT L1D: the L1 TLB lookup overlaps the cache
			     * access, so a hit costs the L1D latency only */
	p->lat_psc = 0;     /* PSC probe overlaps the walk start [E] */
	p->lat_ntlb = 0;
	p->lat_ad_write = 20; /* locked RMW of an entry [E: ~ a locked op] */
	p->host_page = 4096;
	/* Landau, Ben-Yehuda, Gordon, "SplitX" (Xeon X5570, KVM 2.6.34): ~2,000 cycles; VM transitions got ~2x
	 * cheaper since (VMCS shadowing/caching) [E] */
	p->vmexit = 1200;
	/* [E] no published latency found: INVEPT/INVVPID are microcoded full or partial
	 * TLB walks of a few hundred cycles; the refill misses are charged
	 * separately by the TLB model */
	p->invept_single = 400;
	p->invept_all = 600;
	p->invvpid_addr = 150;
	p->invvpid_single = 300;
	p->invvpid_all = 500;
	p->invlpg = 150;  /* [E] native INVLPG, order of 100-250 cycles */
	p->mov_cr3 = 150; /* [E] serialising CR write */
	p->invpcid = 200; /* [E] */
	/* KVM software work [E]: vmexit.flat with Paolo Bonzini's keep-roots kvm_mmu_reset_context patch (Feb 2022 thread) gives 46,754 vs 4,879 cycles for a
	 * vmexit.flat run with and without rebuilding a TDP MMU root for a
	 * tiny guest, i.e. ~42k cycles for free + alloc + refault of a small
	 * tree; split over ~20 pages and a few hundred SPTEs this gives
	 * ~1,000 per page allocation and ~40 per zapped SPTE. */
	p->kvm_shadow_fault = 1500; /* guest walk in software + SPTE, no alloc */
	p->kvm_tdp_fault = 1000;   /* gfn->pfn lookup + SPTE install, no alloc */
	p->kvm_reset = 300;        /* role computation + permission bitmaps */
	p->kvm_sync_roots = 100;   /* walk of the unsync bitmap, per call */
	p->kvm_hash_lookup = 50;   /* hash bucket walk, few entries */
	p->kvm_root_alloc = 2000;  /* page alloc + zero + root bookkeeping */
	/*
	 * Yong He's prev_roots 3 -> 11 patch (Oct 2024, Ice Lake, shadow + PTI, 4 processes): 3 vs
	 * 11 prev_roots is 7.836 vs 6.516 us per lmbench context switch, and
	 * the misses (7k+ kvm_mmu_free_roots calls vs 60) are ~2 per switch:
	 * ~0.65 us, ~1,600 cycles per prev_roots miss beyond a hit, split
	 * between freeing the LRU root and loading the new one from the hash.
	 */
	p->kvm_root_load = 1000;
	p->kvm_root_free = 600;
	p->kvm_sp_alloc = 1000;    /* from the per-vCPU cache + clear 4 KiB */
	p->kvm_spte_set = 60;
	p->kvm_zap_spte = 40;
	p->kvm_sync_sp = 5000;     /* 512 guest PTEs re-read and compared */
	p->kvm_write_protect = 200;
	p->kvm_flush_current = 100; /* request bookkeeping; + INVEPT/INVVPID */
	p->kvm_flush_guest = 100;
	p->kvm_flush_all = 100;
	p->kvm_flush_remote = 5000; /* IPI + wait, ~1.5 us [E] */
	p->kvm_emulate = 3000;      /* x86 emulator decode + execute [E] */
}

/* Intel Skylake-SP (Xeon Scalable 1st gen), 2.1 GHz base. */
static void skylake_sp(msim_cost_params *p)
{
	common(p);
	p->ghz = 2.1;
	/* [V] third-party TLB tables (WikiChip, 7-cpu.com): L1 DTLB 4K 64/4, 2M 32/4 (2M size [U]), 1G 4/4; ITLB 4K
	 * 128/8, 2M 8; STLB 1536/12 shared 4K/2M; 1G STLB 16/4; 2 walkers */
	p->tlb = (msim_tlb_config)MSIM_TLB_CONFIG_INIT;
	p->tlb.l1d[0] = GEOM(64, 4, LRU);
	p->tlb.l1d[1] = GEOM(32, 4, LRU);
	p->tlb.l1d[2] = GEOM(4, 4, LRU);
	p->tlb.l1i[0] = GEOM(128, 8, LRU);
	p->tlb.l1i[1] = GEOM(8, 8, LRU);
	p->tlb.l1i[2] = GEOM(0, 0, LRU);
	p->tlb.stlb = GEOM(1536, 12, LRU);
	p->tlb.stlb_2m = true;
	p->tlb.stlb_1g = GEOM(16, 4, LRU);
	/* [S] PSC sizes: 32-entry PDE cache, 4 PDPTE, 2 PML4E (Intel's
	 * "paging-structure cache" sizes as reported in Barr/Cox/Rixner,
	 * ISCA 2010 for Core i7; not re-read) */
	p->tlb.psc[2] = GEOM(32, 4, LRU);
	p->tlb.psc[3] = GEOM(4, 4, LRU);
	p->tlb.psc[4] = GEOM(2, 2, LRU);
	p->tlb.psc[5] = GEOM(2, 2, LRU);
	/* [E] SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5: sizes not documented; NTLB and nested PSC like the
	 * guest-dimension PSC */
	p->tlb.ntlb = GEOM(32, 4, LRU);
	p->walkers = 2;
	/* [S] 7-cpu.com Skylake: STLB hit +9 cycles; third-party TLB tables (WikiChip, 7-cpu.com): Haswell +12 and
	 * ~20 cycles for an STLB miss hitting the caches (mynavi article,
	 * re-read in this pass) */
	p->lat_stlb = 9;
	p->lat_walk = 10; /* [S] third-party TLB tables (WikiChip, 7-cpu.com): a walk hitting PSC/caches ~20 cycles
			   * total, minus ~10 for its one cached reference */
	/* [S] 7-cpu.com Skylake-X: L1 32K/8w 4-5, L2 1M/16w 14, L3 1.375 MB
	 * per core 11-way ~70 cycles; DRAM: AnandTech's lmbench run on
	 * Skylake-SP (Xeon 8176 review) gives ~90 ns at 384-512 MB = ~190
	 * cycles at 2.1 GHz (their L1 4, L2 ~14 cycles agree) */
	p->l1d = (msim_cache_level){ 32 << 10, 8, 5 };
	p->l2 = (msim_cache_level){ 1 << 20, 16, 14 };
	p->llc = (msim_cache_level){ 11ULL << 20, 11, 70 };
	p->lat_dram = 190;
}

/* Intel Sapphire Rapids (Golden Cove cores), 2.0 GHz base. */
static void sapphire_rapids(msim_cost_params *p)
{
	common(p);
	p->ghz = 2.0;
	p->tlb = (msim_tlb_config)MSIM_TLB_CONFIG_INIT;
	/* [U] third-party TLB tables (WikiChip, 7-cpu.com): L1 DTLB loads 96 (4K); [M] our Emerald Rapids (same
	 * Raptor/Golden Cove TLBs) shows the 96-entry knee and a 6-way set
	 * conflict with 2 MB strides (traces/hw) -> 96/6 */
	p->tlb.l1d[0] = GEOM(96, 6, LRU);
	p->tlb.l1d[1] = GEOM(32, 4, LRU); /* [U] */
	p->tlb.l1d[2] = GEOM(8, 8, LRU);  /* [U] */
	p->tlb.l1i[0] = GEOM(256, 8, LRU); /* [U] Golden Cove ITLB 256 */
	p->tlb.l1i[1] = GEOM(32, 32, LRU); /* [U] */
	p->tlb.l1i[2] = GEOM(0, 0, LRU);
	/* [U] third-party TLB tables (WikiChip, 7-cpu.com): STLB 2048 4K/2M; [M] knee at ~2048 pages measured */
	/* [M] XOR-folded index: with 2 MB strides the 4K-sized combined
	 * entries fill 32 of the 128 sets -> 512-entry knee as measured */
	p->tlb.stlb = GEOMX(2048, 16, LRU);
	p->tlb.stlb_2m = true;
	p->tlb.stlb_1g = GEOM(1024, 8, LRU); /* [U] third-party TLB tables (WikiChip, 7-cpu.com) "1G shared" */
	p->tlb.psc[2] = GEOM(32, 4, LRU); /* [E] as Skylake */
	p->tlb.psc[3] = GEOM(4, 4, LRU);
	p->tlb.psc[4] = GEOM(2, 2, LRU);
	p->tlb.psc[5] = GEOM(2, 2, LRU);
	p->tlb.ntlb = GEOM(32, 4, LRU);
	p->walkers = 4; /* [U] third-party TLB tables (WikiChip, 7-cpu.com) */
	p->lat_stlb = 7;  /* [M] 3.9 ns - 1.6 ns at ~3.1 GHz on Emerald Rapids */
	p->lat_walk = 10; /* [E] as Skylake */
	/* [S] Golden Cove: L1D 48K/12w 5 cycles, L2 2M/16w 16 cycles
	 * (chipsandcheese Golden Cove/SPR articles); L3 1.875 MB/core,
	 * ~33 ns ~ 66 cycles at 2 GHz; DRAM ~110 ns */
	p->l1d = (msim_cache_level){ 48 << 10, 12, 5 };
	p->l2 = (msim_cache_level){ 2 << 20, 16, 16 };
	p->llc = (msim_cache_level){ 15ULL << 20, 15, 66 };
	p->lat_dram = 220;
	p->vmexit = 1100; /* [E] slightly cheaper than Skylake */
}

/* AMD Zen 4 (EPYC Genoa / Ryzen 7000). */
static void zen4(msim_cost_params *p)
{
	common(p);
	p->ghz = 3.7;
	p->tlb = (msim_tlb_config)MSIM_TLB_CONFIG_INIT;
	/* [U] third-party TLB tables (WikiChip, 7-cpu.com): L1 DTLB 72 fully associative, all page sizes; L2 3072;
	 * 6 walkers. Zen L1 FA holds every size: model as three FA arrays
	 * of 72 (upper bound of the shared capacity) */
	p->tlb.l1d[0] = GEOM(72, 72, LRU);
	p->tlb.l1d[1] = GEOM(72, 72, LRU);
	p->tlb.l1d[2] = GEOM(72, 72, LRU);
	p->tlb.l1i[0] = GEOM(64, 64, LRU); /* [S] Zen 2 ITLB 64 FA (7-cpu) */
	p->tlb.l1i[1] = GEOM(64, 64, LRU);
	p->tlb.l1i[2] = GEOM(64, 64, LRU);
	/* [U] 3072 entries; 12-way as Zen/Zen 2 [S WikiChip] -> 256 sets */
	p->tlb.stlb = GEOM(3072, 12, LRU);
	p->tlb.stlb_2m = true;
	p->tlb.stlb_1g = GEOM(0, 0, LRU); /* [S] Zen 2: 1G smashed into 2M */
	/* [S] third-party TLB tables (WikiChip, 7-cpu.com) Zen 2: the L2 TLB also holds PDEs ("PDE entries") -> a
	 * PDE cache; upper levels [E] */
	p->tlb.psc[2] = GEOM(64, 4, LRU);
	p->tlb.psc[3] = GEOM(8, 4, LRU);
	p->tlb.psc[4] = GEOM(4, 4, LRU);
	p->tlb.psc[5] = GEOM(2, 2, LRU);
	/* Bhargava et al., ASPLOS 2008: the AMD page-walk cache holds
	 * nested entries and an NTLB exists; sizes [E] */
	p->tlb.ntlb = GEOM(64, 4, LRU);
	p->walkers = 6; /* [U] */
	p->lat_stlb = 7;  /* [S] 7-cpu Zen 2: L2 TLB hit +7 cycles */
	p->lat_walk = 10; /* [E] */
	/* [S] chipsandcheese Zen 4: L1D 32K/8w 4 cycles (5 complex), L2
	 * 1M/8w 14 cycles, L3 32 MB/CCX 16w ~50 cycles, DRAM ~75-80 ns */
	p->l1d = (msim_cache_level){ 32 << 10, 8, 4 };
	p->l2 = (msim_cache_level){ 1 << 20, 8, 14 };
	p->llc = (msim_cache_level){ 32ULL << 20, 16, 50 };
	p->lat_dram = 290;
	/* LKML thread on SVM vmsave/vmload, Dec 2020: ~1,344-1,376 cycles from just before to just after VMRUN */
	p->vmexit = 1360;
}

/*
 * This machine: Intel Xeon family 6 model 207 (Emerald Rapids, Raptor
 * Cove cores) seen from a 2-vCPU KVM guest (Firecracker), so every TLB
 * miss is a 2D walk over 4 KiB host pages ([M] the 2 MB-guest-page chase
 * shows 4K-sized combined entries: the 6-way L1 DTLB set conflict).
 * Fitted to traces/hw/probe-*.csv by hand (tests/test_calib.c checks).
 */
static void this_machine(msim_cost_params *p)
{
	sapphire_rapids(p);
	p->ghz = 3.1;       /* [M] 5-cycle L1 hit measured at 1.6 ns */
	p->lat_stlb = 7;    /* [M] 96..2048-page plateau 3.9 ns */
	p->lat_walk = 14;   /* [M] fitted: 2048..16K-page plateau ~20 ns */
	p->l1d = (msim_cache_level){ 48 << 10, 12, 5 };   /* [M] knee 768 */
	p->l2 = (msim_cache_level){ 2 << 20, 16, 16 };    /* [M] */
	/* [M] the 260 MB LLC the guest reports is shared with other tenants:
	 * latency jumps at ~170K pages (~11 MB of data lines + table lines);
	 * a 14.5 MB, highly associative share (sharp cliff) fits it */
	p->llc = (msim_cache_level){ 58ULL * 4096 * 64, 58, 90 };
	p->lat_dram = 340;  /* [M] fitted: ~205 ns plateau at 512K pages */
	/* [M] the STLB knee is gradual (1722..2896 pages): random-like
	 * replacement, not true LRU */
	p->tlb.stlb.repl = MSIM_REPL_RANDOM;
	/* [M] sequential chase: 2.9 ns vs 3.9 (STLB hits), 4.9 vs 7.5 (L2),
	 * ~31 ns flat beyond the L2 -> next-page prefetch pays ~half of the
	 * latency above L1, capped near 85 cycles; 2 MB strides not followed */
	p->pf_stride = true;
	p->pf_max_stride = 8192;
	p->pf_pct = 50;
	p->pf_lat = 85;
	/* [M] the 2 MB chase in sequential order loses STLB hits from 431
	 * pages on, the random one from 512 (traces/hw/README.md "The 2 MB
	 * sequential knee"): only orders with long runs of one constant
	 * linear stride lose early, and beyond the knee seq is slower than
	 * random, so the prefetched translations take STLB ways without
	 * serving demand loads (the Intel optimization manual, as quoted in
	 * the README, not verified for Raptor Cove: the L1 IP-based stride
	 * prefetcher "works in the linear address space ... starting
	 * translations for TLB misses"). Rule: each repeated stride puts a demand-unusable
	 * entry for the next address's 2 MB region into the STLB; the
	 * 2 MB-strided demand entries use 32 of the 128 sets, these use all
	 * 128: onset 16 x 128 x 32 / 160 = ~410 pages. Fit: 2M seq knee at
	 * 431 (5.07 vs 6.59 ns measured), 8.95 vs 8.85 ns at 512; MAE 11.2 ->
	 * 7.3 %. Known error: STLB miss share 23-37 % at 470-512 pages where
	 * the timing suggested ~15 % (no PMU to check); 11-41 % below the
	 * fine-grid re-measurement at 395-512 pages; it also fires on short
	 * constant-stride runs: stride7/stride16 orders lose hits from
	 * ~412-431 pages in the model, from ~450-470 (like random) on the
	 * hardware */
	p->pf_stlb_fill = true;
	/* [M] bench_probe --vmexit: CPUID round trip 19-20K TSC cycles
	 * (2.3 GHz) = ~26K core cycles: this guest is itself nested (exits
	 * go through L0 and L1), far above a plain exit (~1.3-2K cycles: SplitX; LKML SVM thread, Dec 2020) */
	p->vmexit = 26000;
	p->nested = true;
	p->host_page = 4096;
}

static void nested_of(msim_cost_params *p, void (*base)(msim_cost_params *))
{
	base(p);
	p->nested = true; /* guest under EPT/NPT, 4K host pages */
	p->host_page = 4096;
}

static void skylake_sp_2d(msim_cost_params *p) { nested_of(p, skylake_sp); }
static void sapphire_rapids_2d(msim_cost_params *p) { nested_of(p, sapphire_rapids); }
static void zen4_2d(msim_cost_params *p) { nested_of(p, zen4); }

struct preset {
	const char *name;
	void (*fn)(msim_cost_params *);
	const char *help;
};

static const struct preset presets[] = {
	{ "skylake-sp", skylake_sp, "Intel Skylake-SP, native paging" },
	{ "skylake-sp-2d", skylake_sp_2d, "Intel Skylake-SP guest under EPT (4K host pages)" },
	{ "sapphire-rapids", sapphire_rapids, "Intel Sapphire Rapids, native paging" },
	{ "sapphire-rapids-2d", sapphire_rapids_2d, "Intel Sapphire Rapids guest under EPT (4K host pages)" },
	{ "zen4", zen4, "AMD Zen 4, native paging" },
	{ "zen4-2d", zen4_2d, "AMD Zen 4 guest under NPT (4K host pages)" },
	{ "this-machine", this_machine, "the 2-vCPU Emerald Rapids KVM guest of traces/hw (2D, fitted)" },
};

static const char *const names[] = {
	"skylake-sp", "skylake-sp-2d", "sapphire-rapids", "sapphire-rapids-2d",
	"zen4", "zen4-2d", "this-machine", NULL,
};

const char *const *msim_cost_preset_names(void)
{
	return names;
}

const char *msim_cost_preset_help(const char *name)
{
	for (size_t i = 0; name && i < MSIM_ARRAY_SIZE(presets); i++)
		if (!strcmp(presets[i].name, name))
			return presets[i].help;
	return NULL;
}

int msim_cost_preset(const char *name, msim_cost_params *out)
{
	if (!name || !out)
		return msim_err(MSIM_EINVAL, "cost: NULL argument");
	for (size_t i = 0; i < MSIM_ARRAY_SIZE(presets); i++)
		if (!strcmp(presets[i].name, name)) {
			presets[i].fn(out);
			snprintf(out->name, sizeof(out->name), "%s", name);
			return 0;
		}
	return msim_err(MSIM_ENOENT, "unknown CPU preset '%s'", name);
}
