/*
 * `mmu-sim record --qemu KERNEL`: record real KVM where there is no usable
 * /dev/kvm. QEMU's TCG emulates an AMD CPU with SVM and nested paging
 * (-cpu max), a Debian kernel boots in it with this same (statically
 * linked) mmu-sim as the only program besides busybox, loads kvm and
 * kvm-amd with the module parameters of the chosen MMU, runs the ordinary
 * recorder there and sends the ftrace text back on a second serial port.
 *
 * No shell is involved on the host: every external program (apt-get,
 * dpkg-deb, qemu-system-x86_64) is started with fork/execvp, and the
 * initramfs (cpio "newc", SVR4 with no CRC) is written here.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu.h"

/* Paths are cut in messages, never overflowed: snprintf everywhere. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* Aliases for the kernels the recordings under traces/kvm/ were made on. */
static const struct {
	const char *alias, *pkg;
} kernels[] = {
	{ "6.1", "linux-image-6.1.0-57-amd64" },
	{ "6.12", "linux-image-6.12.100+deb12-amd64" },
};

/* kvm.ko / kvm-amd.ko parameters per MMU flavour (kernel cmdline names). */
static const struct {
	const char *mmu, *kvm, *kvm_amd;
} flavours[] = {
	{ "tdp", "tdp_mmu=Y", "npt=1" },
	{ "legacy", "tdp_mmu=N", "npt=1" },
	{ "shadow", "tdp_mmu=Y", "npt=0" },
};

static void progress(const char *what)
{
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\rmmu-sim record --qemu: %-60s", what);
	else
		fprintf(stderr, "mmu-sim record --qemu: %s\n", what);
}

static void progress_done(void)
{
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
}

/* Run argv[0] (PATH lookup) in dir with stdout/stderr to log (or
 * inherited); kill it after timeout_s. Returns its exit status, 124 on
 * timeout, 127 when it cannot be started. */
static int run(char *const argv[], const char *dir, const char *log,
	       unsigned timeout_s)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);

		if (in >= 0)
			dup2(in, STDIN_FILENO);
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		if (dir && chdir(dir) < 0)
			_exit(127);
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (unsigned t = 0;; t++) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0)
			return 127;
		if (timeout_s && t >= timeout_s * 10) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 124;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The one file in dir whose name starts with prefix and ends with .deb. */
