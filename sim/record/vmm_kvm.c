/*
 * The recording VMM's VM: one vCPU in 64-bit mode on /dev/kvm (KVM API,
 * Documentation/virt/kvm/api.rst), one memslot holding the harness and
 * the scenario's memory. Linux only.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm.h"

struct msim_vmm {
	int kvm, vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
};

/* Boot state: long mode with paging, CR0.WP set (what a 64-bit kernel
 * runs with), CR4.PAE only, EFER.LME|LMA. */
#define BOOT_CR0 0x80050033ull /* PG AM WP NE ET MP PE */
#define BOOT_CR4 0x20ull       /* PAE */
#define BOOT_EFER 0x500ull     /* LMA LME */

void msim_vmm_boot_regs(uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
			uint64_t *efer)
{
	*cr0 = BOOT_CR0;
	*cr3 = MSIM_VMM_BOOT_PML4;
	*cr4 = BOOT_CR4;
	*efer = BOOT_EFER;
}

uint8_t *msim_vmm_mem(msim_vmm *vm)
{
	return vm->mem;
}

#define FAIL(what)                                                             \
	do {                                                                   \
		snprintf(err, errlen, "%s: %s", what, strerror(errno));        \
		goto fail;                                                     \
	} while (0)

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

static int set_cpuid(msim_vmm *vm, unsigned flags, char *err, size_t errlen)
{
	/* Give the guest everything KVM supports (1G pages, NX, SMEP, SMAP
	 * when the host has them). */
	int n = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->nent = (uint32_t)n;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		snprintf(err, errlen, "ioctl(KVM_GET_SUPPORTED_CPUID): %s", strerror(errno));
		free(c);
		return -1;
	}
	for (uint32_t i = 0; i < c->nent; i++)
		if ((flags & MSIM_VMM_CPUID_NO_SMEP_SMAP) && c->entries[i].function == 7 &&
		    c->entries[i].index == 0)
			c->entries[i].ebx &= ~((1u << 7) | (1u << 20));
	if (ioctl(vm->vcpu, KVM_SET_CPUID2, c) < 0) {
		snprintf(err, errlen, "ioctl(KVM_SET_CPUID2): %s", strerror(errno));
		free(c);
		return -1;
	}
	free(c);
	return 0;
}

static int load_boot_state(msim_vmm *vm, char *err, size_t errlen)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sr) < 0)
		FAIL("ioctl(KVM_GET_SREGS)");
	seg(&sr.cs, MSIM_VMM_SEL_KCODE, 11, 1);
	seg(&sr.ds, MSIM_VMM_SEL_KDATA, 3, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = MSIM_VMM_SEL_TSS;
	sr.tr.base = MSIM_VMM_ALIAS + MSIM_VMM_TSS;
	sr.tr.limit = 0x67;
	sr.tr.type = 11; /* busy 64-bit TSS */
	sr.tr.present = 1;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 2;
	sr.ldt.present = 1;
	sr.ldt.limit = 0xffff;
	sr.gdt.base = MSIM_VMM_ALIAS + MSIM_VMM_GDT;
	sr.gdt.limit = 8 * 8 - 1;
	sr.idt.base = MSIM_VMM_ALIAS + MSIM_VMM_IDT;
	sr.idt.limit = 256 * 16 - 1;
	{
		uint64_t c0, c3, c4, ef;
		msim_vmm_boot_regs(&c0, &c3, &c4, &ef);
		sr.cr0 = c0;
		sr.cr3 = c3;
		sr.cr4 = c4;
		sr.efer = ef;
	}
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sr) < 0)
		FAIL("ioctl(KVM_SET_SREGS)");
	memset(&r, 0, sizeof(r));
	r.rip = MSIM_VMM_ALIAS + MSIM_VMM_CODE;
	r.rsp = MSIM_VMM_ALIAS + MSIM_VMM_STACK_TOP;
	r.rflags = 0x2;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &r) < 0)
		FAIL("ioctl(KVM_SET_REGS)");
	return 0;
fail:
	return -1;
}

int msim_vmm_create(msim_vmm **out, unsigned flags, char *err, size_t errlen)
{
	msim_vmm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vm->kvm = vm->vm = vm->vcpu = -1;
	vm->mem = MAP_FAILED;
	vm->run = MAP_FAILED;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		FAIL("open /dev/kvm");
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm: unexpected KVM_GET_API_VERSION");
		goto fail;
	}
	vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vm < 0)
		FAIL("ioctl(KVM_CREATE_VM)");
	/* Only needed for real-mode emulation on VMX; harmless elsewhere. */
	(void)ioctl(vm->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);

	vm->mem = mmap(NULL, MSIM_VMM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		FAIL("mmap guest memory");
	msim_vmm_build_harness(vm->mem);
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0,
		.memory_size = MSIM_VMM_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		FAIL("ioctl(KVM_SET_USER_MEMORY_REGION)");

	vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		FAIL("ioctl(KVM_CREATE_VCPU)");
	int sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		FAIL("ioctl(KVM_GET_VCPU_MMAP_SIZE)");
	vm->run_size = (size_t)sz;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		FAIL("mmap kvm_run");
	if (set_cpuid(vm, flags, err, errlen) || load_boot_state(vm, err, errlen))
		goto fail_quiet;
	*out = vm;
	return 0;
fail:
fail_quiet:
	msim_vmm_free(vm);
	return -1;
}

void msim_vmm_free(msim_vmm *vm)
{
	if (!vm)
		return;
	if (vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->vm >= 0)
		close(vm->vm);
	if (vm->kvm >= 0)
		close(vm->kvm);
	if (vm->mem != MAP_FAILED)
		munmap(vm->mem, MSIM_VMM_MEM_SIZE);
	free(vm);
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN (triple fault)";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	default: return "unexpected exit";
	}
}

int msim_vmm_run(msim_vmm *vm, msim_vmm_result *res, char *err,
		 size_t errlen)
{
	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			FAIL("ioctl(KVM_RUN)");
		}
		struct kvm_run *r = vm->run;
		if (r->exit_reason == KVM_EXIT_IO &&
		    r->io.port == MSIM_VMM_PORT &&
		    r->io.direction == KVM_EXIT_IO_OUT) {
			struct kvm_regs regs;
			if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) < 0)
				FAIL("ioctl(KVM_GET_REGS)");
			res->status = regs.rax & 0xffffffff;
			res->ec = regs.rbx;
			res->cr2 = regs.rcx;
			res->rip = regs.rdx;
			return 0;
		}
		struct kvm_regs regs;
		memset(&regs, 0, sizeof(regs));
		(void)ioctl(vm->vcpu, KVM_GET_REGS, &regs);
		if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			snprintf(err, errlen,
				 "KVM_RUN: KVM_EXIT_INTERNAL_ERROR suberror %u (rip 0x%llx)",
				 r->internal.suberror, (unsigned long long)regs.rip);
		else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
			snprintf(err, errlen,
				 "KVM_RUN: KVM_EXIT_FAIL_ENTRY reason 0x%llx (rip 0x%llx)",
				 (unsigned long long)r->fail_entry.hardware_entry_failure_reason,
				 (unsigned long long)regs.rip);
		else
			snprintf(err, errlen, "KVM_RUN: %s (exit %u, rip 0x%llx)",
				 exit_name(r->exit_reason), r->exit_reason,
				 (unsigned long long)regs.rip);
		return -1;
	}
fail:
	return -1;
}
