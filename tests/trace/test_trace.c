/*
 * Trace codecs: round trips, canonical form, exact parse results and the
 * exact binary bytes documented in traces/FORMAT.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <inttypes.h>

#include "trace_helpers.h"
#include "trace_test.h"

#define CORPUS MSIM_SOURCE_DIR "/tests/traces/"

static void assert_same(th_buf a, th_buf b)
{
	cr_assert_eq(a.n, b.n, "sizes differ: %zu vs %zu", a.n, b.n);
	cr_assert(!memcmp(a.p, b.p, a.n), "contents differ");
}

/* FORMAT.md: text -> binary -> text gives the canonical text back. */
Test(trace, roundtrip_text_binary_text_identical)
{
	th_buf txt = th_slurp(CORPUS "all-events.trace"), bin = { 0 }, back = { 0 };

	cr_assert(txt.p);
	cr_assert_eq(th_convert(txt, MSIM_TRACE_BINARY, &bin), 0, "%s",
		     msim_last_error());
	cr_assert(bin.n < txt.n / 2, "binary %zu bytes vs text %zu", bin.n, txt.n);
	cr_assert_eq(th_convert(bin, MSIM_TRACE_TEXT, &back), 0, "%s",
		     msim_last_error());
	assert_same(txt, back);
	free(txt.p); free(bin.p); free(back.p);
}

/* FORMAT.md: binary -> text -> binary gives the same bytes. */
Test(trace, roundtrip_binary_text_binary_identical)
{
	th_buf txt = th_slurp(CORPUS "all-events.trace"), bin = { 0 }, t2 = { 0 }, bin2 = { 0 };

	cr_assert_eq(th_convert(txt, MSIM_TRACE_BINARY, &bin), 0);
	cr_assert_eq(th_convert(bin, MSIM_TRACE_TEXT, &t2), 0);
	cr_assert_eq(th_convert(t2, MSIM_TRACE_BINARY, &bin2), 0);
	assert_same(bin, bin2);
	/* and binary -> binary is the identity too */
	free(bin2.p);
	cr_assert_eq(th_convert(bin, MSIM_TRACE_BINARY, &bin2), 0);
	assert_same(bin, bin2);
	free(txt.p); free(bin.p); free(t2.p); free(bin2.p);
}

/* Text -> text through the writer is the identity on canonical text. */
Test(trace, canonical_text_is_a_fixed_point)
{
	th_buf txt = th_slurp(CORPUS "all-events.trace"), out = { 0 };

	cr_assert_eq(th_convert(txt, MSIM_TRACE_TEXT, &out), 0);
	assert_same(txt, out);
	free(txt.p); free(out.p);
}

/* The round-trip corpus must cover every event type and expect kind. */
Test(trace, corpus_covers_every_event_and_expect_kind)
{
	bool ev_seen[MSIM_EV_COUNT_] = { false }, k_seen[MSIM_EXP_COUNT_] = { false };
	msim_trace_reader *r;
	msim_event ev;
	int ret;

	cr_assert_eq(msim_trace_open(&r, CORPUS "all-events.trace"), 0);
	while (!(ret = msim_trace_next(r, &ev))) {
		ev_seen[ev.type] = true;
		if (ev.type == MSIM_EV_EXPECT)
			k_seen[ev.arg[0]] = true;
	}
	cr_assert_eq(ret, MSIM_EEOF, "%s", msim_last_error());
	msim_trace_close(r);
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++)
		cr_expect(ev_seen[t], "event '%s' missing from corpus",
			  msim_event_spec_get(t)->name);
	for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++)
		cr_expect(k_seen[k], "expect kind '%s' missing from corpus",
			  msim_expect_spec_get(k)->name);
}

/* Comments (whole-line, trailing, before the header) survive conversion. */
Test(trace, comments_preserved_through_binary)
{
	th_buf in = th_slurp(CORPUS "noncanonical.trace");
	th_buf want = th_slurp(CORPUS "noncanonical.expected"), bin = { 0 }, back = { 0 };

	cr_assert_eq(th_convert(in, MSIM_TRACE_BINARY, &bin), 0, "%s",
		     msim_last_error());
	cr_assert_eq(th_convert(bin, MSIM_TRACE_TEXT, &back), 0);
	assert_same(want, back);
	free(in.p); free(want.p); free(bin.p); free(back.p);
}

