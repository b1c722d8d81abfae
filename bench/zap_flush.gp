# Figure 4: per-table vs batched remote flushes (bench/fig_zap_flush.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1300,560 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1300,560 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/zap_flush.csv'
sel(m, z) = sprintf("< awk -F, '$1==\"%s\" && $2==\"%s\"' %s", m, z, f)
set logscale x 2
set xlabel 'vCPUs in the VM (remote flush targets)'
set key inside top left font ',9' samplen 2 box opaque
set multiplot layout 1,2 title "Zap flush batching (RFC 'Batch TLB flushes for a single zap', Nov 2021): one memslot move zaps a 1 GiB-level subtree (512 page tables), preset 6.4 (thick pale lines: shadow)"
set title 'kvm\_flush\_remote\_tlbs calls per zap'
set ylabel 'remote TLB flushes (kvm.flush.remote)'
set logscale y
set yrange [0.3:1e5]
plot sel('shadow','per-table') u 3:4 w lp lw 6 lc rgb '#9ecae1' pt 7 ps 1.8 t 'shadow, per-table', \
     sel('shadow','batched') u 3:4 w lp lw 6 dt 2 lc rgb '#9ecae1' pt 6 ps 1.8 t 'shadow, batched', \
     sel('legacy-tdp','per-table') u 3:4 w lp lw 2 lc rgb '#2ca02c' pt 5 t 'legacy TDP, per-table', \
     sel('legacy-tdp','batched') u 3:4 w lp lw 2 dt 2 lc rgb '#2ca02c' pt 4 t 'legacy TDP, batched', \
     sel('tdp-mmu','per-table') u 3:4 w lp lw 2 lc rgb '#d62728' pt 9 t 'TDP MMU, per-table', \
     sel('tdp-mmu','batched') u 3:4 w lp lw 2 dt 2 lc rgb '#d62728' pt 8 t 'TDP MMU, batched'
unset key
set title 'cycles of the zap (cycles.flush + cycles.zap)'
set ylabel 'simulated cycles'
set yrange [*:*]
set format y '10^{%L}'
plot sel('shadow','per-table') u 3:($7+$8) w lp lw 6 lc rgb '#9ecae1' pt 7 ps 1.8, \
     sel('shadow','batched') u 3:($7+$8) w lp lw 6 dt 2 lc rgb '#9ecae1' pt 6 ps 1.8, \
     sel('legacy-tdp','per-table') u 3:($7+$8) w lp lw 2 lc rgb '#2ca02c' pt 5, \
     sel('legacy-tdp','batched') u 3:($7+$8) w lp lw 2 dt 2 lc rgb '#2ca02c' pt 4, \
     sel('tdp-mmu','per-table') u 3:($7+$8) w lp lw 2 lc rgb '#d62728' pt 9, \
     sel('tdp-mmu','batched') u 3:($7+$8) w lp lw 2 dt 2 lc rgb '#d62728' pt 8
unset multiplot
