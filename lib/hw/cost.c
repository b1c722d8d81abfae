/*
 * Cycle-model parameters: the named-parameter table, config-file parser,
 * validation and output. Preset values live in cost_presets.c.
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/cost.h"

enum ptype { T_U32, T_U64, T_DBL, T_BOOL, T_REPL };

struct pdesc {
	const char *name;
	enum ptype type;
	size_t off;
	const char *desc;
};

#define P(n, t, f, d) { n, t, offsetof(msim_cost_params, f), d }
#define G(pfx, f, what)                                                        \
	P(pfx ".entries", T_U32, f.entries, what ": entries (0 = absent)"),    \
	P(pfx ".ways", T_U32, f.ways, what ": ways (= entries: fully assoc.)"), \
	P(pfx ".repl", T_REPL, f.repl, what ": lru | plru | random"),        \
	P(pfx ".xor", T_BOOL, f.xor_index, what ": XOR-folded set index")

static const struct pdesc params[] = {
	P("cpu.ghz", T_DBL, ghz, "core clock in GHz (cycles -> ns)"),
	G("tlb.l1d.4k", tlb.l1d[0], "L1 DTLB, 4K pages"),
	G("tlb.l1d.2m", tlb.l1d[1], "L1 DTLB, 2M/4M pages"),
	G("tlb.l1d.1g", tlb.l1d[2], "L1 DTLB, 1G pages"),
	G("tlb.l1i.4k", tlb.l1i[0], "L1 ITLB, 4K pages"),
	G("tlb.l1i.2m", tlb.l1i[1], "L1 ITLB, 2M/4M pages"),
	G("tlb.l1i.1g", tlb.l1i[2], "L1 ITLB, 1G pages"),
	G("tlb.stlb", tlb.stlb, "shared L2 TLB (4K, + 2M if tlb.stlb.2m)"),
	P("tlb.stlb.2m", T_BOOL, tlb.stlb_2m, "STLB also holds 2M/4M pages"),
	G("tlb.stlb.1g", tlb.stlb_1g, "separate L2 TLB for 1G pages"),
	G("tlb.psc.pde", tlb.psc[2], "PDE cache (SDM Vol. 3A 4.10.2-4.10.3)"),
	G("tlb.psc.pdpte", tlb.psc[3], "PDPTE cache"),
	G("tlb.psc.pml4e", tlb.psc[4], "PML4E cache"),
	G("tlb.psc.pml5e", tlb.psc[5], "PML5E cache"),
	G("tlb.ntlb", tlb.ntlb, "guest-physical TLB gpa->hpa (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5)"),
	G("tlb.npsc.l2", tlb.npsc[2], "nested PSC, EPT/NPT PDE level"),
	G("tlb.npsc.l3", tlb.npsc[3], "nested PSC, EPT/NPT PDPTE level"),
	G("tlb.npsc.l4", tlb.npsc[4], "nested PSC, EPT/NPT PML4E level"),
	G("tlb.npsc.l5", tlb.npsc[5], "nested PSC, EPT/NPT PML5E level"),
	P("tlb.eager", T_BOOL, tlb.eager,
	  "flush everything on every invalidation (and on WP/NXE/CD writes)"),
	P("tlb.fracture", T_BOOL, tlb.fracture,
	  "cache pages > 4K as fractured 4K entries (SDM Vol. 3A 4.10.2-4.10.3)"),
	P("tlb.seed", T_U64, tlb.seed, "seed of random replacement"),
	P("lat.l1tlb", T_U32, lat_l1tlb, "L1 TLB lookup cycles beyond the L1D latency (0: overlapped)"),
	P("lat.stlb", T_U32, lat_stlb, "cycles added by an L1 TLB miss that hits the STLB"),
	P("lat.walk", T_U32, lat_walk, "fixed cycles per page walk besides its memory references"),
	P("lat.psc", T_U32, lat_psc, "cycles per PSC / nested-PSC lookup"),
	P("lat.ntlb", T_U32, lat_ntlb, "cycles per guest-physical TLB lookup"),
	P("walk.walkers", T_U32, walkers, "parallel page walkers (informational; the model is serial)"),
	P("walk.l1d", T_BOOL, walk_l1d, "walk references look up the L1D (else start at L2)"),
	P("cache.line", T_U32, line, "cache-line size in bytes"),
	P("cache.l1d.size", T_U64, l1d.size, "L1D bytes"),
	P("cache.l1d.ways", T_U32, l1d.ways, "L1D ways"),
	P("cache.l1d.lat", T_U32, l1d.latency, "L1D load-to-use cycles"),
	P("cache.l2.size", T_U64, l2.size, "L2 bytes"),
	P("cache.l2.ways", T_U32, l2.ways, "L2 ways"),
	P("cache.l2.lat", T_U32, l2.latency, "L2 load-to-use cycles"),
	P("cache.llc.size", T_U64, llc.size, "LLC bytes (share one core gets)"),
	P("cache.llc.ways", T_U32, llc.ways, "LLC ways"),
	P("cache.llc.lat", T_U32, llc.latency, "LLC load-to-use cycles"),
	P("mem.lat", T_U32, lat_dram, "DRAM load-to-use cycles"),
	P("pf.stride", T_BOOL, pf_stride, "stride prefetcher on data linear addresses"),
	P("pf.max_stride", T_U32, pf_max_stride, "largest stride (bytes) the prefetcher follows"),
	P("pf.pct", T_U32, pf_pct, "percent of the latency above L1 a covered access pays"),
	P("pf.lat", T_U32, pf_lat, "cap (cycles) on an access the prefetcher covered"),
	P("pf.stlb_fill", T_BOOL, pf_stlb_fill, "a repeated stride (any size) also puts a demand-unusable entry for the next address's 2M page into the STLB (needs pf.stride)"),
	P("walk.ad_write", T_U32, lat_ad_write, "extra cycles per locked A/D update"),
	P("virt.nested", T_BOOL, nested, "guest under 2D translation (EPT/NPT) by default"),
	P("virt.host_page", T_U64, host_page, "host page size backing guest memory in 2D"),
	P("virt.vmexit", T_U32, vmexit, "VM exit + entry round trip with no work"),
	P("virt.invept.single", T_U32, invept_single, "INVEPT single-context"),
	P("virt.invept.all", T_U32, invept_all, "INVEPT all-context"),
	P("virt.invvpid.addr", T_U32, invvpid_addr, "INVVPID individual-address"),
	P("virt.invvpid.single", T_U32, invvpid_single, "INVVPID single-context"),
	P("virt.invvpid.all", T_U32, invvpid_all, "INVVPID all-context"),
	P("cpu.invlpg", T_U32, invlpg, "INVLPG (guest or native)"),
	P("cpu.mov_cr3", T_U32, mov_cr3, "MOV to CR3 (without the refill misses)"),
	P("cpu.invpcid", T_U32, invpcid, "INVPCID"),
	P("kvm.shadow_fault", T_U32, kvm_shadow_fault, "shadow #PF handling: guest walk + set SPTE"),
	P("kvm.tdp_fault", T_U32, kvm_tdp_fault, "EPT violation / #NPF handling: map one gfn"),
	P("kvm.reset", T_U32, kvm_reset, "MMU context reset (role calc + permission tables)"),
	P("kvm.sync_roots", T_U32, kvm_sync_roots, "kvm_mmu_sync_roots walk, per call"),
	P("kvm.hash_lookup", T_U32, kvm_hash_lookup, "shadow-page hash lookup"),
	P("kvm.root_alloc", T_U32, kvm_root_alloc, "allocate and install an MMU root"),
	P("kvm.root_load", T_U32, kvm_root_load, "kvm_mmu_load: mmu_lock, topup, alloc_roots, load pgd"),
	P("kvm.root_free", T_U32, kvm_root_free, "kvm_mmu_free_roots: mmu_lock (write), put, commit"),
	P("kvm.sp_alloc", T_U32, kvm_sp_alloc, "allocate one shadow / TDP page (per level)"),
	P("kvm.spte_set", T_U32, kvm_spte_set, "compute and install one SPTE"),
	P("kvm.zap_spte", T_U32, kvm_zap_spte, "zap one SPTE"),
	P("kvm.sync_sp", T_U32, kvm_sync_sp, "sync one unsync shadow page"),
	P("kvm.write_protect", T_U32, kvm_write_protect, "write-protect one gfn"),
	P("kvm.flush_current", T_U32, kvm_flush_current, "KVM_REQ_TLB_FLUSH_CURRENT service"),
	P("kvm.flush_guest", T_U32, kvm_flush_guest, "KVM_REQ_TLB_FLUSH_GUEST service"),
	P("kvm.flush_all", T_U32, kvm_flush_all, "KVM_REQ_TLB_FLUSH service"),
	P("kvm.flush_remote", T_U32, kvm_flush_remote, "remote flush per target vCPU (IPI + wait)"),
	P("kvm.emulate", T_U32, kvm_emulate, "emulate one guest instruction"),
};

unsigned msim_cost_param_count(void)
{
	return MSIM_ARRAY_SIZE(params);
}

const char *msim_cost_param_name(unsigned i)
{
	return i < MSIM_ARRAY_SIZE(params) ? params[i].name : NULL;
}

const char *msim_cost_param_desc(unsigned i)
{
	return i < MSIM_ARRAY_SIZE(params) ? params[i].desc : NULL;
}

static const struct pdesc *find(const char *key)
{
	for (size_t i = 0; i < MSIM_ARRAY_SIZE(params); i++)
		if (!strcmp(params[i].name, key))
			return &params[i];
	return NULL;
}

/* Number with optional K/M/G suffix (powers of 1024). */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	{
		unsigned sh = 0;
		switch (toupper((unsigned char)*end)) {
		case 'K': sh = 10; end++; break;
		case 'M': sh = 20; end++; break;
		case 'G': sh = 30; end++; break;
		default: break;
		}
		if (sh && v > (~0ULL >> sh))
			return -1; /* would overflow */
		v <<= sh;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int msim_cost_set(msim_cost_params *p, const char *key, const char *value)
{
	const struct pdesc *d = find(key);
	char *base = (char *)p;
	uint64_t u;

	if (!d)
		return msim_err(MSIM_ENOENT, "unknown cost parameter '%s'", key);
	switch (d->type) {
	case T_U32:
	case T_U64:
		if (parse_u64(value, &u) ||
		    (d->type == T_U32 && u > 0xffffffffULL))
			return msim_err(MSIM_EINVAL, "%s: bad number '%s'", key,
					value);
		if (d->type == T_U32)
			*(unsigned *)(base + d->off) = (unsigned)u;
		else
			*(uint64_t *)(base + d->off) = u;
		break;
	case T_DBL: {
		char *end;
		double v = strtod(value, &end);
		if (end == value || *end || !(v > 0) || !isfinite(v))
			return msim_err(MSIM_EINVAL, "%s: bad number '%s'", key,
					value);
		*(double *)(base + d->off) = v;
		break;
	}
	case T_BOOL:
		if (!strcmp(value, "1") || !strcmp(value, "true") ||
		    !strcmp(value, "yes"))
			*(bool *)(base + d->off) = true;
		else if (!strcmp(value, "0") || !strcmp(value, "false") ||
			 !strcmp(value, "no"))
			*(bool *)(base + d->off) = false;
		else
			return msim_err(MSIM_EINVAL, "%s: bad boolean '%s'", key,
					value);
		break;
	case T_REPL:
		if (!strcmp(value, "lru"))
			*(msim_repl *)(base + d->off) = MSIM_REPL_LRU;
		else if (!strcmp(value, "plru"))
			*(msim_repl *)(base + d->off) = MSIM_REPL_PLRU;
		else if (!strcmp(value, "random"))
			*(msim_repl *)(base + d->off) = MSIM_REPL_RANDOM;
		else
			return msim_err(MSIM_EINVAL,
					"%s: '%s' is not lru|plru|random", key,
					value);
		break;
	}
	return 0;
}

static const char *const repl_names[] = { "lru", "plru", "random" };

static void fmt(const msim_cost_params *p, const struct pdesc *d, char *buf,
		size_t len)
{
	const char *base = (const char *)p;

	switch (d->type) {
	case T_U32:
		snprintf(buf, len, "%u", *(const unsigned *)(base + d->off));
		break;
	case T_U64:
		snprintf(buf, len, "%llu",
			 (unsigned long long)*(const uint64_t *)(base + d->off));
		break;
	case T_DBL:
		snprintf(buf, len, "%g", *(const double *)(base + d->off));
		break;
	case T_BOOL:
		snprintf(buf, len, "%d", *(const bool *)(base + d->off) ? 1 : 0);
		break;
	case T_REPL: {
		unsigned r = (unsigned)*(const msim_repl *)(base + d->off);
		snprintf(buf, len, "%s", r < 3 ? repl_names[r] : "?");
		break;
	}
	}
}

int msim_cost_get(const msim_cost_params *p, const char *key, char *buf,
		  size_t len)
{
	const struct pdesc *d = find(key);

	if (!d)
		return msim_err(MSIM_ENOENT, "unknown cost parameter '%s'", key);
	fmt(p, d, buf, len);
	return 0;
}

int msim_cost_write(const msim_cost_params *p, FILE *f)
{
	char buf[64];

	if (fprintf(f, "# mmu-sim cost parameters (preset %s)\n", p->name) < 0)
		return msim_err(MSIM_EIO, "cost: write failed");
	for (size_t i = 0; i < MSIM_ARRAY_SIZE(params); i++) {
		fmt(p, &params[i], buf, sizeof(buf));
		if (fprintf(f, "%-24s = %-12s # %s\n", params[i].name, buf,
			    params[i].desc) < 0)
			return msim_err(MSIM_EIO, "cost: write failed");
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int msim_cost_load_string(msim_cost_params *p, const char *text,
			  const char *what)
{
	unsigned lineno = 0;
	const char *s = text;

	if (!what)
		what = "<config>";
	while (*s) {
		char line[512], *l, *eq, *key, *val, *hash;
		size_t n = strcspn(s, "\n");
		int rc;

		lineno++;
		if (n >= sizeof(line))
			return msim_err(MSIM_EPARSE, "%s:%u: line too long", what,
					lineno);
		memcpy(line, s, n);
		line[n] = 0;
		s += n + (s[n] == '\n');
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		l = trim(line);
		if (!*l)
			continue;
		eq = strchr(l, '=');
		if (!eq)
			return msim_err(MSIM_EPARSE, "%s:%u: expected 'key = value'",
					what, lineno);
		*eq = 0;
		key = trim(l);
		val = trim(eq + 1);
		if (!*key || !*val)
			return msim_err(MSIM_EPARSE, "%s:%u: expected 'key = value'",
					what, lineno);
		if (!strcmp(key, "base"))
			rc = msim_cost_preset(val, p);
		else
			rc = msim_cost_set(p, key, val);
		if (rc) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", msim_last_error());
			return msim_err(MSIM_EPARSE, "%s:%u: %s", what, lineno, msg);
		}
	}
	return msim_cost_validate(p);
}

int msim_cost_load_file(msim_cost_params *p, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int rc;

	if (!f)
		return msim_err(MSIM_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return msim_err(MSIM_EIO, "%s: cannot read", path);
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return msim_err(MSIM_ENOMEM, "out of memory");
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return msim_err(MSIM_EIO, "%s: read error", path);
	}
	buf[n] = 0;
	fclose(f);
	rc = msim_cost_load_string(p, buf, path);
	free(buf);
	return rc;
}

static int check_level(const char *name, const msim_cache_level *c,
		       unsigned line)
{
	uint64_t sets;

	if (!c->size)
		return 0;
	if (!c->ways || c->size % ((uint64_t)line * c->ways))
		return msim_err(MSIM_EINVAL,
				"cost: cache.%s: size %llu not a multiple of line*ways",
				name, (unsigned long long)c->size);
	sets = c->size / ((uint64_t)line * c->ways);
	if (c->size > (64ULL << 30) || c->ways > 1024 || !sets)
		return msim_err(MSIM_ERANGE,
				"cost: cache.%s: at most 64 GiB and 1024 ways", name);
	return 0;
}

/* TLB arrays must build (msim_tlb_create's rules), checked at load time. */
static int check_geom(const char *name, const msim_tlb_geom *g)
{
	unsigned sets;

	if (!g->entries)
		return 0;
	if (!g->ways || g->entries % g->ways || g->entries > (1u << 24))
		return msim_err(MSIM_EINVAL, "cost: %s: %u entries / %u ways",
				name, g->entries, g->ways);
	sets = g->entries / g->ways;
	if (sets & (sets - 1))
		return msim_err(MSIM_EINVAL,
				"cost: %s: set count %u is not a power of two",
				name, sets);
	if (g->repl == MSIM_REPL_PLRU && (g->ways & (g->ways - 1) || g->ways > 64))
		return msim_err(MSIM_EINVAL,
				"cost: %s: tree-PLRU needs 1..64 ways, a power of two",
				name);
	return 0;
}

int msim_cost_validate(const msim_cost_params *p)
{
	int rc;

	if (!(p->ghz > 0))
		return msim_err(MSIM_EINVAL, "cost: cpu.ghz must be > 0");
	if (!p->line || (p->line & (p->line - 1)))
		return msim_err(MSIM_EINVAL, "cost: cache.line must be a power of 2");
	if ((rc = check_level("l1d", &p->l1d, p->line)) ||
	    (rc = check_level("l2", &p->l2, p->line)) ||
	    (rc = check_level("llc", &p->llc, p->line)))
		return rc;
	{
		static const char *const ps[3] = { "4k", "2m", "1g" };
		char n[32];
		for (int i = 0; i < 3; i++) {
			snprintf(n, sizeof(n), "tlb.l1d.%s", ps[i]);
			if ((rc = check_geom(n, &p->tlb.l1d[i])))
				return rc;
			snprintf(n, sizeof(n), "tlb.l1i.%s", ps[i]);
			if ((rc = check_geom(n, &p->tlb.l1i[i])))
				return rc;
		}
		if ((rc = check_geom("tlb.stlb", &p->tlb.stlb)) ||
		    (rc = check_geom("tlb.stlb.1g", &p->tlb.stlb_1g)) ||
		    (rc = check_geom("tlb.ntlb", &p->tlb.ntlb)))
			return rc;
		for (int l = 2; l <= 5; l++) {
			snprintf(n, sizeof(n), "tlb.psc (level %d)", l);
			if ((rc = check_geom(n, &p->tlb.psc[l])))
				return rc;
			snprintf(n, sizeof(n), "tlb.npsc.l%d", l);
			if ((rc = check_geom(n, &p->tlb.npsc[l])))
				return rc;
		}
	}
	if (p->nested && p->host_page != 4096 && p->host_page != (2ULL << 20) &&
	    p->host_page != (1ULL << 30))
		return msim_err(MSIM_EINVAL,
				"cost: virt.host_page must be 4K, 2M or 1G");
	return 0;
}
