#!/bin/sh
# Derive plain YAML from the heredocs fed to kubectl in markdown or shell files (`kubectl apply -f - <<EOF`,
# `cat <<EOF | kubectl create -f -`), as a user copying the commands would: each heredoc body is de-indented
# by the indentation of its `<<EOF` line, shell variables are expanded by envsubst (export them first), and
# the bodies are joined with `---` lines. Heredocs written to files (`cat <<EOF > nginx.conf`) are skipped.
# Usage: extract-heredocs.sh FILE... > extracted.yaml (no FILE: standard input, e.g. one section via sed)
awk '
  !inb && (/kubectl.*<<EOF[[:space:]]*$/ || /<<EOF[[:space:]]*\|[[:space:]]*kubectl/) {
    match($0, /^[ \t]*/); ind = RLENGTH; inb = 1; if (n++) print "---"; next }
  inb && /^[ \t]*EOF[[:space:]]*$/ { inb = 0; next }
  inb { print substr($0, 1, ind) ~ /^[ \t]*$/ ? substr($0, ind + 1) : $0 }
' "$@" | envsubst
