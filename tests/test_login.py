"""Login: credentials from a file or the environment, a growing delay after failures, nothing logged of the password."""

import time
import urllib.parse
import urllib.request

import pytest

from assistant.errors import AssistantError
from assistant.login import FREE_FAILURES, LoginGuard, parse_credentials, read_credentials_file


class _Clock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def test_failures_slow_down_every_attempt_for_that_name_the_right_password_included():
    clock = _Clock()
    guard = LoginGuard([("staff", "right")], sleep=clock.sleep, clock=clock)
    for _ in range(FREE_FAILURES):
        assert not guard("staff", "wrong")
    assert clock.slept == []  # a few typos cost nothing
    for _ in range(4):
        assert not guard("staff", "wrong")
    assert clock.slept == [1.0, 2.0, 4.0, 8.0]
    assert guard("staff", "right") and clock.slept[-1] == 16.0  # the right one waits too
    assert guard("other", "x") is False and clock.slept[-1] == 16.0  # other names are not slowed by these


def test_the_delay_is_capped_and_forgotten_after_the_window():
    clock = _Clock()
    guard = LoginGuard([("staff", "right")], sleep=clock.sleep, clock=clock)
    for _ in range(30):
        guard("staff", "wrong")
    assert max(clock.slept) == 30.0
    clock.now += 3600
    assert guard("staff", "right") and clock.slept[-1] == 30.0 and len(clock.slept) == 27


def test_credentials_from_a_file_and_bad_specs(tmp_path):
    path = tmp_path / "users"
    path.write_text("staff:one\nchief:two\n", encoding="utf-8")
    assert read_credentials_file(path) == [("staff", "one"), ("chief", "two")]
    assert parse_credentials("a:b,c:d") == [("a", "b"), ("c", "d")]
    with pytest.raises(AssistantError):
        parse_credentials("nopassword")
    with pytest.raises(AssistantError):
        read_credentials_file(tmp_path / "missing")


@pytest.mark.slow
def test_the_served_page_throttles_repeated_wrong_passwords(real_index, tmp_path):
    from .ui_server import served

    users = tmp_path / "users"
    users.write_text("staff:s3cret-pass\n", encoding="utf-8")

    def login(url, password):
        body = urllib.parse.urlencode({"username": "staff", "password": password}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url + "/login", data=body), timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with served(real_index, tmp_path, extra_args=["--auth-file", str(users)]) as url:
        for _ in range(FREE_FAILURES + 2):
            assert login(url, "wrong") in (400, 401, 403)
        started = time.perf_counter()
        assert login(url, "s3cret-pass") == 200
        waited = time.perf_counter() - started
    log = (tmp_path / "serve.log").read_text()
    assert waited >= 3.5  # 2 ** 2 seconds after five failures
    assert "login throttled" in log and "s3cret-pass" not in log and "'wrong'" not in log
