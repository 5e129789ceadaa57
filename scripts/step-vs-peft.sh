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
#       BASELINE another checkout (built) whose `bench step` runs first in each round, reported as "base"
#       ROUNDS  times to run the pair (ours, then theirs) per shape, each round reported (default 1)
#       EXTRA   more `bench step` flags for both builds, e.g. "--estimator FILE" to build the SVD estimator once
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
    local r=$1 tag="$log/$shape-r$1"
    rm -f "$tag"-*.json                      # a result of an earlier run must not be read as this one's
    { date -u; uptime; } > "$tag-load.txt"
    if [[ -n "${BASELINE:-}" ]]; then
      "$BASELINE/sparselora4j" bench step $args --method $methods --sparsity paper-math10k --weights $weights ${EXTRA:-} \
        --warmup "${WARMUP:-2}" --steps "$steps" --threads 2 > "$tag-base.json" 2> "$tag-base.err"
    fi
    "$root/sparselora4j" bench step $args --method $methods --sparsity paper-math10k --weights $weights ${EXTRA:-} \
      --warmup "${WARMUP:-2}" --steps "$steps" --threads 2 > "$tag-ours.json" 2> "$tag-ours.err"
    if [[ "${HF:-1}" == 1 ]]; then
      THREADS=2 STEPS=${HFSTEPS:-5} WARMUP=${HFWARMUP:-2} "$peers/build/hf-venv/bin/python" \
        "$peers/src/hf_peft_lora.py" "$shape" > "$tag-hf.txt" 2>&1
    fi
    uptime >> "$tag-load.txt"
  }
  export -f run_shape; export args methods weights steps log shape root peers BASELINE EXTRA
  for r in $(seq 1 "${ROUNDS:-1}"); do
    locked bash -c "run_shape $r"
    tag="$log/$shape-r$r"
    ours=$(for side in base ours; do [[ -f "$tag-$side.json" ]] && grep -o '"method":"[a-z]*".*"tokens_per_s":[0-9.]*' "$tag-$side.json" \
      | sed -E "s/\"method\":\"([a-z]+)\".*\"ms_per_step\":([0-9.]+).*\"tokens_per_s\":([0-9.]+)/$side:\\1 \\2 \\3/"; done)
    hf=$(grep -o 'step median [0-9]* ms' "$tag-hf.txt" 2>/dev/null | grep -o '[0-9]*' || true)
    while read -r method ms tps; do
      line="$shape round $r $method ($weights): $ms ms/step, $tps tok/s"
      if [[ -n "$hf" ]]; then line="$line; transformers+PEFT $hf ms/step: $(awk -v a="$hf" -v b="$ms" 'BEGIN{printf "%.2f", a/b}')x"; fi
      echo "$line"
    done <<< "$ours"
    cat "$tag"-*.json | grep -o '"flop_ratio":[0-9.]*,.*"speedup_vs_lora":[0-9.]*' | sed -E 's/,"predictor.*"speedup_vs_lora"/ speedup_vs_lora/; s/^/#   sparselora /' || true
    grep -E '(step|warm-up) [0-9]+/' "$tag-ours.err" | sed -E 's/^bench step: /#   /; s/ \(forward.*//' | tr '\n' ';' | sed 's/;$/\n/'
  done
done
