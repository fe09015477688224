"""e3nn's side of docs/scripts/check-weights-export.sh.

Builds the modules of the guide's export script (docs/guide.md, section 6; imported from SNIPPET_DIR as
export_e3nn_weights) in float64, loads the exported weights into them from the safetensors file, evaluates
each weighted piece on fixed random inputs and writes inputs and outputs as JSON for
org.e3spark.cli.WeightsExportCheck, which computes the same with e3spark's layers:
every o3.Linear, each layer's radial MLP (nn.FullyConnectedNet) and convolution (o3.TensorProduct, fed
the MLP's per-edge weights).

usage: python3 docs/scripts/e3nn_reference.py SNIPPET_DIR CONFIG.json WEIGHTS.safetensors OUT.json
"""
import json
import struct
import sys

import e3nn
import torch
from e3nn import o3

ROWS = 5


def read_safetensors(path):
    """{name: (shape, values)} from a safetensors file (F64 or F32), read by hand as the snippet writes it."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        fmt = {"F64": "d", "F32": "f"}[t["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        out[name] = (t["shape"], list(struct.unpack(f"<{count}{fmt}", raw[8 + n + begin : 8 + n + end])))
    return out


def flat(t):
    return t.reshape(-1).tolist()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    snippet_dir, config_path, weights_path, out_path = sys.argv[1:]
    sys.path.insert(0, snippet_dir)
    import export_e3nn_weights as snippet  # the guide's block, saved under the name the guide gives it

    torch.set_default_dtype(torch.float64)
    with open(config_path) as f:
        config = json.load(f)
    model = snippet.FeaturizerModules(config)
    tensors = read_safetensors(weights_path)
    params = dict(model.named_parameters())
    if set(params) != set(tensors):
        sys.exit(f"{weights_path} holds {sorted(tensors)}, the modules have {sorted(params)}")
    with torch.no_grad():
        for name, p in params.items():
            shape, values = tensors[name]
            if list(p.shape) != shape:
                sys.exit(f"{name}: file shape {shape}, module shape {list(p.shape)}")
            p.copy_(torch.tensor(values).reshape(shape))

    gen = torch.Generator().manual_seed(20261124)

    def randn(*shape):
        return torch.randn(*shape, generator=gen)

    pieces = []

    def linear(name, lin, x):
        pieces.append({"name": name, "kind": "linear", "irreps_in": str(lin.irreps_in), "irreps_out": str(lin.irreps_out),
                       "rows": x.shape[0], "x": flat(x), "out": flat(lin(x))})

    with torch.no_grad():
        linear("embedding", model.embedding, torch.eye(len(config["species"])))  # one-hot species rows
        for k, layer in enumerate(model.layers):
            prefix = f"layers.{k}."
            linear(prefix + "linear_up", layer.linear_up, randn(ROWS, layer.linear_up.irreps_in.dim))
            mlp = layer.radial_mlp
            radial = randn(ROWS, mlp.hs[0])
            w = mlp(radial)
            # the normalize2mom constant e3nn put on the SiLU (estimated from samples; e3spark integrates it)
            cst = mlp.layer0.act.cst if len(mlp.hs) > 2 else 1.0
            pieces.append({"name": prefix + "radial_mlp", "kind": "mlp", "sizes": list(mlp.hs), "rows": ROWS,
                           "x": flat(radial), "out": flat(w), "act_cst": cst})
            tp = layer.tp
            x = randn(ROWS, tp.irreps_in1.dim)
            y = o3.spherical_harmonics(tp.irreps_in2, randn(ROWS, 3), normalize=True, normalization="component")
            pieces.append({"name": prefix + "tp", "kind": "tensor_product", "irreps_in1": str(tp.irreps_in1),
                           "irreps_in2": str(tp.irreps_in2), "irreps_out": str(tp.irreps_out), "rows": ROWS,
                           "x": flat(x), "y": flat(y), "w": flat(w), "out": flat(tp(x, y, w))})
            linear(prefix + "linear_down", layer.linear_down, randn(ROWS, layer.linear_down.irreps_in.dim))
        linear("readout", model.readout, randn(ROWS, model.readout.irreps_in.dim))

    with open(out_path, "w") as f:
        json.dump({"e3nn": e3nn.__version__, "torch": torch.__version__, "pieces": pieces}, f)
    print(f"wrote {out_path}: {len(pieces)} pieces evaluated by e3nn {e3nn.__version__} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
