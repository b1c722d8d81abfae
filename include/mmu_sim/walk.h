/*
 * mmu-sim: the architectural guest page walker and register checks.
 *
 * One walker, parameterised by paging mode (none, 32-bit, PAE, 4-level,
 * 5-level), implementing SDM Vol. 3A chapter 4 (4.1-4.8). The same
 * walker runs two-dimensionally when a nested (EPT/NPT) configuration is
 * given (see ept.h): every guest paging-structure reference and the final
 * gpa then go through the second level.
 *
 * Nothing here allocates; a walk result is a fixed-size struct owned by the
 * caller. Architectural faults (#PF, #GP, EPT violation, ...) are results,
 * not errors: the functions return 0 and describe the fault in the result.
 * A negative MSIM_E* is returned only for invalid arguments or a failing
 * memory write.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_WALK_H
#define MMU_SIM_WALK_H

#include "mmu_sim/common.h"
#include "mmu_sim/gmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ CPU model */

/** CPU vendor: selects vendor-specific rules (AMD bit-8 rule AMD APM Vol. 2 5.3, NPT). */
typedef enum msim_vendor {
	MSIM_VENDOR_INTEL = 0,
	MSIM_VENDOR_AMD = 1,
} msim_vendor;

/**
 * CPU features that change translation (CPUID bits and VMX capabilities).
 * Fill with MSIM_CPU_FEATURES_INIT, then adjust.
 */
typedef struct msim_cpu_features {
	unsigned maxphyaddr; /**< M = CPUID.80000008H:EAX[7:0], 32..52 */
	msim_vendor vendor;
	bool nx;        /**< EFER.NXE may be set (CPUID.80000001H:EDX[20]) */
	bool pse36;     /**< PSE-36: 4-MB pages map PA bits above 31 (SDM Vol. 3A 4.3, Tables 4-4..4-6) */
	bool gbpages;   /**< 1-GB pages (CPUID.80000001H:EDX[26], SDM Vol. 3A 4.5, Tables 4-15..4-20) */
	bool la57;      /**< 5-level paging (CR4.LA57 settable) */
	bool smep;      /**< CR4.SMEP settable */
	bool smap;      /**< CR4.SMAP settable */
	bool pke;       /**< CR4.PKE settable (PKRU) */
	bool pks;       /**< CR4.PKS settable (IA32_PKRS) */
	bool pcid;      /**< CR4.PCIDE settable */
	bool pge;       /**< CR4.PGE settable */
	bool cet;       /**< CR4.CET settable, shadow-stack accesses */
	/* VMX EPT capabilities (IA32_VMX_EPT_VPID_CAP, SDM Vol. 3D A.10) */
	bool ept_exec_only; /**< cap bit 0: execute-only EPT entries */
	bool ept_4level;    /**< cap bit 6 */
	bool ept_5level;    /**< cap bit 7 */
	bool ept_uc;        /**< cap bit 8: EPTP memory type UC */
	bool ept_wb;        /**< cap bit 14: EPTP memory type WB */
	bool ept_2m;        /**< cap bit 16 */
	bool ept_1g;        /**< cap bit 17 */
	bool ept_ad;        /**< cap bit 21: EPTP[6] A/D flags */
	bool ept_mbec;      /**< mode-based execute control available */
	bool ept_sss;       /**< EPTP[7] supervisor shadow-stack control */
	bool ept_adv_info;  /**< cap bit 22: exit-qualification bits 9-11 */
} msim_cpu_features;

/** A modern Intel core: M=46, everything but LA57/PKS/CET, full EPT. */
#define MSIM_CPU_FEATURES_INIT                                                 \
	{ .maxphyaddr = 46, .vendor = MSIM_VENDOR_INTEL, .nx = true,           \
	  .pse36 = true, .gbpages = true, .la57 = false, .smep = true,         \
	  .smap = true, .pke = true, .pks = false, .pcid = true, .pge = true,  \
	  .cet = false, .ept_exec_only = true, .ept_4level = true,             \
	  .ept_5level = false, .ept_uc = true, .ept_wb = true, .ept_2m = true, \
	  .ept_1g = true, .ept_ad = true, .ept_mbec = false, .ept_sss = false, \
	  .ept_adv_info = false }

/* ------------------------------------------------------------ registers */

