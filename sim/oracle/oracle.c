/*
 * mmu-sim oracle: random guest-visible translations run in QEMU/TCG (the
 * probe guest in guest/) and through msim_walk; prints every mismatch
 * with a reproducer. Public API only.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/gmem.h"
#include "mmu_sim/walk.h"
#include "oracle/guest/proto.h"

int cli_oracle(int argc, char **argv);

#define ORC_SKIP 77
#define ORC_BATCH 5000

static const char oracle_usage[] =
	"usage: mmu-sim oracle [--cases N] [--seed S] [--qemu PATH] [--guest ELF] [--keep DIR]\n"
	"\n"
	"Differential test of the guest walker against QEMU/TCG: N random cases\n"
	"(default 1000) from seed S (default 1), weighted toward the edges, are\n"
	"run by a probe guest in qemu-system-x86_64 -accel tcg -cpu max and by\n"
	"msim_walk; fault, error code, CR2 and the entries' A/D bits must agree.\n"
	"Covers 32-bit paging (PSE, PSE-36), PAE, 4-level and 5-level (if the\n"
	"guest CPU has LA57) at CPL0/CPL3 with WP, SMEP, SMAP+AC, NXE, PGE, PKU,\n"
	"PKS, 2-MB/4-MB/1-GB pages and reserved bits per MAXPHYADDR.\n"
	"--keep DIR keeps the case modules and QEMU's records there.\n"
	"Class-level deviations of QEMU from the SDM: sim/oracle/known-deviations.md.\n"
	"Exit status: 0 no mismatch, 1 mismatches, 2 bad usage, 77 QEMU or guest missing.\n";

struct feats {
	unsigned m;
	int nx, pse36, pge, smep, smap, pke, pks, la57, gb;
};

static uint64_t rnd(uint64_t *s, uint64_t n) { return msim_gen_rng_next(s) % n; }
static int chance(uint64_t *s, unsigned pct) { return rnd(s, 100) < pct; }

/* ---------------------------------------------------------------- cases */

static uint64_t rand_flags(uint64_t *s)
{
	uint64_t f = 0;
	if (chance(s, 90)) f |= MSIM_PTE_P;
	if (chance(s, 60)) f |= MSIM_PTE_RW;
	if (chance(s, 60)) f |= MSIM_PTE_US;
	if (chance(s, 20)) f |= MSIM_PTE_PWT;
	if (chance(s, 20)) f |= MSIM_PTE_PCD;
	if (chance(s, 30)) f |= MSIM_PTE_A;
	if (chance(s, 30)) f |= MSIM_PTE_D;
	if (chance(s, 30)) f |= MSIM_PTE_G;
	return f;
}

/* where the case's level-l entry lives in 4/5-level paging (as the guest) */
static uint64_t long_entry_pa(unsigned mode, unsigned l, uint64_t la)
{
	static const uint32_t t[6] = { 0, ORC_CASE_PT, ORC_CASE_PD, ORC_CASE_L3,
				       ORC_CASE_L4, 0 };
	return (l == mode ? ORC_TOP : t[l]) + 8 * ((la >> (12 + 9 * (l - 1))) & 511);
}

