# Makes the dequantization fixtures: for each type, random blocks (scales set to finite halves) and their values
# as decoded by gguf-py (llama.cpp's own Python port of its formats, `pip install gguf`, version 0.19.0).
# Run: python make.py  (writes TYPE.bin, the raw blocks, and TYPE.f32, little-endian float32 values)
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

rng = np.random.default_rng(15)
# (type, block bytes, byte offsets of f16 scale fields)
types = {"Q8_0": (T.Q8_0, 34, [0]), "Q4_0": (T.Q4_0, 18, [0]), "Q4_K": (T.Q4_K, 144, [0, 2]), "Q6_K": (T.Q6_K, 210, [208])}
blocks = 5
for name, (qtype, nbytes, halves) in types.items():
    raw = rng.integers(0, 256, size=(blocks, nbytes), dtype=np.uint8)
    for h in halves:
        scale = rng.normal(0, 0.05, size=blocks).astype(np.float16)
        raw[:, h:h + 2] = scale.view(np.uint8).reshape(blocks, 2)
    values = dequantize(raw.reshape(-1), qtype).astype("<f4").reshape(-1)
    raw.tofile(name + ".bin")
    values.tofile(name + ".f32")
    print(name, values.shape, values[:4])
