/*
 * Shared CLI helpers: errors, atomic output files, progress bar and the
 * machine options common to replay, compare and validate.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mmu-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_code(int err)
{
	switch (err) {
	case MSIM_OK:
		return CLI_OK;
	case MSIM_EPARSE:
	case MSIM_EVERSION:
	case MSIM_ERANGE:
	case MSIM_EINVAL:
	case MSIM_ENOENT:
		return CLI_BADINPUT;
	default:
		return CLI_FAIL;
	}
}

/* ------------------------------------------------------------ atomic output */

/* The one temporary file in flight; removed by the signal handler. */
static volatile sig_atomic_t tmp_live;
static char tmp_path[PATH_MAX + 32];

static void on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	done = 1;
}

int cli_out_same_file(const char *out, const char *in)
{
	struct stat so, si;

	if (!out || !in || !strcmp(out, "-") || !strcmp(in, "-"))
		return 0;
	if (stat(out, &so) || stat(in, &si))
		return 0;
	if (so.st_dev != si.st_dev || so.st_ino != si.st_ino || !S_ISREG(so.st_mode))
		return 0;
	cli_error("%s: is the input file %s; refusing to overwrite it", out, in);
	return -1;
}

/*
 * Writes to a non-regular target (device, FIFO, /dev/stdout...) go to the
 * target itself: renaming over it would replace the node.
 */
static int open_direct(struct cli_out *o, const char *path)
{
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	o->f = fdopen(fd, "w");
	o->path = strdup(path);
	o->direct = 1;
	if (!o->f || !o->path) {
		cli_error("%s: %s", path, strerror(errno));
		if (o->f)
			fclose(o->f);
		else
			close(fd);
		o->f = NULL;
		free(o->path);
		o->path = NULL;
		return -1;
	}
	return 0;
}

int cli_out_open(struct cli_out *o, const char *path)
{
	int fd;
	struct stat st;
	char *resolved = NULL;
	const char *target = path;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	if (tmp_live) {
		cli_error("internal: two atomic outputs at once");
		return -1;
	}
	if (strlen(path) > PATH_MAX) {
		cli_error("%s: path too long", path);
		return -1;
	}
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			cli_error("%s: is a directory", path);
			return -1;
		}
		return open_direct(o, path);
	}
	if (!lstat(path, &st) && S_ISLNK(st.st_mode)) {
		/* write beside the link's target and rename onto it, never over the link */
		resolved = realpath(path, NULL);
		if (!resolved) {
			cli_error("%s: cannot resolve symbolic link: %s", path, strerror(errno));
			return -1;
		}
		if (!strncmp(resolved, "/proc/", 6) || !strncmp(resolved, "/dev/", 5)) {
			free(resolved);
			return open_direct(o, path);
		}
		if (strlen(resolved) > PATH_MAX) {
			cli_error("%s: path too long", resolved);
			free(resolved);
			return -1;
		}
		target = resolved;
	}
	install_handlers();
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.XXXXXX", target);
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		cli_error("%s: cannot create temporary output: %s", path, strerror(errno));
		free(resolved);
		return -1;
	}
	tmp_live = 1;
	{
		/* mkstemp makes 0600; an output file gets the usual 0666 & ~umask */
		mode_t um = umask(0);

		umask(um);
		if (fchmod(fd, 0666 & ~um))
			cli_error("%s: cannot set permissions: %s", path, strerror(errno));
	}
	o->f = fdopen(fd, "w");
	o->path = strdup(target);
	o->tmp = tmp_path;
	free(resolved);
	if (!o->f || !o->path) {
		cli_error("%s: %s", path, strerror(errno));
		if (o->f)
			fclose(o->f);
		else
			close(fd);
		o->f = NULL;
		cli_out_abort(o);
		return -1;
	}
	return 0;
}

