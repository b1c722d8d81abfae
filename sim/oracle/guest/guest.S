/*
 * mmu-sim oracle probe guest: entry, exception stubs, the probe.
 * The probe sets CR4/EFER.NXE/CR3/CR0 from a struct probe, performs one
 * access at CPL0 or CPL3 and returns; any exception longjmps back to it.
 * SPDX-License-Identifier: MIT
 */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x3
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	push %ebx
	call guest_main
	.globl guest_shutdown
guest_shutdown:
	lidt null_idt
	int3
1:	hlt
	jmp 1b

	.globl load_segments
load_segments:			/* after lgdt: reload CS/DS/ES/SS/FS/GS */
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $0x28, %ax
	ltr %ax
	ret

/* exception stubs: push a 0 error code where the CPU pushes none */
.macro ISR v
isr\v:
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21)
	.else
	push $0
	.endif
	push $\v
	jmp isr_common
.endm
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ISR \v
	.endr
	ISR 128
	.section .rodata
	.globl isr64_table
isr64_table:
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr64_\v
	.endr
	.long isr64_128
	.globl isr_table
isr_table:
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr\v
	.endr
	.long isr128
	.text

isr_common:
	mov $0x10, %cx
	mov %cx, %ds
	mov %cx, %es
	cmpl $0x80, (%esp)
	je user_done
	mov (%esp), %ecx
	mov %ecx, fault_vec
	mov 4(%esp), %ecx
	mov %ecx, fault_ec
	mov %cr2, %ecx
	mov %ecx, fault_cr2
	movl $1, fault_hit
	mov phase_g, %ecx
	mov %ecx, fault_phase
	cmpl $0, phase_g
	je unexpected
	mov saved_esp, %esp
	jmp probe_out
user_done:
	movl $0, fault_hit
	mov saved_esp, %esp
	jmp probe_out
unexpected:
	call guest_unexpected
	jmp guest_shutdown

/* struct probe: cr0 0, cr3 4, cr4 8, nxe 12, la 16, access 20, cpl 24,
 * ac 28, value 32 */
	.globl probe
probe:
	push %ebp
	push %ebx
	push %esi
	push %edi
	pushf
	mov %esp, saved_esp
	mov 24(%esp), %esi
	cmpl $4, 40(%esi)
	jae probe_long
	movl $1, phase_g
	mov 8(%esi), %eax
	mov %eax, %cr4
	cmpl $0, 12(%esi)
	je 1f
	mov $0xC0000080, %ecx
	rdmsr
	or $0x800, %eax
	wrmsr
1:	mov 4(%esi), %eax
	mov %eax, %cr3
	movl $2, phase_g
	mov 0(%esi), %eax
	mov %eax, %cr0
	movl $3, phase_g
	mov 16(%esi), %eax
	mov 20(%esi), %edx
	xor %ebx, %ebx
	cmpl $3, 24(%esi)
	je to_user
	cmpl $0, 28(%esi)
	je 2f
	pushf
	orl $0x40000, (%esp)
	popf
2:	cmp $1, %edx
	je 3f
	cmp $2, %edx
	je 4f
	mov (%eax), %ebx
	jmp 5f
3:	mov $0xC3C3C3C3, %ebx
	mov %ebx, (%eax)
	jmp 5f
4:	call *%eax
5:	movl $0, fault_hit
	mov saved_esp, %esp
	jmp probe_out
to_user:
	mov 28(%esi), %ecx
	mov $0x23, %bp
	mov %bp, %ds
	mov %bp, %es
	push $0x23
	push $user_stack_top
	pushf
	andl $~0x40200, (%esp)
	shl $18, %ecx
	or %ecx, (%esp)
	push $0x1b
	push $user_entry
	iret
probe_long:
	movl $0, tss + 8	/* 64-bit TSS view: RSP0 high half = 0 */
	lidt idt64_desc
	movl $1, phase_g
	cmpl $0, 52(%esi)
	je 1f
	mov $0x6E1, %ecx	/* IA32_PKRS */
	mov 48(%esi), %eax
	xor %edx, %edx
	wrmsr
1:	mov 8(%esi), %eax
	mov %eax, %cr4
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	cmpl $0, 12(%esi)
	je 2f
	or $0x800, %eax
2:	wrmsr
	mov 4(%esi), %eax
	mov %eax, %cr3
	movl $2, phase_g
	mov 0(%esi), %eax
	mov %eax, %cr0
	ljmp $0x38, $long64
	.code64
