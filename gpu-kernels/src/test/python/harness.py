"""GPU check and timing harness for e3spark's generated tensor-product kernels (a tool, not product code).

For every manifest in cases/*.json: builds the same problem in e3nn 0.6.0 (float64 reference),
loads the generated kernels with CuPy (a precompiled cases/<id>.cubin if present, else NVRTC),
checks forward, backward and the composed double backward against e3nn (outputs poisoned with
NaN first, every element must be written), and times forward/backward of the SPEC §9 problems at
batch 50,000 with CUDA events (warm-up, median of >= 30, 3 rotating input sets).

Usage: python3 harness.py [--only SUBSTR] [--no-time] [--time-only]
"""
import gc
import glob
import json
import math
import os
import sys
import time

import cupy as cp
import numpy as np
import torch
from e3nn import o3

HERE = os.path.dirname(os.path.abspath(__file__))
# e3nn builds its CG buffers in the default dtype: float64 keeps the reference exact to ~1e-16.
torch.set_default_dtype(torch.float64)
CHECK_BATCH = 207
CHECK_BATCHES = (1, 13, 207, 20011)
TIME_BATCH = 50000
TOL = {("float64", "fwd"): 1e-12, ("float64", "bwd"): 1e-12, ("float64", "dd"): 1e-12,
       ("float32", "fwd"): 1e-5, ("float32", "bwd"): 1e-4, ("float32", "dd"): 1e-4}


def perm_to_irmul(irreps_str):
    """idx with t_irmul = t_mulir[..., idx]."""
    irreps = o3.Irreps(irreps_str)
    idx = []
    start = 0
    for mul, ir in irreps:
        d = ir.dim
        for m in range(d):
            for u in range(mul):
                idx.append(start + u * d + m)
        start += mul * d
    return torch.tensor(idx, dtype=torch.long, device="cuda")