int cli_out_commit(struct cli_out *o)
{
	int bad;

	if (o->f == stdout) {
		if (fflush(stdout) || ferror(stdout)) {
			cli_error("error writing standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (o->direct) {
		errno = 0;
		bad = fflush(o->f) || ferror(o->f);
		{
			int e = errno;

			bad |= fclose(o->f) != 0;
			if (e)
				errno = e;
		}
		o->f = NULL;
		if (bad)
			cli_error("%s: cannot write output: %s", o->path,
				  errno ? strerror(errno) : "write error");
		free(o->path);
		o->path = NULL;
		return bad ? -1 : 0;
	}
	bad = fflush(o->f) || ferror(o->f) || fsync(fileno(o->f));
	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (bad || rename(o->tmp, o->path)) {
		cli_error("%s: cannot write output: %s", o->path, strerror(errno));
		cli_out_abort(o);
		return -1;
	}
	tmp_live = 0;
	free(o->path);
	o->path = NULL;
	return 0;
}

void cli_out_abort(struct cli_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (tmp_live && !o->direct) {
		unlink(tmp_path);
		tmp_live = 0;
	}
	free(o->path);
	o->path = NULL;
}

/* ------------------------------------------------------------ progress */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_init(struct cli_progress *p, const char *label, int quiet)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->label = label;
	p->start = now_s();
	p->last_pct = -1;
}

void cli_progress_cb(void *ctx, uint64_t done, uint64_t total, uint64_t events)
{
	struct cli_progress *p = ctx;
	double el = now_s() - p->start;
	int pct = total ? (int)(done * 100 / total) : -1;

	if (!p->enabled || (pct == p->last_pct && pct >= 0))
		return;
	p->last_pct = pct;
	if (pct >= 0) {
		int bar = pct / 4;
		fprintf(stderr, "\r%s [%.*s%*s] %3d%% %llu events %.1f M/s ", p->label,
			bar, "#########################", 25 - bar, "", pct,
			(unsigned long long)events, el > 0 ? events / el / 1e6 : 0.0);
	} else {
		fprintf(stderr, "\r%s %llu events %.1f M/s ", p->label,
			(unsigned long long)events, el > 0 ? events / el / 1e6 : 0.0);
	}
}

void cli_progress_done(struct cli_progress *p)
{
	if (p->enabled && p->last_pct != -1)
		fputs("\n", stderr);
}

/* ------------------------------------------------------------ machine options */

const char cli_machine_help[] =
	"Machine options:\n"
	"  --kvm POLICY        run under the KVM MMU model, e.g. 'preset=6.4' or\n"
	"                      'preset=5.18,mmu=tdp-mmu,policy=keep-roots,prev_roots=7'\n"
	"                      (see `mmu-sim help policies`); default: bare metal\n"
	"  --cost PRESET       cycle-model CPU preset (default skylake-sp;\n"
	"                      see `mmu-sim help presets`)\n"
	"  --cost-file FILE    cycle-model parameter overrides (key = value lines)\n"
	"  --vcpus N           number of vCPUs, 1..256 (default 1, or the trace's)\n"
	"  --maxphyaddr M      guest MAXPHYADDR, 32..52 (default 46)\n"
	"  --vendor intel|amd  CPU vendor (default intel)\n"
	"  --no-FEATURE        hide a CPU feature: la57 is off by default, enable it\n"
	"                      with --la57; others: nx, gbpages, smep, smap, pke, pcid\n"
	"  --seed N            seed for every random choice (default 1)\n"
	"  --mem-limit BYTES   simulated memory the trace may touch (default 4 GiB)\n"
	"Output options:\n"
	"  --format table|csv|json  statistics format (default table)\n"
	"  -o, --output FILE   write results to FILE (atomically) instead of stdout\n"
	"  -q, --quiet         no progress bar\n";

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!s || !*s || *s == '-') {
		cli_error("%s: expected a number", opt);
		return -1;
	}
	x = strtoull(s, &end, 0);
	if (errno || *end) {
		cli_error("%s: '%s' is not a number", opt, s);
		return -1;
	}
	if (x > max) {
		cli_error("%s: %s is above the limit %llu", opt, s, (unsigned long long)max);
		return -1;
	}
	*v = x;
	return 0;
}

