/*
 * tracegen: bench-side trace generators for the figures whose workload
 * needs a knob `mmu-sim gen` does not have. Writes a native text trace
 * (traces/FORMAT.md) to stdout; the same arguments give the same bytes.
 *
 *   bench_tracegen zap    vcpus=N rounds=R            (figure zap_flush)
 *     A 64-bit guest whose data lives in one 1 GiB-aligned GPA range
 *     [1 GiB, 2 GiB) mapped with 2 MiB guest pages; each round it touches
 *     one 4 KiB page in each of the 512 2 MiB regions (so the host side
 *     holds one page table per 2 MiB, i.e. a full 1 GiB-level subtree),
 *     then the VMM moves a memslot (kvm_mmu_zap_all_fast, kvm_mmu_zap_all_fast()): the
 *     subtree is zapped and refaulted. Only vCPU 0 runs; the other N-1
 *     vCPUs exist so that every remote flush has N targets (kvm_flush_remote_tlbs()).
 *
 *   bench_tracegen mixed  rounds=R cr0=1 cr4=1 smm=1 init=1 efer=1
 *     A hardened 64-bit Linux guest (figure reset_callers). Per round:
 *     2 process switches (MOV CR3), 32 CR0.WP open/close pairs around
 *     kernel writes (grsecurity KERNEXEC, Mathias Krause's CR0.WP series numbers (2023)), 4 global TLB flushes by
 *     CR4.PGE toggling (Linux __native_tlb_flush_global without INVPCID),
 *     work on 64 pages; every 8th round an SMI/RSM round trip (OVMF
 *     variable services); once per 64 rounds an EFER.NX off/on pair; one
 *     INIT (+ the KVM_SET_SREGS the VMM does after it) in the middle of
 *     the run (a kexec/reboot of the vCPU). Each cause can be switched
 *     off (cause=0) so that a figure can take its marginal cost.
 *
 *   bench_tracegen nested rounds=R ws=W vpid=1
 *     An L1 hypervisor (EPT for L2, and VPID unless vpid=0: the nested L1/L2 loop example a / the nested L1/L2 loop example b)
 *     running one L2 process
 *     whose working set is W 4 KiB pages; every round is VM entry, L2
 *     reads its W pages in order, VM exit. L1's exit handler touches no
 *     guest memory, so tlb.miss counts L2's misses only.
 *
 *   bench_tracegen procs-pae procs=N switches=S ws=W
 *     A 32-bit PAE guest (CR4.PAE, EFER.LME=0) scheduling N processes
 *     round-robin, each with its own PDPT (user half private, kernel
 *     quarter 0xc0000000 shared), W user pages read per switch: the
 *     PAE-root case of the PAE-root / PGD-caching review of Paolo Bonzini's patch (Feb 9 2022) (fast_pgd_switch(): such roots are never cached).
 *
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/gmem.h"
#include "mmu_sim/walk.h"

#define PT_POOL UINT64_C(0x100000)
#define DATA_BASE UINT64_C(0x4000000)
#define KERNEL_GVA UINT64_C(0xffff800000000000)
#define USER_GVA UINT64_C(0x400000)
#define CR0_LONG 0x80050033ULL /* PG|AM|WP|NE|ET|MP|PE */
#define CR0_WP (1ULL << 16)
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)
#define CR4_BASE (CR4_PAE | CR4_PGE)
#define EFER_LONG 0xd00ULL /* LME|LMA|NXE */
#define EFER_NX (1ULL << 11)
#define UPPER (MSIM_PTE_P | MSIM_PTE_RW | MSIM_PTE_US)

static msim_gmem *mem;
static uint64_t next_pt = PT_POOL, next_data = DATA_BASE;

static void wrmem(uint64_t gpa, uint64_t val)
{
	printf("wrmem 0x%" PRIx64 " 0x%" PRIx64 "\n", gpa, val);
	if (msim_gmem_write(mem, gpa, 8, val)) {
		fprintf(stderr, "tracegen: gmem write failed\n");
		exit(1);
	}
}

