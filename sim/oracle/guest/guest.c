/*
 * mmu-sim oracle probe guest (freestanding, 32-bit, multiboot v1).
 * For every case of the module: build the paging structures at the fixed
 * layout of proto.h, perform one access, report fault and entries (their
 * A/D bits) over port 0xE9.
 * SPDX-License-Identifier: MIT
 */
#include "proto.h"

struct probe {
	uint32_t cr0, cr3, cr4, nxe, la, access, cpl, ac, value, la_hi, mode, pkru,
		pkrs, has_pks;
};
unsigned probe(struct probe *p);
void load_segments(void);
void guest_unexpected(void);
void guest_main(uint32_t *mbi);
extern uint32_t fault_vec, fault_ec, fault_cr2, fault_cr2_hi, fault_hit, fault_phase;
extern const uint32_t isr_table[33], isr64_table[33];
extern char user_page_start[], exc_stack_top[];

struct dtr { uint16_t lim; uint32_t base; } __attribute__((packed));
static uint64_t gdt[10];
static uint64_t idt[256], idt64[512];
uint32_t tss[26];
struct dtr idt32_desc, idt64_desc;

static inline void outsb(const void *p, uint32_t n)
{
	__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(0xE9) : "memory");
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void zero(void *p, uint32_t n)
{
	uint32_t *q = p;
	for (n /= 4; n; n--)
		*q++ = 0;
}

void guest_unexpected(void)
{
	static const char m[] = "UNEXPECTED";
	outsb(m, sizeof m);
}

static uint64_t seg(uint32_t base, uint32_t limit, uint32_t access, uint32_t fl)
{
	return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)fl << 52) | ((uint64_t)(base >> 24) << 56);
}

static void setup_cpu(void)
{
	struct dtr d;
	unsigned i;

	gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);
	gdt[2] = seg(0, 0xfffff, 0x92, 0xc);
	gdt[3] = seg(0, 0xfffff, 0xfa, 0xc);
	gdt[4] = seg(0, 0xfffff, 0xf2, 0xc);
	tss[1] = (uint32_t)exc_stack_top; /* esp0 */
	tss[2] = 0x10;                      /* ss0 */
	tss[25] = sizeof tss << 16;         /* no I/O bitmap */
	gdt[5] = seg((uint32_t)tss, sizeof tss - 1, 0x89, 0);
	gdt[7] = seg(0, 0xfffff, 0x9a, 0xa); /* 0x38: 64-bit kernel code */
	gdt[8] = seg(0, 0xfffff, 0xfa, 0xa); /* 0x43: 64-bit user code */
	d.lim = sizeof gdt - 1;
	d.base = (uint32_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(d));
	load_segments();
	for (i = 0; i < 33; i++) {
		uint32_t h = isr_table[i], v = i < 32 ? i : 0x80;
		uint32_t type = v == 0x80 ? 0xee : 0x8e;
		idt[v] = (h & 0xffff) | (0x08ull << 16) | ((uint64_t)type << 40) |
			 ((uint64_t)(h >> 16) << 48);
		h = isr64_table[i];
		idt64[2 * v] = (h & 0xffff) | (0x38ull << 16) | ((uint64_t)type << 40) |
			       ((uint64_t)(h >> 16) << 48);
	}
	idt32_desc.lim = sizeof idt - 1;
	idt32_desc.base = (uint32_t)idt;
	idt64_desc.lim = sizeof idt64 - 1;
	idt64_desc.base = (uint32_t)idt64;
	__asm__ volatile("lidt %0" : : "m"(idt32_desc));
}

static const uint32_t table_of[6] = { 0, ORC_CASE_PT, ORC_CASE_PD, ORC_CASE_L3,
				       ORC_CASE_L4, 0 };

/* 4/5-level: where the case's level-l entry lives */
static uint64_t *entry_ptr(unsigned mode, unsigned l, uint64_t la)
{
	uint32_t t = l == mode ? ORC_TOP : table_of[l];
	return (uint64_t *)t + ((la >> (12 + 9 * (l - 1))) & 511);
}

