/*
 * Scheduler traces -> process-switch workloads. The sched:sched_switch
 * event (kernel/sched/core.c __schedule -> trace_sched_switch) prints
 *   tracefs:    "prev_comm=A prev_pid=1 prev_prio=120 prev_state=S ==>
 *                next_comm=B next_pid=2 next_prio=120"
 *   trace-cmd:  "A:1 [120] S ==> B:2 [120]"   (its sched_switch plugin)
 * after the usual "TASK-PID [CPU] ... TIMESTAMP: sched_switch:" prefix.
 * Only the next task matters: on x86 the MOV CR3 happens in
 * switch_mm_irqs_off() when the next task's mm differs from the loaded one;
 * kernel threads and idle have no mm and keep the previous one loaded
 * (lazy TLB, enter_lazy_tlb()).
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/sched.h"
#include "tools/gen_internal.h"
#include "base/internal.h"

#define SCHED_MAX_CPUS 1024

/* Kernel threads by name prefix: they run on a borrowed mm. */
static const char *const kthread_prefixes[] = {
	"swapper", "kworker/", "ksoftirqd/", "rcu_", "rcub/", "rcuc/", "rcuop/",
	"migration/", "kthreadd", "cpuhp/", "idle_inject/", "watchdog/",
	"kcompactd", "khugepaged", "kswapd", "oom_reaper", "jbd2/", "irq/",
	"kblockd", "kdevtmpfs", "kauditd", "khungtaskd", "ksmd", "writeback",
	"kintegrityd", "kthrotld", "mm_percpu_wq", "kworker", "scsi_", "ata_sff",
	"kstrp", "blkcg_punt_bio", "xfs", "ext4-rsv", "ipv6_addrconf", "netns",
	"inet_frag_wq", "edac-poller", "devfreq_wq", "zswap", "kvm-nx-lpage",
	"pr/", "hwrng", "card", "tpm_dev_wq", NULL,
};

static bool is_kthread(const char *comm, size_t n)
{
	for (const char *const *p = kthread_prefixes; *p; p++) {
		size_t l = strlen(*p);

		if (n >= l && !strncmp(comm, *p, l))
			return true;
	}
	return false;
}

struct task {
	long pid;
	unsigned proc; /* address-space index, or UINT32_MAX: no mm */
};

struct sched {
	const char *path;
	struct task *tasks;
	size_t ntasks, cap;
	struct {
		uint32_t *seq;
		size_t n, cap;
		uint64_t switches;
	} cpu[SCHED_MAX_CPUS];
	unsigned nprocs_all, maxcpu;
};

/* Decimal without sign, overflow or trailing garbage up to `end`. */
static int parse_pid(const char *s, const char *end, long *out)
{
	long v = 0;

	if (s >= end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* next task of one sched_switch: name [comm, comm+clen), pid */
static int parse_next(const char *ev, const char **comm, size_t *clen, long *pid)
{
	const char *arrow = strstr(ev, "==> ");
	const char *p, *e;

	if (!arrow)
		return -1;
	p = arrow + 4;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "next_comm=", 10)) {
		const char *np = strstr(p, " next_pid=");

		if (!np)
			return -1;
		*comm = p + 10;
		*clen = (size_t)(np - *comm);
		np += 10;
		for (e = np; *e >= '0' && *e <= '9'; e++)
			;
		if (*e && *e != ' ' && *e != '\n' && *e != '\r')
			return -1;
		return parse_pid(np, e, pid);
	}
	/* trace-cmd: COMM:PID [PRIO]; COMM may hold ':' (kworker/0:1) */
	e = strstr(p, " [");
	if (!e)
		return -1;
	const char *colon = e;
	while (colon > p && colon[-1] != ':')
		colon--;
	if (colon <= p + 1)
		return -1;
	*comm = p;
	*clen = (size_t)(colon - 1 - p);
	return parse_pid(colon, e, pid);
}

/* "[NNN]" after the task: the CPU. */
static int parse_cpu(const char *line, const char *ev, unsigned *cpu)
{
	const char *b = line;
	long v;

	while ((b = strchr(b, '[')) && b < ev) {
		const char *c = strchr(b, ']');

		if (c && c < ev && !parse_pid(b + 1, c, &v) && v < SCHED_MAX_CPUS) {
			*cpu = (unsigned)v;
			return 0;
		}
		b++;
	}
	return -1;
}

