/*
 * Guest side of the recording VMM: the harness image (GDT, IDT, TSS,
 * harness page tables, ring-0 interpreter, exception stubs, ring-3
 * trampoline) and the code written into the action slot for each input
 * event. Instructions are hand-encoded (Intel SDM vol. 2 opcode tables):
 * no assembler is needed at build time.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

/* ---- tiny x86-64 encoder ---- */
typedef struct enc {
	uint8_t *p;
	uint64_t va; /* linear address of p[0] */
	size_t n, cap;
} enc;

/* Append n bytes (given as unsigned varargs). */
static void b(enc *e, unsigned n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++) {
		unsigned v = va_arg(ap, unsigned);
		if (e->n < e->cap)
			e->p[e->n] = (uint8_t)v;
		e->n++;
	}
	va_end(ap);
}

static void imm(enc *e, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		b(e, 1, (unsigned)((v >> (8 * i)) & 0xff));
}

/* REX.W B8+r / REX.WB B8+r: mov r64, imm64 (r 0..15). */
static void mov_imm64(enc *e, unsigned r, uint64_t v)
{
	b(e, 2, 0x48u | (r >= 8 ? 1u : 0u), 0xb8u + (r & 7));
	imm(e, v, 8);
}

enum { RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, R11 = 11 };

static void jmp_abs(enc *e, uint64_t target) /* via r11 */
{
	mov_imm64(e, R11, target);
	b(e, 3, 0x41, 0xff, 0xe3);
}

static void push_imm64(enc *e, uint64_t v)
{
	mov_imm64(e, R11, v);
	b(e, 2, 0x41, 0x53); /* push r11 */
}

/* ---- layout ---- */
#define A(gpa) (MSIM_VMM_ALIAS + (uint64_t)(gpa))
#define LOOP_OFF 0x000u
#define COMMON_OFF 0x080u
#define STUBS_OFF 0x100u   /* 32 stubs of 16 bytes */
#define USER_R 0x00u
#define USER_W 0x10u
#define USER_X 0x20u
#define UD2_AT(entry) (MSIM_VMM_USER + (entry) + ((entry) == USER_X ? 2u : 3u))

int msim_vmm_ring3_done(const msim_vmm_result *r)
{
	return r->status == 0x106 &&
	       (r->rip == UD2_AT(USER_R) || r->rip == UD2_AT(USER_W) ||
		r->rip == UD2_AT(USER_X));
}
#define USER_RSP (MSIM_VMM_USER + 0x2000u)

static void wr64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void epilogue(enc *e)
{
	b(e, 6, 0x31, 0xc0, 0x31, 0xdb, 0x31, 0xc9); /* xor eax,ebx,ecx */
	b(e, 1, 0xc3);                               /* ret */
}

