/*
 * The event table: the single definition of every trace event, its
 * arguments, their ranges and their help text. Codecs, CLI help and replay
 * all read it.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/event.h"

#define U64 MSIM_ARG_U64
#define BOOL MSIM_ARG_BOOL
#define ENUM MSIM_ARG_ENUM
#define ANY UINT64_MAX

static const char *const access_syms[] = { "r", "w", "x", NULL };
static const char *const vendor_syms[] = { "intel", "amd", NULL };
static const char *const memslot_syms[] = { "create", "delete", "move",
					    "flags", NULL };
static const char *const expect_syms[] = { "ok",   "pf",    "gp",   "ad",
					   "walk", "root",  "sp",   "zap",
					   "flush", "sync", "unsync", NULL };
static const char *const root_syms[] = { "created", "found", "cached", NULL };
static const char *const sp_syms[] = { "created", "found", NULL };
static const char *const flush_syms[] = { "current", "guest", "all", "remote",
					  "gva", NULL };

/*
 * Positional args first, in canonical order; key=value form always works.
 * Maxima: MAXPHYADDR is at most 52 (SDM Vol. 3A 4.1.4); PKRU and IA32_PKRS
 * hold 32 bits; a VPID is a 16-bit VMCS field (SDM Vol. 3C, "Virtual-
 * Processor Identifiers"); a KVM shadow-page role is the u32 `word` of
 * union kvm_mmu_page_role; a #PF error code is 32 bits. Type and kind numbers are binary-format ABI: append only.
 */
