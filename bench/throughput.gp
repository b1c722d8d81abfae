# Figure 8: simulator throughput vs targets (bench/fig_throughput.sh)
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1300,650 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1300,650 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/throughput.csv'
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.6
set logscale y
set format y '10^{%L}'
set yrange [1e3:1e9]
set ylabel 'events per second (one core)'
set xtics rotate by -25 font ',9' noenhanced
set key inside top right box opaque
set title "Simulator throughput vs targets, one core (bench/fig\\_throughput.sh; committed run: 2-vCPU Emerald Rapids KVM guest)"
set datafile missing 'NaN'
plot f every ::1 u 0:2:xtic(1) w boxes lc rgb '#1f77b4' t 'measured', \
     '' every ::1 u 0:($3 == $3 ? $3 : 1/0) w points pt 11 ps 2.5 lc rgb '#d62728' t 'target', \
     '' every ::1 u 0:2:(sprintf('%.3g M/s', $2/1e6)) w labels offset 0,0.8 font ',9' notitle
