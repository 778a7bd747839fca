"""Exact parity with PyTorch on saved references (tests/fixtures/make_reference.py).

float64 throughout; forward, loss and every parameter gradient must agree to a
relative error of 1e-10. Dropout cases feed the same fixed masks to both sides.
"""
import json
import pathlib

import numpy as np
import pytest

from rnn import make_model
from rnn.registry import REGISTRY, make_config

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
CASES = ["clrnn_music", "clrnn_charlm", "tcn_music", "elman_music", "lstm_music", "gru_music"]
RTOL = 1e-10


def rel_err(got, want):
    """max |got - want| / max |want| (norm-free, scale-aware)."""
    want = np.asarray(want, dtype=np.float64)
    scale = max(np.abs(want).max(), 1e-300)
    return float(np.abs(np.asarray(got) - want).max() / scale)


_NAMES = {"elman": "rnn"}  # the fixtures' kind -> the name in rnn.registry.REGISTRY


def build(cfg):
    kind, I, H = cfg["kind"], cfg["input_size"], cfg["hidden_size"]
    f64 = np.float64
    spec = REGISTRY[_NAMES.get(kind, kind)]
    # the convolutional cases use uneven channels and dilations, beyond what a config
    # holds, so they call the registered body class with them
    if kind == "clrnn":
        body = spec.body(I, H, levels=len(cfg["channels"]), kernel_size=cfg["kernel_size"],
                         dropout=cfg["dropout"], channels=cfg["channels"],
                         dilations=cfg["dilations"], dtype=f64, seed=0)
        drops = body.tcn.drops
    elif kind == "tcn":
        body = spec.body(I, cfg["channels"], cfg["kernel_size"], cfg["dropout"], cfg["dilations"],
                         dtype=f64, seed=0)
        drops = body.drops
    else:
        body = make_config(spec.name, hidden_size=H).make(I, dtype=f64, seed=0)
        drops = []
    if cfg["head"] == "music":
        model = make_model(body, "music", n_notes=cfg["n_notes"])
    else:
        model = make_model(body, "charlm", vocab_size=cfg["vocab_size"],
                           emb_dropout=cfg["emb_dropout"])
    return model, drops


def run_case(name):
    with np.load(FIXTURES / f"parity_{name}.npz", allow_pickle=False) as f:
        ref = {k: f[k] for k in f.files}
    cfg = json.loads(str(ref["config"]))
    model, drops = build(cfg)
    params = model.params()
    names = sorted(k[2:] for k in ref if k.startswith("p:"))
    assert names == sorted(params), "parameter names differ from the reference"
    for k in names:
        params[k][...] = ref["p:" + k]  # in place: params() holds the live arrays
    train = False
    for i, drop in enumerate(drops):
        if f"mask:tcn.{i}" in ref:
            drop.fixed_mask = ref[f"mask:tcn.{i}"]
            train = True
    if "mask:emb" in ref:
        model.drop.fixed_mask = ref["mask:emb"]
        train = True
    out = model.forward(ref["x"], train=train)
    loss, dout = model.loss(out, ref["y"])
    model.backward(dout)
    errs = {"out": rel_err(out, ref["out"]), "loss": rel_err(loss, ref["loss"])}
    grads = model.grads()
    for k in names:
        errs["grad " + k] = rel_err(grads[k], ref["g:" + k])
    return errs


@pytest.mark.parametrize("name", CASES)
def test_parity_with_pytorch(name):
    errs = run_case(name)
    worst = max(errs, key=errs.get)
    assert errs[worst] <= RTOL, f"{name}: {worst} relative error {errs[worst]:.3g}"


def test_fixtures_are_small():
    for name in CASES:
        assert (FIXTURES / f"parity_{name}.npz").stat().st_size < 200_000


if __name__ == "__main__":
    for case in CASES:
        e = run_case(case)
        print(f"{case:14s} max rel err {max(e.values()):.2e} ({max(e, key=e.get)})")