static void gen_long(uint64_t *s, const struct feats *ft, struct orc_case *c)
{
	static const uint32_t next[6] = { 0, 0, ORC_CASE_PT, ORC_CASE_PD,
					  ORC_CASE_L3, ORC_CASE_L4 };
	unsigned top = c->mode, leaf, l, nxe = !!(c->flags & ORC_F_NXE);
	uint64_t la, ent[6] = { 0 };

	c->cr4 |= MSIM_CR4_PAE | (top == 5 ? MSIM_CR4_LA57 : 0);
	if (ft->pke && chance(s, 50)) c->cr4 |= MSIM_CR4_PKE;
	if (ft->pks && chance(s, 40)) c->cr4 |= MSIM_CR4_PKS;
	la = (1 + rnd(s, 511)) << (12 + 9 * (top - 1));
	for (l = top - 1; l >= 1; l--)
		la |= rnd(s, 512) << (12 + 9 * (l - 1));
	la |= rnd(s, 1024) << 2;
	l = (unsigned)rnd(s, 100);
	leaf = l < 50 ? 1 : (l < 80 || !ft->gb) ? 2 : 3;
	for (l = top; l >= 1; l--) {
		uint64_t e = rand_flags(s);
		if (chance(s, nxe ? 35 : 10)) e |= MSIM_PTE_XD;
		if (chance(s, 8)) e |= 1ull << (52 + rnd(s, 7)); /* ignored bits */
		if (l > leaf) {
			/* keep most walks going down: the leaf's checks matter most */
			if (!(e & MSIM_PTE_P) && chance(s, 60)) e |= MSIM_PTE_P;
			if (chance(s, 30)) e |= MSIM_PTE_RW | MSIM_PTE_US;
			e |= next[l];
			if (l >= 4 && chance(s, 4)) e |= MSIM_PTE_PS; /* reserved */
		} else if (l == leaf) {
			if (l > 1) e |= MSIM_PTE_PS;
			if (l == 3) {
				la = (la & ~0x3fffffffull) | ORC_DATA | (rnd(s, 1024) << 12) |
				     (la & 0xffc);
				if (c->access != ORC_ACC_FETCH && chance(s, 15))
					e |= (1 + rnd(s, 255)) << 30;
			} else {
				e |= ORC_DATA;
				if (c->access != ORC_ACC_FETCH && chance(s, 15))
					e |= (1 + rnd(s, 255)) << 32;
			}
			if (l > 1 && chance(s, 15)) e |= 1ull << 12; /* PAT */
			if (l > 1 && chance(s, 10))                 /* reserved in a big page */
				e |= 1ull << (13 + rnd(s, l == 2 ? 8 : 17));
			if (chance(s, 60)) e |= rnd(s, 16) << 59;    /* protection key */
		} else {
			e = rand_flags(s) | ORC_DATA; /* not reached by the walk */
		}
		if (chance(s, 4)) /* a bit in M..51 */
			e |= 1ull << (ft->m + rnd(s, 52 - ft->m));
		ent[l] = e;
	}
	if (top == 5 && (la >> 56) & 1)
		la |= 0xfe00000000000000ull;
	else if (top == 4 && (la >> 47) & 1)
		la |= 0xffff000000000000ull;
	for (l = 1; l <= top; l++)
		c->ent[l - 1] = ent[l];
	c->la = (uint32_t)la;
	c->la_hi = (uint32_t)(la >> 32);
	c->pkru = (uint32_t)msim_gen_rng_next(s);
	c->pkrs = (uint32_t)msim_gen_rng_next(s);
	if (chance(s, 30)) c->pkru = 0;
	if (chance(s, 30)) c->pkrs = 0;
	/* key 0 maps the guest itself: keep it unrestricted */
	c->pkru &= ~3u;
	c->pkrs &= ~3u;
}

