/*
 * Helpers shared by the trace tests and the benchmarks: whole-buffer
 * conversions through the public reader/writer API over in-memory
 * streams, and generated workloads as buffers or decoded event arrays.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_TEST_TRACE_HELPERS_H
#define MSIM_TEST_TRACE_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/gen.h"
#include "mmu_sim/trace.h"

typedef struct th_buf {
	char *p;
	size_t n;
} th_buf;

/* Whole regular file into memory (NUL-terminated); p is NULL on failure. */
static inline th_buf th_slurp(const char *path)
{
	th_buf b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return b;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0) { /* a directory, a pipe */
		fclose(f);
		return b;
	}
	b.p = malloc((size_t)n + 1);
	b.n = fread(b.p, 1, (size_t)n, f);
	b.p[b.n] = '\0';
	fclose(f);
	return b;
}

/*
 * Read `in` (either encoding) and write every event and comment with a
 * writer of encoding `enc`. Returns 0 and the output in *out, or the
 * reader/writer error.
 */
static inline int th_convert(th_buf in, msim_trace_encoding enc, th_buf *out)
{
	FILE *fi = fmemopen(in.p, in.n, "rb");
	FILE *fo = open_memstream(&out->p, &out->n);
	msim_trace_reader *r = NULL;
	msim_trace_writer *w = NULL;
	int ret;

	ret = msim_trace_open_stream(&r, fi, "mem");
	if (!ret)
		ret = msim_trace_writer_create(&w, fo, enc);
	while (!ret) {
		const char *c;
		msim_event ev;

		ret = msim_trace_next_comment(r, &ev, &c);
		if (!ret)
			ret = c ? msim_trace_write_comment(w, c) :
				  msim_trace_write(w, &ev);
	}
	if (ret == MSIM_EEOF)
		ret = 0;
	msim_trace_writer_free(w);
	msim_trace_close(r);
	fclose(fi);
	fclose(fo);
	return ret;
}

/*
 * Workload `name` with `params` (gen seed 1) written in encoding `enc`
 * into memory. Returns 0 and the trace in *out, or the generator's or
 * writer's error.
 */
static inline int th_gen(const char *name, const char *params,
			 msim_trace_encoding enc, th_buf *out)
{
	FILE *f = open_memstream(&out->p, &out->n);
	msim_trace_writer *w = NULL;
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;
	int ret;

	if (!f)
		return MSIM_ENOMEM;
	o.params = params;
	ret = msim_trace_writer_create(&w, f, enc);
	if (!ret)
		ret = msim_gen(name, &o, w);
	msim_trace_writer_free(w);
	fclose(f);
	return ret;
}

/*
 * Every event of trace `in` (either encoding) in one malloc'd array of
 * *n events, or NULL on a reader error or out of memory.
 */
static inline msim_event *th_decode(th_buf in, size_t *n)
{
	FILE *f = fmemopen(in.p, in.n, "rb");
	msim_trace_reader *r = NULL;
	size_t cap = 1024;
	msim_event *ev = malloc(cap * sizeof(*ev)), *bigger;
	int ret = f && ev ? msim_trace_open_stream(&r, f, "mem") : MSIM_ENOMEM;

	*n = 0;
	while (!ret) {
		if (*n == cap) {
			if (!(bigger = realloc(ev, (cap *= 2) * sizeof(*ev)))) {
				ret = MSIM_ENOMEM;
				break;
			}
			ev = bigger;
		}
		if (!(ret = msim_trace_next(r, &ev[*n])))
			(*n)++;
	}
	msim_trace_close(r);
	if (f)
		fclose(f);
	if (ret != MSIM_EEOF) {
		free(ev);
		return NULL;
	}
	return ev;
}

/* th_gen (binary) then th_decode: the workload's events, or NULL. */
static inline msim_event *th_gen_events(const char *name, const char *params,
					size_t *n)
{
	th_buf b = { NULL, 0 };
	msim_event *ev = NULL;

	if (!th_gen(name, params, MSIM_TRACE_BINARY, &b))
		ev = th_decode(b, n);
	free(b.p);
	return ev;
}

#endif
