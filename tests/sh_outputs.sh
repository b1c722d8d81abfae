#!/usr/bin/env bash
# Output files (issue 20 A): -o never replaces a device, FIFO or symlink,
# write errors on a device are reported, an output naming an input (also
# through a symlink or hard link) is refused with exit 2 and the input is
# untouched, and a failed run leaves no temporary behind.
set -euo pipefail
src=$1 cli=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cp "$src/traces/walk-demo.trace" good.trace
cp "$src/tests/fuzz/seeds/import/wp-mid.ftrace" x.ftrace
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect RC STDERR-SUBSTRING CMD...
	local want=$1 msg=$2 rc=0; shift 2
	"$@" >out.txt 2>err.txt || rc=$?
	[ "$rc" = "$want" ] || fail "$* -> rc $rc, want $want ($(cat err.txt))"
	[ -z "$msg" ] || grep -qF -- "$msg" err.txt || fail "$*: stderr '$(cat err.txt)' lacks '$msg'"
}

# /dev/full: ENOSPC reported, exit 1, the device node stays a device
if [ -c /dev/full ]; then
	expect 1 "/dev/full: cannot write output: No space left on device" \
		"$cli" replay -q -o /dev/full good.trace
	[ -c /dev/full ] || fail "/dev/full replaced"
	expect 1 "No space left on device" "$cli" import x.ftrace -o /dev/full --summary /dev/null
	[ -c /dev/full ] || fail "/dev/full replaced by import"
	expect 1 "No space left on device" "$cli" gen wp-storm toggles=2 -o /dev/full
fi

# reference output
"$cli" replay -q -o ref.txt good.trace
"$cli" replay -q good.trace > ref2.txt
cmp ref.txt ref2.txt || fail "-o and stdout differ"

# FIFO: written in place, stays a FIFO
mkfifo ff
cat ff > fifo.out &
reader=$!
expect 0 "" "$cli" replay -q -o ff good.trace
wait "$reader"
[ -p ff ] || fail "FIFO replaced"
cmp fifo.out ref.txt || fail "FIFO got other bytes"

# /dev/stdout: the symlink stays
expect 0 "" "$cli" replay -q -o /dev/stdout good.trace
cmp out.txt ref.txt || fail "-o /dev/stdout output differs"
[ -L /dev/stdout ] || fail "/dev/stdout replaced"

# symlink: the link stays, its target gets the output
echo old > target.txt
ln -s target.txt link.txt
expect 0 "" "$cli" replay -q -o link.txt good.trace
[ -L link.txt ] || fail "symlink replaced"
cmp target.txt ref.txt || fail "symlink target not written"
mkdir sub && echo old > sub/t.txt && ln -s sub/t.txt sl2
expect 0 "" "$cli" gen wp-storm toggles=2 -o sl2
[ -L sl2 ] && [ -s sub/t.txt ] && ! grep -qx old sub/t.txt || fail "symlink into subdir"
ls sub | grep -q tmp && fail "temporary left in target dir"

# same file: refused with exit 2, input untouched (plain, hard link, symlink)
cp good.trace in.trace
ln in.trace hard.trace
ln -s in.trace soft.trace
for o in in.trace hard.trace soft.trace; do
	expect 2 "$o: is the input file in.trace; refusing to overwrite it" \
		"$cli" replay -q -o "$o" in.trace
	expect 2 "refusing to overwrite it" "$cli" compare --presets 6.4 -o "$o" in.trace
	expect 2 "refusing to overwrite it" "$cli" validate -o "$o" in.trace
	expect 2 "refusing to overwrite it" "$cli" convert in.trace "$o"
	cmp in.trace good.trace || fail "input changed via $o"
done
cp x.ftrace y.ftrace
ln -s y.ftrace ylink
expect 2 "x.ftrace: is the input file x.ftrace; refusing to overwrite it" \
	"$cli" import x.ftrace -o x.ftrace
expect 2 "refusing to overwrite it" "$cli" import y.ftrace -o ylink
cmp x.ftrace "$src/tests/fuzz/seeds/import/wp-mid.ftrace" || fail "import input changed"
cmp y.ftrace x.ftrace || fail "import input changed via symlink"

# a failed run leaves neither an output nor a temporary
printf 'mmu-sim-trace 1\nbogus\n' > bad.trace
expect 2 "" "$cli" replay -q -o bad.out bad.trace
[ ! -e bad.out ] || fail "failed run left an output"
if ls | grep -q '\.tmp'; then fail "temporary left: $(ls)"; fi
echo ok
