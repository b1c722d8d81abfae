/*
 * Exhaustive permission matrix in the spirit of kvm-unit-tests x86/access.c
 * (kvm-unit-tests x86/access.c). Every legal flag combination
 * (kvm-unit-tests x86/access.c filter) is set up as in kvm-unit-tests x86/access.c, walked, and compared with an
 * expectation computed here from the kvm-unit-tests x86/access.c restatement of the SDM Vol. 3A 4.6.1
 * decision table -- never by calling the walker or its rights check.
 * Runs in 4-level and 5-level paging (M=36 so that bits 36 and 51 are both
 * reserved), and the applicable subsets in PAE and 32-bit paging.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "walk_fixture.h"

/* kvm-unit-tests x86/access.c flag bits */
enum {
	PTE_RW, PTE_USER, PTE_A, PTE_D, PTE_NX, PTE_P, PTE_51, PTE_36,
	PDE_RW, PDE_USER, PDE_A, PDE_D, PDE_PSE, PDE_NX, PDE_P, PDE_51,
	PDE_36, PDE_13, PDPTE_RO, PKRU_AD, PKRU_WD, PKEY, AC_USER, AC_WRITE,
	AC_FETCH, TWICE, EFER_NX, CR0_WP, CR4_SMEP, CR4_PKE, FEP, NR_FLAGS
};

#define F(x) ((f >> (x)) & 1u)
#define BIT(x) (1u << (x))

#define DATA (32ULL << 20) /* kvm-unit-tests x86/access.c: data page at 32 MiB */
#define POOL (33ULL << 20) /* tables from 33 MiB */
#define VA64 0xffff923400000000ULL
#define VA32 0x92400000ULL /* 4-MB aligned, its own PDE/PDPTE */

struct mx {
	msim_paging_mode mode;
	struct wt t;
	msim_cpu_features cpu;
	uint64_t va;
	uint64_t root, pdpte_addr, pde_addr, pte_addr, pt;
	bool rsvd51, rsvd36;
	msim_ad_policy policy;
	unsigned long cases;
};

/* Reserved-bit flags in effect for the current case (kvm-unit-tests x86/access.c). */
static bool pde_invalid(const struct mx *m, uint32_t f)
{
	if (m->mode == MSIM_PAGING_32)
		return F(PDE_PSE) && F(PDE_13); /* bit 21 of a 4-MB PDE */
	return (F(PDE_51) && m->rsvd51) || (F(PDE_36) && m->rsvd36) ||
	       (F(PDE_PSE) && F(PDE_13)) || (F(PDE_NX) && !F(EFER_NX));
}

static bool pte_invalid(const struct mx *m, uint32_t f)
{
	if (m->mode == MSIM_PAGING_32)
		return false;
	return (F(PTE_51) && m->rsvd51) || (F(PTE_36) && m->rsvd36) ||
	       (F(PTE_NX) && !F(EFER_NX));
}

/*
 * kvm-unit-tests x86/access.c: expected outcome of one access on the current expected entry
 * values of pde and pte (updated with the A/D flags a successful access sets).
 * Returns the expected error code, or -1 for no fault.
 */
static int64_t expect_access(const struct mx *m, uint32_t f, bool user,
			     bool write, bool fetch, uint64_t *pde,
			     uint64_t *pte)
{
	uint32_t ec = MSIM_PFEC_P | (user ? MSIM_PFEC_U : 0) |
		      (write ? MSIM_PFEC_W : 0) | (fetch ? MSIM_PFEC_ID : 0);
	bool fault = false, writable, upage, exec, kwritable;
	bool pse = F(PDE_PSE);

	if (!F(PDE_P)) {
		ec &= ~MSIM_PFEC_P;
		fault = true;
		goto out;
	}
	if (pde_invalid(m, f)) {
		ec |= MSIM_PFEC_RSVD;
		fault = true;
		goto out;
	}
	writable = !F(PDPTE_RO) && F(PDE_RW);
	upage = F(PDE_USER);
	exec = !F(PDE_NX);
	if (!pse) {
		if (!F(PTE_P)) {
			ec &= ~MSIM_PFEC_P;
			fault = true;
			goto out;
		}
		if (pte_invalid(m, f)) {
			ec |= MSIM_PFEC_RSVD;
			fault = true;
			goto out;
		}
		writable = writable && F(PTE_RW);
		upage = upage && F(PTE_USER);
		exec = exec && !F(PTE_NX);
	}
	kwritable = !F(CR0_WP) && !user;
	if (user && !upage)
		fault = true;
	if (write && !writable && !kwritable)
		fault = true;
	if (fetch && !exec)
		fault = true;
	if (upage && !fetch && F(PKEY) && F(CR4_PKE)) {
		if (F(PKRU_AD)) {
			fault = true;
			ec |= MSIM_PFEC_PK;
		} else if (write && F(PKRU_WD) && !kwritable) {
			fault = true;
			ec |= MSIM_PFEC_PK;
		}
	}
	if (!fault) {
		uint64_t *leaf = pse ? pde : pte;

		*leaf |= WT_A | (write ? WT_D : 0);
		if (!pse)
			*pde |= WT_A;
	}
out:
	/* SDM Vol. 3A 4.7 / step 6: I/D only with EFER.NX (SMEP is never set here) */
	if (!F(EFER_NX))
		ec &= ~MSIM_PFEC_ID;
	return fault ? (int64_t)ec : -1;
}

