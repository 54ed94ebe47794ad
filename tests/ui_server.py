"""Start the real `assistant serve` on loopback for browser and load tests."""

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from assistant.local_llm import free_port, server_process

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def served(index_source: Path, workdir: Path, auth: str | None = None, env: dict | None = None,
           extra_args: list[str] | None = None):
    """Copy an index, serve it, yield the URL; stop the server afterwards."""
    index = workdir / "index"
    shutil.copytree(index_source, index)
    port = free_port()
    command = [sys.executable, "-m", "assistant.cli", "--index", str(index), "serve", "--port", str(port),
               *(extra_args or [])]
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    if auth:
        full_env["ASSISTANT_UI_AUTH"] = auth
    url = f"http://127.0.0.1:{port}"
    with server_process(command, url + "/", workdir / "serve.log", env=full_env, cwd=ROOT, startup_timeout=120):
        yield url
