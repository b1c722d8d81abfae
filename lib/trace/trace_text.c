/*
 * Text codec for one event line: parse and canonical format
 * (traces/FORMAT.md, "Text encoding").
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "trace/trace_internal.h"

/* Longest token quoted back in an error message. */
#define QUOTE_MAX 40

typedef struct tok {
	const char *p;
	size_t n;
} tok;

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Next whitespace-separated token of s[0..end), or n == 0 at the end. */
static tok next_tok(const char **s, const char *end)
{
	const char *p = *s;
	tok t;

	while (p < end && is_space(*p))
		p++;
	t.p = p;
	while (p < end && !is_space(*p))
		p++;
	t.n = (size_t)(p - t.p);
	*s = p;
	return t;
}

static bool tok_eq(tok t, const char *s)
{
	return strlen(s) == t.n && !memcmp(t.p, s, t.n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal or 0x-hex, no sign, full 64 bits. */
static int parse_u64(tok t, uint64_t *v, const char *what, const char *file,
		     uint64_t line)
{
	uint64_t x = 0;
	unsigned base = 10;
	size_t i = 0;
	int qn = t.n > QUOTE_MAX ? QUOTE_MAX : (int)t.n;

	if (t.n > 2 && t.p[0] == '0' && (t.p[1] == 'x' || t.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == t.n)
		goto bad;
	for (; i < t.n; i++) {
		int d = hexval(t.p[i]);

		if (d < 0 || (unsigned)d >= base)
			goto bad;
		/* no division per digit: the parser reads millions of numbers */
		if (base == 16 ? x >> 60 != 0 :
		    x > UINT64_MAX / 10 || (x == UINT64_MAX / 10 &&
					    (unsigned)d > UINT64_MAX % 10))
			return msim_err(MSIM_ERANGE, "%s:%" PRIu64
					": number '%.*s' for '%s' overflows 64 bits",
					file, line, qn, t.p, what);
		x = x * base + (unsigned)d;
	}
	*v = x;
	return 0;
bad:
	return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": bad number '%.*s' for '%s'",
			file, line, qn, t.p, what);
}

static int parse_value(tok t, const msim_arg_spec *a, uint64_t *v,
		       const char *file, uint64_t line)
{
	int qn = t.n > QUOTE_MAX ? QUOTE_MAX : (int)t.n;

	if (a->kind != MSIM_ARG_ENUM)
		return parse_u64(t, v, a->name, file, line);
	for (uint64_t i = 0; a->symbols[i]; i++) {
		if (tok_eq(t, a->symbols[i])) {
			*v = i;
			return 0;
		}
	}
	return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": bad value '%.*s' for '%s'",
			file, line, qn, t.p, a->name);
}

/* Parsed but not yet checked: fills arg/present from the tokens. */
static int parse_args(const char *p, const char *end, msim_event *ev,
		      unsigned first, const msim_event_spec *s,
		      const char *file, uint64_t line)
{
	unsigned pos = 0; /* next positional slot of s */
	bool keyed = false;

	for (unsigned i = 0; i < s->nargs; i++)
		ev->arg[first + i] = s->args[i].def;
	for (tok t = next_tok(&p, end); t.n; t = next_tok(&p, end)) {
		const char *eq = memchr(t.p, '=', t.n);
		int qn = t.n > QUOTE_MAX ? QUOTE_MAX : (int)t.n;
		unsigned i;
		int ret;

		if (!eq) {
			while (pos < s->nargs && !s->args[pos].positional)
				pos++;
			if (keyed || pos >= s->nargs)
				return msim_err(MSIM_EPARSE, "%s:%" PRIu64
						": trailing garbage '%.*s' after '%s'",
						file, line, qn, t.p, s->name);
			i = pos++;
		} else {
			tok key = { t.p, (size_t)(eq - t.p) };

			for (i = 0; i < s->nargs; i++)
				if (tok_eq(key, s->args[i].name))
					break;
			if (i == s->nargs)
				return msim_err(MSIM_EPARSE, "%s:%" PRIu64
						": unknown key '%.*s' for '%s'",
						file, line,
						key.n > QUOTE_MAX ? QUOTE_MAX : (int)key.n,
						key.p, s->name);
			keyed = true;
			t.p = eq + 1;
			t.n -= key.n + 1;
		}
		if (ev->present >> (first + i) & 1)
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": duplicate key '%s' for '%s'",
					file, line, s->args[i].name, s->name);
		ret = parse_value(t, &s->args[i], &ev->arg[first + i], file, line);
		if (ret)
			return ret;
		ev->present |= (uint16_t)(1u << (first + i));
	}
	return 0;
}