static void mx_setup(struct mx *m, msim_paging_mode mode, unsigned maxphy)
{
	msim_cpu_features c = MSIM_CPU_FEATURES_INIT;

	memset(m, 0, sizeof(*m));
	m->mode = mode;
	m->cpu = c;
	m->cpu.maxphyaddr = maxphy;
	m->cpu.la57 = true;
	m->rsvd51 = maxphy <= 51;
	m->rsvd36 = maxphy <= 36;
	wt_init(&m->t, POOL);
	m->root = wt_alloc(&m->t);
	if (mode == MSIM_PAGING_32) {
		m->va = VA32;
		m->pde_addr = m->root + (VA32 >> 22) * 4;
		m->pt = wt_alloc(&m->t);
		m->pte_addr = m->pt + ((VA32 >> 12) & 0x3ff) * 4;
	} else if (mode == MSIM_PAGING_PAE) {
		uint64_t pd = wt_alloc(&m->t);

		m->va = VA32;
		m->pdpte_addr = m->root + ((VA32 >> 30) & 3) * 8;
		wt_w64(&m->t, m->pdpte_addr, pd | WT_P);
		m->pde_addr = pd + ((VA32 >> 21) & 511) * 8;
		m->pt = wt_alloc(&m->t);
		m->pte_addr = m->pt + ((VA32 >> 12) & 511) * 8;
	} else {
		unsigned levels = (unsigned)mode;

		m->va = VA64;
		/* PML5E/PML4E: P|RW|U (kvm-unit-tests x86/access.c); PDPTE rewritten per case */
		m->pdpte_addr = wt_slot(&m->t, m->root, levels, VA64, 3, WT_PRU);
		wt_w64(&m->t, m->pdpte_addr, wt_alloc(&m->t) | WT_PRU);
		m->pde_addr = wt_slot(&m->t, m->root, levels, VA64, 2, WT_PRU);
		m->pt = wt_alloc(&m->t);
		m->pte_addr = m->pt + ((VA64 >> 12) & 511) * 8;
	}
}

static void mx_write(struct mx *m, uint64_t a, uint64_t v)
{
	if (m->mode == MSIM_PAGING_32)
		wt_w32(&m->t, a, (uint32_t)v);
	else
		wt_w64(&m->t, a, v);
}

static uint64_t mx_read(struct mx *m, uint64_t a)
{
	return m->mode == MSIM_PAGING_32 ? wt_r32(&m->t, a) : wt_r64(&m->t, a);
}

