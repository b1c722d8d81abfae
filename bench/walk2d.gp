# Figure 6: references and cycles per TLB miss (bench/fig_walk2d.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1300,560 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1300,560 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/walk2d_wide.csv'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set key inside top left font ',9' box opaque
set yrange [0:*]
set key autotitle columnheader
set multiplot layout 1,2 title "2D walk cost (worst case 24 refs for 4-on-4: Bhargava et al., ASPLOS 2008): random 4 KiB-page scan over 256 MiB, sapphire-rapids cost preset, EPT with 4 KiB host pages"
set title 'memory references per TLB miss'
set ylabel 'page-walk references per miss'
plot f u 2:xtic(1) t 'no PWC' lc rgb '#d62728', '' u 3 t 'guest PWC (PSC)' lc rgb '#ff7f0e', \
     '' u 4 t 'PSC + nested PSC + NTLB' lc rgb '#2ca02c', \
     '' u ($0-0.3):2:(sprintf('%.1f',$2)) w labels offset 0,0.7 font ',8' notitle, \
     '' u ($0):3:(sprintf('%.1f',$3)) w labels offset 0,0.7 font ',8' notitle, \
     '' u ($0+0.3):($4==$4 ? $4 : 1/0):(sprintf('%.1f',$4)) w labels offset 0,0.7 font ',8' notitle
unset key
set title 'cycles per TLB miss (walk + TLB lookups)'
set ylabel 'simulated cycles per miss'
plot f u 5:xtic(1) lc rgb '#d62728', '' u 6 lc rgb '#ff7f0e', '' u 7 lc rgb '#2ca02c', \
     '' u ($0-0.3):5:(sprintf('%.0f',$5)) w labels offset 0,0.7 font ',8' notitle, \
     '' u ($0):6:(sprintf('%.0f',$6)) w labels offset 0,0.7 font ',8' notitle, \
     '' u ($0+0.3):($7==$7 ? $7 : 1/0):(sprintf('%.0f',$7)) w labels offset 0,0.7 font ',8' notitle
unset multiplot
