/*
 * `mmu-sim record`: run input events in a real KVM guest and record what
 * KVM did, as one ftrace text file: markers "msim: <native line>" carry
 * the inputs and the guest's reported outcome, kvm/kvmmmu events carry
 * KVM's reactions, in order. `mmu-sim import` turns it into a native
 * trace with expect lines.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "mmu_sim/trace.h"
#include "vmm.h"
#include "vmm_scen.h"
#include "qemu.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmu-sim record [--scenario NAME | --script FILE] -o OUT\n"
		"                      [--seed N] [--buffer-kb N] [--cpuid-no-smep-smap]\n"
		"                      [--list]\n"
		"       mmu-sim record --qemu KERNEL [--mmu tdp|legacy|shadow]\n"
		"                      [--scenario NAME | --script FILE] -o OUT\n"
		"                      [--qemu-binary PATH] [--timeout SECONDS]\n"
		"\n"
		"--qemu works on any machine, /dev/kvm or not: it fetches (once, cached\n"
		"in $XDG_CACHE_HOME/mmu-sim/qemu or ~/.cache/mmu-sim/qemu) the Debian\n"
		"kernel package KERNEL (aliases 6.1 and 6.12, or a linux-image-* name)\n"
		"and busybox-static with apt-get, boots it under QEMU TCG (-cpu max: an\n"
		"AMD CPU with SVM and nested paging), loads kvm/kvm-amd for the chosen\n"
		"MMU (tdp: tdp_mmu=Y npt=1; legacy: tdp_mmu=N npt=1; shadow: npt=0),\n"
		"runs this recorder there and writes the same ftrace text as a host\n"
		"recording. Needs qemu-system-x86 and a statically linked mmu-sim.\n"
		"TCG has no VMX: EPT, VPID and nested VMX cannot be recorded this way.\n"
		"Example: mmu-sim record --qemu 6.1 --mmu tdp --scenario wp -o wp.ftrace\n"
		"\n"
		"Runs a 64-bit KVM guest (needs root, /dev/kvm and tracefs) that\n"
		"executes the input events of a built-in scenario or of a native\n"
		"trace (--script: cr0/cr3/cr4/efer/wrmem/access cpl=0|3/invlpg/invpcid/\n"
		"mark; expect lines are skipped) and writes the ftrace text of the run\n"
		"to "
		"OUT: markers \"msim: <event>\" for the inputs and the guest-reported\n"
		"outcomes (expect ok/pf/gp), kvm and kvmmmu events for KVM's reactions.\n"
		"Fails (exit 1) if any trace event was lost.\n"
		"--cpuid-no-smep-smap hides SMEP/SMAP from the guest CPUID.\n"
		"Convert with: mmu-sim import OUT -o OUT.trace\n"
		"\n"
		"The guest harness owns gpa 0..0x3fffff and PML4 slot 511; scenario\n"
		"memory starts at gpa 0x400000. Before a CR3 load the VMM inserts a\n"
		"`wrmem` of PML4[511] if the new PML4 lacks the harness entry.\n"
		"\n"
		"Scenarios:\n");
	for (const msim_vmm_scenario *s = msim_vmm_scenarios; s->name; s++)
		fprintf(f, "  %-9s %s\n", s->name, s->help);
}

static int mark_event(msim_tracefs *t, const msim_event *ev)
{
	char line[512];
	if (msim_event_format(ev, line, sizeof(line)) < 0)
		return -1;
	return msim_tracefs_mark(t, line);
}

static int mark_expect(msim_tracefs *t, unsigned kind, uint64_t a1,
		       uint64_t a2, unsigned nargs)
{
	msim_event ev = { .type = MSIM_EV_EXPECT };
	ev.arg[0] = kind;
	ev.arg[1] = a1;
	ev.arg[2] = a2;
	ev.present = (uint16_t)((1u << (nargs + 1)) - 1);
	return mark_event(t, &ev);
}

typedef struct rec {
	msim_vmm *vm;
	msim_tracefs *tf;
	uint64_t cr3;
	char err[512];
} rec;

static uint64_t rd64(const uint8_t *mem, uint64_t gpa)
{
	uint64_t v = 0;
	if (gpa + 8 <= MSIM_VMM_MEM_SIZE)
		memcpy(&v, mem + (gpa & ~7ull), 8);
	return v;
}

/* Execute one input event in the guest and mark its outcome. */
static int exec_event(rec *r, const msim_event *ev)
{
	uint8_t *mem = msim_vmm_mem(r->vm);
	msim_vmm_result res;

	if (ev->type == MSIM_EV_CR3) {
		uint64_t pml4 = ev->arg[0] & 0x000ffffffffff000ull;
		if (pml4 + 4096 > MSIM_VMM_MEM_SIZE) {
			snprintf(r->err, sizeof(r->err), "cr3 0x%llx outside guest memory",
				 (unsigned long long)ev->arg[0]);
			return -1;
		}
		/* ignore A/D: the guest's walks set A in the entry */
		if ((rd64(mem, pml4 + 511 * 8) & ~0x60ull) != MSIM_VMM_PML4E) {
			msim_event w = { .type = MSIM_EV_WRMEM, .present = 3, .arg[2] = 8 };
			w.arg[0] = pml4 + 511 * 8;
			w.arg[1] = MSIM_VMM_PML4E;
			msim_tracefs_mark(r->tf, "# harness entry for the new address space");
			if (exec_event(r, &w))
				return -1;
		}
	}
	if (ev->type == MSIM_EV_WRMEM && ev->arg[0] < MSIM_VMM_SCEN_BASE) {
		/* a recording's harness setup lines: already in place */
		if (((rd64(mem, ev->arg[0]) ^ ev->arg[1]) & ~0x60ull) == 0)
			return 0;
		snprintf(r->err, sizeof(r->err), "wrmem 0x%llx: gpa below 0x%x belongs to the harness",
			 (unsigned long long)ev->arg[0], MSIM_VMM_SCEN_BASE);
		return -1;
	}
	uint64_t store = 0, gpa;
	if (ev->type == MSIM_EV_ACCESS &&
	    !msim_vmm_translate(mem, r->cr3, ev->arg[1], &gpa))
		store = rd64(mem, gpa);
	if (msim_vmm_encode_action(mem, ev, store, r->err, sizeof(r->err)))
		return -1;
	if (mark_event(r->tf, ev)) {
		snprintf(r->err, sizeof(r->err), "trace_marker write: %s", strerror(errno));
		return -1;
	}
	if (msim_vmm_run(r->vm, &res, r->err, sizeof(r->err)))
		return -1;

	int done = res.status == 0 || msim_vmm_ring3_done(&res);
	if (done && ev->type == MSIM_EV_CR3)
		r->cr3 = ev->arg[0];
	if (ev->type == MSIM_EV_ACCESS && done) {
		if (msim_vmm_translate(mem, r->cr3, ev->arg[1], &gpa))
			return msim_tracefs_mark(r->tf, "# access completed but the host walk fails");
		return mark_expect(r->tf, MSIM_EXP_OK, ev->arg[1], gpa, 2);
	}
	if (done)
		return 0;
	if (res.status == 0x10e)
		return mark_expect(r->tf, MSIM_EXP_PF, res.cr2, res.ec & 0xffffffff, 2);
	if (res.status == 0x10d && res.ec == 0)
		return mark_expect(r->tf, MSIM_EXP_GP, 0, 0, 0);
	char c[160];
	snprintf(c, sizeof(c), "# guest exception vector %llu ec 0x%llx rip 0x%llx",
		 (unsigned long long)(res.status & 0xff), (unsigned long long)res.ec,
		 (unsigned long long)res.rip);
	return msim_tracefs_mark(r->tf, c);
}