/* kvm-unit-tests x86/access.c entry construction */
static void build(struct mx *m, uint32_t f, uint64_t *pde, uint64_t *pte)
{
	uint64_t e;

	if (m->mode == MSIM_PAGING_4 || m->mode == MSIM_PAGING_5) {
		e = wt_r64(&m->t, m->pdpte_addr) & WT_ADDR;
		wt_w64(&m->t, m->pdpte_addr,
		       e | WT_P | WT_US | (F(PDPTE_RO) ? 0 : WT_RW));
	}
	e = (F(PDE_P) ? WT_P : 0) | (F(PDE_RW) ? WT_RW : 0) |
	    (F(PDE_USER) ? WT_US : 0) | (F(PDE_A) ? WT_A : 0) |
	    (F(PDE_D) ? WT_D : 0) | (F(PDE_NX) ? WT_XD : 0) |
	    (F(PDE_51) ? 1ULL << 51 : 0) | (F(PDE_36) ? 1ULL << 36 : 0);
	if (F(PDE_PSE)) {
		e |= DATA | WT_PS;
		if (F(PDE_13))
			e |= m->mode == MSIM_PAGING_32 ? 1ULL << 21 : 1ULL << 13;
		if (F(PKEY))
			e |= 1ULL << 59; /* leaf key 1 */
	} else {
		e |= m->pt;
		if (F(PKEY))
			e |= 2ULL << 59; /* key 2 in a non-leaf PDE: ignored */
	}
	*pde = e;
	*pte = DATA | (F(PTE_P) ? WT_P : 0) | (F(PTE_RW) ? WT_RW : 0) |
	       (F(PTE_USER) ? WT_US : 0) | (F(PTE_A) ? WT_A : 0) |
	       (F(PTE_D) ? WT_D : 0) | (F(PTE_NX) ? WT_XD : 0) |
	       (F(PTE_51) ? 1ULL << 51 : 0) | (F(PTE_36) ? 1ULL << 36 : 0) |
	       (F(PKEY) ? 1ULL << 59 : 0);
	mx_write(m, m->pde_addr, *pde);
	mx_write(m, m->pte_addr, *pte);
}

static msim_paging_regs mx_regs(const struct mx *m, uint32_t f)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | (F(CR0_WP) ? MSIM_CR0_WP : 0);
	r.cr3 = m->root;
	switch (m->mode) {
	case MSIM_PAGING_32:
		r.cr4 = MSIM_CR4_PSE;
		break;
	case MSIM_PAGING_PAE:
		r.cr4 = MSIM_CR4_PAE;
		r.efer = F(EFER_NX) ? MSIM_EFER_NXE : 0;
		r.pdpte[(VA32 >> 30) & 3] = wt_r64((struct wt *)&m->t, m->pdpte_addr);
		break;
	default:
		r.cr4 = MSIM_CR4_PAE | (m->mode == MSIM_PAGING_5 ? MSIM_CR4_LA57 : 0) |
			(F(CR4_PKE) ? MSIM_CR4_PKE : 0);
		r.efer = MSIM_EFER_LME | MSIM_EFER_LMA |
			 (F(EFER_NX) ? MSIM_EFER_NXE : 0);
		r.cs_l = true;
		break;
	}
	/* kvm-unit-tests x86/access.c: key 2 fully disabled, key 1 per flags */
	r.pkru = 0x30u | (F(PKRU_WD) ? 8u : 0) | (F(PKRU_AD) ? 4u : 0);
	return r;
}

/* kvm-unit-tests x86/access.c ac_test_legal */
static bool legal(const struct mx *m, uint32_t f)
{
	unsigned rsvd;

	if (F(CR4_SMEP) || F(FEP))
		return false;
	if (F(AC_FETCH) && F(AC_WRITE))
		return false;
	if ((F(PKRU_AD) || F(PKRU_WD)) && !F(CR4_PKE))
		return false;
	if (F(PDE_13) && !F(PDE_PSE))
		return false;
	rsvd = F(PDE_51) + F(PDE_36) + F(PDE_13) + F(PTE_51) + F(PTE_36);
	if (!F(EFER_NX))
		rsvd += F(PDE_NX) + F(PTE_NX);
	(void)m;
	return rsvd <= 1;
}