static void gen_case(uint64_t *s, const struct feats *ft, struct orc_case *c)
{
	memset(c, 0, sizeof *c);
	{
		unsigned m = (unsigned)rnd(s, 100);
		c->mode = m < 25 ? 2 : m < 50 ? 3 : (m < 75 || !ft->la57) ? 4 : 5;
	}
	c->access = (uint8_t)rnd(s, 3);
	c->cpl = chance(s, 50) ? 3 : 0;
	if (chance(s, 60)) c->flags |= ORC_F_WP;
	if (chance(s, 40)) c->flags |= ORC_F_AC;
	if (ft->nx && chance(s, 60)) c->flags |= ORC_F_NXE;
	if (ft->pge && chance(s, 30)) c->cr4 |= MSIM_CR4_PGE;
	if (ft->smep && chance(s, 40)) c->cr4 |= MSIM_CR4_SMEP;
	if (ft->smap && chance(s, 40)) c->cr4 |= MSIM_CR4_SMAP;
	if (c->mode >= 4) {
		gen_long(s, ft, c);
		return;
	}
	if (c->mode == 2) {
		uint64_t pde = rand_flags(s), pte = rand_flags(s);
		int leaf2;
		if (chance(s, 70)) c->cr4 |= MSIM_CR4_PSE;
		if (chance(s, 40)) pde |= MSIM_PTE_PS;
		leaf2 = (pde & MSIM_PTE_PS) && (c->cr4 & MSIM_CR4_PSE);
		c->la = (uint32_t)((1 + rnd(s, 1023)) << 22 | rnd(s, 1024) << 12 |
				   (rnd(s, 1024) << 2));
		if (leaf2) {
			pde |= ORC_DATA;
			if (chance(s, 15)) pde |= 1ull << 12; /* PAT */
			if (c->access != ORC_ACC_FETCH && chance(s, 25))
				pde |= (uint64_t)rnd(s, 512) << 13; /* PSE-36 + bit 21 */
		} else {
			pde |= ORC_CASE_PT;
		}
		pte |= ORC_DATA;
		if (chance(s, 10)) pte |= 1ull << 7; /* PAT in a PTE */
		c->ent[1] = pde;
		c->ent[0] = pte;
		return;
	}
	/* PAE */
	{
		uint64_t pdpte = MSIM_PTE_P | ORC_CASE_PD, pde = rand_flags(s),
			 pte = rand_flags(s), xdmask = (c->flags & ORC_F_NXE) ? 40 : 15;
		c->cr4 |= MSIM_CR4_PAE;
		if (chance(s, 5)) pdpte &= ~MSIM_PTE_P;
		if (chance(s, 20)) pdpte |= MSIM_PTE_PWT | MSIM_PTE_PCD;
		if (chance(s, 8)) /* a reserved PDPTE bit: #GP at MOV CR0 */
			pdpte |= 1ull << (unsigned[]){ 1, 2, 5, 6, 7, 8, 63, 45 }[rnd(s, 8)];
		if (chance(s, 40)) pde |= MSIM_PTE_PS;
		if (chance(s, xdmask)) pde |= MSIM_PTE_XD;
		if (chance(s, xdmask)) pte |= MSIM_PTE_XD;
		c->la = (uint32_t)((1 + rnd(s, 3)) << 30 | rnd(s, 512) << 21 |
				   rnd(s, 512) << 12 | rnd(s, 1024) << 2);
		if (pde & MSIM_PTE_PS) {
			pde |= ORC_DATA;
			if (chance(s, 15)) pde |= 1ull << 12;
			if (chance(s, 10)) pde |= 1ull << (13 + rnd(s, 8)); /* rsvd */
		} else {
			pde |= ORC_CASE_PT;
		}
		pte |= ORC_DATA;
		if (c->access != ORC_ACC_FETCH && chance(s, 15))
			pte |= (uint64_t)(1 + rnd(s, 255)) << 32; /* PA within M */
		if (chance(s, 10)) { /* a bit in M..62 of one entry */
			uint64_t b = 1ull << (ft->m + rnd(s, 63 - ft->m));
			if (chance(s, 50)) pde |= b; else pte |= b;
		}
		c->ent[2] = pdpte;
		c->ent[1] = pde;
		c->ent[0] = pte;
	}
}

static void describe(FILE *f, const struct orc_case *c)
{
	static const char *acc[] = { "read", "write", "fetch" };
	static const char *mode[] = { "?", "?", "32bit", "pae", "4level", "5level" };
	fprintf(f, "    mode=%s access=%s cpl=%u wp=%u ac=%u nxe=%u cr4=%#" PRIx32
		" la=%#" PRIx64, mode[c->mode % 6], acc[c->access % 3], c->cpl,
		!!(c->flags & ORC_F_WP), !!(c->flags & ORC_F_AC),
		!!(c->flags & ORC_F_NXE), c->cr4, (uint64_t)c->la_hi << 32 | c->la);
	if (c->mode >= 4) {
		fprintf(f, " pkru=%#" PRIx32 " pkrs=%#" PRIx32 "\n   ", c->pkru, c->pkrs);
		for (unsigned l = c->mode; l >= 1; l--)
			fprintf(f, " L%u=%#" PRIx64, l, c->ent[l - 1]);
		fprintf(f, "\n");
		return;
	}
	fprintf(f, "\n");
	if (c->mode == 3)
		fprintf(f, "    pdpte=%#018" PRIx64, c->ent[2]);
	else
		fprintf(f, "   ");
	fprintf(f, " pde=%#018" PRIx64 " pte=%#018" PRIx64 "\n", c->ent[1], c->ent[0]);
}

