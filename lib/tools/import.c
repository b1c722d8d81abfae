/*
 * ftrace text -> native trace (include/mmu_sim/import.h).
 *
 * Event formats are the ones tracefs prints on Linux 6.18 (read from
 * the events/kvmmmu/EVENT/format files on the recording host): kvmmmu sp events
 * print "sp gen G gfn HEX lL N-byte qQ [direct] ACC [invalid] [!]nxe
 * [!]ad root N sync|unsync" (kvm_mmu_get_page appends new|existing) and
 * hide cr0_wp/smep/smap, so role= is only emitted from `fields` output
 * ("role=0x3704 (14084)").
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/internal.h"
#include "mmu_sim/import.h"

#define ADDR_MASK 0x000ffffffffff000ull /* entry address bits, MAXPHYADDR 52 */
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define MSR_EFER 0xc0000080u
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_PS 0x80ull
#define ROLE_DIRECT (1u << 7) /* kvm_mmu_page_role bit 7 (kvm_host.h) */
#define MAX_HARNESS 16

typedef struct walk_entry {
	uint64_t gpa, val;
	bool ad; /* A/D set by this walk, not yet emitted */
} walk_entry;

typedef struct imp {
	const char *file;
	uint64_t line;
	msim_trace_writer *w;
	msim_import_opts o;
	msim_import_stats *st;

	bool markers;          /* an msim marker was seen: inputs come from them */
	bool cr3_known;        /* CR3 before the current input is known */
	uint64_t cr0, cr3, cr4, efer;
	/* the current input block */
	unsigned in_type;
	uint64_t in_gva;
	bool cr3_pending;      /* a cr3 to a new gfn, no root event yet */
	uint64_t cr3_gfn;
	bool pf_valid;         /* last walker_error pf of this block */
	uint64_t pf_gva, pf_ec;
	/* the current walk */
	bool walk_on;
	uint64_t walk_addr, walk_table;
	unsigned walk_n;
	walk_entry walk[5];
	/* harness gfns announced by the recorder */
	unsigned n_harness;
	uint64_t harness[MAX_HARNESS];
} imp;

/* ------------------------------------------------------------ counters */

static void count(msim_import_count *tab, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(tab[i].name, name)) {
			tab[i].count++;
			return;
		}
	if (*n == MSIM_IMPORT_MAX_NAMES - 1 || *n == MSIM_IMPORT_MAX_NAMES) {
		/* last slot is the overflow bucket */
		*n = MSIM_IMPORT_MAX_NAMES;
		snprintf(tab[*n - 1].name, sizeof(tab[0].name), "(other)");
		tab[*n - 1].count++;
		return;
	}
	snprintf(tab[*n].name, sizeof(tab[0].name), "%s", name);
	tab[(*n)++].count = 1;
}

static void used(imp *m, const char *name)
{
	count(m->st->used, &m->st->n_used, name);
}

static void ignored(imp *m, const char *name)
{
	count(m->st->ignored, &m->st->n_ignored, name);
}

uint64_t msim_import_count_of(const msim_import_count *tab, size_t n,
			      const char *name)
{
	if (!tab || !name)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name))
			return tab[i].count;
	return 0;
}

/* -------------------------------------------------------------- output */

static int emit(imp *m, const msim_event *ev)
{
	int ret = msim_trace_write(m->w, ev);
	if (ret < 0)
		return ret;
	if (ev->type == MSIM_EV_EXPECT)
		m->st->expects[ev->arg[0]]++;
	else
		m->st->inputs++;
	return 0;
}

static int expect(imp *m, unsigned kind, unsigned nargs, uint64_t a1,
		  uint64_t a2, uint64_t a3)
{
	msim_event ev = { .type = MSIM_EV_EXPECT, .line = m->line };
	ev.arg[0] = kind;
	ev.arg[1] = a1;
	ev.arg[2] = a2;
	ev.arg[3] = a3;
	ev.present = (uint16_t)((1u << (nargs + 1)) - 1);
	return emit(m, &ev);
}

static int comment(imp *m, const char *text)
{
	int ret = msim_trace_write_comment(m->w, text);
	if (ret == 0)
		m->st->comments++;
	return ret;
}

/* ------------------------------------------------------- value parsing */

/* Number after "key=" (fields output: "0x1f (31)" or "(31)") or after
 * "key " (default output, given base). Keys match at token starts. */