/* The setup block: what the harness looks like before the first input. */
static int mark_setup(rec *r, const char *what)
{
	char c[256];
	const uint8_t *mem = msim_vmm_mem(r->vm);
	snprintf(c, sizeof(c), "# mmu-sim record %s: harness at gpa 0..0x3fffff, PML4[511]", what);
	msim_tracefs_mark(r->tf, c);
	/* Shadow pages of these gfns serve the harness, not the scenario:
	 * its page tables and its two 2M pages (direct pages at gfn 0, 0x200). */
	snprintf(c, sizeof(c), "# harness-gfns 0x%x 0x%x 0x%x 0x%x 0x0 0x%x",
		 MSIM_VMM_PDPT_H >> 12, MSIM_VMM_PD_U >> 12,
		 MSIM_VMM_BOOT_PML4 >> 12, MSIM_VMM_PD_K >> 12,
		 MSIM_VMM_USER_GPA >> 12);
	msim_tracefs_mark(r->tf, c);
	static const uint64_t tables[] = { MSIM_VMM_BOOT_PML4 + 511 * 8,
					   MSIM_VMM_PDPT_H, MSIM_VMM_PDPT_H + 8,
					   MSIM_VMM_PD_U };
	msim_event w = { .type = MSIM_EV_WRMEM, .present = 3, .arg[2] = 8 };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		w.arg[0] = tables[i];
		w.arg[1] = rd64(mem, tables[i]);
		if (mark_event(r->tf, &w))
			return -1;
	}
	for (uint64_t i = 0; i < MSIM_VMM_MEM_SIZE >> 21; i++) {
		w.arg[0] = MSIM_VMM_PD_K + 8 * i;
		w.arg[1] = rd64(mem, w.arg[0]);
		if (mark_event(r->tf, &w))
			return -1;
	}
	msim_event sr = { .type = MSIM_EV_SREGS, .present = 0xf };
	msim_vmm_boot_regs(&sr.arg[0], &sr.arg[1], &sr.arg[2], &sr.arg[3]);
	r->cr3 = sr.arg[1];
	return mark_event(r->tf, &sr);
}