/* ---------------------------------------------------------------- model */

struct expect {
	int fault;      /* 0 none, 14 #PF, 13 #GP at MOV CR0 */
	uint32_t ec;
	uint64_t cr2;
	uint64_t ent[5];
	int data_known; /* final pa is inside ORC_DATA: value must be 0xC3.. */
};

static int model(msim_gmem *mem, const msim_cpu_features *cpu,
		 const struct orc_case *c, struct expect *e)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	msim_walk_result *res;
	uint64_t la = (uint64_t)c->la_hi << 32 | c->la;
	uint64_t pd_e = 0, pt_e = 0, pdpt_e = 0, lpa[6] = { 0 };
	unsigned acc = 0;
	int rc;

	memset(e, 0, sizeof *e);
	msim_gmem_clear(mem);
	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | 0x10 | (c->flags & ORC_F_WP ? MSIM_CR0_WP : 0);
	r.cr3 = ORC_TOP;
	r.cr4 = c->cr4;
	r.efer = c->flags & ORC_F_NXE ? MSIM_EFER_NXE : 0;
	r.rflags = 2 | (c->flags & ORC_F_AC ? MSIM_RFLAGS_AC : 0);
	r.cpl = c->cpl;
	r.pkru = c->pkru;
	r.pkrs = c->pkrs;
	if (c->mode >= 4) {
		r.efer |= MSIM_EFER_LME | MSIM_EFER_LMA;
		r.cs_l = true;
		msim_gmem_write(mem, ORC_TOP, 8, (c->mode == 5 ? ORC_ID_L4 : ORC_ID_L3) | 7);
		for (unsigned l = 1; l <= c->mode; l++) {
			lpa[l] = long_entry_pa(c->mode, l, la);
			msim_gmem_write(mem, lpa[l], 8, c->ent[l - 1]);
		}
	} else if (c->mode == 2) {
		pd_e = ORC_TOP + 4 * (la >> 22);
		pt_e = ORC_CASE_PT + 4 * ((la >> 12) & 1023);
		msim_gmem_write(mem, ORC_TOP, 4, ORC_ID_PT | 7);
		msim_gmem_write(mem, pd_e, 4, (uint32_t)c->ent[1]);
		msim_gmem_write(mem, pt_e, 4, (uint32_t)c->ent[0]);
	} else {
		bool gp = false;
		pdpt_e = ORC_TOP + 8 * (la >> 30);
		pd_e = ORC_CASE_PD + 8 * ((la >> 21) & 511);
		pt_e = ORC_CASE_PT + 8 * ((la >> 12) & 511);
		msim_gmem_write(mem, ORC_TOP, 8, ORC_ID_PD | 1);
		msim_gmem_write(mem, pdpt_e, 8, c->ent[2]);
		msim_gmem_write(mem, pd_e, 8, c->ent[1]);
		msim_gmem_write(mem, pt_e, 8, c->ent[0]);
		rc = msim_pae_load_pdptes(cpu, mem, r.cr3, r.pdpte, &gp);
		if (rc)
			return rc;
		if (gp) {
			e->fault = 13;
			memcpy(e->ent, c->ent, sizeof e->ent);
			return 0;
		}
	}
	if (c->access == ORC_ACC_WRITE) acc |= MSIM_WACC_WRITE;
	if (c->access == ORC_ACC_FETCH) acc |= MSIM_WACC_FETCH;
	if (c->cpl == 3) acc |= MSIM_WACC_USER;
	o.ad_policy = MSIM_AD_AS_YOU_GO; /* QEMU's choice; the SDM allows it (SDM Vol. 3A 4.8) */
	res = malloc(sizeof *res);
	if (!res)
		return -1;
	rc = msim_walk(mem, cpu, &r, &o, la, acc, res);
	if (rc) {
		free(res);
		return rc;
	}
	if (res->fault.kind == MSIM_FAULT_PF) {
		e->fault = 14;
		e->ec = res->fault.pf_ec;
		e->cr2 = c->mode >= 4 ? res->fault.cr2 : (uint32_t)res->fault.cr2;
	} else if (res->fault.kind == MSIM_FAULT_GP) {
		e->fault = 13;
	} else {
		e->data_known = res->pa >= ORC_DATA && res->pa < ORC_DATA + 0x400000;
	}
	free(res);
	if (c->mode >= 4) {
		for (unsigned l = 1; l <= c->mode; l++)
			e->ent[l - 1] = msim_gmem_read64(mem, lpa[l]);
	} else if (c->mode == 2) {
		e->ent[1] = msim_gmem_read32(mem, pd_e);
		e->ent[0] = msim_gmem_read32(mem, pt_e);
	} else {
		e->ent[2] = msim_gmem_read64(mem, pdpt_e);
		e->ent[1] = msim_gmem_read64(mem, pd_e);
		e->ent[0] = msim_gmem_read64(mem, pt_e);
	}
	return 0;
}