static bool find_key(const char *s, const char *key, char sep, const char **val)
{
	size_t kl = strlen(key);
	for (const char *p = s; (p = strstr(p, key)); p++) {
		if ((p == s || p[-1] == ' ') && p[kl] == sep) {
			*val = p + kl + 1;
			return true;
		}
	}
	return false;
}

/*
 * Why the last number failed ("" if none): set by numtok, reported by
 * bad() instead of its generic text, cleared per line.
 */
static _Thread_local char num_why[160];

/*
 * The one checked number routine of the importer: digits in `base` (0 =
 * C prefixes) up to a delimiter (end, space, ',', ')'); rejects signs,
 * empty digits ("0x"), trailing garbage ("0x8005zz33") and overflow.
 */
static bool numtok(const char *key, const char *p, int base, uint64_t *v,
		   const char **endp)
{
	const char *q = p;
	int b = base;
	uint64_t x = 0;

	if (b == 0) {
		b = 10;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			b = 16, q += 2;
	} else if (b == 16 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		q += 2;
	}
	const char *d0 = q;
	for (;; q++) {
		int c = (unsigned char)*q, dv;
		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			dv = c - 'A' + 10;
		else
			break;
		if (dv >= b)
			break;
		if (x > (UINT64_MAX - (uint64_t)dv) / (uint64_t)b) {
			size_t n = strcspn(p, " \t,)\n");
			snprintf(num_why, sizeof(num_why), "%s: number '%.*s' out of range",
				 key, (int)(n > 40 ? 40 : n), p);
			return false;
		}
		x = x * (uint64_t)b + (uint64_t)dv;
	}
	if (q == d0) {
		size_t n = strcspn(p, " \t,)\n");
		snprintf(num_why, sizeof(num_why), "%s: expected a number, got '%.*s'", key,
			 (int)(n > 40 ? 40 : n), p);
		return false;
	}
	if (*q && *q != ' ' && *q != '\t' && *q != ',' && *q != ')' && *q != '\n') {
		size_t n = strcspn(q, " \t,)\n");
		snprintf(num_why, sizeof(num_why), "%s: trailing garbage '%.*s' after number",
			 key, (int)(n > 40 ? 40 : n), q);
		return false;
	}
	*v = x;
	if (endp)
		*endp = q;
	return true;
}

static bool num(const char *key, const char *p, int base, uint64_t *v)
{
	if (*p == '(')
		p++, base = 10;
	return numtok(key, p, base, v, NULL);
}

/* fields: key=VALUE; default: "key VALUE" in `base`. */
static bool getv(const char *s, bool fields, const char *key, int base,
		 uint64_t *v)
{
	const char *p;
	if (!find_key(s, key, fields ? '=' : ' ', &p))
		return false;
	return num(key, p, fields ? 0 : base, v);
}

static int bad(imp *m, const char *what)
{
	if (num_why[0]) /* "kvm_cr: val: trailing garbage ..." */
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": %.*s: %s", m->file, m->line,
				(int)strspn(what, "abcdefghijklmnopqrstuvwxyz_"), what, num_why);
	return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": %s", m->file, m->line, what);
}

/* An sp event: gfn, role word (partial in default output), created. */
typedef struct sp_info {
	uint64_t gfn;
	uint32_t role;
	bool role_full, created;
} sp_info;

static int parse_sp(imp *m, const char *s, bool fields, sp_info *sp)
{
	uint64_t v;
	memset(sp, 0, sizeof(*sp));
	if (fields) {
		if (!getv(s, true, "gfn", 0, &sp->gfn) ||
		    !getv(s, true, "role", 0, &v))
			return bad(m, "kvmmmu sp event without gfn=/role=");
		sp->role = (uint32_t)v;
		sp->role_full = true;
		sp->created = getv(s, true, "created", 0, &v) && v;
		return 0;
	}
	/* Default print: rebuild the bits it shows (kvm_host.h layout). */
	unsigned level, bytes, quad;
	const char *p;
	if (!getv(s, false, "gfn", 16, &sp->gfn) || !find_key(s, "gfn", ' ', &p))
		return bad(m, "kvmmmu sp event without 'gfn'");
	p = strchr(p, ' ');
	if (!p || sscanf(p, " l%u %u-byte q%u", &level, &bytes, &quad) != 3)
		return bad(m, "kvmmmu sp event: expected 'lN N-byte qN' after gfn");
	sp->role = level | (bytes == 4 ? 1u << 4 : 0) | quad << 5;
	if (strstr(s, " direct "))
		sp->role |= ROLE_DIRECT;
	static const char *const acc[] = { "---", "--x", "w--", "w-x",
					   "-u-", "-ux", "wu-", "wux" };
	for (unsigned a = 0; a < 8; a++) {
		char t[8];
		snprintf(t, sizeof(t), " %s ", acc[a]);
		if (strstr(s, t))
			sp->role |= a << 8;
	}
	if (strstr(s, " invalid "))
		sp->role |= 1u << 11;
	if (!strstr(s, "!nxe"))
		sp->role |= 1u << 12;
	if (strstr(s, "!ad"))
		sp->role |= 1u << 16;
	sp->created = strstr(s, " new") != NULL;
	return 0;
}

