#!/usr/bin/env python3
"""e3nn's o3.TensorProduct on the CPU for the SPEC section 9 problems (issue 17's side-by-side bench).

  python3 cpu_vs_e3nn.py bench --threads T [--batch 2000] [--repeat 7] [--problems a,b]
      prints one line per problem: "e3nn <problem> <T> <forward rows/s> <forward+backward rows/s>"
  python3 cpu_vs_e3nn.py table E3NN_LOG E3SPARK_LOG...
      joins those lines with e3spark's `bench` tables (one log per thread count, first line
      "# threads T") into the ratio table of issue 17.

Problems are built exactly as e3spark's TPProblems.channelwise / fullyConnected (ProblemCatalog):
float32, per-row weights (tetris-poly-2: shared, as in the catalog), forward under no_grad, and
forward+backward = one forward with autograd plus out.backward(g) for x, y and w.
e3spark's "backward" is one call computing the three gradients from (x, y, w, g); it is compared
with e3nn's forward+backward, which is what a training step pays for there.
"""
import argparse
import statistics
import sys
import time

PROBLEMS = ["mace-large", "mace-medium", "nequip-lips", "DiffDock-L=2", "tetris-poly-2"]


def build(name):
    from e3nn import o3

    def channelwise(a, b, filt):
        a, b, filt = o3.Irreps(a), o3.Irreps(b), o3.Irreps(filt)
        pending = []
        for i, (mul, ia) in enumerate(a):
            for j, (_, ib) in enumerate(b):
                for ir in ia * ib:
                    if ir in filt:
                        pending.append((i, j, (mul, ir)))
        # stable sort of output blocks by irrep (l, then odd before even), instructions renumbered
        order = sorted(range(len(pending)), key=lambda k: (pending[k][2][1].l, pending[k][2][1].p))
        position = {k: n for n, k in enumerate(order)}
        out = o3.Irreps([pending[k][2] for k in order])
        ins = [(i, j, position[k], "uvu", True) for k, (i, j, _) in enumerate(pending)]
        return o3.TensorProduct(a, b, out, ins, shared_weights=False, internal_weights=False)

    def fully_connected(a, b, c, shared):
        a, b, c = o3.Irreps(a), o3.Irreps(b), o3.Irreps(c)
        ins = [(i, j, k, "uvw", True)
               for i, (_, ia) in enumerate(a) for j, (_, ib) in enumerate(b) for k, (_, ic) in enumerate(c)
               if ic in ia * ib]
        return o3.TensorProduct(a, b, c, ins, shared_weights=shared, internal_weights=False)

    if name == "mace-large":
        return channelwise("128x0e+128x1o+128x2e", "1x0e+1x1o+1x2e+1x3o", "128x0e+128x1o+128x2e+128x3o")
    if name == "mace-medium":
        return channelwise("128x0e+128x1o", "1x0e+1x1o+1x2e+1x3o", "128x0e+128x1o+128x2e")
    if name == "nequip-lips":
        a = "32x0o+32x0e+32x1o+32x1e+32x2o+32x2e"
        return channelwise(a, "0e+1o+2e", a)
    if name == "nequip-revmd17-benzene":
        a = "64x0o+64x0e+64x1o+64x1e+64x2o+64x2e+64x3o+64x3e"
        return channelwise(a, "0e+1o+2e+3o", a)
    if name == "nequip-water":
        a = "32x0o+32x0e+32x1o+32x1e"
        return channelwise(a, "0e+1o", a)
    if name == "DiffDock-L=2":
        a = "10x1o+10x1e+48x0e+48x0o"
        return fully_connected(a, "1x0e+1x1o+1x2e", a, False)
    if name == "tetris-poly-2":
        return fully_connected("64x0e+24x1e+24x1o+16x2e+16x2o", "1x0e+1x1o+1x2e", "0o+6x0e", True)
    raise SystemExit(f"unknown problem {name}")


