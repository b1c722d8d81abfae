/*
 * KVM MMU model internals shared by kvm_*.c.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_KVM_INTERNAL_H
#define MSIM_KVM_INTERNAL_H

#include "base/internal.h"
#include "kvm/kvm_hooks.h"

#define KVM_HASH_BITS 12 /* KVM_MMU_HASH_SHIFT (kvm_mmu_get_page()) */
#define KVM_NR_BUCKETS (1u << KVM_HASH_BITS)
#define KVM_SPTES 512
/* host frames for KVM's own pages: above any guest RAM (bit 45) */
#define KVM_HOST_BASE (1ULL << 45)

/* Requests (kvm_host.h names, vcpu_enter_guest() table). */
enum {
	REQ_FREE_OBSOLETE = 1u << 0, /* KVM_REQ_MMU_FREE_OBSOLETE_ROOTS */
	REQ_MMU_RELOAD = 1u << 1,    /* KVM_REQ_MMU_RELOAD (<= 5.17) */
	REQ_MMU_SYNC = 1u << 2,
	REQ_LOAD_PGD = 1u << 3,
	REQ_TLB_FLUSH = 1u << 4,     /* all contexts */
	REQ_FLUSH_CURRENT = 1u << 5,
	REQ_FLUSH_GUEST = 1u << 6,
};

