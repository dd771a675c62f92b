# Derives the extracted*.yaml files from the verbatim docs (run from the worktree root).
D=testdata/atk-layouts
awk 'NR>=72 && NR<=175' $D/sail-egress-docs/create-and-configure-gateways.adoc | awk '/^\[source,yaml\]/{y=1;next} y&&/^----$/{if(inb){inb=0;y=0}else inb=1;next} inb' > $D/sail-egress-docs/extracted.yaml
ext(){ for s in "$@"; do awk '/<summary>Solution/{f=1} f&&/^```yaml/{inb=1;next} inb&&/^```/{inb=0;print "---";next} inb' $D/ica-egress-gateways/step$s.md; done | sed '$d'; }
ext 2 4 5 > $D/ica-egress-gateways/extracted-http.yaml; ext 7 9 10 > $D/ica-egress-gateways/extracted-tls.yaml
