# Figure 1: CR0.WP storm (bench/fig_wp_storm.sh -> wp_storm.csv)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1900,900 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1900,900 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/wp_storm.csv'
sel(p, m, po) = sprintf("< awk -F, '$1==\"%s\" && $2==\"%s\" && $3==\"%s\"' %s", p, m, po, f)
set logscale x
set logscale y
set format y '10^{%L}'
set xlabel 'CR0.WP toggles per 1,000 guest memory accesses'
set key inside bottom left font ',9' samplen 2 box opaque
set multiplot layout 2,4 title "CR0.WP storm (MMU role refactoring thread, Feb 2022): KVM cost of W\\^X CR0.WP toggling, 20,000 accesses per run"
do for [p in "5.10 5.18 6.4 6.4-amd"] {
	if (p ne '5.10') { unset key }
	set title sprintf('%s: cost per toggle', (p eq '6.4-amd' ? 'preset 6.4, AMD (SVM)' : 'preset '.p.(p eq '6.4' ? ', Intel (VMX+EPT)' : '')))
	set ylabel 'simulated cycles per toggle (WP off+on)'
	set yrange [1:1e6]
	plot sel(p,'shadow','unload') u 5:8 w lp lc rgb '#1f77b4' dt 1 pt 7 t 'shadow, unload', \
	     sel(p,'shadow','keep-roots') u 5:8 w lp lc rgb '#1f77b4' dt 2 pt 6 t 'shadow, keep-roots', \
	     sel(p,'legacy-tdp','unload') u 5:8 w lp lc rgb '#2ca02c' dt 1 pt 5 t 'legacy TDP, unload', \
	     sel(p,'legacy-tdp','keep-roots') u 5:8 w lp lc rgb '#2ca02c' dt 2 pt 4 t 'legacy TDP, keep-roots', \
	     sel(p,'tdp-mmu','unload') u 5:8 w lp lc rgb '#d62728' dt 1 pt 9 t 'TDP MMU, unload', \
	     sel(p,'tdp-mmu','keep-roots') u 5:8 w lp lc rgb '#d62728' dt 2 pt 8 t 'TDP MMU, keep-roots'
}
unset key
do for [p in "5.10 5.18 6.4 6.4-amd"] {
	set title sprintf('%s: whole run', (p eq '6.4-amd' ? 'preset 6.4, AMD (SVM)' : 'preset '.p))
	set ylabel 'simulated cycles, total'
	set yrange [1e5:1e9]
	plot sel(p,'shadow','unload') u 5:6 w lp lc rgb '#1f77b4' dt 1 pt 7 t 'shadow, unload', \
	     sel(p,'shadow','keep-roots') u 5:6 w lp lc rgb '#1f77b4' dt 2 pt 6 t 'shadow, keep-roots', \
	     sel(p,'legacy-tdp','unload') u 5:6 w lp lc rgb '#2ca02c' dt 1 pt 5 t 'legacy TDP, unload', \
	     sel(p,'legacy-tdp','keep-roots') u 5:6 w lp lc rgb '#2ca02c' dt 2 pt 4 t 'legacy TDP, keep-roots', \
	     sel(p,'tdp-mmu','unload') u 5:6 w lp lc rgb '#d62728' dt 1 pt 9 t 'TDP MMU, unload', \
	     sel(p,'tdp-mmu','keep-roots') u 5:6 w lp lc rgb '#d62728' dt 2 pt 8 t 'TDP MMU, keep-roots'
}
unset multiplot
