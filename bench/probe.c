/*
 * probe: real-hardware dependent pointer chase over N pages.
 *
 * One 8-byte pointer per page; the pointer of page i sits in cache line
 * (i % 64) of that page, so the touched lines spread over all L1/L2 sets
 * instead of piling into the set of line 0 (4 KiB stride = same set). The
 * pages form one cycle, in random order (every access is a new page: TLB
 * and cache misses once N exceeds their reach) or sequential order (the
 * hardware prefetchers and the next-page locality help). Each load
 * depends on the previous one, so time / accesses = latency per access.
 *
 * Output (stdout): CSV, one line per (pagesize, order, N):
 *   pagesize,order,pages,accesses,ns_per_access,tsc_per_access,huge
 * `huge` says how 2 MB pages were obtained: hugetlb (MAP_HUGETLB), thp
 * (madvise(MADV_HUGEPAGE) and AnonHugePages covered the region), thp-partial
 * or none; for 4 KB runs it is "4k" (MADV_NOHUGEPAGE asked).
 *
 * Usage: bench_probe [options] [max_pages_4k] [max_pages_2m] [min_accesses]
 *        bench_probe --vmexit   (CPUID round trip: a VM exit in a guest)
 * Diagnostic options (the default run, as committed under traces/hw, uses
 * none of them; each changes only what its name says):
 *   --grid=G        G points per doubling of N instead of 4
 *   --from=N        smallest N (default 4)
 *   --only=4k|2m    one page size (the other max is ignored)
 *   --orders=LIST   comma list of orders (default "random,seq"):
 *                   random   Fisher-Yates cycle (seed --seed)
 *                   seq      0,1,..,N-1
 *                   rev      N-1,..,1,0
 *                   strideK  0,K,2K,..,1,1+K,..: every K-th page, K runs
 *   --seed=S        random order seed (default 12345)
 *   --start=S       use pages S..S+N-1 of the region (default 0)
 *   --line=L        pointer in line L of every page instead of page % 64
 *   --line=hash     pointer in line hash(page) % 64 (splitmix64 of the
 *                   page number): same pages, no constant address stride
 *   --sub=K[,S]     (2 MB pages) pointer of page p in 4 KB subpage
 *                   ((p % K) * S) % 512 of its 2 MB page (S default 1):
 *                   with K=2 half the chase uses subpage-0 translations,
 *                   half subpage-S ones (do they share STLB sets?)
 *   --trials=T      trials per point (default 5; the minimum is kept)
 *   --cpu=C         pin to CPU C instead of CPU 1
 * The order column names the order as above (e.g. "stride3", "rev");
 * --start/--line/--seed are not echoed: record them with the output.
 * The result is the minimum over 5 trials of the mean per-access time
 * (least disturbed by the other vCPU's work). Linux/x86-64 only; this is a
 * measurement tool, not part of the library.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#define LINE 64

static int trials = 5;
static unsigned grid = 4;
static uint64_t from_n = 4, start_page = 0;
static int fixed_line = -1; /* -1: line page % 64, -2: hashed */
static const char *orders = "random,seq";
static int pin_cpu = 1;
static uint64_t sub_k = 1, sub_s = 1;

static uint64_t rng_state = 12345;

/* splitmix64, same generator as the library's msim_rng_next */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Bytes of AnonHugePages in the smaps entry that contains addr. */
static long anon_huge_kb(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	long kb = -1;
	uintptr_t a = (uintptr_t)addr;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = (a >= lo && a < hi);
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void *map_region(size_t bytes, int huge, const char **how)
{
	void *p;
	if (!huge) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		madvise(p, bytes, MADV_NOHUGEPAGE);
		*how = "4k";
		return p;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p != MAP_FAILED) {
		*how = "hugetlb";
		return p;
	}
	/* THP: over-allocate to align to 2 MB, then ask for huge pages */
	size_t al = 2UL << 20;
	char *raw = mmap(NULL, bytes + al, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)raw + al - 1) & ~(uintptr_t)(al - 1));
	madvise(a, bytes, MADV_HUGEPAGE);
	for (size_t off = 0; off < bytes; off += 4096)
		a[off] = 1;
	long kb = anon_huge_kb(a);
	if (kb >= (long)(bytes >> 10))
		*how = "thp";
	else if (kb > 0)
		*how = "thp-partial";
	else
		*how = "none";
	return a;
}

