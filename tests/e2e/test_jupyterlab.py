"""End to end in a real browser: JupyterLab, notebook 01, run all, move the stepper.

The test starts JupyterLab on a free localhost port with a random token (on a copy of
the solutions notebook, in a temporary folder, with temporary settings), drives
headless Chromium through Playwright (the system browser, ``/usr/bin/chromium`` or
``$CARRYLAB_CHROMIUM``; no browser is downloaded), runs every cell, moves the
circuit stepper's slider and checks that the widget's picture and caption change. A
screenshot is written to ``artifacts/e2e_notebook01.png`` for CI.

Skipped, with the reason, when Chromium, Playwright or JupyterLab is missing.
"""
from __future__ import annotations

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
NOTEBOOK = ROOT / "notebooks" / "solutions" / "01_gates_ripple.ipynb"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOT = ARTIFACTS / "e2e_notebook01.png"
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
        import jupyterlab  # noqa: F401
        import ipywidgets  # noqa: F401
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


def test_notebook01_runs_and_stepper_moves():
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
        shutil.copy(NOTEBOOK, root / NOTEBOOK.name)      # the committed file stays untouched
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
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}&reset",
                              wait_until="domcontentloaded")
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
                    page.keyboard.press("Enter")
                    page.wait_for_function(
                        "el => el.textContent.includes('step 3 of')", arg=caption.element_handle(),
                        timeout=STEP_S * 1000)
                    page.wait_for_function(
                        "([img, old]) => img.getAttribute('src') !== old",
                        arg=[image.element_handle(), before_image], timeout=STEP_S * 1000)
                    after_caption = caption.inner_text()
                    assert after_caption != before_caption
                    assert "t = 2" in after_caption, after_caption   # third event time
                    stepper.scroll_into_view_if_needed()
                    page.screenshot(path=str(SCREENSHOT))
                finally:
                    context.close()
        finally:
            _stop(proc)
    assert SCREENSHOT.stat().st_size > 10_000