/* ---------------------------------------------------------------- QEMU */

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int run_qemu(const char *qemu, const char *guest, const char *cases,
		    const char *out, unsigned timeout_s)
{
	char dc[4200];
	pid_t pid;
	int st;

	snprintf(dc, sizeof dc, "file:%s", out);
	unlink(out);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *av[] = { (char *)qemu, "-accel", "tcg", "-cpu", "max",
			       "-m", "64", "-kernel", (char *)guest,
			       "-initrd", (char *)cases, "-display", "none",
			       "-monitor", "none", "-serial", "none",
			       "-debugcon", dc, "-no-reboot", NULL };
		if (!freopen("/dev/null", "r", stdin) ||
		    !freopen("/dev/null", "w", stdout))
			_exit(127);
		alarm(timeout_s);
		execv(qemu, av);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int file_exists(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long len;

	*n = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)len + 1)) &&
	    fread(b, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	fclose(f);
	return b;
}

/* One QEMU run of `n` cases; out[] gets the records. */
static int run_batch(const char *qemu, const char *guest, const char *dir,
		     unsigned tag, const struct orc_case *cs, unsigned n,
		     struct orc_hdr *hdr, struct orc_out *out)
{
	char cp[4096], op[4096];
	struct orc_case *mod = calloc((size_t)n + 1, sizeof *mod);
	uint32_t head[2] = { ORC_MAGIC, n };
	size_t len;
	char *buf;
	int rc;

	if (!mod)
		return -1;
	memcpy(mod, head, sizeof head);
	if (n)
		memcpy(mod + 1, cs, (size_t)n * sizeof *cs);
	snprintf(cp, sizeof cp, "%s/cases-%u.bin", dir, tag);
	snprintf(op, sizeof op, "%s/records-%u.bin", dir, tag);
	rc = write_file(cp, mod, ((size_t)n + 1) * sizeof *mod);
	free(mod);
	if (rc) {
		cli_error("oracle: cannot write %s: %s", cp, strerror(errno));
		return -1;
	}
	rc = run_qemu(qemu, guest, cp, op, 60 + n / 50);
	buf = read_all(op, &len);
	if (!buf || len < sizeof *hdr ||
	    len < sizeof *hdr + (size_t)n * sizeof *out) {
		cli_error("oracle: QEMU (exit %d) gave %zu of %zu record bytes in %s",
			  rc, len, sizeof *hdr + (size_t)n * sizeof *out, op);
		free(buf);
		return -1;
	}
	memcpy(hdr, buf, sizeof *hdr);
	if (n)
		memcpy(out, buf + sizeof *hdr, (size_t)n * sizeof *out);
	free(buf);
	if (hdr->magic != ORC_MAGIC || hdr->count != n) {
		cli_error("oracle: bad record header in %s", op);
		return -1;
	}
	return 0;
}

