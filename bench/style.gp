# Shared gnuplot style; each figure script loads it after setting
# datadir, fmt ('png' or 'svg') and out.
if (fmt eq 'svg') { set terminal svg size 900,560 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 900,560 enhanced font 'Helvetica,11' }
set output out
set datafile separator ','
set key outside right top
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