static uint64_t new_table(void)
{
	uint64_t t = next_pt;

	next_pt += 4096;
	return t;
}

/* Map gva -> gpa in the 4-level tree at root; leaf at `level` (1 or 2). */
static void map(uint64_t root, uint64_t gva, uint64_t gpa, unsigned leaf_level,
		uint64_t flags)
{
	uint64_t table = root;

	for (unsigned level = 4; level > leaf_level; level--) {
		uint64_t slot = table + 8 * ((gva >> (12 + 9 * (level - 1))) & 511);
		uint64_t e = msim_gmem_read64(mem, slot);

		if (!(e & MSIM_PTE_P)) {
			e = new_table() | UPPER;
			wrmem(slot, e);
		}
		table = e & 0x000ffffffffff000ULL;
	}
	wrmem(table + 8 * ((gva >> (12 + 9 * (leaf_level - 1))) & 511),
	      gpa | flags | (leaf_level == 2 ? MSIM_PTE_PS : 0));
}

static uint64_t data_page(void)
{
	uint64_t p = next_data;

	next_data += 4096;
	return p;
}

static void sregs(uint64_t cr3)
{
	printf("sregs cr0=0x%llx cr3=0x%" PRIx64 " cr4=0x%llx efer=0x%llx\n",
	       CR0_LONG, cr3, CR4_BASE, EFER_LONG);
}

