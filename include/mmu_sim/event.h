/*
 * mmu-sim: trace events.
 *
 * One event = one line of a text trace (see traces/FORMAT.md) = one record
 * of a binary trace. Every event is a type plus up to MSIM_EV_MAX_ARGS
 * 64-bit arguments whose meaning is fixed per type by a table
 * (msim_event_spec()); the text and binary codecs, the CLI help and the
 * replay engine all read that one table.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_EVENT_H
#define MMU_SIM_EVENT_H

#include "mmu_sim/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSIM_EV_MAX_ARGS 8

/* Hard limits, checked by the readers and by the machine. */
#define MSIM_MAX_VCPUS 256

/** Event types. Values are part of the binary format: append only. */
typedef enum msim_event_type {
	MSIM_EV_NONE = 0,
	MSIM_EV_MACHINE = 1,  /* machine vcpus= maxphyaddr= vendor= features= */
	MSIM_EV_VCPU = 2,     /* vcpu <id>: following events apply to it */
	MSIM_EV_CR0 = 3,      /* cr0 <value>: guest MOV to CR0 */
	MSIM_EV_CR3 = 4,      /* cr3 <value>: guest MOV to CR3 (bit 63 kept) */
	MSIM_EV_CR4 = 5,      /* cr4 <value> */
	MSIM_EV_EFER = 6,     /* efer <value>: WRMSR IA32_EFER */
	MSIM_EV_SREGS = 7,    /* sregs cr0= cr3= cr4= efer=: KVM_SET_SREGS */
	MSIM_EV_WRMEM = 8,    /* wrmem <gpa> <value> [size=8]: guest-phys write */
	MSIM_EV_ACCESS = 9,   /* access <r|w|x> <gva> [cpl=] [ac=] [implicit=] */
	MSIM_EV_INVLPG = 10,  /* invlpg <gva> */
	MSIM_EV_INVPCID = 11, /* invpcid <type> [pcid=] [gva=] */
	MSIM_EV_INVEPT = 12,  /* invept <type> [eptp=]  (L1 executes INVEPT) */
	MSIM_EV_INVVPID = 13, /* invvpid <type> [vpid=] [gva=] */
	MSIM_EV_SMI = 14,     /* smi: enter SMM */
	MSIM_EV_RSM = 15,     /* rsm: leave SMM (restores saved state) */
	MSIM_EV_INIT = 16,    /* init: INIT signal */
	MSIM_EV_CPUID = 17,   /* cpuid: userspace KVM_SET_CPUID2 */
	MSIM_EV_MEMSLOT = 18, /* memslot <create|delete|move|flags> gfn= npages= */
	MSIM_EV_VMENTRY = 19, /* vmentry [ept=] [eptp=] [vpid_en=] [vpid=] [cr3=] ... */
	MSIM_EV_VMEXIT = 20,  /* vmexit [cr3=]: L2 -> L1, host CR3 of vmcs12 */
	MSIM_EV_PKRU = 21,    /* pkru <value>: WRPKRU */
	MSIM_EV_PKRS = 22,    /* pkrs <value>: WRMSR IA32_PKRS */
	MSIM_EV_EXPECT = 23,  /* expect <kind> ...: recorded outcome to check */
	MSIM_EV_MARK = 24,    /* mark <id>: user marker, counted and echoed */
	MSIM_EV_UNTRACKED = 25, /* untracked <gfn> [npages=1]: not recorded, see below */
	MSIM_EV_COUNT_
} msim_event_type;

/*
 * MSIM_EV_UNTRACKED: KVM activity on these guest frames was not recorded
 * (e.g. the recorder's own harness page tables, built before the trace
 * starts). It changes no state; `validate` ignores the model's
 * observations about shadow pages and roots of those gfns.
 */

/** Access kinds (MSIM_EV_ACCESS arg 0). */
typedef enum msim_access_type {
	MSIM_ACC_READ = 0,
	MSIM_ACC_WRITE = 1,
	MSIM_ACC_FETCH = 2,
} msim_access_type;

/** Kinds of MSIM_EV_EXPECT (arg 0). Append only. */
typedef enum msim_expect_kind {
	MSIM_EXP_OK = 0,     /* ok gva= gpa=: access translated to gpa */
	MSIM_EXP_PF = 1,     /* pf gva= ec=: access raised #PF, error code ec */
	MSIM_EXP_GP = 2,     /* gp: last register write/access raised #GP */
	MSIM_EXP_AD = 3,     /* ad gpa= val=: walker wrote A/D, new entry value */
	MSIM_EXP_WALK = 4,   /* walk level= gpa= val=: walker read this entry */
	MSIM_EXP_ROOT = 5,   /* root <created|found|cached> gfn= role= */
	MSIM_EXP_SP = 6,     /* sp <created|found> gfn= role=: any shadow page */
	MSIM_EXP_ZAP = 7,    /* zap gfn= role= */
	MSIM_EXP_FLUSH = 8,  /* flush <current|guest|all|remote|gva> */
	MSIM_EXP_SYNC = 9,   /* sync gfn= role= */
	MSIM_EXP_UNSYNC = 10,/* unsync gfn= role= */
	MSIM_EXP_COUNT_
} msim_expect_kind;

/** One event. `line` is the 1-based source line (0 if synthetic). */
typedef struct msim_event {
	uint16_t type;    /**< msim_event_type */
	uint16_t present; /**< bit i set: arg[i] was given explicitly */
	uint32_t vcpu;    /**< vCPU selected when the event was read */
	uint64_t line;
	uint64_t arg[MSIM_EV_MAX_ARGS];
} msim_event;

/** How one argument is written and checked. */
typedef enum msim_arg_kind {
	MSIM_ARG_U64 = 0,  /**< number: decimal or 0x-hex, full 64 bits */
	MSIM_ARG_BOOL = 1, /**< 0/1 */
	MSIM_ARG_ENUM = 2, /**< one of `symbols` (stored as its index) */
} msim_arg_kind;

typedef struct msim_arg_spec {
	const char *name;       /**< key in key=value form */
	msim_arg_kind kind;
	bool positional;        /**< may (and by canonical form is) given bare */
	bool required;
	uint64_t def;           /**< value when absent */
	uint64_t max;           /**< largest accepted value */
	const char *const *symbols; /**< NULL-terminated, for MSIM_ARG_ENUM */
	const char *help;
} msim_arg_spec;

typedef struct msim_event_spec {
	const char *name;  /**< keyword, e.g. "cr0"; "expect" for MSIM_EV_EXPECT */
	unsigned nargs;
	msim_arg_spec args[MSIM_EV_MAX_ARGS];
	const char *help;
} msim_event_spec;

/**
 * Table entry describing event `type`, or NULL if the type is unknown.
 * For MSIM_EV_EXPECT the table describes the kind argument only; use
 * msim_expect_spec() for the arguments that follow the kind.
 */
MSIM_API const msim_event_spec *msim_event_spec_get(unsigned type);

/** Argument table for expectation kind `kind` (NULL if unknown). */
MSIM_API const msim_event_spec *msim_expect_spec_get(unsigned kind);

/** Event type for keyword `name` (MSIM_EV_NONE if unknown). */
MSIM_API unsigned msim_event_type_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
