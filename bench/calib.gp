# Calibration: measured vs simulated pointer-chase latency per N
# (bench/fig_calib.sh -> calib.csv; columns: machine,pagesize,order,pages,
# measured_ns,sim_ns,measured_norm,sim_norm). One panel per page size x
# order; knees are the L1 DTLB, L1D, STLB, L2 and LLC reach.
here = system('dirname '.ARG0); load here.'/style.gp'
if (fmt eq 'svg') { set terminal svg size 1400,900 dynamic enhanced font 'Helvetica,12' } \
else { set terminal pngcairo size 1400,900 enhanced font 'Helvetica,11' }
set output out
f = datadir.'/calib.csv'
sel(ps, o) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\"' %s", ps, o, f)
set logscale x 2
set logscale y
set xlabel 'pages in the chase (N)'
set ylabel 'ns per dependent access'
set key inside top left box opaque
set multiplot layout 2,2 title 'Pointer chase: real hardware (traces/hw) vs mmu-sim prediction'
do for [ps in "4k 2m"] {
	do for [o in "random seq"] {
		set title sprintf('%s pages, %s order', ps, o)
		plot sel(ps, o) u 4:5 w lp pt 7 ps 0.6 lc rgb '#1f77b4' t 'measured', \
		     sel(ps, o) u 4:6 w lp pt 6 ps 0.6 lc rgb '#d62728' dt 2 t 'simulated'
	}
}
unset multiplot