/* ------------------------------------------------------------ state */

static unsigned root_level(const imp *m)
{
	if (m->efer & EFER_LMA)
		return (m->cr4 & CR4_LA57) ? 5 : 4;
	return (m->cr4 & CR4_PAE) ? 3 : 2; /* outside long mode: approximate */
}

static void update_lma(imp *m)
{
	if ((m->efer & EFER_LME) && (m->cr0 & CR0_PG))
		m->efer |= EFER_LMA;
	else
		m->efer &= ~EFER_LMA;
}

/* KVM traces set_accessed_bit per level and set_dirty_bit for the leaf,
 * then writes each entry once (paging_tmpl.h update_accessed_dirty_bits):
 * one `expect ad` per entry with the final value, when the walk's A/D
 * events are over. */
static int flush_ad(imp *m)
{
	for (unsigned i = 0; i < m->walk_n; i++)
		if (m->walk[i].ad) {
			m->walk[i].ad = false;
			int ret = expect(m, MSIM_EXP_AD, 2, m->walk[i].gpa, m->walk[i].val, 0);
			if (ret < 0)
				return ret;
		}
	return 0;
}

/* The previous input's block ends: emit what can only be inferred then. */
static int end_block(imp *m)
{
	int ret = flush_ad(m);
	if (ret < 0)
		return ret;
	if (m->cr3_pending && m->o.infer_cached)
		ret = expect(m, MSIM_EXP_ROOT, 2, 2 /* cached */, m->cr3_gfn, 0);
	m->cr3_pending = false;
	m->pf_valid = false;
	m->walk_on = false;
	return ret;
}

static int input(imp *m, msim_event *ev)
{
	int ret = end_block(m);
	if (ret < 0)
		return ret;
	ev->line = m->line;
	ev->vcpu = 0;
	m->in_type = ev->type;
	m->in_gva = ev->type == MSIM_EV_ACCESS ? ev->arg[1] : 0;
	switch (ev->type) {
	case MSIM_EV_SREGS:
		m->cr0 = ev->arg[0];
		m->cr3 = ev->arg[1];
		m->cr4 = ev->arg[2];
		m->efer = ev->arg[3];
		m->cr3_known = true;
		break;
	case MSIM_EV_CR0:
		m->cr0 = ev->arg[0];
		update_lma(m);
		break;
	case MSIM_EV_CR3:
		/* a lookup happens only if the root gfn changes */
		if (m->cr3_known && (ev->arg[0] & ADDR_MASK) != (m->cr3 & ADDR_MASK)) {
			m->cr3_pending = true;
			m->cr3_gfn = (ev->arg[0] & ADDR_MASK) >> 12;
		}
		m->cr3 = ev->arg[0];
		m->cr3_known = true;
		break;
	case MSIM_EV_CR4:
		m->cr4 = ev->arg[0];
		break;
	case MSIM_EV_EFER:
		m->efer = ev->arg[0];
		update_lma(m);
		break;
	default:
		break;
	}
	return emit(m, ev);
}

static bool is_harness(const imp *m, uint64_t gfn)
{
	if (m->o.keep_harness)
		return false;
	for (unsigned i = 0; i < m->n_harness; i++)
		if (m->harness[i] == gfn)
			return true;
	return false;
}

/* ------------------------------------------------------------ markers */

