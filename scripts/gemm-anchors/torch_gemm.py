# PyTorch (MKL / oneDNN) matmul GFLOP/s in the three layouts a training step uses, 2 threads, median of 9 (scripts/gemm-anchors.sh runs it).
import time, torch
torch.set_num_threads(2)
print("torch", torch.__version__, "mkl", torch.backends.mkl.is_available(), "mkldnn", torch.backends.mkldnn.is_available())
for m, k, n in [(2048, 768, 2048), (2048, 2048, 5632), (512, 2048, 8192)]:
    a = torch.randn(m, k); w = torch.randn(n, k); b = torch.randn(k, n); at = torch.randn(k, m)
    for name, f in [("abT", lambda: torch.nn.functional.linear(a, w)), ("ab", lambda: a @ b), ("aTb", lambda: at.t() @ b)]:
        for _ in range(3): f()
        ts = []
        for _ in range(9):
            s = time.perf_counter(); f(); ts.append(time.perf_counter() - s)
        ts.sort(); t = ts[4]
        print(f"torch {name} {m}x{k}x{n} threads 2: {t*1e3:.3f} ms, {2*m*k*n/t/1e9:.1f} GFLOP/s")
