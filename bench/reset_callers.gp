# Figure 3: cycles by kvm_mmu_reset_context caller (bench/fig_reset_callers.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1800,620 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1800,620 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/reset_callers.csv'
sel(p) = sprintf("< awk -F, '$1==\"%s\"' %s", p, f)
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.75
set xtics rotate by -35 font ',9'
set ylabel 'simulated cycles (millions), marginal per caller'
set yrange [0:260]
set key inside top left font ',9' box opaque
set multiplot layout 1,3 title "Reset callers (Sean Christopherson, Feb 17 2022): mixed hardened-Linux workload, 256 rounds; each caller's marginal cycles (run with it minus run without it)"
do for [p in "5.10 5.18 6.4"] {
	set title 'preset '.p.': MMU / reset policy'
	plot sel(p) u ($5/1e6):xtic(4) t 'no caller (base work)' lc rgb '#cccccc', \
	     '' u ($6/1e6) t 'CR0 (kvm\_post\_set\_cr0)' lc rgb '#d62728', \
	     '' u ($7/1e6) t 'CR4 (kvm\_post\_set\_cr4)' lc rgb '#ff7f0e', \
	     '' u ($8/1e6) t 'SMI/RSM (enter\_smm, kvm\_smm\_changed)' lc rgb '#1f77b4', \
	     '' u ($9/1e6) t 'INIT + SET\_SREGS (kvm\_vcpu\_reset)' lc rgb '#9467bd', \
	     '' u ($10/1e6) t 'EFER (set\_efer)' lc rgb '#2ca02c'
	unset key
}
unset multiplot