static int find_deb(const char *dir, const char *prefix, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (!strncmp(e->d_name, prefix, strlen(prefix)) && n > 4 &&
		    !strcmp(e->d_name + n - 4, ".deb")) {
			snprintf(out, len, "%s/%s", dir, e->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found ? 0 : -1;
}

/* Download (apt-get download) and unpack (dpkg-deb -x) pkg into
 * cache/pkg/root once; later runs reuse it. */
static int fetch_pkg(const char *cache, const char *pkg, char *root, size_t len,
		     char *err, size_t errlen)
{
	char dir[4096], deb[4096], log[4200], done[4200];
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", cache, pkg);
	snprintf(root, len, "%s/root", dir);
	snprintf(done, sizeof(done), "%s/.unpacked", dir);
	if (access(done, F_OK) == 0)
		return 0;
	if (mkdirs(dir) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	snprintf(log, sizeof(log), "%s/apt.log", dir);
	if (find_deb(dir, pkg, deb, sizeof(deb))) {
		char msg[300];

		snprintf(msg, sizeof(msg), "downloading %s", pkg);
		progress(msg);
		char *argv[] = { "apt-get", "download", (char *)pkg, NULL };
		rc = run(argv, dir, log, 600);
		if (rc || find_deb(dir, pkg, deb, sizeof(deb))) {
			snprintf(err, errlen,
				 "apt-get download %s failed (exit %d; see %s): is it a "
				 "Debian package name this machine's apt sources know? "
				 "(try apt-get update)", pkg, rc, log);
			return 1;
		}
	}
	char *argv[] = { "dpkg-deb", "-x", deb, root, NULL };
	if ((rc = run(argv, NULL, log, 600))) {
		snprintf(err, errlen, "dpkg-deb -x %s failed (exit %d; see %s)", deb,
			 rc, log);
		return 1;
	}
	int fd = open(done, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* ---- initramfs: cpio "newc" (070701), 4-byte aligned, TRAILER!!! ---- */

struct cpio {
	FILE *f;
	unsigned ino;
	bool bad;
};

static void cpio_pad(struct cpio *c)
{
	while (ftell(c->f) & 3)
		fputc(0, c->f);
}

static void cpio_entry(struct cpio *c, const char *name, unsigned mode,
		       const void *data, size_t size)
{
	size_t nl = strlen(name) + 1;

	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X"
		    "%08zX%08X", ++c->ino, mode, 0u, 0u, 1u, 0u, size, 0u, 0u,
		    0u, 0u, nl, 0u) < 0)
		c->bad = true;
	fwrite(name, 1, nl, c->f);
	cpio_pad(c);
	if (size && fwrite(data, 1, size, c->f) != size)
		c->bad = true;
	cpio_pad(c);
}

static int cpio_file(struct cpio *c, const char *name, const char *path,
		     unsigned mode)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc(n ? (size_t)n : 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	cpio_entry(c, name, 0100000 | mode, buf, (size_t)n);
	free(buf);
	return 0;
}

/* The guest's /init: mount what the recorder needs, load the modules with
 * the flavour's parameters, record, send the file on ttyS1, power off. */
static const char init_fmt[] =
	"#!/bin/busybox sh\n"
	"/bin/busybox --install -s /bin\n"
	"mount -t proc proc /proc; mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs dev /dev; mount -t tracefs tracefs /sys/kernel/tracing\n"
	"for m in /mod/*.ko.xz; do [ -e \"$m\" ] && unxz \"$m\"; done\n"
	"insmod /mod/irqbypass.ko; insmod /mod/kvm.ko %s\n"
	"insmod /mod/ccp.ko; insmod /mod/kvm-amd.ko %s\n"
	"echo \"msim-qemu: kernel $(uname -r) tdp_mmu=$(cat /sys/module/kvm/parameters/tdp_mmu)"
	" npt=$(cat /sys/module/kvm_amd/parameters/npt)\" > /dev/ttyS1\n"
	"if [ ! -e /dev/kvm ]; then echo 'msim-qemu: no /dev/kvm after insmod' > /dev/ttyS1;"
	" poweroff -f; fi\n"
	"/bin/mmu-sim record %s -o /rec.ftrace 2>/err.txt; rc=$?\n"
	"echo \"msim-qemu: rc=$rc\" > /dev/ttyS1\n"
	"sed 's/^/msim-qemu: err: /' /err.txt > /dev/ttyS1\n"
	"if [ $rc = 0 ]; then echo 'msim-qemu: begin' > /dev/ttyS1;"
	" cat /rec.ftrace > /dev/ttyS1; echo 'msim-qemu: end' > /dev/ttyS1; fi\n"
	"poweroff -f\n";

static int find_module(const char *kroot, const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "virt/lib", "arch/x86/kvm",
					    "drivers/crypto/ccp" };
	char mdir[4096];
	DIR *d;
	struct dirent *e;

	snprintf(mdir, sizeof(mdir), "%s/lib/modules", kroot);
	if (!(d = opendir(mdir)))
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < 3; i++)
			for (int xz = 0; xz < 2; xz++) {
				snprintf(out, len, "%s/%s/kernel/%s/%s.ko%s", mdir,
					 e->d_name, dirs[i], name, xz ? ".xz" : "");
				if (access(out, R_OK) == 0) {
					closedir(d);
					return 0;
				}
			}
	}
	closedir(d);
	return -1;
}

static int find_vmlinuz(const char *kroot, char *out, size_t len)
{
	char boot[4096];
	DIR *d;
	struct dirent *e;
	int rc = -1;

	snprintf(boot, sizeof(boot), "%s/boot", kroot);
	if (!(d = opendir(boot)))
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8)) {
			snprintf(out, len, "%s/%s", boot, e->d_name);
			rc = 0;
		}
	closedir(d);
	return rc;
}

