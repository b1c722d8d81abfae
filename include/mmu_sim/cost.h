/*
 * mmu-sim: cycle model, data-cache hierarchy, CPU presets, calibration.
 *
 * msim_cost_params is one flat parameter set: TLB/PSC organisation
 * (tlb.h), TLB and walk latencies, a three-level data-cache hierarchy
 * shared by the data accesses and the page walks, DRAM latency, and the
 * costs of virtualization events and of KVM MMU work. Every parameter has
 * a dotted name ("cache.l2.size", "virt.vmexit") usable in config files,
 * a description (msim_cost_param_desc), and in each preset a source,
 * cited next to the value in lib/cost_presets.c ([V] confirmed, [S]
 * single secondary source, [M] measured on traces/hw, [E] estimate with
 * its reasoning). msim_cost_write() dumps a set as a loadable file.
 *
 * Config file format (msim_cost_load_file):
 *     # comment
 *     base = skylake-sp        # optional: start from a preset (first line)
 *     cache.llc.size = 32M     # numbers: decimal, 0x-hex, K/M/G suffixes
 *     tlb.stlb.repl = plru     # lru | plru | random
 *     tlb.eager = 1            # booleans 0/1/true/false/yes/no
 * One `key = value` per line; unknown keys and bad values fail with
 * MSIM_EPARSE and a "file:line: ..." message.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_COST_H
#define MMU_SIM_COST_H

#include <stdio.h>

#include "mmu_sim/common.h"
#include "mmu_sim/tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One data-cache level. size = 0: level absent. */
typedef struct msim_cache_level {
	uint64_t size;     /**< bytes */
	unsigned ways;
	unsigned latency;  /**< load-to-use cycles when the line hits here */
} msim_cache_level;

/** The whole parameter set. Fill with msim_cost_preset(). */
typedef struct msim_cost_params {
	char name[40];            /**< preset name (informational) */
	double ghz;               /**< core clock, converts cycles to ns */
	msim_tlb_config tlb;      /**< TLB / PSC / nested-cache organisation */
	/* translation latencies (cycles) */
	unsigned lat_l1tlb;       /**< L1 TLB lookup beyond the L1D latency
				       (0: VIPT L1D overlaps it, all presets) */
	unsigned lat_stlb;        /**< extra cycles: L1 TLB miss, STLB hit */
	unsigned lat_walk;        /**< fixed cycles per page walk (PMH start/finish) */
	unsigned lat_psc;         /**< cycles per PSC / nested-PSC lookup on a walk */
	unsigned lat_ntlb;        /**< cycles per guest-physical TLB lookup */
	unsigned walkers;         /**< parallel page walkers (informational: serial model) */
	bool walk_l1d;            /**< walk references look up L1D (else start at L2) */
	/* data caches, line size and memory */
	unsigned line;            /**< cache-line bytes */
	msim_cache_level l1d, l2, llc;
	unsigned lat_dram;        /**< load-to-use cycles from DRAM */
	unsigned lat_ad_write;    /**< extra cycles per locked A/D update */
	/* prefetch: a data linear-address stride seen twice in a row means
	 * the next page's translation and line were fetched ahead (next-page
	 * and stride prefetchers): the access then costs
	 * min(L1 + pf_pct% of (cost - L1), pf_lat) */
	bool pf_stride;
	unsigned pf_max_stride;   /**< largest |stride| in bytes followed */
	unsigned pf_pct;          /**< share of the latency above L1 still paid */
	unsigned pf_lat;          /**< cap on a covered access, cycles */
	/* prefetch-started STLB translations (needs pf_stride, whose
	 * detector it uses): every data access whose linear stride repeats
	 * the previous one (any stride size, unlike pf_max_stride) also
	 * puts into the STLB an entry that no demand lookup can use, tagged
	 * like the access (PCID/VPID/EP4TA) and indexed by the 2 MB page
	 * number of the predicted next address (la + stride). It only takes
	 * an STLB way: it can evict demand entries and be evicted, never
	 * enters an L1 TLB, and goes with INVLPG/#PF of any address of that
	 * 2 MB region, MOV CR3, INVPCID, INVVPID, INVEPT like any entry. */
	bool pf_stlb_fill;
	/* 2D translation */
	bool nested;              /**< preset describes a guest under EPT/NPT */
	uint64_t host_page;       /**< host page size backing guest memory (2D) */
	/* virtualization events (cycles) */
	unsigned vmexit;          /**< VM exit + VM entry round trip, no work */
	unsigned invept_single, invept_all;
	unsigned invvpid_addr, invvpid_single, invvpid_all;
	unsigned invlpg, mov_cr3, invpcid;
	/* KVM MMU work (cycles) */
	unsigned kvm_shadow_fault;/**< shadow #PF handling: guest walk + set SPTE */
	unsigned kvm_tdp_fault;   /**< EPT violation / #NPF handling: map one gfn */
	unsigned kvm_reset;       /**< kvm_init_mmu: role calc + permission tables */
	unsigned kvm_sync_roots;  /**< kvm_mmu_sync_roots walk, per call */
	unsigned kvm_hash_lookup; /**< shadow-page hash lookup (mmu_page_hash) */
	unsigned kvm_root_alloc;  /**< allocate + install a root (incl. page) */
	unsigned kvm_root_load;   /**< kvm_mmu_load of a root found in the hash */
	unsigned kvm_root_free;   /**< kvm_mmu_free_roots call that drops roots */
	unsigned kvm_sp_alloc;    /**< allocate one shadow/TDP page (per level) */
	unsigned kvm_spte_set;    /**< compute and install one SPTE */
	unsigned kvm_zap_spte;    /**< zap one SPTE (incl. rmap/teardown share) */
	unsigned kvm_sync_sp;     /**< sync one unsync shadow page (512 gptes) */
	unsigned kvm_write_protect; /**< write-protect one gfn (rmap walk) */
	unsigned kvm_flush_current, kvm_flush_guest, kvm_flush_all;
	unsigned kvm_flush_remote; /**< IPI-based remote flush (per target vCPU) */
	unsigned kvm_emulate;     /**< emulate one guest instruction (e.g. PT write) */
} msim_cost_params;

