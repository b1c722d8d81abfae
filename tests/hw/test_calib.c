/*
 * Calibration: the cycle model's pointer-chase prediction against every
 * committed real-hardware measurement (traces/hw/probe-*.csv, written by
 * bench/probe.c). Per series (page size x order):
 *  - knees at the same N: every step of >= 30 % between neighbouring
 *    points (grid: 4 points per doubling of N) in the measurement has a
 *    step of >= 15 % in the prediction within KNEE_SLACK grid steps, and
 *    vice versa (known deviations listed below, with their reason);
 *  - mean absolute error of latency normalised to the smallest-N latency
 *    <= 10 % over all points of the file, and <= 15 % per series.
 * The preset is named in the CSV ("# preset=<name>").
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlb_test_util.h" /* internals: chase prediction */
#include "mmu_sim/cost.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/trace.h"

#define MAXPTS 128
#define KNEE_SLACK 1 /* grid steps a knee may move */

struct series {
	char ps[8], order[8];
	unsigned n;
	uint64_t pages[MAXPTS];
	double meas[MAXPTS], sim[MAXPTS];
};

struct csv {
	char preset[64];
	struct series s[8];
	unsigned ns;
};

static struct series *series_of(struct csv *c, const char *ps,
				const char *order)
{
	for (unsigned i = 0; i < c->ns; i++)
		if (!strcmp(c->s[i].ps, ps) && !strcmp(c->s[i].order, order))
			return &c->s[i];
	cr_assert_lt(c->ns, 8);
	struct series *s = &c->s[c->ns++];
	memset(s, 0, sizeof(*s));
	snprintf(s->ps, sizeof(s->ps), "%s", ps);
	snprintf(s->order, sizeof(s->order), "%s", order);
	return s;
}

static void load(const char *path, struct csv *c)
{
	FILE *f = fopen(path, "r");
	char line[256];

	cr_assert_not_null(f, "cannot open %s", path);
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		char ps[8], order[8], huge[16];
		unsigned long long pages, acc;
		double ns, tsc;

		if (sscanf(line, "# preset=%63s", c->preset) == 1)
			continue;
		if (sscanf(line, "%7[^,],%7[^,],%llu,%llu,%lf,%lf,%15s", ps, order,
			   &pages, &acc, &ns, &tsc, huge) != 7)
			continue;
		struct series *s = series_of(c, ps, order);
		cr_assert_lt(s->n, MAXPTS);
		s->pages[s->n] = pages;
		s->meas[s->n++] = ns;
	}
	fclose(f);
	cr_assert_str_neq(c->preset, "", "%s: no '# preset=' line", path);
}

static void predict(const msim_cost_params *p, struct series *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
		double cyc, ns;

		o.pages = s->pages[i];
		o.random = !strcmp(s->order, "random");
		o.page_size = !strcmp(s->ps, "2m") ? (2ULL << 20) : 4096;
		o.accesses = 20000;
		o.seed = 12345;
		cr_assert_eq(msim_chase_predict(p, &o, &cyc, &ns), 0, "%s",
			     msim_last_error());
		s->sim[i] = ns;
	}
}

/*
 * Knees: indices where latency steps up by >= KNEE_RATIO from the previous
 * point; a run of steep points is one knee (its first index).
 */
#define KNEE_RATIO 1.3

static unsigned knees(const double *v, unsigned n, int *out)
{
	unsigned k = 0;

	for (unsigned i = 1; i < n; i++)
		if (v[i] / v[i - 1] >= KNEE_RATIO &&
		    !(i >= 2 && v[i - 1] / v[i - 2] >= KNEE_RATIO))
			out[k++] = (int)i;
	return k;
}

/* Does curve v step up by >= KNEE_SOFT within KNEE_SLACK points of i?
 * (a knee in one curve may be a slightly gentler step in the other) */
#define KNEE_SOFT 1.15

static bool steps_near(const double *v, unsigned n, int i)
{
	for (int j = i - KNEE_SLACK; j <= i + KNEE_SLACK; j++)
		if (j >= 1 && j < (int)n && v[j] / v[j - 1] >= KNEE_SOFT)
			return true;
	return false;
}

