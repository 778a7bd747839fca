"""End to end in a real browser: JupyterLab, notebook 01 and the prefix-network editor.

The module starts one JupyterLab on a free localhost port with a random token (in a
temporary folder, with temporary settings) and drives headless Chromium through
Playwright (the system browser, ``/usr/bin/chromium`` or ``$CARRYLAB_CHROMIUM``; no
browser is downloaded). Two tests share them:

* notebook 01 (a copy of the solutions notebook): run every cell, move the circuit
  stepper's slider, check that the widget's picture and caption change; screenshot
  ``artifacts/e2e_notebook01.png``;
* a one-cell notebook with :func:`viz.editor.prefix_editor`: click an empty slot of the
  grid, check that the stats count the new cell, the slot shows its partner, and the
  picture the page shows is the kernel's picture, which draws the cell; screenshot
  ``artifacts/e2e_prefix_editor.png``.

Both print the time from the event (the slider's new value, the click) to the changed
picture in the page and keep it in ``artifacts/e2e_timing.json``; not asserted.

Skipped, with the reason, when Chromium, Playwright or JupyterLab is missing.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "teaching" / "solutions" / "01_gates_ripple.ipynb"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOT = ARTIFACTS / "e2e_notebook01.png"
EDITOR_SCREENSHOT = ARTIFACTS / "e2e_prefix_editor.png"
TIMING = ARTIFACTS / "e2e_timing.json"         # event -> changed picture, per widget
CHROMIUM = os.environ.get("CARRYLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_S = 90          # JupyterLab up and answering
RUN_ALL_S = 300              # every cell of notebook 01 executed
STEP_S = 60                  # the widget redrawn after the slider moves

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _requirements() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                f"CARRYLAB_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; no browser download needed)"
    try:
        import ipywidgets  # noqa: F401
        import jupyterlab  # noqa: F401
    except ImportError:
        return 'JupyterLab/ipywidgets are not installed (pip install -e ".[notebooks]")'
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer within {SERVER_START_S} s:\n"
                       f"{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


_ALL_EXECUTED = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.widgets;
  return cells.length > 0 && cells.every(
    c => c.model.type !== 'code' || (c.model.executionCount !== null && !c.hasClass('jp-mod-running')));
}"""


def _record_latency(what: str, seconds: float) -> None:
    """Print how long the page took from an event to the changed picture, and keep it in
    ``artifacts/e2e_timing.json`` (with the load average) for benchmarks/bench_interactive.py.
    Recorded, never asserted: the time depends on the machine and its load."""
    ms = round(1e3 * seconds)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{what}: {ms} ms (load average {load})")
    try:
        data = json.loads(TIMING.read_text())
    except (OSError, ValueError):
        data = {}
    data[what] = f"{ms} ms (load average {load}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    TIMING.write_text(json.dumps(data, indent=1))