/* Control-register bits used by the walker (SDM Vol. 3A 4.1.1 table). */
#define MSIM_CR0_PE (1ULL << 0)
#define MSIM_CR0_NW (1ULL << 29)
#define MSIM_CR0_CD (1ULL << 30)
#define MSIM_CR0_WP (1ULL << 16)
#define MSIM_CR0_PG (1ULL << 31)
#define MSIM_CR4_PSE (1ULL << 4)
#define MSIM_CR4_PAE (1ULL << 5)
#define MSIM_CR4_PGE (1ULL << 7)
#define MSIM_CR4_LA57 (1ULL << 12)
#define MSIM_CR4_PCIDE (1ULL << 17)
#define MSIM_CR4_SMEP (1ULL << 20)
#define MSIM_CR4_SMAP (1ULL << 21)
#define MSIM_CR4_PKE (1ULL << 22)
#define MSIM_CR4_CET (1ULL << 23)
#define MSIM_CR4_PKS (1ULL << 24)
#define MSIM_EFER_LME (1ULL << 8)
#define MSIM_EFER_LMA (1ULL << 10)
#define MSIM_EFER_NXE (1ULL << 11)
#define MSIM_RFLAGS_AC (1ULL << 18)

/** Paging-entry bits (64-bit and 32-bit formats share the low ones). */
#define MSIM_PTE_P (1ULL << 0)
#define MSIM_PTE_RW (1ULL << 1)
#define MSIM_PTE_US (1ULL << 2)
#define MSIM_PTE_PWT (1ULL << 3)
#define MSIM_PTE_PCD (1ULL << 4)
#define MSIM_PTE_A (1ULL << 5)
#define MSIM_PTE_D (1ULL << 6)
#define MSIM_PTE_PS (1ULL << 7)
#define MSIM_PTE_G (1ULL << 8)
#define MSIM_PTE_XD (1ULL << 63)

/**
 * The architectural register state a walk depends on (one vCPU).
 * pdpte[] are the PAE PDPTE registers (SDM Vol. 3A 4.4.1); load them with
 * msim_pae_load_pdptes() or through msim_arch_mov_cr().
 */
typedef struct msim_paging_regs {
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint32_t pkru;      /**< PKRU (user-page keys) */
	uint32_t pkrs;      /**< IA32_PKRS (supervisor-page keys) */
	uint64_t pdpte[4];  /**< PAE PDPTE registers */
	uint8_t cpl;        /**< current privilege level 0..3 (for callers:
			         the walker takes the mode from MSIM_WACC_USER) */
	bool cs_l;          /**< executing 64-bit code (CS.L=1): clearing
			         CR0.PG then #GPs (SDM Vol. 3A 4.1.1, 2.5) */
} msim_paging_regs;

/** Reset state: paging off, CR0=0x60000010 (CD|NW|ET), everything else 0. */
#define MSIM_PAGING_REGS_INIT                                                  \
	{ 0x60000010ULL, 0, 0, 0, 2, 0, 0, { 0, 0, 0, 0 }, 0, false }

/** Paging mode (SDM Vol. 3A 4.1.1). Values are the number of levels (PAE: 3). */
typedef enum msim_paging_mode {
	MSIM_PAGING_NONE = 0,
	MSIM_PAGING_32 = 2,
	MSIM_PAGING_PAE = 3,
	MSIM_PAGING_4 = 4,
	MSIM_PAGING_5 = 5,
} msim_paging_mode;

/** Paging mode selected by CR0.PG, CR4.PAE, EFER.LMA, CR4.LA57 (SDM Vol. 3A 4.1.1). */
MSIM_API msim_paging_mode msim_paging_mode_of(const msim_paging_regs *regs);

/** "none", "32bit", "pae", "4level", "5level". */
MSIM_API const char *msim_paging_mode_name(msim_paging_mode mode);

/* ------------------------------------------------------------ accesses */

/**
 * Access descriptor: a bitmask. Bits 0/1 equal msim_access_type (event.h)
 * so `type | (cpl == 3 ? MSIM_WACC_USER : 0)` is a valid access.
 * A read is neither WRITE nor FETCH; RMW counts as WRITE.
 */
#define MSIM_WACC_WRITE 0x01u    /**< data write (incl. read-modify-write) */
#define MSIM_WACC_FETCH 0x02u    /**< instruction fetch */
#define MSIM_WACC_USER 0x04u     /**< user-mode access (CPL=3, not implicit) */
#define MSIM_WACC_IMPLICIT 0x08u /**< implicit supervisor access (SDM Vol. 3A 4.6.1) */
#define MSIM_WACC_SHSTK 0x10u    /**< shadow-stack access (SDM Vol. 3A 4.6.2) */

/* ------------------------------------------------------------ faults */

