/*
 * mmu-sim sweep: replay a grid of points (traces x cost presets x KVM
 * policies) on all cores, one CSV row per point; --shard K/N runs every
 * N-th point so a grid can be spread over machines, and `mmu-sim merge`
 * joins the shards into exactly the unsharded output.
 *
 * Determinism: a point's result depends only on its trace, policy, cost
 * preset and the shared options (seed included), never on the thread
 * that ran it or on -j; rows are written in point order after the run.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"

#define SWEEP_MAX_AXIS 4096

static const char sweep_help[] =
	"usage: mmu-sim sweep -p POLICY [-p POLICY ...] [--costs A,B,...]\n"
	"                     [-j N] [--shard K/N] TRACE... -o OUT.csv\n"
	"\n"
	"Replay every point of the grid TRACE x COST x POLICY and write one CSV\n"
	"row per point: point,points,trace,cost,policy and then every statistic\n"
	"of the grid, by name (empty where a point has no such counter, e.g.\n"
	"kvm.* on bare metal). Points run in\n"
	"parallel threads; the output is byte-identical for any -j.\n"
	"\n"
	"  -p, --policy POLICY  a KVM policy as in `compare -p` (repeatable);\n"
	"                       `bare` is bare metal\n"
	"  --costs A,B,...      cycle-model presets (default: --cost, skylake-sp)\n"
	"  -j, --jobs N         threads, 1..256 (default: the online cores)\n"
	"  --shard K/N          run only points i with i %% N == K (0 <= K < N);\n"
	"                       join the N outputs with `mmu-sim merge`\n"
	"  -q, --quiet          no progress line\n"
	"\n"
	"Points are numbered trace-major: point = (t * costs + c) * policies + p.\n"
	"\n"
	"Machine options (shared by every point):\n%s"
	"\n"
	"Examples:\n"
	"  ./build/mmu-sim sweep -p preset=5.10 -p preset=6.4 --costs skylake-sp,zen4 \\\n"
	"      traces/wp-storm.trace traces/walk-demo.trace -o grid.csv\n"
	"  parallel ./build/mmu-sim sweep -q -p preset=6.4 -p bare --shard {}/4 \\\n"
	"      traces/wp-storm.trace -o shard{}.csv ::: 0 1 2 3\n"
	"  ./build/mmu-sim merge shard0.csv shard1.csv shard2.csv shard3.csv -o grid.csv\n";

struct point_res {
	bool ran;
	unsigned n;        /* statistics of this point */
	char **names;
	uint64_t *values;
	int err;           /* library error, 0 ok */
	char msg[512];
};

struct sweep {
	const char *const *traces;
	char **costs;
	char **pols;
	unsigned nt, nc, np;
	size_t npoints;
	unsigned shard_k, shard_n;
	msim_machine_opts mo;
	struct point_res *res;
	pthread_mutex_t lock;
	size_t next, done, todo;
	int progress;
};

static const char *pol_name(const char *p)
{
	return *p ? p : "bare";
}

static void point_axes(const struct sweep *sw, size_t i, unsigned *t,
		       unsigned *c, unsigned *p)
{
	*p = (unsigned)(i % sw->np);
	*c = (unsigned)(i / sw->np % sw->nc);
	*t = (unsigned)(i / ((size_t)sw->np * sw->nc));
}

static void point_opts(const struct sweep *sw, unsigned c, unsigned p,
		       msim_machine_opts *mo)
{
	*mo = sw->mo;
	mo->cost = sw->costs[c];
	mo->kvm = sw->pols[p];
}

/* Counters appear as a machine first uses them (a bare machine has no
 * kvm.*), so a point keeps its own names and the columns are made after
 * the run: every name of the grid, sorted, which `merge` can rebuild from
 * the shards' headers alone. */