@pytest.fixture(scope="module")
def lab():
    """One JupyterLab server and one headless Chromium for every test of this module:
    yields ``(context, base_url, token, root)``; the tests copy their notebooks into
    ``root``, the server's folder."""
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")        # CI artefacts, never committed
    port, token = _free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="carrylab-e2e-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        root.mkdir()
        settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        # Render every cell (no virtual scrolling), so the whole notebook is in the page.
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        news = tmp / "settings" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True)
        (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
        env = dict(os.environ, CARRYLAB_FAST="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"))
        log = tmp / "jupyterlab.log"
        with open(log, "w") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                 f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
                 f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
                 "--LabApp.news_url="] + (["--allow-root"] if os.geteuid() == 0 else []),
                cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_server(f"{base}/api/status?token={token}", proc, log)
            with sync_playwright() as pw:
                context = pw.chromium.launch_persistent_context(
                    str(tmp / "chromium-profile"), executable_path=CHROMIUM, headless=True,
                    args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
                try:
                    yield context, base, token, root
                finally:
                    context.close()
        finally:
            _stop(proc)


def _open_and_run_all(context, base: str, token: str, name: str):
    """Open notebook ``name`` in a new page, run every cell, fail on a traceback; return
    the page."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function(
        "() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = p && p.sessionContext && p.sessionContext.session"
        " && p.sessionContext.session.kernel; return !!k && k.status === 'idle'; }",
        timeout=120_000, polling=500)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(_ALL_EXECUTED, timeout=RUN_ALL_S * 1000, polling=1000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"cells raised: {tracebacks[:2]}"
    return page


def test_notebook01_runs_and_stepper_moves(lab):
    context, base, token, root = lab
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)          # the committed file stays untouched
    page = _open_and_run_all(context, base, token, NOTEBOOK.name)
    try:
        assert page.get_by_text("✓ 01.full_adder").count() >= 1

        stepper = page.locator(".widget-vbox").filter(
            has=page.locator(".widget-slider")).first
        stepper.scroll_into_view_if_needed()
        caption = stepper.locator(".widget-html-content").first
        image = stepper.locator("img").first
        page.wait_for_function(
            "el => el.textContent.includes('step 0 of')", arg=caption.element_handle(),
            timeout=STEP_S * 1000)
        before_caption = caption.inner_text()
        before_image = image.get_attribute("src")

        readout = stepper.locator(".widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        t0 = time.perf_counter()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "el => el.textContent.includes('step 3 of')", arg=caption.element_handle(),
            timeout=STEP_S * 1000)
        page.wait_for_function(
            "([img, old]) => img.getAttribute('src') !== old",
            arg=[image.element_handle(), before_image], timeout=STEP_S * 1000)
        _record_latency("circuit stepper (notebook 01, ripple 4): slider to new picture",
                        time.perf_counter() - t0)
        after_caption = caption.inner_text()
        assert after_caption != before_caption
        assert "t = 2" in after_caption, after_caption   # third event time
        stepper.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOT))
    finally:
        page.close()
    assert SCREENSHOT.stat().st_size > 10_000


# The bytes of a widget's picture as the page shows them (base64).
_IMAGE_BYTES = """async img => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""

# Run code in the notebook's kernel (no new cell); return what it printed.
_KERNEL_PRINT = """async code => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let out = '';
  future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""


def test_prefix_editor_click_adds_a_cell(lab):
    """Open a notebook with the prefix-network editor, click an empty slot, and see the
    cell in the stats, the grid and the picture the page shows."""
    import nbformat
    context, base, token, root = lab
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from viz.editor import prefix_editor\n"
        "editor = prefix_editor(8, start='serial')\n"
        "editor.widget")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "editor.ipynb")
    page = _open_and_run_all(context, base, token, "editor.ipynb")
    try:
        editor = page.locator(".carrylab-prefix-editor").first
        stats = editor.locator(".carrylab-editor-stats")
        image = editor.locator(".carrylab-editor-picture")
        page.wait_for_function("el => el.textContent.includes('cells 7')",
                               arg=stats.element_handle(), timeout=STEP_S * 1000)
        assert "depth 7" in stats.inner_text()
        before_image = image.get_attribute("src")
        slot = editor.locator(".carrylab-slot-1-3")     # row 1, bit 3: empty in the chain
        assert slot.inner_text().strip() == ""
        t0 = time.perf_counter()
        slot.click()
        page.wait_for_function("el => el.textContent.includes('cells 8')",
                               arg=stats.element_handle(), timeout=STEP_S * 1000)
        page.wait_for_function(
            "([img, old]) => img.getAttribute('src') !== old",
            arg=[image.element_handle(), before_image], timeout=STEP_S * 1000)
        _record_latency("prefix editor (8 positions): click to new picture",
                        time.perf_counter() - t0)
        assert slot.inner_text().strip() == "2"          # the cell joins bit 3 with bit 2
        verdict = editor.locator(".carrylab-editor-verdict").inner_text()
        assert "valid for carries only: position 3 combines position 2 twice" in verdict
        # The picture in the page is the kernel's picture, and that one has the new cell.
        shown = hashlib.sha256(base64.b64decode(
            image.evaluate(_IMAGE_BYTES))).hexdigest()
        printed = page.evaluate(_KERNEL_PRINT, "import hashlib\n"
                                "print(hashlib.sha256(editor.image.value).hexdigest(),\n"
                                "      'cell:1:3:2' in editor.gids, 'wrong:3' in editor.gids)")
        assert printed.split() == [shown, "True", "True"], printed
        page.set_viewport_size({"width": 1400, "height": 2000})   # the whole editor in view
        editor.scroll_into_view_if_needed()
        editor.screenshot(path=str(EDITOR_SCREENSHOT))
    finally:
        page.close()
    assert EDITOR_SCREENSHOT.stat().st_size > 10_000