/** What went wrong in a walk (or nothing). */
typedef enum msim_fault_kind {
	MSIM_FAULT_NONE = 0,
	MSIM_FAULT_PF = 1,           /**< guest #PF: pf_ec, cr2 */
	MSIM_FAULT_GP = 2,           /**< #GP(0) (non-canonical, PDPTE load) */
	MSIM_FAULT_EPT_VIOLATION = 3,/**< exit reason 48: exit_qual, gpa, gla */
	MSIM_FAULT_EPT_MISCONFIG = 4,/**< exit reason 49: gpa */
	MSIM_FAULT_NPF = 5,          /**< AMD #NPF: exitinfo1, exitinfo2 */
} msim_fault_kind;

/** #PF error-code bits (SDM Vol. 3A 4.7). */
#define MSIM_PFEC_P (1u << 0)
#define MSIM_PFEC_W (1u << 1)
#define MSIM_PFEC_U (1u << 2)
#define MSIM_PFEC_RSVD (1u << 3)
#define MSIM_PFEC_ID (1u << 4)
#define MSIM_PFEC_PK (1u << 5)
#define MSIM_PFEC_SS (1u << 6)

/** A fault, as the CPU would report it. Fields not used by `kind` are 0. */
typedef struct msim_fault {
	msim_fault_kind kind;
	uint32_t pf_ec;     /**< #PF error code (SDM Vol. 3A 4.7) */
	uint64_t cr2;       /**< #PF: faulting linear address (SDM Vol. 3A 4.7) */
	uint64_t exit_qual; /**< EPT violation exit qualification (SDM Vol. 3C 27.2.1, Table 27-7) */
	uint64_t gpa;       /**< EPT violation/misconfig: guest-physical address */
	uint64_t gla;       /**< EPT violation: guest-linear address (if bit 7) */
	uint64_t exitinfo1; /**< #NPF EXITINFO1 (AMD APM Vol. 2 15.25.6) */
	uint64_t exitinfo2; /**< #NPF EXITINFO2: faulting gpa */
	uint8_t level;      /**< level of the failing entry (0: rights/none) */
	uint8_t dim;        /**< 0: guest dimension, 1: nested dimension */
} msim_fault;

/* ------------------------------------------------------------ rights */

/**
 * Effective rights of a translation, as a TLB caches them (SDM Vol. 3A 4.10.2-4.10.3; SDM Vol. 3A 4.6.2).
 * For the nested dimension `ept` holds the AND of EPT bits R(0) W(1) X(2)
 * and XU(bit 3 here = EPT bit 10 with MBEC); for NPT the nested rights are
 * folded in as npt_rw/npt_us/npt_xd.
 */
typedef struct msim_rights {
	uint8_t rw;      /**< AND of R/W over the guest walk */
	uint8_t us;      /**< AND of U/S (1 = user-mode address) */
	uint8_t xd;      /**< OR of XD (only with EFER.NXE=1) */
	uint8_t pk;      /**< protection key of the leaf (0 if keys unused) */
	uint8_t dirty;   /**< D of the leaf (after the walk's own update) */
	uint8_t shstk;   /**< leaf R/W=0, D=1 and every non-leaf R/W=1 (SDM Vol. 3A 4.6.2) */
	uint8_t nested;  /**< 0: none, 1: EPT bits valid, 2: NPT bits valid */
	uint8_t ept;     /**< EPT R|W<<1|X<<2|XU<<3 (AND over the EPT walk) */
	uint8_t npt_rw, npt_us, npt_xd; /**< NPT AND/AND/OR over nested walk */
} msim_rights;

/**
 * Guest (stage-1) rights check of SDM Vol. 3A 4.6.1 at use time (SDM Vol. 3A 4.6.2): given the
 * cached rights of a translation, the current registers and an access,
 * return the #PF error code (P, W, U, I/D, PK, SS; always has P set) or 0
 * if the access is allowed. Only rw/us/xd/pk/shstk of `r` are used.
 * Nested rights are checked separately (msim_nested_rights_check, ept.h).
 */
MSIM_API uint32_t msim_rights_check(const msim_rights *r,
				    const msim_paging_regs *regs,
				    unsigned access);

/* ------------------------------------------------------------ walk result */

#define MSIM_WALK_MAX_REFS 160   /**< > 35 reads + every A/D write, 5-on-5 */
#define MSIM_WALK_MAX_LEVELS 6   /**< index 1..5 used; 0 unused */

/** Kinds of memory reference a walk makes. */
typedef enum msim_ref_kind {
	MSIM_REF_READ = 0,     /**< read of a paging-structure entry */
	MSIM_REF_AD_WRITE = 1, /**< locked RMW setting A and/or D (SDM Vol. 3A 4.8) */
	MSIM_REF_PDPTE = 2,    /**< PAE PDPTE read (register load or on demand) */
} msim_ref_kind;

