/*
 * mmu-sim merge: join the CSV outputs of `sweep --shard K/N` into exactly
 * the output the unsharded sweep writes (same header, rows in point
 * order). Refuses shards of different grids, a point given twice and a
 * missing point, naming the file and line.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"

#define MERGE_MAX_FIELDS 65536

static const char merge_help[] =
	"usage: mmu-sim merge SHARD.csv... -o OUT.csv\n"
	"\n"
	"Join the outputs of `mmu-sim sweep --shard K/N` (any order) into the\n"
	"output of the same sweep without --shard, byte for byte: the columns\n"
	"are every statistic of any shard, sorted, as the sweep writes them.\n"
	"Every shard must come from the same grid (same point count); every\n"
	"point must be present exactly once.\n"
	"\n"
	"  -o, --output FILE   write to FILE atomically (- for stdout)\n"
	"\n"
	"Example:\n"
	"  ./build/mmu-sim merge shard0.csv shard1.csv -o grid.csv\n";

struct row {
	size_t point;
	char *text;
};

/* Read one line of any length; NULL at EOF. Drops the newline. */
static char *read_line(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getline(&buf, &cap, f);

	if (n < 0) {
		free(buf);
		return NULL;
	}
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	*len = (size_t)n;
	return buf;
}

/* "point,points,..." -> both numbers (the sweep writes them unquoted). */
static int row_head(const char *s, size_t *point, size_t *points)
{
	char *end;
	unsigned long long a, b;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	a = strtoull(s, &end, 10);
	if (errno || *end != ',' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoull(end + 1, &end, 10);
	if (errno || *end != ',' || a >= b)
		return -1;
	*point = (size_t)a;
	*points = (size_t)b;
	return 0;
}

struct shard {
	const char *path;
	int ncols;        /* fields of its header */
	char *hline;      /* header line (fields point into it) */
	char **cols;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Row of shard sh re-emitted with the merged columns. */
static char *remap(const struct shard *sh, char *text, char *const *cols,
		   int ncols, const char *file, size_t line)
{
	char **f = malloc(MERGE_MAX_FIELDS * sizeof(*f)), *out = NULL;
	size_t len = 0, cap = 0;
	int n = f ? csv_split(text, f, MERGE_MAX_FIELDS) : -1, r = 0;

	if (n != sh->ncols) {
		cli_error("merge: %s:%zu: %d fields where the header has %d", file, line,
			  n, sh->ncols);
		free(f);
		return NULL;
	}
	for (int k = 0; k < 5; k++)
		r |= csv_field(&out, &len, &cap, f[k]);
	for (int c = 0; c < ncols; c++) {
		const char *v = "";

		for (int k = 5; k < sh->ncols; k++)
			if (!strcmp(sh->cols[k], cols[c])) {
				v = f[k];
				break;
			}
		r |= csv_field(&out, &len, &cap, v);
	}
	free(f);
	if (r) {
		free(out);
		cli_error("merge: out of memory");
		return NULL;
	}
	return out;
}

int cli_merge(int argc, char **argv)
{
	const char *outp = NULL;
	size_t points = 0;
	struct row *rows = NULL;
	int *owner = NULL;
	size_t *lines = NULL;
	struct shard *sh = NULL;
	struct cli_out out = { 0 };
	int rc = CLI_BADINPUT, nin = 0;
	char **cols = NULL;
	int ncols = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(merge_help, stdout);
			return CLI_OK;
		}
	if (!(sh = calloc((size_t)argc, sizeof(*sh))))
		return CLI_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			outp = argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1]) {
			cli_error("merge: unknown or incomplete option '%s' (see --help)", a);
			goto done;
		}
		FILE *f = !strcmp(a, "-") ? stdin : fopen(a, "r");
		struct shard *me = &sh[nin];
		size_t len, line = 1;
		char *s;

		if (!f) {
			cli_error("merge: %s: %s", a, strerror(errno));
			rc = CLI_FAIL;
			goto done;
		}
		me->path = a;
		nin++;
		if (!(s = read_line(f, &len))) {
			cli_error("merge: %s: empty file (not a sweep output)", a);
			goto close;
		}
		me->hline = s;
		if (!(me->cols = malloc(MERGE_MAX_FIELDS * sizeof(*me->cols)))) {
			rc = CLI_FAIL;
			goto close;
		}
		me->ncols = csv_split(s, me->cols, MERGE_MAX_FIELDS);
		if (me->ncols < 5 || strcmp(me->cols[0], "point") ||
		    strcmp(me->cols[1], "points") || strcmp(me->cols[2], "trace") ||
		    strcmp(me->cols[3], "cost") || strcmp(me->cols[4], "policy")) {
			cli_error("merge: %s:1: not a `mmu-sim sweep` header", a);
			goto close;
		}
		while ((s = read_line(f, &len))) {
			size_t pt, np;

			line++;
			if (row_head(s, &pt, &np)) {
				cli_error("merge: %s:%zu: not a sweep row", a, line);
				free(s);
				goto close;
			}
			if (!points) {
				points = np;
				if (!(rows = calloc(points, sizeof(*rows))) ||
				    !(owner = calloc(points, sizeof(*owner))) ||
				    !(lines = calloc(points, sizeof(*lines)))) {
					cli_error("merge: out of memory (%zu points)", points);
					free(s);
					rc = CLI_FAIL;
					goto close;
				}
			} else if (np != points) {
				cli_error("merge: %s:%zu: a grid of %zu points, not %zu: "
					  "shards of different sweeps", a, line, np, points);
				free(s);
				goto close;
			}
			if (rows[pt].text) {
				cli_error("merge: %s:%zu: point %zu also in %s", a, line, pt,
					  sh[owner[pt]].path);
				free(s);
				goto close;
			}
			rows[pt].point = pt;
			rows[pt].text = s;
			owner[pt] = nin - 1;
			lines[pt] = line;
		}
		if (ferror(f)) {
			cli_error("merge: %s: read error", a);
			rc = CLI_FAIL;
			goto close;
		}
		if (f != stdin)
			fclose(f);
		continue;
