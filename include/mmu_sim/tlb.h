/*
 * mmu-sim: TLBs, paging-structure caches (PSC) and nested caches.
 *
 * One msim_tlb is the translation-cache complex of one logical CPU:
 *  - L1 DTLB and L1 ITLB, one array per page-size class (4K, 2M/4M, 1G);
 *  - a shared second-level TLB (STLB) for 4K (+ 2M if configured) and an
 *    optional separate 1G STLB array;
 *  - PSCs for the PDE, PDPTE, PML4E and PML5E levels (SDM Vol. 3A 4.10.2-4.10.3);
 *  - for 2D walks: a guest-physical TLB ("NTLB", gpa -> hpa) and nested
 *    PSCs per EPT/NPT level (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5).
 * Every array is set-associative (sets = entries / ways; ways = entries is
 * fully associative) with true LRU, tree-PLRU or seeded random replacement.
 *
 * Tags (SDM Vol. 3A 4.10.2-4.10.3; SDM Vol. 3C 28.3.3.1; AMD APM Vol. 2 15.16): every entry carries the PCID, the VPID
 * (Intel) or ASID (AMD) and, for combined mappings (2D: gla -> hpa), the
 * EP4TA (EPTP[51:12]; for NPT the nCR3 table address). Linear mappings
 * (no 2D) carry EP4TA "none". Guest-physical (NTLB / nested PSC) entries
 * carry the EP4TA only. TLB entries with G=1 under CR4.PGE=1 match any
 * PCID; PSC entries are never global.
 *
 * Invalidation: one entry point, msim_tlb_invalidate(), taking an
 * operation descriptor (what the CPU executed, with operands) and the tag
 * context current when it executed; it removes exactly what SDM Vol. 3A 4.10.4.1; AMD APM Vol. 2 15.16
 * require, or everything in "eager" mode.
 *
 * Nothing on the lookup/fill paths allocates.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_TLB_H
#define MMU_SIM_TLB_H

#include "mmu_sim/common.h"
#include "mmu_sim/walk.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Replacement policy of one array. */
typedef enum msim_repl {
	MSIM_REPL_LRU = 0,    /**< true LRU (per-set age stamps) */
	MSIM_REPL_PLRU = 1,   /**< tree pseudo-LRU (ways must be a power of 2) */
	MSIM_REPL_RANDOM = 2, /**< seeded splitmix64 choice among the ways */
} msim_repl;

/** Geometry of one set-associative array. entries = 0: array absent. */
typedef struct msim_tlb_geom {
	unsigned entries; /**< total entries (sets * ways) */
	unsigned ways;    /**< associativity; = entries for fully associative */
	msim_repl repl;
	/** set index = tag[s-1:0] XOR tag[2s-1:s] (s = log2 sets): the
	 * hashed STLB index of Intel cores (published TLB figures: 7-cpu.com, WikiChip, AMD/Intel optimization guides "XOR-7 index"); else the
	 * low tag bits */
	bool xor_index;
} msim_tlb_geom;

/** Page-size classes used to index the per-size L1 arrays. */
typedef enum msim_ps_class {
	MSIM_PS_4K = 0,
	MSIM_PS_2M = 1, /**< 2 MB pages, and 4 MB pages of 32-bit paging */
	MSIM_PS_1G = 2,
	MSIM_PS_COUNT_
} msim_ps_class;

