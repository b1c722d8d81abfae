# Figure 5: nested L1<->L2 round trips (bench/fig_nested.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1300,560 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1300,560 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/nested.csv'
sel(m, n) = sprintf("< awk -F, '$1==\"%s\" && $2==\"%s\"' %s", m, n, f)
set logscale x 2
set logscale y
set format y '10^{%L}'
set xlabel 'L2 working set (4 KiB pages read per round trip)'
set key inside top left font ',9' samplen 2 box opaque
set multiplot layout 1,2 title "Nested transitions (Liran Alon, nVMX VPID thread, 2018): L1 (EPT12, VPID unless noted) runs L2, preset 6.4, 100 round trips"
set title 'L2 TLB misses per L1<->L2 round trip'
set ylabel 'TLB misses (tlb.miss) per round trip'
plot sel('tdp-mmu','every-switch') u 3:5 w lp lw 2 lc rgb '#d62728' pt 9 t 'L0 TDP MMU, flush every switch', \
     sel('tdp-mmu','tag') u 3:5 w lp lw 2 dt 2 lc rgb '#d62728' pt 8 t 'L0 TDP MMU, VPID/EPTP tags', \
     sel('shadow','every-switch') u 3:5 w lp lw 2 lc rgb '#1f77b4' pt 7 t 'L0 shadow, flush every switch', \
     sel('shadow','tag') u 3:5 w lp lw 2 dt 2 lc rgb '#1f77b4' pt 6 t 'L0 shadow, VPID tags', \
     sel('tdp-mmu','tag-l1-no-vpid') u 3:5 w lp lw 1 dt 3 lc rgb '#333333' pt 2 t 'L0 TDP MMU, tags, L1 without VPID: guest flush per entry/exit'
unset key
set title 'cycles per round trip (entry + L2 work + exit)'
set ylabel 'simulated cycles per round trip'
plot sel('tdp-mmu','every-switch') u 3:7 w lp lw 2 lc rgb '#d62728' pt 9, \
     sel('tdp-mmu','tag') u 3:7 w lp lw 2 dt 2 lc rgb '#d62728' pt 8, \
     sel('shadow','every-switch') u 3:7 w lp lw 2 lc rgb '#1f77b4' pt 7, \
     sel('shadow','tag') u 3:7 w lp lw 2 dt 2 lc rgb '#1f77b4' pt 6, \
     sel('tdp-mmu','tag-l1-no-vpid') u 3:7 w lp lw 1 dt 3 lc rgb '#333333' pt 2
unset multiplot