/*
 * Known deviations, each explained in traces/hw/README.md; none at
 * present. The 2 MB sequential chase on the Emerald Rapids KVM guest of
 * traces/hw loses STLB hits
 * from 431 pages on, the random one only from 512 on (re-measured
 * 2026-11-21, traces/hw/diag-2m-emr-kvm.csv: any order with long runs of
 * one constant linear stride loses hits early, the same pages with
 * hashed line offsets do not). It was listed here until the model got
 * the prefetcher's STLB footprint (cost.h pf_stlb_fill, on in
 * this-machine): each repeated stride puts a demand-unusable entry for
 * the next address's 2 MB region into the STLB, which shares the 32 sets
 * the 2 MB-strided demand entries use with the other 96 and so evicts
 * them early. The rule's known error (it over-predicts misses between
 * ~470 and 512 pages, off this file's grid) is in the README.
 * Entries: { page size, order, N of the measured knee }, NULL-terminated.
 */
static const struct { const char *ps, *order; uint64_t pages; } known_dev[] = {
	{ NULL, NULL, 0 },
};

static bool known(const struct series *s, uint64_t pages)
{
	for (size_t i = 0; known_dev[i].ps; i++)
		if (!strcmp(known_dev[i].ps, s->ps) &&
		    !strcmp(known_dev[i].order, s->order) &&
		    known_dev[i].pages == pages)
			return true;
	return false;
}

static void check_file(const char *path, double *total_err, unsigned *total_n)
{
	struct csv c;
	msim_cost_params p;

	load(path, &c);
	cr_assert_eq(msim_cost_preset(c.preset, &p), 0, "%s", msim_last_error());
	for (unsigned k = 0; k < c.ns; k++) {
		struct series *s = &c.s[k];
		double err = 0;

		cr_assert_gt(s->n, 8, "%s %s %s: too few points", path, s->ps,
			     s->order);
		predict(&p, s);
		for (unsigned i = 0; i < s->n; i++) {
			double m = s->meas[i] / s->meas[0];
			double v = s->sim[i] / s->sim[0];
			err += fabs(v - m) / m;
		}
		cr_log_info("%s %s/%s: MAE %.3f over %u points", path, s->ps,
			    s->order, err / s->n, s->n);
		cr_expect_leq(err / s->n, 0.15, "%s %s/%s: MAE %.3f", path,
			      s->ps, s->order, err / s->n);
		*total_err += err;
		*total_n += s->n;
		/* knees (L1 TLB, L1D, STLB, L2, LLC reach) at the same N */
		int km[MAXPTS], ks[MAXPTS];
		unsigned nkm = knees(s->meas, s->n, km);
		unsigned nks = knees(s->sim, s->n, ks);
		for (unsigned i = 0; i < nkm; i++)
			cr_expect(known(s, s->pages[km[i]]) ||
					  steps_near(s->sim, s->n, km[i]),
				  "%s %s/%s: measured knee at N=%llu has no simulated knee",
				  path, s->ps, s->order,
				  (unsigned long long)s->pages[km[i]]);
		for (unsigned i = 0; i < nks; i++)
			cr_expect(steps_near(s->meas, s->n, ks[i]),
				  "%s %s/%s: simulated knee at N=%llu not measured",
				  path, s->ps, s->order,
				  (unsigned long long)s->pages[ks[i]]);
		cr_log_info("%s %s/%s: %u measured / %u simulated knees", path,
			    s->ps, s->order, nkm, nks);
	}
}

Test(calib, P9_2_chase_prediction_matches_every_measurement, .timeout = 300)
{
	char dir[512], path[1024];
	DIR *d;
	struct dirent *e;
	double err = 0;
	unsigned n = 0, files = 0;

	snprintf(dir, sizeof(dir), "%s/traces/hw", MSIM_SOURCE_DIR);
	d = opendir(dir);
	cr_assert_not_null(d, "no %s", dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "probe-", 6) || l < 4 ||
		    strcmp(e->d_name + l - 4, ".csv"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_file(path, &err, &n);
		files++;
	}
	closedir(d);
	cr_assert_gt(files, 0, "no probe-*.csv under %s", dir);
	cr_log_info("overall MAE %.3f over %u points", err / n, n);
	cr_assert_leq(err / n, 0.10, "overall MAE %.3f", err / n);
}