static int build_initramfs(const char *path, const char *kroot,
			   const char *bbroot, const struct msim_qemu_opts *o,
			   unsigned fl, char *err, size_t errlen)
{
	static const char *const mods[] = { "irqbypass", "kvm", "ccp", "kvm-amd" };
	struct cpio c = { 0 };
	char p[4096], init[4096], args[1024];
	int n;

	if (!(c.f = fopen(path, "wb"))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return 1;
	}
	for (const char *const *d = (const char *const[]){ "bin", "mod", "proc",
			"sys", "dev", "tmp", NULL }; *d; d++)
		cpio_entry(&c, *d, 040755, NULL, 0);
	snprintf(p, sizeof(p), "%s/bin/busybox", bbroot);
	if (cpio_file(&c, "bin/busybox", p, 0755)) {
		snprintf(err, errlen, "busybox-static unpacked without bin/busybox (%s)", p);
		goto fail;
	}
	if (cpio_file(&c, "bin/mmu-sim", "/proc/self/exe", 0755)) {
		snprintf(err, errlen, "cannot read this mmu-sim binary (/proc/self/exe)");
		goto fail;
	}
	for (size_t i = 0; i < 4; i++) {
		if (find_module(kroot, mods[i], p, sizeof(p))) {
			snprintf(err, errlen, "the kernel package has no %s module", mods[i]);
			goto fail;
		}
		char name[64];
		size_t l = strlen(p);
		snprintf(name, sizeof(name), "mod/%s.ko%s", mods[i],
			 l > 3 && !strcmp(p + l - 3, ".xz") ? ".xz" : "");
		if (cpio_file(&c, name, p, 0644)) {
			snprintf(err, errlen, "cannot read %s", p);
			goto fail;
		}
	}
	n = 0;
	if (o->scenario)
		n = snprintf(args, sizeof(args), "--scenario %s", o->scenario);
	else {
		if (cpio_file(&c, "script.trace", o->script, 0644)) {
			snprintf(err, errlen, "cannot read --script %s", o->script);
			goto fail;
		}
		n = snprintf(args, sizeof(args), "--script /script.trace");
	}
	n += snprintf(args + n, sizeof(args) - (size_t)n, " --seed %llu",
		      (unsigned long long)o->seed);
	if (o->extra_flags)
		snprintf(args + n, sizeof(args) - (size_t)n, " %s", o->extra_flags);
	snprintf(init, sizeof(init), init_fmt, flavours[fl].kvm,
		 flavours[fl].kvm_amd, args);
	cpio_entry(&c, "init", 0100755, init, strlen(init));
	cpio_entry(&c, "TRAILER!!!", 0, NULL, 0);
	if (c.bad || fclose(c.f)) {
		snprintf(err, errlen, "write %s failed", path);
		return 1;
	}
	return 0;
fail:
	fclose(c.f);
	return 1;
}

/* Lines "msim-qemu: begin" .. "msim-qemu: end" of the serial log, CRs
 * dropped, to out (atomically); the status lines go to stderr. */
