/*
 * Statistics: named counters in registration order, and their output as a
 * table, CSV or JSON, alone or side by side for policy comparisons.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/stats_internal.h"

#define STATS_MAX_COUNTERS 4096


int msim_stats_create(msim_stats **out)
{
	msim_stats *s;

	if (!out)
		return msim_err(MSIM_EINVAL, "msim_stats_create: out is NULL");
	s = calloc(1, sizeof(*s));
	if (!s)
		return msim_err(MSIM_ENOMEM, "out of memory");
	*out = s;
	return 0;
}

void msim_stats_free(msim_stats *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		free(s->name[i]);
		free(s->desc[i]);
	}
	free(s->val);
	free(s->name);
	free(s->desc);
	free(s);
}

int msim_stats_find(const msim_stats *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return (int)i;
	return msim_err(MSIM_ENOENT, "no counter named '%s'", name);
}

static int stats_grow(msim_stats *s)
{
	unsigned ncap = s->cap ? s->cap * 2 : 64;
	uint64_t *v = realloc(s->val, ncap * sizeof(*v));
	char **n, **d;

	if (!v)
		return msim_err(MSIM_ENOMEM, "out of memory");
	s->val = v;
	n = realloc(s->name, ncap * sizeof(*n));
	if (!n)
		return msim_err(MSIM_ENOMEM, "out of memory");
	s->name = n;
	d = realloc(s->desc, ncap * sizeof(*d));
	if (!d)
		return msim_err(MSIM_ENOMEM, "out of memory");
	s->desc = d;
	s->cap = ncap;
	return 0;
}

static char *xstrdup(const char *p)
{
	size_t n = strlen(p) + 1;
	char *r = malloc(n);

	if (r)
		memcpy(r, p, n);
	return r;
}

int msim_stats_register(msim_stats *s, const char *name, const char *desc)
{
	int r;

	if (!s || !name || !*name)
		return msim_err(MSIM_EINVAL, "msim_stats_register: empty name");
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return (int)i;
	if (s->n >= STATS_MAX_COUNTERS)
		return msim_err(MSIM_ERANGE, "more than %d counters", STATS_MAX_COUNTERS);
	if (s->n == s->cap && (r = stats_grow(s)))
		return r;
	s->name[s->n] = xstrdup(name);
	s->desc[s->n] = xstrdup(desc ? desc : "");
	if (!s->name[s->n] || !s->desc[s->n]) {
		free(s->name[s->n]);
		free(s->desc[s->n]);
		return msim_err(MSIM_ENOMEM, "out of memory");
	}
	s->val[s->n] = 0;
	return (int)s->n++;
}

void msim_stats_add(msim_stats *s, int idx, uint64_t v)
{
	s->val[idx] += v;
}

uint64_t msim_stats_value(const msim_stats *s, int idx)
{
	if (idx < 0 || (unsigned)idx >= s->n)
		return 0;
	return s->val[idx];
}

uint64_t msim_stats_get(const msim_stats *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return 0;
}

unsigned msim_stats_count(const msim_stats *s)
{
	return s->n;
}

const char *msim_stats_name(const msim_stats *s, unsigned idx)
{
	return idx < s->n ? s->name[idx] : NULL;
}

const char *msim_stats_desc(const msim_stats *s, unsigned idx)
{
	return idx < s->n ? s->desc[idx] : NULL;
}

void msim_stats_reset(msim_stats *s)
{
	memset(s->val, 0, s->n * sizeof(*s->val));
}

/* Quote a string for JSON (backslash escapes) or CSV (doubled quotes). */
static void put_quoted(FILE *f, const char *p, bool csv)
{
	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"')
			fputs(csv ? "\"\"" : "\\\"", f);
		else if (*p == '\\' && !csv)
			fputs("\\\\", f);
		else if ((unsigned char)*p < 0x20)
			fputc(' ', f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/*
 * The union of counter names over all sets, in first-seen order: sets made
 * by different policies may have registered different counters.
 */
struct name_list {
	const char **v;
	unsigned n;
};

static int collect_names(const msim_stats *const *sets, unsigned nsets,
			 struct name_list *nl)
{
	unsigned cap = 0;

	nl->v = NULL;
	nl->n = 0;
	for (unsigned k = 0; k < nsets; k++)
		cap += sets[k]->n;
	if (!cap)
		return 0;
	nl->v = malloc(cap * sizeof(*nl->v));
	if (!nl->v)
		return msim_err(MSIM_ENOMEM, "out of memory");
	for (unsigned k = 0; k < nsets; k++) {
		for (unsigned i = 0; i < sets[k]->n; i++) {
			unsigned j;

			for (j = 0; j < nl->n; j++)
				if (!strcmp(nl->v[j], sets[k]->name[i]))
					break;
			if (j == nl->n)
				nl->v[nl->n++] = sets[k]->name[i];
		}
	}
	return 0;
}

static void fmt_ratio(char *buf, size_t len, uint64_t a, uint64_t base)
{
	if (base == 0)
		snprintf(buf, len, "%s", a == 0 ? "1.000" : "inf");
	else
		snprintf(buf, len, "%.3f", (double)a / (double)base);
}

int msim_stats_write_compare(const msim_stats *const *sets,
			     const char *const *titles, unsigned n, FILE *f,
			     msim_format fmt)
{
	struct name_list nl;
	size_t namew = 7;
	int colw[64], r;

	if (!sets || !n || !f)
		return msim_err(MSIM_EINVAL, "msim_stats_write_compare: nothing to write");
	if (n > MSIM_ARRAY_SIZE(colw))
		return msim_err(MSIM_ERANGE, "at most %zu columns", MSIM_ARRAY_SIZE(colw));
	for (unsigned k = 0; k < n; k++) {
		size_t w = titles ? strlen(titles[k]) : 5;
		colw[k] = w > 16 ? (int)w : 16;
	}
	if ((r = collect_names(sets, n, &nl)))
		return r;
	for (unsigned j = 0; j < nl.n; j++)
		if (strlen(nl.v[j]) > namew)
			namew = strlen(nl.v[j]);

	if (fmt == MSIM_FORMAT_CSV) {
		fputs("counter", f);
		for (unsigned k = 0; k < n; k++) {
			fputc(',', f);
			put_quoted(f, titles ? titles[k] : "value", true);
		}
		for (unsigned k = 1; k < n; k++) {
			fprintf(f, ",\"ratio %u/1\"", k + 1);
		}
		fputc('\n', f);
	} else if (fmt == MSIM_FORMAT_JSON) {
		fputs("{\n", f);
	} else {
		fprintf(f, "%-*s", (int)namew, "counter");
		for (unsigned k = 0; k < n; k++)
			fprintf(f, " %*s", colw[k], titles ? titles[k] : "value");
		for (unsigned k = 1; k < n; k++) {
			char h[24];

			snprintf(h, sizeof(h), "ratio%u/1", k + 1);
			fprintf(f, " %9s", h);
		}
		fputc('\n', f);
	}

	if (fmt == MSIM_FORMAT_JSON) {
		for (unsigned k = 0; k < n; k++) {
			fputs("  ", f);
			put_quoted(f, titles ? titles[k] : "value", false);
			fputs(": {", f);
			for (unsigned j = 0; j < nl.n; j++) {
				fputs(j ? ", " : "", f);
				put_quoted(f, nl.v[j], false);
				fprintf(f, ": %" PRIu64, msim_stats_get(sets[k], nl.v[j]));
			}
			fprintf(f, "}%s\n", k + 1 < n ? "," : "");
		}
		fputs("}\n", f);
		goto out;
	}

	for (unsigned j = 0; j < nl.n; j++) {
		uint64_t base = msim_stats_get(sets[0], nl.v[j]);
		bool any = base != 0;
		char ratio[32];

		for (unsigned k = 1; k < n; k++)
			any |= msim_stats_get(sets[k], nl.v[j]) != 0;
		if (fmt == MSIM_FORMAT_TABLE && !any)
			continue;
		if (fmt == MSIM_FORMAT_CSV)
			fputs(nl.v[j], f);
		else
			fprintf(f, "%-*s", (int)namew, nl.v[j]);
		for (unsigned k = 0; k < n; k++) {
			uint64_t v = msim_stats_get(sets[k], nl.v[j]);

			if (fmt == MSIM_FORMAT_CSV)
				fprintf(f, ",%" PRIu64, v);
			else
				fprintf(f, " %*" PRIu64, colw[k], v);
		}
		for (unsigned k = 1; k < n; k++) {
			fmt_ratio(ratio, sizeof(ratio), msim_stats_get(sets[k], nl.v[j]), base);
			fprintf(f, fmt == MSIM_FORMAT_CSV ? ",%s" : " %9s", ratio);
		}
		fputc('\n', f);
	}
out:
	free(nl.v);
	if (ferror(f))
		return msim_err(MSIM_EIO, "error writing statistics");
	return 0;
}

int msim_stats_write(const msim_stats *s, FILE *f, msim_format fmt)
{
	const char *title = "value";

	return msim_stats_write_compare(&s, &title, 1, f, fmt);
}
