"""PyRTL peer: PyRTL's own adders (``pyrtl.rtllib.adders``) in its three simulators.

The same architecture as carrylab's is built with PyRTL's adder library, not from our
netlist: ``ripple_add``, ``cla_adder`` (4-bit lookahead units whose carries ripple from
unit to unit, where carrylab's ``cla`` nests lookahead levels) and ``kogge_stone``.
Inputs ``a``, ``b``; outputs ``s`` (n bits) and ``cout``; no carry-in (carrylab's
``cin`` is left at its default 0).

Simulators, as a user drives them:

* ``Simulation`` and ``FastSimulation``: one ``step({"a": x, "b": y})`` per vector, the
  outputs recorded by a tracer of ``s`` and ``cout`` only (the cheapest tracer);
* ``CompiledSimulation``: one ``run(list of input dicts)`` call (PyRTL's own bulk API;
  the input dicts are built before the clock starts). Its C code is also timed alone,
  ``sim_run_all`` on filled arrays, as the most favourable figure PyRTL could reach.

PyRTL 1.0.3's ``CompiledSimulation.run`` records step 0's outputs for every step (its
unpacking loop resets its offset each step), so when the trace disagrees this module
reads the outputs from the compiled code's own output array and says so.
"""
from __future__ import annotations

import ctypes
import shutil
import subprocess
import time

import numpy as np

from . import PeerDisagreement, PeerSkipped, Workload, check_outputs, figure, timed_runs

__all__ = ["ADDERS", "SIMULATORS", "version", "run_pyrtl"]

#: carrylab architecture -> function of pyrtl.rtllib.adders
ADDERS = {"ripple": "ripple_add", "cla": "cla_adder", "kogge-stone": "kogge_stone"}
SIMULATORS = ("Simulation", "FastSimulation", "CompiledSimulation")


def _pyrtl():
    try:
        import pyrtl
        from pyrtl.rtllib import adders  # noqa: F401  (checks rtllib is there too)
    except ImportError as exc:
        raise PeerSkipped(f"pyrtl is not importable ({exc})") from None
    return pyrtl


def version() -> str | None:
    """PyRTL's version, or None when it is not installed."""
    from importlib import metadata
    try:
        return metadata.version("pyrtl")
    except metadata.PackageNotFoundError:
        return None


def _design(pyrtl, arch: str, bits: int):
    """A fresh working block holding PyRTL's adder ``arch``; returns (block, s, cout)."""
    from pyrtl.rtllib import adders
    if arch not in ADDERS:
        raise PeerSkipped(f"PyRTL has no {arch} adder to compare")
    pyrtl.reset_working_block()
    a, b = pyrtl.Input(bits, "a"), pyrtl.Input(bits, "b")
    s, cout = pyrtl.Output(bits, "s"), pyrtl.Output(1, "cout")
    total = getattr(adders, ADDERS[arch])(a, b)          # bits + 1 wide
    s <<= total[:bits]
    cout <<= total[bits]
    return pyrtl.working_block(), s, cout


def _step_sim(pyrtl, cls, block, s, cout, xs, ys):
    """Run a fresh ``cls`` simulator one step per vector; return (seconds, s, cout)."""
    sim = cls(tracer=pyrtl.SimulationTrace(wires_to_track=[s, cout], block=block), block=block)
    t0 = time.perf_counter()
    for x, y in zip(xs, ys):
        sim.step({"a": x, "b": y})
    seconds = time.perf_counter() - t0
    return seconds, sim.tracer.trace["s"], sim.tracer.trace["cout"]


def _measure_step(pyrtl, name, block, s, cout, work: Workload, runs: int) -> dict:
    cls = getattr(pyrtl, name)
    xs, ys = work.a.tolist(), work.b.tolist()
    _step_sim(pyrtl, cls, block, s, cout, xs[:20], ys[:20])          # warm-up
    seconds = []
    for _ in range(runs):
        t, got_s, got_c = _step_sim(pyrtl, cls, block, s, cout, xs, ys)
        check_outputs(f"PyRTL {name}", work, got_s, got_c)
        seconds.append(t)
    return {"rate": figure(seconds, len(xs)), "agreed_vectors": len(xs)}


