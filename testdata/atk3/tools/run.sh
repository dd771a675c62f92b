#!/bin/bash
# run.sh IN.yaml OUTDIR : plain runs with each config, idempotence, mode switches
FN="node /work/main/dist/fn.js"; C=$(dirname "$0")/cfg; in=$1; o=$2; rm -rf $o; mkdir -p $o; cp $in $o/in.yaml
n=$(wc -l < $in)
for c in gw sc wp gwcnn sccnn wpcnn gwco; do
  $FN --config $C/$c.yaml < $in > $o/$c.out 2> $o/$c.err; rc=$?
  $FN --config $C/$c.yaml < $o/$c.out > $o/$c.2.out 2> $o/$c.2.err; rc2=$?
  idem=$(cmp -s $o/$c.out $o/$c.2.out && echo same || echo CHANGED)
  # input lines changed?
  ch=$(diff $in $o/$c.out | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show' | grep -c '^[<>]')
  echo "$c rc=$rc rc2=$rc2 idem=$idem inputlines-changed=$ch"
done
for pair in "gw sc" "gw wp" "gwcnn sccnn" "gwcnn wpcnn" "sc gw" "wp gw"; do set -- $pair
  [ -s $o/$1.out ] || continue
  $FN --config $C/$2.yaml < $o/$1.out > $o/$1-$2.out 2> $o/$1-$2.err; rc=$?
  ch=$(diff $in $o/$1-$2.out | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show' | grep -c '^[<>]')
  echo "$1->$2 rc=$rc inputlines-changed=$ch"
done
