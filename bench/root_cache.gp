# Figure 2: prev_roots size vs process count (bench/fig_root_cache.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1600,1000 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1600,1000 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/root_cache.csv'
sel(g, pti, s) = sprintf("< awk -F, '$1==\"%s\" && $2==%d && $4==%d' %s", g, pti, s, f)
set xlabel 'guest processes scheduled round-robin'
set xrange [0.5:12.5]
set xtics 1
set key inside bottom left font ',9' samplen 2 box opaque
set multiplot layout 3,3 title "Root cache size (PGD caching, Feb 2022; Yong He, Oct 2024): shadow paging, round-robin MOV CR3 (prev\\_roots = slots besides the current root)"
array G[3] = ['64-bit', '64-bit', 'pae']
array P[3] = [0, 1, 0]
array T[3] = ['64-bit guest, no PTI', '64-bit guest, PTI (2 CR3s per process)', '32-bit PAE guest (PAE roots never cached)']
do for [k=1:3] {
	set title T[k]
	set ylabel 'root cache hit rate'
	set yrange [-0.05:1.05]
	plot for [s in "0 1 3 7 11 15"] sel(G[k], P[k], s+0) u 3:6 w lp lw 2 t 'prev\_roots='.s
	unset key
}
do for [k=1:3] {
	set title T[k]
	set ylabel 'roots freed per CR3 write'
	set yrange [-0.05:1.05]
	plot for [s in "0 1 3 7 11 15"] sel(G[k], P[k], s+0) u 3:7 w lp lw 2 t 'prev\_roots='.s
}
do for [k=1:3] {
	set title T[k]
	set ylabel 'simulated cycles per CR3 write'
	set yrange [0:*]
	plot for [s in "0 1 3 7 11 15"] sel(G[k], P[k], s+0) u 3:8 w lp lw 2 t 'prev\_roots='.s
}
unset multiplot
