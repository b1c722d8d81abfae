/*
 * mmu-sim: the KVM x86 MMU model (roles, root cache, shadow MMU, TDP MMU,
 * nested contexts, flush requests) and its policies / kernel presets.
 *
 * Sources: the kernel functions and commits cited at each rule, and the
 * mailing-list threads behind each policy knob.
 * The model itself is driven by the machine through lib/kvm_hooks.h; this
 * header holds what users and tools see: the options (a kernel era, an MMU
 * kind, a reset policy, the size of prev_roots ...), their string form
 * ("preset=5.18,mmu=tdp-mmu,policy=keep-roots,prev_roots=7"), and the role
 * computations, which are pure functions and useful on their own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_KVM_H
#define MMU_SIM_KVM_H

#include "mmu_sim/common.h"
#include "mmu_sim/ept.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest prev_roots size accepted (Sean suggested ~16 in Oct 2024). */
#define MSIM_KVM_MAX_PREV_ROOTS 16

/** Which MMU implementation KVM uses. */
typedef enum msim_kvm_mmu_kind {
	MSIM_KVM_MMU_SHADOW = 0,     /**< tdp_enabled = false (no EPT/NPT) */
	MSIM_KVM_MMU_LEGACY_TDP = 1, /**< EPT/NPT, direct pages in the shadow hash */
	MSIM_KVM_MMU_TDP_MMU = 2,    /**< EPT/NPT through tdp_mmu.c */
} msim_kvm_mmu_kind;

/** What kvm_mmu_reset_context does with the cached roots. */
typedef enum msim_kvm_reset_policy {
	MSIM_KVM_POLICY_UNLOAD = 0,     /**< upstream: unload every root (kvm_mmu_unload()) */
	MSIM_KVM_POLICY_KEEP_ROOTS = 1, /**< Paolo Feb 2022: init + new_pgd(cr3) */
	MSIM_KVM_POLICY_PER_CALLER = 2, /**< Sean Christopherson's per-caller proposal (reply to Paolo Bonzini, Feb 17 2022): only CR0/CR4 paths keep roots */
} msim_kvm_reset_policy;

/** How a zap's remote TLB flushes are issued (Ben Gardon, "[RFC 02/19] KVM: x86/mmu: Batch TLB flushes for a single zap" (Nov 2021)). */
typedef enum msim_kvm_zap_flush {
	MSIM_KVM_ZAP_BATCHED = 0,   /**< one flush per commit (kvm_mmu_prepare_zap_page()) */
	MSIM_KVM_ZAP_PER_TABLE = 1, /**< one flush per zapped table (pre-batching) */
} msim_kvm_zap_flush;

/** Nested VMX L1<->L2 transition flushes. */
typedef enum msim_kvm_nested_flush {
	MSIM_KVM_NESTED_BY_ERA = 0,      /**< what the kernel era did (nested_has_guest_tlb_tag(), vmx_set_cr3()) */
	MSIM_KVM_NESTED_EVERY_SWITCH = 1,/**< 2018: every root switch flushes ("[PATCH 0/4] KVM: nVMX: VPID optimizations" (Liran Alon, 2018)) */
	MSIM_KVM_NESTED_TAG_BASED = 2,   /**< nested_has_guest_tlb_tag() whatever the era */
} msim_kvm_nested_flush;

/**
 * Model options. `kernel` is major*100+minor (e.g. 510, 518, 604, 618) and
 * selects every era-dependent rule; the other fields are the knobs
 * `mmu-sim compare` varies. MSIM_KVM_OPTS_INIT is kernel 6.18's shadow MMU on
 * an ordinary host; the "6.18-pvm" preset is exactly that plus cpl0_emulated
 * (the kvm_pvm host the traces/kvm recordings come from runs guest ring 0
 * through KVM's emulator). tests/kvm/test_kvm_opts_init.c holds the two to it.
 */
