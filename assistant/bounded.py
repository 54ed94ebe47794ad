"""LLM calls bounded in time and size, whatever the server sends.

A streamed reply is read in a worker thread; the caller waits on a wall-clock deadline that fires
without waiting for a chunk (SSE keep-alive comments reset an HTTP read timeout, not this one). On
the deadline or past the size cap the HTTP response is closed, which ends the worker within one
read. The HTTP client follows no redirects, so a prompt and its sources never travel to a host the
configuration did not name.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

_DONE = object()
_responses: dict[int, object] = {}  # worker thread id -> its open httpx response
_responses_lock = threading.Lock()


class AnswerTooLong(Exception):
    """The reply passed the character cap; `text` holds what was accepted."""

    def __init__(self, text: str) -> None:
        super().__init__("answer longer than the cap")
        self.text = text


def http_client(timeout: float):
    """The httpx client the chat model uses: no redirects, and each response registered so a deadline
    in another thread can close it."""
    import httpx

    def register(response) -> None:
        with _responses_lock:
            _responses[threading.get_ident()] = response

    return httpx.Client(follow_redirects=False, timeout=timeout, event_hooks={"response": [register]})


def _close_response(thread_id: int | None) -> None:
    with _responses_lock:
        response = _responses.pop(thread_id, None) if thread_id is not None else None
    if response is not None:
        try:
            response.close()
        except Exception:  # closing a half-read stream from another thread may complain; it is closed
            pass


def stream_text(chat_model, messages, deadline: float, max_chars: int,
                on_token: Callable[[str], None] | None = None) -> tuple[str, float | None]:
    """The streamed reply's text and the seconds to its first piece.

    Raises TimeoutError when `deadline` seconds pass (checked every 0.2 s, chunk or no chunk),
    AnswerTooLong past `max_chars`, or whatever the transport raised.
    """
    pieces: queue.Queue = queue.Queue()
    worker_id: list[int] = []

    def read() -> None:
        worker_id.append(threading.get_ident())
        try:
            for chunk in chat_model.stream(messages):
                delta = chunk.content if isinstance(chunk.content, str) else ""
                if delta:
                    pieces.put(delta)
            pieces.put(_DONE)
        except BaseException as exc:  # handed to the caller's thread
            pieces.put(exc)
        finally:
            with _responses_lock:
                _responses.pop(threading.get_ident(), None)

    started = time.perf_counter()
    thread = threading.Thread(target=read, name="llm-stream", daemon=True)
    thread.start()
    text: list[str] = []
    length = 0
    first_token = None
    try:
        while True:
            remaining = deadline - (time.perf_counter() - started)
            if remaining <= 0:
                raise TimeoutError("answer not finished within the deadline")
            try:
                item = pieces.get(timeout=min(0.2, remaining))
            except queue.Empty:
                continue
            if item is _DONE:
                return "".join(text), first_token
            if isinstance(item, BaseException):
                raise item
            if first_token is None:
                first_token = time.perf_counter() - started
            text.append(item)
            length += len(item)
            if on_token:
                on_token(item)
            if length > max_chars:
                raise AnswerTooLong("".join(text)[:max_chars])
    except (TimeoutError, AnswerTooLong):
        _close_response(worker_id[0] if worker_id else None)
        raise


def invoke_text(chat_model, messages, deadline: float, max_chars: int) -> str:
    """A whole reply (for the follow-up rewrite) under the same bounds."""
    text, _ = stream_text(chat_model, messages, deadline, max_chars)
    return text
