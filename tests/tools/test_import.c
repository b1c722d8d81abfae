/*
 * ftrace importer (lib/import.c): the committed KVM recordings
 * (traces/kvm/), line formats, summary counts, malformed input.
 * Expected values come from the architecture (SDM vol. 3  walk
 * indices,  rights,  #PF error code), from KVM's role computation
 * (kvm_calc_cpu_role() and kvm_init_shadow_mmu() in arch/x86/kvm/mmu/mmu.c:
 * CR0.WP, SMEP/SMAP-and-not-WP and EFER.NX role bits), from its root
 * behaviour (a shadow root is keyed by GFN and role, so a dropped root comes
 * back from the shadow-page hash; the previous-root LRU is current + 3
 * slots, KVM_MMU_NUM_PREV_ROOTS) and from the
 * scenarios' construction in sim/vmm_scen.c.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu_sim/import.h"

/* Role bits (kvm_mmu_page_role, BTF of the recording kernel). */
#define ROLE_LEVEL(l) (l)
#define ROLE_ACC_ALL (7u << 8)
#define ROLE_EFER_NX (1u << 12)
#define ROLE_CR0_WP (1u << 13)
#define ROLE_SMEP_ANDNOT_WP (1u << 14)
#define ROLE_SMAP_ANDNOT_WP (1u << 15)

/* #PF error code bits (SDM 4.7). */
#define PF_P 1u
#define PF_W 2u
#define PF_U 4u
#define PF_RSVD 8u
#define PF_I 16u

typedef struct out {
	char *p;
	size_t n;
	int ret;
	msim_import_stats st;
} out;

static out import_stream(FILE *in, const char *name, const msim_import_opts *o)
{
	out r = { 0 };
	FILE *f = open_memstream(&r.p, &r.n);
	msim_trace_writer *w = NULL;
	cr_assert_not_null(f);
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	r.ret = msim_import_stream(in, name, w, o, &r.st);
	msim_trace_writer_free(w);
	fclose(f);
	return r;
}

static out import_text(const char *text, const msim_import_opts *o)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	cr_assert_not_null(in);
	out r = import_stream(in, "snip", o);
	fclose(in);
	return r;
}

static out import_corpus(const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/traces/kvm/%s.ftrace.gz'",
		 MSIM_SOURCE_DIR, name);
	FILE *in = popen(cmd, "r");
	cr_assert_not_null(in, "cannot run %s", cmd);
	out r = import_stream(in, name, NULL);
	cr_assert_eq(pclose(in), 0, "gzip failed on %s", name);
	cr_assert_eq(r.ret, 0, "import %s: %s", name, msim_last_error());
	return r;
}

