/*
 * Kernel presets and the policy string of the KVM model.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/kvm.h"

struct preset {
	const char *name;
	unsigned kernel;
	msim_kvm_mmu_kind mmu;
	const char *help;
};

static const struct preset presets[] = {
	{ "4.19", 419, MSIM_KVM_MMU_LEGACY_TDP,
	  "v4.19: 3-entry prev_roots, legacy TDP only, vmx_set_cr3 flushes" },
	{ "5.10", 510, MSIM_KVM_MMU_TDP_MMU,
	  "v5.10: TDP MMU, one mmu_role (WP/NX in TDP role), unload on reset" },
	{ "5.15", 515, MSIM_KVM_MMU_TDP_MMU,
	  "v5.15: TDP MMU on by default, guest flush unloads under shadow" },
	{ "5.18", 518, MSIM_KVM_MMU_TDP_MMU,
	  "v5.18: cpu_role/root_role split, FREE_OBSOLETE_ROOTS" },
	{ "6.4", 604, MSIM_KVM_MMU_TDP_MMU,
	  "v6.4: CR0.WP no unload under TDP, guest-owned WP, preserved TDP roots" },
	{ "6.18-pvm", 618, MSIM_KVM_MMU_SHADOW,
	  "kernel 6.18 kvm_pvm host: shadow MMU (tdp_mmu=N, no EPT)" },
};

static const char *const preset_names[] = { "4.19", "5.10", "5.15", "5.18",
					    "6.4", "6.18-pvm", NULL };

const char *const *msim_kvm_preset_names(void)
{
	return preset_names;
}

static const struct preset *find_preset(const char *name, size_t len)
{
	for (size_t i = 0; i < MSIM_ARRAY_SIZE(presets); i++)
		if (strlen(presets[i].name) == len &&
		    !strncmp(presets[i].name, name, len))
			return &presets[i];
	return NULL;
}

const char *msim_kvm_preset_help(const char *name)
{
	const struct preset *p = name ? find_preset(name, strlen(name)) : NULL;

	return p ? p->help : NULL;
}

static void apply_preset(msim_kvm_opts *o, const struct preset *p)
{
	static const msim_kvm_opts def = MSIM_KVM_OPTS_INIT;

	*o = def;
	o->kernel = p->kernel;
	o->mmu = p->mmu;
	/* traces/kvm/README.md: the recording host's PVM KVM emulates ring 0 */
	o->cpl0_emulated = !strcmp(p->name, "6.18-pvm");
}

int msim_kvm_opts_preset(msim_kvm_opts *o, const char *name)
{
	const struct preset *p = name ? find_preset(name, strlen(name)) : NULL;

	if (!p)
		return msim_err(MSIM_ENOENT,
				"unknown KVM preset '%s' (known: 4.19, 5.10, "
				"5.15, 5.18, 6.4, 6.18-pvm)",
				name ? name : "(null)");
	apply_preset(o, p);
	return 0;
}

static const char *const mmu_syms[] = { "shadow", "legacy-tdp", "tdp-mmu", NULL };
static const char *const policy_syms[] = { "unload", "keep-roots", "per-caller",
					   NULL };
static const char *const zap_syms[] = { "batched", "per-table", NULL };
static const char *const nested_syms[] = { "era", "every-switch", "tag", NULL };
static const char *const vendor_syms[] = { "intel", "amd", NULL };

static int parse_sym(const char *key, const char *val,
		     const char *const *syms, unsigned *out)
{
	char list[128] = "";

	for (unsigned i = 0; syms[i]; i++) {
		if (!strcmp(syms[i], val)) {
			*out = i;
			return 0;
		}
		if (i)
			strncat(list, "|", sizeof(list) - strlen(list) - 1);
		strncat(list, syms[i], sizeof(list) - strlen(list) - 1);
	}
	return msim_err(MSIM_EINVAL, "kvm policy: %s=%s: expected %s", key, val,
			list);
}

static int parse_u64(const char *key, const char *val, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*val || *val == '-')
		return msim_err(MSIM_EINVAL, "kvm policy: %s: '%s' is not a number",
				key, val);
	v = strtoull(val, &end, 0);
	if (*end)
		return msim_err(MSIM_EINVAL, "kvm policy: %s: '%s' is not a number",
				key, val);
	if (v < min || v > max)
		return msim_err(MSIM_ERANGE, "kvm policy: %s=%llu out of range "
				"(%llu..%llu)", key, v, (unsigned long long)min,
				(unsigned long long)max);
	*out = v;
	return 0;
}

static int parse_bool(const char *key, const char *val, bool *out)
{
	uint64_t v = 0;
	int rc = parse_u64(key, val, 0, 1, &v);

	if (rc)
		return rc == MSIM_ERANGE ? msim_err(MSIM_EINVAL,
			"kvm policy: %s=%s: expected 0 or 1", key, val) : rc;
	*out = v;
	return 0;
}

/* "5.18" -> 518, "6.4" -> 604, "518" -> 518 */
static int parse_kernel(const char *val, unsigned *out)
{
	unsigned maj, min;
	char tail;

	if (sscanf(val, "%u.%u%c", &maj, &min, &tail) == 2 && min < 100 &&
	    maj >= 3 && maj <= 9) {
		*out = maj * 100 + min;
		return 0;
	}
	if (sscanf(val, "%u%c", &maj, &tail) == 1 && maj >= 300 && maj < 1000) {
		*out = maj;
		return 0;
	}
	return msim_err(MSIM_EINVAL, "kvm policy: kernel=%s: expected a version "
			"such as 5.18 (3.0..9.99)", val);
}

