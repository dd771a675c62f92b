#!/bin/bash
# optin.sh IN CFG OUTPREFIX KIND NAME [KIND NAME...]
in=$1; cfg=$2; o=$3; shift 3; cp $in $o.in
while [ $# -gt 0 ]; do node /work/main/testdata/real/attack/annotate.cjs $o.in "$1" "$2" || exit 1; shift 2; done
node /work/main/dist/fn.js --config $(dirname "$0")/cfg/$cfg.yaml < $o.in > $o.out 2> $o.err; rc=$?
echo "rc=$rc"; grep -v "^warning: mode" $o.err | cut -c1-600
if [ $rc = 0 ]; then n=$(wc -l < $o.in); diff $o.in $o.out | awk -v n=$n '/^[0-9]/{split($0,a,/[acd]/); split(a[1],b,","); show = !(b[1]>=n && $0 ~ /a/)} show'; node /work/main/dist/fn.js --config $(dirname "$0")/cfg/$cfg.yaml < $o.out > $o.2.out 2>/dev/null; cmp -s $o.out $o.2.out && echo idem-ok || echo IDEM-CHANGED; fi
