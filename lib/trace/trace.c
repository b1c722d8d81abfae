/*
 * Trace readers and writers: streaming over a fixed buffer, encoding
 * detection, header checks, the event-order rules, and the writer's
 * canonical output. Per-line and per-record codecs live in trace_text.c
 * and trace_bin.c.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/internal.h"
#include "trace/trace_internal.h"

/*
 * One text line plus its newline and a NUL, or one binary comment record
 * (type + length varints + MSIM_TRACE_LINE_MAX - 1 bytes).
 */
#define BUF_CAP (MSIM_TRACE_LINE_MAX + 2 * MSIM_VARINT_MAX)
#define MAGIC_LEN 7

struct msim_trace_reader {
	FILE *f;
	bool own;
	char *name;
	msim_trace_encoding enc;
	uint8_t *buf; /* BUF_CAP bytes; pos..len is unread data */
	size_t pos, len;
	bool eof;
	char *cbuf; /* binary comment text, MSIM_TRACE_LINE_MAX bytes */
	char *pending; /* trailing comment of the last text event */
	uint64_t line, offset, size;
	uint32_t vcpu;
	int err;
	bool header_done, machine_seen, other_seen;
	struct msim_type_plan plan[MSIM_EV_COUNT_]; /* binary fast path */
};

/* Events are encoded straight into buf and handed to the FILE in large
 * blocks: one locked fwrite per event cost more than the encoding. */
#define WBUF_SIZE (64 * 1024)

struct msim_trace_writer {
	FILE *f;
	msim_trace_encoding enc;
	uint32_t vcpu;
	bool machine_seen, other_seen;
	bool failed; /* a block write failed: every later write fails */
	size_t len;
	unsigned char buf[WBUF_SIZE];
};

/* ------------------------------------------------------------ buffering */

/* Read more bytes after compacting; sets eof at the end of the input. */
static int fill(msim_trace_reader *r)
{
	size_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->eof || r->len == BUF_CAP)
		return 0;
	n = fread(r->buf + r->len, 1, BUF_CAP - r->len, r->f);
	r->len += n;
	if (n == 0) {
		if (ferror(r->f))
			return msim_err(MSIM_EIO, "%s: read error: %s", r->name,
					strerror(errno));
		r->eof = true;
	}
	return 0;
}

/* Make at least `need` unread bytes available unless the input ends. */
static int ensure(msim_trace_reader *r, size_t need)
{
	while (r->len - r->pos < need && !r->eof) {
		int ret = fill(r);

		if (ret)
			return ret;
	}
	return 0;
}

static void consume(msim_trace_reader *r, size_t n)
{
	r->pos += n;
	r->offset += n;
}

static int fail(msim_trace_reader *r, int err)
{
	r->err = err;
	return err;
}

/* ------------------------------------------------------ shared rules */

/* `machine` describes the whole VM: only first, only once. */
static int sequence(msim_trace_reader *r, const msim_event *ev)
{
	if (ev->type == MSIM_EV_MACHINE) {
		if (r->other_seen || r->machine_seen)
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": 'machine' must come once, before every other event",
					r->name, ev->line);
		r->machine_seen = true;
	} else {
		r->other_seen = true;
	}
	if (ev->type == MSIM_EV_VCPU)
		r->vcpu = (uint32_t)ev->arg[0];
	return 0;
}

/* --------------------------------------------------------------- text */

/*
 * Check a header line p[0..n) (no newline). Returns 1 if it is a valid
 * header, 0 if the line holds no header token (blank/comment), or an
 * error.
 */
