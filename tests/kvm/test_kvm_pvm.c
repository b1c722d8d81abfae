/*
 * The "6.18-pvm" preset against recordings of the real KVM it describes
 * (traces/kvm/NAME.trace, recorded on the kvm_pvm host (kernel 6.18): shadow MMU, PVM, ring-0
 * code emulated). Every input event is replayed into the model; what the
 * model reports (root / sp / zap / sync / unsync) must equal the recorded
 * expect lines of that event, harness pages excluded (README: the
 * importer drops them). Walk/A-D/#PF lines are the machine's, not checked.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "kvm_replay_util.h"
#include "kvm_test.h"
#include "mmu_sim/trace.h"

#define MAXOBS 64

struct obs {
	unsigned kind, how;
	uint64_t gfn;
	uint32_t role;
	bool any_role; /* recorded without a role (e.g. `root cached`) */
};

static struct obs got[MAXOBS], want[MAXOBS];
static unsigned ngot, nwant;
static uint64_t harness[16];
static unsigned nharness;

static bool is_harness(uint64_t gfn)
{
	for (unsigned i = 0; i < nharness; i++)
		if (harness[i] == gfn)
			return true;
	return false;
}

static void observe(void *ctx, unsigned vcpu, const msim_kvm_obs *o)
{
	(void)ctx;
	(void)vcpu;
	if (o->kind == MSIM_EXP_FLUSH || is_harness(o->gfn) || ngot == MAXOBS)
		return;
	got[ngot++] = (struct obs){ o->kind, o->how, o->gfn, o->role, false };
}

static const char *str(const struct obs *o, char *buf)
{
	static const char *const k[] = { [MSIM_EXP_ROOT] = "root",
		[MSIM_EXP_SP] = "sp", [MSIM_EXP_ZAP] = "zap",
		[MSIM_EXP_SYNC] = "sync", [MSIM_EXP_UNSYNC] = "unsync" };

	sprintf(buf, "%s/%u gfn=%#llx role=%#x", k[o->kind], o->how,
		(unsigned long long)o->gfn, o->role);
	return buf;
}

/* compare the model's and the recording's lists for one input event */
static unsigned check(uint64_t line)
{
	unsigned bad = 0;
	char a[96], b[96];

	for (unsigned i = 0; i < ngot || i < nwant; i++) {
		if (i < ngot && i < nwant && got[i].kind == want[i].kind &&
		    got[i].how == want[i].how && got[i].gfn == want[i].gfn &&
		    (want[i].any_role || got[i].role == want[i].role))
			continue;
		bad++;
		cr_log_error("line %llu: model %s, recorded %s",
			     (unsigned long long)line,
			     i < ngot ? str(&got[i], a) : "-",
			     i < nwant ? str(&want[i], b) : "-");
	}
	ngot = nwant = 0;
	return bad;
}

static unsigned replay(const char *name, const char *policy, unsigned *nexp)
{
	char path[512];
	msim_trace_reader *r;
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_kvm_env env = { NULL, NULL, observe };
	msim_gmem *mem;
	msim_kvm *kvm;
	msim_event ev;
	const char *comment;
	uint64_t line = 0;
	unsigned bad = 0;

	snprintf(path, sizeof(path), "%s/traces/kvm/%s.trace", MSIM_SOURCE_DIR,
		 name);
	cr_assert_eq(msim_trace_open(&r, path), 0, "%s", msim_last_error());
	cr_assert_eq(msim_kvm_opts_parse(&o, policy), 0);
	cr_assert_eq(msim_gmem_create(&mem, NULL), 0);
	cr_assert_eq(msim_kvm_create(&kvm, &o, 1, NULL, NULL, mem, &env), 0);
	ngot = nwant = nharness = 0;
	*nexp = 0;
	while (msim_trace_next_comment(r, &ev, &comment) == 0) {
		if (comment) {
			const char *p = strstr(comment, "harness-gfns");

			for (p = p ? p + 12 : NULL; p && *p && nharness < 16;) {
				char *end;
				unsigned long long g = strtoull(p, &end, 0);

				if (end == p)
					break;
				harness[nharness++] = g;
				p = end;
			}
			continue;
		}
		if (ev.type == MSIM_EV_EXPECT) {
			unsigned k = (unsigned)ev.arg[0];

			if (k == MSIM_EXP_ROOT || k == MSIM_EXP_SP)
				want[nwant++] = (struct obs){
					k, (unsigned)ev.arg[1], ev.arg[2],
					(uint32_t)ev.arg[3],
					!((ev.present >> 3) & 1) };
			else if (k == MSIM_EXP_ZAP || k == MSIM_EXP_SYNC ||
				 k == MSIM_EXP_UNSYNC)
				want[nwant++] = (struct obs){
					k, 0, ev.arg[1], (uint32_t)ev.arg[2],
					!((ev.present >> 2) & 1) };
			if (k >= MSIM_EXP_ROOT && k != MSIM_EXP_FLUSH)
				(*nexp)++;
			continue;
		}
		bad += check(line);
		line = ev.line;
		if (ev.type == MSIM_EV_ACCESS) {
			unsigned acc = (unsigned)ev.arg[0] |
				       (ev.arg[2] == 3 ? MSIM_WACC_USER : 0);
			msim_kvm_access_res res;

			/* the machine's order: pending entry work, then access */
			msim_kvm_pre_access(msim_kvm_vcpu_get(kvm, 0), acc);
			cr_assert_eq(msim_kvm_access(msim_kvm_vcpu_get(kvm, 0),
						     ev.arg[1], acc, NULL, &res), 0);
		} else {
			cr_assert_eq(kvm_replay_event(kvm, mem, &ev), 0);
		}
	}
	bad += check(line);
	msim_trace_close(r);
	msim_kvm_free(kvm);
	msim_gmem_free(mem);
	return bad;
}

#define RECORDED(name, nmin)                                                   \
	Test(kvm_pvm, recorded_##name)                                         \
	{                                                                      \
		unsigned n, bad = replay(#name, "preset=6.18-pvm", &n);        \
                                                                               \
		cr_assert_geq(n, nmin);                                        \
		cr_assert_eq(bad, 0, "%u divergences from the recording", bad); \
	}

RECORDED(wp, 15)
RECORDED(cr3rr, 38)
RECORDED(cr4efer, 20)
RECORDED(pte, 4)
RECORDED(ptwrite, 9)
RECORDED(random, 10)

/* PVM: ring-0 accesses are emulated, build no shadow pages */
Test(kvm_pvm, cpl0_access_emulated)
{
	struct kt *t = kt_new("preset=6.18-pvm", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_access_res r;

	msim_gmem_write(t->mem, 0x10000, 8, 0x20007);
	msim_gmem_write(t->mem, 0x20000, 8, 0x30007);
	msim_gmem_write(t->mem, 0x30010, 8, 0x40007);
	msim_gmem_write(t->mem, 0x40000, 8, 0x50007);
	kt_long(v, 0x10000);
	cr_assert(msim_kvm_access_emulated(v, 0));
	cr_assert_not(msim_kvm_access_emulated(v, MSIM_WACC_USER));
	cr_assert_eq(msim_kvm_access(v, 0x400000, 0, NULL, &r), 0);
	cr_assert(r.emulated);
	cr_assert_eq(kc(t, "kvm.sp.created"), 1); /* the root only */
	cr_assert_eq(msim_kvm_access(v, 0x400000, MSIM_WACC_USER, NULL, &r), 0);
	cr_assert_not(r.emulated);
	cr_assert_eq(kc(t, "kvm.sp.created"), 4);
	kt_free(t);
}