/**
 * One memory reference, in architectural order. `addr` is the address
 * actually touched: for a native walk a (guest-)physical address, in a 2D
 * walk an hpa (guest entries after nested translation, nested entries).
 */
typedef struct msim_walk_ref {
	uint64_t addr;
	uint8_t level; /**< level of the entry (5..1; PAE PDPTE = 3) */
	uint8_t kind;  /**< msim_ref_kind */
	uint8_t dim;   /**< 0: guest entry, 1: nested (EPT/NPT) entry */
	uint8_t size;  /**< 4 or 8 bytes */
} msim_walk_ref;

/** A guest entry used by the walk (one per guest level). */
typedef struct msim_walk_entry {
	uint64_t gpa;   /**< (guest-)physical address of the entry */
	uint64_t hpa;   /**< 2D: hpa of the entry; native: = gpa */
	uint64_t value; /**< value read (before the walk's A/D update) */
	msim_rights acc;/**< rights accumulated down to and incl. this entry */
	bool valid;     /**< entry was read and passed P/reserved checks */
} msim_walk_entry;

/** Result of one walk. Fixed size; nothing is allocated. */
typedef struct msim_walk_result {
	msim_fault fault;      /**< kind NONE on success */
	uint64_t pa;           /**< final gpa (native) or hpa (2D) */
	uint64_t gpa;          /**< final gpa (= pa for native walks) */
	uint64_t page_size;    /**< guest page size: 4K, 2M, 4M, 1G */
	uint64_t nested_page_size; /**< 2D: nested page size of the data gpa */
	msim_rights rights;    /**< effective rights (guest, + nested in 2D) */
	msim_paging_mode mode;
	uint8_t leaf_level;    /**< 1 (4K), 2 (2M/4M), 3 (1G) */
	uint8_t start_level;   /**< level the guest walk started at */
	uint8_t pat;           /**< PAT index 4*PAT+2*PCD+PWT of the leaf (SDM Vol. 3A 11.12.3) */
	uint64_t leaf_gpa;     /**< address of the leaf entry (for D updates) */
	/**
	 * Guest entries by level (index = level); valid ones feed the PWC.
	 * gpa/hpa/value are written for every level the walk read (incl. a
	 * failing one: fault.level with fault.dim 0); other levels keep
	 * unspecified old contents -- only `valid` is reset per walk.
	 */
	msim_walk_entry entries[MSIM_WALK_MAX_LEVELS];
	unsigned nrefs;        /**< number of refs[] used */
	unsigned nreads;       /**< reads among them (guest + nested) */
	unsigned nad_writes;   /**< A/D writes among them */
	msim_walk_ref refs[MSIM_WALK_MAX_REFS];
} msim_walk_result;

/* ------------------------------------------------------------ walk input */

/**
 * Start point below a cached level (SDM Vol. 3A 4.10.2-4.10.3), e.g. a paging-structure-cache
 * hit: the walk reads the entry of `level` in the table at `table` and
 * continues down, with `rights` already accumulated above. level 0 = walk
 * from the root. In a 2D walk `table_hpa` (if table_hpa_valid) skips the
 * nested walk of that table too (combined PSC, SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5); rights.nested and
 * rights.ept then describe the nested rights of that table's page, used
 * if the walk must write a guest A/D flag into it (nested == 0: assumed
 * writable). The same struct serves as a nested-PSC start (ept.h hooks):
 * there `table` is the hpa of the EPT/NPT table and the rights are those
 * accumulated above it (EPT: rights.nested = 1 and rights.ept; NPT:
 * rights.rw/us/xd).
 */
typedef struct msim_walk_start {
	unsigned level;
	uint64_t table;      /**< gpa of the table holding the level's entry */
	uint64_t table_hpa;
	bool table_hpa_valid;
	msim_rights rights;  /**< rw/us/xd accumulated over skipped levels */
} msim_walk_start;

/** SDM Vol. 3A 4.8 policy for non-leaf A flags when the walk ends in a fault. */
typedef enum msim_ad_policy {
	MSIM_AD_ON_SUCCESS = 0, /**< default: all A/D only after success (KVM, Bochs) */
	MSIM_AD_AS_YOU_GO = 1,  /**< set A level by level while walking (QEMU) */
} msim_ad_policy;

/** SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 policy: guest A/D writes before or after the final nested walk. */
typedef enum msim_ad_order {
	MSIM_AD_AFTER_FINAL = 0,  /**< default: final gpa first, then A/D (KVM) */
	MSIM_AD_BEFORE_FINAL = 1, /**< A/D writes, then the final gpa (Bochs) */
} msim_ad_order;

struct msim_nested; /* ept.h */