static int text_header(const msim_trace_reader *r, const char *p, size_t n,
		       uint64_t line)
{
	const char *hash = memchr(p, '#', n);
	const char *end = hash ? hash : p + n;
	const char *t;
	size_t hl = strlen(MSIM_TRACE_HEADER);
	uint64_t ver = 0;
	bool digits = false, overflow = false;

	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return 0;
	if ((size_t)(end - p) < hl || memcmp(p, MSIM_TRACE_HEADER, hl) ||
	    (p + hl < end && p[hl] != ' ' && p[hl] != '\t'))
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": missing header '" MSIM_TRACE_HEADER " %d' "
				"(not an mmu-sim trace?)",
				r->name, line, MSIM_TRACE_VERSION);
	t = p + hl;
	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	for (; t < end && *t >= '0' && *t <= '9'; t++) {
		digits = true;
		if (ver > (UINT64_MAX - 9) / 10)
			overflow = true;
		else
			ver = ver * 10 + (uint64_t)(*t - '0');
	}
	if (!digits || t != end)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": bad header: expected '" MSIM_TRACE_HEADER " %d'",
				r->name, line, MSIM_TRACE_VERSION);
	if (overflow || ver != MSIM_TRACE_VERSION)
		return msim_err(MSIM_EVERSION, "%s:%" PRIu64
				": unsupported trace version %s%" PRIu64
				" (this build reads version %d)", r->name, line,
				overflow ? ">" : "", ver, MSIM_TRACE_VERSION);
	return 1;
}

/*
 * Next physical line: *s points at it, NUL-terminated, newline and any
 * trailing '\r' removed. Returns 1, 0 at the end, or an error.
 */
static int text_line(msim_trace_reader *r, char **s)
{
	size_t scanned = 0;

	for (;;) {
		uint8_t *start = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		uint8_t *nl = memchr(start + scanned, '\n', avail - scanned);
		size_t n;
		int ret;

		if (nl || (r->eof && avail)) {
			n = nl ? (size_t)(nl - start) : avail;
			if (n > MSIM_TRACE_LINE_MAX)
				break;
			r->line++;
			consume(r, n + (nl != NULL));
			if (memchr(start, '\0', n))
				return msim_err(MSIM_EPARSE, "%s:%" PRIu64
						": NUL byte in text", r->name,
						r->line);
			while (n && start[n - 1] == '\r')
				n--;
			start[n] = '\0';
			*s = (char *)start;
			return 1;
		}
		if (r->eof)
			return 0;
		if (avail > MSIM_TRACE_LINE_MAX)
			break;
		scanned = avail;
		ret = fill(r);
		if (ret)
			return ret;
	}
	return msim_err(MSIM_ERANGE, "%s:%" PRIu64
			": line too long (limit %d bytes)", r->name, r->line + 1,
			MSIM_TRACE_LINE_MAX);
}

/* Check the header at open time by peeking at the buffered lines. */
static int text_peek_header(msim_trace_reader *r)
{
	const uint8_t *p = r->buf, *end = r->buf + r->len;
	uint64_t line = 0;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		int ret;

		if (!nl && !r->eof)
			return 0; /* decided by the first next() */
		line++;
		ret = text_header(r, (const char *)p,
				  (size_t)((nl ? nl : end) - p), line);
		if (ret)
			return ret < 0 ? ret : 0;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (r->eof && r->len == 0)
		return msim_err(MSIM_EPARSE, "%s:1: empty file", r->name);
	if (r->eof)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": missing header '" MSIM_TRACE_HEADER " %d' (only comments)",
				r->name, line, MSIM_TRACE_VERSION);
	return 0;
}