static uint64_t *perm;

static uint64_t line_of(uint64_t p)
{
	if (fixed_line == -2) { /* splitmix64 finaliser of p */
		uint64_t z = p + 0x9e3779b97f4a7c15ULL;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return (z ^ (z >> 31)) % 64;
	}
	return fixed_line >= 0 ? (uint64_t)fixed_line : p % 64;
}

/* Byte offset of page p's pointer inside its page. */
static uint64_t slot_off(uint64_t p, size_t page)
{
	uint64_t off = line_of(p) * LINE;
	if (page > 4096 && sub_k > 1)
		off += ((p % sub_k) * sub_s % (page / 4096)) * 4096;
	return off;
}

/* Fill perm[0..n) with the visiting order named ord (see the header). */
static int make_order(const char *ord, uint64_t n)
{
	if (!strcmp(ord, "random")) {
		for (uint64_t i = 0; i < n; i++)
			perm[i] = i;
		/* Fisher-Yates; a random permutation read as one cycle */
		for (uint64_t i = n - 1; i > 0; i--) {
			uint64_t j = rng_next() % (i + 1);
			uint64_t t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
	} else if (!strcmp(ord, "seq")) {
		for (uint64_t i = 0; i < n; i++)
			perm[i] = i;
	} else if (!strcmp(ord, "rev")) {
		for (uint64_t i = 0; i < n; i++)
			perm[i] = n - 1 - i;
	} else if (!strncmp(ord, "stride", 6) && atoi(ord + 6) > 0) {
		uint64_t k = (uint64_t)atoi(ord + 6), i = 0;
		for (uint64_t r = 0; r < k && r < n; r++)
			for (uint64_t j = r; j < n; j += k)
				perm[i++] = j;
	} else {
		return -1;
	}
	return 0;
}

/* Build the cycle over n pages and chase it. */
static void run(char *base, size_t page, uint64_t n, const char *ord,
		uint64_t min_acc, const char *psname, const char *how)
{
	if (make_order(ord, n)) {
		fprintf(stderr, "probe: unknown order '%s'\n", ord);
		exit(2);
	}
	base += start_page * page;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = perm[i], q = perm[(i + 1) % n];
		void **slot = (void **)(base + p * page + slot_off(p, page));
		*slot = base + q * page + slot_off(q, page);
	}
	uint64_t acc = n * 8 > min_acc ? n * 8 : min_acc;
	void **cur = (void **)(base + perm[0] * page + slot_off(perm[0], page));
	for (uint64_t i = 0; i < 2 * n; i++) /* warm TLBs/caches */
		cur = (void **)*cur;
	double best_ns = 1e30, best_tsc = 1e30;
	for (int t = 0; t < trials; t++) {
		double t0 = now_ns();
		uint64_t c0 = __rdtsc();
		for (uint64_t i = 0; i < acc; i++)
			cur = (void **)*cur;
		uint64_t c1 = __rdtsc();
		double t1 = now_ns();
		double ns = (t1 - t0) / acc, tsc = (double)(c1 - c0) / acc;
		if (ns < best_ns) {
			best_ns = ns;
			best_tsc = tsc;
		}
	}
	/* keep the chase alive for the compiler */
	if (cur == NULL)
		fprintf(stderr, "impossible\n");
	printf("%s,%s,%llu,%llu,%.3f,%.3f,%s\n", psname, ord,
	       (unsigned long long)n, (unsigned long long)acc, best_ns,
	       best_tsc, how);
	fflush(stdout);
}