static void one_case(struct mx *m, uint32_t f)
{
	msim_paging_regs r = mx_regs(m, f);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	msim_walk_result res;
	uint64_t pde, pte, pde0, got_pde, got_pte;
	unsigned acc = (F(AC_USER) ? MSIM_WACC_USER : 0) |
		       (F(AC_WRITE) ? MSIM_WACC_WRITE : 0) |
		       (F(AC_FETCH) ? MSIM_WACC_FETCH : 0);
	int64_t want;
	bool pse = F(PDE_PSE);

	build(m, f, &pde, &pte);
	if (m->mode == MSIM_PAGING_PAE)
		r.pdpte[(VA32 >> 30) & 3] = wt_r64(&m->t, m->pdpte_addr);
	o.ad_policy = m->policy;
	if (F(TWICE)) {
		/* step 7: a supervisor read first */
		(void)expect_access(m, f, false, false, false, &pde, &pte);
		cr_assert_eq(msim_walk(m->t.mem, &m->cpu, &r, &o, m->va, 0, &res), 0);
		if (m->policy == MSIM_AD_AS_YOU_GO)
			pde = (pde & ~WT_A) | (mx_read(m, m->pde_addr) & WT_A);
	}
	pde0 = pde;
	want = expect_access(m, f, F(AC_USER), F(AC_WRITE), F(AC_FETCH), &pde, &pte);
	cr_assert_eq(msim_walk(m->t.mem, &m->cpu, &r, &o, m->va, acc, &res), 0);
	got_pde = mx_read(m, m->pde_addr);
	got_pte = mx_read(m, m->pte_addr);
	m->cases++;
	if (want < 0) {
		cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE,
			     "mode %d flags 0x%08x: unexpected fault ec 0x%x",
			     m->mode, f, res.fault.pf_ec);
		cr_assert_eq(res.pa, DATA, "flags 0x%08x", f);
	} else {
		cr_assert_eq(res.fault.kind, MSIM_FAULT_PF,
			     "mode %d flags 0x%08x: expected #PF 0x%llx",
			     m->mode, f, (unsigned long long)want);
		cr_assert_eq(res.fault.pf_ec, (uint32_t)want,
			     "mode %d flags 0x%08x: ec 0x%x, expected 0x%llx",
			     m->mode, f, res.fault.pf_ec, (unsigned long long)want);
	}
	/* kvm-unit-tests x86/access.c (c): exact leaf PTE value */
	if (!pse)
		cr_assert_eq(got_pte, pte, "mode %d flags 0x%08x: pte 0x%llx want 0x%llx",
			     m->mode, f, (unsigned long long)got_pte,
			     (unsigned long long)pte);
	/* kvm-unit-tests x86/access.c (d): PDE, ignoring A if the access faulted and A was clear */
	if (want >= 0 && !(pde0 & WT_A)) {
		got_pde &= ~WT_A;
		pde &= ~WT_A;
	}
	cr_assert_eq(got_pde, pde, "mode %d flags 0x%08x: pde 0x%llx want 0x%llx",
		     m->mode, f, (unsigned long long)got_pde,
		     (unsigned long long)pde);
}

/* Enumerate every subset of `mask` (the flags this mode can express). */
static void run_matrix(msim_paging_mode mode, unsigned maxphy, uint32_t mask,
		       msim_ad_policy policy, unsigned long expect_cases)
{
	struct mx m;
	uint32_t f = 0;

	mx_setup(&m, mode, maxphy);
	m.policy = policy;
	do {
		if (legal(&m, f))
			one_case(&m, f);
		f = (f - mask) & mask;
	} while (f);
	cr_assert_eq(m.cases, expect_cases, "mode %d: %lu cases", mode, m.cases);
	wt_fini(&m.t);
}

/* Flags masked out before counting (kvm-unit-tests x86/access.c): SMEP (separate scenario) and
 * FEP (no emulator). With M=36 both 36 and 51 flags stay. */
#define MASK_LM (((1u << NR_FLAGS) - 1) & ~BIT(CR4_SMEP) & ~BIT(FEP))
#define MASK_PAE (MASK_LM & ~BIT(PDPTE_RO) & ~BIT(PKRU_AD) & ~BIT(PKRU_WD) & \
		  ~BIT(PKEY) & ~BIT(CR4_PKE))
#define MASK_32 (MASK_PAE & ~BIT(PTE_NX) & ~BIT(PDE_NX) & ~BIT(EFER_NX) &   \
		 ~BIT(PTE_51) & ~BIT(PTE_36) & ~BIT(PDE_51) & ~BIT(PDE_36))

/*
 * Expected case counts, computed by hand from the kvm-unit-tests x86/access.c filter (each
 * reserved-flag group: at most one of the 5 bits (+2 NX bits when
 * efer.nx=0), pde.13 only with pde.pse, fetch+write excluded, PKRU flags
 * only with PKE). Reserved group (9 bits: pde/pte 51/36, pde.13, pse,
 * efer.nx, pde/pte.nx): pse=0 -> 4*5 + 7 = 27, pse=1 -> 4*6 + 8 = 32, so 59.
 * Long mode: 3 (fetch/write) * 5 (pke/ad/wd) * 59 * 2^15 = 28,999,680 (an
 * independent brute-force count over the 30-bit space agrees).
 * PAE: 3 * 59 * 2^13 = 1,449,984. 32-bit: 3 * 3 (pse/pde.13) * 2^13 = 73,728.
 */
