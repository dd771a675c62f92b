#!/bin/sh
# Copy each file of list.tsv verbatim from the `fetch` tool's snapshot (/work/.mirror/<owner>+<name>/repo, HEAD)
# and write sources.tsv (commit, last change of the path, blob id, sha256, license).
cd "$(dirname "$0")" || exit 2
printf 'case\tfile\trepository\tpath\tcommit\tlast_change\tblob\tsha256\tlicense\n' > sources.tsv
while IFS="$(printf '\t')" read -r case file repo path lic; do
  m=/work/.mirror/$(echo "$repo" | tr / +)/repo
  c=$(git -C "$m" rev-parse HEAD); last=$(git -C "$m" log -1 --format=%H HEAD -- "$path"); blob=$(git -C "$m" rev-parse "HEAD:$path")
  mkdir -p "$(dirname "$case/$file")"; git -C "$m" show "HEAD:$path" > "$case/$file"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$file" "$repo" "$path" "$c" "$last" "$blob" "$(sha256sum "$case/$file" | cut -d' ' -f1)" "$lic" >> sources.tsv
done < list.tsv