close:
		if (f != stdin)
			fclose(f);
		goto done;
	}
	if (!nin || !outp) {
		cli_error("merge: give the shard files and -o OUT.csv (see --help)");
		goto done;
	}
	for (size_t p = 0; p < points; p++)
		if (!rows[p].text) {
			cli_error("merge: point %zu of %zu is in no shard (a shard missing?)",
				  p, points);
			goto done;
		}
	/* the columns: sorted union of the shards' statistics */
	{
		size_t total = 0;

		for (int k = 0; k < nin; k++)
			total += (size_t)sh[k].ncols - 5;
		if (!(cols = malloc((total ? total : 1) * sizeof(*cols)))) {
			rc = CLI_FAIL;
			goto done;
		}
		for (int k = 0; k < nin; k++)
			for (int c = 5; c < sh[k].ncols; c++)
				cols[ncols++] = sh[k].cols[c];
		qsort(cols, (size_t)ncols, sizeof(*cols), cmp_str);
		int u = 0;
		for (int c = 0; c < ncols; c++)
			if (!u || strcmp(cols[u - 1], cols[c]))
				cols[u++] = cols[c];
		ncols = u;
	}
	rc = CLI_FAIL;
	if (cli_out_open(&out, outp))
		goto done;
	{
		char *hdr = NULL;
		size_t len = 0, cap = 0;
		int bad = 0;

		for (const char *const *h = (const char *const[]){ "point", "points",
				"trace", "cost", "policy", NULL }; *h; h++)
			bad |= csv_field(&hdr, &len, &cap, *h);
		for (int c = 0; c < ncols; c++)
			bad |= csv_field(&hdr, &len, &cap, cols[c]);
		bad = bad || fprintf(out.f, "%s\n", hdr) < 0;
		free(hdr);
		for (size_t p = 0; !bad && p < points; p++) {
			char *row = remap(&sh[owner[p]], rows[p].text, cols, ncols,
					  sh[owner[p]].path, lines[p]);

			if (!row) {
				cli_out_abort(&out);
				rc = CLI_BADINPUT;
				goto done;
			}
			bad = fprintf(out.f, "%s\n", row) < 0;
			free(row);
		}
		if (bad) {
			cli_error("merge: cannot write %s", outp);
			cli_out_abort(&out);
			goto done;
		}
	}
	rc = cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
done:
	for (size_t p = 0; rows && p < points; p++)
		free(rows[p].text);
	for (int k = 0; k < nin; k++) {
		free(sh[k].hline);
		free(sh[k].cols);
	}
	free(sh);
	free(cols);
	free(rows);
	free(owner);
	free(lines);
	return rc;
}