static void feats_of(const struct orc_hdr *h, struct feats *ft, msim_cpu_features *cpu)
{
	msim_cpu_features def = MSIM_CPU_FEATURES_INIT;

	ft->m = h->ext8_eax & 0xff;
	if (ft->m < 32 || ft->m > 52)
		ft->m = 36;
	ft->nx = !!(h->ext1_edx & (1u << 20));
	ft->pse36 = !!(h->cpuid1_edx & (1u << 17));
	ft->pge = !!(h->cpuid1_edx & (1u << 13));
	ft->smep = !!(h->cpuid7_ebx & (1u << 7));
	ft->smap = !!(h->cpuid7_ebx & (1u << 20));
	*cpu = def;
	cpu->maxphyaddr = ft->m;
	cpu->nx = ft->nx;
	cpu->pse36 = ft->pse36;
	cpu->pge = ft->pge;
	cpu->smep = ft->smep;
	cpu->smap = ft->smap;
	cpu->pke = !!(h->cpuid7_ecx & (1u << 3));
	cpu->pks = !!(h->cpuid7_ecx & (1u << 31));
	cpu->la57 = !!(h->cpuid7_ecx & (1u << 16));
	cpu->gbpages = !!(h->ext1_edx & (1u << 26));
	ft->pke = cpu->pke;
	ft->pks = cpu->pks;
	ft->la57 = cpu->la57;
	ft->gb = cpu->gbpages;
}

static const char *fault_name(int v)
{
	return v == 0 ? "none" : v == 14 ? "#PF" : v == 13 ? "#GP" : v == 6 ? "#UD" : "exception";
}

/* 0 agree, 1 mismatch */
enum { DEV_PDPTE_A = 1, DEV_PDPTE_RSVD_NO_GP, DEV_RSVD_NO_P, DEV_1G_A_FAULT,
       DEV_PKS_USER_NO_PK, DEV_N };
static const char *const dev_names[DEV_N] = {
	NULL,
	"QEMU sets A in a PAE PDPTE (SDM 4.4.1, Table 4-8: bits 8:5 reserved)",
	"QEMU: no #GP at MOV CR0 for a PDPTE reserved bit (SDM 4.4.1)",
	"QEMU: #PF RSVD without P (SDM 4.7: RSVD implies P)",
	"QEMU sets A in a 1-GB leaf of a faulting access (SDM 4.8)",
	"QEMU: no PK for a user access to a PKRS-denied supervisor page (SDM 4.7)",
};

static int compare_entries(const struct orc_case *c, const struct expect *e,
			   const struct orc_out *o, char *why, size_t wn, int *dev);