static uint64_t param(int argc, char **argv, const char *key, uint64_t def)
{
	size_t n = strlen(key);

	for (int i = 2; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return strtoull(argv[i] + n + 1, NULL, 0);
	return def;
}

static void header(unsigned vcpus, const char *what)
{
	printf("mmu-sim-trace 1\n# bench_tracegen %s\n", what);
	printf("machine vcpus=%u maxphyaddr=46 vendor=intel\n", vcpus);
}

/* ------------------------------------------------------------ zap */

static void gen_zap(int argc, char **argv)
{
	unsigned vcpus = (unsigned)param(argc, argv, "vcpus", 1);
	uint64_t rounds = param(argc, argv, "rounds", 4);
	const uint64_t base = 1ULL << 30; /* GPA [1 GiB, 2 GiB) */
	uint64_t root;

	header(vcpus, "zap: 1 GiB-level subtree zapped by memslot moves");
	printf("memslot create gfn=0x0 npages=0x80000\n"); /* 2 GiB of RAM */
	root = new_table();
	for (uint64_t i = 0; i < 512; i++) /* 2 MiB guest pages */
		map(root, KERNEL_GVA + (i << 21), base + (i << 21), 2,
		    MSIM_PTE_P | MSIM_PTE_RW);
	sregs(root);
	for (uint64_t r = 0; r < rounds; r++) {
		for (uint64_t i = 0; i < 512; i++)
			printf("access w 0x%" PRIx64 "\n",
			       KERNEL_GVA + (i << 21) + ((r & 7) << 12));
		/* a BAR remap below 1 GiB: zap_all_fast, the subtree goes */
		printf("memslot move gfn=0x%" PRIx64 " npages=0x100\n",
		       (uint64_t)0xfd000 + (r & 1) * 0x100);
	}
	/* touch once more so the last zap's refault is part of the run */
	for (uint64_t i = 0; i < 512; i++)
		printf("access r 0x%" PRIx64 "\n", KERNEL_GVA + (i << 21));
}

/* ------------------------------------------------------------ mixed */

static void gen_mixed(int argc, char **argv)
{
	uint64_t rounds = param(argc, argv, "rounds", 512);
	int cr0 = (int)param(argc, argv, "cr0", 1);
	int cr4 = (int)param(argc, argv, "cr4", 1);
	int smm = (int)param(argc, argv, "smm", 1);
	int init = (int)param(argc, argv, "init", 1);
	int efer = (int)param(argc, argv, "efer", 1);
	uint64_t proot[2], kdata[16];
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	header(1, "mixed: hardened Linux guest, every reset caller");
	printf("memslot create gfn=0x0 npages=0x40000\n");
	for (int i = 0; i < 16; i++)
		kdata[i] = data_page();
	for (int p = 0; p < 2; p++) {
		proot[p] = new_table();
		for (int i = 0; i < 16; i++) /* kernel half, read-only (W^X) */
			map(proot[p], KERNEL_GVA + i * UINT64_C(4096), kdata[i], 1,
			    MSIM_PTE_P);
		for (int i = 0; i < 48; i++)
			map(proot[p], USER_GVA + i * UINT64_C(4096), data_page(), 1,
			    UPPER);
	}
	sregs(proot[0]);
	for (uint64_t r = 0; r < rounds; r++) {
		for (int p = 0; p < 2; p++) {
			printf("cr3 0x%" PRIx64 "\n", proot[p]);
			for (int i = 0; i < 48; i++)
				printf("access r 0x%" PRIx64 " cpl=3\n",
				       USER_GVA + i * UINT64_C(4096));
			for (int t = 0; t < 16; t++) {
				if (cr0)
					printf("cr0 0x%llx\n", CR0_LONG & ~CR0_WP);
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				printf("access w 0x%" PRIx64 "\n",
				       KERNEL_GVA + ((rng >> 33) & 15) * 4096);
				if (cr0)
					printf("cr0 0x%llx\n", CR0_LONG);
			}
			if (cr4)
				for (int t = 0; t < 2; t++)
					printf("cr4 0x%llx\ncr4 0x%llx\n",
					       CR4_BASE & ~CR4_PGE, CR4_BASE);
		}
		if (smm && r % 8 == 7) {
			printf("smi\n");
			for (int i = 0; i < 8; i++) /* SMRAM at 0x30000 */
				printf("access w 0x%x\n", 0x30000 + i * 4096);
			printf("rsm\n");
		}
		if (efer && r % 64 == 63)
			printf("efer 0x%llx\nefer 0x%llx\n", EFER_LONG & ~EFER_NX,
			       EFER_LONG);
		if (init && r == rounds / 2) {
			printf("init\n");
			sregs(proot[r & 1]);
		}
	}
}

/* ------------------------------------------------------------ procs-pae */

/* Map gva -> gpa 4 KiB under a PAE PDPT (PDPTEs: P only, fast_pgd_switch() guests). */
static void map_pae(uint64_t pdpt, uint64_t gva, uint64_t gpa, uint64_t flags)
{
	uint64_t slot = pdpt + 8 * ((gva >> 30) & 3), e = msim_gmem_read64(mem, slot);
	uint64_t pd, pt;

	if (!(e & MSIM_PTE_P)) {
		e = new_table() | MSIM_PTE_P; /* PDPTE bits 1,2 are reserved */
		wrmem(slot, e);
	}
	pd = e & 0x000ffffffffff000ULL;
	slot = pd + 8 * ((gva >> 21) & 511);
	e = msim_gmem_read64(mem, slot);
	if (!(e & MSIM_PTE_P)) {
		e = new_table() | UPPER;
		wrmem(slot, e);
	}
	pt = e & 0x000ffffffffff000ULL;
	wrmem(pt + 8 * ((gva >> 12) & 511), gpa | flags);
}

static void gen_procs_pae(int argc, char **argv)
{
	uint64_t procs = param(argc, argv, "procs", 5);
	uint64_t switches = param(argc, argv, "switches", 2000);
	uint64_t ws = param(argc, argv, "ws", 8);
	const uint64_t kva = 0xc0000000ULL, uva = 0x400000ULL;
	uint64_t pdpt[64], kpde, kdata;

	if (procs < 1 || procs > 64 || ws > 512) {
		fprintf(stderr, "tracegen: procs-pae needs 1..64 procs, ws <= 512\n");
		exit(2);
	}
	header(1, "procs-pae: 32-bit PAE guest, round-robin CR3 switches");
	kdata = data_page();
	for (uint64_t p = 0; p < procs; p++) {
		pdpt[p] = new_table();
		if (!p) {
			map_pae(pdpt[0], kva, kdata, MSIM_PTE_P | MSIM_PTE_RW);
			kpde = msim_gmem_read64(mem, pdpt[0] + 8 * 3);
		} else { /* the kernel quarter is shared by every process */
			wrmem(pdpt[p] + 8 * 3, kpde);
		}
		for (uint64_t i = 0; i < ws; i++)
			map_pae(pdpt[p], uva + i * 4096, data_page(), UPPER);
	}
	printf("sregs cr0=0x%llx cr3=0x%" PRIx64 " cr4=0x%llx efer=0x0\n",
	       CR0_LONG, pdpt[0], CR4_BASE);
	for (uint64_t s = 0; s < switches; s++) {
		uint64_t p = (s + 1) % procs;

		printf("cr3 0x%" PRIx64 "\n", pdpt[p]);
		printf("access r 0x%" PRIx64 "\n", kva);
		for (uint64_t i = 0; i < ws; i++)
			printf("access r 0x%" PRIx64 " cpl=3\n", uva + i * 4096);
	}
}

/* ------------------------------------------------------------ nested */

static void gen_nested(int argc, char **argv)
{
	uint64_t rounds = param(argc, argv, "rounds", 200);
	uint64_t ws = param(argc, argv, "ws", 64);
	int vpid = (int)param(argc, argv, "vpid", 1);
	uint64_t l1root, l2root, pml4, pdpt, eptp;

	header(1, "nested: L1<->L2 round trips, L2 working set");
	l1root = new_table();
	for (uint64_t i = 0; i < 8; i++)
		map(l1root, KERNEL_GVA + i * 4096, data_page(), 1,
		    MSIM_PTE_P | MSIM_PTE_RW);
	l2root = new_table();
	for (uint64_t i = 0; i < ws; i++)
		map(l2root, USER_GVA + i * 4096, data_page(), 1, UPPER);
	/* EPT12: identity map of the first 4 GiB with 1 GiB pages, RWX WB */
	pml4 = new_table();
	pdpt = new_table();
	wrmem(pml4, pdpt | 7);
	for (uint64_t i = 0; i < 4; i++)
		wrmem(pdpt + 8 * i, (i << 30) | 7 | (6 << 3) | (1 << 7));
	eptp = pml4 | 6 | (3 << 3); /* WB, 4-level walk */
	sregs(l1root);
	for (uint64_t r = 0; r < rounds; r++) {
		printf("vmentry ept=1 eptp=0x%" PRIx64 " vpid_en=%d vpid=0x%x "
		       "cr3=0x%" PRIx64 " cr0=0x%llx cr4=0x%llx efer=0x%llx\n",
		       eptp, vpid ? 1 : 0, vpid ? 5 : 0, l2root, CR0_LONG,
		       CR4_BASE, EFER_LONG);
		for (uint64_t i = 0; i < ws; i++)
			printf("access r 0x%" PRIx64 " cpl=3\n", USER_GVA + i * 4096);
		printf("vmexit\n");
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s zap|mixed|nested|procs-pae [k=v ...]\n", argv[0]);
		return 2;
	}
	if (msim_gmem_create(&mem, NULL)) {
		fprintf(stderr, "tracegen: gmem_create failed\n");
		return 1;
	}
	if (!strcmp(argv[1], "zap"))
		gen_zap(argc, argv);
	else if (!strcmp(argv[1], "mixed"))
		gen_mixed(argc, argv);
	else if (!strcmp(argv[1], "nested"))
		gen_nested(argc, argv);
	else if (!strcmp(argv[1], "procs-pae"))
		gen_procs_pae(argc, argv);
	else {
		fprintf(stderr, "tracegen: unknown workload %s\n", argv[1]);
		return 2;
	}
	msim_gmem_free(mem);
	return fflush(stdout) ? 1 : 0;
}
