"""`make lab` serves the course: JupyterLab starts headless and answers on /lab."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serves_lab_page(tmp_path):
    port, token = _free_port(), secrets.token_hex(8)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        status, deadline = None, time.monotonic() + 90
        while time.monotonic() < deadline and status != 200:
            assert proc.poll() is None, "JupyterLab exited early"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
                    status = r.status
                    page = r.read().decode("utf-8", "replace")
            except OSError:
                time.sleep(0.5)
        assert status == 200 and "JupyterLab" in page
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