static int feature_flag(msim_cpu_features *f, const char *name, bool on)
{
	static const struct { const char *n; size_t off; } tab[] = {
		{ "nx", offsetof(msim_cpu_features, nx) },
		{ "gbpages", offsetof(msim_cpu_features, gbpages) },
		{ "la57", offsetof(msim_cpu_features, la57) },
		{ "smep", offsetof(msim_cpu_features, smep) },
		{ "smap", offsetof(msim_cpu_features, smap) },
		{ "pke", offsetof(msim_cpu_features, pke) },
		{ "pks", offsetof(msim_cpu_features, pks) },
		{ "pcid", offsetof(msim_cpu_features, pcid) },
		{ "pse36", offsetof(msim_cpu_features, pse36) },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].n, name)) {
			*(bool *)((char *)f + tab[i].off) = on;
			return 1;
		}
	return 0;
}

void cli_machine_args_init(struct cli_machine_args *a)
{
	msim_machine_opts mo = MSIM_MACHINE_OPTS_INIT;

	memset(a, 0, sizeof(*a));
	a->mo = mo;
	a->format = MSIM_FORMAT_TABLE;
}

int cli_machine_opt(struct cli_machine_args *a, int argc, char **argv, int *i)
{
	const char *o = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	uint64_t x;

#define TAKE()                                                                 \
	do {                                                                   \
		if (!val) {                                                    \
			cli_error("%s needs a value", o);                      \
			return -1;                                             \
		}                                                              \
		(*i)++;                                                        \
	} while (0)

	if (!strcmp(o, "--kvm")) {
		TAKE();
		a->mo.kvm = val;
	} else if (!strcmp(o, "--cost")) {
		TAKE();
		a->mo.cost = val;
	} else if (!strcmp(o, "--cost-file")) {
		TAKE();
		a->mo.cost_file = val;
	} else if (!strcmp(o, "--vcpus")) {
		TAKE();
		if (parse_u64(o, val, MSIM_MAX_VCPUS, &x))
			return -1;
		if (x < 1) {
			cli_error("--vcpus: must be at least 1");
			return -1;
		}
		a->mo.nr_vcpus = (unsigned)x;
	} else if (!strcmp(o, "--maxphyaddr")) {
		TAKE();
		if (parse_u64(o, val, 52, &x))
			return -1;
		if (x < 32) {
			cli_error("--maxphyaddr: must be 32..52");
			return -1;
		}
		a->mo.features.maxphyaddr = (unsigned)x;
	} else if (!strcmp(o, "--vendor")) {
		TAKE();
		if (!strcmp(val, "intel"))
			a->mo.features.vendor = MSIM_VENDOR_INTEL;
		else if (!strcmp(val, "amd"))
			a->mo.features.vendor = MSIM_VENDOR_AMD;
		else {
			cli_error("--vendor: '%s' is not intel or amd", val);
			return -1;
		}
	} else if (!strcmp(o, "--seed")) {
		TAKE();
		if (parse_u64(o, val, UINT64_MAX, &a->mo.seed))
			return -1;
	} else if (!strcmp(o, "--mem-limit")) {
		TAKE();
		if (parse_u64(o, val, 1ULL << 52, &a->mo.mem_limit))
			return -1;
	} else if (!strcmp(o, "--format")) {
		TAKE();
		if (!strcmp(val, "table"))
			a->format = MSIM_FORMAT_TABLE;
		else if (!strcmp(val, "csv"))
			a->format = MSIM_FORMAT_CSV;
		else if (!strcmp(val, "json"))
			a->format = MSIM_FORMAT_JSON;
		else {
			cli_error("--format: '%s' is not table, csv or json", val);
			return -1;
		}
	} else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
		TAKE();
		a->output = val;
	} else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
		a->quiet = 1;
	} else if (!strncmp(o, "--no-", 5) && feature_flag(&a->mo.features, o + 5, false)) {
		;
	} else if (!strncmp(o, "--", 2) && feature_flag(&a->mo.features, o + 2, true)) {
		;
	} else {
		return 0;
	}
#undef TAKE
	return 1;
}

int cli_take_trace(const char *cmd, const char *arg, const char **trace)
{
	if (arg[0] == '-' && arg[1]) {
		cli_error("%s: unknown option or missing value '%s' (see --help)", cmd, arg);
		return -1;
	}
	if (*trace) {
		cli_error("%s: more than one trace given", cmd);
		return -1;
	}
	*trace = arg;
	return 0;
}

int cli_need_trace(const char *cmd, const char *trace)
{
	if (trace)
		return 0;
	cli_error("%s: no trace given (see --help)", cmd);
	return -1;
}
