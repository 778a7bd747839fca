"""Exact parity with PyTorch on saved references (tests/fixtures/make_reference.py).

float64 throughout; forward, loss and every parameter gradient must agree to a
relative error of 1e-10. Dropout cases feed the same fixed masks to both sides, the
given-state cases the same h0 (c0) to both, whose gradients must agree too. Cases with
the authors' summed loss run through :func:`rnn.train.train_step` with
``loss_reduction="sum-sequence"``. Convolutional cases with the default dilations are
built from a model config with their (uneven) channel list, as training builds them.
"""
import json
import pathlib

import numpy as np
import pytest

from rnn import make_model
from rnn.optim import clip_grad_norm
from rnn.registry import REGISTRY, make_config
from rnn.tasks import Split, Task
from rnn.train import train_step

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
CASES = ["clrnn_music", "clrnn_charlm", "tcn_music", "elman_music", "lstm_music", "gru_music",
         "clrnn_music_sum", "elman_music_h0", "lstm_music_h0", "gru_music_h0", "clrnn_sequence",
         "elman_sequence_h0"]
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
    # uneven channels go through the model config; dilations other than 2**i are beyond
    # what a config holds, so those cases call the registered body class with them
    default_dilations = cfg.get("dilations") == [2 ** i for i in range(len(cfg.get("channels", [])))]
    if kind in ("clrnn", "tcn") and default_dilations:
        body = make_config(kind, hidden_size=H, levels=len(cfg["channels"]),
                           kernel_size=cfg["kernel_size"], dropout=cfg["dropout"],
                           channels=cfg["channels"]).make(I, dtype=f64, seed=0)
        assert body.output_size == cfg["channels"][-1]
        drops = body.tcn.drops if kind == "clrnn" else body.drops
    elif kind == "clrnn":
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
    elif cfg["head"] == "sequence":
        model = make_model(body, "sequence-classification", steps=cfg["time"],
                           out_features=cfg["out_features"])
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
    states = [k for k in ("h0", "c0") if f"state:{k}" in ref]
    if states:
        model.body.fixed_state = tuple(ref[f"state:{k}"] for k in states)
    if cfg.get("reduction") == "sum":
        x, y = ref["x"], ref["y"]
        task = Task("parity", "music", x.shape[2], y.shape[2], Split([]), Split([]), Split([]))
        # train=True: train_step backpropagates only then (these cases fix every dropout mask)
        loss, out = train_step(model, task, x, y, train=True, loss_reduction="sum-sequence")
        loss *= x.shape[0] * x.shape[1]  # train_step reports the per-frame mean
    else:
        out = model.forward(ref["x"], train=train)
        loss, dout = model.loss(out, ref["y"])
        model.backward(dout)
    errs = {"out": rel_err(out, ref["out"]), "loss": rel_err(loss, ref["loss"])}
    grads = model.grads()
    for k in names:
        errs["grad " + k] = rel_err(grads[k], ref["g:" + k])
    for k, d in zip(states, model.body.dstate if states else ()):
        errs["grad " + k] = rel_err(d, ref["gstate:" + k])
    return errs


@pytest.mark.parametrize("name", CASES)
def test_parity_with_pytorch(name):
    errs = run_case(name)
    worst = max(errs, key=errs.get)
    assert errs[worst] <= RTOL, f"{name}: {worst} relative error {errs[worst]:.3g}"


def test_clip_grad_norm_matches_pytorch():
    """torch.nn.utils.clip_grad_norm_ (eps 1e-6) on the same gradients."""
    with np.load(FIXTURES / "parity_clip.npz", allow_pickle=False) as f:
        ref = {k: f[k] for k in f.files}
    for tag in ("a", "b"):
        grads = {str(i): ref[f"{tag}:before:{i}"].copy() for i in range(3)}
        total = clip_grad_norm(grads, float(ref[f"{tag}:max_norm"]))
        assert rel_err(total, ref[f"{tag}:total"]) <= 1e-14
        for i in range(3):
            assert rel_err(grads[str(i)], ref[f"{tag}:after:{i}"]) <= 1e-14, (tag, i)
    np.testing.assert_array_equal(ref["b:before:0"], ref["b:after:0"])  # below max_norm: untouched


def test_fixtures_are_small():
    for name in CASES:
        assert (FIXTURES / f"parity_{name}.npz").stat().st_size < 200_000


if __name__ == "__main__":
    for case in CASES:
        e = run_case(case)
        print(f"{case:14s} max rel err {max(e.values()):.2e} ({max(e, key=e.get)})")