/* FORMAT.md "Canonical form": spacing, key order, hex/decimal rule. */
Test(trace, noncanonical_input_canonicalised)
{
	th_buf in = th_slurp(CORPUS "noncanonical.trace");
	th_buf want = th_slurp(CORPUS "noncanonical.expected"), out = { 0 };

	cr_assert_eq(th_convert(in, MSIM_TRACE_TEXT, &out), 0, "%s",
		     msim_last_error());
	assert_same(want, out);
	free(in.p); free(want.p); free(out.p);
}

/* Comment items come back in order with their exact text. */
Test(trace, comment_items_exact_text)
{
	static const char src[] = "# one\nmmu-sim-trace 1\n"
				  "cr0 0x1 #two\n  #  three  \nmark 5\n";
	FILE *f = fmemopen((void *)src, sizeof(src) - 1, "rb");
	const char *want[] = { " one", NULL, "two", "  three  ", NULL };
	unsigned lines[] = { 1, 3, 3, 4, 5 };
	msim_trace_reader *r;
	const char *c;
	msim_event ev;

	cr_assert_eq(msim_trace_open_stream(&r, f, "src"), 0);
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(msim_trace_next_comment(r, &ev, &c), 0, "%s",
			     msim_last_error());
		cr_assert_eq(ev.line, lines[i]);
		if (want[i])
			cr_assert_str_eq(c, want[i]);
		else
			cr_assert_null(c);
	}
	cr_assert_eq(msim_trace_next_comment(r, &ev, &c), MSIM_EEOF);
	msim_trace_close(r);
	fclose(f);
}

/* Numbers: decimal and hex, the full 64-bit range. */
Test(trace, parse_full_64bit_numbers)
{
	msim_event ev;

	cr_assert_eq(msim_event_parse("mark 18446744073709551615", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], UINT64_MAX);
	cr_assert_eq(msim_event_parse("mark 0xFFFFFFFFFFFFFFFF", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], UINT64_MAX);
	cr_assert_eq(msim_event_parse("mark 010", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], 10, "leading zero is not octal");
	cr_assert_eq(msim_event_parse("mark 0x0000000000000000001", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], 1);
	/* the last decimal digit at UINT64_MAX / 10: 0..5 fit, 6..9 do not */
	cr_assert_eq(msim_event_parse("mark 18446744073709551610", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], UINT64_MAX - 5);
	cr_assert_eq(msim_event_parse("mark 18446744073709551619", &ev, 0, "t", 1),
		     MSIM_ERANGE);
	cr_assert_eq(msim_event_parse("mark 99999999999999999999", &ev, 0, "t", 1),
		     MSIM_ERANGE);
	cr_assert_eq(msim_event_parse("mark 0x0fffffffffffffffff", &ev, 0, "t", 1),
		     MSIM_ERANGE);
	cr_assert_eq(msim_event_parse("mark 0x10000000000000000", &ev, 0, "t", 7),
		     MSIM_ERANGE);
	cr_assert_str_eq(msim_last_error(),
			 "t:7: number '0x10000000000000000' for 'id' overflows 64 bits");
}

