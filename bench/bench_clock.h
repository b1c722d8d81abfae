/*
 * Clocks for the benchmark programs: CPU time of this process (the rate
 * "on one core" even when other jobs share the machine) and wall time.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_BENCH_CLOCK_H
#define MSIM_BENCH_CLOCK_H

#include <time.h>

static inline double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline double bench_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