def _kernel(sim, work: Workload):
    """Call the compiled ``sim_run_all`` directly on ctypes arrays filled from numpy.

    Returns (run, outputs) where ``run()`` executes the C loop once and ``outputs()``
    returns (s, cout) from the output array; None when this PyRTL version lacks the
    internals used.
    """
    try:
        fn, ins, outs = sim._sim_run_all, sim._inputs_metadata, sim._outputs_metadata
        n_in, n_out = sim._inputs_array_length, sim._outputs_array_length
    except AttributeError:
        return None
    n = len(work.a)
    in_arr = (ctypes.c_uint64 * (n * n_in))()
    out_arr = (ctypes.c_uint64 * (n * n_out))()
    in_view = np.frombuffer(in_arr, dtype=np.uint64).reshape(n, n_in)     # (N, input words)
    out_view = np.frombuffer(out_arr, dtype=np.uint64).reshape(n, n_out)  # (N, output words)
    in_view[:, ins["a"].start] = work.a
    in_view[:, ins["b"].start] = work.b
    fn.argtypes = [ctypes.c_uint64, type(in_arr), type(out_arr)]

    def run():
        fn(n, in_arr, out_arr)

    def outputs():
        return out_view[:, outs["s"].start].copy(), out_view[:, outs["cout"].start].copy()
    return run, outputs


def _check_compiled(work: Workload, kernel, trace_s, trace_c) -> list[str]:
    """Check CompiledSimulation's outputs; return notes. Raises PeerDisagreement.

    Its ``run()`` trace is checked first; when that is wrong but the compiled code's
    own output array is right, the defect is noted and the array's outputs count.
    """
    try:
        check_outputs("PyRTL CompiledSimulation.run trace", work, trace_s, trace_c)
        return []
    except PeerDisagreement as exc:
        if kernel is None:
            raise
        check_outputs("PyRTL CompiledSimulation (output array)", work, *kernel[1]())
        if len(set(trace_s)) == 1 and len(set(work.s.tolist())) > 1:
            return ["its run() trace repeats step 0's outputs for every step (a PyRTL "
                    "defect); the outputs checked are read from its output array"]
        return [f"its run() trace is wrong ({exc}); the outputs checked are read from its "
                f"output array"]


def _measure_compiled(pyrtl, block, s, cout, work: Workload, runs: int) -> dict:
    if shutil.which("gcc") is None:
        raise PeerSkipped("CompiledSimulation needs gcc, which is not on PATH")
    t0 = time.perf_counter()
    try:
        sim = pyrtl.CompiledSimulation(
            tracer=pyrtl.SimulationTrace(wires_to_track=[s, cout], block=block), block=block)
    except (subprocess.CalledProcessError, OSError) as exc:
        raise PeerSkipped(f"CompiledSimulation could not compile its C code: {exc}") from None
    setup = time.perf_counter() - t0
    n = len(work.a)
    inputs = [{"a": x, "b": y} for x, y in zip(work.a.tolist(), work.b.tolist())]
    kernel = _kernel(sim, work)
    if kernel is not None:
        kernel[0]()
    sim.run(inputs)                                                     # warm-up
    notes = _check_compiled(work, kernel, sim.tracer.trace["s"][-n:],
                            sim.tracer.trace["cout"][-n:])
    result = {"rate": figure(timed_runs(lambda: sim.run(inputs), runs), n),
              "setup_s": setup, "agreed_vectors": n, "notes": notes}
    if kernel is not None:
        result["kernel_rate"] = figure(timed_runs(kernel[0], runs), n)
        check_outputs("PyRTL CompiledSimulation (output array)", work, *kernel[1]())
    return result


def run_pyrtl(work: Workload, vectors: dict[str, int], runs: int) -> dict[str, dict]:
    """Measure PyRTL's adder ``work.arch`` in each simulator named in ``vectors``.

    Parameters
    ----------
    work : Workload
        Vectors and expected outputs (at least ``max(vectors.values())`` vectors).
    vectors : dict
        ``{simulator name: number of vectors}``, names from :data:`SIMULATORS`.
    runs : int
        Timed runs per simulator (after one warm-up).

    Returns
    -------
    dict
        ``{simulator: result}``; a result has ``rate`` (see :func:`figure`) and
        ``agreed_vectors``, or ``skipped`` / ``disagrees`` with the reason.
    """
    pyrtl = _pyrtl()
    block, s, cout = _design(pyrtl, work.arch, work.bits)
    results = {}
    for name, n in vectors.items():
        part = work.first(min(n, len(work.a)))
        try:
            if name == "CompiledSimulation":
                results[name] = _measure_compiled(pyrtl, block, s, cout, part, runs)
            else:
                results[name] = _measure_step(pyrtl, name, block, s, cout, part, runs)
        except PeerSkipped as exc:
            results[name] = {"skipped": str(exc)}
        except PeerDisagreement as exc:
            results[name] = {"disagrees": str(exc)}
        except Exception as exc:                 # PyRTL's own failure: report, go on
            results[name] = {"skipped": f"failed with {type(exc).__name__}: {exc}"}
    pyrtl.reset_working_block()
    return results