static int apply_kv(msim_kvm_opts *o, const char *key, const char *val)
{
	unsigned s;
	uint64_t u;
	int rc;

	if (!strcmp(key, "preset")) {
		const struct preset *p = find_preset(val, strlen(val));

		if (!p)
			return msim_err(MSIM_EINVAL, "kvm policy: preset=%s: "
					"unknown (known: 4.19, 5.10, 5.15, 5.18, "
					"6.4, 6.18-pvm)", val);
		apply_preset(o, p);
		return 0;
	}
	if (!strcmp(key, "kernel"))
		return parse_kernel(val, &o->kernel);
	if (!strcmp(key, "mmu")) {
		rc = parse_sym(key, val, mmu_syms, &s);
		o->mmu = (msim_kvm_mmu_kind)s;
		return rc;
	}
	if (!strcmp(key, "policy")) {
		rc = parse_sym(key, val, policy_syms, &s);
		o->policy = (msim_kvm_reset_policy)s;
		return rc;
	}
	if (!strcmp(key, "zap_flush")) {
		rc = parse_sym(key, val, zap_syms, &s);
		o->zap_flush = (msim_kvm_zap_flush)s;
		return rc;
	}
	if (!strcmp(key, "nested_flush")) {
		rc = parse_sym(key, val, nested_syms, &s);
		o->nested_flush = (msim_kvm_nested_flush)s;
		return rc;
	}
	if (!strcmp(key, "vendor")) {
		rc = parse_sym(key, val, vendor_syms, &s);
		o->vendor = (msim_vendor)s;
		return rc;
	}
	if (!strcmp(key, "prev_roots")) {
		rc = parse_u64(key, val, 0, MSIM_KVM_MAX_PREV_ROOTS, &u);
		o->prev_roots = (unsigned)u;
		return rc;
	}
	if (!strcmp(key, "tdp_level")) {
		rc = parse_u64(key, val, 4, 5, &u);
		o->tdp_level = (unsigned)u;
		return rc;
	}
	if (!strcmp(key, "max_mmu_pages")) {
		rc = parse_u64(key, val, 0, UINT64_MAX, &u);
		o->max_mmu_pages = u;
		return rc;
	}
	if (!strcmp(key, "vpid"))
		return parse_bool(key, val, &o->vpid);
	if (!strcmp(key, "vpid02"))
		return parse_bool(key, val, &o->vpid02);
	if (!strcmp(key, "pae_free_early"))
		return parse_bool(key, val, &o->pae_free_early);
	if (!strcmp(key, "flush_on_reuse"))
		return parse_bool(key, val, &o->flush_on_reuse);
	if (!strcmp(key, "cpl0_emulated"))
		return parse_bool(key, val, &o->cpl0_emulated);
	if (!strcmp(key, "ept_ad"))
		return parse_bool(key, val, &o->ept_ad);
	return msim_err(MSIM_EINVAL, "kvm policy: unknown key '%s' (keys: preset, "
			"kernel, mmu, policy, prev_roots, zap_flush, "
			"nested_flush, vendor, vpid, vpid02, pae_free_early, "
			"flush_on_reuse, cpl0_emulated, ept_ad, tdp_level, "
			"max_mmu_pages)", key);
}

int msim_kvm_opts_parse(msim_kvm_opts *o, const char *str)
{
	msim_kvm_opts tmp;
	char buf[512];
	char *tok, *next;

	if (!o || !str)
		return msim_err(MSIM_EINVAL, "kvm policy: NULL argument");
	if (strlen(str) >= sizeof(buf))
		return msim_err(MSIM_ERANGE, "kvm policy: string too long");
	strcpy(buf, str);
	tmp = *o;
	for (tok = buf; tok; tok = next) {
		char *eq;
		int rc;

		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		if (!*tok)
			continue;
		eq = strchr(tok, '=');

		if (!eq || eq == tok)
			return msim_err(MSIM_EINVAL, "kvm policy: '%s' is not "
					"key=value", tok);
		*eq = 0;
		rc = apply_kv(&tmp, tok, eq + 1);
		if (rc)
			return rc;
	}
	*o = tmp;
	return 0;
}

int msim_kvm_opts_format(const msim_kvm_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len,
			"kernel=%u.%u,mmu=%s,policy=%s,prev_roots=%u,"
			"zap_flush=%s,nested_flush=%s,vendor=%s,vpid=%d,"
			"vpid02=%d,pae_free_early=%d,flush_on_reuse=%d,"
			"cpl0_emulated=%d,ept_ad=%d,tdp_level=%u,max_mmu_pages=%llu",
			o->kernel / 100, o->kernel % 100, mmu_syms[o->mmu],
			policy_syms[o->policy], o->prev_roots,
			zap_syms[o->zap_flush], nested_syms[o->nested_flush],
			vendor_syms[o->vendor], o->vpid, o->vpid02,
			o->pae_free_early, o->flush_on_reuse, o->cpl0_emulated,
			o->ept_ad,
			o->tdp_level, (unsigned long long)o->max_mmu_pages);
}
