/*
 * Helpers shared by the trace tests: whole-buffer conversions through the
 * public reader/writer API over in-memory streams.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_TEST_TRACE_HELPERS_H
#define MSIM_TEST_TRACE_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
