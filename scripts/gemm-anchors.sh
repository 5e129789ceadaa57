#!/usr/bin/env bash
# The GEMM anchors of issue 12 at the training shapes, in the three layouts a step uses (x·Wᵀ, dy·W, dyᵀ·x), beside
# ours, one after the other on 2 threads: OpenBLAS with its default core type and, where the CPU has AVX-512, with
# OPENBLAS_CORETYPE=SkylakeX (take the faster); PyTorch's matmul where PEERS (a writable copy of ../shared/peers,
# default ../peers-run) has build/hf-venv; then `sparselora4j bench gemm` for each layout, and with --weights f32, whose f32_packed_ms is B packed ahead.
# Needs gcc and libopenblas-dev (Debian). usage: scripts/gemm-anchors.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${PEERS:-$root/../peers-run}"
build="$(mktemp -d)"; trap 'rm -rf "$build"' EXIT
gcc -O2 -o "$build/openblas_layouts" "$root/scripts/gemm-anchors/openblas_layouts.c" -lopenblas \
  || { echo "gemm-anchors: could not build the OpenBLAS probe (gcc and libopenblas-dev needed)" >&2; exit 1; }
lscpu | grep "Model name" | sed 's/^/# /'
shapes=("2048 768 2048" "2048 2048 5632" "512 2048 8192")
for s in "${shapes[@]}"; do
  read -r m k n <<< "$s"
  echo "## ${m}x${k}x${n}"
  "$build/openblas_layouts" 2 9 "$m" "$k" "$n" | sed 's/^/default /'
  if grep -qw avx512f /proc/cpuinfo; then OPENBLAS_CORETYPE=SkylakeX "$build/openblas_layouts" 2 9 "$m" "$k" "$n" | sed 's/^/SkylakeX /'; fi
  for l in abT ab aTb; do echo "ours $l $("$root/sparselora4j" bench gemm --m "$m" --k "$k" --n "$n" --layout "$l" --threads 2 2>/dev/null)"; done
  for l in abT ab; do echo "ours --weights f32 (f32_packed_ms: B packed ahead) $l $("$root/sparselora4j" bench gemm --m "$m" --k "$k" --n "$n" --layout "$l" --threads 2 --weights f32 2>/dev/null)"; done
done
if [[ -x "$peers/build/hf-venv/bin/python" ]]; then "$peers/build/hf-venv/bin/python" "$root/scripts/gemm-anchors/torch_gemm.py"
else echo "# no $peers/build/hf-venv: PyTorch skipped (bash hf-peft-lora.sh in the peers copy makes it)"; fi