static int marker(imp *m, const char *ev_name, const char *text)
{
	if (text[0] == '#') {
		const char *c = text + 1;
		unsigned first = m->n_harness;
		int ret;

		if (!strncmp(c, " harness-gfns", 13)) {
			const char *p = c + 13;
			char *end;
			while (*p == ' ' && m->n_harness < MAX_HARNESS) {
				m->harness[m->n_harness++] = strtoull(p, &end, 0);
				if (end == p)
					return bad(m, "malformed harness-gfns marker");
				p = end;
			}
		}
		used(m, ev_name);
		if ((ret = comment(m, c)))
			return ret;
		/* tell validate not to expect KVM activity we dropped */
		for (unsigned i = first; !m->o.keep_harness && i < m->n_harness; i++) {
			msim_event ev = { .type = MSIM_EV_UNTRACKED, .line = m->line,
					  .present = 1 };

			ev.arg[0] = m->harness[i];
			ev.arg[1] = 1;
			if ((ret = emit(m, &ev)))
				return ret;
		}
		return 0;
	}
	msim_event ev;
	int ret = msim_event_parse(text, &ev, 0, m->file, m->line);
	if (ret < 0)
		return ret;
	if (ev.type == MSIM_EV_EXPECT) {
		/* The guest's #PF report repeats the walker's error code. */
		if (ev.arg[0] == MSIM_EXP_PF && m->pf_valid &&
		    ev.arg[1] == m->pf_gva && ev.arg[2] == m->pf_ec) {
			ignored(m, "msim pf report (dup of walker_error)");
			return 0;
		}
		used(m, ev_name);
		ev.line = m->line;
		return emit(m, &ev);
	}
	if (ev.type == MSIM_EV_VCPU || ev.type == MSIM_EV_MACHINE) {
		used(m, ev_name);
		return emit(m, &ev);
	}
	used(m, ev_name);
	return input(m, &ev);
}

/* -------------------------------------------------------- kvm events */

static int ev_sp(imp *m, const char *name, const char *s, bool fields)
{
	sp_info sp;
	int ret = parse_sp(m, s, fields, &sp);
	if (ret < 0)
		return ret;
	if (is_harness(m, sp.gfn)) {
		ignored(m, name);
		return 0;
	}
	used(m, name);
	unsigned n = sp.role_full ? 3 : 2;
	/* partial role words (default print) are used for the root test only */
	uint32_t role = sp.role_full ? sp.role : 0;
	if (!strcmp(name, "kvm_mmu_get_page")) {
		bool root = !(sp.role & ROLE_DIRECT) &&
			    (sp.role & 0xf) == root_level(m);
		if (root && m->cr3_pending && sp.gfn == m->cr3_gfn)
			m->cr3_pending = false;
		return expect(m, root ? MSIM_EXP_ROOT : MSIM_EXP_SP, n,
			      sp.created ? 0 : 1, sp.gfn, role);
	}
	unsigned kind = !strcmp(name, "kvm_mmu_prepare_zap_page") ? MSIM_EXP_ZAP :
			!strcmp(name, "kvm_mmu_sync_page") ? MSIM_EXP_SYNC :
			MSIM_EXP_UNSYNC;
	return expect(m, kind, n - 1, sp.gfn, role, 0);
}

static int ev_walk_start(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t addr;
	if (!getv(s, fields, "addr", 16, &addr))
		return bad(m, "kvm_mmu_pagetable_walk without addr");
	m->walk_on = m->o.keep_harness ||
		     (m->in_type == MSIM_EV_ACCESS && (addr >> 12) == (m->in_gva >> 12));
	if (!m->walk_on) {
		ignored(m, name);
		return 0;
	}
	m->walk_addr = addr;
	m->walk_n = 0;
	/* top-level table: CR3 (PAE: the PDPT, 32-byte aligned) */
	m->walk_table = (m->efer & EFER_LMA) ? (m->cr3 & ADDR_MASK) :
			(m->cr4 & CR4_PAE) ? (m->cr3 & 0xffffffe0ull) :
			(m->cr3 & 0xfffff000ull);
	used(m, name);
	return 0;
}

