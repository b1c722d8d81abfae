/*
 * Private tracefs instance for a recording: instances/NAME with only the
 * kvm/kvmmmu events of interest, filtered to the VMM's pid, in `fields`
 * output so kvm_mmu_get_page & co. show the full 32-bit role word (their
 * default print hides cr0_wp/smep/smap). Markers carry the inputs.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

struct msim_tracefs {
	char dir[512];
	int marker;
	/* options/fields exists (added in 5.x: 6.1 instances lack it). Without
	 * it the default print is all there is: the importer then takes roles
	 * from the printed fields (cr0_wp/smep/smap are not printed). */
	bool fields;
};

/* Events written by the importer's tables; the rest of the kvm group is
 * noise for MMU purposes. kvm_cr/exit/entry/page_fault do not fire on
 * the PVM host this was written on but do on ordinary ones. */
static const char *const events[] = {
	"kvmmmu/enable",
	"kvm/kvm_cr/enable",
	"kvm/kvm_exit/enable",
	"kvm/kvm_entry/enable",
	"kvm/kvm_page_fault/enable",
	"kvm/kvm_inj_exception/enable",
	"kvm/kvm_msr/enable",
	"kvm/kvm_pio/enable",
	"kvm/kvm_userspace_exit/enable",
};

static int put(const char *dir, const char *file, const char *val,
	       char *err, size_t errlen)
{
	char p[640];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", p, strerror(errno));
		return -1;
	}
	ssize_t n = write(fd, val, strlen(val));
	int e = errno;
	close(fd);
	if (n != (ssize_t)strlen(val)) {
		snprintf(err, errlen, "write '%s' to %s: %s", val, p,
			 n < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

static const char *find_root(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	struct stat st;
	for (size_t i = 0; i < 2; i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/instances", roots[i]);
		if (stat(p, &st) == 0)
			return roots[i];
	}
	/* Not mounted: try once (needs root), as `mount -t tracefs` would. */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    stat("/sys/kernel/tracing/instances", &st) == 0)
		return roots[0];
	return NULL;
}

int msim_tracefs_open(msim_tracefs **out, const char *name, unsigned buf_kb,
		      int pid, char *err, size_t errlen)
{
	const char *root = find_root();
	if (!root) {
		snprintf(err, errlen,
			 "tracefs not available (tried /sys/kernel/tracing and "
			 "/sys/kernel/debug/tracing; mount -t tracefs nodev "
			 "/sys/kernel/tracing needs root)");
		return -1;
	}
	msim_tracefs *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->marker = -1;
	snprintf(t->dir, sizeof(t->dir), "%s/instances/%s", root, name);
	if (mkdir(t->dir, 0755) < 0) {
		snprintf(err, errlen, "mkdir %s: %s", t->dir, strerror(errno));
		free(t);
		return -1;
	}
	char v[32];
	if (put(t->dir, "tracing_on", "0", err, errlen))
		goto fail;
	snprintf(v, sizeof(v), "%u", buf_kb);
	if (put(t->dir, "buffer_size_kb", v, err, errlen) ||
	    put(t->dir, "trace_clock", "global", err, errlen))
		goto fail;
	char of[600];
	snprintf(of, sizeof(of), "%s/options/fields", t->dir);
	t->fields = access(of, F_OK) == 0;
	if (t->fields && put(t->dir, "options/fields", "1", err, errlen))
		goto fail;
	if (!t->fields)
		fprintf(stderr, "mmu-sim record: note: this kernel's tracefs has no "
			"options/fields; roles come from the default print (cr0_wp, "
			"smep/smap_andnot_wp, smm and guest_mode are not shown)\n");
	snprintf(v, sizeof(v), "%d", pid);
	if (put(t->dir, "set_event_pid", v, err, errlen))
		goto fail;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "events/%s", events[i]);
		if (put(t->dir, p, "1", err, errlen))
			goto fail;
	}
	char p[640];
	snprintf(p, sizeof(p), "%s/trace_marker", t->dir);
	t->marker = open(p, O_WRONLY | O_CLOEXEC);
	if (t->marker < 0) {
		snprintf(err, errlen, "open %s: %s", p, strerror(errno));
		goto fail;
	}
	if (put(t->dir, "trace", "", err, errlen) ||
	    put(t->dir, "tracing_on", "1", err, errlen))
		goto fail;
	*out = t;
	return 0;
fail:
	msim_tracefs_close(t);
	return -1;
}

int msim_tracefs_mark(msim_tracefs *t, const char *line)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "msim: %s\n", line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return write(t->marker, buf, (size_t)n) == n ? 0 : -1;
}

