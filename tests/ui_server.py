"""Start the real `assistant serve` on loopback for browser and load tests."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from assistant.local_llm import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def served(index_source: Path, workdir: Path, auth: str | None = None, env: dict | None = None):
    """Copy an index, serve it, yield the URL; stop the server afterwards."""
    index = workdir / "index"
    shutil.copytree(index_source, index)
    port = free_port()
    command = [sys.executable, "-m", "assistant.cli", "--index", str(index), "serve", "--port", str(port)]
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    if auth:
        full_env["ASSISTANT_UI_AUTH"] = auth
    log = open(workdir / "serve.log", "w")
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError((workdir / "serve.log").read_text())
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + (workdir / "serve.log").read_text())
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
