#!/usr/bin/env bash
# Regenerate the numbers quoted in bench/README.md from the figure CSVs.
# Every number in the README's readings sits between <!--v:NAME--> and
# <!--/v--> and is recomputed here; nothing is typed in by hand.
# usage: bench/readme.sh [CSVDIR]   (default bench/figures, the committed data)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/figures}
readme=$here/README.md
vals=$(mktemp)
trap 'rm -f "$vals" "$readme.tmp"' EXIT

# v NAME FILE COND EXPR [FMT]: EXPR of the first row of FILE where COND holds
v() {
	local name=$1 file=$dir/$2 cond=$3 expr=$4 fmt=${5:-%.0f} r
	r=$(awk -F, -v fmt="$fmt" "NR > 1 && ($cond) { printf fmt, $expr; exit }" "$file")
	if [ -z "$r" ]; then
		echo "readme.sh: no value for $name ($2: $cond)" >&2
		exit 1
	fi
	printf '%s=%s\n' "$name" "$r" >>"$vals"
}
# wp_storm.csv: preset,mmu,policy,toggles,rate,cycles_total,cycles_base,cost_per_toggle,...
W='$4 == 200'
v wp_tdp_unload_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$8'
v wp_tdp_roots_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$11'
v wp_tdp_keep_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"tdp-mmu\" && \$3 == \"keep-roots\"" '$8'
v wp_legacy_unload_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"legacy-tdp\" && \$3 == \"unload\"" '$8'
v wp_legacy_roots_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"legacy-tdp\" && \$3 == \"unload\"" '$11'
v wp_shadow_unload_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"shadow\" && \$3 == \"unload\"" '$8'
v wp_shadow_keep_510 wp_storm.csv "$W && \$1 == \"5.10\" && \$2 == \"shadow\" && \$3 == \"keep-roots\"" '$8'
v wp_tdp_unload_518 wp_storm.csv "$W && \$1 == \"5.18\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$8'
v wp_legacy_unload_518 wp_storm.csv "$W && \$1 == \"5.18\" && \$2 == \"legacy-tdp\" && \$3 == \"unload\"" '$8'
v wp_legacy_roots_518 wp_storm.csv "$W && \$1 == \"5.18\" && \$2 == \"legacy-tdp\" && \$3 == \"unload\"" '$11'
v wp_legacy_keep_518 wp_storm.csv "$W && \$1 == \"5.18\" && \$2 == \"legacy-tdp\" && \$3 == \"keep-roots\"" '$8'
v wp_tdp_64 wp_storm.csv "$W && \$1 == \"6.4\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$8' '%.1f'
v wp_tdp_exits_64 wp_storm.csv "$W && \$1 == \"6.4\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$9'
v wp_shadow_unload_64 wp_storm.csv "$W && \$1 == \"6.4\" && \$2 == \"shadow\" && \$3 == \"unload\"" '$8'
v wp_shadow_keep_64 wp_storm.csv "$W && \$1 == \"6.4\" && \$2 == \"shadow\" && \$3 == \"keep-roots\"" '$8'
v wp_tdp_amd wp_storm.csv "$W && \$1 == \"6.4-amd\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$8'
v wp_tdp_amd_exits wp_storm.csv "$W && \$1 == \"6.4-amd\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$9'
v wp_tdp_amd_unloads wp_storm.csv "$W && \$1 == \"6.4-amd\" && \$2 == \"tdp-mmu\" && \$3 == \"unload\"" '$13'
# whole-run ratio TDP MMU / legacy TDP under 5.10 unload, densest storm
awk -F, '$4 == 2000 && $1 == "5.10" && $3 == "unload" { c[$2] = $6 }
	END { printf "wp_ratio_510=%.1f\n", c["tdp-mmu"] / c["legacy-tdp"] }' "$dir/wp_storm.csv" >>"$vals"
awk -F, '$4 == 20 && $1 == "5.10" && $3 == "unload" { c[$2] = $6 }
	END { printf "wp_ratio_510_sparse=%.1f\n", c["tdp-mmu"] / c["legacy-tdp"] }' "$dir/wp_storm.csv" >>"$vals"