static int text_next(msim_trace_reader *r, msim_event *ev, const char **comment)
{
	for (;;) {
		char *s = NULL, *hash;
		int ret = text_line(r, &s);

		if (ret < 0)
			return ret;
		if (ret == 0) {
			if (!r->header_done)
				return r->offset ?
					msim_err(MSIM_EPARSE, "%s:%" PRIu64
						 ": missing header '" MSIM_TRACE_HEADER " %d' (only comments)",
						 r->name, r->line, MSIM_TRACE_VERSION) :
					msim_err(MSIM_EPARSE, "%s:1: empty file",
						 r->name);
			return MSIM_EEOF;
		}
		hash = strchr(s, '#');
		if (hash)
			*hash++ = '\0';
		if (!r->header_done) {
			ret = text_header(r, s, strlen(s), r->line);
			if (ret < 0)
				return ret;
			r->header_done = ret == 1;
			memset(ev, 0, sizeof(*ev));
		} else {
			ret = msim_event_parse(s, ev, r->vcpu, r->name, r->line);
			if (ret)
				return ret;
			if (ev->type != MSIM_EV_NONE) {
				ret = sequence(r, ev);
				if (ret)
					return ret;
				r->pending = hash;
				return 0;
			}
		}
		if (hash && comment) {
			ev->line = r->line;
			ev->vcpu = r->vcpu;
			*comment = hash;
			return 0;
		}
	}
}

/* ------------------------------------------------------------- binary */

static int bin_header(msim_trace_reader *r)
{
	uint8_t ver;
	int ret = ensure(r, MAGIC_LEN + 1);

	if (ret)
		return ret;
	if (r->len - r->pos < MAGIC_LEN + 1)
		return msim_err(MSIM_EPARSE, "%s:0: truncated binary header",
				r->name);
	ver = r->buf[r->pos + MAGIC_LEN];
	if (ver != MSIM_TRACE_VERSION)
		return msim_err(MSIM_EVERSION, "%s:0: unsupported binary trace "
				"version %u (this build reads version %d)",
				r->name, ver, MSIM_TRACE_VERSION);
	consume(r, MAGIC_LEN + 1);
	r->header_done = true;
	return 0;
}

static int truncated(const msim_trace_reader *r, uint64_t rec)
{
	return msim_err(MSIM_EPARSE, "%s:%" PRIu64
			": truncated record (file ends inside it)", r->name, rec);
}

static int bin_comment(msim_trace_reader *r, size_t k, msim_event *ev,
		       const char **comment)
{
	uint64_t rec = r->line + 1, clen;
	const uint8_t *p;
	int k2, ret;

	k2 = msim_varint_get(r->buf + r->pos + k, r->len - r->pos - k, &clen);
	if (k2 == 0)
		return truncated(r, rec);
	if (k2 < 0)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": bad varint in comment length", r->name, rec);
	if (clen > MSIM_TRACE_LINE_MAX - 1)
		return msim_err(MSIM_ERANGE, "%s:%" PRIu64
				": comment of %" PRIu64 " bytes too long (limit %d)",
				r->name, rec, clen, MSIM_TRACE_LINE_MAX - 1);
	ret = ensure(r, k + (size_t)k2 + clen);
	if (ret)
		return ret;
	if (r->len - r->pos < k + (size_t)k2 + clen)
		return truncated(r, rec);
	p = r->buf + r->pos + k + k2;
	if (memchr(p, '\0', clen) || memchr(p, '\n', clen) ||
	    (clen && p[clen - 1] == '\r'))
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": comment holds a NUL, newline or final CR",
				r->name, rec);
	memcpy(r->cbuf, p, clen);
	r->cbuf[clen] = '\0';
	consume(r, k + (size_t)k2 + clen);
	r->line = rec;
	memset(ev, 0, sizeof(*ev));
	ev->line = rec;
	ev->vcpu = r->vcpu;
	*comment = r->cbuf;
	return 0;
}