Test(walk_access, P10_matrix_4level, .timeout = 600)
{
	run_matrix(MSIM_PAGING_4, 36, MASK_LM, MSIM_AD_ON_SUCCESS, 28999680UL);
}

Test(walk_access, P10_matrix_5level, .timeout = 600)
{
	run_matrix(MSIM_PAGING_5, 36, MASK_LM, MSIM_AD_ON_SUCCESS, 28999680UL);
}

Test(walk_access, P10_matrix_pae, .timeout = 600)
{
	run_matrix(MSIM_PAGING_PAE, 36, MASK_PAE, MSIM_AD_ON_SUCCESS, 1449984UL);
}

Test(walk_access, P10_matrix_32bit, .timeout = 600)
{
	run_matrix(MSIM_PAGING_32, 36, MASK_32, MSIM_AD_ON_SUCCESS, 73728UL);
}

/* SDM Vol. 3A 4.8: the matrix ignores PDE.A on faults, so QEMU's policy passes too.
 * Keys do not interact with A/D placement: run without the PKU flags,
 * 3 * 59 * 2^14 = 2,899,968 cases (keeps sanitizer runs short). */
Test(walk_access, P10_matrix_4level_as_you_go, .timeout = 600)
{
	run_matrix(MSIM_PAGING_4, 36,
		   MASK_LM & ~BIT(PKRU_AD) & ~BIT(PKRU_WD) & ~BIT(PKEY) &
			   ~BIT(CR4_PKE),
		   MSIM_AD_AS_YOU_GO, 2899968UL);
}

/* ---- kvm-unit-tests x86/access.c extra scenarios (4-level, NXE=1) */

#define XROOT 0x100000ULL
static struct wt xt;
static msim_cpu_features xcpu;
static msim_walk_result xres;

static void xsetup(void)
{
	msim_cpu_features c = MSIM_CPU_FEATURES_INIT;

	xcpu = c;
	wt_init(&xt, 0x200000);
}

static void xteardown(void)
{
	wt_fini(&xt);
}

/* walk and return the #PF code, or 0 on success */
static uint32_t xwalk(const msim_paging_regs *r, uint64_t la, unsigned acc)
{
	cr_assert_eq(msim_walk(xt.mem, &xcpu, r, NULL, la, acc, &xres), 0);
	if (xres.fault.kind == MSIM_FAULT_NONE)
		return 0;
	cr_assert_eq(xres.fault.kind, MSIM_FAULT_PF);
	return xres.fault.pf_ec;
}

TestSuite(walk_access_extra, .init = xsetup, .fini = xteardown);

Test(walk_access_extra, P10_6_corrupt_hugepage_trigger)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t ro = 0x40000000ULL, rw = 0x40200000ULL; /* same PD */

	wt_map(&xt, XROOT, 4, ro, 0x1000000, 2, WT_P, WT_P | WT_RW);
	wt_map(&xt, XROOT, 4, rw, 0x1200000, 2, WT_P | WT_RW, WT_P | WT_RW);
	cr_assert_eq(xwalk(&r, ro, 0), 0);
	cr_assert_eq(xwalk(&r, rw, 0), 0);
	cr_assert_eq(xwalk(&r, rw, MSIM_WACC_WRITE), 0);
	cr_assert_eq(xwalk(&r, ro, MSIM_WACC_WRITE), 0x03);
}

Test(walk_access_extra, P10_6_check_pfec_on_prefetch_pte)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t la = 0x40000000ULL;
	uint64_t p1 = wt_map(&xt, XROOT, 4, la, 0x1000000, 1, WT_P | WT_RW, WT_P | WT_RW);
	uint64_t p2 = wt_map(&xt, XROOT, 4, la + 4096, 0x1001000, 1,
			     WT_P | WT_RW | WT_XD, WT_P | WT_RW);

	cr_assert_eq(p2, p1 + 8);
	cr_assert_eq(xwalk(&r, la, 0), 0);
	cr_assert_eq(wt_r64(&xt, p1), 0x1000000 | WT_P | WT_RW | WT_A);
	cr_assert_eq(wt_r64(&xt, p2), 0x1001000 | WT_P | WT_RW | WT_XD);
	cr_assert_eq(xwalk(&r, la + 4096, 0), 0);
	cr_assert_eq(xres.pa, 0x1001000);
	cr_assert_eq(wt_r64(&xt, p2), 0x1001000 | WT_P | WT_RW | WT_XD | WT_A);
}