/** Organisation of a CPU's translation caches. Part of a cost preset. */
typedef struct msim_tlb_config {
	msim_tlb_geom l1d[MSIM_PS_COUNT_]; /**< L1 DTLB per page size */
	msim_tlb_geom l1i[MSIM_PS_COUNT_]; /**< L1 ITLB per page size */
	msim_tlb_geom stlb;                /**< shared L2 TLB (4K always) */
	bool stlb_2m;                      /**< STLB also holds 2M/4M pages */
	msim_tlb_geom stlb_1g;             /**< separate 1G L2 array (0: none) */
	msim_tlb_geom psc[6];   /**< index 2..5: PDE, PDPTE, PML4E, PML5E caches */
	msim_tlb_geom ntlb;     /**< guest-physical TLB (gpa -> hpa) */
	msim_tlb_geom npsc[6];  /**< nested PSC, index = EPT/NPT level 2..5 */
	/** Flush all arrays on every invalidating operation, and also on
	 * writes the architecture lets a CPU ignore (CR0.WP, EFER.NXE, CR4
	 * SMAP/PKE/SMEP 1->0, CR0.CD/NW): what Bochs and many real cores do. */
	bool eager;
	/** Keep pages larger than 4K as 4K "fractured" entries (SDM Vol. 3A 4.10.2-4.10.3 knob);
	 * INVLPG / #PF of any address of the page still remove them. */
	bool fracture;
	uint64_t seed; /**< seeds MSIM_REPL_RANDOM */
} msim_tlb_config;

/**
 * A small Skylake-like default: L1D 64/4-way (4K), 32/4 (2M), 4/4 (1G);
 * L1I 128/8 (4K), 8/8 (2M); STLB 1536/12 LRU with 2M; 1G STLB 16/4;
 * PSC 32/4 PDE, 4/4 PDPTE, 2/2 PML4E, 2/2 PML5E; NTLB 32/4; nested PSC
 * 16/4 per level. Presets in cost.h carry the cited per-CPU values.
 */
/** An LRU, low-bits-indexed geometry (initialiser helper). */
#define MSIM_TLB_GEOM(e, w) { (e), (w), MSIM_REPL_LRU, false }

#define MSIM_TLB_CONFIG_INIT                                                   \
	{ .l1d = { MSIM_TLB_GEOM(64, 4), MSIM_TLB_GEOM(32, 4),                 \
		   MSIM_TLB_GEOM(4, 4) },                                      \
	  .l1i = { MSIM_TLB_GEOM(128, 8), MSIM_TLB_GEOM(8, 8),                 \
		   MSIM_TLB_GEOM(0, 0) },                                      \
	  .stlb = MSIM_TLB_GEOM(1536, 12), .stlb_2m = true,                    \
	  .stlb_1g = MSIM_TLB_GEOM(16, 4),                                     \
	  .psc = { MSIM_TLB_GEOM(0, 0), MSIM_TLB_GEOM(0, 0),                   \
		   MSIM_TLB_GEOM(32, 4), MSIM_TLB_GEOM(4, 4),                  \
		   MSIM_TLB_GEOM(2, 2), MSIM_TLB_GEOM(2, 2) },                 \
	  .ntlb = MSIM_TLB_GEOM(32, 4),                                        \
	  .npsc = { MSIM_TLB_GEOM(0, 0), MSIM_TLB_GEOM(0, 0),                  \
		    MSIM_TLB_GEOM(16, 4), MSIM_TLB_GEOM(16, 4),                \
		    MSIM_TLB_GEOM(16, 4), MSIM_TLB_GEOM(16, 4) },              \
	  .eager = false, .fracture = false, .seed = 1 }

/**
 * The tag context current on a logical CPU (what a lookup matches and
 * what an invalidation is executed under).
 */
typedef struct msim_tlb_ctx {
	uint64_t ep4ta;  /**< 2D: EPTP[51:12] (as an address) or nCR3 table */
	uint16_t pcid;   /**< current PCID (0 when CR4.PCIDE=0) */
	uint16_t vpid;   /**< VPID (Intel; 0 = host / VPID off) or ASID (AMD) */
	bool nested;     /**< 2D translation: entries are combined mappings */
	bool pge;        /**< CR4.PGE: global entries usable */
	bool pcide;      /**< CR4.PCIDE */
} msim_tlb_ctx;

#define MSIM_TLB_CTX_INIT { 0, 0, 0, false, false, false }

typedef struct msim_tlb msim_tlb;

/** Create a TLB complex; cfg NULL = MSIM_TLB_CONFIG_INIT. MSIM_EINVAL on a
 * bad geometry (entries not a multiple of ways, sets not a power of two,
 * PLRU with non-power-of-two ways). */
MSIM_API int msim_tlb_create(msim_tlb **out, const msim_tlb_config *cfg);

