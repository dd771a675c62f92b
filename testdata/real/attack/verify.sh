#!/bin/sh
# Check every stored file against attack/sources.tsv: its sha256, and, where a snapshot of the source
# repository is at /work/.mirror/<owner>+<name>/repo (the `fetch` tool's place), the blob at the recorded commit.
cd "$(dirname "$0")/.." || exit 2
tail -n +2 attack/sources.tsv | while IFS="$(printf '\t')" read -r case file repo path commit last blob sha lic; do
  got=$(sha256sum "$case/$file" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || echo "DIFFERS $case/$file"
  m=/work/.mirror/$(echo "$repo" | tr / +)/repo
  if [ -d "$m" ]; then
    b=$(git -C "$m" show "$commit:$path" | sha256sum | cut -d' ' -f1)
    [ "$b" = "$sha" ] && echo "ok   $case/$file = $repo@$commit:$path" || echo "BLOB $case/$file"
  else echo "ok   $case/$file (sha256; no local snapshot of $repo)"; fi
done | tee /dev/stderr | grep -q '^DIFFERS\|^BLOB' && exit 1 || exit 0