/* Counters: X(id, name, description). cycles.* are cycle accumulators. */
#define KVM_COUNTERS(X)                                                        \
	X(EXIT, "kvm.exit", "VM exits handled by KVM")                         \
	X(RESET, "kvm.reset_context", "kvm_mmu_reset_context calls")           \
	X(INIT_MMU, "kvm.init_mmu", "kvm_init_mmu calls that changed a role")  \
	X(UNLOAD, "kvm.unload", "kvm_mmu_unload calls")                        \
	X(MMU_LOAD, "kvm.mmu_load", "kvm_mmu_load calls (root allocation)")    \
	X(NEW_PGD, "kvm.new_pgd", "kvm_mmu_new_pgd calls")                     \
	X(HIT_CUR, "kvm.root.cache_hit.cur", "lookup matched the current root") \
	X(HIT_PREV, "kvm.root.cache_hit.prev", "lookup hit in prev_roots")     \
	X(MISS, "kvm.root.cache_miss", "prev_roots lookup misses")             \
	X(HIT0, "kvm.root.cache_hit.0", "prev_roots hits at index 0")                \
	X(HIT1, "kvm.root.cache_hit.1", "prev_roots hits at index 1")                \
	X(HIT2, "kvm.root.cache_hit.2", "prev_roots hits at index 2")                \
	X(HIT3, "kvm.root.cache_hit.3", "prev_roots hits at index 3")                \
	X(HIT4, "kvm.root.cache_hit.4", "prev_roots hits at index 4")                \
	X(HIT5, "kvm.root.cache_hit.5", "prev_roots hits at index 5")                \
	X(HIT6, "kvm.root.cache_hit.6", "prev_roots hits at index 6")                \
	X(HIT7, "kvm.root.cache_hit.7", "prev_roots hits at index 7")                \
	X(HIT8, "kvm.root.cache_hit.8", "prev_roots hits at index 8")                \
	X(HIT9, "kvm.root.cache_hit.9", "prev_roots hits at index 9")                \
	X(HIT10, "kvm.root.cache_hit.10", "prev_roots hits at index 10")                \
	X(HIT11, "kvm.root.cache_hit.11", "prev_roots hits at index 11")                \
	X(HIT12, "kvm.root.cache_hit.12", "prev_roots hits at index 12")                \
	X(HIT13, "kvm.root.cache_hit.13", "prev_roots hits at index 13")                \
	X(HIT14, "kvm.root.cache_hit.14", "prev_roots hits at index 14")                \
	X(HIT15, "kvm.root.cache_hit.15", "prev_roots hits at index 15")                \
	X(ROOT_FREED, "kvm.root.freed", "roots dropped from a cache slot")     \
	X(ROOT_CREATED, "kvm.root.created", "roots allocated new")             \
	X(ROOT_FOUND, "kvm.root.found", "roots found in the hash / root list") \
	X(SP_CREATED, "kvm.sp.created", "shadow pages allocated")              \
	X(SP_FOUND, "kvm.sp.hash_hit", "shadow pages found in the hash")       \
	X(SP_ZAPPED, "kvm.sp.zapped", "shadow pages zapped")                   \
	X(SPTE_ZAPPED, "kvm.spte.zapped", "SPTEs zapped")                      \
	X(RECLAIM, "kvm.sp.reclaimed", "pages zapped by reclaim (kvm_mmu_zap_oldest_mmu_pages())")      \
	X(TDP_CREATED, "kvm.tdp.root_created", "TDP MMU roots allocated")      \
	X(TDP_TEARDOWN, "kvm.tdp.tree_teardown", "TDP trees torn down")        \
	X(TDP_FAULT, "kvm.tdp.fault", "EPT/NPT violations handled")            \
	X(SHADOW_FAULT, "kvm.shadow.fault", "shadow page faults handled")      \
	X(GUEST_PF, "kvm.shadow.guest_pf", "#PF reinjected into the guest")    \
	X(SYNC_ROOTS, "kvm.sync_roots", "kvm_mmu_sync_roots calls")            \
	X(SYNC_PAGE, "kvm.sp.sync", "unsync pages synced")                     \
	X(UNSYNC, "kvm.sp.unsync", "pages marked unsync")                      \
	X(WRITE_EMUL, "kvm.write_emulated", "writes to write-protected tables") \
	X(EMUL_ACCESS, "kvm.emulated_access", "ring-0 accesses run by the emulator (PVM)") \
	X(FL_ALL, "kvm.flush.all", "KVM_REQ_TLB_FLUSH serviced")               \
	X(FL_CURRENT, "kvm.flush.current", "current-context flushes")          \
	X(FL_GUEST, "kvm.flush.guest", "guest flushes")                        \
	X(FL_GVA, "kvm.flush.gva", "single-address flushes")                   \
	X(FL_REMOTE, "kvm.flush.remote", "kvm_flush_remote_tlbs calls")        \
	X(INVEPT_SINGLE, "kvm.invept.single", "INVEPT single-context issued")  \
	X(INVEPT_ALL, "kvm.invept.global", "INVEPT all-context issued")        \
	X(INVVPID_SINGLE, "kvm.invvpid.single", "INVVPID single issued")       \
	X(INVVPID_ADDR, "kvm.invvpid.addr", "INVVPID address issued")          \
	X(INVVPID_ALL, "kvm.invvpid.all", "INVVPID all issued")                \
	X(OBSOLETE, "kvm.root.obsolete_freed", "obsolete roots freed")         \
	X(DUMMY, "kvm.root.dummy", "dummy roots (root gfn outside memslots)")  \
	X(NESTED_ENTRY, "kvm.nested.entry", "nested VM entries")               \
	X(NESTED_EXIT, "kvm.nested.exit", "nested VM exits")                   \
	X(CY_VMEXIT, "cycles.vmexit", "VM exit + entry")                       \
	X(CY_RESET, "cycles.reset", "context resets / role recompute")         \
	X(CY_ROOT, "cycles.root", "root alloc, load and free")                   \
	X(CY_SP, "cycles.sp_alloc", "shadow page allocation")                  \
	X(CY_HASH, "cycles.hash_lookup", "hash / root list lookups")           \
	X(CY_ZAP, "cycles.zap", "zapping SPTEs and trees")                     \
	X(CY_SYNC, "cycles.sync", "syncing unsync pages")                      \
	X(CY_FLUSH, "cycles.flush", "TLB flush instructions")                  \
	X(CY_SHADOW_FAULT, "cycles.shadow_fault", "shadow page faults")        \
	X(CY_TDP_FAULT, "cycles.tdp_fault", "EPT/NPT violations")              \
	X(CY_EMULATE, "cycles.emulate", "write emulation")