/* Positional, keyed, defaults, present bits, vcpu stamping. */
Test(trace, parse_fields_and_present_bits)
{
	msim_event ev;

	cr_assert_eq(msim_event_parse("access w gva=0x1000 cpl=3 # c", &ev, 2, "t", 9), 0);
	cr_assert_eq(ev.type, MSIM_EV_ACCESS);
	cr_assert_eq(ev.arg[0], MSIM_ACC_WRITE);
	cr_assert_eq(ev.arg[1], 0x1000);
	cr_assert_eq(ev.arg[2], 3);
	cr_assert_eq(ev.present, 0x7);
	cr_assert_eq(ev.vcpu, 2);
	cr_assert_eq(ev.line, 9);

	cr_assert_eq(msim_event_parse("wrmem 0x10 0x20", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[2], 8, "size defaults to 8");
	cr_assert_eq(ev.present, 0x3);

	cr_assert_eq(msim_event_parse("vmentry", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[5], 0x80050033);
	cr_assert_eq(ev.arg[6], 0x20);
	cr_assert_eq(ev.arg[7], 0xd00);
	cr_assert_eq(ev.present, 0);

	cr_assert_eq(msim_event_parse("vcpu 7", &ev, 2, "t", 1), 0);
	cr_assert_eq(ev.vcpu, 7, "a vcpu event carries its own id");

	cr_assert_eq(msim_event_parse("expect walk level=4 gpa=0x1000 val=0x3", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.arg[0], MSIM_EXP_WALK);
	cr_assert_eq(ev.arg[1], 4);
	cr_assert_eq(ev.arg[2], 0x1000);
	cr_assert_eq(ev.arg[3], 3);
	cr_assert_eq(ev.present, 0xf);

	cr_assert_eq(msim_event_parse("   # only a comment", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.type, MSIM_EV_NONE);
	cr_assert_eq(msim_event_parse("", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.type, MSIM_EV_NONE);
}

/* An explicit default survives (vmexit cr3=0 differs from vmexit). */
Test(trace, explicit_default_kept)
{
	msim_event ev;
	char buf[128];

	cr_assert_eq(msim_event_parse("vmexit cr3=0", &ev, 0, "t", 1), 0);
	cr_assert_eq(ev.present, 1);
	cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)), 14);
	cr_assert_str_eq(buf, "vmexit cr3=0x0");
	cr_assert_eq(msim_event_parse("vmexit", &ev, 0, "t", 1), 0);
	cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "vmexit");
}

/* Canonical numbers: decimal small counts, lowercase hex otherwise. */
Test(trace, format_decimal_and_hex_rule)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "vcpu 0x1f", "vcpu 31" },
		{ "access x 0XABC cpl=0x2", "access x 0xabc cpl=2" },
		{ "expect walk level=0x3 gpa=10 val=255", "expect walk level=3 gpa=0xa val=0xff" },
		{ "wrmem 0x8 1 size=0x4", "wrmem 0x8 0x1 size=4" },
		{ "invpcid 0x2", "invpcid 2" },
		{ "memslot move npages=0x10 gfn=16", "memslot move gfn=0x10 npages=16" },
		{ "machine maxphyaddr=0x30 vcpus=0x10", "machine vcpus=16 maxphyaddr=48" },
		{ "vmentry ept=1 vpid=65535", "vmentry ept=1 vpid=0xffff" },
		{ "mark 42", "mark 0x2a" },
		{ "cr3 value=0x1000", "cr3 0x1000" },
	};
	char buf[256];
	msim_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(msim_event_parse(cases[i].in, &ev, 0, "t", 1), 0,
			     "%s: %s", cases[i].in, msim_last_error());
		cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)),
			     (int)strlen(cases[i].out));
		cr_assert_str_eq(buf, cases[i].out);
	}
}

Test(trace, format_buffer_too_small)
{
	msim_event ev;
	char buf[32];

	/* "mark 0x123456789" is 16 characters and needs 17 bytes */
	cr_assert_eq(msim_event_parse("mark 0x123456789", &ev, 0, "t", 1), 0);
	cr_assert_eq(msim_event_format(&ev, buf, 16), MSIM_ERANGE);
	cr_assert_eq(msim_event_format(&ev, buf, 17), 16);
	cr_assert_str_eq(buf, "mark 0x123456789");
}

/* FORMAT.md binary example: access w 0x7fff1000 cpl=3. */
Test(trace, binary_bytes_of_documented_example)
{
	static const uint8_t want[] = { 0x09, 0x07, 0x01, 0x80, 0xa0, 0xfc,
					0xff, 0x07, 0x03 };
	uint8_t rec[MSIM_BIN_EVENT_MAX];
	msim_event ev;

	cr_assert_eq(msim_event_parse("access w 0x7fff1000 cpl=3", &ev, 0, "t", 1), 0);
	cr_assert_eq(msim_bin_encode_event(&ev, rec), sizeof(want));
	cr_assert(!memcmp(rec, want, sizeof(want)));
}