/* Number of output lines starting with `prefix`. */
static unsigned count_lines(const out *r, const char *prefix)
{
	unsigned n = 0;
	size_t pl = strlen(prefix);
	for (const char *p = r->p; p && *p;) {
		if (!strncmp(p, prefix, pl))
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* The n-th (0-based) output line that is not a comment, into buf. */
static const char *event_line(const out *r, unsigned n, char *buf, size_t len)
{
	const char *p = r->p;
	for (unsigned i = 0; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (*p != '#' && strncmp(p, "mmu-sim-trace", 13)) {
			if (i++ == n) {
				snprintf(buf, len, "%.*s", (int)l, p);
				return buf;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return "";
}

/* `exp` follows input line `in` before the next input (expect lines and
 * comments in between are skipped). */
static bool in_block(const out *r, const char *in, const char *exp)
{
	char pat[256];
	snprintf(pat, sizeof(pat), "\n%s\n", in);
	for (const char *p = r->p; (p = strstr(p, pat)); p++) {
		const char *l = p + strlen(pat);
		while (*l && (!strncmp(l, "expect ", 7) || *l == '#')) {
			size_t el = strlen(exp);
			if (!strncmp(l, exp, el) && l[el] == '\n')
				return true;
			l = strchr(l, '\n');
			if (!l)
				break;
			l++;
		}
	}
	return false;
}

static bool has_line(const out *r, const char *line)
{
	size_t n = strlen(line) + 3;
	char *pat = malloc(n);
	cr_assert_not_null(pat);
	snprintf(pat, n, "\n%s\n", line);
	bool found = strstr(r->p, pat) != NULL;
	free(pat);
	return found;
}

/* Every input line is a header, used, or ignored: nothing vanishes. */
static void check_accounting(const out *r)
{
	uint64_t sum = r->st.headers;
	for (size_t i = 0; i < r->st.n_used; i++)
		sum += r->st.used[i].count;
	for (size_t i = 0; i < r->st.n_ignored; i++)
		sum += r->st.ignored[i].count;
	cr_assert_eq(sum, r->st.lines, "accounted %llu of %llu lines",
		     (unsigned long long)sum, (unsigned long long)r->st.lines);
	static const char *const kinds[] = { "ok", "pf", "gp", "ad", "walk", "root",
					     "sp", "zap", "flush", "sync", "unsync" };
	for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++) {
		char p[32];
		snprintf(p, sizeof(p), "expect %s ", kinds[k]);
		unsigned n = count_lines(r, p);
		snprintf(p, sizeof(p), "expect %s\n", kinds[k]); /* no args (gp) */
		const char *s = r->p;
		while ((s = strstr(s, p)))
			n++, s++;
		cr_assert_eq(r->st.expects[k], n, "expect %s: stats %llu, lines %u",
			     kinds[k], (unsigned long long)r->st.expects[k], n);
	}
}

/* ------------------------------------------------------ the corpus */

Test(import_corpus, wp_first_lines_and_setup)
{
	out r = import_corpus("wp");
	char b[256];
	static const char head[] = "mmu-sim-trace 1\n# mmu-sim record scenario wp seed=1:";
	cr_assert(!strncmp(r.p, head, sizeof(head) - 1), "%.120s", r.p);
	/* the harness gfns (vmm.h: its four tables at 0x8000-0xb000 and the
	 * two 2M pages mapping 0..0x3fffff) are declared untracked */
	static const char *const untracked[] = {
		"untracked 0x8", "untracked 0x9", "untracked 0xa",
		"untracked 0xb", "untracked 0x0", "untracked 0x200",
	};
	for (unsigned i = 0; i < 6; i++)
		cr_assert_str_eq(event_line(&r, i, b, sizeof(b)), untracked[i]);
	/* the harness block (vmm.h): PML4[511] -> PDPT_H 0x8000 P|W|U */
	cr_assert_str_eq(event_line(&r, 6, b, sizeof(b)), "wrmem 0xaff8 0x8007");
	/* 4 harness entries + 8 PD_K 2M entries, then the boot state */
	cr_assert_str_eq(event_line(&r, 18, b, sizeof(b)),
			 "sregs cr0=0x80050033 cr3=0xa000 cr4=0x20 efer=0x500");
	check_accounting(&r);
	free(r.p);
}

Test(import_corpus, E1_wp_toggles_shadow_roots)
{
	out r = import_corpus("wp");
	/* shadow MMU, CR0.WP toggles reset the context (kvm_post_set_cr0()):
	 * the WP=1 root once at the first CR3 load, the WP=0
	 * root once at the first toggle, every later toggle a hash hit */
	const unsigned wp1 = ROLE_LEVEL(4) | ROLE_ACC_ALL | ROLE_EFER_NX | ROLE_CR0_WP;
	const unsigned wp0 = wp1 & ~ROLE_CR0_WP;
	char l[128];
	snprintf(l, sizeof(l), "cr3 0x400000\nexpect root created gfn=0x400 role=0x%x", wp1);
	cr_assert(has_line(&r, l), "%s", l);
	snprintf(l, sizeof(l), "cr0 0x80040033\nexpect root created gfn=0x400 role=0x%x", wp0);
	cr_assert(has_line(&r, l), "%s", l);
	cr_assert_eq(count_lines(&r, "expect root created"), 2);
	cr_assert_eq(count_lines(&r, "expect root found"), 7); /* 8 toggles - 1 */
	cr_assert_eq(count_lines(&r, "expect root cached"), 0);
	cr_assert_eq(count_lines(&r, "cr0 "), 8);
	free(r.p);
}

Test(import_corpus, P4_walk_entry_gpas_and_wp_error_codes)
{
	out r = import_corpus("wp");
	/* gva 0x400000: PML4 idx 0, PDPT idx 0, PD idx 2, PT idx 0 under the
	 * tables at 0x400000/0x401000/0x402000/0x403000 (vmm_scen.c) */
	cr_assert(has_line(&r, "access r 0x400000 cpl=3\n"
			       "expect walk level=4 gpa=0x400000 val=0x401007\n"
			       "expect walk level=3 gpa=0x401000 val=0x402007\n"
			       "expect walk level=2 gpa=0x402010 val=0x403007\n"
			       "expect walk level=1 gpa=0x403000 val=0x404005\n"
			       "expect ad gpa=0x400000 val=0x401027\n"
			       "expect ad gpa=0x401000 val=0x402027\n"
			       "expect ad gpa=0x402010 val=0x403027\n"
			       "expect ad gpa=0x403000 val=0x404025"));
	/* CR0.WP=1: supervisor write to a read-only page: P|W (SDM 4.6.1) */
	char l[96];
	snprintf(l, sizeof(l), "access w 0x400000 cpl=0\n");
	cr_assert(strstr(r.p, l));
	snprintf(l, sizeof(l), "expect pf gva=0x400000 ec=0x%x", PF_P | PF_W);
	cr_assert(has_line(&r, l));
	/* user write to the supervisor page 1 is never allowed: P|W|U */
	snprintf(l, sizeof(l), "expect pf gva=0x400000 ec=0x%x", PF_P | PF_W | PF_U);
	cr_assert(has_line(&r, l));
	/* 4 rounds x 3 faulting accesses (sup. write WP=1 x2, user write) */
	cr_assert_eq(count_lines(&r, "expect pf "), 12);
	check_accounting(&r);
	free(r.p);
}

Test(import_corpus, E2_cr3_round_robin_prev_roots)
{
	out r = import_corpus("cr3rr");
	/* 5 spaces: created once each, then every switch misses the 4-slot
	 * cache (current + 3 prev_roots) and hits the hash: 10 found; the
	 * 4-space phase: 4 more found, then 4 prev_roots hits */
	cr_assert_eq(count_lines(&r, "expect root created"), 5);
	cr_assert_eq(count_lines(&r, "expect root found"), 14);
	cr_assert_eq(count_lines(&r, "expect root cached"), 4);
	cr_assert_eq(count_lines(&r, "cr3 "), 23);
	/* each space's PDPT/PD/PT shadowed once by the first user access */
	cr_assert_eq(count_lines(&r, "expect sp created"), 15);
	check_accounting(&r);
	free(r.p);
}

Test(import_corpus, R1_9_smep_smap_roles_and_error_codes)
{
	out r = import_corpus("cr4efer");
	const unsigned wp0_smep_smap = ROLE_LEVEL(4) | ROLE_ACC_ALL | ROLE_EFER_NX |
				       ROLE_SMEP_ANDNOT_WP | ROLE_SMAP_ANDNOT_WP;
	char l[128];
	snprintf(l, sizeof(l), "cr0 0x80040033\nexpect root created gfn=0x400 role=0x%x",
		 wp0_smep_smap);
	cr_assert(has_line(&r, l), "%s", l);
	/* SMEP: supervisor fetch from a user page: P|I/D */
	snprintf(l, sizeof(l), "expect pf gva=0x400000 ec=0x%x", PF_P | PF_I);
	cr_assert(in_block(&r, "access x 0x400000 cpl=0", l));
	/* SMAP: supervisor read of a user page faults unless EFLAGS.AC */
	snprintf(l, sizeof(l), "expect pf gva=0x400000 ec=0x%x", PF_P);
	cr_assert(in_block(&r, "access r 0x400000 cpl=0", l));
	cr_assert(in_block(&r, "access r 0x400000 cpl=0 ac=1", "expect ok gva=0x400000 gpa=0x404000"));
	/* EFER.NXE=0: bit 63 of a PTE is reserved */
	snprintf(l, sizeof(l), "expect pf gva=0x401000 ec=0x%x", PF_P | PF_U | PF_RSVD);
	cr_assert(in_block(&r, "access r 0x401000 cpl=3", l));
	check_accounting(&r);
	free(r.p);
}

Test(import_corpus, ptwrite_flooding_unsync_sync)
{
	out r = import_corpus("ptwrite");
	/* the PD (level 2) is zapped by the 3rd write in a row (mmu.c
	 * detect_write_flooding, count >= 3); level-1 pages are exempt */
	cr_assert(has_line(&r, "wrmem 0x402038 0x403001\nexpect zap gfn=0x402 role=0x3702"));
	cr_assert_eq(count_lines(&r, "expect zap"), 1);
	cr_assert_eq(count_lines(&r, "expect unsync gfn=0x403"), 1);
	cr_assert_eq(count_lines(&r, "expect sync gfn=0x403"), 1);
	check_accounting(&r);
	free(r.p);
}

Test(import_corpus, every_recording_accounts_for_every_line)
{
	static const char *const names[] = { "wp", "cr3rr", "cr4efer", "pte",
					     "ptwrite", "random" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		out r = import_corpus(names[i]);
		check_accounting(&r);
		/* the recorder's own tracefs filter lets nothing else in */
		cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "(other)"), 0);
		free(r.p);
	}
}

Test(import_corpus, committed_trace_equals_fresh_import)
{
	out r = import_corpus("pte");
	char path[1024];
	snprintf(path, sizeof(path), "%s/traces/kvm/pte.trace", MSIM_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char *want = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&want, &cap, '\0', f);
	fclose(f);
	cr_assert_gt(n, 0);
	/* the file adds "# imported from <path>" after the header line */
	const char *a = strchr(r.p, '\n'), *b = strchr(strchr(want, '\n') + 1, '\n');
	cr_assert_str_eq(a, b);
	free(want);
	free(r.p);
}

/* ----------------------------------------------------- line formats */

#define PFX "  rec-42  [000] ...1.  100.000001: "
#define SREGS PFX "tracing_mark_write: msim: sregs cr0=0x80050033 cr3=0x400000 cr4=0x20 efer=0x500\n"

Test(import_formats, default_sp_print_omits_role)
{
	out r = import_text(SREGS
		PFX "tracing_mark_write: msim: access r 0x400000 cpl=3\n"
		PFX "kvm_mmu_get_page: sp gen 0 gfn 401 l3 8-byte q0 wux nxe ad root 0 sync new\n"
		PFX "kvm_mmu_get_page: sp gen 0 gfn 400 l4 8-byte q0 wux nxe ad root 1 sync existing\n"
		PFX "kvm_mmu_prepare_zap_page: sp gen 0 gfn 402 l2 8-byte q0 wux nxe ad root 0 sync\n",
		NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	/* the default print hides cr0_wp/smep/smap: no role= */
	cr_assert(has_line(&r, "expect sp created gfn=0x401"));
	cr_assert(has_line(&r, "expect root found gfn=0x400"));
	cr_assert(has_line(&r, "expect zap gfn=0x402"));
	check_accounting(&r);
	free(r.p);
}

Test(import_formats, fields_and_trace_cmd_lines)
{
	out r = import_text(
		"cpus=2\n"
		"   rec-42 [000]   100.000000: print:                tracing_mark_write: msim: sregs cr0=0x80050033 cr3=0x400000 cr4=0x20 efer=0x500\n"
		"   rec-42 [000]   100.000001: print:                tracing_mark_write: msim: access w 0x1000 cpl=0\n"
		"   rec-42 [000]   100.000002: kvm_mmu_pagetable_walk: addr=0x1000 (4096) pferr=0x2 (2)\n"
		"   rec-42 [000]   100.000003: kvm_mmu_paging_element: pte=0x401007 (4198407) level=0x4 (4)\n"
		"   rec-42 [000]   100.000004: kvm_mmu_paging_element: pte=0x0 (0) level=0x3 (3)\n"
		"   rec-42 [000]   100.000005: kvm_mmu_walker_error: pferr=0x2 (2)\n"
		"   rec-42 [000]   100.000006: print:                tracing_mark_write: msim: expect pf gva=0x1000 ec=0x2\n",
		NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	/* PML4 entry at CR3 + 8 * 0; PDPT entry at 0x401000 + 8 * 0 */
	cr_assert(has_line(&r, "access w 0x1000 cpl=0\n"
			       "expect walk level=4 gpa=0x400000 val=0x401007\n"
			       "expect walk level=3 gpa=0x401000 val=0x0\n"
			       "expect pf gva=0x1000 ec=0x2"));
	/* the guest's report repeats the walker error: one pf line */
	cr_assert_eq(count_lines(&r, "expect pf"), 1);
	cr_assert_eq(r.st.headers, 1);
	check_accounting(&r);
	free(r.p);
}

Test(import_formats, foreign_trace_inputs_from_kvm_events)
{
	/* no msim markers: kvm_cr / kvm_msr / kvm_page_fault are the inputs */
	out r = import_text(
		PFX "kvm_exit: reason EXCEPTION_NMI rip 0x401000 info 400000 80000b0e\n"
		PFX "kvm_cr: cr_write 4 = 0x20\n"
		PFX "kvm_msr: msr_write c0000080 = 0x500\n"
		PFX "kvm_cr: cr_write 0 = 0x80050033\n"
		PFX "kvm_cr: cr_write 3 = 0x400000\n"
		PFX "kvm_cr: cr_read 3 = 0x400000\n"
		PFX "kvm_page_fault: vcpu 0 rip 0x401000 address 0x0000000000403000 error_code 0x7\n"
		PFX "kvm_page_fault: vcpu_id=0x0 (0) guest_rip=0x401000 (4198400) fault_address=0x404000 (4210688) error_code=0x10 (16)\n"
		PFX "kvm_entry: vcpu 0, rip 0x401000\n",
		NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	char b[128];
	cr_assert_str_eq(event_line(&r, 0, b, sizeof(b)), "cr4 0x20");
	cr_assert_str_eq(event_line(&r, 1, b, sizeof(b)), "efer 0x500");
	cr_assert_str_eq(event_line(&r, 2, b, sizeof(b)), "cr0 0x80050033");
	cr_assert_str_eq(event_line(&r, 3, b, sizeof(b)), "cr3 0x400000");
	/* error code P|W|U: user write; I/D: supervisor fetch */
	cr_assert_str_eq(event_line(&r, 4, b, sizeof(b)), "access w 0x403000 cpl=3");
	cr_assert_str_eq(event_line(&r, 5, b, sizeof(b)), "access x 0x404000 cpl=0");
	cr_assert_eq(r.st.inputs, 6);
	cr_assert_eq(msim_import_count_of(r.st.used, r.st.n_used, "kvm_cr"), 3);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_cr"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_exit"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_entry"), 1);
	check_accounting(&r);
	free(r.p);
}

Test(import_formats, harness_walks_and_gfns_are_ignored_and_counted)
{
	out r = import_text(SREGS
		PFX "tracing_mark_write: msim: # harness-gfns 0x8 0xa\n"
		PFX "tracing_mark_write: msim: access r 0x5000 cpl=0\n"
		PFX "kvm_mmu_pagetable_walk: addr=0xffffff8000004000 (0) pferr=0x10 (16)\n"
		PFX "kvm_mmu_paging_element: pte=0x8007 (0) level=0x4 (4)\n"
		PFX "kvm_mmu_set_accessed_bit: gpa=0xaff8 (0)\n"
		PFX "kvm_mmu_get_page: mmu_valid_gen=(0) gfn=0x8 (8) role=0x3703 (0) root_count=0x0 (0) unsync=(0) created=(1)\n"
		PFX "kvm_pio: rw=0x1 (1) port=0x10 (16) size=0x1 (1) count=0x1 (1) val=0x0 (0)\n",
		NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	cr_assert_eq(count_lines(&r, "expect"), 0);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_mmu_pagetable_walk"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_mmu_paging_element"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_mmu_set_accessed_bit"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_mmu_get_page"), 1);
	cr_assert_eq(msim_import_count_of(r.st.ignored, r.st.n_ignored, "kvm_pio"), 1);
	cr_assert_eq(msim_import_count_of(r.st.used, r.st.n_used, "tracing_mark_write"), 3);
	check_accounting(&r);

	/* --keep-harness keeps them */
	msim_import_opts o = MSIM_IMPORT_OPTS_INIT;
	o.keep_harness = true;
	free(r.p);
	r = import_text(SREGS
		PFX "kvm_mmu_pagetable_walk: addr=0xffffff8000004000 (0) pferr=0x10 (16)\n"
		PFX "kvm_mmu_paging_element: pte=0x8007 (0) level=0x4 (4)\n", &o);
	cr_assert_eq(r.ret, 0);
	/* PML4 index of 0xffffff8000004000 is 511: entry at CR3 + 0xff8 */
	cr_assert(has_line(&r, "expect walk level=4 gpa=0x400ff8 val=0x8007"));
	free(r.p);
}

Test(import_formats, ad_values_accumulate_on_the_walked_entry)
{
	out r = import_text(SREGS
		PFX "tracing_mark_write: msim: access w 0x0 cpl=3\n"
		PFX "kvm_mmu_pagetable_walk: addr 0 pferr 6 W|U\n"
		PFX "kvm_mmu_paging_element: pte 401007 level 4\n"
		PFX "kvm_mmu_paging_element: pte 402007 level 3\n"
		PFX "kvm_mmu_paging_element: pte 403007 level 2\n"
		PFX "kvm_mmu_paging_element: pte 404007 level 1\n"
		PFX "kvm_mmu_set_accessed_bit: gpa 403000\n"
		PFX "kvm_mmu_set_dirty_bit: gpa 403000\n", NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	/* A = bit 5, D = bit 6 of the leaf entry (SDM 4.8); the entry is
	 * written once with both */
	cr_assert(has_line(&r, "expect ad gpa=0x403000 val=0x404067"));
	cr_assert_eq(count_lines(&r, "expect ad"), 1);
	free(r.p);
}

Test(import_formats, cached_root_inferred_only_for_a_new_gfn)
{
	out r = import_text(SREGS
		PFX "tracing_mark_write: msim: cr3 0x400000\n"
		PFX "tracing_mark_write: msim: cr3 0x410000\n"
		PFX "tracing_mark_write: msim: cr3 0x420000\n"
		PFX "kvm_mmu_get_page: mmu_valid_gen=(0) gfn=0x420 (0) role=0x3704 (0) root_count=0x0 (0) unsync=(0) created=(1)\n"
		PFX "tracing_mark_write: msim: mark 1\n", NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	/* same gfn as sregs: no lookup; 0x410: no event -> cached */
	cr_assert_eq(count_lines(&r, "expect root cached"), 1);
	cr_assert(has_line(&r, "cr3 0x410000\nexpect root cached gfn=0x410"));
	cr_assert(has_line(&r, "cr3 0x420000\nexpect root created gfn=0x420 role=0x3704"));
	msim_import_opts o = MSIM_IMPORT_OPTS_INIT;
	o.infer_cached = false;
	free(r.p);
	r = import_text(SREGS PFX "tracing_mark_write: msim: cr3 0x410000\n", &o);
	cr_assert_eq(count_lines(&r, "expect root"), 0);
	free(r.p);
}

/* ---------------------------------------------------- malformed input */

static void expect_error(const char *text, int code, const char *msg_prefix)
{
	out r = import_text(text, NULL);
	cr_assert_eq(r.ret, code, "ret %d, want %d (%s)", r.ret, code, msim_last_error());
	cr_assert(!strncmp(msim_last_error(), msg_prefix, strlen(msg_prefix)),
		  "message '%s', want prefix '%s'", msim_last_error(), msg_prefix);
	free(r.p);
}

Test(import_malformed, line_numbers)
{
	expect_error("# tracer: nop\n" SREGS "garbage without fields\n",
		     MSIM_EPARSE, "snip:3: not an ftrace event line");
	expect_error(SREGS "\n  rec-42  [000] ...1.  notatime: kvm_pio: x\n",
		     MSIM_EPARSE, "snip:3: ftrace line without a 'SECS.USECS:' timestamp");
	expect_error(SREGS PFX "\n", MSIM_EPARSE, "snip:2: ftrace line without an 'event:'");
	/* a marker that is not a native trace line: the codec's message */
	expect_error(SREGS SREGS PFX "tracing_mark_write: msim: access q 0x1000\n",
		     MSIM_EPARSE, "snip:3:");
	expect_error(SREGS PFX "kvm_mmu_get_page: mmu_valid_gen=(0) role=0x3704 (1)\n",
		     MSIM_EPARSE, "snip:2: kvmmmu sp event without gfn=/role=");
	expect_error(SREGS PFX "kvm_mmu_get_page: sp gen 0 gfn 401 garbage\n",
		     MSIM_EPARSE, "snip:2: kvmmmu sp event: expected");
	expect_error(PFX "kvm_mmu_paging_element: pte=0x1 (1) level=0x9 (9)\n",
		     MSIM_EPARSE, "snip:1: kvm_mmu_paging_element without pte/level");
	expect_error(PFX "kvm_cr: cr_write zero\n", MSIM_EPARSE, "snip:1: kvm_cr: cr: expected a number, got 'zero'");
}

Test(import_malformed, lost_events_fail)
{
	expect_error(SREGS "CPU:1 [LOST 17 EVENTS]\n" SREGS, MSIM_EPARSE,
		     "snip:2: ftrace lost 17 events on CPU 1");
	expect_error("# tracer: nop\n#\n# entries-in-buffer/entries-written: 90/100   #P:2\n",
		     MSIM_EPARSE, "snip:3: ftrace buffer dropped 10 of 100 events");
}

Test(import_summary, counts_by_kind_and_name)
{
	out r = import_text("# tracer: nop\n" SREGS
		PFX "tracing_mark_write: msim: access r 0x0 cpl=0\n"
		PFX "kvm_mmu_pagetable_walk: addr=0x0 (0) pferr=0x0 (0)\n"
		PFX "kvm_mmu_paging_element: pte=0x0 (0) level=0x4 (4)\n"
		PFX "kvm_mmu_walker_error: pferr=0x0 (0)\n"
		PFX "tracing_mark_write: msim: expect pf gva=0x0 ec=0x0\n"
		PFX "tracing_mark_write: someone else's marker\n"
		PFX "kvm_fpu: load\n", NULL);
	cr_assert_eq(r.ret, 0, "%s", msim_last_error());
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	cr_assert_eq(msim_import_summary(&r.st, f), 0);
	fclose(f);
	cr_assert(strstr(s, "lines 9\nheader-lines 1\ninputs 2\ncomments 0\n"), "%s", s);
	cr_assert(strstr(s, "\nexpect pf 1\n"), "%s", s);
	cr_assert(strstr(s, "\nexpect walk 1\n"), "%s", s);
	cr_assert(strstr(s, "\nused tracing_mark_write 2\n"), "%s", s);
	cr_assert(strstr(s, "\nignored tracing_mark_write 1\n"), "%s", s);
	cr_assert(strstr(s, "\nignored msim pf report (dup of walker_error) 1\n"), "%s", s);
	cr_assert(strstr(s, "\nignored kvm_fpu 1\n"), "%s", s);
	check_accounting(&r);
	free(s);
	free(r.p);
}

/* ------------------------------------------------- file API + record */

Test(import_file, writes_atomically_and_fails_cleanly)
{
	char in[] = "/tmp/msim_import_inXXXXXX";
	int fd = mkstemp(in);
	cr_assert_geq(fd, 0);
	const char *bad = SREGS "not a line\n";
	cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	char outp[64];
	snprintf(outp, sizeof(outp), "%s.trace", in);
	cr_assert_eq(msim_import_file(in, outp, NULL, NULL), MSIM_EPARSE);
	cr_assert_neq(access(outp, F_OK), 0, "no output after a failed import");
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.tmp", outp);
	cr_assert_neq(access(tmp, F_OK), 0, "temporary removed");
	cr_assert_eq(msim_import_file("/nonexistent/x", outp, NULL, NULL), MSIM_EIO);
	unlink(in);
}

Test(import_record, rerecording_wp_reproduces_the_corpus, .timeout = 120)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0 || geteuid() != 0)
		cr_skip_test("recording needs root and /dev/kvm (not available here)");
	char cmd[2048], dir[] = "/tmp/msim_recordXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "'%s' record --scenario wp -o %s/wp.ftrace 2>%s/err",
		 MSIM_CLI, dir, dir);
	int rc = system(cmd);
	if (rc != 0) {
		snprintf(cmd, sizeof(cmd), "%s/err", dir);
		FILE *f = fopen(cmd, "r");
		char e[512] = "";
		if (f) {
			size_t n = fread(e, 1, sizeof(e) - 1, f);
			e[n] = 0;
			fclose(f);
		}
		if (strstr(e, "unknown") || strstr(e, "usage") || strstr(e, "tracefs"))
			cr_skip_test("mmu-sim record not usable here: %s", e);
		cr_assert_fail("mmu-sim record failed: %s", e);
	}
	snprintf(cmd, sizeof(cmd), "%s/wp.ftrace", dir);
	FILE *in = fopen(cmd, "r");
	cr_assert_not_null(in);
	out fresh = import_stream(in, "wp", NULL);
	fclose(in);
	cr_assert_eq(fresh.ret, 0, "%s", msim_last_error());
	out corpus = import_corpus("wp");
	/* KVM's shadow MMU is deterministic for a fixed input sequence */
	cr_assert_str_eq(fresh.p, corpus.p);
	free(fresh.p);
	free(corpus.p);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