static void series(uint64_t maxn, size_t page, int huge, uint64_t min_acc)
{
	const char *how = "?";
	size_t bytes = (maxn + start_page) * page;
	char *base = map_region(bytes, huge, &how);
	const char *ps = huge ? "2m" : "4k";
	char list[256], *save = NULL;
	if (!base) {
		fprintf(stderr, "probe: mmap %s failed\n", ps);
		return;
	}
	fprintf(stderr, "probe: %s region %llu pages: %s\n", ps,
		(unsigned long long)(maxn + start_page), how);
	snprintf(list, sizeof(list), "%s", orders);
	for (char *ord = strtok_r(list, ",", &save); ord;
	     ord = strtok_r(NULL, ",", &save)) {
		uint64_t last = 0;
		/* N = 2^(k/grid): grid points per doubling, from from_n */
		for (int k = 0; ; k++) {
			uint64_t n = (uint64_t)(__builtin_exp2((double)k / grid) + 0.5);
			if (n < from_n)
				continue;
			if (n > maxn)
				break;
			if (n == last)
				continue;
			last = n;
			run(base, page, n, ord, min_acc, ps, how);
		}
	}
	munmap(base, bytes);
}

/* CPUID always exits to the hypervisor under VMX: its round trip is the
 * cost of one VM exit + entry with minimal handling (virt.vmexit). */
static void vmexit_probe(void)
{
	unsigned a, b, c, d;
	double best = 1e30;

	for (int t = 0; t < trials; t++) {
		uint64_t c0 = __rdtsc();
		for (int i = 0; i < 20000; i++) {
			a = 0;
			c = 0;
			__asm__ volatile("cpuid"
					 : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		}
		double per = (double)(__rdtsc() - c0) / 20000;
		if (per < best)
			best = per;
	}
	printf("cpuid_tsc_per_call,%.1f\n", best);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--vmexit")) {
		vmexit_probe();
		return 0;
	}
	const char *only = NULL;
	int ai = 1;
	for (; ai < argc && !strncmp(argv[ai], "--", 2); ai++) {
		const char *a = argv[ai];
		if (!strncmp(a, "--grid=", 7))
			grid = (unsigned)atoi(a + 7);
		else if (!strncmp(a, "--from=", 7))
			from_n = strtoull(a + 7, NULL, 0);
		else if (!strncmp(a, "--only=", 7))
			only = a + 7;
		else if (!strncmp(a, "--orders=", 9))
			orders = a + 9;
		else if (!strncmp(a, "--seed=", 7))
			rng_state = strtoull(a + 7, NULL, 0);
		else if (!strncmp(a, "--start=", 8))
			start_page = strtoull(a + 8, NULL, 0);
		else if (!strcmp(a, "--line=hash"))
			fixed_line = -2;
		else if (!strncmp(a, "--line=", 7))
			fixed_line = atoi(a + 7) & 63;
		else if (!strncmp(a, "--sub=", 6)) {
			char *e;
			sub_k = strtoull(a + 6, &e, 0);
			sub_s = *e == ',' ? strtoull(e + 1, NULL, 0) : 1;
		} else if (!strncmp(a, "--cpu=", 6))
			pin_cpu = atoi(a + 6);
		else if (!strncmp(a, "--trials=", 9))
			trials = atoi(a + 9);
		else {
			fprintf(stderr, "probe: unknown option %s\n", a);
			return 2;
		}
	}
	if (!grid || trials < 1)
		return 2;
	argc -= ai - 1;
	argv += ai - 1;
	uint64_t max4k = argc > 1 ? strtoull(argv[1], NULL, 0) : (1u << 19);
	uint64_t max2m = argc > 2 ? strtoull(argv[2], NULL, 0) : 1024;
	uint64_t min_acc = argc > 3 ? strtoull(argv[3], NULL, 0) : 2000000;
	if (only && !strcmp(only, "2m"))
		max4k = 0;
	else if (only && !strcmp(only, "4k"))
		max2m = 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(pin_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort */
	uint64_t maxn = max4k > max2m ? max4k : max2m;
	perm = malloc((maxn ? maxn : 1) * sizeof(*perm));
	if (!perm)
		return 1;
	/* TSC rate, for the reader converting tsc_per_access to ns */
	double t0 = now_ns();
	uint64_t c0 = __rdtsc();
	while (now_ns() - t0 < 2e8)
		;
	double ghz = (double)(__rdtsc() - c0) / (now_ns() - t0);
	printf("# tsc_ghz=%.4f\n", ghz);
	printf("pagesize,order,pages,accesses,ns_per_access,tsc_per_access,huge\n");
	if (max4k)
		series(max4k, 4096, 0, min_acc);
	if (max2m)
		series(max2m, 2UL << 20, 1, min_acc);
	free(perm);
	return 0;
}
