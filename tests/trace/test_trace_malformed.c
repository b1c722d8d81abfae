/*
 * Malformed traces: every file under tests/malformed/ must fail with the
 * exact error code, the exact "file:line: " prefix and the reason of
 * traces/FORMAT.md "Errors"; plus a generated over-long line.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>

#include "mmu_sim/trace.h"

#define DIR_M MSIM_SOURCE_DIR "/tests/malformed/"

typedef struct mcase {
	const char *file;
	int code;
	unsigned line; /* text line or binary record of the error */
	const char *reason;
} mcase;

static const mcase cases[] = {
	{ "truncated-line.trace", MSIM_EPARSE, 3, "missing required argument 'value' for 'wrmem'" },
	{ "truncated-record.mtrb", MSIM_EPARSE, 2, "truncated record" },
	{ "truncated-header.mtrb", MSIM_EPARSE, 0, "truncated binary header" },
	{ "binary-truncated-comment.mtrb", MSIM_EPARSE, 1, "truncated record" },
	{ "wrong-version.trace", MSIM_EVERSION, 2, "unsupported trace version 2" },
	{ "wrong-version.mtrb", MSIM_EVERSION, 0, "unsupported binary trace version 2" },
	{ "bad-header.trace", MSIM_EPARSE, 1, "bad header" },
	{ "missing-header.trace", MSIM_EPARSE, 1, "missing header 'mmu-sim-trace 1'" },
	{ "comments-only.trace", MSIM_EPARSE, 3, "missing header" },
	{ "empty.trace", MSIM_EPARSE, 1, "empty file" },
	{ "bad-number.trace", MSIM_EPARSE, 2, "bad number '0x12g4' for 'gva'" },
	{ "bad-number-empty-hex.trace", MSIM_EPARSE, 3, "bad number '0x' for 'value'" },
	{ "bad-number-sign.trace", MSIM_EPARSE, 2, "bad number '-1' for 'id'" },
	{ "overflow-dec.trace", MSIM_ERANGE, 2, "'18446744073709551616' for 'value' overflows 64 bits" },
	{ "overflow-hex.trace", MSIM_ERANGE, 2, "'0x10000000000000000' for 'value' overflows 64 bits" },
	{ "range-cpl.trace", MSIM_ERANGE, 2, "cpl=4 out of range for 'access' (max 3)" },
	{ "range-vcpu.trace", MSIM_ERANGE, 3, "id=256 out of range for 'vcpu' (max 255)" },
	{ "range-bool.trace", MSIM_ERANGE, 2, "ac=2 out of range for 'access' (max 1)" },
	{ "range-pkru.trace", MSIM_ERANGE, 2, "value=4294967296 out of range for 'pkru'" },
	{ "range-walk-level.trace", MSIM_ERANGE, 2, "level=6 out of range for 'walk' (max 5)" },
	{ "impossible-wrmem-size.trace", MSIM_EINVAL, 2, "wrmem size=3 impossible" },
	{ "impossible-wrmem-align.trace", MSIM_EINVAL, 2, "wrmem gpa 0x1002 not aligned to size 4" },
	{ "impossible-wrmem-value.trace", MSIM_EINVAL, 2, "wrmem value 0x100 does not fit in a 1-byte store" },
	{ "impossible-vcpus.trace", MSIM_EINVAL, 2, "machine vcpus=0 impossible" },
	{ "impossible-maxphyaddr.trace", MSIM_EINVAL, 2, "machine maxphyaddr=31 impossible" },
	{ "machine-late.trace", MSIM_EPARSE, 3, "'machine' must come once, before every other event" },
	{ "unknown-event.trace", MSIM_EPARSE, 2, "unknown event 'jump'" },
	{ "unknown-key.trace", MSIM_EPARSE, 2, "unknown key 'ring' for 'access'" },
	{ "unknown-expect-kind.trace", MSIM_EPARSE, 2, "unknown expect kind 'boom'" },
	{ "unknown-expect-key.trace", MSIM_EPARSE, 2, "unknown key 'lvl' for 'pf'" },
	{ "duplicate-key.trace", MSIM_EPARSE, 2, "duplicate key 'cpl' for 'access'" },
	{ "duplicate-positional.trace", MSIM_EPARSE, 2, "duplicate key 'value' for 'cr3'" },
	{ "missing-required.trace", MSIM_EPARSE, 2, "missing required argument 'gva' for 'access'" },
	{ "missing-required-sregs.trace", MSIM_EPARSE, 2, "missing required argument 'efer' for 'sregs'" },
	{ "trailing-garbage.trace", MSIM_EPARSE, 2, "trailing garbage 'junk' after 'cr0'" },
	{ "bare-after-key.trace", MSIM_EPARSE, 2, "trailing garbage '3' after 'access'" },
	{ "bad-enum.trace", MSIM_EPARSE, 2, "bad value 'q' for 'type'" },
	{ "nul-byte.trace", MSIM_EPARSE, 3, "NUL byte in text" },
	{ "garbage-no-magic.bin", MSIM_EPARSE, 1, "missing header" },
	{ "garbage-varint.mtrb", MSIM_EPARSE, 2, "unknown record type" },
	{ "garbage-type.mtrb", MSIM_EPARSE, 1, "unknown record type" },
	{ "garbage-mask.mtrb", MSIM_EPARSE, 1, "bad argument mask" },
	{ "binary-missing-required.mtrb", MSIM_EPARSE, 1, "missing required argument 'value' for 'cr0'" },
	{ "binary-range.mtrb", MSIM_ERANGE, 1, "cpl=4 out of range for 'access' (max 3)" },
	{ "binary-overlong.mtrb", MSIM_EPARSE, 1, "bad varint" },
	{ "binary-comment-newline.mtrb", MSIM_EPARSE, 1, "comment holds a NUL, newline or final CR" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Open and read to the end; returns the first error (message kept). */
static int read_all(const char *path)
{
	msim_trace_reader *r;
	msim_event ev;
	const char *c;
	int ret = msim_trace_open(&r, path);

	if (ret)
		return ret;
	while (!(ret = msim_trace_next_comment(r, &ev, &c)))
		;
	/* errors are sticky */
	if (ret != MSIM_EEOF)
		cr_assert_eq(msim_trace_next(r, &ev), ret);
	msim_trace_close(r);
	return ret;
}

static void check_case(const mcase *m)
{
	char path[512], prefix[600];
	int ret;

	snprintf(path, sizeof(path), DIR_M "%s", m->file);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, m->line);
	ret = read_all(path);
	cr_expect_eq(ret, m->code, "%s: got %s (%s), want %s", m->file,
		     msim_strerror(ret), msim_last_error(), msim_strerror(m->code));
	cr_expect(!strncmp(msim_last_error(), prefix, strlen(prefix)),
		  "%s: message '%s' lacks prefix '%s'", m->file, msim_last_error(),
		  prefix);
	cr_expect(strstr(msim_last_error(), m->reason),
		  "%s: message '%s' lacks '%s'", m->file, msim_last_error(),
		  m->reason);
}

Test(trace_malformed, corpus_exact_errors)
{
	for (size_t i = 0; i < NCASES; i++)
		check_case(&cases[i]);
}

/* Every committed file has a row (a new file cannot go unchecked). */
Test(trace_malformed, every_corpus_file_listed)
{
	DIR *d = opendir(DIR_M);
	struct dirent *e;
	unsigned n = 0;

	cr_assert(d);
	while ((e = readdir(d))) {
		bool found = false;

		if (e->d_name[0] == '.')
			continue;
		n++;
		for (size_t i = 0; i < NCASES; i++)
			found |= !strcmp(cases[i].file, e->d_name);
		cr_expect(found, "tests/malformed/%s has no expected error", e->d_name);
	}
	closedir(d);
	cr_assert_eq(n, NCASES);
}

/*
 * A 1 GiB line served lazily by a cookie stream: the reader must give up
 * at MSIM_TRACE_LINE_MAX without pulling the whole line.
 */
typedef struct endless {
	uint64_t served, limit;
	bool header_sent;
} endless;

static ssize_t endless_read(void *c, char *buf, size_t n)
{
	endless *e = c;
	static const char head[] = "mmu-sim-trace 1\nmark 1\n";
	size_t k = 0;

	if (!e->header_sent) {
		cr_assert(n >= sizeof(head) - 1);
		memcpy(buf, head, sizeof(head) - 1);
		e->header_sent = true;
		k = sizeof(head) - 1;
	}
	for (; k < n && e->served < e->limit; k++, e->served++)
		buf[k] = 'a';
	return (ssize_t)k;
}

Test(trace_malformed, gigabyte_line_rejected_early)
{
	endless e = { 0, 1ull << 30, false };
	cookie_io_functions_t io = { .read = endless_read };
	FILE *f = fopencookie(&e, "r", io);
	msim_trace_reader *r;
	msim_event ev;

	cr_assert(f);
	cr_assert_eq(msim_trace_open_stream(&r, f, "huge"), 0, "%s", msim_last_error());
	cr_assert_eq(msim_trace_next(r, &ev), 0);
	cr_assert_eq(ev.type, MSIM_EV_MARK);
	cr_assert_eq(msim_trace_next(r, &ev), MSIM_ERANGE);
	cr_assert_str_eq(msim_last_error(), "huge:3: line too long (limit 65536 bytes)");
	/* bounded: at most one buffer plus one stdio buffer beyond the limit */
	cr_assert_lt(e.served, 2 * MSIM_TRACE_LINE_MAX + 8192, "read %" PRIu64 " bytes",
		     e.served);
	msim_trace_close(r);
	fclose(f);
}

/* The limit itself: 65536 bytes pass, 65537 fail (comment lines). */
Test(trace_malformed, line_limit_exact)
{
	size_t len = MSIM_TRACE_LINE_MAX;
	char *src = malloc(64 + 2 * len);
	char path[] = MSIM_BINARY_DIR "/trace-longline-XXXXXX";
	msim_trace_reader *r;
	msim_event ev;
	const char *c;
	size_t n;
	FILE *f;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	n = (size_t)sprintf(src, "mmu-sim-trace 1\n#");
	memset(src + n, 'x', len - 1);
	n += len - 1;
	src[n++] = '\n';
	src[n++] = '#';
	memset(src + n, 'y', len);
	n += len;
	src[n++] = '\n';
	f = fdopen(fd, "wb");
	cr_assert_eq(fwrite(src, 1, n, f), n);
	fclose(f);

	cr_assert_eq(msim_trace_open(&r, path), 0);
	cr_assert_eq(msim_trace_next_comment(r, &ev, &c), 0, "%s", msim_last_error());
	cr_assert_eq(strlen(c), len - 1);
	cr_assert_eq(msim_trace_next_comment(r, &ev, &c), MSIM_ERANGE);
	cr_assert(strstr(msim_last_error(), ":3: line too long"), "%s",
		  msim_last_error());
	msim_trace_close(r);
	remove(path);
	free(src);
}