class Case:
    def __init__(self, path):
        self.m = json.load(open(path))
        m = self.m
        self.id = m["id"]
        self.dtype = m["dtype"]
        self.np_dtype = np.float32 if self.dtype == "float32" else np.float64
        self.torch_dtype = torch.float32 if self.dtype == "float32" else torch.float64
        self.irmul = m["layout"] == "ir_mul"
        ins = [(a, b, c, mode, hw, pw) for a, b, c, mode, hw, pw in m["instructions"]]
        self.tp = o3.TensorProduct(m["irreps_in1"], m["irreps_in2"], m["irreps_out"], ins,
                                   irrep_normalization=m["irrep_normalization"],
                                   path_normalization=m["path_normalization"],
                                   internal_weights=False, shared_weights=m["shared_weights"]).to("cuda", torch.float64)
        for k, coef in enumerate(m["coefficients"]):
            pw = self.tp.instructions[k].path_weight
            if abs(pw - coef) > 1e-12 * max(1.0, abs(coef)):
                raise RuntimeError(f"{self.id}: coefficient {k} is {coef}, e3nn has {pw}")
        self.dim1 = self.tp.irreps_in1.dim
        self.dim2 = self.tp.irreps_in2.dim
        self.dimo = self.tp.irreps_out.dim
        self.wn = self.tp.weight_numel
        self.shared = m["shared_weights"]
        self.entries = {e["name"]: e for e in m["entries"]}
        if self.irmul:
            self.p1 = perm_to_irmul(m["irreps_in1"])
            self.p2 = perm_to_irmul(m["irreps_in2"])
            self.po = perm_to_irmul(m["irreps_out"])
        cubin = os.path.join(HERE, "cases", self.id + ".cubin")
        if os.path.exists(cubin):
            try:
                self.mod = cp.RawModule(path=cubin)
                self.how = "cubin"
            except Exception as e:  # fall back to NVRTC
                print(f"  {self.id}: cubin load failed ({e}); NVRTC", flush=True)
                self.mod = None
        else:
            self.mod = None
        if self.mod is None:
            src = open(os.path.join(HERE, "cases", m["source"])).read()
            self.mod = cp.RawModule(code=src, options=("-std=c++17",))
            self.how = "nvrtc"
        self.kern = {}
        for name, e in self.entries.items():
            f = self.mod.get_function(name)
            if e["smem"] > 48 * 1024:
                f.max_dynamic_shared_size_bytes = e["smem"]
            self.kern[name] = f

    # layout helpers: e3nn data is mul_ir; kernels see the problem's layout
    def to_k(self, t, which):
        if self.irmul:
            t = t[:, {"1": self.p1, "2": self.p2, "o": self.po}[which]]
        return cp.ascontiguousarray(cp.asarray(t.detach().to(self.torch_dtype).contiguous()))

    def from_k(self, a, which):
        t = torch.as_tensor(a, device="cuda").to(torch.float64)
        if self.irmul:
            p = {"1": self.p1, "2": self.p2, "o": self.po}[which]
            out = torch.empty_like(t)
            out[:, p] = t
            t = out
        return t

    def w_k(self, w):
        return cp.ascontiguousarray(cp.asarray(w.detach().to(self.torch_dtype).contiguous()))

    def launch(self, name, batch, *args):
        e = self.entries[name]
        grid = max(1, min((batch + e["rows_per_block"] - 1) // e["rows_per_block"], e["max_blocks"]))
        self.kern[name]((grid,), (e["threads"],), args + (np.int32(batch),), shared_mem=e["smem"])

    def nan(self, shape):
        return cp.full(shape, cp.nan, dtype=self.np_dtype)

    def wshape(self, batch):
        return (self.wn,) if self.shared else (batch, self.wn)


def rel(a, ref):
    if torch.isnan(a).any():
        return float("nan")
    n = ref.norm().item()
    return (a - ref).norm().item() / (n if n > 0 else 1.0)


def check(c, batch=CHECK_BATCH, seed=0):
    g = torch.Generator(device="cuda").manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, device="cuda", dtype=torch.float64)
    x, y, w, go = r(batch, c.dim1), r(batch, c.dim2), r(*c.wshape(batch)), r(batch, c.dimo)
    a, b, cw = r(batch, c.dim1), r(batch, c.dim2), r(*c.wshape(batch))
    if c.dtype == "float32":  # reference on the float32-rounded inputs
        x, y, w, go, a, b, cw = [t.float().double() for t in (x, y, w, go, a, b, cw)]
    res = {}
    # forward
    ref = c.tp(x, y, w)
    out = c.nan((batch, c.dimo))
    c.launch("tp_forward", batch, c.to_k(x, "1"), c.to_k(y, "2"), c.w_k(w), out)
    cp.cuda.runtime.deviceSynchronize()
    res["fwd"] = rel(c.from_k(out, "o"), ref)
    # backward
    xr, yr, wr, gr = [t.clone().requires_grad_(True) for t in (x, y, w, go)]
    o = c.tp(xr, yr, wr)
    gx_ref, gy_ref, gw_ref = torch.autograd.grad(o, (xr, yr, wr), gr, create_graph=True, allow_unused=True)
    gx_ref = torch.zeros_like(xr) if gx_ref is None else gx_ref
    gy_ref = torch.zeros_like(yr) if gy_ref is None else gy_ref
    gw_ref = torch.zeros_like(wr) if gw_ref is None else gw_ref
    gx, gy = c.nan((batch, c.dim1)), c.nan((batch, c.dim2))
    gw = cp.zeros(c.wshape(batch), dtype=c.np_dtype) if c.shared else c.nan(c.wshape(batch))
    c.launch("tp_backward", batch, c.to_k(x, "1"), c.to_k(y, "2"), c.w_k(w), c.to_k(go, "o"), gx, gy, gw)
    cp.cuda.runtime.deviceSynchronize()
    res["bwd_x"] = rel(c.from_k(gx, "1"), gx_ref)
    res["bwd_y"] = rel(c.from_k(gy, "2"), gy_ref)
    res["bwd_w"] = rel(torch.as_tensor(gw, device="cuda").double(), gw_ref) if c.wn > 0 else 0.0
    if "tp_forward_acc" not in c.entries:
        return res
    # double backward composed from the accumulate / weight-tangent variants (KernelAbi)
    L = (gx_ref * a).sum() + (gy_ref * b).sum() + ((gw_ref * cw).sum() if c.wn > 0 else 0)
    ddx_ref, ddy_ref, ddw_ref, ddg_ref = torch.autograd.grad(L, (xr, yr, wr, gr), allow_unused=True)
    ddg_ref = torch.zeros_like(go) if ddg_ref is None else ddg_ref
    z = lambda t: torch.zeros_like(wr) if t is None else t
    ddw_ref = z(ddw_ref)
    ddx_ref = torch.zeros_like(x) if ddx_ref is None else ddx_ref
    ddy_ref = torch.zeros_like(y) if ddy_ref is None else ddy_ref
    K = lambda t, wh: c.to_k(t, wh)
    ddx = cp.zeros((batch, c.dim1), dtype=c.np_dtype)
    ddy = cp.zeros((batch, c.dim2), dtype=c.np_dtype)
    ddw = cp.zeros(c.wshape(batch), dtype=c.np_dtype)
    ddg = cp.zeros((batch, c.dimo), dtype=c.np_dtype)
    null = np.uint64(0)
    kx, ky, kw, kg, ka, kb, kc = K(x, "1"), K(y, "2"), c.w_k(w), K(go, "o"), K(a, "1"), K(b, "2"), c.w_k(cw)
    c.launch("tp_backward_acc", batch, ka, kb, kw, kg, ddx, ddy, null)
    c.launch("tp_backward_wtan_acc", batch, kx, ky, kc, kg, ddx, ddy, null)
    c.launch("tp_backward_acc", batch, ka, ky, kw, kg, null, null, ddw)
    c.launch("tp_backward_acc", batch, kx, kb, kw, kg, null, null, ddw)
    c.launch("tp_forward_acc", batch, ka, ky, kw, ddg)
    c.launch("tp_forward_acc", batch, kx, kb, kw, ddg)
    c.launch("tp_forward_wtan_acc", batch, kx, ky, kc, ddg)
    cp.cuda.runtime.deviceSynchronize()
    res["dd_x"] = rel(c.from_k(ddx, "1"), ddx_ref)
    res["dd_y"] = rel(c.from_k(ddy, "2"), ddy_ref)
    res["dd_w"] = rel(torch.as_tensor(ddw, device="cuda").double(), ddw_ref) if c.wn > 0 else 0.0
    res["dd_g"] = rel(c.from_k(ddg, "o"), ddg_ref)
    return res


def passes(c, res):
    ok = True
    for k, v in res.items():
        tol = TOL[(c.dtype, "fwd" if k == "fwd" else ("bwd" if k.startswith("bwd") else "dd"))]
        if not (v <= tol):
            ok = False
    return ok


def time_case(c, batch=TIME_BATCH, sets=3, reps=60):
    elem = np.dtype(c.np_dtype).itemsize
    rng = cp.random.default_rng(1)
    mk = lambda *s: rng.standard_normal(s, dtype=c.np_dtype)
    ins = [(mk(batch, c.dim1), mk(batch, c.dim2), mk(*c.wshape(batch)), mk(batch, c.dimo)) for _ in range(sets)]
    out = cp.empty((batch, c.dimo), dtype=c.np_dtype)
    gx = cp.empty((batch, c.dim1), dtype=c.np_dtype)
    gy = cp.empty((batch, c.dim2), dtype=c.np_dtype)
    gw = cp.zeros(c.wshape(batch), dtype=c.np_dtype)
    wbytes = c.wn if c.shared else batch * c.wn
    fwd_bytes = (batch * (c.dim1 + c.dim2 + c.dimo) + wbytes) * elem
    bwd_bytes = (batch * (2 * c.dim1 + 2 * c.dim2 + c.dimo) + 2 * wbytes) * elem
    result = {}
    for kind, fn, nbytes in (
            ("fwd", lambda s: c.launch("tp_forward", batch, s[0], s[1], s[2], out), fwd_bytes),
            ("bwd", lambda s: c.launch("tp_backward", batch, s[0], s[1], s[2], s[3], gx, gy, gw), bwd_bytes)):
        for i in range(5):
            fn(ins[i % sets])
        cp.cuda.runtime.deviceSynchronize()
        times = []
        for i in range(reps):
            e0, e1 = cp.cuda.Event(), cp.cuda.Event()
            e0.record()
            fn(ins[i % sets])
            e1.record()
            e1.synchronize()
            times.append(cp.cuda.get_elapsed_time(e0, e1))
        ms = float(np.median(times))
        result[kind] = (ms, nbytes / ms / 1e6, float(np.percentile(times, 10)), float(np.percentile(times, 90)))
    del ins
    cp.get_default_memory_pool().free_all_blocks()
    return result


def main():
    only = None
    args = sys.argv[1:]
    if "--only" in args:
        only = args[args.index("--only") + 1]
    do_check = "--time-only" not in args
    do_time = "--no-time" not in args
    dev = torch.cuda.get_device_properties(0)
    print(f"device {dev.name}, {dev.multi_processor_count} SMs, torch {torch.__version__}, cupy {cp.__version__}", flush=True)
    if "--nvrtc-time" in args:
        for name in ("bench_nequip-revmd17-benzene_float32", "bench_mace-large_float32", "bench_mace-large_float64"):
            src = open(os.path.join(HERE, "cases", name + ".cu")).read()
            t = time.time()
            cp.RawModule(code=src, options=("-std=c++17",)).get_function("tp_forward")
            print(f"NVRTC compile of {name} (all 6 kernels, {src.count(chr(10))} lines): {time.time() - t:.1f} s", flush=True)
    paths = sorted(glob.glob(os.path.join(HERE, "cases", "*.json")))
    if only:
        paths = [p for p in paths if only in os.path.basename(p)]
    check_rows, time_rows, failures = [], [], 0
    t0 = time.time()
    for p in paths:
        try:
            c = Case(p)
        except Exception as e:
            print(f"LOAD FAIL {os.path.basename(p)}: {e}", flush=True)
            failures += 1
            continue
        if do_check:
            try:
                # awkward sizes for tails, and one larger than a resident grid so warps loop over rows
                res = {}
                for batch in (CHECK_BATCHES if "sweep" not in c.m else (13, 20011)):
                    for k, v in check(c, batch, seed=batch).items():
                        res[k] = max(res.get(k, 0.0), v) if not math.isnan(v) else v
                ok = passes(c, res)
                failures += 0 if ok else 1
                line = f"{'ok  ' if ok else 'FAIL'} {c.id:48s} [{c.how}] " + " ".join(f"{k}={v:.1e}" for k, v in res.items())
            except Exception as e:
                failures += 1
                line = f"ERR  {c.id:48s} {type(e).__name__}: {e}"
            print(line, flush=True)
            check_rows.append(line)
        gc.collect()
        torch.cuda.empty_cache()
        cp.get_default_memory_pool().free_all_blocks()
        if do_time and "bench" in c.m:
            r = time_case(c)
            for kind in ("fwd", "bwd"):
                ms, gbs, p10, p90 = r[kind]
                oeq = c.m["oeq_" + kind + "_ms"]
                label = c.m['bench'] + ('/' + c.m['sweep'] if 'sweep' in c.m else '') + ('/ir_mul' if c.irmul else '')
                row = f"{label:34s} {c.dtype:8s} {kind}  {ms:8.3f} ms  [{p10:.3f}-{p90:.3f}]  {gbs:7.0f} GB/s  ratio {ms / oeq:5.2f}"
                print("TIME " + row, flush=True)
                time_rows.append(row)
    print(f"\n==== {len(paths)} cases, {failures} failing, {time.time() - t0:.0f} s ====")
    print("problem                            dtype    dir   median ms  [p10-p90]      GB/s    ratio to OEQ")
    for row in time_rows:
        print(row)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