static const msim_event_spec events[MSIM_EV_COUNT_] = {
	[MSIM_EV_MACHINE] = { "machine", 4, {
		{ "vcpus", U64, false, false, 1, MSIM_MAX_VCPUS, NULL, "number of vCPUs (1..256)" },
		{ "maxphyaddr", U64, false, false, 46, 52, NULL, "CPUID.80000008H:EAX[7:0] (32..52)" },
		{ "vendor", ENUM, false, false, 0, 1, vendor_syms, "intel or amd" },
		{ "features", U64, false, false, ANY, ANY, NULL, "MSIM_FEAT_* mask (default: all)" },
	}, "machine description; only before the first other event" },
	[MSIM_EV_VCPU] = { "vcpu", 1, {
		{ "id", U64, true, true, 0, MSIM_MAX_VCPUS - 1, NULL, "vCPU index" },
	}, "select the vCPU the following events run on" },
	[MSIM_EV_CR0] = { "cr0", 1, {
		{ "value", U64, true, true, 0, ANY, NULL, "new CR0" },
	}, "guest MOV to CR0" },
	[MSIM_EV_CR3] = { "cr3", 1, {
		{ "value", U64, true, true, 0, ANY, NULL, "source operand (bit 63 = no-flush with PCIDE)" },
	}, "guest MOV to CR3" },
	[MSIM_EV_CR4] = { "cr4", 1, {
		{ "value", U64, true, true, 0, ANY, NULL, "new CR4" },
	}, "guest MOV to CR4" },
	[MSIM_EV_EFER] = { "efer", 1, {
		{ "value", U64, true, true, 0, ANY, NULL, "new IA32_EFER (LMA is derived)" },
	}, "guest WRMSR to IA32_EFER" },
	[MSIM_EV_SREGS] = { "sregs", 4, {
		{ "cr0", U64, false, true, 0, ANY, NULL, "CR0" },
		{ "cr3", U64, false, true, 0, ANY, NULL, "CR3" },
		{ "cr4", U64, false, true, 0, ANY, NULL, "CR4" },
		{ "efer", U64, false, true, 0, ANY, NULL, "EFER (LMA as given)" },
	}, "whole-state load by userspace (KVM_SET_SREGS)" },
	[MSIM_EV_WRMEM] = { "wrmem", 3, {
		{ "gpa", U64, true, true, 0, ANY, NULL, "guest-physical address (naturally aligned)" },
		{ "value", U64, true, true, 0, ANY, NULL, "value written (little endian)" },
		{ "size", U64, false, false, 8, 8, NULL, "1, 2, 4 or 8 bytes" },
	}, "guest-physical memory write (builds page tables); not an access" },
	[MSIM_EV_ACCESS] = { "access", 5, {
		{ "type", ENUM, true, true, 0, 2, access_syms, "r (read), w (write), x (fetch)" },
		{ "gva", U64, true, true, 0, ANY, NULL, "linear address" },
		{ "cpl", U64, false, false, 0, 3, NULL, "current privilege level" },
		{ "ac", BOOL, false, false, 0, 1, NULL, "EFLAGS.AC" },
		{ "implicit", BOOL, false, false, 0, 1, NULL, "implicit supervisor access (GDT/IDT/TSS)" },
	}, "guest memory access through the MMU" },
	[MSIM_EV_INVLPG] = { "invlpg", 1, {
		{ "gva", U64, true, true, 0, ANY, NULL, "linear address" },
	}, "guest INVLPG" },
	[MSIM_EV_INVPCID] = { "invpcid", 3, {
		{ "type", U64, true, true, 0, ANY, NULL, "0 address, 1 single, 2 all+global, 3 all-global" },
		{ "pcid", U64, false, false, 0, ANY, NULL, "descriptor PCID field (64 bits as given)" },
		{ "gva", U64, false, false, 0, ANY, NULL, "descriptor linear address" },
	}, "guest INVPCID" },
	[MSIM_EV_INVEPT] = { "invept", 2, {
		{ "type", U64, true, true, 0, ANY, NULL, "1 single-context, 2 all-context" },
		{ "eptp", U64, false, false, 0, ANY, NULL, "EPTP operand (type 1)" },
	}, "L1 executes INVEPT" },
	[MSIM_EV_INVVPID] = { "invvpid", 3, {
		{ "type", U64, true, true, 0, ANY, NULL, "0 address, 1 single, 2 all, 3 single non-global" },
		{ "vpid", U64, false, false, 0, ANY, NULL, "descriptor VPID field" },
		{ "gva", U64, false, false, 0, ANY, NULL, "descriptor linear address" },
	}, "L1 executes INVVPID" },
	[MSIM_EV_SMI] = { "smi", 0, { { 0 } }, "SMI: enter SMM (real-mode-like SMM state)" },
	[MSIM_EV_RSM] = { "rsm", 0, { { 0 } }, "RSM: leave SMM, restore the saved state" },
	[MSIM_EV_INIT] = { "init", 0, { { 0 } }, "INIT signal (vCPU reset to the INIT state)" },
	[MSIM_EV_CPUID] = { "cpuid", 0, { { 0 } }, "userspace updates CPUID (KVM_SET_CPUID2)" },
	[MSIM_EV_MEMSLOT] = { "memslot", 3, {
		{ "op", ENUM, true, true, 0, 3, memslot_syms, "create, delete, move or flags" },
		{ "gfn", U64, false, false, 0, ANY >> 12, NULL, "first guest frame" },
		{ "npages", U64, false, false, 0, ANY >> 12, NULL, "size in 4 KiB pages" },
	}, "userspace memslot change (delete/move zap all roots fast)" },
	[MSIM_EV_VMENTRY] = { "vmentry", 8, {
		{ "ept", BOOL, false, false, 0, 1, NULL, "vmcs12 enables EPT" },
		{ "eptp", U64, false, false, 0, ANY, NULL, "vmcs12 EPTP (EPT12)" },
		{ "vpid_en", BOOL, false, false, 0, 1, NULL, "vmcs12 enables VPID" },
		{ "vpid", U64, false, false, 0, 0xffff, NULL, "vmcs12 VPID (vpid12)" },
		{ "cr3", U64, false, false, 0, ANY, NULL, "L2 guest CR3" },
		{ "cr0", U64, false, false, 0x80050033, ANY, NULL, "L2 guest CR0" },
		{ "cr4", U64, false, false, 0x20, ANY, NULL, "L2 guest CR4" },
		{ "efer", U64, false, false, 0xd00, ANY, NULL, "L2 guest EFER" },
	}, "nested VM entry L1 -> L2 (VMLAUNCH/VMRESUME)" },
	[MSIM_EV_VMEXIT] = { "vmexit", 1, {
		{ "cr3", U64, false, false, 0, ANY, NULL, "vmcs12 HOST_CR3 (default: L1 CR3 at entry)" },
	}, "nested VM exit L2 -> L1" },
	[MSIM_EV_PKRU] = { "pkru", 1, {
		{ "value", U64, true, true, 0, 0xffffffff, NULL, "new PKRU" },
	}, "WRPKRU" },
	[MSIM_EV_PKRS] = { "pkrs", 1, {
		{ "value", U64, true, true, 0, 0xffffffff, NULL, "new IA32_PKRS" },
	}, "WRMSR IA32_PKRS" },
	[MSIM_EV_EXPECT] = { "expect", 1, {
		{ "kind", ENUM, true, true, 0, MSIM_EXP_COUNT_ - 1, expect_syms, "what was observed" },
	}, "recorded outcome of the preceding event, checked by validate" },
	[MSIM_EV_MARK] = { "mark", 1, {
		{ "id", U64, true, true, 0, ANY, NULL, "user value" },
	}, "marker: echoed in per-event output, no effect" },
	[MSIM_EV_UNTRACKED] = { "untracked", 2, {
		{ "gfn", U64, true, true, 0, ANY >> 12, NULL, "first guest frame" },
		{ "npages", U64, false, false, 1, ANY >> 12, NULL, "number of frames" },
	}, "KVM activity on these frames was not recorded: validate ignores it" },
};