static struct task *task_of(struct sched *s, long pid, const char *comm,
			    size_t clen)
{
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].pid == pid)
			return &s->tasks[i];
	if (s->ntasks == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct task *nt = realloc(s->tasks, nc * sizeof(*nt));

		if (!nt)
			return NULL;
		s->tasks = nt;
		s->cap = nc;
	}
	struct task *t = &s->tasks[s->ntasks++];
	t->pid = pid;
	t->proc = (pid == 0 || is_kthread(comm, clen)) ? UINT32_MAX : s->nprocs_all++;
	return t;
}

static int push(struct sched *s, unsigned cpu, uint32_t proc)
{
	if (s->cpu[cpu].n == s->cpu[cpu].cap) {
		size_t nc = s->cpu[cpu].cap ? s->cpu[cpu].cap * 2 : 1024;
		uint32_t *ns = realloc(s->cpu[cpu].seq, nc * sizeof(*ns));

		if (!ns)
			return -1;
		s->cpu[cpu].seq = ns;
		s->cpu[cpu].cap = nc;
	}
	s->cpu[cpu].seq[s->cpu[cpu].n++] = proc;
	return 0;
}

int msim_sched_opts_init(msim_sched_opts *opts, unsigned version)
{
	static const msim_sched_opts def = MSIM_SCHED_OPTS_INIT;

	if (!opts || version != MSIM_SCHED_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_sched_opts_init: %s (this library "
				"knows version %d)", opts ? "unknown version" :
				"opts is NULL", MSIM_SCHED_OPTS_VERSION);
	*opts = def;
	return 0;
}

static int read_file(struct sched *s, FILE *f, msim_sched_info *info)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t no = 0;
	int rc = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *ev, *comm;
		size_t clen;
		long pid;
		unsigned cpu;

		no++;
		if ((size_t)n != strlen(line)) {
			rc = msim_err(MSIM_EPARSE, "%s:%llu: NUL byte in a text trace",
				      s->path, (unsigned long long)no);
			break;
		}
		if (!(ev = strstr(line, ": sched_switch: ")))
			continue;
		if (parse_cpu(line, ev, &cpu)) {
			rc = msim_err(MSIM_EPARSE, "%s:%llu: sched_switch without a "
				      "[CPU] field (0..%d)", s->path,
				      (unsigned long long)no, SCHED_MAX_CPUS - 1);
			break;
		}
		if (parse_next(ev + 16, &comm, &clen, &pid)) {
			rc = msim_err(MSIM_EPARSE, "%s:%llu: sched_switch without a "
				      "readable next task (expected 'next_comm=X "
				      "next_pid=N' or 'X:N [PRIO]' after '==>')",
				      s->path, (unsigned long long)no);
			break;
		}
		struct task *t = task_of(s, pid, comm, clen);
		if (!t) {
			rc = msim_err(MSIM_ENOMEM, "out of memory (tasks)");
			break;
		}
		if (t->proc != UINT32_MAX && t->proc >= MSIM_GEN_PROCS_MAX) {
			rc = msim_err(MSIM_ERANGE, "%s:%llu: more than %d user processes",
				      s->path, (unsigned long long)no,
				      MSIM_GEN_PROCS_MAX);
			break;
		}
		info->switches++;
		s->cpu[cpu].switches++;
		if (cpu + 1 > s->maxcpu)
			s->maxcpu = cpu + 1;
		if (push(s, cpu, t->proc)) {
			rc = msim_err(MSIM_ENOMEM, "out of memory (switch sequence)");
			break;
		}
	}
	if (!rc && ferror(f))
		rc = msim_err(MSIM_EIO, "%s: read error: %s", s->path, strerror(errno));
	info->lines = no;
	free(line);
	return rc;
}

