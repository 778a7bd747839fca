"""Verilator peer: carrylab's exported Verilog of the same netlist, compiled to C++.

``adders.to_verilog`` writes the adder as gate primitives; Verilator turns it into a C++
model (``verilator --cc --exe --build -O3``, the C++ compiled with ``OPT_FAST=-O3``),
linked with the small harness below. The harness reads N vectors ``a b`` (hex, one
pair a line), drives each through the model (set the inputs, ``eval()``, read ``s``
and ``cout``), writes ``s cout`` (hex) a line, and prints the seconds of the drive loop
alone, timed with ``std::chrono::steady_clock``. Whole-process time (file reading and
writing included) is measured too.

Every design is built in one shared build folder with its own ``--prefix``, so
Verilator's runtime objects (``verilated.o``) are compiled once per benchmark run.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from . import PeerDisagreement, PeerSkipped, Workload, check_outputs, figure, run_tool

__all__ = ["HARNESS", "version", "module_name", "build", "run_verilator"]

#: C++ main driving one verilated adder; ``{top}`` is the model's class name.
HARNESS = r"""// Drives N vectors through the verilated adder {top}; times the drive loop.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <vector>
#include "{top}.h"
#include "verilated.h"

int main(int argc, char** argv) {{
    if (argc != 3) {{
        std::fprintf(stderr, "usage: %s VECTORS.hex OUTPUTS.hex\n", argv[0]);
        return 2;
    }}
    FILE* in = std::fopen(argv[1], "r");
    if (!in) {{ std::perror(argv[1]); return 2; }}
    std::vector<uint64_t> a, b;
    uint64_t x, y;
    while (std::fscanf(in, "%" SCNx64 " %" SCNx64, &x, &y) == 2) {{
        a.push_back(x);
        b.push_back(y);
    }}
    std::fclose(in);
    const size_t n = a.size();
    std::vector<uint64_t> s(n);
    std::vector<uint8_t> cout(n);

    VerilatedContext context;
    {top} top{{&context}};
    top.cin = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) {{
        top.a = a[i];
        top.b = b[i];
        top.eval();
        s[i] = top.s;
        cout[i] = top.cout;
    }}
    const auto t1 = std::chrono::steady_clock::now();
    top.final();

    FILE* out = std::fopen(argv[2], "w");
    if (!out) {{ std::perror(argv[2]); return 2; }}
    for (size_t i = 0; i < n; ++i)
        std::fprintf(out, "%" PRIx64 " %x\n", s[i], static_cast<unsigned>(cout[i]));
    std::fclose(out);
    std::printf("vectors %zu seconds %.9f\n", n,
                std::chrono::duration<double>(t1 - t0).count());
    return 0;
}}
"""

_MAKEFLAGS = "OPT_FAST=-O3 OPT_SLOW=-O1 OPT_GLOBAL=-O2"


def version() -> str | None:
    """``verilator --version`` (first line), or None when it is not on PATH."""
    if shutil.which("verilator") is None:
        return None
    try:
        res = subprocess.run(["verilator", "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip().splitlines()[0] if res.stdout.strip() else None


def module_name(work: Workload) -> str:
    """Verilog module name of a workload's adder, e.g. ``kogge_stone_64``."""
    return f"{work.arch.replace('-', '_')}_{work.bits}"


def build(work: Workload, folder: Path) -> tuple[Path, float]:
    """Export, verilate and compile ``work``'s adder in ``folder``; return (binary, seconds).

    Raises PeerSkipped when Verilator is missing or the build fails.
    """
    from adders import to_verilog
    if shutil.which("verilator") is None:
        raise PeerSkipped("verilator is not on PATH")
    if shutil.which("make") is None or shutil.which("g++") is None:
        raise PeerSkipped("Verilator's --build needs make and g++, not both on PATH")
    name = module_name(work)
    top = f"V{name}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.v").write_text(to_verilog(work.circuit, name))
    (folder / f"main_{name}.cpp").write_text(HARNESS.format(top=top))
    args = ["verilator", "--cc", "--exe", "--build", "-O3", "-j", "2", "-Wno-fatal",
            "--Mdir", "obj", "--prefix", top, "--top-module", name,
            "-MAKEFLAGS", _MAKEFLAGS, f"{name}.v", f"main_{name}.cpp"]
    _, seconds = run_tool(args, folder, f"verilator build of {name}")
    binary = folder / "obj" / top
    if not binary.exists():
        raise PeerSkipped(f"verilator build of {name} made no {binary.name}")
    return binary, seconds


def _read_outputs(path: Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``s cout`` hex lines into two uint64 arrays."""
    fields = path.read_text().split()
    if len(fields) != 2 * n:
        raise PeerDisagreement(f"verilator wrote {len(fields) // 2} output lines for {n} vectors")
    values = np.array([int(f, 16) for f in fields], dtype=np.uint64).reshape(n, 2)  # (N, 2)
    return values[:, 0], values[:, 1]


def _one_run(binary: Path, folder: Path, work: Workload) -> tuple[float, float]:
    """Run the harness once, check its outputs; return (loop seconds, process seconds)."""
    out = folder / "outputs.hex"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    stdout, _ = run_tool([str(binary), "vectors.hex", out.name], folder, f"{binary.name} run")
    wall = time.perf_counter() - t0
    check_outputs("Verilator", work, *_read_outputs(out, len(work.a)))
    words = stdout.split()
    if len(words) != 4 or words[0] != "vectors" or int(words[1]) != len(work.a):
        raise PeerSkipped(f"{binary.name} printed {stdout.strip()!r}, not 'vectors N seconds T'")
    return float(words[3]), wall


def run_verilator(work: Workload, runs: int, folder: Path) -> dict:
    """Build and measure the Verilator model of ``work``'s adder.

    ``folder`` is a scratch folder shared by all designs of one benchmark run (never
    inside the repository). Returns ``rate`` (drive loop), ``process_rate`` (whole
    process), ``build_s`` and ``agreed_vectors``; raises PeerSkipped or
    PeerDisagreement.
    """
    folder = Path(folder)
    binary, build_s = build(work, folder)
    (folder / "vectors.hex").write_text(
        "".join(f"{x:x} {y:x}\n" for x, y in zip(work.a.tolist(), work.b.tolist())))
    _one_run(binary, folder, work)                  # warm-up, and the first agreement check
    loops, walls = zip(*(_one_run(binary, folder, work) for _ in range(runs)))
    n = len(work.a)
    return {"rate": figure(list(loops), n), "process_rate": figure(list(walls), n),
            "build_s": build_s, "agreed_vectors": n}
