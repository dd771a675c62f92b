#!/bin/bash
# Re-run every finding of FINDINGS.md; prints each finding's id, the run's exit code and the line that shows it.
# Run from the worktree root after `npm run build`: bash testdata/attack/tools/repro.sh
. "$(dirname "$0")/lib.sh"; EX="node $W/dist/fn.js explain"
hdr() { echo; echo "### $1"; }
hdr D1a; optin kiali-service-entries bookinfo-service-entry-external.yaml ServiceEntry external-svc-https kiali-8443 | grep -v '^info'
$EX api.github.com:8443 --from shop --manifests $OUT/optin/kiali-service-entries-external-svc-https.kiali-8443.out | head -1
hdr D1b+D4a; optin redhat-istio-tutorial service-entry-egress-worldclockapi.yml ServiceEntry worldclockapi-egress-rule worldtime80 | grep -v '^info'
f=$OUT/optin/redhat-istio-tutorial-worldclockapi-egress-rule.worldtime80.out
echo "en.wikipedia.org:443 $($EX en.wikipedia.org:443 --from shop --manifests $f | head -1); worldtimeapi.org:80 $($EX worldtimeapi.org:80 --from shop --manifests $f | head -1)"
hdr D4b; optin istio-external-services external_services.yaml ServiceEntry external-svc-ports extsvc2 | grep -v '^info'
$EX ports.extsvc.com:8443 --from shop --manifests $OUT/optin/istio-external-services-external-svc-ports.extsvc2.out | head -1
hdr D2; $FN --config $CFG/kiali.yaml < $R/constructed/anchor.yaml > $OUT/anchor.out 2> $OUT/anchor.err; echo "rc=$?"; cat $OUT/anchor.err
$EX api.github.com:443 --from shop --manifests $OUT/anchor.out | grep -E '^(allowed|refused|bypass|passthrough)|REFUSED' -A1
hdr D3; optin aws-istio-on-eks productcatalog-envoyfilter.yaml EnvoyFilter productcatalog base
$EX en.wikipedia.org:443 --from shop --manifests $OUT/optin/aws-istio-on-eks-productcatalog.base.out | grep -E '^(allowed|refused|unknown)|UNKNOWN' -A1
hdr D5; optin kiali-service-entries bookinfo-se-sidecar-foreign-multimatch.yaml ServiceEntry kiali-test-foreign-se-a base
d=$OUT/optin/kiali-service-entries-kiali-test-foreign-se-a; indiff $d.in $d.base.out
awk '{print} /^  name: kiali-test-foreign-se-a$/{print "  namespace: bookinfo"}' $d.base.out > $d.ns.out; $EX en.wikipedia.org:443 --from shop --manifests $d.ns.out | head -1
hdr D6; d=$OUT/optin/solo; rm -rf $d; mkdir -p $d; cp $R/solo-workshops-2-9-ambient-egress/extracted.yaml $d/; node $W/testdata/real/attack/annotate.cjs $d/extracted.yaml AuthorizationPolicy httpbin
$FN --config $CFG/wp-egress.yaml < $d/extracted.yaml > $d/out 2> $d/err; echo "rc=$?"; indiff $d/extracted.yaml $d/out; $EX en.wikipedia.org:443 --from clients --manifests $d/out | grep -E '^refused|REFUSED' -A1
hdr D7+M1+M2+M3; o=$OUT/kubeflow; mkdir -p $o; kubectl kustomize $R/kubeflow-istio-install > $o/in.yaml
for k in base prod-kf prod-kf1; do $FN --config $CFG/$k.yaml < $o/in.yaml > $o/$k.out 2> $o/$k.err; echo "$k rc=$? $(grep -v googleapis $o/$k.err | tr '\n' ' ')"; done
echo "M1 base: $($EX en.wikipedia.org:443 --from kubeflow --manifests $o/base.out | head -1)"
echo "D7 prod-kf: knative-serving -> $($EX github.com:443 --from knative-serving --manifests $o/prod-kf.out | grep 'the Sidecar of')"
echo "M2 prod-kf1: $($EX activator.knative-serving.svc.cluster.local:80 --from kubeflow --manifests $o/prod-kf1.out | head -1)"
hdr D8; o=$OUT/istio-operator-all-on; mkdir -p $o; stream istio-operator-all-on > $o/in.yaml; $FN --config $CFG/gwsys-prod.yaml < $o/in.yaml > $o/gwsys-prod.out 2> $o/gwsys-prod.err; echo "rc=$?"; cut -c1-200 $o/gwsys-prod.err
hdr D9; $FN --config $CFG/base.yaml < $R/constructed/dots2.yaml > $OUT/dots2.out 2> $OUT/dots2.err; echo "rc=$?"; node -e 'const y=require(process.argv[1]);const ids=y.parseAllDocuments(require("fs").readFileSync(process.argv[2],"utf8")).map(d=>d.toJS()).filter(Boolean).map(x=>`${x.kind}/${x.metadata.namespace}/${x.metadata.name}`);console.log("identities twice:",ids.filter((x,i)=>ids.indexOf(x)!==i))' $W/node_modules/yaml $OUT/dots2.out
hdr D10+C1+C5; sh $R/constructed/make-derived.sh $OUT/derived > /dev/null
for f in se-crlf.yaml se-bom.yaml se.json; do $FN --config $CFG/kiali.yaml < $OUT/derived/$f > $OUT/derived/$f.out 2> $OUT/derived/$f.err; echo "$f rc=$? $(grep -c 'kind: ServiceEntry' $OUT/derived/$f.out) ServiceEntry doc(s); $(head -1 $OUT/derived/$f.err | cut -c1-140)"; done
grep -n 'api.github.com' $OUT/derived/se-crlf.yaml.out | head -1 | cat -A
hdr D11; $FN --config $CFG/kiali.yaml < $R/constructed/flow.yaml 2>/dev/null | sed -n 8p
hdr C2; sed -n 18p $OUT/anchor.out
hdr C3; $FN --config $CFG/base.yaml < $R/constructed/sc-ports.yaml 2>/dev/null | sed -n 16,18p