static int compare(const struct orc_case *c, const struct expect *e,
		   const struct orc_out *o, char *why, size_t wn, int *dev)
{
	int gv = o->fault ? o->vec : 0;
	uint64_t ocr2 = (uint64_t)o->cr2_hi << 32 | o->cr2;

	if (e->fault == 13 && c->mode == 3 && gv != 13) {
		*dev = DEV_PDPTE_RSVD_NO_GP;
		return 0;
	}
	if (e->fault == 14 && gv == 14 && (e->ec & MSIM_PFEC_RSVD) &&
	    o->ec == (e->ec & ~MSIM_PFEC_P) && ocr2 == e->cr2) {
		*dev = DEV_RSVD_NO_P;
		return 0;
	}
	if (e->fault == 14 && gv == 14 && c->mode >= 4 && c->cpl == 3 &&
	    (c->cr4 & MSIM_CR4_PKS) && (e->ec & MSIM_PFEC_PK) && (e->ec & MSIM_PFEC_U) &&
	    o->ec == (e->ec & ~MSIM_PFEC_PK) && ocr2 == e->cr2) {
		*dev = DEV_PKS_USER_NO_PK;
		return compare_entries(c, e, o, why, wn, dev);
	}
	if (gv != e->fault) {
		snprintf(why, wn, "fault: qemu %s(vec %d, phase %u, ec %#x) walker %s(ec %#x)",
			 fault_name(gv), gv, o->phase, o->ec, fault_name(e->fault), e->ec);
		return 1;
	}
	if (e->fault == 13 && o->phase != 2) {
		snprintf(why, wn, "#GP: qemu at phase %u, walker at MOV CR0 (PDPTE load)", o->phase);
		return 1;
	}
	if (e->fault == 14 && (o->ec != e->ec || ocr2 != e->cr2 || o->phase != 3)) {
		snprintf(why, wn, "#PF: qemu ec %#x cr2 %#" PRIx64 ", walker ec %#x cr2 %#" PRIx64,
			 o->ec, ocr2, e->ec, e->cr2);
		return 1;
	}
	if (!e->fault && e->data_known && c->access != ORC_ACC_FETCH &&
	    o->value != 0xC3C3C3C3u) {
		snprintf(why, wn, "value: qemu loaded %#x, expected 0xc3c3c3c3", o->value);
		return 1;
	}
	return compare_entries(c, e, o, why, wn, dev);
}

