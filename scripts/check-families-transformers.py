#!/usr/bin/env python3
"""Checks sparselora4j's family support against Hugging Face transformers and PEFT (a reference outside the
engine; the project and its tests never need Python).

For each tiny family in ../shared/golden/families: a short LoRA fine-tuning from the GGUF file, then
  1. `export --adapter` of the merged model: transformers loads the folder (AutoModelForCausalLM) and its logits
     equal the engine's `logits --adapter` on the GGUF;
  2. the PEFT adapter on the HF folder: PeftModel loads it (module names, target_modules) and its logits equal
     the engine's `logits --model hf --adapter`.
Prints one JSON line per family with the max |logit difference| of each. Needs torch, transformers, peft:
  python3 -m venv /work/venv-arch && /work/venv-arch/bin/pip install torch transformers peft
  /work/venv-arch/bin/python scripts/check-families-transformers.py [work-dir]
"""
import json
import pathlib
import shutil
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM
from peft import PeftModel

ROOT = pathlib.Path(__file__).resolve().parent.parent
FAMILIES = ROOT.parent / "shared" / "golden" / "families"
TOKENS = [128, 7, 900, 31, 77, 5, 600, 42]
DATA = [
    "Once upon a time there was a little robot who loved to read books about the sea.",
    "The quick brown fox jumps over the lazy dog, and the dog does not mind at all.",
    "def add(a, b):\n    return a + b\n",
    "Qwen and Llama are families of language models.",
]


def engine(*args):
    r = subprocess.run([str(ROOT / "sparselora4j"), *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sparselora4j {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout.strip().splitlines()[-1]


def engine_logits(model, adapter):
    out = json.loads(engine("logits", "--model", str(model), "--adapter", str(adapter),
                            "--tokens", ",".join(map(str, TOKENS)), "--all"))
    return torch.tensor(out["logits"], dtype=torch.float64)


def torch_logits(model):
    with torch.no_grad():
        return model(torch.tensor([TOKENS])).logits[0].double()


def main():
    work = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sparselora4j-families-check")
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in DATA))
    for family in ["llama3", "llama3-untied", "qwen2", "qwen3"]:
        src = FAMILIES / family
        run = work / f"run-{family}"
        shutil.rmtree(run, ignore_errors=True)
        engine("finetune", "--model", str(src / "model.gguf"), "--tokenizer", str(src / "hf" / "tokenizer.json"),
               "--data", str(data), "--validation-data", str(data), "--steps", "20", "--batch", "2", "--lr", "1e-2",
               "--out", str(run))
        adapter = run / "adapter"
        exported = work / f"export-{family}"
        shutil.rmtree(exported, ignore_errors=True)
        engine("export", "--model", str(src / "model.gguf"), "--adapter", str(adapter), "--out", str(exported))

        merged = AutoModelForCausalLM.from_pretrained(exported, torch_dtype=torch.float32).eval()
        ref = engine_logits(src / "model.gguf", adapter)
        export_diff = (torch_logits(merged) - ref).abs().max().item()

        base = AutoModelForCausalLM.from_pretrained(src / "hf", torch_dtype=torch.float32)
        peft_model = PeftModel.from_pretrained(base, adapter).eval()
        peft_diff = (torch_logits(peft_model) - engine_logits(src / "hf", adapter)).abs().max().item()
        with peft_model.disable_adapter():
            base_diff = (torch_logits(peft_model) - ref).abs().max().item()  # how much the adapter moved the logits

        print(json.dumps({"family": family, "hf_class": type(merged).__name__,
                          "export_vs_transformers": export_diff, "peft_vs_transformers": peft_diff,
                          "adapter_effect": base_diff}), flush=True)


if __name__ == "__main__":
    main()
