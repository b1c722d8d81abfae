/*
 * bench_trace_codec: read and write throughput of the trace codecs, text
 * and binary, on an in-memory trace of N events (default 2 000 000) of
 * the shapes a workload trace holds (access, wrmem, cr3, expect).
 *   usage: bench_trace_codec [N]
 * Prints one CSV line per encoding and direction:
 *   codec,encoding,events,bytes,seconds,mevents_per_s
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mmu_sim/trace.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static msim_event make(uint64_t i)
{
	msim_event ev;

	switch (i % 4) {
	case 0:
		msim_event_init(&ev, MSIM_EV_ACCESS, 0);
		ev.arg[0] = i % 3;
		ev.arg[1] = 0x7f0000000000ull + (i << 12);
		ev.present = 0x3;
		break;
	case 1:
		msim_event_init(&ev, MSIM_EV_WRMEM, 0);
		ev.arg[0] = (i & 0xffffff) << 3;
		ev.arg[1] = i | 0x67;
		ev.present = 0x3;
		break;
	case 2:
		msim_event_init(&ev, MSIM_EV_CR3, 0);
		ev.arg[0] = (i & 0xfff) << 12;
		ev.present = 1;
		break;
	default:
		msim_event_init(&ev, MSIM_EV_EXPECT, MSIM_EXP_OK);
		ev.arg[1] = 0x7f0000000000ull + (i << 12);
		ev.arg[2] = (i & 0xffff) << 12;
		ev.present = 0x7;
		break;
	}
	return ev;
}

static int run(msim_trace_encoding enc, uint64_t n)
{
	const char *name = enc == MSIM_TRACE_TEXT ? "text" : "binary";
	size_t len;
	/* a real file (page cache), as `convert` and the generators write:
	 * open_memstream would time its own realloc/memmove growth instead */
	FILE *f = tmpfile();
	msim_trace_writer *w;
	msim_trace_reader *r;
	msim_event ev;
	uint64_t got = 0;
	double t0, t1;
	int ret;

	if (!f || msim_trace_writer_create(&w, f, enc))
		return 1;
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		ev = make(i);
		if (msim_trace_write(w, &ev)) {
			fprintf(stderr, "write: %s\n", msim_last_error());
			return 1;
		}
	}
	msim_trace_writer_free(w);
	fflush(f);
	t1 = now();
	len = (size_t)ftell(f);
	printf("write,%s,%llu,%zu,%.3f,%.2f\n", name, (unsigned long long)n, len,
	       t1 - t0, (double)n / (t1 - t0) / 1e6);

	rewind(f);
	if (msim_trace_open_stream(&r, f, name))
		return 1;
	t0 = now();
	while (!(ret = msim_trace_next(r, &ev)))
		got++;
	t1 = now();
	if (ret != MSIM_EEOF || got != n) {
		fprintf(stderr, "read: %s\n", msim_last_error());
		return 1;
	}
	printf("read,%s,%llu,%zu,%.3f,%.2f\n", name, (unsigned long long)n, len,
	       t1 - t0, (double)n / (t1 - t0) / 1e6);
	msim_trace_close(r);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;

	printf("codec,encoding,events,bytes,seconds,mevents_per_s\n");
	return run(MSIM_TRACE_TEXT, n) || run(MSIM_TRACE_BINARY, n);
}
