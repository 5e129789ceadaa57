#!/usr/bin/env bash
# LoRA (and SparseLoRA) training steps of `sparselora4j bench step` beside transformers + PEFT (hf_peft_lora.py of
# ../shared/peers) at the same shapes, in the same run, one after the other, on 2 threads.
# usage: scripts/step-vs-peft.sh SHAPE [SHAPE ...]     SHAPE: stories15M stories110M qwen2.5-0.5b llama3.2-1b
# env:  PEERS   a writable copy of ../shared/peers whose build/hf-venv holds torch, transformers and peft
#               (default ../peers-run); HF=0 skips the Python side
#       STEPS   timed steps of ours (default 8; 5 at the 1B shape), WARMUP untimed steps first (default 2),
#       HFSTEPS / HFWARMUP the same for transformers + PEFT (default 5 / 2)
#       WEIGHTS frozen weights of ours (default f32; bf16 at the 1B shape, which needs ~18 GB in f32)
#       LOG     folder for the raw outputs (default a temp folder); LOCK a file to flock around each shape
# Ours runs in a cold JVM: its stderr lists every step, so the time to steady speed shows there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${PEERS:-$root/../peers-run}"
log="${LOG:-$(mktemp -d)}"; mkdir -p "$log"
lock="${LOCK:-}"
locked() { if [[ -n "$lock" ]]; then flock "$lock" "$@"; else "$@"; fi; }
grep -m1 'model name' /proc/cpuinfo | sed 's/^/# cpu: /'
echo "# logs in $log"
for shape in "$@"; do
  steps=${STEPS:-8}; weights=${WEIGHTS:-f32}; methods=lora
  case "$shape" in
    stories15M)   args="--preset stories15m --batch 4 --seq 256" ;;
    stories110M)  args="--preset stories110m --batch 2 --seq 256" ;;
    qwen2.5-0.5b) args="--preset qwen2.5-0.5b --batch 1 --seq 512 --output-tokens 128"; methods=lora,sparselora ;;
    llama3.2-1b)  args="--preset llama3.2-1b --batch 1 --seq 512 --output-tokens 128"; methods=lora,sparselora
                  steps=${STEPS:-5}; weights=${WEIGHTS:-bf16} ;;
    *) echo "step-vs-peft: unknown shape '$shape' (stories15M, stories110M, qwen2.5-0.5b, llama3.2-1b)" >&2; exit 2 ;;
  esac
  run_shape() {
    { date -u; uptime; } > "$log/$shape-load.txt"
    "$root/sparselora4j" bench step $args --method $methods --sparsity paper-math10k --weights $weights \
      --warmup "${WARMUP:-2}" --steps "$steps" --threads 2 > "$log/$shape-ours.json" 2> "$log/$shape-ours.err"
    if [[ "${HF:-1}" == 1 ]]; then
      THREADS=2 STEPS=${HFSTEPS:-5} WARMUP=${HFWARMUP:-2} "$peers/build/hf-venv/bin/python" \
        "$peers/src/hf_peft_lora.py" "$shape" > "$log/$shape-hf.txt" 2>&1
    fi
    uptime >> "$log/$shape-load.txt"
  }
  export -f run_shape; export args methods weights steps log shape root peers
  locked bash -c run_shape
  ours=$(grep -o '"method":"[a-z]*".*"tokens_per_s":[0-9.]*' "$log/$shape-ours.json" \
    | sed -E 's/"method":"([a-z]+)".*"ms_per_step":([0-9.]+).*"tokens_per_s":([0-9.]+)/\1 \2 \3/')
  hf=$(grep -o 'step median [0-9]* ms' "$log/$shape-hf.txt" 2>/dev/null | grep -o '[0-9]*' || true)
  while read -r method ms tps; do
    line="$shape $method ($weights): $ms ms/step, $tps tok/s"
    if [[ -n "$hf" ]]; then line="$line; transformers+PEFT $hf ms/step: $(awk -v a="$hf" -v b="$ms" 'BEGIN{printf "%.2f", a/b}')x"; fi
    echo "$line"
  done <<< "$ours"
  grep -E '(step|warm-up) [0-9]+/' "$log/$shape-ours.err" | sed -E 's/^bench step: /#   /; s/ \(forward.*//' | tr '\n' ';' | sed 's/;$/\n/'
done