/* FORMAT.md: header bytes and the comment record "# hi". */
Test(trace, binary_header_and_comment_bytes)
{
	static const uint8_t want[] = { 'M', 'S', 'I', 'M', 'T', 'R', 'B', 1,
					0x00, 0x03, ' ', 'h', 'i' };
	msim_trace_writer *w;
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_BINARY), 0);
	cr_assert_eq(msim_trace_write_comment(w, " hi"), 0);
	msim_trace_writer_free(w);
	fclose(f);
	cr_assert_eq(n, sizeof(want));
	cr_assert(!memcmp(p, want, n));
	free(p);
}

/* LEB128: 1..10 bytes, bit 63 only in the 10th, minimal encodings only. */
Test(trace, varint_limits)
{
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0x01 };
	static const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0x02 };
	static const uint8_t overlong[] = { 0x81, 0x00 };
	static const uint8_t zero[] = { 0x00 };
	uint64_t v;

	cr_assert_eq(msim_varint_get(max, sizeof(max), &v), 10);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(msim_varint_get(over, sizeof(over), &v), -1);
	cr_assert_eq(msim_varint_get(overlong, sizeof(overlong), &v), -1);
	cr_assert_eq(msim_varint_get(zero, 1, &v), 1);
	cr_assert_eq(v, 0);
	cr_assert_eq(msim_varint_get(max, 5, &v), 0, "truncated");
}

/* The writer selects vCPUs itself when ev->vcpu changes. */
Test(trace, writer_emits_vcpu_on_change)
{
	msim_event a = { .type = MSIM_EV_MARK, .present = 1, .vcpu = 0, .arg = { 1 } };
	msim_event b = { .type = MSIM_EV_MARK, .present = 1, .vcpu = 3, .arg = { 2 } };
	msim_trace_writer *w;
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_trace_write(w, &a), 0);
	cr_assert_eq(msim_trace_write(w, &b), 0);
	cr_assert_eq(msim_trace_write(w, &b), 0);
	cr_assert_eq(msim_trace_write(w, &a), 0);
	msim_trace_writer_free(w);
	fclose(f);
	cr_assert_str_eq(p, "mmu-sim-trace 1\nmark 0x1\nvcpu 3\nmark 0x2\n"
			    "mark 0x2\nvcpu 0\nmark 0x1\n");
	free(p);
}

/* The writer refuses what a reader would refuse; nothing is written. */
Test(trace, writer_rejects_invalid_events)
{
	msim_event bad_cpl = { .type = MSIM_EV_ACCESS, .present = 0x7,
			       .arg = { 0, 0x1000, 4 } };
	msim_event bad_size = { .type = MSIM_EV_WRMEM, .present = 0x7,
				.arg = { 0x1000, 1, 3 } };
	msim_event no_gva = { .type = MSIM_EV_INVLPG };
	msim_event late = { .type = MSIM_EV_MACHINE, .arg = { 1, 46, 0, UINT64_MAX } };
	msim_event mark = { .type = MSIM_EV_MARK, .present = 1 };
	msim_event far = { .type = MSIM_EV_MARK, .present = 1, .vcpu = 256 };
	msim_trace_writer *w;
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_trace_write(w, &bad_cpl), MSIM_ERANGE);
	cr_assert_eq(msim_trace_write(w, &bad_size), MSIM_EINVAL);
	cr_assert_eq(msim_trace_write(w, &no_gva), MSIM_EPARSE);
	cr_assert_eq(msim_trace_write(w, &far), MSIM_ERANGE);
	cr_assert_eq(msim_trace_write(w, &mark), 0);
	cr_assert_eq(msim_trace_write(w, &late), MSIM_EINVAL);
	cr_assert_eq(msim_trace_write_comment(w, "a\nb"), MSIM_EINVAL);
	cr_assert_eq(msim_trace_write_comment(w, "a\r"), MSIM_EINVAL);
	msim_trace_writer_free(w);
	fclose(f);
	cr_assert_str_eq(p, "mmu-sim-trace 1\nmark 0x0\n");
	free(p);
}