static int ev_element(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t pte, level;
	if (!getv(s, fields, "pte", 16, &pte) ||
	    !getv(s, fields, "level", 10, &level) || level < 1 || level > 5)
		return bad(m, "kvm_mmu_paging_element without pte/level 1..5");
	if (!m->walk_on || m->walk_n == 5) {
		ignored(m, name);
		return 0;
	}
	uint64_t gpa;
	bool legacy = !(m->efer & EFER_LMA) && !(m->cr4 & CR4_PAE);
	if (legacy) /* 4-byte entries, 10-bit indices */
		gpa = m->walk_table + 4 * ((m->walk_addr >> (12 + 10 * (level - 1))) & 1023);
	else if (!(m->efer & EFER_LMA) && level == 3)
		gpa = m->walk_table + 8 * ((m->walk_addr >> 30) & 3);
	else
		gpa = m->walk_table + 8 * ((m->walk_addr >> (12 + 9 * (level - 1))) & 511);
	m->walk[m->walk_n++] = (walk_entry){ gpa, pte, false };
	m->walk_table = pte & (legacy ? 0xfffff000ull : ADDR_MASK);
	(void)PTE_PS;
	used(m, name);
	return expect(m, MSIM_EXP_WALK, 3, level, gpa, pte);
}

static int ev_ad(imp *m, const char *name, const char *s, bool fields,
		 uint64_t bits)
{
	uint64_t gpa;
	if (!getv(s, fields, "gpa", 16, &gpa))
		return bad(m, "A/D event without gpa");
	if (m->walk_on)
		for (unsigned i = 0; i < m->walk_n; i++)
			if (m->walk[i].gpa == gpa) {
				m->walk[i].val |= bits;
				m->walk[i].ad = true;
				used(m, name);
				return 0;
			}
	ignored(m, name);
	return 0;
}

static int ev_walker_error(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t ec;
	if (!getv(s, fields, "pferr", 16, &ec))
		return bad(m, "kvm_mmu_walker_error without pferr");
	if (!m->walk_on) {
		ignored(m, name);
		return 0;
	}
	used(m, name);
	m->pf_valid = true;
	m->pf_gva = m->walk_addr;
	m->pf_ec = ec & 0xffffffff;
	return expect(m, MSIM_EXP_PF, 2, m->walk_addr, ec & 0xffffffff, 0);
}

/* Foreign recordings (no markers): register writes and #PF exits are the
 * inputs. With markers they repeat what the markers say. */
static int ev_cr(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t rw = 0, cr, val;
	if (fields) {
		if (!getv(s, true, "rw", 0, &rw) || !getv(s, true, "cr", 0, &cr) ||
		    !getv(s, true, "val", 0, &val))
			return bad(m, "kvm_cr without rw/cr/val");
	} else {
		char dir[8];
		int n = 0;
		const char *p;
		if (sscanf(s, "cr_%7s %n", dir, &n) != 1 || !n)
			return bad(m, "kvm_cr: expected 'cr_read|cr_write N = 0xVAL'");
		p = s + n;
		if (!numtok("cr", p, 16, &cr, &p) || strncmp(p, " = ", 3) ||
		    !numtok("val", p + 3, 16, &val, NULL))
			return bad(m, "kvm_cr: expected 'cr_read|cr_write N = 0xVAL'");
		rw = !strcmp(dir, "write");
	}
	if (m->markers || !rw || (cr != 0 && cr != 3 && cr != 4)) {
		ignored(m, name);
		return 0;
	}
	msim_event ev = { .type = cr == 0 ? MSIM_EV_CR0 : cr == 3 ? MSIM_EV_CR3 : MSIM_EV_CR4,
			  .present = 1 };
	ev.arg[0] = val;
	used(m, name);
	return input(m, &ev);
}

static int ev_msr(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t wr = 0, ecx, data;
	if (fields) {
		if (!getv(s, true, "write", 0, &wr) || !getv(s, true, "ecx", 0, &ecx) ||
		    !getv(s, true, "data", 0, &data))
			return bad(m, "kvm_msr without write/ecx/data");
	} else {
		char dir[8];
		int n = 0;
		const char *p;
		if (sscanf(s, "msr_%7s %n", dir, &n) != 1 || !n)
			return bad(m, "kvm_msr: expected 'msr_read|msr_write N = 0xVAL'");
		p = s + n;
		if (!numtok("ecx", p, 16, &ecx, &p) || strncmp(p, " = ", 3) ||
		    !numtok("data", p + 3, 16, &data, NULL))
			return bad(m, "kvm_msr: expected 'msr_read|msr_write N = 0xVAL'");
		wr = !strcmp(dir, "write");
	}
	if (m->markers || !wr || ecx != MSR_EFER || strstr(s, "#GP") ||
	    (fields && getv(s, true, "exception", 0, &wr) && wr)) {
		ignored(m, name);
		return 0;
	}
	msim_event ev = { .type = MSIM_EV_EFER, .present = 1 };
	ev.arg[0] = data;
	used(m, name);
	return input(m, &ev);
}