static int compare_entries(const struct orc_case *c, const struct expect *e,
			   const struct orc_out *o, char *why, size_t wn, int *dev)
{
	for (int l = 0; l < 5; l++) {
		if (o->ent[l] != e->ent[l]) {
			if (c->mode == 3 && l == 2 && (o->ent[l] ^ e->ent[l]) == MSIM_PTE_A &&
			    (o->ent[l] & MSIM_PTE_A)) {
				if (dev) *dev = DEV_PDPTE_A;
				continue;
			}
			if (c->mode >= 4 && l == 2 && e->fault == 14 &&
			    (c->ent[2] & MSIM_PTE_PS) && (o->ent[l] ^ e->ent[l]) == MSIM_PTE_A &&
			    (o->ent[l] & MSIM_PTE_A)) {
				*dev = DEV_1G_A_FAULT;
				continue;
			}
			snprintf(why, wn, "level-%d entry after: qemu %#" PRIx64 " walker %#" PRIx64
				 " (A/D differ: %#" PRIx64 ")", l + 1, o->ent[l], e->ent[l],
				 (o->ent[l] ^ e->ent[l]));
			return 1;
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int cli_oracle(int argc, char **argv)
{
	const char *qemu = "/usr/bin/qemu-system-x86_64", *guest = NULL, *keep = NULL;
	unsigned long ncases = 1000;
	uint64_t seed = 1, st;
	char dir[4096];
	struct orc_hdr hdr;
	struct feats ft;
	msim_cpu_features cpu;
	msim_gmem *mem = NULL;
	struct orc_case *cs = NULL;
	struct orc_out *out = NULL;
	unsigned long mism = 0, done = 0, devs[DEV_N] = { 0 };
	int tty = isatty(2), rc = CLI_FAIL;
	double t0 = now_s();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(oracle_usage, stdout);
			return CLI_OK;
		}
		if (!v) {
			cli_error("oracle: unknown option or missing value '%s'", a);
			return CLI_BADINPUT;
		}
		if (!strcmp(a, "--cases"))
			ncases = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--qemu"))
			qemu = v;
		else if (!strcmp(a, "--guest"))
			guest = v;
		else if (!strcmp(a, "--keep"))
			keep = v;
		else {
			cli_error("oracle: unknown option '%s'", a);
			return CLI_BADINPUT;
		}
		i++;
	}
	if (!guest)
		guest = getenv("MSIM_ORACLE_GUEST");
#ifdef MSIM_ORACLE_GUEST_DEFAULT
	if (!guest)
		guest = MSIM_ORACLE_GUEST_DEFAULT;
#endif
	if (access(qemu, X_OK) != 0) {
		fprintf(stderr, "mmu-sim: oracle: skipped: QEMU not found at %s (--qemu PATH)\n", qemu);
		return ORC_SKIP;
	}
	if (!file_exists(guest)) {
		fprintf(stderr, "mmu-sim: oracle: skipped: probe guest not built (%s; needs a "
			"32-bit capable gcc, target oracle-guest, or --guest ELF)\n",
			guest ? guest : "no path");
		return ORC_SKIP;
	}
	if (keep) {
		mkdir(keep, 0777);
		snprintf(dir, sizeof dir, "%s", keep);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/mmu-sim-oracle-XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			cli_error("oracle: mkdtemp: %s", strerror(errno));
			return CLI_FAIL;
		}
	}
	/* probe run: the CPUID the guest sees decides which cases are valid */
	if (run_batch(qemu, guest, dir, 0, NULL, 0, &hdr, NULL)) {
		fprintf(stderr, "mmu-sim: oracle: skipped: the probe guest did not run under %s\n", qemu);
		rc = ORC_SKIP;
		goto out;
	}
	feats_of(&hdr, &ft, &cpu);
	printf("oracle: seed %" PRIu64 ", %lu cases; guest CPU: MAXPHYADDR %u nx %d pse36 %d "
	       "smep %d smap %d pke %d pks %d la57 %d\n", seed, ncases, ft.m, ft.nx,
	       ft.pse36, ft.smep, ft.smap, cpu.pke, cpu.pks, cpu.la57);
	cs = calloc(ORC_BATCH, sizeof *cs);
	out = calloc(ORC_BATCH, sizeof *out);
	if (!cs || !out || msim_gmem_create(&mem, NULL)) {
		cli_error("oracle: out of memory");
		goto out;
	}
	st = seed;
	for (unsigned tag = 1; done < ncases; tag++) {
		unsigned n = ncases - done > ORC_BATCH ? ORC_BATCH : (unsigned)(ncases - done);
		for (unsigned i = 0; i < n; i++)
			gen_case(&st, &ft, &cs[i]);
		if (run_batch(qemu, guest, dir, tag, cs, n, &hdr, out))
			goto out;
		for (unsigned i = 0; i < n; i++) {
			struct expect e;
			char why[256];
			int dev = 0;
			if (model(mem, &cpu, &cs[i], &e)) {
				cli_error("oracle: walker error on case %lu", done + i);
				goto out;
			}
			int bad = compare(&cs[i], &e, &out[i], why, sizeof why, &dev);
			devs[dev]++;
			if (bad) {
				mism++;
				if (tty)
					fputc('\n', stderr);
				printf("MISMATCH case %lu (seed %" PRIu64 "): %s\n", done + i, seed, why);
				describe(stdout, &cs[i]);
			}
		}
		done += n;
		if (tty)
			fprintf(stderr, "\roracle: %lu/%lu cases, %lu mismatches, %.1fs", done,
				ncases, mism, now_s() - t0);
	}
	if (tty)
		fputc('\n', stderr);
	printf("oracle: %lu cases, %lu mismatches, %.1fs\n", done, mism, now_s() - t0);
	for (int d = 1; d < DEV_N; d++)
		if (devs[d])
			printf("oracle: %lu cases of a known QEMU deviation (not counted): %s\n",
			       devs[d], dev_names[d]);
	rc = mism ? CLI_FAIL : CLI_OK;
out:
	if (!keep) {
		char p[4200];
		for (unsigned t = 0; t <= ncases / ORC_BATCH + 1; t++) {
			snprintf(p, sizeof p, "%s/cases-%u.bin", dir, t);
			unlink(p);
			snprintf(p, sizeof p, "%s/records-%u.bin", dir, t);
			unlink(p);
		}
		rmdir(dir);
	}
	msim_gmem_free(mem);
	free(cs);
	free(out);
	return rc;
}
