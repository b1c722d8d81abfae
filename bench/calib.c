/*
 * calib: simulated pointer-chase latency for every point of a measured
 * probe CSV (bench/probe.c output with a "# preset=<name>" line), using
 * the cycle-model preset it names (or argv[2]). Output CSV:
 *   pagesize,order,pages,measured_ns,sim_ns,measured_norm,sim_norm
 * (norm = latency / latency at the series' smallest N), for bench/calib.gp
 * and for inspecting the fit behind tests/test_calib.c.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/cost.h"

int main(int argc, char **argv)
{
	char line[256], preset[64] = "", ps[8], order[8], huge[16];
	char cur_ps[8] = "", cur_order[8] = "";
	double m0 = 0, s0 = 0;
	msim_cost_params p;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_calib PROBE.csv [preset]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	if (argc > 2)
		snprintf(preset, sizeof(preset), "%s", argv[2]);
	printf("pagesize,order,pages,measured_ns,sim_ns,measured_norm,sim_norm\n");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pages, acc;
		double ns, tsc, cyc, sns;
		msim_chase_opts o = MSIM_CHASE_OPTS_INIT;

		if (!preset[0] && sscanf(line, "# preset=%63s", preset) == 1)
			continue;
		if (sscanf(line, "%7[^,],%7[^,],%llu,%llu,%lf,%lf,%15s", ps, order,
			   &pages, &acc, &ns, &tsc, huge) != 7)
			continue;
		if (!preset[0] || msim_cost_preset(preset, &p)) {
			fprintf(stderr, "calib: no usable preset (%s)\n", preset);
			return 2;
		}
		o.pages = pages;
		o.random = !strcmp(order, "random");
		o.page_size = !strcmp(ps, "2m") ? (2ULL << 20) : 4096;
		o.accesses = 20000;
		o.seed = 12345;
		if (msim_chase_predict(&p, &o, &cyc, &sns)) {
			fprintf(stderr, "calib: %s\n", msim_last_error());
			return 1;
		}
		if (strcmp(ps, cur_ps) || strcmp(order, cur_order)) {
			snprintf(cur_ps, sizeof(cur_ps), "%s", ps);
			snprintf(cur_order, sizeof(cur_order), "%s", order);
			m0 = ns;
			s0 = sns;
		}
		printf("%s,%s,%llu,%.3f,%.3f,%.4f,%.4f\n", ps, order, pages, ns, sns,
		       ns / m0, sns / s0);
	}
	fclose(f);
	return 0;
}
