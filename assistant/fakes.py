"""Fakes that implement the real interfaces, for fast unit tests (the real parts are tested too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.outputs import ChatGenerationChunk


class ScriptedChatModel(FakeListChatModel):
    """A langchain chat model that streams queued replies; a reply that is an exception is raised."""

    failures: dict[int, Any] = {}

    @classmethod
    def script(cls, *replies: str | BaseException) -> "ScriptedChatModel":
        texts = [r if isinstance(r, str) else "" for r in replies]
        failures = {i: r for i, r in enumerate(replies) if isinstance(r, BaseException)}
        return cls(responses=texts, failures=failures)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        failure = self.failures.get(self.i)
        if failure is not None:
            self.i = (self.i + 1) % len(self.responses)
            raise failure
        if self.responses[self.i] == "":
            # An endpoint that answers with no content: one empty chunk, as a real stream would send.
            from langchain_core.messages import AIMessageChunk

            self.i = (self.i + 1) % len(self.responses)
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
            return
        yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _call(self, messages, stop=None, run_manager=None, **kwargs) -> str:
        failure = self.failures.get(self.i)
        if failure is not None:
            self.i = (self.i + 1) % len(self.responses)
            raise failure
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)