static void run_point(struct sweep *sw, size_t i)
{
	struct point_res *pr = &sw->res[i];
	msim_replay_opts ro = MSIM_REPLAY_OPTS_INIT;
	msim_machine *m = NULL;
	unsigned t, c, p;
	int r;

	point_axes(sw, i, &t, &c, &p);
	point_opts(sw, c, p, &ro.machine);
	if ((r = msim_replay(sw->traces[t], &ro, &m))) {
		pr->err = r;
		snprintf(pr->msg, sizeof(pr->msg), "point %zu (%s, --costs %s, -p %s): %s",
			 i, sw->traces[t], sw->costs[c], pol_name(sw->pols[p]),
			 msim_last_error());
		return;
	}
	const msim_stats *s = msim_machine_stats(m);
	unsigned n = msim_stats_count(s);

	pr->names = calloc(n ? n : 1, sizeof(*pr->names));
	pr->values = calloc(n ? n : 1, sizeof(*pr->values));
	for (unsigned k = 0; pr->names && pr->values && k < n; k++) {
		if (!(pr->names[k] = strdup(msim_stats_name(s, k))))
			break;
		pr->values[k] = msim_stats_value(s, (int)k);
		pr->n = k + 1;
	}
	msim_machine_free(m);
	if (pr->n != n) {
		pr->err = MSIM_ENOMEM;
		snprintf(pr->msg, sizeof(pr->msg), "out of memory");
		return;
	}
	pr->ran = true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted union of every run point's statistic names (pointers borrowed). */
static char **column_names(const struct sweep *sw, unsigned *count)
{
	size_t total = 0, k = 0;
	char **v;

	for (size_t i = 0; i < sw->npoints; i++)
		total += sw->res[i].n;
	if (!(v = malloc((total ? total : 1) * sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < sw->npoints; i++)
		for (unsigned j = 0; j < sw->res[i].n; j++)
			v[k++] = sw->res[i].names[j];
	qsort(v, k, sizeof(*v), cmp_str);
	size_t u = 0;
	for (size_t j = 0; j < k; j++)
		if (!u || strcmp(v[u - 1], v[j]))
			v[u++] = v[j];
	*count = (unsigned)u;
	return v;
}

static char *point_row(const struct sweep *sw, size_t i, char *const *cols,
		       unsigned ncols)
{
	const struct point_res *pr = &sw->res[i];
	unsigned t, c, p, j = 0;
	char num[32], *row = NULL;
	size_t len = 0, cap = 0;
	int r;

	point_axes(sw, i, &t, &c, &p);
	snprintf(num, sizeof(num), "%zu", i);
	r = csv_field(&row, &len, &cap, num);
	snprintf(num, sizeof(num), "%zu", sw->npoints);
	r |= csv_field(&row, &len, &cap, num);
	r |= csv_field(&row, &len, &cap, sw->traces[t]);
	r |= csv_field(&row, &len, &cap, sw->costs[c]);
	r |= csv_field(&row, &len, &cap, pol_name(sw->pols[p]));
	for (unsigned k = 0; k < ncols; k++) {
		num[0] = 0;
		/* a point's names are in registration order: search */
		for (j = 0; j < pr->n; j++)
			if (!strcmp(pr->names[j], cols[k])) {
				snprintf(num, sizeof(num), "%llu",
					 (unsigned long long)pr->values[j]);
				break;
			}
		r |= csv_field(&row, &len, &cap, num);
	}
	if (r) {
		free(row);
		return NULL;
	}
	return row;
}

static void *worker(void *arg)
{
	struct sweep *sw = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&sw->lock);
		while (sw->next < sw->npoints && sw->next % sw->shard_n != sw->shard_k)
			sw->next++;
		i = sw->next++;
		pthread_mutex_unlock(&sw->lock);
		if (i >= sw->npoints)
			break;
		run_point(sw, i);
		pthread_mutex_lock(&sw->lock);
		sw->done++;
		if (sw->progress)
			fprintf(stderr, "\rsweep: %zu/%zu points", sw->done, sw->todo);
		pthread_mutex_unlock(&sw->lock);
	}
	return NULL;
}

static int parse_uint(const char *opt, const char *v, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	if (!*v || *v == '-' || *v == '+') {
		cli_error("sweep: %s '%s': not a number", opt, v);
		return -1;
	}
	x = strtoul(v, &end, 10);
	if (errno || *end || x > max) {
		cli_error("sweep: %s '%s': expected 0..%lu", opt, v, max);
		return -1;
	}
	*out = x;
	return 0;
}

static int add_item(char ***v, unsigned *n, const char *s, size_t len,
		    const char *opt)
{
	char **nv;

	if (*n >= SWEEP_MAX_AXIS) {
		cli_error("sweep: more than %d %s", SWEEP_MAX_AXIS, opt);
		return -1;
	}
	for (unsigned k = 0; k < *n; k++)
		if (strlen((*v)[k]) == len && !strncmp((*v)[k], s, len)) {
			cli_error("sweep: %s '%.*s' given twice", opt, (int)len, s);
			return -1;
		}
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))) ||
	    !(nv[*n] = strndup(s, len))) {
		if (nv)
			*v = nv;
		cli_error("sweep: out of memory");
		return -1;
	}
	*v = nv;
	(*n)++;
	return 0;
}