static int ev_page_fault(imp *m, const char *name, const char *s, bool fields)
{
	uint64_t addr, ec;
	bool ok = fields ? getv(s, true, "fault_address", 0, &addr) &&
				   getv(s, true, "error_code", 0, &ec)
			 : getv(s, false, "address", 16, &addr) &&
				   getv(s, false, "error_code", 16, &ec);
	if (!ok)
		return bad(m, "kvm_page_fault without address/error_code");
	/* Bits 32+ (PFERR_GUEST_*) mark EPT/NPT faults on gpas: no access. */
	if (m->markers || (ec >> 32)) {
		ignored(m, name);
		return 0;
	}
	msim_event ev = { .type = MSIM_EV_ACCESS, .present = 1 | 2 | 4 };
	ev.arg[0] = (ec & 0x10) ? MSIM_ACC_FETCH : (ec & 2) ? MSIM_ACC_WRITE : MSIM_ACC_READ;
	ev.arg[1] = addr;
	ev.arg[2] = (ec & 4) ? 3 : 0;
	used(m, name);
	return input(m, &ev);
}

static int kvm_event(imp *m, const char *name, const char *s)
{
	/* `fields` output: the first token is key=value */
	const char *sp = strchr(s, ' '), *eq = strchr(s, '=');
	bool fields = eq && (!sp || eq < sp);

	if (!strcmp(name, "kvm_mmu_get_page") ||
	    !strcmp(name, "kvm_mmu_prepare_zap_page") ||
	    !strcmp(name, "kvm_mmu_sync_page") ||
	    !strcmp(name, "kvm_mmu_unsync_page"))
		return ev_sp(m, name, s, fields);
	if (!strcmp(name, "kvm_mmu_pagetable_walk"))
		return ev_walk_start(m, name, s, fields);
	if (!strcmp(name, "kvm_mmu_paging_element"))
		return ev_element(m, name, s, fields);
	if (!strcmp(name, "kvm_mmu_set_accessed_bit"))
		return ev_ad(m, name, s, fields, PTE_A);
	if (!strcmp(name, "kvm_mmu_set_dirty_bit"))
		return ev_ad(m, name, s, fields, PTE_A | PTE_D);
	if (!strcmp(name, "kvm_mmu_walker_error"))
		return ev_walker_error(m, name, s, fields);
	if (!strcmp(name, "kvm_cr"))
		return ev_cr(m, name, s, fields);
	if (!strcmp(name, "kvm_msr"))
		return ev_msr(m, name, s, fields);
	if (!strcmp(name, "kvm_page_fault"))
		return ev_page_fault(m, name, s, fields);
	ignored(m, name);
	return 0;
}

/* ------------------------------------------------------------ lines */

static bool is_event_name(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return false;
	return true;
}

/* "TASK-PID [CPU] [FLAGS] SECS.USECS: EVENT: PAYLOAD" (tracefs and
 * trace-cmd report; a "(TGID)" column may precede [CPU]). */
