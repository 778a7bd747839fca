"""The command line: every subcommand runs, prints what it promises, and rejects bad input."""
import subprocess
import sys

import pytest

from carrylab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_lists_everything():
    res = subprocess.run([sys.executable, "-m", "carrylab", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    for cmd in ("add", "adders", "timing", "verilog", "draw", "train", "eval", "compare", "tour",
                "warmup"):
        assert cmd in res.stdout


def test_warmup_help_says_what_it_does():
    res = subprocess.run([sys.executable, "-m", "carrylab", "warmup", "--help"],
                         capture_output=True, text=True)
    assert res.returncode == 0
    assert "--quiet" in res.stdout and "~/.cache/carrylab/numba" in res.stdout


def test_add_prints_sum_and_every_carry(capsys):
    code, out, _ = run(capsys, "add", "--arch", "kogge-stone", "--bits", "16", "40000", "25535")
    assert code == 0
    assert "40000" in out and "25535" in out
    assert "s    = 65535  1111111111111111" in out and "cout =     0" in out
    # a = 1001110001000000, b = 0110001110111111: no bit generates, the carries are all 0
    assert "00000000000000000" in out


def test_add_carries_on_a_long_chain(capsys):
    code, out, _ = run(capsys, "add", "--arch", "ripple", "--bits", "8", "255", "1")
    assert code == 0 and "111111110" in out and "longest run of carries: 8" in out


def test_adders_table(capsys):
    code, out, _ = run(capsys, "adders", "--bits", "32")
    assert code == 0
    for arch in ("ripple", "cla", "kogge-stone", "knowles", "carry-skip"):
        assert arch in out
    ks = next(line for line in out.splitlines() if line.startswith("kogge-stone"))
    assert ks.split()[-2:] == ["129", "16"]        # cells, tracks


def test_timing_and_vcd(capsys, tmp_path):
    vcd = tmp_path / "r.vcd"
    code, out, _ = run(capsys, "timing", "--arch", "ripple", "--bits", "8", "--from", "0,0",
                       "--to", "255,1", "--vcd", str(vcd))
    assert code == 0
    assert "cout  = 1        settles at 16 gd" in out
    assert "glitches: 7 pulse(s)" in out and "critical path" in out
    assert vcd.read_text().startswith("$date") or "$timescale" in vcd.read_text()


def test_verilog_writes_module(capsys, tmp_path):
    v = tmp_path / "bk16.v"
    code, out, _ = run(capsys, "verilog", "--arch", "brent-kung", "--bits", "16", "-o", str(v))
    assert code == 0 and "module brent_kung_16" in v.read_text()


def test_tour_writes_its_files(capsys, tmp_path):
    code, out, _ = run(capsys, "tour", "--out", str(tmp_path), "--chapters", "adders,timing")
    assert code == 0
    for name in ("adders_by_width.md", "adders_depth_and_gates.png", "timing_16.md"):
        assert (tmp_path / name).exists()
    assert "all equal NumPy's: True" in out


def test_bad_input_messages(capsys):
    with pytest.raises(SystemExit):
        main(["add", "--arch", "wallace", "1", "2"])
    assert "invalid choice: 'wallace'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["adders", "--bits", "0"])
    assert "--bits must be from 1 to 4,096, got 0" in capsys.readouterr().err
    code, _, err = run(capsys, "add", "--bits", "8", "300", "1")
    assert code == 2 and "operand 'a' = 300 is out of range" in err
    code, _, err = run(capsys, "tour", "--chapters", "nope", "--out", "/tmp/unused-carrylab")
    assert code == 2 and "unknown tour chapter" in err


def test_draw_writes_pictures(tmp_path, capsys):
    for name, argv in (("ks.png", ["draw", "prefix", "--bits", "8"]),
                       ("cla.svg", ["draw", "circuit", "--arch", "cla", "--bits", "8", "--path"]),
                       ("w.png", ["draw", "waveform", "--from", "0,0", "--to", "255,1"])):
        code, _, _ = run(capsys, *argv, "-o", str(tmp_path / name))
        assert code == 0 and (tmp_path / name).stat().st_size > 0
    code, _, err = run(capsys, "draw", "prefix", "--highlight", "99", "-o", str(tmp_path / "x.png"))
    assert code == 2 and "highlight must be an int in [0, 15], got 99" in err


@pytest.mark.parametrize("arch,bits,a,b,cin", [
    ("kogge-stone", 16, 40000, 25535, 0), ("ripple", 8, 255, 1, 1), ("cla", 70, 2**70 - 1, 5, 1),
    ("carry-select", 34, 12345678901, 2**32, 0), ("sklansky", 1, 1, 1, 1), ("knowles", 300, 3**180, 7**100, 1),
])
def test_add_prints_what_evaluate_and_stats_give(arch, bits, a, b, cin, capsys, monkeypatch):
    """The one-pass evaluation prints, line for line, what evaluate() and stats() gave."""
    argv = ["add", "--arch", arch, "--bits", str(bits), "--cin", str(cin), hex(a), str(b)]
    code, fast, _ = run(capsys, *argv)
    from adders import Circuit

    def evaluate_then_stats(circuit, **operands):
        stats = circuit.stats()
        return circuit.evaluate(**operands), {"gates": stats["gates"], "depth": stats["depth"]}
    monkeypatch.setattr(Circuit, "evaluate_and_measure", evaluate_then_stats)
    assert code == 0 and (code, fast) == run(capsys, *argv)[:2]
    assert f"= {a + b + cin}" in fast.splitlines()[-1]


def test_draw_prefix_does_not_import_pyplot(tmp_path):
    code = ("import sys; from carrylab.cli import main; "
            f"assert main(['draw', 'prefix', '--bits', '8', '--poster', '-o', {str(tmp_path / 'p.png')!r}]) == 0; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    assert (tmp_path / "p.png").stat().st_size > 0


@pytest.mark.parametrize("draw", ["draw_prefix", "analogy"])
def test_bare_figures_draw_what_pyplot_figures_draw(draw):
    """pyplot=False (what `carrylab draw prefix` writes) gives the same pixels."""
    import io

    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    import numpy as np

    import viz
    from adders.prefix import kogge_stone
    pictures = []
    for pyplot in (True, False):
        fig = getattr(viz, draw)(kogge_stone(16), highlight=9, pyplot=pyplot)
        assert (fig in [plt.figure(k) for k in plt.get_fignums()]) == pyplot
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=60, facecolor="white")
        plt.close(fig)
        buf.seek(0)
        pictures.append(mpimg.imread(buf))
    assert np.array_equal(*pictures)