int msim_sched_import(const char *path, const msim_sched_opts *opts,
		      msim_trace_writer *w, msim_sched_info *info)
{
	static const msim_sched_opts def = MSIM_SCHED_OPTS_INIT;
	msim_sched_info tmp;
	struct sched *s;
	uint32_t *seq = NULL, *map = NULL;
	size_t m = 0;
	unsigned cpu, procs = 0, cur = UINT32_MAX;
	char title[512];
	FILE *f;
	int rc;

	if (!opts)
		opts = &def;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	if (!path || !w)
		return msim_err(MSIM_EINVAL, "msim_sched_import: NULL argument");
	if (opts->version != MSIM_SCHED_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_sched_opts: version %u (this "
				"library knows %d)", opts->version,
				MSIM_SCHED_OPTS_VERSION);
	if (opts->ws > 4096)
		return msim_err(MSIM_ERANGE, "ws %u: at most 4096 pages", opts->ws);
	if (!(f = fopen(path, "r")))
		return msim_err(MSIM_EIO, "%s: %s", path, strerror(errno));
	if (!(s = calloc(1, sizeof(*s)))) {
		fclose(f);
		return msim_err(MSIM_ENOMEM, "out of memory");
	}
	s->path = path;
	rc = read_file(s, f, info);
	fclose(f);
	if (rc)
		goto out;
	if (!info->switches) {
		rc = msim_err(MSIM_EINVAL, "%s: no sched_switch event in %llu lines; "
			      "record with `trace-cmd record -e sched:sched_switch` "
			      "(then `trace-cmd report`) or `echo 1 > "
			      "/sys/kernel/tracing/events/sched/sched_switch/enable` "
			      "and save /sys/kernel/tracing/trace", path,
			      (unsigned long long)info->lines);
		goto out;
	}
	if (opts->cpu >= 0) {
		if ((unsigned)opts->cpu >= s->maxcpu || !s->cpu[opts->cpu].switches) {
			rc = msim_err(MSIM_ERANGE, "%s: no sched_switch on CPU %d "
				      "(CPUs with events: 0..%u)", path, opts->cpu,
				      s->maxcpu - 1);
			goto out;
		}
		cpu = (unsigned)opts->cpu;
	} else {
		cpu = 0;
		for (unsigned c = 1; c < s->maxcpu; c++)
			if (s->cpu[c].switches > s->cpu[cpu].switches)
				cpu = c;
	}
	for (unsigned c = 0; c < s->maxcpu; c++)
		info->cpus += s->cpu[c].switches != 0;
	info->cpu = cpu;
	info->cpu_switches = s->cpu[cpu].switches;
	/* processes numbered in order of first run on this CPU; a switch to
	 * no mm (idle, kthread) or to the loaded mm writes no CR3 */
	seq = malloc((s->cpu[cpu].n ? s->cpu[cpu].n : 1) * sizeof(*seq));
	map = malloc((s->nprocs_all ? s->nprocs_all : 1) * sizeof(*map));
	if (!seq || !map) {
		rc = msim_err(MSIM_ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned k = 0; k < s->nprocs_all; k++)
		map[k] = UINT32_MAX;
	for (size_t i = 0; i < s->cpu[cpu].n; i++) {
		uint32_t p = s->cpu[cpu].seq[i];

		if (p == UINT32_MAX || p == cur)
			continue;
		if (map[p] == UINT32_MAX)
			map[p] = procs++;
		cur = p;
		seq[m++] = map[p];
	}
	info->procs = procs;
	info->mm_switches = m;
	if (!procs) {
		rc = msim_err(MSIM_EINVAL, "%s: CPU %u ran only idle and kernel "
			      "threads: no address-space switch to replay", path, cpu);
		goto out;
	}
	/* the workload starts in process 0's address space: drop that switch */
	snprintf(title, sizeof(title), " sched: CPU %u of %s: %llu sched_switch, "
		 "%u processes, %zu address-space switches", cpu, path,
		 (unsigned long long)info->cpu_switches, procs, m);
	struct msim_gen_procs_cfg pc = {
		.procs = procs, .pti = opts->pti, .pcid = opts->pcid,
		.ws = opts->ws, .kws = 1, .seq = seq + 1, .switches = m - 1,
	};
	rc = msim_gen_procs_run(w, opts->seed, title, &pc);
out:
	free(seq);
	free(map);
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		free(s->cpu[c].seq);
	free(s->tasks);
	free(s);
	return rc;
}