static int bin_next(msim_trace_reader *r, msim_event *ev, const char **comment)
{
	for (;;) {
		uint64_t rec = r->line + 1, type;
		int k, ret = ensure(r, MSIM_BIN_EVENT_MAX);

		if (ret)
			return ret;
		if (r->pos == r->len)
			return MSIM_EEOF;
		k = msim_varint_get(r->buf + r->pos, r->len - r->pos, &type);
		if (k == 0)
			return truncated(r, rec);
		if (k < 0 || type >= MSIM_EV_COUNT_)
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": unknown record type (binary garbage?)",
					r->name, rec);
		if (type == MSIM_EV_NONE) {
			const char *c = NULL;

			ret = bin_comment(r, (size_t)k, ev, &c);
			if (ret || comment) {
				if (comment)
					*comment = c;
				return ret;
			}
			continue;
		}
		ret = msim_bin_decode_fast(&r->plan[type], (unsigned)type,
					   r->buf + r->pos + k,
					   r->len - r->pos - (size_t)k, ev);
		if (msim_likely(ret > 0)) {
			/* well-formed and in range: no table lookups */
			consume(r, (size_t)k + (size_t)ret);
			r->line = rec;
			ev->line = rec;
			ev->vcpu = type == MSIM_EV_VCPU ? (uint32_t)ev->arg[0] : r->vcpu;
			return sequence(r, ev);
		}
		memset(ev, 0, sizeof(*ev));
		ret = msim_bin_decode_event((unsigned)type, r->buf + r->pos + k,
					    r->len - r->pos - (size_t)k, ev,
					    r->name, rec);
		if (ret == 0)
			return truncated(r, rec);
		if (ret < 0)
			return ret;
		consume(r, (size_t)k + (size_t)ret);
		r->line = rec;
		ev->line = rec;
		ev->vcpu = type == MSIM_EV_VCPU ? (uint32_t)ev->arg[0] : r->vcpu;
		ret = msim_event_check(ev, r->name, rec);
		if (!ret)
			ret = sequence(r, ev);
		return ret;
	}
}

/* ------------------------------------------------------------- reader */