# root_cache.csv: guest,pti,procs,prev_roots,cr3_writes,hit_rate,freed_per,cycles_per,...
G64='$1 == "64-bit"'
for n in 2 3 4 6 8; do
	for s in 3 11; do
		v "rc_cyc_${n}_$s" root_cache.csv "$G64 && \$2 == 1 && \$3 == $n && \$4 == $s" '$8'
		v "rc_hit_${n}_$s" root_cache.csv "$G64 && \$2 == 1 && \$3 == $n && \$4 == $s" '$6' '%.3f'
	done
done
awk -F, '$1 == "64-bit" && $2 == 1 && $3 == 6 && $4 == 3 { a = $8 }
	$1 == "64-bit" && $2 == 1 && $3 == 6 && $4 == 11 { b = $8 }
	END { printf "rc_delta_6=%.0f\n", a - b }' "$dir/root_cache.csv" >>"$vals"
v rc_cyc_5_3_nopti root_cache.csv "$G64 && \$2 == 0 && \$3 == 5 && \$4 == 3" '$8'
v rc_cyc_4_3_nopti root_cache.csv "$G64 && \$2 == 0 && \$3 == 4 && \$4 == 3" '$8'
v rc_hit_5_3_nopti root_cache.csv "$G64 && \$2 == 0 && \$3 == 5 && \$4 == 3" '$6' '%.3f'
v rc_hit_4_3_nopti root_cache.csv "$G64 && \$2 == 0 && \$3 == 4 && \$4 == 3" '$6' '%.3f'
v rc_freed_5_3_nopti root_cache.csv "$G64 && \$2 == 0 && \$3 == 5 && \$4 == 3" '$7' '%.3f'
awk -F, '$1 == "pae" && $3 >= 2 { if ($6 > m) m = $6; if (f == "" || $7 < f) f = $7 }
	END { printf "rc_pae_maxhit=%.3f\nrc_pae_minfreed=%.3f\n", m, f }' "$dir/root_cache.csv" >>"$vals"

# reset_callers.csv: preset,mmu,policy,label,base,cr0,cr4,smm,init,efer,total,...
R() { v "$1" reset_callers.csv "\$1 == \"$2\" && \$2 == \"$3\" && \$3 == \"$4\"" "$5" '%.1f'; }
R rs_tdp_unload_total 5.18 tdp-mmu unload '$11 / 1e6'
R rs_tdp_keep_total 5.18 tdp-mmu keep-roots '$11 / 1e6'
R rs_tdp_pc_total 5.18 tdp-mmu per-caller '$11 / 1e6'
R rs_tdp_unload_cr0 5.18 tdp-mmu unload '$6 / 1e6'
R rs_tdp_pc_cr0 5.18 tdp-mmu per-caller '$6 / 1e6'
R rs_tdp_unload_smm 5.18 tdp-mmu unload '$8 / 1e6'
R rs_tdp_pc_smm 5.18 tdp-mmu per-caller '$8 / 1e6'
R rs_tdp_keep_smm 5.18 tdp-mmu keep-roots '$8 / 1e6'
R rs_tdp_unload_init 5.18 tdp-mmu unload '$9 / 1e6'
R rs_tdp_pc_init 5.18 tdp-mmu per-caller '$9 / 1e6'
R rs_tdp_keep_efer 5.18 tdp-mmu keep-roots '$10 / 1e6'
R rs_tdp_pc_efer 5.18 tdp-mmu per-caller '$10 / 1e6'
R rs_shadow_unload_total 5.18 shadow unload '$11 / 1e6'
R rs_tdp_unload_total_64 6.4 tdp-mmu unload '$11 / 1e6'
R rs_tdp_unload_smm_64 6.4 tdp-mmu unload '$8 / 1e6'
R rs_tdp_unload_cr4_64 6.4 tdp-mmu unload '$7 / 1e6'
R rs_shadow_pc_total 5.18 shadow per-caller '$11 / 1e6'
R rs_cr4_unload_510 5.10 tdp-mmu unload '$7 / 1e6'
R rs_cr4_keep_510 5.10 tdp-mmu keep-roots '$7 / 1e6'
R rs_cr4_518 5.18 tdp-mmu unload '$7 / 1e6'
v rs_resets_cr4_510 reset_callers.csv '$1 == "5.10" && $2 == "tdp-mmu" && $3 == "unload"' '$13'
v rs_resets_cr4_518 reset_callers.csv '$1 == "5.18" && $2 == "tdp-mmu" && $3 == "unload"' '$13'
v rs_resets_smm reset_callers.csv '$1 == "5.18" && $2 == "tdp-mmu" && $3 == "unload"' '$14'