Test(walk_access_extra, P10_6_check_large_pte_dirty_for_nowp)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t a1 = 0x40000000ULL, a2 = 0x80000000ULL;
	uint64_t e1 = wt_map(&xt, XROOT, 4, a1, 0x1000000, 2, WT_P, WT_P | WT_RW);
	uint64_t e2 = wt_map(&xt, XROOT, 4, a2, 0x1000000, 2, WT_P, WT_P | WT_RW);

	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(xwalk(&r, a1, MSIM_WACC_WRITE), 0);
	cr_assert_eq(wt_r64(&xt, e1), 0x1000000 | WT_P | WT_PS | WT_A | WT_D);
	cr_assert_eq(wt_r64(&xt, e2), 0x1000000 | WT_P | WT_PS);
	cr_assert_eq(xwalk(&r, a2, MSIM_WACC_WRITE), 0);
	cr_assert_eq(wt_r64(&xt, e2), 0x1000000 | WT_P | WT_PS | WT_A | WT_D);
}

Test(walk_access_extra, P10_6_check_smep_andnot_wp)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t la = 0x40000000ULL;

	wt_map(&xt, XROOT, 4, la, 0x1000000, 1, WT_P | WT_US, WT_PRU);
	r.cr4 |= MSIM_CR4_SMEP;
	cr_assert_eq(xwalk(&r, la, MSIM_WACC_WRITE), 0x03);
	cr_assert_eq(xwalk(&r, la, MSIM_WACC_FETCH), 0x11);
}

Test(walk_access_extra, P10_6_check_toggle_cr0_wp)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t la = 0x40000000ULL;

	wt_map(&xt, XROOT, 4, la, 0x1000000, 1, WT_P, WT_P | WT_RW);
	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(xwalk(&r, la, MSIM_WACC_WRITE), 0);
	r.cr0 |= MSIM_CR0_WP;
	cr_assert_eq(xwalk(&r, la, MSIM_WACC_WRITE), 0x03);
	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(xwalk(&r, la, MSIM_WACC_WRITE), 0);
}

Test(walk_access_extra, P10_6_check_effective_sp_permissions)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	uint64_t la_rw = 0x40000000ULL, la_ro = 0x80000000ULL;
	uint64_t pd, pdpte_rw, pdpte_ro;

	wt_map(&xt, XROOT, 4, la_rw, 0x1000000, 1, WT_PRU, WT_PRU);
	pdpte_rw = wt_slot(&xt, XROOT, 4, la_rw, 3, WT_PRU);
	pdpte_ro = wt_slot(&xt, XROOT, 4, la_ro, 3, WT_PRU);
	pd = wt_r64(&xt, pdpte_rw) & WT_ADDR;
	wt_w64(&xt, pdpte_ro, pd | WT_P | WT_US); /* same PD, read-only path */
	cr_assert_eq(xwalk(&r, la_ro, MSIM_WACC_USER | MSIM_WACC_WRITE), 0x07);
	cr_assert_eq(xwalk(&r, la_rw, MSIM_WACC_USER | MSIM_WACC_WRITE), 0);
	cr_assert_eq(xwalk(&r, la_ro, MSIM_WACC_USER | MSIM_WACC_WRITE), 0x07);
	cr_assert_eq(xwalk(&r, la_ro, MSIM_WACC_USER), 0);
}

Test(walk_access_extra, P10_6_cr4_unsupported_and_la57_toggle_gp)
{
	msim_paging_regs r = wt_regs_lm(XROOT, false);
	msim_arch_result ar;

	xcpu.pke = false;
	xcpu.smep = false;
	cr_assert_eq(msim_arch_write(&xcpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_PKE, xt.mem, &ar), 0);
	cr_assert(ar.gp);
	cr_assert_eq(msim_arch_write(&xcpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_SMEP, xt.mem, &ar), 0);
	cr_assert(ar.gp);
	xcpu.la57 = true;
	cr_assert_eq(msim_arch_write(&xcpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_LA57, xt.mem, &ar), 0);
	cr_assert(ar.gp);
	cr_assert_eq(r.cr4, MSIM_CR4_PAE);
}