int msim_event_parse(const char *text, msim_event *ev, uint32_t vcpu,
		     const char *file, uint64_t line)
{
	const char *hash, *end, *p = text;
	const msim_event_spec *s;
	unsigned type;
	tok kw;
	int ret;

	if (!text || !ev)
		return msim_err(MSIM_EINVAL, "msim_event_parse: NULL argument");
	if (!file)
		file = "<text>";
	memset(ev, 0, sizeof(*ev));
	ev->vcpu = vcpu;
	ev->line = line;
	hash = strchr(text, '#');
	end = hash ? hash : text + strlen(text);
	kw = next_tok(&p, end);
	if (!kw.n)
		return 0; /* blank or comment-only: no event */
	type = MSIM_EV_NONE;
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++) {
		const char *name = msim_event_spec_get(t)->name;

		if (name[0] == kw.p[0] && tok_eq(kw, name)) {
			type = t;
			break;
		}
	}
	if (type == MSIM_EV_NONE)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": unknown event '%.*s'",
				file, line,
				kw.n > QUOTE_MAX ? QUOTE_MAX : (int)kw.n, kw.p);
	s = msim_event_spec_get(type);
	ev->type = (uint16_t)type;
	if (type == MSIM_EV_EXPECT) {
		/* The kind is always bare: flush has its own "kind" key. */
		tok k = next_tok(&p, end);
		unsigned kind;

		if (!k.n)
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": missing required argument 'kind' for 'expect'",
					file, line);
		ret = parse_value(k, &s->args[0], &ev->arg[0], file, line);
		if (ret == MSIM_EPARSE)
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": unknown expect kind '%.*s'", file, line,
					k.n > QUOTE_MAX ? QUOTE_MAX : (int)k.n, k.p);
		kind = (unsigned)ev->arg[0];
		ev->present = 1;
		ret = parse_args(p, end, ev, 1, msim_expect_spec_get(kind), file,
				 line);
	} else {
		ret = parse_args(p, end, ev, 0, s, file, line);
	}
	if (ret)
		return ret;
	ret = msim_event_check(ev, file, line);
	if (ret)
		return ret;
	if (type == MSIM_EV_VCPU)
		ev->vcpu = (uint32_t)ev->arg[0];
	return 0;
}

/*
 * Small counts print in decimal, everything else (addresses, register
 * values, masks, ids) in hex: see traces/FORMAT.md "Canonical form".
 */
static bool decimal_arg(const msim_event *ev, const msim_arg_spec *a)
{
	static const char *const names[] = { "cpl", "level", "size", "type",
					     "npages", "vcpus", "maxphyaddr",
					     NULL };

	if (a->kind == MSIM_ARG_BOOL || ev->type == MSIM_EV_VCPU)
		return true;
	for (unsigned i = 0; names[i]; i++)
		if (a->name[0] == names[i][0] && !strcmp(a->name, names[i]))
			return true;
	return false;
}

/*
 * Longest canonical line: keyword + 8 x (" " + key + "=" + 0x + 16 digits);
 * keys and keywords are short table names.
 */
#define FORMAT_MAX 512

/* Hand-rolled number output: the writer formats millions of lines. */
static char *put_u64(char *p, uint64_t v, bool hex)
{
	char tmp[20];
	unsigned n = 0;

	if (hex) {
		*p++ = '0';
		*p++ = 'x';
		do {
			tmp[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			tmp[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
	}
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static const char *sym(const msim_arg_spec *a, uint64_t v)
{
	for (uint64_t i = 0; a->symbols[i]; i++)
		if (i == v)
			return a->symbols[i];
	return NULL;
}

int msim_event_format(const msim_event *ev, char *buf, size_t len)
{
	const msim_event_spec *s;
	char line[FORMAT_MAX], *p = line;
	unsigned n;
	size_t used;

	if (!ev || (!buf && len))
		return msim_err(MSIM_EINVAL, "msim_event_format: NULL argument");
	s = msim_event_spec_get(ev->type);
	if (!s)
		return msim_err(MSIM_EINVAL, "cannot format unknown event type %u",
				ev->type);
	if (ev->type == MSIM_EV_EXPECT && ev->arg[0] >= MSIM_EXP_COUNT_)
		return msim_err(MSIM_EINVAL, "cannot format expect kind %" PRIu64,
				ev->arg[0]);
	p = put_str(p, s->name);
	n = msim_trace_nargs(ev);
	/* Two passes: bare positional values first, then key=value. */
	for (int keyed = 0; keyed < 2; keyed++) {
		for (unsigned i = 0; i < n; i++) {
			const msim_arg_spec *a = msim_trace_arg(ev, i);
			uint64_t v = ev->arg[i];

			if (a->positional == (bool)keyed ||
			    !msim_trace_arg_written(ev, i))
				continue;
			*p++ = ' ';
			if (keyed) {
				p = put_str(p, a->name);
				*p++ = '=';
			}
			if (a->kind == MSIM_ARG_ENUM) {
				const char *name = sym(a, v);

				if (!name)
					return msim_err(MSIM_EINVAL,
							"cannot format %s=%" PRIu64
							" (no such symbol)", a->name, v);
				p = put_str(p, name);
			} else {
				p = put_u64(p, v, !decimal_arg(ev, a));
			}
		}
	}
	used = (size_t)(p - line);
	if (used >= len)
		return msim_err(MSIM_ERANGE, "formatted event needs %zu bytes, "
				"buffer has %zu", used + 1, len);
	memcpy(buf, line, used);
	buf[used] = '\0';
	return (int)used;
}
