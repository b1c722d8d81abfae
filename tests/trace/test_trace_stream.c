/*
 * Streaming: a generated 10^6-event trace is read in both encodings with
 * a heap footprint that does not grow (mallinfo2) and is far below the
 * trace size.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>

#include "mmu_sim/trace.h"

#define NEVENTS 1000000u

/* Deterministic mix of event shapes, ~25 bytes a line on average. */
static msim_event make_event(uint32_t i)
{
	msim_event ev = { .present = 1, .vcpu = (i / 1000) % 4 };

	switch (i % 4) {
	case 0:
		ev.type = MSIM_EV_ACCESS;
		ev.present = 0x7;
		ev.arg[0] = i % 3;
		ev.arg[1] = 0x7f0000000000ull + (uint64_t)i * 4096;
		ev.arg[2] = i % 4;
		break;
	case 1:
		ev.type = MSIM_EV_WRMEM;
		ev.present = 0x3;
		ev.arg[0] = (uint64_t)i * 8;
		ev.arg[1] = i | 0x3;
		ev.arg[2] = 8;
		break;
	case 2:
		ev.type = MSIM_EV_CR3;
		ev.arg[0] = (uint64_t)(i & 0xfff) << 12;
		break;
	default:
		ev.type = MSIM_EV_MARK;
		ev.arg[0] = i;
		break;
	}
	return ev;
}

static void generate(const char *path, msim_trace_encoding enc)
{
	FILE *f = fopen(path, "wb");
	msim_trace_writer *w;

	cr_assert(f);
	cr_assert_eq(msim_trace_writer_create(&w, f, enc), 0);
	for (uint32_t i = 0; i < NEVENTS; i++) {
		msim_event ev = make_event(i);

		cr_assert_eq(msim_trace_write(w, &ev), 0, "%s", msim_last_error());
		if (i % 100000 == 0)
			cr_assert_eq(msim_trace_write_comment(w, " progress"), 0);
	}
	cr_assert_eq(msim_trace_writer_flush(w), 0);
	msim_trace_writer_free(w);
	cr_assert_eq(fclose(f), 0);
}

static void read_bounded(const char *path)
{
	msim_trace_reader *r;
	msim_event ev;
	size_t heap0, heap_max = 0, mem0;
	uint32_t n = 0;
	bool fields_ok = true;
	int ret;

	cr_assert_eq(msim_trace_open(&r, path), 0, "%s", msim_last_error());
	mem0 = msim_trace_memory(r);
	heap0 = mallinfo2().uordblks;
	while (!(ret = msim_trace_next(r, &ev))) {
		if (ev.type == MSIM_EV_VCPU)
			continue;
		if (n % 4096 == 0) {
			size_t h = mallinfo2().uordblks;

			if (h > heap_max)
				heap_max = h;
		}
		{
			msim_event want = make_event(n);

			fields_ok &= ev.type == want.type && ev.vcpu == want.vcpu &&
				     !memcmp(ev.arg, want.arg, sizeof(ev.arg));
		}
		n++;
	}
	cr_assert_eq(ret, MSIM_EEOF, "%s", msim_last_error());
	cr_assert_eq(n, NEVENTS);
	cr_assert(fields_ok, "an event came back different");
	cr_assert_leq(heap_max, heap0, "heap grew from %zu to %zu while reading",
		      heap0, heap_max);
	cr_assert_eq(msim_trace_memory(r), mem0);
	/* one line/record buffer, not the file */
	cr_assert_lt(mem0, 3 * MSIM_TRACE_LINE_MAX);
	cr_assert_gt(msim_trace_size(r), 40 * mem0, "trace %" PRIu64 " vs %zu",
		     msim_trace_size(r), mem0);
	msim_trace_close(r);
}

Test(trace_stream, million_events_text_bounded_memory, .timeout = 300)
{
	const char *path = MSIM_BINARY_DIR "/trace-stream-test.trace";

	generate(path, MSIM_TRACE_TEXT);
	read_bounded(path);
	remove(path);
}

Test(trace_stream, million_events_binary_bounded_memory, .timeout = 300)
{
	const char *path = MSIM_BINARY_DIR "/trace-stream-test.mtrb";

	generate(path, MSIM_TRACE_BINARY);
	read_bounded(path);
	remove(path);
}
