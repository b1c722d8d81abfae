# Figure 2: prev_roots size vs process count (bench/fig_root_cache.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1200,1000 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1200,1000 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/root_cache.csv'
sel(pti, s) = sprintf("< awk -F, '$1==%d && $3==%d' %s", pti, s, f)
set xlabel 'guest processes scheduled round-robin'
set xrange [0.5:12.5]
set xtics 1
set key inside bottom left font ',9' samplen 2 box opaque
set multiplot layout 3,2 title "Root cache size (seed 002): shadow paging, 64-bit guest, round-robin MOV CR3 (prev\\_roots = slots besides the current root)"
do for [pti=0:1] {
	set title (pti ? 'with PTI (2 CR3s per process)' : 'without PTI')
	set ylabel 'root cache hit rate'
	set yrange [-0.05:1.05]
	plot for [s in "0 1 3 7 11 15"] sel(pti, s+0) u 2:5 w lp lw 2 t 'prev\_roots='.s
	unset key
}
do for [pti=0:1] {
	set title (pti ? 'with PTI' : 'without PTI')
	set ylabel 'roots freed per CR3 write'
	set yrange [-0.05:1.05]
	plot for [s in "0 1 3 7 11 15"] sel(pti, s+0) u 2:6 w lp lw 2 t 'prev\_roots='.s
}
do for [pti=0:1] {
	set title (pti ? 'with PTI' : 'without PTI')
	set ylabel 'simulated cycles per CR3 write'
	set yrange [0:*]
	plot for [s in "0 1 3 7 11 15"] sel(pti, s+0) u 2:7 w lp lw 2 t 'prev\_roots='.s
}
unset multiplot
