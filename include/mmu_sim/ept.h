/*
 * mmu-sim: second-level translation (Intel EPT, AMD NPT) and 2D walks.
 *
 * A msim_nested describes the second level a guest runs under: the EPTP
 * (or nCR3 + host paging state for NPT) and the host memory that holds the
 * EPT/NPT tables. Pass it in msim_walk_opts.nested to make msim_walk() a
 * two-dimensional walk (SDM Vol. 3C 28.2.1), or call msim_nested_walk() to translate one
 * gpa (what KVM's TDP code and the hardware's guest-physical TLB need).
 *
 * Rules: EPT SDM Vol. 3C 28.2, NPT AMD APM Vol. 2 15.25, 2D walks both.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_EPT_H
#define MMU_SIM_EPT_H

#include "mmu_sim/walk.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Second-level translation kind. */
typedef enum msim_nested_kind {
	MSIM_NESTED_EPT = 1,
	MSIM_NESTED_NPT = 2,
} msim_nested_kind;

/* EPT entry bits (SDM Vol. 3C 28.2.2, Tables 28-1..28-6). */
#define MSIM_EPT_R (1ULL << 0)
#define MSIM_EPT_W (1ULL << 1)
#define MSIM_EPT_X (1ULL << 2)
#define MSIM_EPT_MT_SHIFT 3
#define MSIM_EPT_IPAT (1ULL << 6)
#define MSIM_EPT_PS (1ULL << 7)
#define MSIM_EPT_A (1ULL << 8)
#define MSIM_EPT_D (1ULL << 9)
#define MSIM_EPT_XU (1ULL << 10)

/* EPTP fields (SDM Vol. 3C 24.6.11). */
#define MSIM_EPTP_MT_UC 0ULL
#define MSIM_EPTP_MT_WB 6ULL
#define MSIM_EPTP_LEVELS(n) ((uint64_t)((n)-1) << 3)
#define MSIM_EPTP_AD (1ULL << 6)
#define MSIM_EPTP_SSS (1ULL << 7)

/* EPT-violation exit qualification bits (SDM Vol. 3C 27.2.1, Table 27-7). */
#define MSIM_EPTQ_RD (1ULL << 0)
#define MSIM_EPTQ_WR (1ULL << 1)
#define MSIM_EPTQ_FETCH (1ULL << 2)
#define MSIM_EPTQ_PERM_RD (1ULL << 3)
#define MSIM_EPTQ_PERM_WR (1ULL << 4)
#define MSIM_EPTQ_PERM_EX (1ULL << 5)
#define MSIM_EPTQ_PERM_UX (1ULL << 6)
#define MSIM_EPTQ_LADDR_VLD (1ULL << 7)
#define MSIM_EPTQ_PADDR (1ULL << 8)
#define MSIM_EPTQ_USER (1ULL << 9)
#define MSIM_EPTQ_LA_WR (1ULL << 10)
#define MSIM_EPTQ_LA_XD (1ULL << 11)
#define MSIM_EPTQ_SHSTK (1ULL << 13)

/* #NPF EXITINFO1 high bits (AMD APM Vol. 2 15.25.6). */
#define MSIM_NPF_FINAL (1ULL << 32) /**< fault translating the final gpa */
#define MSIM_NPF_GPT (1ULL << 33)   /**< fault translating a guest PT access */

/* Extra access flags for msim_nested_walk (besides MSIM_WACC_*). */
#define MSIM_WACC_GPT 0x20u    /**< access to a guest paging-structure entry */
#define MSIM_WACC_NO_GLA 0x40u /**< no linear address (PAE PDPTE load): qual bit 7=0 */
#define MSIM_WACC_RMW 0x80u    /**< the write is a read-modify-write (with WRITE) */

/**
 * Optional nested-dimension caches (guest-physical TLB / NTLB and nested
 * PSC, SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5). Either callback may be NULL. They are not called in
 * reference mode (msim_walk_opts.reference).
 */
typedef struct msim_nested_xlat {
	uint64_t hpa;       /**< hpa of the gpa asked for (full address) */
	uint64_t page_size; /**< nested page size of the mapping */
	msim_rights rights; /**< nested rights (ept / npt_* fields) */
} msim_nested_xlat;