int cli_sweep(int argc, char **argv)
{
	struct cli_machine_args a;
	struct sweep sw = { 0 };
	const char **traces = NULL;
	struct cli_out out = { 0 };
	unsigned long jobs = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = CLI_BADINPUT, costs_given = 0;
	pthread_t *th = NULL;

	cli_machine_args_init(&a);
	a.output = NULL;
	sw.shard_n = 1;
	if (!(traces = calloc((size_t)argc, sizeof(*traces))))
		return CLI_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int c = cli_machine_opt(&a, argc, argv, &i);

		if (c < 0)
			goto done;
		if (c)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			printf(sweep_help, cli_machine_help);
			rc = CLI_OK;
			goto done;
		} else if ((!strcmp(o, "-p") || !strcmp(o, "--policy")) && v) {
			const char *pv = !strcmp(v, "bare") ? "" : v;

			if (!*v) {
				cli_error("sweep: -p needs a policy (or `bare`)");
				goto done;
			}
			if (add_item(&sw.pols, &sw.np, pv, strlen(pv), "-p"))
				goto done;
			i++;
		} else if (!strcmp(o, "--costs") && v) {
			for (const char *p = v;;) {
				const char *e = strchr(p, ',');
				size_t n = e ? (size_t)(e - p) : strlen(p);

				if (!n) {
					cli_error("sweep: --costs '%s': empty item", v);
					goto done;
				}
				if (add_item(&sw.costs, &sw.nc, p, n, "--costs"))
					goto done;
				if (!e)
					break;
				p = e + 1;
			}
			costs_given = 1;
			i++;
		} else if ((!strcmp(o, "-j") || !strcmp(o, "--jobs")) && v) {
			if (parse_uint(o, v, 256, &jobs) || !jobs) {
				if (!jobs)
					cli_error("sweep: %s '%s': expected 1..256", o, v);
				goto done;
			}
			i++;
		} else if (!strcmp(o, "--shard") && v) {
			const char *sl = strchr(v, '/');
			unsigned long k, n;
			char kb[32];

			if (!sl || (size_t)(sl - v) >= sizeof(kb)) {
				cli_error("sweep: --shard '%s': expected K/N", v);
				goto done;
			}
			snprintf(kb, sizeof(kb), "%.*s", (int)(sl - v), v);
			if (parse_uint("--shard", kb, 1000000, &k) ||
			    parse_uint("--shard", sl + 1, 1000000, &n))
				goto done;
			if (!n || k >= n) {
				cli_error("sweep: --shard %s: need 0 <= K < N", v);
				goto done;
			}
			sw.shard_k = (unsigned)k;
			sw.shard_n = (unsigned)n;
			i++;
		} else if (o[0] == '-' && o[1]) {
			cli_error("sweep: unknown or incomplete option '%s' (see --help)", o);
			goto done;
		} else {
			if (!strcmp(o, "-")) {
				cli_error("sweep: every point reads its trace; give files, not stdin");
				goto done;
			}
			traces[sw.nt++] = o;
		}
	}
	if (!sw.nt || !sw.np) {
		cli_error("sweep: give at least one -p POLICY and one TRACE (see --help)");
		goto done;
	}
	if (!a.output) {
		cli_error("sweep: give -o OUT.csv (or -o - for stdout)");
		goto done;
	}
	if (!costs_given && add_item(&sw.costs, &sw.nc, a.mo.cost,
				     strlen(a.mo.cost), "--costs"))
		goto done;
	sw.traces = traces;
	sw.mo = a.mo;
	sw.npoints = (size_t)sw.nt * sw.nc * sw.np;
	for (size_t i = sw.shard_k; i < sw.npoints; i += sw.shard_n)
		sw.todo++;
	if (!jobs)
		jobs = ncpu > 0 ? (unsigned long)ncpu : 1;
	if (jobs > sw.todo)
		jobs = sw.todo ? sw.todo : 1;
	rc = CLI_FAIL;
	if (!(sw.res = calloc(sw.npoints, sizeof(*sw.res))) ||
	    !(th = calloc(jobs, sizeof(*th)))) {
		cli_error("sweep: out of memory");
		goto done;
	}
	if (cli_out_open(&out, a.output))
		goto done;
	sw.progress = !a.quiet && isatty(STDERR_FILENO);
	pthread_mutex_init(&sw.lock, NULL);
	unsigned long started = 0;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &sw))
			break;
	if (!started)
		worker(&sw);
	for (unsigned long k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&sw.lock);
	if (sw.progress)
		fputc('\n', stderr);
	for (size_t i = 0; i < sw.npoints; i++)
		if (sw.res[i].err) {
			cli_error("sweep: %s", sw.res[i].msg);
			cli_out_abort(&out);
			rc = cli_exit_code(sw.res[i].err);
			goto done;
		}
	{
		unsigned ncols = 0;
		char **cols = column_names(&sw, &ncols), *hdr = NULL;
		size_t len = 0, cap = 0;
		int r = !cols;

		for (const char *const *h = (const char *const[]){ "point", "points",
				"trace", "cost", "policy", NULL }; !r && *h; h++)
			r |= csv_field(&hdr, &len, &cap, *h);
		for (unsigned j = 0; !r && j < ncols; j++)
			r |= csv_field(&hdr, &len, &cap, cols[j]);
		if (!r && fprintf(out.f, "%s\n", hdr) < 0)
			r = -1;
		free(hdr);
		for (size_t i = 0; !r && i < sw.npoints; i++) {
			char *row;

			if (!sw.res[i].ran)
				continue;
			if (!(row = point_row(&sw, i, cols, ncols)) ||
			    fprintf(out.f, "%s\n", row) < 0)
				r = -1;
			free(row);
		}
		free(cols);
		if (r) {
			cli_error("sweep: cannot write %s", a.output);
			cli_out_abort(&out);
			goto done;
		}
	}
	rc = cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
done:
	if (sw.res)
		for (size_t i = 0; i < sw.npoints; i++) {
			for (unsigned j = 0; j < sw.res[i].n; j++)
				free(sw.res[i].names[j]);
			free(sw.res[i].names);
			free(sw.res[i].values);
		}
	free(sw.res);
	for (unsigned k = 0; k < sw.np; k++)
		free(sw.pols[k]);
	for (unsigned k = 0; k < sw.nc; k++)
		free(sw.costs[k]);
	free(sw.pols);
	free(sw.costs);
	free(traces);
	free(th);
	return rc;
}
