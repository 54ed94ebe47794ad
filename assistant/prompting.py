"""Prompt templates from the prompts/ folder, rendered with their variables checked."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .errors import ConfigError

PROMPTS_PACKAGE = "prompts"  # the top-level prompts/ folder, installed as a package with its .txt files
_VARIABLE = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


@lru_cache(maxsize=16)
def load_prompt(name: str):
    """A langchain PromptTemplate for prompts/<name>.txt."""
    from langchain_core.prompts import PromptTemplate

    path = resources.files(PROMPTS_PACKAGE) / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError):
        raise ConfigError(f"prompt file missing: {path}") from None
    return PromptTemplate.from_template(text)


def render(name: str, **variables: str) -> str:
    """Fill prompts/<name>.txt; a missing or unexpected variable is an error, not a silent blank."""
    template = load_prompt(name)
    expected = set(template.input_variables)
    given = set(variables)
    if expected != given:
        missing, extra = sorted(expected - given), sorted(given - expected)
        raise ConfigError(f"prompt {name}: missing variables {missing}, unexpected {extra}")
    return template.format(**variables)