static int extract(const char *serial, const char *out, char *err, size_t errlen)
{
	FILE *f = fopen(serial, "r"), *o = NULL;
	char line[65536], tmp[4200];
	int state = 0, rc = -1, guest_rc = -1;

	if (!f) {
		snprintf(err, errlen, "QEMU produced no serial output (%s)", serial);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		char *cr;
		while ((cr = strchr(line, '\r')))
			memmove(cr, cr + 1, strlen(cr));
		if (state == 1) {
			if (!strcmp(line, "msim-qemu: end\n")) {
				state = 2;
				continue;
			}
			fputs(line, o);
			continue;
		}
		if (!strncmp(line, "msim-qemu: rc=", 14))
			guest_rc = atoi(line + 14);
		if (!strcmp(line, "msim-qemu: begin\n")) {
			if (!(o = fopen(tmp, "w"))) {
				snprintf(err, errlen, "cannot write %s: %s", tmp,
					 strerror(errno));
				goto out;
			}
			state = 1;
			continue;
		}
		if (!strncmp(line, "msim-qemu: ", 11))
			fprintf(stderr, "  guest: %s", line + 11);
	}
	if (state != 2) {
		if (guest_rc > 0)
			snprintf(err, errlen, "the recorder failed inside the guest "
				 "(exit %d; its message is above)", guest_rc);
		else
			snprintf(err, errlen, "the guest sent no complete recording "
				 "(serial log %s)", serial);
		goto out;
	}
	if (fclose(o)) {
		o = NULL;
		snprintf(err, errlen, "write %s failed", tmp);
		goto out;
	}
	o = NULL;
	if (rename(tmp, out) < 0) {
		snprintf(err, errlen, "rename to %s: %s", out, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (o)
		fclose(o);
	if (rc)
		unlink(tmp);
	fclose(f);
	return rc ? 1 : 0;
}

int msim_record_qemu(const struct msim_qemu_opts *o)
{
	char cache[4096], kroot[4096], bbroot[4096], vmlinuz[4096];
	char work[] = "/tmp/mmu-sim-qemu-XXXXXX";
	char initrd[4200], serial[4200], console[4200], chardev[4400];
	char err[1024] = "";
	const char *pkg = o->kernel, *home = getenv("HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	unsigned fl;
	int rc = 1;

	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if (!strcmp(o->kernel, kernels[i].alias))
			pkg = kernels[i].pkg;
	if (strncmp(pkg, "linux-image-", 12)) {
		fprintf(stderr, "mmu-sim record: --qemu %s: not a known alias (6.1, "
			"6.12) nor a Debian linux-image-* package name\n", o->kernel);
		return 2;
	}
	for (fl = 0; fl < 3 && strcmp(flavours[fl].mmu, o->mmu); fl++)
		;
	if (fl == 3) {
		fprintf(stderr, "mmu-sim record: --mmu %s: expected tdp, legacy or shadow\n",
			o->mmu);
		return 2;
	}
	const char *qemu = o->qemu ? o->qemu : "qemu-system-x86_64";
	if (!in_path(qemu)) {
		fprintf(stderr, "mmu-sim record: --qemu needs %s (Debian: apt-get install "
			"qemu-system-x86)\n", qemu);
		return 1;
	}
	if (!in_path("apt-get") || !in_path("dpkg-deb")) {
		fprintf(stderr, "mmu-sim record: --qemu fetches Debian packages and needs "
			"apt-get and dpkg-deb\n");
		return 1;
	}
	if (o->cache)
		snprintf(cache, sizeof(cache), "%s", o->cache);
	else if (xdg && *xdg)
		snprintf(cache, sizeof(cache), "%s/mmu-sim/qemu", xdg);
	else
		snprintf(cache, sizeof(cache), "%s/.cache/mmu-sim/qemu",
			 home && *home ? home : "/tmp");
	if (fetch_pkg(cache, pkg, kroot, sizeof(kroot), err, sizeof(err)) ||
	    fetch_pkg(cache, "busybox-static", bbroot, sizeof(bbroot), err,
		      sizeof(err)))
		goto fail;
	if (find_vmlinuz(kroot, vmlinuz, sizeof(vmlinuz))) {
		snprintf(err, sizeof(err), "%s has no boot/vmlinuz-*", pkg);
		goto fail;
	}
	if (!mkdtemp(work)) {
		snprintf(err, sizeof(err), "mkdtemp: %s", strerror(errno));
		goto fail;
	}
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio", work);
	snprintf(serial, sizeof(serial), "%s/ttyS1.log", work);
	snprintf(console, sizeof(console), "%s/console.log", work);
	progress("building the initramfs");
	if (build_initramfs(initrd, kroot, bbroot, o, fl, err, sizeof(err)))
		goto clean;
	snprintf(chardev, sizeof(chardev), "file,id=rec,path=%s", serial);
	char append[] = "console=ttyS0 quiet panic=-1";
	char *argv[] = { (char *)qemu, "-accel", "tcg", "-cpu", "max", "-m", "1024",
			 "-smp", "1", "-kernel", vmlinuz, "-initrd", initrd,
			 "-append", append, "-display", "none", "-serial",
			 "file:/dev/null", "-chardev", chardev, "-device",
			 "isa-serial,chardev=rec", "-no-reboot", "-monitor", "none",
			 NULL };
	char cons[4300];
	snprintf(cons, sizeof(cons), "file:%s", console);
	argv[18] = cons;
	progress("booting the kernel under QEMU TCG and recording");
	int q = run(argv, NULL, NULL, o->timeout_s);
	progress_done();
	if (q == 124) {
		snprintf(err, sizeof(err), "QEMU did not finish in %u s (console log "
			 "kept in %s)", o->timeout_s, console);
		goto keep;
	}
	if (q) {
		snprintf(err, sizeof(err), "QEMU exited with %d (console log kept in %s)",
			 q, console);
		goto keep;
	}
	if (extract(serial, o->out, err, sizeof(err)))
		goto keep;
	fprintf(stderr, "mmu-sim record --qemu: %s, mmu=%s -> %s\n", pkg, o->mmu,
		o->out);
	rc = 0;
	goto clean;
keep:
	fprintf(stderr, "mmu-sim record: %s\n", err);
	fprintf(stderr, "mmu-sim record: work files kept in %s\n", work);
	return 1;
clean:
	unlink(initrd);
	unlink(serial);
	unlink(console);
	rmdir(work);
	if (!rc)
		return 0;
fail:
	progress_done();
	fprintf(stderr, "mmu-sim record: %s\n", err);
	return 1;
}
