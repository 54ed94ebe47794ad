"""Read a source file into text: encoding detection for .txt, the text layer for .pdf."""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreadableSourceError

SUPPORTED_SUFFIXES = (".txt", ".pdf")
# An issue is 20-50 KB of text or 1-2 MB of PDF; anything this large is not one issue.
MAX_SOURCE_BYTES = 20 * 1024 * 1024
# A page of a real issue carries hundreds of characters; a scanned page yields none.
_MIN_CHARS_PER_PAGE = 20


@dataclass(frozen=True)
class SourceText:
    """Raw text of one file and its identity."""

    name: str
    path: Path
    sha256: str
    text: str
    kind: str  # "txt" | "pdf"
    encoding: str


def file_name(path: Path) -> str | None:
    """The file's name as text. A name that is not UTF-8 (a GBK name from a Windows zip) is decoded as
    GB18030 when that works; None when the bytes are neither."""
    name = path.name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return None


def shown(path: Path | str) -> str:
    """A path as it can be printed and stored: undecodable bytes become U+FFFD."""
    return os.fsencode(str(path)).decode("utf-8", "replace")


def replace_name(source: SourceText, name: str) -> SourceText:
    """The same text under another source name (a second issue whose file name was taken)."""
    from dataclasses import replace

    return replace(source, name=name)


def read_source(path: Path) -> SourceText:
    """Read `path`; raise UnreadableSourceError with a Chinese reason when it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise UnreadableSourceError(
                f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_SOURCE_BYTES // 1024 // 1024} MB），不像一期简报"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableSourceError("文件不存在（可能在读取过程中被移走或删除）") from None
    except IsADirectoryError:
        raise UnreadableSourceError("这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise UnreadableSourceError(f"无法读取文件：{exc.strerror or exc}") from None
    if not data.strip():
        raise UnreadableSourceError("空文件")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF") or path.suffix.lower() == ".pdf":
        text = _pdf_text(data)
        return SourceText(path.name, path, digest, text, "pdf", "pdf")
    text, encoding = decode_text(data)
    return SourceText(path.name, path, digest, text, "txt", encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding)), encoding
            except UnicodeDecodeError:
                raise UnreadableSourceError(f"文件以 {encoding} 标记开头，但内容无法按 {encoding} 解码") from None
    if b"\x00" in data[:4096]:
        text = _try_utf16_without_bom(data)
        if text is not None:
            return _checked(text), "utf-16"
        raise UnreadableSourceError("二进制文件，不是文本")
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableSourceError("无法识别文件编码（可能是二进制文件）")
    return _checked(str(best)), best.encoding


def _try_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte is NUL for ASCII; decode and check it reads as text."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _textual_ratio(text) > 0.9:
            return text
    return None


def _textual_ratio(text: str) -> float:
    """Share of characters a Chinese or English document is made of; random bytes read as UTF-16 score ~0.3."""
    sample = text[:20000]
    if not sample:
        return 0.0
    good = sum(
        1 for ch in sample
        if (ch.isascii() and (ch.isprintable() or ch in "\n\r\t"))
        or "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        or "\u2010" <= ch <= "\u2027"
    )
    return good / len(sample)


def _printable_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    good = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t\u3000")
    return good / len(sample)


def _checked(text: str) -> str:
    if not text.strip():
        raise UnreadableSourceError("文件没有文字内容")
    if _printable_ratio(text) < 0.9:
        raise UnreadableSourceError("二进制文件，不是文本")
    return text


def _pdf_text(data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnreadableSourceError("PDF 已加密，需要密码")
            except UnreadableSourceError:
                raise
            except Exception:
                raise UnreadableSourceError("PDF 已加密，无法解密") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableSourceError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise UnreadableSourceError(f"PDF 已损坏或被截断（{type(exc).__name__}）") from None
    if not pages:
        raise UnreadableSourceError("PDF 没有页面")
    chars = sum(len("".join(page.split())) for page in pages)
    if chars < _MIN_CHARS_PER_PAGE * len(pages):
        raise UnreadableSourceError("PDF 没有文字层（可能是扫描件），需要先做文字识别")
    return "\n".join(pages)