/* The prediction is deterministic and monotone in the obvious cases. */
Test(calib, chase_predict_deterministic_and_l1_hit_floor)
{
	msim_cost_params p;
	msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
	double c1, n1, c2, n2;

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	o.pages = 8;
	o.accesses = 1000;
	cr_assert_eq(msim_chase_predict(&p, &o, &c1, &n1), 0);
	cr_assert_eq(msim_chase_predict(&p, &o, &c2, &n2), 0);
	cr_assert_eq(c1, c2);
	/* 8 pages: every access hits the L1 DTLB and the L1D */
	cr_assert_float_eq(c1, (double)p.l1d.latency, 1e-9);
	cr_assert_float_eq(n1, p.l1d.latency / p.ghz, 1e-9);
}

Test(calib, chase_order_is_a_cycle_matching_probe)
{
	msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
	uint64_t order[100];
	bool seen[100] = { false };

	o.pages = 100;
	o.seed = 12345;
	msim_chase_order(&o, order);
	for (int i = 0; i < 100; i++) {
		cr_assert_lt(order[i], 100);
		cr_assert(!seen[order[i]]);
		seen[order[i]] = true;
	}
	/* line page%64 inside the page (bench/probe.c layout) */
	cr_assert_eq(msim_chase_va(&o, 65) & 0xfff, 64u);
	o.random = false;
	msim_chase_order(&o, order);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(order[i], (uint64_t)i);
}

/*
 * `mmu-sim gen chase` describes the same memory as the predictor: replay
 * its wrmem events into a memory and walk every access (SDM Vol. 3A 4.5 reference
 * walk): each lands in the page's scattered frame at line page%64, in the
 * order msim_chase_order gives, after one warm-up cycle and a mark.
 */
Test(calib, gen_chase_trace_matches_the_predictor_layout)
{
	msim_gen_opts go = MSIM_GEN_OPTS_INIT;
	msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
	msim_trace_writer *w;
	msim_trace_reader *r;
	msim_gmem *mem;
	msim_event ev;
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	uint64_t order[700];
	unsigned naccess = 0, marks = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	go.seed = 5;
	go.params = "pages=700,order=random,pagesize=4k,accesses=50";
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_gen("chase", &go, w), 0, "%s", msim_last_error());
	msim_trace_writer_free(w);
	fclose(f);
	o.pages = 700;
	o.seed = 5;
	msim_chase_order(&o, order);
	cr_assert_eq(msim_gmem_create(&mem, NULL), 0);
	f = fmemopen(buf, len, "r");
	cr_assert_eq(msim_trace_open_stream(&r, f, "chase"), 0);
	regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG;
	regs.cr4 = MSIM_CR4_PAE;
	regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	regs.cpl = 3;
	while (msim_trace_next(r, &ev) == 0) {
		if (ev.type == MSIM_EV_WRMEM)
			cr_assert_eq(msim_gmem_write(mem, ev.arg[0], 8, ev.arg[1]), 0);
		else if (ev.type == MSIM_EV_CR3)
			regs.cr3 = ev.arg[0];
		else if (ev.type == MSIM_EV_MARK) {
			cr_assert_eq(naccess, 700, "mark after the warm-up cycle");
			marks++;
		} else if (ev.type == MSIM_EV_ACCESS) {
			msim_walk_opts wo = MSIM_WALK_OPTS_INIT;
			msim_walk_result res;
			uint64_t page = order[naccess % 700];

			wo.reference = true;
			cr_assert_eq(ev.arg[1], msim_chase_va(&o, page));
			cr_assert_eq(msim_walk(mem, &cpu, &regs, &wo, ev.arg[1],
					       MSIM_WACC_USER, &res), 0);
			cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
			cr_assert_eq(res.pa, msim_chase_gpa(&o, page) + (page % 64) * 64);
			cr_assert_eq(res.nad_writes, 0, "A/D preset as on the probe");
			naccess++;
		}
	}
	cr_assert_eq(naccess, 750);
	cr_assert_eq(marks, 1);
	msim_trace_close(r);
	fclose(f);
	free(buf);
	msim_gmem_free(mem);
}
