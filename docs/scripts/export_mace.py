#!/usr/bin/env python3
"""Export a mace-torch ScaleShiftMACE checkpoint for e3spark.

    python export_mace.py MODEL.model OUT_PREFIX [--e3nn-version X.Y.Z]

Run it where mace-torch (and therefore torch and e3nn) is installed; it cannot run without them.
It loads MODEL.model (torch.load of the whole module), reads the hyper-parameters off the loaded
module (the same attributes mace's own extract_config_mace_model reads) and writes

  OUT_PREFIX.json          the constructor's configuration, exactly the keys MaceModel.load reads
  OUT_PREFIX.safetensors   the module's state_dict() under MACE's own names: every floating-point
                           tensor, in its own dtype; the few integer/bool buffers (atomic_numbers,
                           num_interactions, cutoff p, *_zeroed flags) are not tensors e3spark needs
                           and are recorded in the file's __metadata__ instead.

e3nn_version: e3nn 0.5 changed the sign of some Clebsch-Gordan tensors, and a MACE module keeps the
bases it was *built* with (its products' U_matrix buffers travel inside the checkpoint), whatever
e3nn is installed when it is loaded. Every published checkpoint (MACE-MP-0/0b/MPA, MACE-OFF) was
built with e3nn 0.4.4. So the script does not write the installed version blindly: it rebuilds the
first product's symmetric contraction with the installed mace/e3nn and compares U matrices. Equal:
the module was built with the installed convention; equal up to the sign of some paths: with the
other one. (--e3nn-version overrides; MaceModel.load checks the U matrices against its own bases for
the recorded version and refuses a wrong one, naming e3nn_version.)

Only what e3spark reproduces exactly is exported; anything else (other model classes, several heads,
other interaction blocks or radial bases, cuEquivariance/OpenEquivariance-converted modules, ...) is
refused here with the attribute that differs.
"""

import argparse
import json
import struct
import sys

import numpy as np
import torch


def fail(msg):
    sys.exit(f"export_mace.py: {msg}")


def class_name(obj):
    return obj.__class__.__name__


def check_supported(model):
    if class_name(model) != "ScaleShiftMACE":
        fail(f"model class {class_name(model)} is not supported (only ScaleShiftMACE)")
    heads = getattr(model, "heads", ["Default"])
    if len(heads) != 1:
        fail(f"the model has {len(heads)} heads {heads}; export one head (mace's select_head) first")
    for attr, ok in [("use_so3", False), ("use_agnostic_product", False), ("use_last_readout_only", False),
                     ("apply_cutoff", True), ("use_edge_irreps_first", False), ("lammps_mliap", False)]:
        if hasattr(model, attr) and bool(getattr(model, attr)) != ok:
            fail(f"{attr} = {getattr(model, attr)} is not supported")
    if getattr(model, "use_reduced_cg", False):
        fail("use_reduced_cg = True is not supported (e3spark builds the full U bases)")
    if getattr(model, "edge_irreps", None) is not None:
        fail(f"edge_irreps = {model.edge_irreps} is not supported")
    if hasattr(model, "joint_embedding") or hasattr(model, "embedding_readout"):
        fail("models with embedding_specs (joint embeddings) are not supported")
    for name in ("interactions", "products"):
        for i, block in enumerate(getattr(model, name)):
            if getattr(block, "cueq_config", None) is not None and getattr(block.cueq_config, "enabled", False):
                fail(f"{name}.{i} uses cuEquivariance; convert the model back to e3nn first")
            if getattr(block, "oeq_config", None) is not None and getattr(block.oeq_config, "enabled", False):
                fail(f"{name}.{i} uses OpenEquivariance; convert the model back to e3nn first")
    last = model.readouts[-1]
    if len(model.readouts) > 1 and class_name(last) != "NonLinearReadoutBlock":
        fail(f"readout class {class_name(last)} is not supported (NonLinearReadoutBlock)")


def gate_name(model):
    last = model.readouts[-1]
    if not hasattr(last, "non_linearity"):
        return "silu"  # single-layer models have only a linear readout; mace's default gate
    acts = getattr(last.non_linearity, "acts", None)
    f = getattr(acts[0], "f", None) if acts else None
    name = getattr(f, "__name__", str(f))
    return "silu" if name == "silu" else name


def distance_transform(model):
    t = getattr(model.radial_embedding, "distance_transform", None)
    if t is None:
        return "None"
    return {"AgnesiTransform": "Agnesi", "SoftTransform": "Soft"}.get(class_name(t), class_name(t))


def radial_type(model):
    return {"BesselBasis": "bessel", "GaussianBasis": "gaussian", "ChebychevBasis": "chebyshev"}.get(
        class_name(model.radial_embedding.bessel_fn), class_name(model.radial_embedding.bessel_fn))


def correlations(model):
    out = []
    for p in model.products:
        sc = p.symmetric_contractions
        if hasattr(sc, "contractions"):
            out.append(len(sc.contractions[0].weights) + 1)
        else:
            out.append(int(sc.contraction_degree))
    return out[0] if len(set(out)) == 1 else out


def scalar(t):
    t = torch.as_tensor(t).detach().cpu().reshape(-1)
    if t.numel() != 1:
        fail(f"expected one value per head, got {t.numel()}")
    return float(t[0])