/* Expectation kinds: their args land in event arg[1..]. */
static const msim_event_spec expects[MSIM_EXP_COUNT_] = {
	[MSIM_EXP_OK] = { "ok", 2, {
		{ "gva", U64, false, true, 0, ANY, NULL, "linear address" },
		{ "gpa", U64, false, true, 0, ANY, NULL, "translation" },
	}, "the access succeeded" },
	[MSIM_EXP_PF] = { "pf", 2, {
		{ "gva", U64, false, true, 0, ANY, NULL, "faulting address (CR2)" },
		{ "ec", U64, false, true, 0, 0xffffffff, NULL, "#PF error code" },
	}, "the access raised #PF" },
	[MSIM_EXP_GP] = { "gp", 0, { { 0 } }, "the preceding event raised #GP(0)" },
	[MSIM_EXP_AD] = { "ad", 2, {
		{ "gpa", U64, false, true, 0, ANY, NULL, "entry address" },
		{ "val", U64, false, true, 0, ANY, NULL, "entry value after the update" },
	}, "walker set A/D in an entry" },
	[MSIM_EXP_WALK] = { "walk", 3, {
		{ "level", U64, false, true, 0, 5, NULL, "paging level of the entry" },
		{ "gpa", U64, false, true, 0, ANY, NULL, "entry address" },
		{ "val", U64, false, true, 0, ANY, NULL, "entry value read" },
	}, "walker read a paging-structure entry" },
	[MSIM_EXP_ROOT] = { "root", 3, {
		{ "how", ENUM, true, true, 0, 2, root_syms, "created, found (hash) or cached (prev_roots)" },
		{ "gfn", U64, false, false, 0, ANY, NULL, "root gfn" },
		{ "role", U64, false, false, 0, 0xffffffff, NULL, "page role word" },
	}, "KVM obtained a root" },
	[MSIM_EXP_SP] = { "sp", 3, {
		{ "how", ENUM, true, true, 0, 1, sp_syms, "created or found" },
		{ "gfn", U64, false, false, 0, ANY, NULL, "gfn" },
		{ "role", U64, false, false, 0, 0xffffffff, NULL, "page role word" },
	}, "KVM obtained a shadow page (kvm_mmu_get_page)" },
	[MSIM_EXP_ZAP] = { "zap", 2, {
		{ "gfn", U64, false, false, 0, ANY, NULL, "gfn" },
		{ "role", U64, false, false, 0, 0xffffffff, NULL, "page role word" },
	}, "KVM zapped a shadow page" },
	[MSIM_EXP_FLUSH] = { "flush", 1, {
		{ "kind", ENUM, true, true, 0, 4, flush_syms, "current, guest, all, remote or gva" },
	}, "KVM flushed TLBs" },
	[MSIM_EXP_SYNC] = { "sync", 2, {
		{ "gfn", U64, false, false, 0, ANY, NULL, "gfn" },
		{ "role", U64, false, false, 0, 0xffffffff, NULL, "page role word" },
	}, "KVM synced an unsync shadow page" },
	[MSIM_EXP_UNSYNC] = { "unsync", 2, {
		{ "gfn", U64, false, false, 0, ANY, NULL, "gfn" },
		{ "role", U64, false, false, 0, 0xffffffff, NULL, "page role word" },
	}, "KVM marked a shadow page unsync" },
};

const msim_event_spec *msim_event_spec_get(unsigned type)
{
	/* A type added to the enum without a table row is unknown, not a crash. */
	if (type == MSIM_EV_NONE || type >= MSIM_EV_COUNT_ || !events[type].name)
		return NULL;
	return &events[type];
}

const msim_event_spec *msim_expect_spec_get(unsigned kind)
{
	if (kind >= MSIM_EXP_COUNT_ || !expects[kind].name)
		return NULL;
	return &expects[kind];
}

unsigned msim_event_type_from_name(const char *name)
{
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++)
		if (events[t].name && !strcmp(events[t].name, name))
			return t;
	return MSIM_EV_NONE;
}
