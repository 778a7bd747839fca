"""The tour and the CLI leave matplotlib's backend to the caller and still run without a
display."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _headless_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = ""                       # matplotlib chooses, as on a fresh machine
    return env


def test_no_library_code_chooses_the_backend():
    found = []
    for package in ("carrylab", "viz"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "course/src" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ("use", "switch_backend") \
                        and isinstance(node.func.value, ast.Name) \
                        and node.func.value.id in ("matplotlib", "mpl", "plt"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], f"the caller chooses matplotlib's backend: {found}"


def test_the_tour_runs_without_a_display(tmp_path):
    out = tmp_path / "tour"
    run = subprocess.run([sys.executable, "-m", "carrylab.cli", "tour", "--chapters", "timing",
                          "--out", str(out)], env=_headless_env(), capture_output=True, text=True,
                         cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    png = out / "waveform_ripple_8.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_tour_keeps_the_callers_backend(tmp_path):
    code = ("import matplotlib; matplotlib.use('svg'); from pathlib import Path; "
            "from carrylab.tour import chapter_timing; "
            f"chapter_timing(Path({str(tmp_path)!r})); "
            "import matplotlib.pyplot as plt; "
            "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            "assert plt.get_fignums() == [], plt.get_fignums()")
    run = subprocess.run([sys.executable, "-c", code], env=_headless_env(), capture_output=True,
                         text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "waveform_ripple_8.png").is_file()