/* Readers report encoding, line/record numbers, offsets and size. */
Test(trace, reader_positions)
{
	th_buf txt = th_slurp(CORPUS "all-events.trace"), bin = { 0 };
	msim_trace_reader *r;
	msim_event ev;
	FILE *f;
	uint64_t n = 0;

	cr_assert_eq(msim_trace_open(&r, CORPUS "all-events.trace"), 0);
	cr_assert_eq(msim_trace_encoding_of(r), MSIM_TRACE_TEXT);
	cr_assert_eq(msim_trace_size(r), txt.n);
	cr_assert_eq(msim_trace_next(r, &ev), 0);
	cr_assert_eq(ev.type, MSIM_EV_MACHINE);
	cr_assert_eq(ev.line, 3, "header line 1, comment line 2");
	while (msim_trace_next(r, &ev) == 0)
		;
	cr_assert_eq(msim_trace_offset(r), txt.n);
	msim_trace_close(r);

	cr_assert_eq(th_convert(txt, MSIM_TRACE_BINARY, &bin), 0);
	f = fmemopen(bin.p, bin.n, "rb");
	cr_assert_eq(msim_trace_open_stream(&r, f, "b"), 0);
	cr_assert_eq(msim_trace_encoding_of(r), MSIM_TRACE_BINARY);
	cr_assert_eq(msim_trace_next(r, &ev), 0);
	cr_assert_eq(ev.line, 2, "record 1 is the comment");
	while (msim_trace_next(r, &ev) == 0)
		n++;
	cr_assert_eq(msim_trace_offset(r), bin.n);
	cr_assert_eq(msim_trace_line(r), ev.line);
	cr_assert(n > 50);
	cr_assert_eq(msim_trace_next(r, &ev), MSIM_EEOF, "EOF is sticky");
	msim_trace_close(r);
	fclose(f);
	free(txt.p); free(bin.p);
}

/* CRLF line ends are accepted; the last line may lack its newline. */
Test(trace, crlf_and_missing_final_newline)
{
	static const char src[] = "mmu-sim-trace 1\r\ncr0 0x1\r\nmark 2";
	FILE *f = fmemopen((void *)src, sizeof(src) - 1, "rb");
	msim_trace_reader *r;
	msim_event ev;

	cr_assert_eq(msim_trace_open_stream(&r, f, "crlf"), 0);
	cr_assert_eq(msim_trace_next(r, &ev), 0, "%s", msim_last_error());
	cr_assert_eq(ev.arg[0], 1);
	cr_assert_eq(msim_trace_next(r, &ev), 0, "%s", msim_last_error());
	cr_assert_eq(ev.type, MSIM_EV_MARK);
	cr_assert_eq(ev.arg[0], 2);
	cr_assert_eq(msim_trace_next(r, &ev), MSIM_EEOF);
	msim_trace_close(r);
	fclose(f);
}