static int load_script(msim_vmm_script *s, const char *path, char *err,
		       size_t errlen)
{
	msim_trace_reader *rd;
	if (msim_trace_open(&rd, path) < 0) {
		snprintf(err, errlen, "%s", msim_last_error());
		return 2;
	}
	msim_event ev;
	int ret;
	while ((ret = msim_trace_next(rd, &ev)) == 0) {
		switch (ev.type) {
		case MSIM_EV_SREGS: {
			/* a recording's own setup line: only the boot state */
			uint64_t b[4];
			msim_vmm_boot_regs(&b[0], &b[1], &b[2], &b[3]);
			if (memcmp(b, ev.arg, sizeof(b))) {
				snprintf(err, errlen, "%s:%llu: sregs other than the harness boot state "
					 "(cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx) cannot be recorded",
					 path, (unsigned long long)ev.line, (unsigned long long)b[0],
					 (unsigned long long)b[1], (unsigned long long)b[2],
					 (unsigned long long)b[3]);
				msim_trace_close(rd);
				return 2;
			}
			continue;
		}
		case MSIM_EV_EXPECT: /* outcomes are what we record */
		case MSIM_EV_UNTRACKED: /* validation metadata */
		case MSIM_EV_MACHINE:
		case MSIM_EV_VCPU:
			if (ev.type == MSIM_EV_VCPU && ev.arg[0] != 0) {
				snprintf(err, errlen, "%s:%llu: record runs one vCPU",
					 path, (unsigned long long)ev.line);
				msim_trace_close(rd);
				return 2;
			}
			continue;
		case MSIM_EV_CR0: case MSIM_EV_CR3: case MSIM_EV_CR4:
		case MSIM_EV_EFER: case MSIM_EV_WRMEM: case MSIM_EV_ACCESS:
		case MSIM_EV_INVLPG: case MSIM_EV_MARK: case MSIM_EV_INVPCID:
			msim_vmm_script_add(s, &ev);
			continue;
		default: {
			const msim_event_spec *sp = msim_event_spec_get(ev.type);
			snprintf(err, errlen, "%s:%llu: '%s' cannot be executed by the recording guest",
				 path, (unsigned long long)ev.line, sp ? sp->name : "?");
			msim_trace_close(rd);
			return 2;
		}
		}
	}
	msim_trace_close(rd);
	if (ret != MSIM_EEOF) {
		snprintf(err, errlen, "%s", msim_last_error());
		return 2;
	}
	return 0;
}

