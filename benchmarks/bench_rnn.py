"""Measure rnn's CL-RNN and baselines beside PyTorch CPU. Prints numbers; not a test.

    python benchmarks/bench_rnn.py            # full run (several minutes)
    python benchmarks/bench_rnn.py --quick    # under a minute
    python benchmarks/bench_rnn.py --only sweep --models LSTM --T 1024 4096 --H 128

(a) one JSB Chorales training epoch of the paper's CL-RNN (88 in, 150 hidden,
    k = 5, 4 levels, dropout 0.25, music head, Adam lr 1e-2, one sequence per
    step, x = seq[:-1], y = seq[1:]), ours and PyTorch's in the same run;
(b) forward + backward time against sequence length T for CL-RNN, Elman RNN and
    LSTM, with each model's work (multiply-adds of one forward pass) and depth
    (longest chain of dependent layer applications); as in training on data,
    neither side computes the gradient with respect to the input x. Each row
    times ours and PyTorch's in alternating blocks (ours, theirs, theirs, ours,
    ...) with a pause before every block, and keeps each side's best time: see
    :func:`paired_best`;
(c) cold versus warm process start (Numba's on-disk cache).

PyTorch is optional: without it only our numbers are printed. The data file is
read from ../shared/data beside the checkout, or from --data.

Threads: NumPy's BLAS and PyTorch both default to one thread per core. On a busy
machine (or for the small products of one JSB sequence) one thread each is often
faster; compare with

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_rnn.py --only jsb
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from rnn import CLRNNConfig, make_model
from rnn.optim import Adam
from rnn.registry import make_config

__all__ = ["main", "bench_jsb", "bench_sweep", "bench_start", "paired_best"]

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "JSB_Chorales.mat"


# ------------------------------------------------------------------ PyTorch side

def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_models(torch):
    """PyTorch versions of the same architectures (built on first use)."""
    from torch import nn
    from torch.nn.utils.parametrizations import weight_norm

    class TCN(nn.Module):
        def __init__(self, input_size, channels, k, dropout):
            super().__init__()
            self.k = k
            self.convs = nn.ModuleList()
            c_in = input_size
            for i, c_out in enumerate(channels):
                d = 2 ** i
                # PyTorch's default init, as in rnn: the authors' N(0, 0.01) draw came after
                # weight_norm and never reached their model
                conv = nn.Conv1d(c_in, c_out, k, dilation=d, padding=(k - 1) * d)
                self.convs.append(weight_norm(conv))
                c_in = c_out
            self.drop = nn.Dropout(dropout)

        def forward(self, x):  # (B, T, C)
            out = x.transpose(1, 2)  # (B, C, T)
            T = out.shape[2]
            for conv in self.convs:
                out = self.drop(torch.relu(conv(out)[:, :, :T]))
            return out.transpose(1, 2)

    class CLRNNT(nn.Module):
        def __init__(self, input_size, hidden, levels=4, k=5, dropout=0.0):
            super().__init__()
            self.tcn = TCN(input_size, [hidden] * levels, k, dropout)
            self.cell = nn.RNNCell(input_size, hidden)

        def forward(self, x):
            B, T, _ = x.shape
            c = self.tcn(x)  # (B, T, H)
            return self.cell(x.reshape(B * T, -1), c.reshape(B * T, -1)).reshape(B, T, -1)

    class Serial(nn.Module):
        def __init__(self, cls, input_size, hidden):
            super().__init__()
            self.net = cls(input_size, hidden, batch_first=True)

        def forward(self, x):
            return self.net(x)[0]

    return {"CL-RNN": lambda I, H, p=0.0: CLRNNT(I, H, 4, 5, p),
            "Elman": lambda I, H: Serial(nn.RNN, I, H),
            "LSTM": lambda I, H: Serial(nn.LSTM, I, H)}


# ------------------------------------------------------------------- (a) JSB

def load_jsb(path):
    import scipy.io
    mat = scipy.io.loadmat(str(path))
    seqs = [np.asarray(s, dtype=np.float32) for s in mat["traindata"][0]]
    return [s for s in seqs if s.shape[0] >= 2]


def epoch_ours(model, opt, seqs):
    """One epoch; returns per-step seconds (len(seqs),) and the mean training loss."""
    steps = np.empty(len(seqs))
    total = 0.0
    for i, s in enumerate(seqs):
        t0 = time.perf_counter()
        total += model.loss_and_backward(s[None, :-1], s[None, 1:], train=True)
        opt.step(model.grads())
        steps[i] = time.perf_counter() - t0
    return steps, total / len(seqs)


def epoch_torch(torch, model, opt, seqs):
    from torch.nn import functional as F
    model.train()
    steps = np.empty(len(seqs))
    total = 0.0
    for i, s in enumerate(seqs):
        t0 = time.perf_counter()
        x = torch.from_numpy(s[None, :-1])
        y = torch.from_numpy(s[None, 1:])
        opt.zero_grad()
        out = model(x)
        loss = F.binary_cross_entropy_with_logits(out, y, reduction="sum") / x.shape[1]
        loss.backward()
        opt.step()
        total += loss.item()
        steps[i] = time.perf_counter() - t0
    return steps, total / len(seqs)


def bench_jsb(path, quick, torch):
    """Epoch wall times, plus a contention-robust estimate: the sum over sequences
    of each step's fastest time across the epochs (the work per step does not
    depend on the weights, so this is the epoch time of an undisturbed run)."""
    print("\n(a) JSB Chorales training epoch: CL-RNN 88-150, k=5, 4 levels, dropout 0.25, "
          "Adam lr 1e-2")
    if not path.exists():
        print(f"    skipped: {path} not found (pass --data)")
        return
    seqs = load_jsb(path)
    epochs = 3
    if quick:
        seqs, epochs = seqs[:40], 2
    frames = sum(s.shape[0] - 1 for s in seqs)
    print(f"    {len(seqs)} sequences, {frames} frames per epoch"
          + (" (--quick: first 40 sequences)" if quick else ""))
    model = make_model(CLRNNConfig().build(seed=0), "music", seed=0)  # the paper's config
    opt = Adam(model.params(), lr=1e-2)
    epoch_ours(model, opt, seqs[:2])  # compile / load kernels
    impls = {"ours": lambda: epoch_ours(model, opt, seqs)}
    if torch is not None:
        torch.manual_seed(0)
        tmodel = torch.nn.Sequential(torch_models(torch)["CL-RNN"](88, 150, 0.25),
                                     torch.nn.Linear(150, 88))  # music head
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-2)
        epoch_torch(torch, tmodel, topt, seqs[:2])
        impls["torch"] = lambda: epoch_torch(torch, tmodel, topt, seqs)
    steps = {k: [] for k in impls}
    print(f"    {'impl':6s} {'epoch':>5s} {'seconds':>8s} {'train NLL':>10s}")
    for e in range(epochs):
        for name, run in impls.items():  # interleaved, so both see the same machine
            time.sleep(_QUIET)  # let the other library's threads go idle
            st, nll = run()
            steps[name].append(st)
            print(f"    {name:6s} {e + 1:5d} {st.sum():8.3f} {nll:10.3f}")
    best = {k: float(np.min(np.stack(v), axis=0).sum()) for k, v in steps.items()}
    wall = {k: float(min(x.sum() for x in v)) for k, v in steps.items()}
    for k in impls:
        print(f"    {k:6s} best epoch wall {wall[k]:.3f} s; sum of per-step minima "
              f"{best[k]:.3f} s")
    if torch is not None:
        ratio = wall["ours"] / wall["torch"]
        print(f"    ratio ours/torch: {ratio:.2f}x (best wall), "
              f"{best['ours'] / best['torch']:.2f}x (per-step minima); target <= 1.0x: "
              f"{'met' if ratio <= 1.0 else 'MISSED'}")


# ------------------------------------------------------------------ (b) sweep

# Seconds to wait before timing one library after the other: worker threads of a
# BLAS or OpenMP runtime keep spinning for a while after their last task (OpenBLAS
# for up to about 2^28 cycles), and a spinning thread on the other core slows
# whatever is timed next. Without the pause, the library timed second pays for
# the first one's threads.
_QUIET = 0.2


def _best_time(fn, budget, min_runs=3):
    fn()  # warm-up
    best, spent, n = np.inf, 0.0, 0
    while n < min_runs or (spent < budget and n < 50):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, spent, n = min(best, dt), spent + dt, n + 1
        if dt > budget:
            break
    return best


def paired_best(ours, theirs, budget, rounds=3):
    """Best seconds of ``ours()`` and of ``theirs()`` (inf when None), timed in
    alternating blocks, ours first in even rounds and theirs first in odd ones, so
    that a change in the machine's load hits both alike; every block starts after a
    pause of _QUIET seconds and a warm-up call."""
    fns = [ours, theirs]
    best = [np.inf, np.inf]
    for r in range(rounds):
        for i in ((0, 1) if r % 2 == 0 else (1, 0)):
            if fns[i] is not None:
                time.sleep(_QUIET)
                best[i] = min(best[i], _best_time(fns[i], budget / rounds, min_runs=2))
    return best


def bench_sweep(quick, torch, input_size=88, models=None, Ts=None, Bs=None, Hs=None):
    """Sweep; ``models``, ``Ts``, ``Bs``, ``Hs`` (lists or None for the defaults)
    restrict it to chosen models and sizes."""
    print("\n(b) forward + backward time vs T (float32, input size 88; best times, "
          "ours and torch's timed in alternating blocks)")
    Ts = Ts or ([64, 256, 1024] if quick else [64, 256, 1024, 4096])
    Bs = Bs or ([1] if quick else [1, 8])
    Hs = Hs or ([32] if quick else [32, 128])
    budget = 0.1 if quick else 0.5
    # label -> model name in rnn.registry; the CL-RNN as the paper sets it (4 levels, k = 5),
    # without dropout
    names = {"CL-RNN": "clrnn", "Elman": "rnn", "LSTM": "lstm"}
    builders = {label: (lambda I, H, name=name: make_config(name, hidden_size=H, levels=4, kernel_size=5,
                                                            dropout=0.0).make(I, seed=0))
                for label, name in names.items()}
    if models:
        builders = {k: v for k, v in builders.items() if k in models}
    tm = torch_models(torch) if torch is not None else None
    print(f"    {'model':7s} {'H':>4s} {'B':>2s} {'T':>5s} {'MACs fwd':>10s} {'depth':>5s} "
          f"{'ours ms':>9s} {'torch ms':>9s} {'ours/torch':>10s}")
    rng = np.random.default_rng(0)
    long_rows = []  # (ours / torch, row) for T >= 1024, the target rows
    for name, build in builders.items():
        for H in Hs:
            body = build(input_size, H)
            tbody = tm[name](input_size, H).eval() if tm is not None else None
            for B in Bs:
                for T in Ts:
                    x = rng.random((B, T, input_size), dtype=np.float32)
                    dh = np.ones((B, T, H), np.float32)

                    def ours():  # like torch below: no gradient wrt the data x
                        body.forward(x)
                        body.backward(dh, input_grad=False)

                    theirs = None
                    if tbody is not None:
                        xt = torch.from_numpy(x)

                        def theirs():
                            tbody.zero_grad(set_to_none=True)
                            tbody(xt).sum().backward()

                    t_ours, t_torch = paired_best(ours, theirs, budget)
                    t_torch = np.nan if theirs is None else t_torch
                    print(f"    {name:7s} {H:4d} {B:2d} {T:5d} {body.macs(B, T):10.3g} "
                          f"{body.depth(T):5d} {t_ours * 1e3:9.2f} {t_torch * 1e3:9.2f} "
                          f"{t_ours / t_torch:10.2f}")
                    if T >= 1024 and theirs is not None:
                        long_rows.append((t_ours / t_torch, f"{name} H{H} B{B} T{T}"))
    if long_rows:
        worst, where = max(long_rows)
        met = sum(r <= 1.0 for r, _ in long_rows)
        print(f"    target: ours <= 1.0x PyTorch in every row with T >= 1024: {met} of "
              f"{len(long_rows)} rows, worst {worst:.2f}x ({where}): "
              f"{'met' if met == len(long_rows) else 'MISSED'}")


# ---------------------------------------------------------- (c) cold vs warm

_START = """
import time
t0 = time.perf_counter()
import numpy as np
from rnn import CLRNN, make_model
m = make_model(CLRNN(88, 150, levels=4, kernel_size=5, dropout=0.25, seed=0), "music")
x = np.zeros((1, 60, 88), np.float32)
m.loss_and_backward(x, x)
print(time.perf_counter() - t0)
"""


def bench_start():
    print("\n(c) process start to first CL-RNN training step (float32)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (empty Numba cache)", "warm (cache reused)"):
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", _START], env=env, capture_output=True,
                                 text=True, check=True, cwd=str(REPO))
            wall = time.perf_counter() - t0
            print(f"    {label:26s} wall {wall:6.2f} s  (in-process {float(res.stdout):6.2f} s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    ap.add_argument("--data", type=pathlib.Path, default=DEFAULT_DATA,
                    help="path to JSB_Chorales.mat")
    ap.add_argument("--only", choices=["jsb", "sweep", "start"], default=None,
                    help="run one part only")
    ap.add_argument("--models", nargs="+", choices=["CL-RNN", "Elman", "LSTM"],
                    help="(b) only these models")
    ap.add_argument("--T", nargs="+", type=int, help="(b) only these sequence lengths")
    ap.add_argument("--B", nargs="+", type=int, help="(b) only these batch sizes")
    ap.add_argument("--H", nargs="+", type=int, help="(b) only these hidden sizes")
    args = ap.parse_args(argv)
    torch = _torch()
    load = os.getloadavg()[0]
    tv = f"{torch.__version__} ({torch.get_num_threads()} threads)" if torch else "absent"
    print(f"cores {os.cpu_count()}, load average {load:.2f}, numpy {np.__version__}, torch {tv}")
    threads = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
               if k in os.environ}
    if threads:
        print(f"thread settings: {threads}")
    if load > 0.5:
        print("note: the machine is busy; timings are noisy")
    if args.only in (None, "jsb"):
        bench_jsb(args.data, args.quick, torch)
    if args.only in (None, "sweep"):
        bench_sweep(args.quick, torch, models=args.models, Ts=args.T, Bs=args.B, Hs=args.H)
    if args.only in (None, "start"):
        bench_start()
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
