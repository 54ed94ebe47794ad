"""The served app over HTTP on loopback: twenty questions at once, login, binding."""

import json
import statistics
import threading
import time
import urllib.error
import urllib.request

import pytest

from .ui_server import served

pytestmark = pytest.mark.slow
QUESTIONS = [
    "2024年西湖龙井茶春茶产量是多少？", "建德市选聘了多少名健康村长？", "代表建议A类件占总数的比例是多少？",
    "临安区生态文明建设设置了多少个项目目标？", "萧山区推动多少项核心涉企增值事项进驻区企服中心？",
    "宁波市人大常委会在优化营商环境方面有哪些做法？", "余杭区油田小区改造前发了多少份问卷？",
    "钱塘区在几个产业平台设立了经济观测站？", "淳安县的“四个一”工作机制是什么？", "富阳区选树了多少名标兵代表？",
]


def test_twenty_concurrent_questions_all_answered_in_order(real_index, tmp_path):
    from gradio_client import Client

    with served(real_index, tmp_path) as url:
        results: dict[int, tuple[float, str, str]] = {}

        def one(i: int) -> None:
            client = Client(url + "/", verbose=False, httpx_kwargs={"timeout": 120})  # queued on 2 shared cores
            started = time.perf_counter()
            output = client.predict(QUESTIONS[i % len(QUESTIONS)], [], "", "", [], [], api_name="/submit")
            chat, badge = output[0], output[2]
            results[i] = (time.perf_counter() - started, json.dumps(chat, ensure_ascii=False), badge)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert len(results) == 20
        for i, (_, chat, badge) in results.items():
            question = QUESTIONS[i % len(QUESTIONS)]
            assert question[:8] in chat  # each answer belongs to its own question
            assert "[1]" in chat or "档案中没有答案" in badge
        latencies = sorted(r[0] for r in results.values())
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * len(latencies)) - 1]
        print(f"\n[load] 20 concurrent questions: p50 {p50:.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s")


def _status(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_login_guards_the_page_and_the_api(real_index, tmp_path):
    with served(real_index, tmp_path, auth="staff:s3cret-pass") as url:
        assert _status(url + "/config") in (401, 403)
        assert _status(url + "/gradio_api/info") in (401, 403)
        body = json.dumps({"data": ["西湖龙井", [], "", "", [], []]}).encode()
        assert _status(url + "/gradio_api/call/submit", body) in (401, 403)
        assert _status(url + "/gradio_api/upload", b"x") in (401, 403, 422)
        for route in ("/gradio_api/queue/join", "/gradio_api/api/submit", "/run/predict", "/gradio_api/run/predict"):
            assert _status(url + route, body) in (401, 403, 404, 405, 422), route
        for route in ("/gradio_api/file=/etc/passwd", "/file=/etc/passwd", "/gradio_api/queue/data?session_hash=x",
                      "/gradio_api/info", "/info", "/config"):
            assert _status(url + route) in (401, 403, 404), route
        # With the password, the API answers.
        from gradio_client import Client

        client = Client(url + "/", auth=("staff", "s3cret-pass"), verbose=False)
        output = client.predict("2024年西湖龙井茶春茶产量是多少？", [], "", "", [], [], api_name="/submit")
        assert "500吨" in json.dumps(output[0], ensure_ascii=False)
        log = (tmp_path / "serve.log").read_text()
        assert "s3cret-pass" not in log and "登录：已开启" in log


def test_server_binds_to_loopback_by_default(real_index, tmp_path):
    import socket

    with served(real_index, tmp_path) as url:
        with urllib.request.urlopen(url + "/config", timeout=30) as response:
            config = json.loads(response.read())
        assert config.get("run_history") is False  # nothing of the conversation is kept in the browser
        port = int(url.rsplit(":", 1)[1])
        addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        addresses.discard("127.0.0.1")
        for address in addresses:
            with socket.socket() as sock:
                sock.settimeout(1)
                assert sock.connect_ex((address, port)) != 0, f"reachable on {address}"


def test_files_outside_the_app_cannot_be_fetched(real_index, tmp_path):
    with served(real_index, tmp_path) as url:
        store = next((tmp_path / "index").glob("gen-*/store.sqlite"))
        for path in ("/etc/passwd", str(store), str(tmp_path / "index" / "feedback.sqlite"), "../../../../etc/passwd"):
            for prefix in ("/gradio_api/file=", "/file="):
                assert _status(url + prefix + path) in (403, 404), prefix + path