static void build_code(uint8_t *mem)
{
	uint8_t *code = mem + MSIM_VMM_CODE;
	enc e = { code + LOOP_OFF, A(MSIM_VMM_CODE), 0, COMMON_OFF };

	/* loop: report rax/rbx/rcx, fetch next action, run it. */
	b(&e, 2, 0xe6, MSIM_VMM_PORT);            /* out PORT, al */
	mov_imm64(&e, R11, A(MSIM_VMM_SLOT));
	b(&e, 3, 0x41, 0xff, 0xd3);               /* call r11 */
	jmp_abs(&e, A(MSIM_VMM_CODE + LOOP_OFF));

	/* common: vector in eax, error code in rbx; add cr2 and the faulting
	 * rip (rdx), clear AC,
	 * reset the stack and report. */
	e = (enc){ code + COMMON_OFF, 0, 0, STUBS_OFF - COMMON_OFF };
	b(&e, 3, 0x0f, 0x20, 0xd1);               /* mov rcx, cr2 */
	b(&e, 4, 0x48, 0x8b, 0x14, 0x24);         /* mov rdx, [rsp]: rip */
	mov_imm64(&e, RSP, A(MSIM_VMM_STACK_TOP));
	b(&e, 1, 0x9c);                           /* pushfq */
	b(&e, 4, 0x48, 0x81, 0x24, 0x24);         /* and qword [rsp], */
	imm(&e, ~(1u << 18), 4);                  /*   ~EFLAGS.AC */
	b(&e, 1, 0x9d);                           /* popfq */
	jmp_abs(&e, A(MSIM_VMM_CODE + LOOP_OFF));

	/* Exception stubs: vectors with an error code pop it (SDM 6.13). */
	static const uint32_t has_ec = (1u << 8) | (1u << 10) | (1u << 11) |
				       (1u << 12) | (1u << 13) | (1u << 14) |
				       (1u << 17) | (1u << 21) | (1u << 29) |
				       (1u << 30);
	for (unsigned v = 0; v < 32; v++) {
		e = (enc){ code + STUBS_OFF + 16 * v, 0, 0, 16 };
		if (has_ec & (1u << v))
			b(&e, 2, 0x5b, 0x90);     /* pop rbx; nop */
		else
			b(&e, 2, 0x31, 0xdb);     /* xor ebx, ebx */
		b(&e, 1, 0xb8);                   /* mov eax, 0x100|v */
		imm(&e, 0x100u | v, 4);
		/* jmp rel32 to common */
		uint32_t from = STUBS_OFF + 16 * v + 12;
		b(&e, 1, 0xe9);
		imm(&e, (uint32_t)(COMMON_OFF - from), 4);
	}

	/* Ring-3 trampoline: rax = gva, rbx = value to store. It returns
	 * to ring 0 with UD2 (#UD at a known rip): INT n from ring 3 raises
	 * #UD on the PVM-flavoured KVM this was written on, UD2 behaves the
	 * same everywhere. */
	uint8_t *u = mem + MSIM_VMM_USER_GPA;
	static const uint8_t ur[] = { 0x48, 0x8b, 0x18, 0x0f, 0x0b };
	static const uint8_t uw[] = { 0x48, 0x89, 0x18, 0x0f, 0x0b };
	static const uint8_t ux[] = { 0xff, 0xd0, 0x0f, 0x0b };
	memcpy(u + USER_R, ur, sizeof(ur));
	memcpy(u + USER_W, uw, sizeof(uw));
	memcpy(u + USER_X, ux, sizeof(ux));
}

static void idt_gate(uint8_t *mem, unsigned vec, uint64_t off, unsigned dpl)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)MSIM_VMM_SEL_KCODE << 16) |
		      ((uint64_t)(0x8eu | (dpl << 5)) << 40) |
		      ((off >> 16) & 0xffff) << 48;
	wr64(mem, MSIM_VMM_IDT + 16 * vec, lo);
	wr64(mem, MSIM_VMM_IDT + 16 * vec + 8, off >> 32);
}