enum kvm_counter {
#define X(id, name, desc) KC_##id,
	KVM_COUNTERS(X)
#undef X
	KC__COUNT
};

/* Presence of mapped gfns under a direct root (TDP tree model). */
struct kvm_gfnset {
	uint64_t *slot; /* gfn + 1, 0 = empty */
	uint32_t cap, used;
};

struct kvm_parent {
	struct kvm_sp *sp;
	unsigned idx;
};

/* struct kvm_mmu_page: shadow page, legacy-TDP page or TDP MMU root. */
struct kvm_sp {
	uint64_t gfn;
	uint64_t hpa;          /* fake host address (unique), for EPTP/CR3 */
	uint32_t role;         /* role word in the era's layout */
	uint8_t level;
	bool direct;
	bool tdp_mmu;          /* TDP MMU root (root list, not hash) */
	bool special;          /* PAE special root: no shadow page (fast_pgd_switch()) */
	bool unsync;
	bool invalid;          /* role.invalid set by zap (mirrors the word) */
	bool on_active;
	uint8_t gen;           /* mmu_valid_gen at creation */
	unsigned root_count;   /* shadow root_count / TDP MMU refcount */
	unsigned unsync_children;
	unsigned write_flood;
	struct kvm_sp *hnext;              /* hash chain / TDP root list */
	struct kvm_sp *aprev, *anext;      /* active_mmu_pages */
	struct kvm_sp **spt;               /* children (lazily) */
	uint64_t leaf[KVM_SPTES / 64];     /* leaf SPTEs present */
	uint64_t wr[KVM_SPTES / 64];       /* ... and writable */
	uint64_t written[KVM_SPTES / 64];  /* gptes written while unsync */
	struct kvm_parent *parents;
	unsigned nparents, capparents;
	struct kvm_gfnset tree;            /* direct roots: mapped gfns */
	uint64_t *tbl;                     /* materialised table pages */
	unsigned ntbl, captbl;
	unsigned nmat;                     /* entries written in this page */
	struct kvm_sp *pae[4];             /* special root: PAE roots */
};

/* struct kvm_mmu_root_info: sp == NULL means hpa == INVALID_PAGE. */
struct kvm_root {
	uint64_t pgd;
	struct kvm_sp *sp;
};

struct kvm_mmu {
	msim_kvm_cpu_role cpu_role;
	uint64_t cpu_role_u64;
	msim_kvm_role root_role_f;
	uint32_t root_role;
	bool role_valid;       /* false: force re-init (kvm_mmu_after_set_cpuid()) */
	uint64_t role_key;     /* inputs of the last role computation */
	struct {               /* the two last computed role pairs */
		uint64_t key;      /* 0 = empty */
		msim_kvm_cpu_role cpu;
		uint64_t cpu_u64;
		msim_kvm_role root_f;
		uint32_t root_w;
	} rc[2];
	unsigned rc_next;
	bool is_guest_mmu;
	/*
	 * <= 5.17 nested load_cr3 switched the pgd before kvm_init_mmu, so
	 * the fast-switch level gate (fast_pgd_switch()) saw the old levels: kept here.
	 */
	bool gate_valid;
	uint8_t gate_root_level, gate_cpu_level;
	bool gate_direct;
	struct kvm_root root;
	struct kvm_root prev[MSIM_KVM_MAX_PREV_ROOTS];
	struct kvm_sp pae_root; /* the special root object */
};