typedef struct msim_kvm_opts {
	unsigned kernel;
	msim_kvm_mmu_kind mmu;
	msim_kvm_reset_policy policy;
	unsigned prev_roots;       /**< KVM_MMU_NUM_PREV_ROOTS, 0..16 (3 upstream) */
	msim_kvm_zap_flush zap_flush;
	msim_kvm_nested_flush nested_flush;
	msim_vendor vendor;        /**< VMX or SVM flavour of the vendor rules */
	bool vpid;                 /**< L0 uses VPID/ASIDs (enable_vpid) */
	bool vpid02;               /**< a vpid02 could be allocated for L2 */
	bool pae_free_early;       /**< the PAE-root / PGD-caching review of Paolo Bonzini's patch (Feb 9 2022): free a PAE root before lookup */
	bool flush_on_reuse;       /**< module param flush_on_reuse (kvm_init_mmu()) */
	bool cpl0_emulated;        /**< PVM: ring-0 guest code runs in KVM's
				        instruction emulator (software walks,
				        no shadow pages); "6.18-pvm" only */
	bool ept_ad;               /**< kvm_ad_enabled() (TDP role ad_disabled) */
	unsigned tdp_level;        /**< 4 or 5: kvm_mmu_get_tdp_level() */
	uint64_t max_mmu_pages;    /**< n_max_mmu_pages; 0 = from memslots (kvm_mmu_zap_oldest_mmu_pages()) */
} msim_kvm_opts;

#define MSIM_KVM_OPTS_INIT                                                     \
	{ .kernel = 618, .mmu = MSIM_KVM_MMU_SHADOW,                           \
	  .policy = MSIM_KVM_POLICY_UNLOAD, .prev_roots = 3,                   \
	  .zap_flush = MSIM_KVM_ZAP_BATCHED,                                   \
	  .nested_flush = MSIM_KVM_NESTED_BY_ERA,                              \
	  .vendor = MSIM_VENDOR_INTEL, .vpid = true, .vpid02 = true,           \
	  .pae_free_early = false, .cpl0_emulated = false,                     \
	  .flush_on_reuse = false, .ept_ad = true, .tdp_level = 4,             \
	  .max_mmu_pages = 0 }

/** NULL-terminated list of preset names ("5.10", "5.18", "6.4", ...). */
MSIM_API const char *const *msim_kvm_preset_names(void);

/** One-line description of preset `name`, NULL if unknown. */
MSIM_API const char *msim_kvm_preset_help(const char *name);

/**
 * Reset *o to preset `name`. MSIM_ENOENT (message lists the presets) if
 * unknown.
 */
MSIM_API int msim_kvm_opts_preset(msim_kvm_opts *o, const char *name);

/**
 * Apply a policy string "key=value,key=value" to *o, left to right; a
 * `preset=` key resets *o first. Keys: preset, kernel (e.g. 5.18 or 518),
 * mmu (shadow|legacy-tdp|tdp-mmu), policy (unload|keep-roots|per-caller),
 * prev_roots (0..16), zap_flush (batched|per-table), nested_flush
 * (era|every-switch|tag), vendor (intel|amd), vpid, vpid02,
 * pae_free_early, flush_on_reuse, cpl0_emulated, ept_ad (0|1), tdp_level
 * (4|5), max_mmu_pages.
 * Unknown keys/values give MSIM_EINVAL, limits MSIM_ERANGE; the message
 * names the key. *o is unchanged on error.
 */
MSIM_API int msim_kvm_opts_parse(msim_kvm_opts *o, const char *str);

/**
 * Canonical string of *o (parseable by msim_kvm_opts_parse) into buf.
 * Returns the length it needs (like snprintf).
 */
MSIM_API int msim_kvm_opts_format(const msim_kvm_opts *o, char *buf,
				  size_t len);

/* ------------------------------------------------------------ roles */