void msim_vmm_build_harness(uint8_t *mem)
{
	/* GDT: null, kcode, kdata, -, udata, ucode, TSS (16 bytes). */
	wr64(mem, MSIM_VMM_GDT + 0x08, 0x00209a0000000000ull);
	wr64(mem, MSIM_VMM_GDT + 0x10, 0x0000920000000000ull);
	wr64(mem, MSIM_VMM_GDT + 0x20, 0x0000f20000000000ull);
	wr64(mem, MSIM_VMM_GDT + 0x28, 0x0020fa0000000000ull);
	uint64_t tb = A(MSIM_VMM_TSS);
	wr64(mem, MSIM_VMM_GDT + 0x30,
	     0x67 | (tb & 0xffffff) << 16 | 0x8bull << 40 |
		     ((tb >> 24) & 0xff) << 56);
	wr64(mem, MSIM_VMM_GDT + 0x38, tb >> 32);

	/* TSS: RSP0 for the ring-3 -> ring-0 transition, no I/O bitmap. */
	uint64_t rsp0 = A(MSIM_VMM_STACK_TOP);
	memcpy(mem + MSIM_VMM_TSS + 4, &rsp0, 8);
	uint16_t iopb = 0x68;
	memcpy(mem + MSIM_VMM_TSS + 0x66, &iopb, 2);

	for (unsigned v = 0; v < 32; v++)
		idt_gate(mem, v, A(MSIM_VMM_CODE + STUBS_OFF + 16 * v), 0);

	/* Harness page tables (see vmm.h). */
	wr64(mem, MSIM_VMM_BOOT_PML4 + 511 * 8, MSIM_VMM_PML4E);
	wr64(mem, MSIM_VMM_PDPT_H, MSIM_VMM_PD_K | 0x3u);
	wr64(mem, MSIM_VMM_PDPT_H + 8, MSIM_VMM_PD_U | 0x7u);
	for (uint64_t i = 0; i < MSIM_VMM_MEM_SIZE >> 21; i++)
		wr64(mem, MSIM_VMM_PD_K + 8 * i, (i << 21) | 0x83u);
	wr64(mem, MSIM_VMM_PD_U, MSIM_VMM_USER_GPA | 0x87u);

	build_code(mem);
}