struct msim_kvm_vcpu {
	struct msim_kvm *kvm;
	unsigned id;
	struct kvm_mmu root_mmu, guest_mmu;
	struct kvm_mmu *mmu;   /* vcpu->arch.mmu */
	bool nested_walk;      /* walk_mmu == nested_mmu */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pdpte[4];
	bool smm, guest_mode;
	uint32_t req;
	bool in_exit;          /* inside a modelled exit (entry pending) */
	/* nested VMX */
	uint16_t vpid01, vpid02;
	int last_vpid;         /* -1: none seen */
	bool ept12, vpid12_en;
	uint16_t vpid12;
	uint64_t eptp12;
	uint64_t l1_cr0, l1_cr3, l1_cr4, l1_efer;
	/* SMM save area */
	uint64_t smm_cr0, smm_cr3, smm_cr4, smm_efer;
};

struct msim_kvm {
	msim_kvm_opts o;
	unsigned nr_vcpus;
	struct msim_kvm_vcpu *vcpus;
	struct kvm_sp active;  /* list head: anext = newest */
	uint64_t n_used, n_max;
	struct kvm_sp *tdp_roots;
	uint8_t valid_gen;
	uint64_t next_hpa;
	msim_gmem *host;       /* materialised EPT/NPT tables (owned) */
	bool mat_direct;       /* legacy-TDP direct pages are materialised */
	uint64_t *free_pages;  /* recycled (zeroed) host table frames */
	unsigned nfree_pages, capfree_pages;
	struct kvm_sp *sp_free;   /* recycled page headers (hnext-linked) */
	struct kvm_sp **zap_list; /* prepared zaps awaiting commit */
	unsigned nzap, capzap;
	bool zap_list_flush;   /* something was zapped since the last commit */
	uint64_t n_unsync;     /* unsync pages in the VM (prunes sync walks) */
	uint64_t memslot_pages;
	struct { uint64_t gfn, npages; } slots[32]; /* created memslots */
	unsigned nslots;
	uint64_t cnt[KC__COUNT];
	int sidx[KC__COUNT];
	msim_stats *stats;
	msim_kvm_costs cost;
	msim_kvm_env env;
	msim_gmem *gmem;
	unsigned cur_vcpu;     /* vCPU whose action is being modelled */
	struct kvm_sp *hash[KVM_NR_BUCKETS]; /* last: keeps hot fields close */
};

/* --- counters / observer (kvm_core.c) */
static inline void kvm_count(struct msim_kvm *kvm, enum kvm_counter c,
			     uint64_t n)
{
	kvm->cnt[c] += n;
	if (kvm->stats && kvm->sidx[c] >= 0)
		msim_stats_add(kvm->stats, kvm->sidx[c], n);
}
void kvm_observe_slow(struct msim_kvm *kvm, unsigned kind, unsigned how,
		      uint64_t gfn, uint32_t role);
static inline void kvm_observe(struct msim_kvm *kvm, unsigned kind,
			       unsigned how, uint64_t gfn, uint32_t role)
{
	if (kvm->env.observe)
		kvm_observe_slow(kvm, kind, how, gfn, role);
}

static inline bool kvm_tdp(const struct msim_kvm *kvm)
{
	return kvm->o.mmu != MSIM_KVM_MMU_SHADOW;
}

static inline bool kvm_svm(const struct msim_kvm *kvm)
{
	return kvm->o.vendor == MSIM_VENDOR_AMD;
}

static inline uint64_t kvm_active_pcid(const struct msim_kvm_vcpu *v)
{
	return (v->cr4 & MSIM_CR4_PCIDE) ? (v->cr3 & 0xfff) : 0;
}

/* --- roles (kvm.c) */
void kvm_init_mmu(struct msim_kvm_vcpu *v);

/* --- root cache (kvm_roots.c) */
void kvm_new_pgd(struct msim_kvm_vcpu *v, struct kvm_mmu *mmu, uint64_t pgd);
bool kvm_fast_pgd_switch(struct msim_kvm_vcpu *v, struct kvm_mmu *mmu,
			 uint64_t pgd, uint32_t role);
bool kvm_root_usable(const struct kvm_root *r, uint64_t pgd, uint32_t role,
		     bool direct, unsigned kernel);
