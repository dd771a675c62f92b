# Helpers to run wildcard-egress on the cases of testdata/attack as a user would. Source from the worktree root:
#   . testdata/attack/tools/lib.sh
# Outputs go under $OUT (default /tmp/attack); nothing under testdata/ is written.
T=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); R=$(dirname "$T"); W=$(cd "$R/../.." && pwd)
FN="node $W/dist/fn.js"; CFG=$T/cfg; OUT=${OUT:-/tmp/attack}; mkdir -p $OUT

# stream CASE: the case's top-level YAML files as one stream (`---` between files, a newline added where a
# file lacks its final one), as `kubectl apply -f DIR` reads them
stream() { local first=1 f; for f in $R/$1/*.y*ml; do [ "$(basename $f)" = kustomization.yaml ] && continue; [ $first = 1 ] || echo '---'; first=0; cat "$f"; [ -z "$(tail -c1 "$f")" ] || echo; done; }

# run NAME CFG < in > out: stream mode, stderr to $OUT/NAME.err, prints rc
run() { $FN --config $CFG/$2.yaml > $OUT/$1.out 2> $OUT/$1.err; echo "$1 rc=$?"; }

# indiff IN OUT: diff hunks that touch the input's own lines (not the block appended after its end)
indiff() { local n=$(wc -l < "$1"); diff "$1" "$2" | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show'; }

# runall CASE [CFG...]: each config on the stream, a second run on each output, and mode switches
runall() { local c=$1 o=$OUT/$1; shift; rm -rf $o; mkdir -p $o; stream $c > $o/in.yaml
  local cfgs="${*:-base sidecar waypoint nogen prod check}"
  for k in $cfgs; do $FN --config $CFG/$k.yaml < $o/in.yaml > $o/$k.out 2> $o/$k.err; echo "$k rc=$? $(tail -1 $o/$k.err)"; done
  for k in $cfgs; do [ -s $o/$k.out ] || continue; $FN --config $CFG/$k.yaml < $o/$k.out > $o/$k.2.out 2> $o/$k.2.err; echo "$k twice rc=$? same=$(cmp -s $o/$k.out $o/$k.2.out && echo yes || echo NO)"; done
  for a in base prod; do for b in sidecar waypoint nogen nolog base; do [ $a = $b ] && continue; [ -s $o/$a.out ] || continue
    $FN --config $CFG/$b.yaml < $o/$a.out > $o/$a-then-$b.out 2> $o/$a-then-$b.err; echo "$a-then-$b rc=$? $(tail -1 $o/$a-then-$b.err)"; done; done; }

# kpt: the case as a package with a Kptfile, `kpt fn eval` with `cat` (what kpt alone rewrites) and with the function
kptpkg() { rm -rf "$2"; mkdir -p "$2"; cp $R/$1/*.y*ml "$2/"; rm -f "$2/kustomization.yaml"; printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: %s\n' "$1" > "$2/Kptfile"; }
kptcmp() { local c=$1 k=${2:-base}; kptpkg $c $OUT/kptnoop/$c; kpt fn eval $OUT/kptnoop/$c --exec cat > $OUT/kptnoop/$c.log 2>&1
  kptpkg $c $OUT/kpt-$k/$c; kpt fn eval $OUT/kpt-$k/$c --exec "$FN" --fn-config $CFG/$k.yaml --truncate-output=false > $OUT/kpt-$k/$c.log 2>&1; echo "kpt $k rc=$?"
  diff -r $OUT/kptnoop/$c $OUT/kpt-$k/$c | grep -v '^Only in .*: '; }

# optin CASE FILE KIND NAME [CFG]: copy of the case where the user added the annotation
# wildcard-egress.dev/domain-list: egress to that item (text edit of one or two lines); runs stream mode
optin() { local c=$1 f=$2 kd=$3 nm=$4 k=${5:-base} d=$OUT/optin/$1-$4; rm -rf $d; mkdir -p $d; cp $R/$c/*.y*ml $d/; rm -f $d/kustomization.yaml
  node $W/testdata/real/attack/annotate.cjs $d/$f "$kd" "$nm" || return 1
  local first=1 x; for x in $d/*.y*ml; do [ $first = 1 ] || echo '---'; first=0; cat $x; [ -z "$(tail -c1 $x)" ] || echo; done > $d.in
  $FN --config $CFG/$k.yaml < $d.in > $d.$k.out 2> $d.$k.err; echo "rc=$?"; cat $d.$k.err; }
