#!/bin/sh
# Re-derive the derived-*.yaml files from the verbatim sources (run from testdata/atk3).
X=../real/attack/extract-heredocs.sh
sec() { f=$1; shift; for s in "$@"; do awk -v s="$s" '$0 ~ "^"s"\\(\\) \\{"{p=1} p{print} p && /^}/{p=0}' $f; done | sh $X; }
d=istio-docs-egress-gateway
sec $d/snips.sh snip_egress_gateway_for_https_traffic_1 snip_egress_gateway_for_https_traffic_3 > $d/derived-https-istio.yaml
sec $d/snips.sh snip_egress_gateway_for_https_traffic_1 snip_egress_gateway_for_https_traffic_4 > $d/derived-https-gwapi.yaml
sec $d/snips.sh snip_egress_gateway_for_http_traffic_1 snip_egress_gateway_for_http_traffic_3 snip_egress_gateway_for_http_traffic_5 > $d/derived-http-istio.yaml
sec $d/snips.sh snip_egress_gateway_for_http_traffic_1 snip_egress_gateway_for_http_traffic_4 snip_egress_gateway_for_http_traffic_6 > $d/derived-http-gwapi.yaml
d=istio-docs-egress-control
sec $d/snips.sh snip_access_an_external_http_service_1 snip_access_an_external_https_service_1 snip_manage_traffic_to_external_services_2 > $d/derived-istio.yaml
sec $d/snips.sh snip_access_an_external_http_service_1 snip_manage_traffic_to_external_services_3 > $d/derived-gwapi.yaml
d=istio-docs-egress-tls-origination
sec $d/snips.sh snip_apply_origination > $d/derived-origination.yaml
sec $d/snips.sh snip_deploy_a_mutual_tls_server_5 snip_configure_mutual_tls_origination_for_egress_traffic_at_sidecar_1 > $d/derived-mtls.yaml
PROXY_IP=10.0.0.5 PROXY_PORT=3128 sh $X istio-docs-http-proxy/snips.sh > istio-docs-http-proxy/derived.yaml
sh $X istio-docs-egress-kubernetes-services/snips.sh > istio-docs-egress-kubernetes-services/derived.yaml
d=willowmck-ambient-egress-waypoint; for f in $d/01.sh $d/03.sh $d/04.sh; do cat $f; echo; done | sh $X > $d/derived.yaml