#define KVM_ROOT_CURRENT 1u
#define KVM_ROOT_PREVIOUS(i) (1u << (1 + (i)))
#define KVM_ROOTS_ALL 0xffffffffu
void kvm_free_roots(struct msim_kvm *kvm, struct kvm_mmu *mmu, uint32_t mask);
void kvm_mmu_unload(struct msim_kvm_vcpu *v);
int kvm_mmu_load(struct msim_kvm_vcpu *v);
void kvm_free_obsolete_roots(struct msim_kvm_vcpu *v);
void kvm_free_guest_mode_roots(struct msim_kvm *kvm, struct kvm_mmu *mmu);
bool kvm_root_obsolete(const struct msim_kvm *kvm, const struct kvm_sp *sp);
void kvm_sync_prev_roots(struct msim_kvm_vcpu *v);

/* --- shadow-page pool (kvm_sp.c) */
static inline unsigned kvm_hash_bucket(uint64_t gfn)
{
	/* hash_64(gfn, 12) with the kernel's GOLDEN_RATIO_64 multiplier */
	return (unsigned)((gfn * 0x61C8864680B583EBULL) >> (64 - KVM_HASH_BITS));
}

static inline void kvm_sp_active_del(struct kvm_sp *sp)
{
	if (!sp->on_active)
		return;
	sp->aprev->anext = sp->anext;
	sp->anext->aprev = sp->aprev;
	sp->on_active = false;
}
struct kvm_sp *kvm_sp_new(struct msim_kvm *kvm, uint64_t gfn, uint32_t role,
			  const msim_kvm_role *rf);
void kvm_sp_destroy(struct msim_kvm *kvm, struct kvm_sp *sp);
bool kvm_gfnset_has(const struct kvm_gfnset *s, uint64_t gfn);
int kvm_gfnset_add(struct kvm_gfnset *s, uint64_t gfn, bool *added);
void kvm_gfnset_clear(struct kvm_gfnset *s);

/* --- shadow pages (kvm_shadow.c) */
/* is_root: the caller reports it as a root (MSIM_EXP_ROOT), not an sp */
struct kvm_sp *kvm_get_shadow_page(struct msim_kvm *kvm, uint64_t gfn,
				   uint32_t role, const msim_kvm_role *rf,
				   bool is_root, bool *created);
void kvm_prepare_zap(struct msim_kvm *kvm, struct kvm_sp *sp);
void kvm_commit_zap(struct msim_kvm *kvm);
void kvm_zap_obsolete_pages(struct msim_kvm *kvm);
void kvm_make_pages_available(struct msim_kvm *kvm);
void kvm_sync_root(struct msim_kvm *kvm, struct kvm_sp *root);
void kvm_sync_roots(struct msim_kvm_vcpu *v);
bool kvm_root_has_unsync(const struct kvm_sp *root);
void kvm_shadow_put_root(struct msim_kvm *kvm, struct kvm_sp *sp);
int kvm_shadow_fault(struct msim_kvm_vcpu *v, uint64_t gva, unsigned access,
		     const msim_walk_result *gw, bool direct_map,
		     msim_kvm_access_res *res);
bool kvm_shadow_present(const struct msim_kvm_vcpu *v, uint64_t gva,
			unsigned access);
bool kvm_shadow_track_write(struct msim_kvm *kvm, uint64_t gpa);
int kvm_direct_touch(struct msim_kvm_vcpu *v, struct kvm_sp *root,
		     uint64_t gpa, msim_kvm_access_res *res);
void kvm_shadow_invalidate_gva(struct msim_kvm_vcpu *v, uint64_t gva,
			       uint32_t roots);

/* --- TDP (kvm_tdp.c) */
struct kvm_sp *kvm_tdp_mmu_alloc_root(struct msim_kvm_vcpu *v,
				      struct kvm_mmu *mmu);