# zap_flush.csv: mmu,zap_flush,vcpus,remote_flushes,tables,sptes,cyc_flush,cyc_zap,total
Z() { v "$1" zap_flush.csv "\$1 == \"$2\" && \$2 == \"$3\" && \$3 == $4" "$5" "${6:-%.0f}"; }
Z zf_shadow_pt_flushes shadow per-table 1 '$4'
Z zf_shadow_b_flushes shadow batched 1 '$4'
Z zf_shadow_tables shadow per-table 1 '$5'
Z zf_shadow_pt_64 shadow per-table 64 '($7 + $8) / 1e6' '%.1f'
Z zf_shadow_b_64 shadow batched 64 '($7 + $8) / 1e6' '%.2f'
Z zf_shadow_pt_1 shadow per-table 1 '($7 + $8) / 1e6' '%.2f'
Z zf_shadow_b_1 shadow batched 1 '($7 + $8) / 1e6' '%.3f'
Z zf_tdp_pt_flushes tdp-mmu per-table 64 '$4'
Z zf_tdp_b_flushes tdp-mmu batched 64 '$4'
Z zf_legacy_pt_flushes legacy-tdp per-table 64 '$4'
Z zf_legacy_tables legacy-tdp per-table 64 '$5'
Z zf_tdp_sptes tdp-mmu per-table 64 '$6'

# nested.csv: mmu,nested_flush,ws,rounds,tlb_miss_per_rt,refs_per_rt,cycles_per_rt,flushes
N() { v "$1" nested.csv "\$1 == \"$2\" && \$2 == \"$3\" && \$3 == $4" "$5" "${6:-%.0f}"; }
N ns_every_miss_64 tdp-mmu every-switch 64 '$5' '%.1f'
N ns_tag_miss_64 tdp-mmu tag 64 '$5' '%.2f'
N ns_every_cyc_64 tdp-mmu every-switch 64 '$7'
N ns_tag_cyc_64 tdp-mmu tag 64 '$7'
N ns_every_cyc_8 tdp-mmu every-switch 8 '$7'
N ns_tag_cyc_8 tdp-mmu tag 8 '$7'
N ns_every_cyc_1024 tdp-mmu every-switch 1024 '$7'
N ns_tag_cyc_1024 tdp-mmu tag 1024 '$7'
N ns_every_miss_2048 tdp-mmu every-switch 2048 '$5'
N ns_tag_miss_2048 tdp-mmu tag 2048 '$5'
N ns_every_fl tdp-mmu every-switch 64 '$8' '%.2f'
N ns_nov_miss_64 tdp-mmu tag-l1-no-vpid 64 '$5' '%.1f'
N ns_nov_cyc_64 tdp-mmu tag-l1-no-vpid 64 '$7'
N ns_tag_fl tdp-mmu tag 64 '$8' '%.2f'

# walk2d.csv: mode,levels,caches,accesses,misses,refs_per_miss,walk_cyc,cyc_per_miss,cyc_per_access
for m in native 2d; do
	for l in 4 5; do
		for c in nopwc pwc pwc+npwc; do
			[ "$m" = native ] && [ "$c" = pwc+npwc ] && continue
			k=$(echo "${m}${l}_$c" | tr '+' '_')
			v "w_refs_$k" walk2d.csv "\$1 == \"$m\" && \$2 == $l && \$3 == \"$c\"" '$6' '%.2f'
			v "w_cyc_$k" walk2d.csv "\$1 == \"$m\" && \$2 == $l && \$3 == \"$c\"" '$8' '%.0f'
		done
	done