def median_s(fn, repeat):
    fn()  # warm-up (fx codegen, allocator)
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(args):
    import torch
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    import e3nn
    print(f"# torch {torch.__version__} e3nn {e3nn.__version__} threads {torch.get_num_threads()} "
          f"batch {args.batch} float32", flush=True)
    gen = torch.Generator().manual_seed(42)
    for name in args.problems.split(","):
        tp = build(name)
        n = args.batch
        x = torch.randn(n, tp.irreps_in1.dim, generator=gen)
        y = torch.randn(n, tp.irreps_in2.dim, generator=gen)
        w = torch.randn((tp.weight_numel,) if tp.shared_weights else (n, tp.weight_numel), generator=gen)
        g = torch.randn(n, tp.irreps_out.dim, generator=gen)

        def fwd():
            with torch.no_grad():
                return tp(x, y, w)

        xg, yg, wg = (t.clone().requires_grad_(True) for t in (x, y, w))

        def fwd_bwd():
            xg.grad = yg.grad = wg.grad = None
            out = tp(xg, yg, wg)
            out.backward(g)

        tf = median_s(fwd, args.repeat)
        tb = median_s(fwd_bwd, args.repeat)
        print(f"e3nn {name} {args.threads} {n / tf:.0f} {n / tb:.0f}", flush=True)


def table(args):
    e3nn = {}
    for line in open(args.e3nn_log):
        p = line.split()
        if len(p) == 5 and p[0] == "e3nn":
            e3nn[(p[1], int(p[2]))] = (float(p[3]), float(p[4]))
    ours = {}
    for path in args.e3spark_logs:
        threads = None
        for line in open(path):
            p = line.split()
            if line.startswith("# threads"):
                threads = int(p[2])
            elif len(p) >= 7 and p[1] == "cpu" and p[2] == "f32" and threads is not None:
                fwd, bwd = ours.get((p[0], threads), (None, None))
                if p[3] == "forward":
                    fwd = float(p[6])
                elif p[3] == "backward":
                    bwd = float(p[6])
                ours[(p[0], threads)] = (fwd, bwd)
    print("| problem | threads | e3spark fwd rows/s | e3nn fwd | ratio | e3spark bwd rows/s | e3nn fwd+bwd | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    keys = sorted(set(e3nn) & set(ours), key=lambda k: (PROBLEMS.index(k[0]) if k[0] in PROBLEMS else 99, k[1]))
    for k in keys:
        ef, eb = e3nn[k]
        of, ob = ours[k]
        rf = f"{of / ef:.2f}" if of else "-"
        rb = f"{ob / eb:.2f}" if ob else "-"
        print(f"| {k[0]} | {k[1]} | {of or 0:,.0f} | {ef:,.0f} | {rf} | {ob or 0:,.0f} | {eb:,.0f} | {rb} |")
    # scaling: highest over lowest thread count, per problem
    for side, data in (("e3spark", ours), ("e3nn", e3nn)):
        for name in PROBLEMS:
            ts = sorted(t for (p, t) in data if p == name)
            if len(ts) >= 2 and data[(name, ts[0])][0] and data[(name, ts[-1])][0]:
                lo, hi = data[(name, ts[0])], data[(name, ts[-1])]
                print(f"# {side} {name} scaling {ts[0]} -> {ts[-1]} threads: fwd {hi[0] / lo[0]:.2f}x"
                      + (f", bwd {hi[1] / lo[1]:.2f}x" if hi[1] and lo[1] else ""))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--threads", type=int, required=True)
    b.add_argument("--batch", type=int, default=2000)
    b.add_argument("--repeat", type=int, default=7)
    b.add_argument("--problems", default=",".join(PROBLEMS))
    t = sub.add_parser("table")
    t.add_argument("e3nn_log")
    t.add_argument("e3spark_logs", nargs="+")
    args = ap.parse_args()
    bench(args) if args.cmd == "bench" else table(args)


if __name__ == "__main__":
    sys.exit(main())
