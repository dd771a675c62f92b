#!/bin/sh
# Derive odd layouts from a verbatim corpus file (kiali bookinfo-service-entry-external.yaml), as an editor or a
# tool would write them; output under $1 (default /tmp/attack/derived). Nothing here is a copy of a public file:
#   se.yaml       the kiali file with the opt-in annotation added by testdata/real/attack/annotate.cjs
#   se-crlf.yaml  the same with CRLF line ends (a Windows editor)
#   se-bom.yaml   the CRLF file with a UTF-8 byte-order mark (Notepad's "UTF-8 with BOM")
#   se.json       the same object as a JSON document (kubectl get -o json style, 4-space indent)
here=$(cd "$(dirname "$0")" && pwd); out=${1:-/tmp/attack/derived}; mkdir -p "$out"; cd "$out" || exit 2
cp "$here/../kiali-service-entries/bookinfo-service-entry-external.yaml" se.yaml
node "$here/../../real/attack/annotate.cjs" se.yaml ServiceEntry external-svc-https
sed 's/$/\r/' se.yaml > se-crlf.yaml
printf '\357\273\277' > se-bom.yaml; cat se-crlf.yaml >> se-bom.yaml
node -e 'const y=require(process.argv[1]);const fs=require("fs");fs.writeFileSync("se.json",JSON.stringify(y.parse(fs.readFileSync("se.yaml","utf8")),null,4)+"\n")' "$here/../../../node_modules/yaml"
ls "$out"