/** Free (NULL is fine). */
MSIM_API void msim_tlb_free(msim_tlb *t);

/** The configuration the complex was created with. */
MSIM_API const msim_tlb_config *msim_tlb_get_config(const msim_tlb *t);

/* ------------------------------------------------------------ TLB */

/** A TLB hit. `rights` points into the entry (valid until the next fill). */
typedef struct msim_tlb_hit {
	uint64_t pa;          /**< translated address (hpa in 2D, else (g)pa) */
	uint64_t gpa;         /**< guest-physical address (= pa unless 2D) */
	uint64_t page_size;
	const msim_rights *rights;
	uint8_t pat;
	bool global;
	unsigned level;       /**< 1: L1 hit, 2: STLB hit (L1 refilled) */
} msim_tlb_hit;

/**
 * Look `la` up under ctx (fetch: ITLB path, else DTLB). Returns 1 (L1 hit),
 * 2 (STLB hit; the L1 array of that page size is refilled) or 0 (miss).
 * Hit entries become most recently used. Rights are NOT checked here:
 * apply msim_rights_check() at use time (SDM Vol. 3A 4.6.2).
 */
MSIM_API int msim_tlb_lookup(msim_tlb *t, const msim_tlb_ctx *ctx,
			     uint64_t la, bool fetch, msim_tlb_hit *out);

/**
 * Insert the translation of a successful walk (SDM Vol. 3A 4.10.2-4.10.3: only walks whose
 * entries were all present, valid and accessed; res->fault must be NONE,
 * otherwise nothing is cached). Fills the STLB (if it holds that size)
 * and the L1 array of the access side. Global iff the leaf has G=1 and
 * ctx->pge.
 */
MSIM_API void msim_tlb_fill(msim_tlb *t, const msim_tlb_ctx *ctx, uint64_t la,
			    bool fetch, const msim_walk_result *res);

/* ------------------------------------------------------------ PSC */

/**
 * Paging-structure-cache lookup for `la` in paging mode `mode`: the
 * deepest level that hits gives *start (the walk then reads the entry one
 * level below the cached one, SDM Vol. 3A 4.10.2-4.10.3). Returns the cached level (2..5) or 0
 * on a miss (start->level = 0).
 */
MSIM_API unsigned msim_psc_lookup(msim_tlb *t, const msim_tlb_ctx *ctx,
				  msim_paging_mode mode, uint64_t la,
				  msim_walk_start *start);

/**
 * Fill the PSCs from the non-leaf entries a walk read (SDM Vol. 3A 4.10.2-4.10.3: P=1, no
 * reserved bits, PS=0, and A=1 - already set or set by this successful
 * walk). Entries the walk skipped through a PSC hit are not refilled.
 */
MSIM_API void msim_psc_fill(msim_tlb *t, const msim_tlb_ctx *ctx,
			    msim_paging_mode mode, uint64_t la,
			    const msim_walk_result *res);

/* ------------------------------------------------------------ nested */

/**
 * Fill the guest-physical TLB and nested PSCs from the nested references
 * of a 2D walk `res` made under `n` (EPT/NPT tables read from n->mem).
 */
MSIM_API void msim_nested_cache_fill(msim_tlb *t, const msim_tlb_ctx *ctx,
				     const struct msim_nested *n,
				     const msim_walk_result *res);

/**
 * Install the NTLB / nested PSC as the lookup hooks of `n` (n->hooks);
 * `ctx` must stay valid while n is used for walks.
 */
MSIM_API void msim_nested_cache_hooks(msim_tlb *t, const msim_tlb_ctx *ctx,
				      struct msim_nested *n);

/* ------------------------------------------------------------ invalidation */