int msim_vmm_translate(const uint8_t *mem, uint64_t cr3, uint64_t gva,
		       uint64_t *gpa)
{
	const uint64_t addr = 0x000ffffffffff000ull;
	uint64_t table = cr3 & addr;
	for (int level = 4; level >= 1; level--) {
		uint64_t idx = (gva >> (12 + 9 * (level - 1))) & 511;
		uint64_t at = table + 8 * idx, pte;
		if (at + 8 > MSIM_VMM_MEM_SIZE)
			return -1;
		memcpy(&pte, mem + at, 8);
		if (!(pte & 1))
			return -1;
		if ((level == 2 || level == 3) && (pte & 0x80)) {
			uint64_t sz = 1ull << (12 + 9 * (level - 1));
			*gpa = (pte & addr & ~(sz - 1)) | (gva & (sz - 1));
			return 0;
		}
		table = pte & addr;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

static void user_access(enc *e, unsigned type, uint64_t gva, uint64_t val)
{
	static const unsigned entry[] = { USER_R, USER_W, USER_X };
	mov_imm64(e, RAX, gva);
	mov_imm64(e, RBX, val);
	/* iretq frame: SS, RSP, RFLAGS (IF=0), CS, RIP. */
	push_imm64(e, MSIM_VMM_SEL_UDATA);
	push_imm64(e, USER_RSP);
	b(e, 2, 0x6a, 0x02);
	push_imm64(e, MSIM_VMM_SEL_UCODE);
	push_imm64(e, MSIM_VMM_USER + entry[type]);
	b(e, 2, 0x48, 0xcf); /* iretq */
}

static void kernel_access(enc *e, unsigned type, uint64_t gva, uint64_t val,
			  int ac)
{
	if (ac) { /* pushfq; or qword [rsp], EFLAGS.AC; popfq */
		b(e, 5, 0x9c, 0x48, 0x81, 0x0c, 0x24);
		imm(e, 1u << 18, 4);
		b(e, 1, 0x9d);
	}
	mov_imm64(e, RAX, gva);
	mov_imm64(e, RBX, val);
	if (type == MSIM_ACC_READ)
		b(e, 3, 0x48, 0x8b, 0x18);
	else if (type == MSIM_ACC_WRITE)
		b(e, 3, 0x48, 0x89, 0x18);
	else
		b(e, 2, 0xff, 0xd0); /* call rax: target holds a ret */
	if (ac) {
		b(e, 5, 0x9c, 0x48, 0x81, 0x24, 0x24);
		imm(e, ~(1u << 18), 4);
		b(e, 1, 0x9d);
	}
}

int msim_vmm_encode_action(uint8_t *mem, const msim_event *ev,
			   uint64_t store, char *err, size_t errlen)
{
	/* the last 16 bytes of the slot hold the INVPCID descriptor */
	enc e = { mem + MSIM_VMM_SLOT, A(MSIM_VMM_SLOT), 0, 0xff0 };
	const uint64_t *a = ev->arg;

	switch (ev->type) {
	case MSIM_EV_CR0:
	case MSIM_EV_CR3:
	case MSIM_EV_CR4:
		mov_imm64(&e, RAX, a[0]);
		b(&e, 3, 0x0f, 0x22,
		  ev->type == MSIM_EV_CR0 ? 0xc0u :
		  ev->type == MSIM_EV_CR3 ? 0xd8u : 0xe0u);
		break;
	case MSIM_EV_EFER:
		b(&e, 1, 0xb9); imm(&e, 0xc0000080u, 4); /* mov ecx, EFER */
		b(&e, 1, 0xb8); imm(&e, a[0] & 0xffffffffu, 4);
		b(&e, 1, 0xba); imm(&e, a[0] >> 32, 4);
		b(&e, 2, 0x0f, 0x30); /* wrmsr */
		break;
	case MSIM_EV_WRMEM: {
		uint64_t size = (ev->present & 4) ? a[2] : 8;
		if (a[0] + size > MSIM_VMM_MEM_SIZE || (a[0] & (size - 1))) {
			snprintf(err, errlen, "wrmem 0x%llx outside guest memory or unaligned",
				 (unsigned long long)a[0]);
			return -1;
		}
		mov_imm64(&e, RAX, A(a[0]));
		mov_imm64(&e, RBX, a[1]);
		if (size == 8) b(&e, 3, 0x48, 0x89, 0x18);
		else if (size == 4) b(&e, 2, 0x89, 0x18);
		else if (size == 2) b(&e, 3, 0x66, 0x89, 0x18);
		else if (size == 1) b(&e, 2, 0x88, 0x18);
		else {
			snprintf(err, errlen, "wrmem size %llu", (unsigned long long)size);
			return -1;
		}
		break;
	}
	case MSIM_EV_ACCESS: {
		uint64_t cpl = (ev->present & 4) ? a[2] : 0;
		uint64_t ac = (ev->present & 8) ? a[3] : 0;
		if (cpl == 3)
			user_access(&e, (unsigned)a[0], a[1], store);
		else if (cpl == 0)
			kernel_access(&e, (unsigned)a[0], a[1], store, (int)ac);
		else {
			snprintf(err, errlen, "access cpl=%llu: only 0 and 3 are recorded",
				 (unsigned long long)cpl);
			return -1;
		}
		break;
	}
	case MSIM_EV_INVLPG:
		mov_imm64(&e, RAX, a[0]);
		b(&e, 3, 0x0f, 0x01, 0x38); /* invlpg [rax] */
		break;
	case MSIM_EV_INVPCID: {
		/* descriptor {PCID, linear address} in the slot's last 16 bytes */
		uint64_t desc[2] = { (ev->present & 2) ? a[1] : 0,
				     (ev->present & 4) ? a[2] : 0 };
		memcpy(mem + MSIM_VMM_SLOT + 0xff0, desc, sizeof(desc));
		mov_imm64(&e, RAX, a[0]);
		mov_imm64(&e, RBX, A(MSIM_VMM_SLOT + 0xff0));
		b(&e, 5, 0x66, 0x0f, 0x38, 0x82, 0x03); /* invpcid rax, [rbx] */
		break;
	}
	case MSIM_EV_MARK:
		break;
	default: {
		const msim_event_spec *s = msim_event_spec_get(ev->type);
		snprintf(err, errlen, "event '%s' cannot be executed by the recording guest",
			 s ? s->name : "?");
		return -1;
	}
	}
	epilogue(&e);
	if (e.n > e.cap) {
		snprintf(err, errlen, "action code too long");
		return -1;
	}
	return 0;
}