def built_e3nn_version(model):
    """The e3nn convention the module's product bases were built with (see the header)."""
    import e3nn
    from mace.modules.symmetric_contraction import SymmetricContraction

    installed = e3nn.__version__
    major, minor = (int(x) for x in installed.split(".")[:2])
    installed_legacy = (major, minor) < (0, 5)
    sc = model.products[0].symmetric_contractions
    try:
        kwargs = dict(irreps_in=sc.irreps_in, irreps_out=sc.irreps_out,
                      correlation=len(sc.contractions[0].weights) + 1,
                      num_elements=sc.contractions[0].weights_max.shape[0])
        torch.set_default_dtype(sc.contractions[0].weights_max.dtype)
        try:
            fresh = SymmetricContraction(use_reduced_cg=False, **kwargs)
        except TypeError:
            fresh = SymmetricContraction(**kwargs)
    except Exception as e:  # pragma: no cover - depends on the installed mace
        print(f"export_mace.py: cannot rebuild the product basis ({e}); recording the installed e3nn {installed}",
              file=sys.stderr)
        return installed
    mine = {k: v for k, v in model.products[0].symmetric_contractions.state_dict().items() if "U_matrix" in k}
    theirs = {k: v for k, v in fresh.state_dict().items() if "U_matrix" in k}
    same, flipped = True, False
    for k, u in mine.items():
        v = theirs.get(k)
        if v is None or v.shape != u.shape:
            fail(f"cannot compare product basis {k} with a freshly built one; pass --e3nn-version")
        u = u.double()
        v = v.double().to(u.device)
        if not torch.allclose(u, v, atol=1e-6):
            same = False
            # a sign change of whole paths (columns) is what separates the conventions
            if torch.allclose(u.abs(), v.abs(), atol=1e-6):
                flipped = True
            else:
                fail(f"product basis {k} differs from the installed mace's beyond signs; pass --e3nn-version")
    if same:
        return installed
    if flipped:
        return "0.6.0" if installed_legacy else "0.4.4"
    return installed


def config_of(model, e3nn_version):
    # as extract_config_mace_model: the first product's irreps (the last product keeps only scalars;
    # a one-layer model's are scalars, which builds the same network)
    hidden = str(model.products[0].linear.irreps_out)
    last = model.readouts[-1]
    mlp = str(last.hidden_irreps) if hasattr(last, "hidden_irreps") else "16x0e"
    e0 = model.atomic_energies_fn.atomic_energies.detach().cpu().double().reshape(-1)
    return {
        "model_class": class_name(model),
        "r_max": float(model.r_max.item()),
        "num_bessel": int(len(model.radial_embedding.bessel_fn.bessel_weights)),
        "num_polynomial_cutoff": int(model.radial_embedding.cutoff_fn.p.item()),
        "max_ell": int(model.spherical_harmonics._lmax),  # pylint: disable=protected-access
        "interaction_first": class_name(model.interactions[0]),
        "interaction": class_name(model.interactions[-1]),
        "num_interactions": int(model.num_interactions.item()),
        "hidden_irreps": hidden,
        "MLP_irreps": mlp,
        "correlation": correlations(model),
        "radial_MLP": [int(h) for h in model.interactions[0].conv_tp_weights.hs[1:-1]],
        "avg_num_neighbors": float(model.interactions[0].avg_num_neighbors),
        "atomic_numbers": [int(z) for z in model.atomic_numbers.cpu().tolist()],
        "atomic_energies": [float(e) for e in e0.tolist()],
        "scale": scalar(model.scale_shift.scale),
        "shift": scalar(model.scale_shift.shift),
        "gate": gate_name(model),
        "radial_type": radial_type(model),
        "distance_transform": distance_transform(model),
        "pair_repulsion": bool(hasattr(model, "pair_repulsion_fn")),
        "use_reduced_cg": bool(getattr(model, "use_reduced_cg", False)),
        "e3nn_version": e3nn_version,
    }


SAFETENSORS_DTYPES = {torch.float64: ("F64", "<f8"), torch.float32: ("F32", "<f4")}


def write_safetensors(path, state, metadata):
    """The safetensors layout (8-byte little-endian header length, JSON header, raw little-endian data)."""
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        code, np_dtype = SAFETENSORS_DTYPES[t.dtype]
        data = t.detach().cpu().contiguous().numpy().astype(np_dtype, copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="a mace-torch .model file (the whole pickled module)")
    ap.add_argument("out_prefix", help="writes OUT_PREFIX.json and OUT_PREFIX.safetensors")
    ap.add_argument("--e3nn-version", help="the e3nn version the module was built with (default: detected)")
    args = ap.parse_args()

    try:
        model = torch.load(args.model, map_location="cpu", weights_only=False)
    except TypeError:  # torch before 1.13 has no weights_only
        model = torch.load(args.model, map_location="cpu")
    model.eval()
    check_supported(model)
    version = args.e3nn_version or built_e3nn_version(model)
    config = config_of(model, version)

    floats, skipped, traced = {}, {}, []
    for name, t in model.state_dict().items():
        if "._compiled_main_left_right._tensor_constant" in name:
            # torch.fx's name for a constant of e3nn's generated tensor-product code once a module is re-traced
            # (seen with torch 2.11): e3nn's internal layout of its Clebsch-Gordan factors, which e3spark builds
            # itself from e3nn_version; not part of the model, so not exported (their names are recorded)
            traced.append(name)
        elif t.dtype in SAFETENSORS_DTYPES:
            floats[name] = t
        elif t.is_floating_point():
            floats[name] = t.double()
        else:
            skipped[name] = t.cpu().tolist()
    metadata = {"format": "pt", "producer": "e3spark docs/scripts/export_mace.py",
                "non_float_buffers": json.dumps(skipped), "traced_constants": json.dumps(traced)}
    with open(args.out_prefix + ".json", "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(args.out_prefix + ".safetensors", floats, metadata)
    print(f"wrote {args.out_prefix}.json and {args.out_prefix}.safetensors ({len(floats)} tensors, "
          f"e3nn_version {version}; skipped non-float buffers {sorted(skipped)}"
          f"{' and ' + str(len(traced)) + ' traced codegen constants' if traced else ''})")


if __name__ == "__main__":
    main()
