"""Icarus Verilog peer: carrylab's exported Verilog of the same netlist, run by ``vvp``.

The testbench written here loads the operands with ``$readmemh`` (files ``a.hex`` and
``b.hex``), applies vector i, waits 1 ns (the gates have zero delay), and writes
``s cout`` with ``$fdisplay``, for ``+n=N`` vectors. ``iverilog -g2005`` compiles it
once; each timed run is one whole ``vvp`` process. The same program run with ``+n=0``
(start-up, elaboration and ``$readmemh``, no vectors) is the empty-run baseline: the
``net`` rate is N / (run time - median baseline time).
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
from pathlib import Path

import numpy as np

from . import PeerDisagreement, PeerSkipped, Workload, check_outputs, figure, run_tool
from .verilator import module_name

__all__ = ["TESTBENCH", "version", "testbench", "run_icarus"]

#: Testbench template; ``{name}``, ``{msb}`` (bits - 1) and ``{n}`` (vectors) filled in.
TESTBENCH = """`timescale 1ns / 1ps
// Drives +n=N vectors from a.hex / b.hex through {name}; writes "s cout" lines.
module tb_{name};
    reg  [{msb}:0] mem_a [0:{n_1}];
    reg  [{msb}:0] mem_b [0:{n_1}];
    reg  [{msb}:0] a, b;
    wire [{msb}:0] s;
    wire cout;
    integer i, n, f;

    {name} dut (.a(a), .b(b), .cin(1'b0), .s(s), .cout(cout));

    initial begin
        if (!$value$plusargs("n=%d", n)) n = {n};
        $readmemh("a.hex", mem_a);
        $readmemh("b.hex", mem_b);
        f = $fopen("outputs.hex", "w");
        for (i = 0; i < n; i = i + 1) begin
            a = mem_a[i];
            b = mem_b[i];
            #1 $fdisplay(f, "%h %h", s, cout);
        end
        $fclose(f);
        $finish;
    end
endmodule
"""


def version() -> str | None:
    """``iverilog -V`` (first line), or None when it is not on PATH."""
    if shutil.which("iverilog") is None:
        return None
    try:
        res = subprocess.run(["iverilog", "-V"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (res.stdout or res.stderr).strip()
    return text.splitlines()[0] if text else None


def testbench(work: Workload) -> str:
    """The testbench text for ``work``'s adder and vector count."""
    n = len(work.a)
    return TESTBENCH.format(name=module_name(work), msb=work.bits - 1, n=n, n_1=n - 1)


def _read_outputs(path: Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    fields = path.read_text().split()
    if len(fields) != 2 * n:
        raise PeerDisagreement(f"vvp wrote {len(fields) // 2} output lines for {n} vectors")
    try:
        values = [int(f, 16) for f in fields]
    except ValueError:
        bad = next(f for f in fields if not all(c in "0123456789abcdefABCDEF" for c in f))
        raise PeerDisagreement(f"vvp wrote the non-binary value {bad!r} (x or z bits)") from None
    arr = np.array(values, dtype=np.uint64).reshape(n, 2)   # (N, 2): s, cout
    return arr[:, 0], arr[:, 1]


def run_icarus(work: Workload, runs: int, folder: Path) -> dict:
    """Compile and measure ``work``'s adder under Icarus Verilog.

    Returns ``rate`` (whole vvp process), ``net_rate`` (baseline subtracted, or None
    when the difference is not positive), ``baseline_s``, ``compile_s`` and
    ``agreed_vectors``; raises PeerSkipped or PeerDisagreement.
    """
    from adders import to_verilog
    for tool in ("iverilog", "vvp"):
        if shutil.which(tool) is None:
            raise PeerSkipped(f"{tool} is not on PATH")
    name = module_name(work)
    folder = Path(folder) / name
    folder.mkdir(parents=True, exist_ok=True)
    digits = (work.bits + 3) // 4
    (folder / "a.hex").write_text("".join(f"{x:0{digits}x}\n" for x in work.a.tolist()))
    (folder / "b.hex").write_text("".join(f"{x:0{digits}x}\n" for x in work.b.tolist()))
    (folder / f"{name}.v").write_text(to_verilog(work.circuit, name))
    (folder / "tb.v").write_text(testbench(work))
    _, compile_s = run_tool(["iverilog", "-g2005", "-o", "sim.vvp", "tb.v", f"{name}.v"],
                            folder, f"iverilog on {name}")
    n = len(work.a)
    out = folder / "outputs.hex"

    def vvp(count: int) -> float:
        out.unlink(missing_ok=True)
        _, wall = run_tool(["vvp", "-n", "sim.vvp", f"+n={count}"], folder, f"vvp {name}")
        return wall

    vvp(n)                                           # warm-up
    check_outputs("Icarus Verilog", work, *_read_outputs(out, n))
    full, empty = [], []
    for _ in range(runs):
        full.append(vvp(n))
        check_outputs("Icarus Verilog", work, *_read_outputs(out, n))
        empty.append(vvp(0))
    base = statistics.median(empty)
    net = [t - base for t in full]
    return {"rate": figure(full, n),
            "net_rate": figure(net, n) if min(net) > 0 else None,
            "baseline_s": base, "compile_s": compile_s, "agreed_vectors": n}