done

# throughput.csv: benchmark,events_per_s,target_per_s,note
T() { v "$1" throughput.csv "\$1 ~ /^$2/" "$3" "${4:-%.1f}"; }
T tp_replay 'TLB-hit replay: msim_machine_events' '$2 / 1e6'
T tp_replay_ev 'TLB-hit replay: msim_machine_event' '$2 / 1e6'
T tp_replay_bin 'TLB-hit replay: binary' '$2 / 1e6'
T tp_replay_txt 'TLB-hit replay: text' '$2 / 1e6'
T tp_tlb 'TLB hit: msim_tlb_lookup' '$2 / 1e6'
T tp_hw 'TLB hit: full hw access' '$2 / 1e6'
T tp_hw_memo 'TLB hit: hw access' '$2 / 1e6'
T tp_walk4 '4-level walk' '$2 / 1e6'
T tp_walk2d '2D walk' '$2 / 1e6' '%.2f'
T tp_kvm_min 'CR-event replay: slowest' '$2 / 1e6' '%.2f'
T tp_kvm_max 'CR-event replay: fastest' '$2 / 1e6'
T tp_kvm_min_what 'CR-event replay: slowest' '$4' '%s'
awk -F, '/^CR-event replay: slowest/ { r = $2; w = $4 }
	END { if (r >= 10e6) print "tp_kvm_verdict=meets the 10 M/s target in every row"
	      else printf "tp_kvm_verdict=misses the 10 M/s target in its slowest row (%s, %.2f M/s)\n", w, r / 1e6 }' \
	"$dir/throughput.csv" >>"$vals"
T tp_cli 'mmu-sim replay' '$2 / 1e3' '%.0f'
if grep -q '^real KVM' "$dir/throughput.csv"; then
	T tp_kvm_real 'real KVM' '$2' '%.0f'
	awk -F, '/^mmu-sim replay/ { c = $2 } /^real KVM/ { k = $2 }
		END { printf "tp_ratio=%.0f\n", c / k }' "$dir/throughput.csv" >>"$vals"
else
	printf 'tp_kvm_real=(not measured: no root or /dev/kvm)\ntp_ratio=n/a\n' >>"$vals"
fi

# plots_time.csv (written by the timing run, see README): what,seconds
if [ -f "$dir/plots_time.csv" ]; then
	awk -F, '$1 == "clean_build_and_plots" { printf "pt_total=%d min %d s\n", $2 / 60, $2 % 60 }
		$1 == "plots_only" { printf "pt_plots=%d\n", $2 }
		$1 == "throughput" { printf "pt_throughput=%d\n", $2 }
		$1 == "load" { printf "pt_load=%s\n", $2 }' "$dir/plots_time.csv" >>"$vals"
else
	printf 'pt_total=(not measured)\npt_plots=?\npt_throughput=?\npt_load=?\n' >>"$vals"
fi

# substitute every <!--v:NAME-->...<!--/v--> in the README
awk 'NR == FNR { i = index($0, "="); val[substr($0, 1, i - 1)] = substr($0, i + 1); next }
	{ out = ""; line = $0
	  while (match(line, /<!--v:[A-Za-z0-9_]+-->[^<]*<!--\/v-->/)) {
		tag = substr(line, RSTART, RLENGTH)
		name = substr(tag, 7); name = substr(name, 1, index(name, "-->") - 1)
		if (!(name in val)) { print "readme.sh: unknown value " name > "/dev/stderr"; bad = 1 }
		out = out substr(line, 1, RSTART - 1) "<!--v:" name "-->" val[name] "<!--/v-->"
		line = substr(line, RSTART + RLENGTH) }
	  print out line }
	END { exit bad }' "$vals" "$readme" >"$readme.tmp"
mv -f "$readme.tmp" "$readme"
echo "readme.sh: $(wc -l <"$vals") values from $dir -> $readme"