void kvm_tdp_mmu_put_root(struct msim_kvm *kvm, struct kvm_sp *root);
void kvm_tdp_mmu_invalidate_all_roots(struct msim_kvm *kvm);
void kvm_tdp_teardown(struct msim_kvm *kvm, struct kvm_sp *root, bool live);
int kvm_tdp_map(struct msim_kvm *kvm, struct kvm_sp *root, uint64_t gfn,
		bool *added);
int kvm_tdp_access(struct msim_kvm_vcpu *v, const msim_walk_result *gw,
		   msim_kvm_access_res *res);

/* --- materialised TDP tables (kvm_mat.c) */
uint64_t kvm_mat_alloc_page(struct msim_kvm *kvm);
void kvm_mat_free_page(struct msim_kvm *kvm, uint64_t hpa); /* zeroed */
int kvm_mat_map(struct msim_kvm *kvm, struct kvm_sp *root, uint64_t gpa,
		uint64_t hpa);
void kvm_mat_clear_tree(struct msim_kvm *kvm, struct kvm_sp *root);
void kvm_mat_set(struct msim_kvm *kvm, struct kvm_sp *sp, unsigned idx,
		 uint64_t target, bool leaf);
void kvm_mat_clear(struct msim_kvm *kvm, const struct kvm_sp *sp, unsigned idx);

/* --- requests / flushes (kvm_core.c) */
static inline void kvm_make_request(struct msim_kvm_vcpu *v, uint32_t r)
{
	v->req |= r;
}
void kvm_make_all_request(struct msim_kvm *kvm, uint32_t r);
void kvm_flush_remote_tlbs(struct msim_kvm *kvm);
void kvm_flush_tlb_current(struct msim_kvm_vcpu *v);
void kvm_flush_tlb_all(struct msim_kvm_vcpu *v);
void kvm_flush_tlb_gva(struct msim_kvm_vcpu *v, uint64_t gva);
void kvm_hw_flush(struct msim_kvm_vcpu *v, msim_kvm_tlb_op op, uint64_t eptp,
		  uint16_t vpid, uint64_t gva);
uint16_t kvm_current_vpid(const struct msim_kvm_vcpu *v);
uint64_t kvm_root_eptp(const struct msim_kvm *kvm, const struct kvm_sp *sp);
void kvm_vmexit_cost(struct msim_kvm_vcpu *v);
bool kvm_gfn_visible(const struct msim_kvm *kvm, uint64_t gfn);

/* --- event handlers (kvm.c) */
void kvm_flush_tlb_guest(struct msim_kvm_vcpu *v);
void kvm_service_local_flushes(struct msim_kvm_vcpu *v);
void kvm_mmu_reset_context(struct msim_kvm_vcpu *v, int caller);
void kvm_load_pdptes(struct msim_kvm_vcpu *v, bool *changed);
bool kvm_pae_paging(const struct msim_kvm_vcpu *v);
/* End of a modelled exit: VM entry (vcpu_enter_guest()), or under PVM's ring-0
 * emulation only the root reload (requests wait for native entry). */
void kvm_exit_done(struct msim_kvm_vcpu *v);

/* reset callers (Sean Christopherson's per-caller proposal (reply to Paolo Bonzini, Feb 17 2022) numbering, for the per-caller policy) */
enum kvm_reset_caller {
	RC_VMFAIL = 1, RC_CPUID = 2, RC_INIT = 3, RC_SMM = 4, RC_EFER = 6,
	RC_CR0 = 7, RC_CR4 = 8, RC_SREGS = 9,
	RC_MUST_UNLOAD = 0x100, /* flag: keep-roots must still unload */
};

/* --- nested (kvm_nested.c) */
void kvm_nested_load_cr3(struct msim_kvm_vcpu *v, uint64_t cr3, bool new_pgd);
void kvm_nested_transition_flush(struct msim_kvm_vcpu *v, bool is_vmenter);

#endif