typedef struct msim_nested_hooks {
	void *ctx;
	/** Whole gpa->hpa translation cached: return true and fill *out. */
	bool (*ntlb_lookup)(void *ctx, uint64_t gpa, msim_nested_xlat *out);
	/** Nested PSC: fill *start (level != 0) to start the nested walk low. */
	bool (*npsc_lookup)(void *ctx, uint64_t gpa, msim_walk_start *start);
} msim_nested_hooks;

/**
 * A second-level configuration. Fill with MSIM_NESTED_INIT.
 *
 * Memory model: EPT/NPT tables are read (and A/D-updated) in `mem`, by hpa.
 * Guest paging-structure entries are read from the walk's own memory at
 * their gpa (default; the simulator keeps guest memory gpa-indexed) or, if
 * guest_by_hpa, from `mem` at the translated hpa (one host memory). The
 * reference list always records the hpa.
 */
typedef struct msim_nested {
	msim_nested_kind kind;
	msim_gmem *mem;        /**< host memory holding the EPT/NPT tables */
	bool guest_by_hpa;
	/* EPT */
	uint64_t eptp;         /**< EPT pointer (SDM Vol. 3C 24.6.11) */
	bool mbec;             /**< mode-based execute control enabled */
	/* NPT: host state captured at VMRUN (AMD APM Vol. 2 15.25) */
	uint64_t ncr3;         /**< nested CR3 */
	uint64_t host_cr4;     /**< host CR4 (PAE, LA57, PSE, SMEP) */
	uint64_t host_efer;    /**< host EFER (LMA, NXE) */
	msim_nested_hooks hooks;
	/** SDM Vol. 3C 27.2.1, Table 27-7 knob: an EPT violation on an RMW (MSIM_WACC_RMW) also sets
	 *  qualification bit 0 (implementation-specific; default off) */
	bool rmw_read_bit;
} msim_nested;

#define MSIM_NESTED_INIT                                                       \
	{ .kind = MSIM_NESTED_EPT, .mem = NULL, .guest_by_hpa = false,         \
	  .eptp = 0, .mbec = false, .ncr3 = 0,                                 \
	  .host_cr4 = MSIM_CR4_PAE, .host_efer = MSIM_EFER_LME | MSIM_EFER_LMA \
	  | MSIM_EFER_NXE, .hooks = { NULL, NULL, NULL }, .rmw_read_bit = false }

/**
 * Check an EPTP against the VMX capabilities in `cpu` (SDM Vol. 3C 24.6.11). Returns true
 * if VM entry would accept it.
 */
MSIM_API bool msim_eptp_valid(const msim_cpu_features *cpu, uint64_t eptp);

/** Number of EPT levels an EPTP selects (4 or 5), 0 if invalid. */
MSIM_API unsigned msim_eptp_levels(uint64_t eptp);

/**
 * Translate one gpa through the second level (EPT or NPT) for `access`
 * (MSIM_WACC_* incl. MSIM_WACC_GPT / MSIM_WACC_NO_GLA; for EPT,
 * MSIM_WACC_USER selects the MBEC user-execute bit). `gla` and `la_rights`
 * (may be NULL) fill the EPT exit qualification's linear-address fields.
 * res->pa is the hpa; res->refs lists the nested entries read (dim 1) and
 * A/D writes; res->fault is EPT violation / misconfig / #NPF.
 * Returns 0 or a negative MSIM_E*.
 */
MSIM_API int msim_nested_walk(const msim_nested *n,
			      const msim_cpu_features *cpu, uint64_t gpa,
			      unsigned access, uint64_t gla,
			      const msim_rights *la_rights,
			      msim_walk_result *res);

/**
 * Use-time nested rights check for a cached combined translation (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5):
 * true iff the nested rights in `r` (r->nested != 0) allow `access`.
 * With r->nested == 0 always true. MBEC uses r->us for user addresses.
 */
MSIM_API bool msim_nested_rights_ok(const msim_rights *r, unsigned access,
				    bool mbec);

#ifdef __cplusplus
}
#endif
#endif