int msim_trace_open_stream(msim_trace_reader **out, FILE *f, const char *name)
{
	msim_trace_reader *r;
	struct stat st;
	int ret;

	if (!out || !f)
		return msim_err(MSIM_EINVAL, "msim_trace_open_stream: NULL argument");
	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return msim_err(MSIM_ENOMEM, "out of memory");
	r->f = f;
	r->name = malloc(strlen(name ? name : "<stream>") + 1);
	r->buf = malloc(BUF_CAP + 1); /* + NUL after a last line without newline */
	r->cbuf = malloc(MSIM_TRACE_LINE_MAX);
	if (!r->name || !r->buf || !r->cbuf) {
		msim_trace_close(r);
		return msim_err(MSIM_ENOMEM, "out of memory");
	}
	strcpy(r->name, name ? name : "<stream>");
	msim_type_plan_init(r->plan);
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		r->size = (uint64_t)st.st_size;
	ret = ensure(r, BUF_CAP);
	if (!ret) {
		if (r->len >= MAGIC_LEN && !memcmp(r->buf, MSIM_TRACE_MAGIC, MAGIC_LEN)) {
			r->enc = MSIM_TRACE_BINARY;
			ret = bin_header(r);
		} else {
			r->enc = MSIM_TRACE_TEXT;
			ret = text_peek_header(r);
		}
	}
	if (ret) {
		r->own = false;
		msim_trace_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int msim_trace_open(msim_trace_reader **out, const char *path)
{
	FILE *f;
	int ret;

	if (!out || !path)
		return msim_err(MSIM_EINVAL, "msim_trace_open: NULL argument");
	*out = NULL;
	if (!strcmp(path, "-"))
		return msim_trace_open_stream(out, stdin, "<stdin>");
	f = fopen(path, "rb");
	if (!f)
		return msim_err(MSIM_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	ret = msim_trace_open_stream(out, f, path);
	if (ret) {
		fclose(f);
		return ret;
	}
	(*out)->own = true;
	return 0;
}

int msim_trace_next_comment(msim_trace_reader *r, msim_event *ev,
			    const char **comment)
{
	int ret;

	if (!r || !ev)
		return msim_err(MSIM_EINVAL, "msim_trace_next: NULL argument");
	if (comment)
		*comment = NULL;
	if (r->err)
		return r->err;
	if (r->pending && comment) {
		memset(ev, 0, sizeof(*ev));
		ev->line = r->line;
		ev->vcpu = r->vcpu;
		*comment = r->pending;
		r->pending = NULL;
		return 0;
	}
	r->pending = NULL;
	if (r->enc == MSIM_TRACE_TEXT)
		ret = text_next(r, ev, comment);
	else
		ret = bin_next(r, ev, comment);
	/* EOF is sticky too: a stream is read once. */
	return ret ? fail(r, ret) : 0;
}

int msim_trace_next(msim_trace_reader *r, msim_event *ev)
{
	return msim_trace_next_comment(r, ev, NULL);
}

msim_trace_encoding msim_trace_encoding_of(const msim_trace_reader *r)
{
	return r ? r->enc : MSIM_TRACE_TEXT;
}

uint64_t msim_trace_line(const msim_trace_reader *r)
{
	return r ? r->line : 0;
}

uint64_t msim_trace_offset(const msim_trace_reader *r)
{
	return r ? r->offset : 0;
}

uint64_t msim_trace_size(const msim_trace_reader *r)
{
	return r ? r->size : 0;
}

size_t msim_trace_memory(const msim_trace_reader *r)
{
	if (!r)
		return 0;
	return sizeof(*r) + strlen(r->name) + 1 + BUF_CAP + 1 +
	       MSIM_TRACE_LINE_MAX;
}

void msim_trace_close(msim_trace_reader *r)
{
	if (!r)
		return;
	if (r->own)
		fclose(r->f);
	free(r->name);
	free(r->buf);
	free(r->cbuf);
	free(r);
}

/* ------------------------------------------------------------- writer */

static int wbuf_drain(msim_trace_writer *w)
{
	if (w->failed)
		return msim_err(MSIM_EIO, "trace write failed earlier");
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len) {
		w->failed = true;
		return msim_err(MSIM_EIO, "trace write failed: %s", strerror(errno));
	}
	w->len = 0;
	return 0;
}

/* Room for n more bytes in buf (n <= WBUF_SIZE). */
static int wbuf_room(msim_trace_writer *w, size_t n)
{
	if (w->failed)
		return msim_err(MSIM_EIO, "trace write failed earlier");
	return w->len + n > WBUF_SIZE ? wbuf_drain(w) : 0;
}

static int wr(msim_trace_writer *w, const void *p, size_t n)
{
	int ret;

	if (n > WBUF_SIZE) {
		if ((ret = wbuf_drain(w)))
			return ret;
		if (fwrite(p, 1, n, w->f) != n) {
			w->failed = true;
			return msim_err(MSIM_EIO, "trace write failed: %s", strerror(errno));
		}
		return 0;
	}
	if ((ret = wbuf_room(w, n)))
		return ret;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int msim_trace_writer_create(msim_trace_writer **out, FILE *f,
			     msim_trace_encoding enc)
{
	msim_trace_writer *w;
	char head[32];
	int ret;

	if (!out || !f)
		return msim_err(MSIM_EINVAL, "msim_trace_writer_create: NULL argument");
	if (enc != MSIM_TRACE_TEXT && enc != MSIM_TRACE_BINARY)
		return msim_err(MSIM_EINVAL, "unknown trace encoding %d", (int)enc);
	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return msim_err(MSIM_ENOMEM, "out of memory");
	w->f = f;
	w->enc = enc;
	if (enc == MSIM_TRACE_TEXT) {
		snprintf(head, sizeof(head), MSIM_TRACE_HEADER " %d\n",
			 MSIM_TRACE_VERSION);
		ret = wr(w, head, strlen(head));
	} else {
		memcpy(head, MSIM_TRACE_MAGIC, MAGIC_LEN);
		head[MAGIC_LEN] = MSIM_TRACE_VERSION;
		ret = wr(w, head, MAGIC_LEN + 1);
	}
	if (ret) {
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

#define TEXT_EVENT_MAX 1024

static int emit(msim_trace_writer *w, const msim_event *ev)
{
	int ret;

	if (w->enc == MSIM_TRACE_TEXT) {
		char *line;
		int n;

		if ((ret = wbuf_room(w, TEXT_EVENT_MAX)))
			return ret;
		line = (char *)w->buf + w->len;
		n = msim_event_format(ev, line, TEXT_EVENT_MAX - 1);
		if (n < 0)
			return n;
		line[n++] = '\n';
		w->len += (size_t)n;
		return 0;
	}
	if ((ret = wbuf_room(w, MSIM_BIN_EVENT_MAX)))
		return ret;
	w->len += msim_bin_encode_event(ev, w->buf + w->len);
	return 0;
}

int msim_trace_write(msim_trace_writer *w, const msim_event *ev)
{
	int ret;

	if (!w || !ev)
		return msim_err(MSIM_EINVAL, "msim_trace_write: NULL argument");
	ret = msim_event_check(ev, "<write>", ev->line);
	if (ret)
		return ret;
	if (ev->type == MSIM_EV_MACHINE && (w->machine_seen || w->other_seen))
		return msim_err(MSIM_EINVAL, "<write>:%" PRIu64
				": 'machine' must come once, before every other event",
				ev->line);
	if (ev->type != MSIM_EV_MACHINE && ev->type != MSIM_EV_VCPU &&
	    ev->vcpu != w->vcpu) {
		msim_event sel = { .type = MSIM_EV_VCPU, .present = 1,
				   .vcpu = ev->vcpu, .arg = { ev->vcpu } };

		ret = msim_event_check(&sel, "<write>", ev->line);
		if (ret)
			return ret;
		ret = emit(w, &sel);
		if (ret)
			return ret;
		w->vcpu = ev->vcpu;
	}
	ret = emit(w, ev);
	if (ret)
		return ret;
	if (ev->type == MSIM_EV_MACHINE)
		w->machine_seen = true;
	else
		w->other_seen = true;
	if (ev->type == MSIM_EV_VCPU)
		w->vcpu = (uint32_t)ev->arg[0];
	return 0;
}

int msim_trace_write_comment(msim_trace_writer *w, const char *text)
{
	size_t n;
	int ret;

	if (!w || !text)
		return msim_err(MSIM_EINVAL, "msim_trace_write_comment: NULL argument");
	n = strlen(text);
	if (n > MSIM_TRACE_LINE_MAX - 1 || strchr(text, '\n') ||
	    (n && text[n - 1] == '\r'))
		return msim_err(MSIM_EINVAL, "comment holds a newline, ends with "
				"CR or exceeds %d bytes", MSIM_TRACE_LINE_MAX - 1);
	if (w->enc == MSIM_TRACE_TEXT) {
		ret = wr(w, "#", 1);
		if (!ret)
			ret = wr(w, text, n);
		if (!ret)
			ret = wr(w, "\n", 1);
	} else {
		uint8_t head[2 * MSIM_VARINT_MAX];

		ret = wr(w, head, msim_bin_encode_comment_head(n, head));
		if (!ret)
			ret = wr(w, text, n);
	}
	return ret;
}

int msim_trace_writer_flush(msim_trace_writer *w)
{
	if (!w)
		return msim_err(MSIM_EINVAL, "msim_trace_writer_flush: NULL argument");
	if (wbuf_drain(w))
		return MSIM_EIO;
	if (fflush(w->f) || ferror(w->f))
		return msim_err(MSIM_EIO, "trace write failed: %s", strerror(errno));
	return 0;
}

void msim_trace_writer_free(msim_trace_writer *w)
{
	if (!w)
		return;
	(void)wbuf_drain(w);
	fflush(w->f);
	free(w);
}