/** NULL-terminated list of preset names. */
MSIM_API const char *const *msim_cost_preset_names(void);

/** One-line description of preset `name` (NULL if unknown). */
MSIM_API const char *msim_cost_preset_help(const char *name);

/** Load preset `name` into *out. MSIM_ENOENT if unknown. */
MSIM_API int msim_cost_preset(const char *name, msim_cost_params *out);

/** Set parameter `key` from text `value` (config-file syntax). */
MSIM_API int msim_cost_set(msim_cost_params *p, const char *key,
			   const char *value);

/** Format parameter `key` into buf. MSIM_ENOENT if unknown. */
MSIM_API int msim_cost_get(const msim_cost_params *p, const char *key,
			   char *buf, size_t len);

/**
 * Apply a config text (lines as in the header comment) to *p; `what`
 * names it in error messages ("file:line"). A `base = preset` line
 * reloads *p from that preset first.
 */
MSIM_API int msim_cost_load_string(msim_cost_params *p, const char *text,
				   const char *what);

/** Apply config file `path` to *p (see msim_cost_load_string). */
MSIM_API int msim_cost_load_file(msim_cost_params *p, const char *path);

/** Check a parameter set for consistency (cache geometry, ghz > 0...). */
MSIM_API int msim_cost_validate(const msim_cost_params *p);

/** Number of parameters, and name/description of parameter i. */
MSIM_API unsigned msim_cost_param_count(void);
MSIM_API const char *msim_cost_param_name(unsigned i);
MSIM_API const char *msim_cost_param_desc(unsigned i);

/** Write every parameter of p as a loadable config text. */
MSIM_API int msim_cost_write(const msim_cost_params *p, FILE *f);

/* ------------------------------------------------------------ caches */

typedef struct msim_cache msim_cache;

/** Create the data-cache hierarchy of p (L1D, L2, LLC; LRU). */
MSIM_API int msim_cache_create(msim_cache **out, const msim_cost_params *p);

/**
 * Create a hierarchy with its own L1D and L2 that shares the LLC of
 * `llc_of` (cores of one socket). llc_of must have an LLC and outlive the
 * new hierarchy; p's LLC geometry is ignored.
 */
MSIM_API int msim_cache_create_shared(msim_cache **out,
				      const msim_cost_params *p,
				      msim_cache *llc_of);

/** Free (NULL is fine; a shared LLC stays with its owner). */
MSIM_API void msim_cache_free(msim_cache *c);

/**
 * One access to physical address `pa`: returns the level that hit
 * (1 = L1D, 2 = L2, 3 = LLC, 4 = DRAM) and adds its latency to *cycles.
 * The line is then present in every level (inclusive fill). from_l2:
 * start the lookup at L2 (walker references with walk_l1d = 0).
 */
MSIM_API unsigned msim_cache_access(msim_cache *c, uint64_t pa, bool from_l2,
				    uint64_t *cycles);

/** Drop every line (of a shared LLC too). */
MSIM_API void msim_cache_flush(msim_cache *c);

/* ------------------------------------------------------------ calibration */

/** Pointer-chase description (bench/probe.c and `mmu-sim gen chase`). */
typedef struct msim_chase_opts {
	uint64_t pages;      /**< pages in the cycle */
	bool random;         /**< random cyclic order (else sequential) */
	uint64_t page_size;  /**< 4096 or 2 MiB guest pages */
	uint64_t accesses;   /**< measured accesses (after one warm-up cycle) */
	uint64_t seed;
} msim_chase_opts;

#define MSIM_CHASE_OPTS_INIT { 64, true, 4096, 100000, 1 }

/**
 * Order of the chase: fills order[0..pages) with the page visited at each
 * step (a cycle; same order as `mmu-sim gen chase` and bench/probe.c).
 */
MSIM_API void msim_chase_order(const msim_chase_opts *o, uint64_t *order);

/** Virtual address of the pointer in page `page` of a chase (line page%64). */
MSIM_API uint64_t msim_chase_va(const msim_chase_opts *o, uint64_t page);

/**
 * Predict the latency of one dependent access of the chase on CPU p:
 * builds the chase's guest page tables (and, if p->nested, an identity
 * EPT with host pages of p->host_page), runs one warm-up cycle then
 * o->accesses accesses through the hardware model, and returns mean
 * cycles and ns per access.
 */
MSIM_API int msim_chase_predict(const msim_cost_params *p,
				const msim_chase_opts *o, double *cycles,
				double *ns);

#ifdef __cplusplus
}
#endif
#endif