int msim_cli_record(int argc, char **argv)
{
	const char *scen = NULL, *script = NULL, *out = NULL;
	const char *qkernel = NULL, *qmmu = "tdp", *qbin = NULL;
	unsigned qtimeout = 300;
	uint64_t seed = 1;
	unsigned buf_kb = 65536, flags = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--list")) {
			for (const msim_vmm_scenario *s = msim_vmm_scenarios; s->name; s++)
				printf("%s\n", s->name);
			return 0;
		} else if (!strcmp(a, "--cpuid-no-smep-smap")) {
			flags |= MSIM_VMM_CPUID_NO_SMEP_SMAP;
		} else if (v && !strcmp(a, "--scenario")) {
			scen = v, i++;
		} else if (v && !strcmp(a, "--script")) {
			script = v, i++;
		} else if (v && !strcmp(a, "--qemu")) {
			qkernel = v, i++;
		} else if (v && !strcmp(a, "--mmu")) {
			qmmu = v, i++;
		} else if (v && !strcmp(a, "--qemu-binary")) {
			qbin = v, i++;
		} else if (v && !strcmp(a, "--timeout")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*end || !*v || *v == '-' || n < 10 || n > 86400) {
				fprintf(stderr, "mmu-sim record: --timeout '%s': seconds, 10..86400\n", v);
				return 2;
			}
			qtimeout = (unsigned)n;
			i++;
		} else if (v && !strcmp(a, "-o")) {
			out = v, i++;
		} else if (v && !strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			seed = strtoull(v, &end, 0);
			if (errno || *end || !*v) {
				fprintf(stderr, "mmu-sim record: bad --seed '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--buffer-kb")) {
			char *end;
			unsigned long n = strtoul(v, &end, 0);
			if (*end || n < 64 || n > (1ul << 22)) {
				fprintf(stderr, "mmu-sim record: bad --buffer-kb '%s' (64..4194304)\n", v);
				return 2;
			}
			buf_kb = (unsigned)n;
			i++;
		} else {
			fprintf(stderr, "mmu-sim record: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!out || (!scen == !script)) {
		fprintf(stderr, "mmu-sim record: need -o OUT and exactly one of --scenario/--script\n");
		return 2;
	}
	if (qkernel) {
		struct msim_qemu_opts q = {
			.kernel = qkernel, .mmu = qmmu, .scenario = scen,
			.script = script, .out = out, .qemu = qbin, .seed = seed,
			.timeout_s = qtimeout,
			.extra_flags = (flags & MSIM_VMM_CPUID_NO_SMEP_SMAP) ?
				       "--cpuid-no-smep-smap" : NULL,
		};
		if (scen) {
			const msim_vmm_scenario *sc = msim_vmm_scenarios;
			while (sc->name && strcmp(sc->name, scen))
				sc++;
			if (!sc->name) {
				fprintf(stderr, "mmu-sim record: unknown scenario '%s' (see --list)\n", scen);
				return 2;
			}
		}
		return msim_record_qemu(&q);
	}

	msim_vmm_script s = { 0 };
	char err[512] = "";
	if (script) {
		int rc = load_script(&s, script, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "mmu-sim record: %s\n", err);
			msim_vmm_script_free(&s);
			return rc;
		}
	} else {
		const msim_vmm_scenario *sc = msim_vmm_scenarios;
		while (sc->name && strcmp(sc->name, scen))
			sc++;
		if (!sc->name) {
			fprintf(stderr, "mmu-sim record: unknown scenario '%s' (see --list)\n", scen);
			return 2;
		}
		sc->build(&s, seed);
	}
	if (s.oom) {
		fprintf(stderr, "mmu-sim record: out of memory\n");
		msim_vmm_script_free(&s);
		return 1;
	}

	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "mmu-sim record: /dev/kvm not usable (%s); recording needs KVM and root\n",
			strerror(errno));
		msim_vmm_script_free(&s);
		return 1;
	}
	/* One CPU: every event lands in one per-CPU buffer, in order. */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpus);
	(void)sched_setaffinity(0, sizeof(cpus), &cpus);

	rec r = { 0 };
	int rc = 1;
	char name[64];
	snprintf(name, sizeof(name), "mmu-sim-record-%d", (int)getpid());
	if (msim_vmm_create(&r.vm, flags, r.err, sizeof(r.err)))
		goto out;
	if (msim_tracefs_open(&r.tf, name, buf_kb, (int)getpid(), r.err, sizeof(r.err)))
		goto out;
	char what[160];
	snprintf(what, sizeof(what), "%s%s seed=%llu%s", script ? "--script " : "scenario ",
		 script ? script : scen, (unsigned long long)seed,
		 (flags & MSIM_VMM_CPUID_NO_SMEP_SMAP) ? " cpuid-no-smep-smap" : "");
	msim_vmm_result res;
	if (mark_setup(&r, what) || msim_vmm_run(r.vm, &res, r.err, sizeof(r.err)))
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		if (s.step[i].comment[0]) {
			char c[128];
			snprintf(c, sizeof(c), "# %s", s.step[i].comment);
			msim_tracefs_mark(r.tf, c);
			continue;
		}
		if (exec_event(&r, &s.step[i].ev)) {
			char line[256] = "";
			msim_event_format(&s.step[i].ev, line, sizeof(line));
			char e2[sizeof(r.err)];
			snprintf(e2, sizeof(e2), "%s", r.err);
			snprintf(r.err, sizeof(r.err), "step %zu (%.100s): %.300s", i + 1, line, e2);
			goto out;
		}
	}
	msim_tracefs_mark(r.tf, "# end");
	if (msim_tracefs_finish(r.tf, out, r.err, sizeof(r.err)))
		goto out;
	fprintf(stderr, "mmu-sim record: %zu steps -> %s\n", s.n, out);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "mmu-sim record: %s\n", r.err);
	if (rc && r.tf) {
		/* keep what KVM did up to the failure, for diagnosis */
		char partial[4096], e[256];
		snprintf(partial, sizeof(partial), "%s.partial", out);
		if (!msim_tracefs_finish(r.tf, partial, e, sizeof(e)))
			fprintf(stderr, "mmu-sim record: partial recording in %s\n", partial);
	}
	msim_tracefs_close(r.tf);
	msim_vmm_free(r.vm);
	msim_vmm_script_free(&s);
	return rc;
}
