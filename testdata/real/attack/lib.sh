# Helpers to run wildcard-egress on the corpus the ways a user would. Source from the worktree root:
#   . testdata/real/attack/lib.sh
# Outputs go under $OUT (default /tmp/real-corpus); nothing under testdata/ is written.
A=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); R=$(dirname "$A"); W=$(cd "$R/../.." && pwd)
FN="node $W/dist/fn.js"; CFGDIR=$A/cfg; OUT=${OUT:-/tmp/real-corpus}

# stream CASE: the case's YAML files as one stream (a newline added where a file lacks its final one,
# `---` between files), as `kubectl apply -f DIR` would read them
stream() { local first=1; for f in $R/$1/*.y*ml; do [ $first = 1 ] || echo '---'; first=0; cat "$f"; [ -z "$(tail -c1 "$f")" ] || echo; done; }

# indiff IN OUT: the diff hunks that touch the input's own lines (not the block appended after its end)
indiff() { local n=$(wc -l < "$1"); diff "$1" "$2" | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show'; }

# runall CASE: stream mode with each config, a second run on the output, and mode switches; $OUT/runs/CASE
runall() { local c o=$OUT/runs/$1; rm -rf $o; mkdir -p $o; stream $1 > $o/in.yaml
  for c in base sidecar waypoint nogen; do $FN --config $CFGDIR/$c.yaml < $o/in.yaml > $o/$c.out 2> $o/$c.err; echo "$c rc=$?"; done
  $FN --config $CFGDIR/base.yaml < $o/base.out > $o/base2.out 2> $o/base2.err; echo "base2 rc=$?"
  for c in sidecar waypoint nogen nolog; do $FN --config $CFGDIR/$c.yaml < $o/base.out > $o/base-then-$c.out 2> $o/base-then-$c.err; echo "base-then-$c rc=$?"; done
  for c in sidecar waypoint; do $FN --config $CFGDIR/$c.yaml < $o/$c.out > $o/${c}2.out 2> $o/${c}2.err; echo "${c}2 rc=$?"; done; }

# kptnoop / kptrun CASE [CFG]: the case in a kpt package with a Kptfile, run through `kpt fn eval` with the
# identity function `cat` (what kpt itself rewrites) and with the function; kptcmp diffs the two
kptpkg() { rm -rf "$2"; mkdir -p "$2"; cp $R/$1/*.y*ml "$2/"; printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: %s\n' "$1" > "$2/Kptfile"; }
kptnoop() { kptpkg $1 $OUT/kptnoop/$1; kpt fn eval $OUT/kptnoop/$1 --exec cat > $OUT/kptnoop/$1.log 2>&1; }
kptrun() { kptpkg $1 $OUT/kpt/$1; rm -rf $OUT/kpt/$1.res; mkdir -p $OUT/kpt/$1.res
  kpt fn eval $OUT/kpt/$1 --exec "$FN" --fn-config ${2:-$CFGDIR/base.yaml} --results-dir $OUT/kpt/$1.res --truncate-output=false > $OUT/kpt/$1.log 2>&1; echo "kpt rc=$?"; }
kptcmp() { kptnoop $1; kptrun $1 $2; diff -r $OUT/kptnoop/$1 $OUT/kpt/$1 | grep -v '^Only in .*: istio-'; }

# optin CASE FILE KIND NAME [KIND NAME...]: a copy of the case in $OUT/optin/CASE where the user added
# metadata.annotations["wildcard-egress.dev/domain-list"]: egress to those items of FILE; stream mode with
# $CFG (default base.yaml); writes $OUT/optin/CASE.{in,out,err}
optin() { local c=$1 f=$2 d=$OUT/optin/$1; shift 2; rm -rf $d; mkdir -p $d; cp $R/$c/*.y*ml $d/
  while [ $# -gt 0 ]; do node $A/annotate.cjs $d/$f "$1" "$2" || return 1; shift 2; done
  local first=1; for x in $d/*.y*ml; do [ $first = 1 ] || echo '---'; first=0; cat $x; [ -z "$(tail -c1 $x)" ] || echo; done > $d.in
  $FN --config ${CFG:-$CFGDIR/base.yaml} < $d.in > $d.out 2> $d.err; echo "rc=$?"; cat $d.err; }