/* Sum "key: N" over the per-CPU stats files. */
static long long stat_sum(const char *dir, const char *key)
{
	char p[640];
	snprintf(p, sizeof(p), "%s/per_cpu", dir);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	long long sum = 0;
	struct dirent *de;
	size_t kl = strlen(key);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cpu", 3))
			continue;
		char sp[900];
		snprintf(sp, sizeof(sp), "%s/per_cpu/%s/stats", dir, de->d_name);
		FILE *f = fopen(sp, "r");
		if (!f)
			continue;
		char line[256];
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, key, kl) && line[kl] == ':')
				sum += strtoll(line + kl + 1, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int copy_file(const char *from, const char *to, char *err,
		     size_t errlen)
{
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	if (!in || !out) {
		snprintf(err, errlen, "open %s: %s", !in ? from : to, strerror(errno));
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	char buf[65536];
	size_t n;
	int bad = 0;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			bad = 1;
	bad |= ferror(in);
	fclose(in);
	bad |= fclose(out) != 0;
	if (bad) {
		snprintf(err, errlen, "copy %s to %s: %s", from, to, strerror(errno));
		return -1;
	}
	return 0;
}

/* Length of the "task-pid [cpu] flags timestamp:" prefix, 0 if none. */
static size_t entry_prefix(const char *line)
{
	const char *p = strstr(line, ": ");
	if (!p || line[0] == '#')
		return 0;
	return (size_t)(p - line);
}

static int merge(const char *fields, const char *deflt, const char *to,
		 char *err, size_t errlen)
{
	FILE *f = fopen(fields, "r"), *d = fopen(deflt, "r"), *o = fopen(to, "w");
	int ret = -1;
	if (!f || !d || !o) {
		snprintf(err, errlen, "merge: open: %s", strerror(errno));
		goto out;
	}
	static char lf[65536], ld[65536];
	unsigned long no = 0;
	for (;;) {
		char *a = fgets(lf, sizeof(lf), f), *b = fgets(ld, sizeof(ld), d);
		no++;
		if (!a && !b)
			break;
		size_t pa = a ? entry_prefix(a) : 0, pb = b ? entry_prefix(b) : 0;
		if (!a || !b || pa != pb || strncmp(a, b, pa)) {
			snprintf(err, errlen,
				 "trace buffer changed between the two reads (line %lu)", no);
			goto out;
		}
		fputs(strstr(a, ": UNKNOWN TYPE") ? b : a, o);
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	if (d)
		fclose(d);
	if (o && fclose(o) != 0 && ret == 0) {
		snprintf(err, errlen, "write %s: %s", to, strerror(errno));
		ret = -1;
	}
	return ret;
}

int msim_tracefs_finish(msim_tracefs *t, const char *path, char *err,
			size_t errlen)
{
	if (put(t->dir, "tracing_on", "0", err, errlen))
		return -1;
	static const char *const lost[] = { "overrun", "commit overrun",
					    "dropped events" };
	for (size_t i = 0; i < 3; i++) {
		long long n = stat_sum(t->dir, lost[i]);
		if (n != 0) {
			snprintf(err, errlen,
				 "tracefs lost events (%s: %lld); raise --buffer-kb",
				 lost[i], n);
			return -1;
		}
	}
	/* The `fields` view shows raw fields (full role words) but prints
	 * markers as "UNKNOWN TYPE 5" (seen on 6.18); the default view has
	 * the markers. Read the buffer both ways and take each marker line
	 * from the default view; entries come in the same order. */
	char src[640], tmp[4096], tmpf[4096], tmpd[4096];
	snprintf(src, sizeof(src), "%s/trace", t->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(tmpf, sizeof(tmpf), "%s.fields.tmp", path);
	snprintf(tmpd, sizeof(tmpd), "%s.default.tmp", path);
	int ret = -1;
	if (!t->fields) {
		if (copy_file(src, tmp, err, errlen))
			goto out;
	} else if (copy_file(src, tmpf, err, errlen) ||
	    put(t->dir, "options/fields", "0", err, errlen) ||
	    copy_file(src, tmpd, err, errlen) ||
	    merge(tmpf, tmpd, tmp, err, errlen))
		goto out;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	unlink(tmp);
	unlink(tmpf);
	unlink(tmpd);
	return ret;
}

void msim_tracefs_close(msim_tracefs *t)
{
	if (!t)
		return;
	if (t->marker >= 0)
		close(t->marker);
	char e[64];
	(void)put(t->dir, "tracing_on", "0", e, sizeof(e));
	/* rmdir fails while events are enabled on older kernels: disable. */
	(void)put(t->dir, "events/enable", "0", e, sizeof(e));
	(void)rmdir(t->dir);
	free(t);
}