/** Walk options. MSIM_WALK_OPTS_INIT gives the defaults. */
typedef struct msim_walk_opts {
	msim_ad_policy ad_policy;
	msim_ad_order ad_order;
	bool no_ad;          /**< never write A/D (e.g. KVM's gva_to_gpa probes) */
	bool reference;      /**< reference mode: ignore `start` (never cached) */
	const msim_walk_start *start; /**< optional PSC start point */
	const struct msim_nested *nested; /**< non-NULL: 2D walk (ept.h) */
} msim_walk_opts;

#define MSIM_WALK_OPTS_INIT                                                    \
	{ MSIM_AD_ON_SUCCESS, MSIM_AD_AFTER_FINAL, false, false, NULL, NULL }

/**
 * Translate linear address `la` for `access` (MSIM_WACC_*), with the paging
 * mode given by `regs`, reading (and A/D-updating) paging structures in
 * `mem` (guest-physical memory). opts may be NULL for defaults.
 * On return res->fault.kind says whether it faulted; res lists the entries
 * read and the references made. Returns 0, or a negative MSIM_E* for bad
 * arguments or a failing memory write.
 * Outside long mode `la` is truncated to 32 bits (SDM Vol. 3A 4.1.1); in long mode it
 * is used as given (pass a zero-extended 32-bit address in compatibility
 * mode) and must be canonical (SDM Vol. 1 3.3.7.1).
 */
MSIM_API int msim_walk(msim_gmem *mem, const msim_cpu_features *cpu,
		       const msim_paging_regs *regs, const msim_walk_opts *opts,
		       uint64_t la, unsigned access, msim_walk_result *res);

/** True iff `la` is canonical for the mode (SDM Vol. 1 3.3.7.1); always true outside 4/5-level. */
MSIM_API bool msim_la_canonical(msim_paging_mode mode, uint64_t la);

/** Reference-count formula n*(m+1)+m of SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 (documentation aid only). */
MSIM_API unsigned msim_walk_2d_ref_formula(unsigned n, unsigned m);

/* ------------------------------------------------------------ registers */

/** Result of an architectural register write check. */
typedef struct msim_arch_result {
	bool gp;              /**< the write raises #GP(0); regs unchanged */
	bool pdptes_loaded;   /**< PAE PDPTE registers were (re)loaded */
	uint64_t changed;     /**< old ^ new value of the written register */
	const char *why;      /**< short reason for #GP (static string) */
} msim_arch_result;

/** Which register msim_arch_write() writes. */
typedef enum msim_arch_reg {
	MSIM_REG_CR0 = 0,
	MSIM_REG_CR3 = 3,
	MSIM_REG_CR4 = 4,
	MSIM_REG_EFER = 8,
} msim_arch_reg;

/**
 * Architectural MOV to CR0/CR3/CR4 or WRMSR EFER (SDM Vol. 3A 4.1.1; SDM Vol. 3A 4.1.1, 2.5; SDM Vol. 3A 4.10.1; SDM Vol. 3A 4.4.1,
 * SDM Vol. 3A 4.4.1): validates `val` against the current `regs` and `cpu`; on #GP
 * sets out->gp and leaves regs unchanged; otherwise updates regs (EFER.LMA
 * derivation, CR3 bit 63 dropped with PCIDE, PAE PDPTE reload from `mem`
 * when PAE paging is (or stays) active). `mem` may be NULL if PAE paging is
 * never used. Returns 0 or a negative MSIM_E* for bad arguments.
 */
MSIM_API int msim_arch_write(const msim_cpu_features *cpu,
			     msim_paging_regs *regs, msim_arch_reg reg,
			     uint64_t val, const msim_gmem *mem,
			     msim_arch_result *out);

/**
 * Load the four PAE PDPTE registers from the 32-byte PDPT at cr3[31:5]
 * (SDM Vol. 3A 4.4.1). Sets *gp (and leaves pdpte[] untouched) if a present PDPTE has
 * a reserved bit (SDM Vol. 3A 4.4.1, Table 4-8; SDM Vol. 3A 4.4.1). Returns 0 or a negative MSIM_E*.
 */
MSIM_API int msim_pae_load_pdptes(const msim_cpu_features *cpu,
				  const msim_gmem *mem, uint64_t cr3,
				  uint64_t pdpte[4], bool *gp);

/** Reserved-bit mask of a PAE PDPTE for MAXPHYADDR m (SDM Vol. 3A 4.4.1, Table 4-8). */
MSIM_API uint64_t msim_pae_pdpte_rsvd(unsigned maxphyaddr);

#ifdef __cplusplus
}
#endif
#endif