static int one_line(imp *m, char *l)
{
	num_why[0] = 0;
	size_t n = strlen(l);
	while (n && (l[n - 1] == '\n' || l[n - 1] == '\r' || l[n - 1] == ' '))
		l[--n] = 0;
	const char *p = l;
	while (*p == ' ' || *p == '\t')
		p++;
	unsigned long long a, b;
	if (!*p || *p == '#' || !strncmp(p, "cpus=", 5) ||
	    !strncmp(p, "version = ", 10) || (!strncmp(p, "CPU ", 4) && strstr(p, " is empty"))) {
		const char *e = strstr(p, "entries-in-buffer/entries-written:");
		if (e && sscanf(e, "entries-in-buffer/entries-written: %llu/%llu", &a, &b) == 2 &&
		    a != b)
			return msim_err(MSIM_EPARSE,
					"%s:%" PRIu64 ": ftrace buffer dropped %llu of %llu events",
					m->file, m->line, b - a, b);
		m->st->headers++;
		return 0;
	}
	if (sscanf(p, "CPU:%llu [LOST %llu EVENTS]", &a, &b) == 2)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64 ": ftrace lost %llu events on CPU %llu",
				m->file, m->line, b, a);
	/* [CPU] */
	const char *c = p;
	while ((c = strchr(c, '['))) {
		const char *d = c + 1;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d > c + 1 && *d == ']')
			break;
		c++;
	}
	if (!c)
		return bad(m, "not an ftrace event line (no [CPU] field)");
	c = strchr(c, ']') + 1;
	/* skip tokens up to the "SECS.USECS:" timestamp */
	const char *ts = NULL;
	while (*c) {
		while (*c == ' ')
			c++;
		const char *e = c;
		while (*e && *e != ' ')
			e++;
		if (e > c + 1 && e[-1] == ':' && c[0] >= '0' && c[0] <= '9' &&
		    memchr(c, '.', (size_t)(e - c))) {
			ts = e;
			break;
		}
		c = e;
	}
	if (!ts)
		return bad(m, "ftrace line without a 'SECS.USECS:' timestamp");
	while (*ts == ' ')
		ts++;
	const char *colon = strchr(ts, ':');
	if (!colon || !is_event_name(ts, (size_t)(colon - ts)))
		return bad(m, "ftrace line without an 'event:' name after the timestamp");
	char name[48];
	size_t nl = (size_t)(colon - ts);
	if (nl >= sizeof(name))
		return bad(m, "event name too long");
	memcpy(name, ts, nl);
	name[nl] = 0;
	const char *payload = colon + 1;
	while (*payload == ' ')
		payload++;
	if (strcmp(name, "kvm_mmu_set_accessed_bit") && strcmp(name, "kvm_mmu_set_dirty_bit")) {
		int ret = flush_ad(m);
		if (ret < 0)
			return ret;
	}

	if (!strcmp(name, "tracing_mark_write") || !strcmp(name, "print")) {
		/* "msim: ..." possibly behind trace-cmd's "tracing_mark_write: " */
		const char *t = strstr(payload, "msim: ");
		if (t && (t == payload || (t >= payload + 2 && t[-2] == ':'))) {
			m->markers = true;
			return marker(m, name, t + 6);
		}
		ignored(m, name);
		return 0;
	}
	return kvm_event(m, name, payload);
}

int msim_import_stream(FILE *in, const char *name, msim_trace_writer *w,
		       const msim_import_opts *opts, msim_import_stats *st)
{
	msim_import_stats dummy;
	msim_import_opts def = MSIM_IMPORT_OPTS_INIT;
	if (!in || !w)
		return msim_err(MSIM_EINVAL, "msim_import_stream: NULL argument");
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	imp *m = calloc(1, sizeof(*m));
	if (!m)
		return msim_err(MSIM_ENOMEM, "out of memory");
	m->file = name ? name : "(ftrace)";
	m->w = w;
	m->o = opts ? *opts : def;
	m->st = st;

	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;
	while ((n = getline(&buf, &cap, in)) >= 0) {
		m->line++;
		st->lines++;
		/* Some kvmmmu prints end with a NUL (a "%c" of 0): drop them. */
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		ret = one_line(m, buf);
		if (ret < 0)
			break;
	}
	if (ret == 0 && ferror(in))
		ret = msim_err(MSIM_EIO, "%s: read error", m->file);
	if (ret == 0)
		ret = end_block(m);
	if (ret == 0) {
		uint64_t ex = 0;
		for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++)
			ex += st->expects[k];
		if (!st->inputs && !ex && !st->n_used)
			ret = msim_err(MSIM_EPARSE,
				       "%s: no kvm or kvmmmu events in %" PRIu64 " lines; record "
				       "with the kvm:kvm_cr, kvm:kvm_msr, kvm:kvm_page_fault and "
				       "kvmmmu:* events enabled (mmu-sim record does)",
				       m->file, m->line);
	}
	if (ret == 0)
		ret = msim_trace_writer_flush(w);
	free(buf);
	free(m);
	return ret;
}

