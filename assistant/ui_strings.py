"""Gradio's own strings (tooltips, upload hints, screen-reader labels) in Chinese for every browser.

Gradio picks the language of its built-in strings from the browser's locale; staff with an English
browser got "Copy message" and "Drop File Here" in a Chinese page. Gradio ships its Simplified Chinese
strings as a JavaScript module beside its front end; this reads them, adds the keys it lacks, and hands
them to `launch(i18n=...)` for every locale Gradio knows, so any browser sees the same Chinese page.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

# Keys Gradio's English strings have and its Chinese ones lack (seen as raw keys, e.g. "common.complete").
def _missing_zh() -> dict[str, str]:
    """Chinese for the keys Gradio's English strings have and its Chinese ones lack (e.g. "common.complete",
    shown raw before): assistant/data/gradio_zh.json."""
    from importlib import resources

    return json.loads(resources.files("assistant").joinpath("data/gradio_zh.json").read_text(encoding="utf-8"))


_TOKEN = re.compile(r"\s*(`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*|[{}:,=;]|\S)")


def _assets() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend" / "assets"


def locale_files() -> dict[str, Path]:
    """Gradio's locale modules by locale code: en, zh-CN, pt-BR, …"""
    files = {}
    for path in _assets().glob("*.js"):
        match = re.fullmatch(r"([a-z]{2}(?:-[A-Z]{2})?)-[\w]{8}", path.stem)
        if match:
            files[match.group(1)] = path
    return files


def parse_locale_module(text: str) -> dict[str, str]:
    """The strings of one bundled locale module, flattened to Gradio's keys ("chatbot.copy_message")."""
    tokens = _TOKEN.findall(text[: text.rindex("export{")] if "export{" in text else text)
    names: dict[str, object] = {}
    position = 0

    def value():
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "{":
            entries = {}
            while tokens[position] != "}":
                key = tokens[position].strip("`\"'")
                position += 2  # key and ':'
                entries[key] = value()
                if tokens[position] == ",":
                    position += 1
            position += 1
            return entries
        if token[0] in "`\"'":
            return token[1:-1]
        return names.get(token, {})

    last = None
    while position < len(tokens):
        token = tokens[position]
        if token in ("var", "let", "const", ",", ";"):
            position += 1
            continue
        if position + 1 < len(tokens) and tokens[position + 1] == "=":
            position += 2
            names[token] = last = value()
            continue
        position += 1
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(f"{prefix}.{key}" if prefix else key, child)
        elif isinstance(node, str):
            flat[prefix] = node

    if isinstance(last, dict):
        walk("", last)
    return flat


def english_strings() -> dict[str, str]:
    """Gradio's English strings (compiled into its core module): the keys a page may show."""
    for path in _assets().glob("core-*.js"):
        text = path.read_text(encoding="utf-8")
        start = text.find("=`English`")
        if start < 0:
            continue
        start = text.rfind(",", 0, start) + 1
        end = text.find("}", text.find("_name:", start))
        depth, position = 0, text.find("{", text.find("_name:", start) - 3)
        for position in range(position, len(text)):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            if depth == 0:
                end = position + 1
                break
        return parse_locale_module(text[start:end] + ";")
    return {}


@lru_cache(maxsize=1)
def chinese_strings() -> dict[str, str]:
    """Every built-in key Gradio has, in Chinese (its zh-CN strings, plus the ones it lacks)."""
    files = locale_files()
    zh = parse_locale_module(files["zh-CN"].read_text(encoding="utf-8")) if "zh-CN" in files else {}
    return {**_missing_zh(), **{k: v for k, v in zh.items() if not k.startswith("_")}}


def chinese_i18n():
    """A gr.I18n that shows Gradio's own strings in Chinese whatever the browser's language."""
    import gradio as gr

    strings = chinese_strings()
    return gr.I18n(**{code: strings for code in sorted(set(locale_files()) | {"en"})})
