/*
 * Property checks shared by the trace fuzz harnesses. Beyond "no crash,
 * no hang, no sanitizer report", every input the reader accepts must:
 *  - be accepted by the writer (reader and writer agree on validity);
 *  - give the same canonical text whether it goes through text or binary;
 *  - be a fixed point: canonical text -> text and binary -> binary are
 *    byte-identical;
 *  - format/parse back to the same event, one event at a time.
 * A violated property aborts, which libFuzzer reports as a crash.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_FUZZ_TRACE_H
#define MSIM_FUZZ_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/trace_helpers.h"
#include "trace/trace_internal.h"

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "property failed: %s (%s:%d): %s\n",   \
				#cond, __FILE__, __LINE__, msim_last_error()); \
			abort();                                               \
		}                                                              \
	} while (0)

static inline bool fuzz_same(th_buf a, th_buf b)
{
	return a.n == b.n && !memcmp(a.p, b.p, a.n);
}

/* Each event read from `in` formats and parses back to itself. */
static inline void fuzz_event_fixed_points(th_buf in)
{
	FILE *f = fmemopen(in.p, in.n, "rb");
	msim_trace_reader *r;
	msim_event ev, back;
	char line[1024];

	FUZZ_CHECK(f);
	if (!msim_trace_open_stream(&r, f, "fuzz")) {
		while (!msim_trace_next(r, &ev)) {
			int n = msim_event_format(&ev, line, sizeof(line));

			FUZZ_CHECK(n > 0);
			FUZZ_CHECK(!msim_event_parse(line, &back, ev.vcpu, "fmt", 1));
			FUZZ_CHECK(back.type == ev.type);
			FUZZ_CHECK(back.vcpu == ev.vcpu);
			FUZZ_CHECK(!memcmp(back.arg, ev.arg, sizeof(ev.arg)));
			/* the written set is the present set after parsing */
			for (unsigned i = 0; i < MSIM_EV_MAX_ARGS; i++)
				FUZZ_CHECK((bool)(back.present >> i & 1) ==
					   msim_trace_arg_written(&ev, i));
		}
		msim_trace_close(r);
	}
	fclose(f);
}

static inline void fuzz_trace_properties(const uint8_t *data, size_t size)
{
	th_buf in = { (char *)data, size }, text = { 0 }, bin = { 0 };
	th_buf t2 = { 0 }, t3 = { 0 }, b2 = { 0 };

	if (!size)
		return; /* fmemopen needs a non-empty buffer on old libcs */
	if (th_convert(in, MSIM_TRACE_TEXT, &text) == 0) {
		FUZZ_CHECK(th_convert(in, MSIM_TRACE_BINARY, &bin) == 0);
		FUZZ_CHECK(th_convert(text, MSIM_TRACE_TEXT, &t2) == 0);
		FUZZ_CHECK(fuzz_same(text, t2));
		FUZZ_CHECK(th_convert(bin, MSIM_TRACE_TEXT, &t3) == 0);
		FUZZ_CHECK(fuzz_same(text, t3));
		FUZZ_CHECK(th_convert(bin, MSIM_TRACE_BINARY, &b2) == 0);
		FUZZ_CHECK(fuzz_same(bin, b2));
		fuzz_event_fixed_points(in);
	}
	free(text.p);
	free(bin.p);
	free(t2.p);
	free(t3.p);
	free(b2.p);
}

#endif