static void build(const struct orc_case *c, uint32_t *cr3)
{
	uint32_t la = c->la, i, up = (uint32_t)user_page_start >> 12;

	zero((void *)ORC_TOP, ORC_TABLES_END - ORC_TOP);
	if (c->mode >= 4) {
		uint64_t *pt = (uint64_t *)ORC_ID_PT, *pd = (uint64_t *)ORC_ID_PD;
		uint64_t la64 = (uint64_t)c->la_hi << 32 | la;
		for (i = 0; i < 1024; i++)
			pt[i] = ((uint64_t)i << 12) | 3 | (i == up ? 4 : 0);
		pd[0] = ORC_ID_PT | 7;
		pd[1] = (ORC_ID_PT + 0x1000) | 7;
		((uint64_t *)ORC_ID_L3)[0] = ORC_ID_PD | 7;
		if (c->mode == 5) {
			((uint64_t *)ORC_ID_L4)[0] = ORC_ID_L3 | 7;
			((uint64_t *)ORC_TOP)[0] = ORC_ID_L4 | 7;
		} else {
			((uint64_t *)ORC_TOP)[0] = ORC_ID_L3 | 7;
		}
		for (i = 1; i <= c->mode; i++)
			*entry_ptr(c->mode, i, la64) = c->ent[i - 1];
	} else if (c->mode == 2) {
		uint32_t *pd = (uint32_t *)ORC_TOP, *pt = (uint32_t *)ORC_ID_PT;
		for (i = 0; i < 1024; i++)
			pt[i] = (i << 12) | 3 | (i == up ? 4 : 0);
		pd[0] = ORC_ID_PT | 7;
		pd[la >> 22] = (uint32_t)c->ent[1];
		((uint32_t *)ORC_CASE_PT)[(la >> 12) & 1023] = (uint32_t)c->ent[0];
	} else {
		uint64_t *pdpt = (uint64_t *)ORC_TOP, *pd = (uint64_t *)ORC_ID_PD;
		uint64_t *pt = (uint64_t *)ORC_ID_PT;
		for (i = 0; i < 1024; i++)
			pt[i] = ((uint64_t)i << 12) | 3 | (i == up ? 4 : 0);
		pd[0] = ORC_ID_PT | 7;
		pd[1] = (ORC_ID_PT + 0x1000) | 7;
		pdpt[0] = ORC_ID_PD | 1;
		pdpt[la >> 30] = c->ent[2];
		((uint64_t *)ORC_CASE_PD)[(la >> 21) & 511] = c->ent[1];
		((uint64_t *)ORC_CASE_PT)[(la >> 12) & 511] = c->ent[0];
	}
	*cr3 = ORC_TOP;
}

static void readback(const struct orc_case *c, struct orc_out *o)
{
	uint32_t la = c->la, i;
	if (c->mode >= 4) {
		for (i = 1; i <= c->mode; i++)
			o->ent[i - 1] = *entry_ptr(c->mode, i, (uint64_t)c->la_hi << 32 | la);
	} else if (c->mode == 2) {
		o->ent[1] = ((uint32_t *)ORC_TOP)[la >> 22];
		o->ent[0] = ((uint32_t *)ORC_CASE_PT)[(la >> 12) & 1023];
	} else {
		o->ent[2] = ((uint64_t *)ORC_TOP)[la >> 30];
		o->ent[1] = ((uint64_t *)ORC_CASE_PD)[(la >> 21) & 511];
		o->ent[0] = ((uint64_t *)ORC_CASE_PT)[(la >> 12) & 511];
	}
}

void guest_main(uint32_t *mbi)
{
	struct orc_hdr h;
	const struct orc_case *cs;
	uint32_t r[4], n, i, has_pks;
	uint8_t *d = (uint8_t *)ORC_DATA;

	setup_cpu();
	zero(&h, sizeof h);
	h.magic = ORC_MAGIC;
	cpuid(1, 0, r);
	h.cpuid1_ecx = r[2];
	h.cpuid1_edx = r[3];
	cpuid(7, 0, r);
	h.cpuid7_ebx = r[1];
	h.cpuid7_ecx = r[2];
	has_pks = r[2] >> 31;
	cpuid(0x80000001u, 0, r);
	h.ext1_edx = r[3];
	cpuid(0x80000008u, 0, r);
	h.ext8_eax = r[0];
	if (!(mbi[0] & 8) || mbi[5] == 0) {
		outsb(&h, sizeof h);
		return;
	}
	cs = (const struct orc_case *)((uint32_t *)mbi[6])[0];
	if (((const uint32_t *)cs)[0] != ORC_MAGIC) {
		outsb(&h, sizeof h);
		return;
	}
	n = ((const uint32_t *)cs)[1];
	h.count = n;
	outsb(&h, sizeof h);
	for (i = 0; i < 0x400000; i++)
		d[i] = 0xC3;
	for (i = 0; i < n; i++) {
		const struct orc_case *c = &cs[i + 1];
		struct orc_out o;
		struct probe p;

		zero(&o, sizeof o);
		zero(&p, sizeof p);
		build(c, &p.cr3);
		p.cr0 = 0x80000011u | (c->flags & ORC_F_WP ? 0x10000u : 0);
		p.cr4 = c->cr4;
		p.nxe = !!(c->flags & ORC_F_NXE);
		p.la = c->la;
		p.access = c->access;
		p.cpl = c->cpl;
		p.ac = !!(c->flags & ORC_F_AC);
		p.la_hi = c->la_hi;
		p.mode = c->mode;
		p.pkru = c->pkru;
		p.pkrs = c->pkrs;
		p.has_pks = has_pks;
		fault_hit = 0;
		probe(&p);
		o.idx = i;
		o.fault = (uint8_t)fault_hit;
		if (fault_hit) {
			o.vec = (uint8_t)fault_vec;
			o.ec = fault_ec;
			o.cr2 = fault_cr2;
			o.phase = (uint8_t)fault_phase;
			o.cr2_hi = c->mode >= 4 ? fault_cr2_hi : 0;
		}
		o.value = p.value;
		readback(c, &o);
		outsb(&o, sizeof o);
	}
}