/** What the CPU executed. Operands in msim_inv.a[] as listed. */
typedef enum msim_inv_kind {
	MSIM_INV_MOV_CR3 = 0,  /**< a0 = source value (bit 63 = no-flush with PCIDE) */
	MSIM_INV_MOV_CR4 = 1,  /**< a0 = old CR4, a1 = new CR4 */
	MSIM_INV_MOV_CR0 = 2,  /**< a0 = old CR0, a1 = new CR0 */
	MSIM_INV_WRMSR_EFER = 3,/**< a0 = old EFER, a1 = new EFER */
	MSIM_INV_INVLPG = 4,   /**< a0 = la */
	MSIM_INV_INVPCID = 5,  /**< a0 = type 0..3, a1 = pcid, a2 = la */
	MSIM_INV_INVVPID = 6,  /**< a0 = type 0..3, a1 = vpid, a2 = la */
	MSIM_INV_INVEPT = 7,   /**< a0 = type 1 (single) / 2 (all), a1 = eptp */
	MSIM_INV_VMENTRY = 8,  /**< a0 = "enable VPID" control of the entry */
	MSIM_INV_VMEXIT = 9,   /**< a0 = "enable VPID" of the exiting guest */
	MSIM_INV_TLB_CONTROL = 10, /**< AMD VMRUN: a0 = TLB_CONTROL 0/1/3/7, a1 = ASID */
	MSIM_INV_INVLPGA = 11, /**< AMD: a0 = la, a1 = ASID */
	MSIM_INV_PF = 12,      /**< #PF delivered for a0 = la */
	MSIM_INV_EPT_VIOLATION = 13, /**< a0 = gpa, a1 = la, a2 = la valid */
	MSIM_INV_ALL = 14,     /**< everything (reset, INIT) */
	MSIM_INV_COUNT_
} msim_inv_kind;

typedef struct msim_inv {
	msim_inv_kind kind;
	uint64_t a[3];
} msim_inv;

/** What an invalidation removed (for statistics and tests). */
typedef struct msim_inv_result {
	unsigned tlb;    /**< TLB entries removed (all levels) */
	unsigned psc;    /**< PSC entries removed */
	unsigned nested; /**< NTLB + nested PSC entries removed */
} msim_inv_result;

/**
 * Apply operation `op` executed under `ctx` (the context before the
 * operation, e.g. the PCID for MOV CR3 comes from the new value a0[11:0]).
 * Operand validity (#GP / VMfail) is the caller's job, and so is skipping
 * INVLPG of a non-canonical LA (architecturally a no-op); an unknown kind
 * or type gives MSIM_EINVAL. `res` may be NULL.
 *
 * Scope (minimum of SDM Vol. 3A 4.10.4.1; AMD APM Vol. 2 15.16, what the model removes): native
 * operations act on linear and combined mappings of ctx->vpid, every
 * EP4TA; INVEPT on combined and guest-physical entries of one / every
 * EP4TA; INVVPID never on guest-physical entries; VM entry/exit with
 * "enable VPID" = 0 on VPID 0; TLB_CONTROL 3/7 also drops the nested
 * caches (over-flush, allowed); WRMSR EFER changing NXE flushes the
 * current VPID (not stated by the SDM; XD reserved-ness changes).
 * With cfg.eager every operation except the no-ops (MOV CR3 with bit 63
 * under PCIDE, writes that change nothing, VM transitions with VPID,
 * TLB_CONTROL 0) flushes everything.
 */
MSIM_API int msim_tlb_invalidate(msim_tlb *t, const msim_tlb_ctx *ctx,
				 const msim_inv *op, msim_inv_result *res);

/** "mov_cr3", "invlpg", ... (NULL for an unknown kind). */
MSIM_API const char *msim_inv_kind_name(msim_inv_kind kind);

/* ------------------------------------------------------------ inspection */

/** Which arrays msim_tlb_count() counts. */
typedef enum msim_tlb_part {
	MSIM_TLBP_L1D = 0, MSIM_TLBP_L1I = 1, MSIM_TLBP_STLB = 2,
	MSIM_TLBP_PSC = 3, MSIM_TLBP_NTLB = 4, MSIM_TLBP_NPSC = 5,
} msim_tlb_part;

/** Number of valid entries in a part (all page sizes / levels). */
MSIM_API unsigned msim_tlb_count(const msim_tlb *t, msim_tlb_part part);

#ifdef __cplusplus
}
#endif
#endif