int msim_import_file(const char *in_path, const char *out_path,
		     const msim_import_opts *opts, msim_import_stats *st)
{
	if (!in_path || !out_path)
		return msim_err(MSIM_EINVAL, "msim_import_file: NULL argument");
	bool in_std = !strcmp(in_path, "-"), out_std = !strcmp(out_path, "-");
	struct stat si, so;
	bool direct = false;
	char *resolved = NULL;
	const char *target = out_path;
	if (!in_std && !out_std && !stat(in_path, &si) && !stat(out_path, &so) &&
	    S_ISREG(so.st_mode) && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
		return msim_err(MSIM_EINVAL, "%s: is the input file %s; refusing to overwrite it",
				out_path, in_path);
	if (!out_std && !stat(out_path, &so)) {
		if (S_ISDIR(so.st_mode))
			return msim_err(MSIM_EIO, "%s: is a directory", out_path);
		/* a device, FIFO or /dev/stdout is written in place, never replaced */
		direct = !S_ISREG(so.st_mode);
		if (!direct && !lstat(out_path, &so) && S_ISLNK(so.st_mode)) {
			resolved = realpath(out_path, NULL);
			if (!resolved)
				return msim_err(MSIM_EIO, "%s: cannot resolve symbolic link: %s",
						out_path, strerror(errno));
			if (!strncmp(resolved, "/proc/", 6) || !strncmp(resolved, "/dev/", 5))
				direct = true;
			else
				target = resolved; /* temp beside the target, renamed onto it */
		}
	}
	FILE *in = in_std ? stdin : fopen(in_path, "r");
	if (!in) {
		free(resolved);
		return msim_err(MSIM_EIO, "%s: %s", in_path, strerror(errno));
	}
	size_t tl = strlen(target) + 16;
	char *tmp = malloc(tl);
	int ret;
	FILE *out = NULL;
	if (!tmp) {
		ret = msim_err(MSIM_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(tmp, tl, "%s.tmp.XXXXXX", target);
	if (out_std) {
		out = stdout;
	} else if (direct) {
		out = fopen(out_path, "w");
		if (!out) {
			ret = msim_err(MSIM_EIO, "%s: %s", out_path, strerror(errno));
			goto done;
		}
	} else {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			ret = msim_err(MSIM_EIO, "%s: cannot create temporary output: %s",
				       out_path, strerror(errno));
			goto done;
		}
		mode_t um = umask(0);
		umask(um);
		(void)fchmod(fd, 0666 & ~um);
		out = fdopen(fd, "w");
		if (!out) {
			ret = msim_err(MSIM_EIO, "%s: %s", tmp, strerror(errno));
			close(fd);
			remove(tmp);
			goto done;
		}
	}
	msim_trace_writer *w = NULL;
	ret = msim_trace_writer_create(&w, out, MSIM_TRACE_TEXT);
	if (ret == 0) {
		char c[600];
		snprintf(c, sizeof(c), " imported from %.500s by mmu-sim import", in_path);
		ret = msim_trace_write_comment(w, c);
	}
	if (ret == 0)
		ret = msim_import_stream(in, in_path, w, opts, st);
	if (w)
		msim_trace_writer_free(w);
	if (!out_std) {
		errno = 0;
		int bad = fflush(out) != 0 || ferror(out);
		int e = errno;
		bad |= fclose(out) != 0;
		if (e)
			errno = e;
		if (bad && ret == 0)
			ret = msim_err(MSIM_EIO, "%s: cannot write output: %s", out_path,
				       errno ? strerror(errno) : "write error");
		if (!direct) {
			if (ret == 0 && rename(tmp, target) != 0)
				ret = msim_err(MSIM_EIO, "rename %s: %s", target, strerror(errno));
			if (ret < 0)
				remove(tmp);
		}
	} else if ((fflush(out) != 0 || ferror(out)) && ret == 0) {
		ret = msim_err(MSIM_EIO, "stdout: %s", strerror(errno));
	}
done:
	if (!in_std)
		fclose(in);
	free(tmp);
	free(resolved);
	return ret;
}

int msim_import_summary(const msim_import_stats *st, FILE *f)
{
	if (!st || !f)
		return msim_err(MSIM_EINVAL, "msim_import_summary: NULL argument");
	fprintf(f, "lines %" PRIu64 "\nheader-lines %" PRIu64 "\ninputs %" PRIu64
		   "\ncomments %" PRIu64 "\n",
		st->lines, st->headers, st->inputs, st->comments);
	for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++) {
		const msim_event_spec *s = msim_event_spec_get(MSIM_EV_EXPECT);
		fprintf(f, "expect %s %" PRIu64 "\n", s->args[0].symbols[k], st->expects[k]);
	}
	for (size_t i = 0; i < st->n_used; i++)
		fprintf(f, "used %s %" PRIu64 "\n", st->used[i].name, st->used[i].count);
	for (size_t i = 0; i < st->n_ignored; i++)
		fprintf(f, "ignored %s %" PRIu64 "\n", st->ignored[i].name,
			st->ignored[i].count);
	if (ferror(f) || fflush(f) != 0)
		return msim_err(MSIM_EIO, "summary: write error");
	return 0;
}