/** union kvm_mmu_page_role, field by field (union kvm_mmu_page_role (kvm_host.h)). */
typedef struct msim_kvm_role {
	uint8_t level;           /**< 0..5 */
	uint8_t has_4_byte_gpte; /**< non-PAE 2-level guest table */
	uint8_t quadrant;        /**< 0..3 */
	uint8_t direct;
	uint8_t access;          /**< U/W/X, 7 for roots */
	uint8_t invalid;
	uint8_t efer_nx;
	uint8_t cr0_wp;
	uint8_t smep_andnot_wp;
	uint8_t smap_andnot_wp;
	uint8_t ad_disabled;
	uint8_t guest_mode;
	uint8_t passthrough;     /**< >= 5.19 only */
	uint8_t smm;             /**< address space id */
} msim_kvm_role;

/** union kvm_mmu_extended_role (union kvm_mmu_extended_role (kvm_host.h), >= 5.18 layout). */
typedef struct msim_kvm_ext_role {
	uint8_t valid, execonly, cr4_pse, cr4_pke, cr4_smap, cr4_smep,
		cr4_la57, efer_lma;
} msim_kvm_ext_role;

/** union kvm_cpu_role: base + extended (mmu_role()). */
typedef struct msim_kvm_cpu_role {
	msim_kvm_role base;
	msim_kvm_ext_role ext;
} msim_kvm_cpu_role;

/**
 * The 32-bit role word in the layout of `kernel`: >= 5.18 has
 * has_4_byte_gpte at bit 4, <= 5.17 its inverse gpte_is_8_bytes (union kvm_mmu_page_role (kvm_host.h));
 * passthrough (bit 18) exists from 5.19.
 */
MSIM_API uint32_t msim_kvm_role_word(const msim_kvm_role *r, unsigned kernel);

/** Decode a role word of `kernel`'s layout. */
MSIM_API void msim_kvm_role_decode(uint32_t word, unsigned kernel,
				   msim_kvm_role *r);

/** 64-bit kvm_cpu_role.as_u64 (base word low, ext word high; mmu_role()). */
MSIM_API uint64_t msim_kvm_cpu_role_u64(const msim_kvm_cpu_role *r,
					unsigned kernel);

/** kvm_calc_cpu_role (kvm_calc_cpu_role()) from CR0/CR4/EFER, SMM, guest mode. */
MSIM_API void msim_kvm_calc_cpu_role(uint64_t cr0, uint64_t cr4,
				     uint64_t efer, bool smm, bool guest_mode,
				     msim_kvm_cpu_role *out);

/**
 * The root role KVM builds for `mmu` in `kernel` given the CPU role:
 * shadow (kvm_init_shadow_mmu(), kvm_calc_shadow_mmu_root_page_role()) or TDP (kvm_calc_tdp_mmu_root_page_role(), kvm_calc_mmu_role_common(); legacy TDP and TDP MMU use the
 * same role). tdp_level and ad_disabled come from the options.
 */
MSIM_API void msim_kvm_calc_root_role(const msim_kvm_opts *o,
				      const msim_kvm_cpu_role *cpu,
				      msim_kvm_role *out);

/**
 * Nested EPT root role (kvm_calc_shadow_ept_root_page_role()): ept_level 4/5 from EPTP12, ad from
 * EPTP12[6], execonly from the EPT capabilities.
 */
MSIM_API void msim_kvm_calc_nested_ept_role(unsigned ept_level, bool ad,
					    bool execonly,
					    msim_kvm_cpu_role *out);

/** CR0 / CR4 / EFER bits whose change resets the MMU in `kernel` (KVM_MMU_CR0_ROLE_BITS (mmu.h), KVM_MMU_EFER_ROLE_BITS (mmu.h)). */
MSIM_API uint64_t msim_kvm_cr0_role_bits(unsigned kernel);
MSIM_API uint64_t msim_kvm_cr4_role_bits(unsigned kernel);
MSIM_API uint64_t msim_kvm_efer_role_bits(unsigned kernel);

#ifdef __cplusplus
}
#endif
#endif
