"""Login for the page: credentials from a file or the environment, and a delay that grows with failures.

Gradio calls the guard with a user name and a password. After FREE_FAILURES wrong passwords for a
name (or GLOBAL_FREE_FAILURES for all names together, against guessing many names) within WINDOW
seconds, every further attempt for it waits 1, 2, 4 … up to MAX_DELAY seconds before it is checked,
the right password included. Failures are logged with the user name, never the password.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .errors import AssistantError

FREE_FAILURES = 3
GLOBAL_FREE_FAILURES = 20
MAX_DELAY = 30.0
WINDOW = 15 * 60.0
log = logging.getLogger("assistant.login")


def parse_credentials(spec: str | None) -> list[tuple[str, str]] | None:
    """'user:pass,user2:pass2' (or one pair per line) -> [(user, pass), ...]; never logged or echoed."""
    if not spec or not spec.strip():
        return None
    pairs = []
    for item in spec.replace("\n", ",").split(","):
        if not item.strip():
            continue
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise AssistantError("登录设置格式应为 用户名:密码，多个用逗号或换行分隔")
        pairs.append((user, password))
    return pairs or None


def read_credentials_file(path: Path) -> list[tuple[str, str]] | None:
    """Credentials kept in a file (one user:password a line), so they do not show in `ps`."""
    try:
        return parse_credentials(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssistantError(f"无法读取登录文件 {path}：{exc.strerror}") from None


class LoginGuard:
    """guard(username, password) -> bool, with the growing delay described above."""

    def __init__(self, credentials: list[tuple[str, str]], sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.credentials = credentials
        self.sleep, self.clock = sleep, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def delay_for(self, username: str) -> float:
        with self._lock:
            now = self.clock()
            for key in (username, "*"):
                self._failures[key] = [t for t in self._failures.get(key, []) if now - t < WINDOW]
            mine, everyone = len(self._failures[username]), len(self._failures["*"])
        over = max(mine - FREE_FAILURES, everyone - GLOBAL_FREE_FAILURES)
        return 0.0 if over < 0 else min(MAX_DELAY, 2.0 ** over)

    def __call__(self, username: str, password: str) -> bool:
        delay = self.delay_for(username)
        if delay:
            log.warning("login throttled: user %r waits %.0f s after repeated failures", username, delay)
            self.sleep(delay)
        ok = any(hmac.compare_digest(username.encode(), user.encode())
                 and hmac.compare_digest(password.encode(), secret.encode()) for user, secret in self.credentials)
        if not ok:
            with self._lock:
                now = self.clock()
                self._failures.setdefault(username, []).append(now)
                self._failures.setdefault("*", []).append(now)
            log.warning("login failed for user %r", username)
        return ok
