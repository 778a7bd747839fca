"""The step-through widgets, built and driven without a browser."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from adders import build  # noqa: E402
from adders.prefix import brent_kung, kogge_stone  # noqa: E402
from adders.timing import Stepper, simulate_transition  # noqa: E402
from viz.widgets import circuit_stepper, scan_stepper, sequence_stepper  # noqa: E402


def test_import_viz_does_not_import_ipywidgets():
    import subprocess
    import sys
    code = "import viz, sys; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_circuit_stepper_steps_like_the_stepper():
    circuit = build("ripple", 2)
    before, after = {"a": 0, "b": 0}, {"a": 3, "b": 1}
    ref = Stepper(simulate_transition(circuit, before, after))
    w = circuit_stepper(circuit, before, after, dpi=30)
    assert w.time is None and w.changed == [] and w.position == 0
    first = w.image.value
    assert first[:4] == b"\x89PNG"
    assert w.step() == ref.step() == ["a0", "a1", "b0"]
    assert w.time == ref.time == 0 and w.slider.value == 1
    assert w.step() == ref.step()
    assert w.time == 1 and w.state == ref.state
    assert w.image.value != first
    assert "t = 1 gd" in w.label.value and "g0" in w.label.value
    w.back()
    assert w.time == 0 and w.changed == ["a0", "a1", "b0"]
    w.slider.value = w.slider.max                              # the slider drives it too
    assert w.stepper.done and w.state == simulate_transition(circuit, before, after).final_nets
    w.reset()
    assert w.time is None and w.position == 0


def test_circuit_stepper_bad_input():
    with pytest.raises(ValueError, match="nothing happens"):
        circuit_stepper(build("ripple", 4), {"a": 1, "b": 2}, {"a": 1, "b": 2})
    with pytest.raises(ValueError, match="before"):
        circuit_stepper(build("ripple", 4), {"a": 99, "b": 0}, {"a": 1, "b": 0})


def test_scan_stepper_completes_positions_level_by_level():
    net = brent_kung(6)
    w = scan_stepper(net, labels="rnn", dpi=30)
    groups = net.groups()
    assert w.level == 0 and w.complete == [0]
    for k in range(1, net.depth + 1):
        new = w.step()
        assert w.level == k
        assert w.complete == [i for i, lo in enumerate(groups[k]) if lo == 0]
        assert set(new) == set(w.complete) - {i for i, lo in enumerate(groups[k - 1]) if lo == 0}
    assert w.complete == list(range(6)) and w.step() == []
    assert "h<sub>5</sub>" in w.label.value
    w.reset()
    assert w.level == 0


def test_scan_stepper_bad_labels():
    with pytest.raises(ValueError, match=r"labels must be one of 'adder', 'rnn'; got 'x'"):
        scan_stepper(kogge_stone(8), labels="x")


def test_sequence_stepper_serial_versus_parallel():
    w = sequence_stepper(T=8, kernel_size=2, dpi=30)
    assert w.levels == 3
    assert w.ready("elman") == [] and w.ready("clrnn") == []
    w.slider.value = 4
    assert w.position == 4
    assert w.ready("elman") == [0, 1, 2, 3]
    assert w.ready("clrnn") == list(range(8))                # L + 1 = 4 steps
    assert "Elman has 4 of 8" in w.label.value
    w.step()
    assert w.ready("elman") == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="model must be one of"):
        w.ready("lstm")
