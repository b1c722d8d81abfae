/*
 * mmu-sim oracle: the binary case/record format shared by the probe guest
 * and `mmu-sim oracle` (little-endian, fixed 64-byte records).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_ORACLE_PROTO_H
#define MSIM_ORACLE_PROTO_H
#include <stdint.h>

#define ORC_MAGIC 0x524f534du /* "MSOR" */
#define ORC_REC 64

/* fixed guest-physical layout */
#define ORC_TOP 0x300000u     /* 32-bit PD / PAE PDPT */
#define ORC_CASE_PD 0x301000u /* PAE: the case's PD */
#define ORC_CASE_PT 0x302000u /* the case's PT */
#define ORC_ID_PD 0x303000u   /* PAE: PD for 0-4 MiB identity */
#define ORC_ID_PT 0x304000u   /* identity PT(s) 0x304000, 0x305000 */
#define ORC_DATA 0x400000u    /* data region 4 MiB, filled with 0xC3 */
#define ORC_CASE_L3 0x306000u /* 4/5-level: the case's PDPT */
#define ORC_CASE_L4 0x307000u /* 5-level: the case's PML4 */
#define ORC_ID_L3 0x308000u   /* 4/5-level identity PDPT */
#define ORC_ID_L4 0x309000u   /* 5-level identity PML4 */
#define ORC_TABLES_END 0x30a000u

enum { ORC_ACC_READ = 0, ORC_ACC_WRITE = 1, ORC_ACC_FETCH = 2 };
#define ORC_F_WP 1u
#define ORC_F_AC 2u
#define ORC_F_NXE 4u

/* module: a header record {magic, count, 0...} then count cases */
struct orc_case {
	uint8_t mode;   /* 2: 32-bit, 3: PAE, 4: 4-level, 5: 5-level */
	uint8_t access; /* ORC_ACC_* */
	uint8_t cpl;    /* 0 or 3 */
	uint8_t flags;  /* ORC_F_* */
	uint32_t cr4;
	uint32_t la, la_hi;
	uint64_t ent[5]; /* by level-1: [0] PTE, [1] PDE, [2] PDPTE, ... */
	uint32_t pkru, pkrs;
};

/* output: a header record then one record per case */
struct orc_hdr {
	uint32_t magic, count;
	uint32_t cpuid1_ecx, cpuid1_edx;
	uint32_t cpuid7_ebx, cpuid7_ecx;
	uint32_t ext1_edx, ext8_eax;
	uint32_t pad[8];
};

struct orc_out {
	uint32_t idx;
	uint8_t phase; /* 0 done; 1 CR4/EFER, 2 MOV CR0, 3 access: where it faulted */
	uint8_t fault; /* 1: an exception happened */
	uint8_t vec, pad;
	uint32_t ec, cr2, value, cr2_hi;
	uint64_t ent[5]; /* entries after the access, same order as the case */
};

_Static_assert(sizeof(struct orc_case) == ORC_REC, "case record");
_Static_assert(sizeof(struct orc_out) == ORC_REC, "out record");
#endif
