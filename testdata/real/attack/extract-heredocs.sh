#!/bin/sh
# Derive plain YAML from `kubectl apply -f - <<EOF` heredocs in markdown or shell files, as a user
# copying the commands would: each heredoc body is de-indented by the indentation of its `<<EOF`
# line, shell variables are expanded by envsubst (export them first), and the bodies are joined
# with `---` lines. Usage: extract-heredocs.sh FILE... > extracted.yaml
awk '
  !inb && /<<EOF[[:space:]]*$/ { match($0, /^[ \t]*/); ind = RLENGTH; inb = 1; if (n++) print "---"; next }
  inb && /^[ \t]*EOF[[:space:]]*$/ { inb = 0; next }
  inb { print substr($0, 1, ind) ~ /^[ \t]*$/ ? substr($0, ind + 1) : $0 }
' "$@" | envsubst
