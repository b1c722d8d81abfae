/*
 * Internal interface of the recording VMM (sim/vmm_*.c, sim/record.c).
 *
 * Guest-physical layout of the harness (everything the interpreter needs
 * lives below HARNESS_END; scenarios use gpa >= MSIM_VMM_SCEN_BASE):
 *   0x1000 GDT, 0x2000 IDT, 0x3000 TSS, 0x4000 ring-0 interpreter and
 *   exception stubs, 0x5000 action slot (code the VMM writes per action),
 *   0x6000-0x7fff ring-0 stack, 0x8000 PDPT_H, 0x9000 PD_U, 0xa000 boot
 *   PML4, 0xb000 PD_K, 0x200000 ring-3 trampoline + stack (one 2M page).
 * Linear layout: PML4 slot 511 (MSIM_VMM_ALIAS) maps gpa 0..16M as
 * supervisor 2M pages, and MSIM_VMM_USER (1G further) maps the ring-3
 * 2M page with U=1. Every address space the scenario loads into CR3 gets
 * PML4[511] = MSIM_VMM_PML4E so the interpreter keeps running.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_VMM_H
#define MSIM_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "mmu_sim/event.h"

#define MSIM_VMM_MEM_SIZE (16u << 20)
#define MSIM_VMM_GDT 0x1000u
#define MSIM_VMM_IDT 0x2000u
#define MSIM_VMM_TSS 0x3000u
#define MSIM_VMM_CODE 0x4000u
#define MSIM_VMM_SLOT 0x5000u
#define MSIM_VMM_STACK_TOP 0x8000u
#define MSIM_VMM_PDPT_H 0x8000u
#define MSIM_VMM_PD_U 0x9000u
#define MSIM_VMM_BOOT_PML4 0xa000u
#define MSIM_VMM_PD_K 0xb000u
#define MSIM_VMM_USER_GPA 0x200000u
#define MSIM_VMM_SCEN_BASE 0x400000u

#define MSIM_VMM_ALIAS 0xffffff8000000000ull /* PML4[511], gpa alias */
#define MSIM_VMM_USER (MSIM_VMM_ALIAS + (1ull << 30))
#define MSIM_VMM_PML4E (MSIM_VMM_PDPT_H | 0x7u) /* P|W|U: U lets ring 3 in */

/* Selectors of the harness GDT. */
#define MSIM_VMM_SEL_KCODE 0x08
#define MSIM_VMM_SEL_KDATA 0x10
#define MSIM_VMM_SEL_UDATA 0x23
#define MSIM_VMM_SEL_UCODE 0x2b
#define MSIM_VMM_SEL_TSS 0x30

/* Port the interpreter writes to ask for the next action. */
#define MSIM_VMM_PORT 0x10

/* Result the guest reports at the port exit (rax/rbx/rcx/rdx). */
typedef struct msim_vmm_result {
	uint64_t status; /* 0 ok, 0x100|vector exception */
	uint64_t ec;     /* exception error code */
	uint64_t cr2;
	uint64_t rip;    /* faulting rip (exceptions only) */
} msim_vmm_result;

typedef struct msim_vmm msim_vmm;

/* ---- vmm_kvm.c: the VM ---- */
/* msim_vmm_create flags: hide SMEP and SMAP from the guest's CPUID
 * (CPUID.(EAX=7,ECX=0):EBX bits 7 and 20) to see whether KVM still
 * accepts and enforces CR4.SMEP/SMAP. */
#define MSIM_VMM_CPUID_NO_SMEP_SMAP 1u

/* Create VM + vCPU, build the harness, load the boot state. On failure
 * returns -1 and writes a reason (ioctl, errno) into err. */
int msim_vmm_create(msim_vmm **out, unsigned flags, char *err, size_t errlen);
void msim_vmm_free(msim_vmm *vm);
/* Guest memory (host view) of the whole slot. */
uint8_t *msim_vmm_mem(msim_vmm *vm);
/* Run until the next port exit; fill *res. -1 + err on anything else. */
int msim_vmm_run(msim_vmm *vm, msim_vmm_result *res, char *err,
		 size_t errlen);
/* Initial control registers the harness starts with. */
void msim_vmm_boot_regs(uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
			uint64_t *efer);

/* ---- vmm_guest.c: harness image and per-action code ---- */
/* Write GDT/IDT/TSS/page tables/interpreter into mem. */
void msim_vmm_build_harness(uint8_t *mem);
/* Encode the action for `ev` into the action slot; `store` is the value
 * a write access stores (the caller passes the current content so the
 * recorded write leaves memory unchanged). Returns 0, or -1 if the event
 * cannot be executed by the guest (reason in err). */
int msim_vmm_encode_action(uint8_t *mem, const msim_event *ev,
			   uint64_t store, char *err, size_t errlen);
/* True if *r is the trampoline's UD2 after a completed ring-3 access. */
int msim_vmm_ring3_done(const msim_vmm_result *r);
/* Software walk (4-level, host side) of gva under cr3; 0 = translated. */
int msim_vmm_translate(const uint8_t *mem, uint64_t cr3, uint64_t gva,
		       uint64_t *gpa);

/* ---- vmm_tracefs.c: private tracefs instance ---- */
typedef struct msim_tracefs msim_tracefs;
/* Mount check, create instance, enable kvm/kvmmmu events for pid. */
int msim_tracefs_open(msim_tracefs **out, const char *name, unsigned buf_kb,
		      int pid, char *err, size_t errlen);
/* Write one marker line (no newline needed). */
int msim_tracefs_mark(msim_tracefs *t, const char *line);
/* Stop tracing, check nothing was lost, copy the text to path. */
int msim_tracefs_finish(msim_tracefs *t, const char *path, char *err,
			size_t errlen);
/* Remove the instance (also on failure paths). */
void msim_tracefs_close(msim_tracefs *t);

#endif