/* msim_event_init: table defaults, no present bits except expect's kind. */
Test(trace, event_init_defaults)
{
	msim_event ev;
	char buf[128];

	cr_assert_eq(msim_event_init(&ev, MSIM_EV_WRMEM, 0), 0);
	cr_assert_eq(ev.arg[2], 8);
	cr_assert_eq(ev.present, 0);
	ev.arg[0] = 0x1000;
	ev.arg[1] = 0x7;
	ev.present = 0x3;
	cr_assert_eq(msim_event_check(&ev, "t", 1), 0, "%s", msim_last_error());
	cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)), 16);
	cr_assert_str_eq(buf, "wrmem 0x1000 0x7");

	cr_assert_eq(msim_event_init(&ev, MSIM_EV_MACHINE, 0), 0);
	cr_assert_eq(ev.arg[0], 1);
	cr_assert_eq(ev.arg[1], 46);
	cr_assert_eq(ev.arg[3], UINT64_MAX);
	cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "machine");

	cr_assert_eq(msim_event_init(&ev, MSIM_EV_VMENTRY, 0), 0);
	cr_assert_eq(ev.arg[5], 0x80050033);

	cr_assert_eq(msim_event_init(&ev, MSIM_EV_EXPECT, MSIM_EXP_ROOT), 0);
	cr_assert_eq(ev.arg[0], MSIM_EXP_ROOT);
	cr_assert_eq(ev.present, 1);
	ev.arg[1] = 2; /* cached */
	ev.present |= 2;
	cr_assert_eq(msim_event_format(&ev, buf, sizeof(buf)), 18);
	cr_assert_str_eq(buf, "expect root cached");

	cr_assert_eq(msim_event_init(&ev, 0, 0), MSIM_EINVAL);
	cr_assert_eq(msim_event_init(&ev, MSIM_EV_COUNT_, 0), MSIM_EINVAL);
	cr_assert_eq(msim_event_init(&ev, MSIM_EV_EXPECT, MSIM_EXP_COUNT_), MSIM_EINVAL);
}

/* A generator that leaves a defaulted arg at 0 is caught, not guessed. */
Test(trace, absent_arg_must_hold_its_default)
{
	msim_event ev = { .type = MSIM_EV_WRMEM, .present = 0x3,
			  .arg = { 0x1000, 0x7 } };

	cr_assert_eq(msim_event_check(&ev, "gen", 3), MSIM_EINVAL);
	cr_assert_str_eq(msim_last_error(),
			 "gen:3: wrmem size=0 impossible (must be 1, 2, 4 or 8)");
}

/* FORMAT.md: comments up to 65535 bytes fit a record and a text line. */
Test(trace, longest_comment_round_trips)
{
	size_t max = MSIM_TRACE_LINE_MAX - 1;
	char *c = malloc(max + 2);
	th_buf txt = { 0 }, bin = { 0 }, back = { 0 };
	msim_trace_writer *w;
	FILE *f;

	memset(c, 'c', max + 1);
	c[max + 1] = '\0';
	f = open_memstream(&txt.p, &txt.n);
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_trace_write_comment(w, c), MSIM_EINVAL, "65536 bytes");
	c[max] = '\0';
	cr_assert_eq(msim_trace_write_comment(w, c), 0);
	msim_trace_writer_free(w);
	fclose(f);
	cr_assert_eq(txt.n, 16 + 1 + max + 1);
	cr_assert_eq(th_convert(txt, MSIM_TRACE_BINARY, &bin), 0, "%s", msim_last_error());
	cr_assert_eq(bin.n, 8 + 1 + 3 + max, "type, 3-byte length, text");
	cr_assert_eq(th_convert(bin, MSIM_TRACE_TEXT, &back), 0, "%s", msim_last_error());
	assert_same(txt, back);
	free(c);
	free(txt.p); free(bin.p); free(back.p);
}

/* Every enum value has a table row (a new event needs its row). */
Test(trace, event_table_complete)
{
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++) {
		const msim_event_spec *s = msim_event_spec_get(t);

		cr_assert(s && s->name, "event type %u has no table row", t);
		cr_assert_eq(msim_event_type_from_name(s->name), t);
		cr_assert_leq(s->nargs, MSIM_EV_MAX_ARGS);
	}
	for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++) {
		const msim_event_spec *s = msim_expect_spec_get(k);

		cr_assert(s && s->name, "expect kind %u has no table row", k);
		cr_assert_leq(s->nargs, MSIM_EV_MAX_ARGS - 1);
	}
	cr_assert_null(msim_event_spec_get(0));
	cr_assert_null(msim_event_spec_get(MSIM_EV_COUNT_));
	cr_assert_null(msim_expect_spec_get(MSIM_EXP_COUNT_));
	cr_assert_eq(msim_event_type_from_name("nosuch"), MSIM_EV_NONE);
}
