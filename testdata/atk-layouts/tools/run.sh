# . testdata/atk-layouts/tools/run.sh ; matrix IN NAME [CFG...]: each config, a second run on each output, and switches
C=testdata/atk-layouts/tools/cfg; FN="node dist/fn.js"; O=${O:-/tmp/atkl}; mkdir -p $O
matrix() { local in=$1 n=$2; shift 2; local cfgs="${*:-base sidecar waypoint nogen nolog}"
  for k in $cfgs; do $FN --config $C/$k.yaml < $in > $O/$n.$k.out 2> $O/$n.$k.err; local rc=$?; [ $rc = 0 ] || { echo "$n $k rc=$rc"; continue; }
    $FN --config $C/$k.yaml < $O/$n.$k.out > $O/$n.$k.2 2> $O/$n.$k.2err; echo "$n $k rc=0 twice rc=$? same=$(cmp -s $O/$n.$k.out $O/$n.$k.2 && echo yes || echo NO) indiff=$(indiff $in $O/$n.$k.out | wc -l)"
    for b in $cfgs; do [ $b = $k ] && continue; $FN --config $C/$b.yaml < $O/$n.$k.out > $O/$n.$k-$b.out 2> $O/$n.$k-$b.err; echo "   $k->$b rc=$? indiff=$(indiff $in $O/$n.$k-$b.out | wc -l) $(tail -1 $O/$n.$k-$b.err | cut -c1-120)"; done; done; }
indiff() { local n=$(wc -l < "$1"); diff "$1" "$2" | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show'; }