long64:
	testl $0x400000, 8(%rsi)
	jz 1f
	mov 44(%rsi), %eax
	xor %ecx, %ecx
	xor %edx, %edx
	wrpkru
1:	mov 36(%rsi), %eax
	shl $32, %rax
	mov 16(%rsi), %ecx
	or %rcx, %rax
	mov 20(%rsi), %edx
	xor %ebx, %ebx
	mov $phase_g, %edi
	movl $3, (%rdi)
	cmpl $3, 24(%rsi)
	je user64
	cmpl $0, 28(%rsi)
	je 2f
	pushfq
	orl $0x40000, (%rsp)
	popfq
2:	cmp $1, %edx
	je 3f
	cmp $2, %edx
	je 4f
	mov (%rax), %ebx
	jmp 5f
3:	mov $0xC3C3C3C3, %ebx
	mov %ebx, (%rax)
	jmp 5f
4:	call *%rax
5:	mov $fault_hit, %edi
	movl $0, (%rdi)
long_out:
	mov $saved_esp, %edi
	mov (%rdi), %esp
	pushq $0x08
	mov $compat_out, %ecx
	push %rcx
	lretq
user64:
	mov 28(%rsi), %ecx
	pushq $0x23
	mov $user_stack_top, %edi
	push %rdi
	pushfq
	andl $~0x40200, (%rsp)
	shl $18, %ecx
	or %ecx, (%rsp)
	pushq $0x43
	mov $user64_entry, %edi
	push %rdi
	iretq

.macro ISR64 v
isr64_\v:
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp isr64_common
.endm
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ISR64 \v
	.endr
	ISR64 128
isr64_common:
	cmpq $0x80, (%rsp)
	je 1f
	mov (%rsp), %rcx
	mov $fault_vec, %edi
	mov %ecx, (%rdi)
	mov 8(%rsp), %rcx
	mov $fault_ec, %edi
	mov %ecx, (%rdi)
	mov %cr2, %rcx
	mov $fault_cr2, %edi
	mov %ecx, (%rdi)
	shr $32, %rcx
	mov $fault_cr2_hi, %edi
	mov %ecx, (%rdi)
	mov $fault_hit, %edi
	movl $1, (%rdi)
	mov $phase_g, %edi
	mov (%rdi), %ecx
	mov $fault_phase, %edi
	mov %ecx, (%rdi)
	jmp long_out
1:	mov $fault_hit, %edi
	movl $0, (%rdi)
	jmp long_out
	.code32
compat_out:
	mov $0x10, %ax
	mov %ax, %ss
	mov %ax, %ds
	mov %ax, %es
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	mov $0xC0000080, %ecx
	rdmsr
	and $~0x100, %eax
	wrmsr
	movl $0x10, tss + 8
	lidt idt32_desc
probe_out:
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	mov 24(%esp), %esi
	mov %ebx, 32(%esi)
	xor %eax, %eax
	mov %eax, %cr4
	mov $0xC0000080, %ecx
	rdmsr
	and $~0x800, %eax
	wrmsr
	movl $0, phase_g
	popf
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

/* ring-3 stub: its own page, mapped user by the guest */
	.section .user, "awx"
user_entry:
	cmp $1, %edx
	je 1f
	cmp $2, %edx
	je 2f
	mov (%eax), %ebx
	int $0x80
1:	mov $0xC3C3C3C3, %ebx
	mov %ebx, (%eax)
	int $0x80
2:	call *%eax
	int $0x80
	.code64
user64_entry:
	cmp $1, %edx
	je 1f
	cmp $2, %edx
	je 2f
	mov (%rax), %ebx
	int $0x80
1:	mov $0xC3C3C3C3, %ebx
	mov %ebx, (%rax)
	int $0x80
2:	call *%rax
	int $0x80
	.code32
	.align 16
	.space 1024
user_stack_top:

	.data
	.align 8
null_idt:
	.word 0
	.long 0
	.globl fault_cr2_hi
	.globl saved_esp, fault_vec, fault_ec, fault_cr2, fault_hit, phase_g, fault_phase
saved_esp: .long 0
fault_vec: .long 0
fault_ec: .long 0
fault_cr2: .long 0
fault_hit: .long 0
phase_g: .long 0
fault_cr2_hi: .long 0
fault_phase: .long 0

	.bss
	.align 16
	.space 16384
	.globl stack_top
stack_top:
	.space 4096
	.globl exc_stack_top
exc_stack_top:
