"""Normalisation of Chinese text extracted from PDFs.

Character repairs (radical code points, odd spaces), page furniture, and the spacing
and punctuation rules applied to titles, bylines and paragraphs. Structure (titles,
bylines, table of contents) is recognised by the parser on the repaired lines, before
the spacing rules join what PDF layout split apart.
"""

from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement (U+2E81-U+2EF3) -> the unified ideograph with the same glyph,
# from Unicode's EquivalentUnifiedIdeograph.txt. PDF text layers often carry these
# (⻰ U+2EF0 for 龙); NFKC does not fold them. Kangxi radicals (U+2F00-U+2FD5) are
# folded by NFKC, applied to that block only (NFKC elsewhere would turn ，into ,).
_RADICAL_SUPPLEMENT_HEX = (
    "2E81:5382 2E82:4E5B 2E83:4E5A 2E84:4E59 2E85:4EBB 2E86:5182 2E87:20628 2E88:5200 "
    "2E89:5202 2E8A:535C 2E8B:353E 2E8C:5C0F 2E8D:5C0F 2E8E:5140 2E8F:5C23 2E90:5C22 "
    "2E91:21BC2 2E92:5DF3 2E93:5E7A 2E94:5F51 2E95:5F50 2E96:5FC4 2E97:5FC3 2E98:624C "
    "2E99:6535 2E9B:65E1 2E9C:65E5 2E9D:6708 2E9E:6B7A 2E9F:6BCD 2EA0:6C11 2EA1:6C35 "
    "2EA2:6C3A 2EA3:706C 2EA4:722B 2EA5:722B 2EA6:4E2C 2EA7:725B 2EA8:72AD 2EA9:738B "
    "2EAA:24D14 2EAB:76EE 2EAC:793A 2EAD:793B 2EAE:25AD7 2EAF:7CF9 2EB0:7E9F 2EB1:7F53 "
    "2EB2:7F52 2EB3:34C1 2EB4:5197 2EB5:2626B 2EB6:7F8A 2EB7:2634C 2EB8:2634B 2EB9:8002 "
    "2EBA:8080 2EBB:807F 2EBC:8089 2EBD:26951 2EBE:8279 2EBF:8279 2EC0:8279 2EC1:864E "
    "2EC2:8864 2EC3:8980 2EC4:897F 2EC5:89C1 2EC6:89D2 2EC7:278B2 2EC8:8BA0 2EC9:8D1D "
    "2ECA:27FB7 2ECB:8F66 2ECC:8FB6 2ECD:8FB6 2ECE:8FB6 2ECF:9091 2ED0:9485 2ED1:9577 "
    "2ED2:9578 2ED3:957F 2ED4:95E8 2ED5:28E0F 2ED6:961D 2ED7:96E8 2ED8:9752 2ED9:97E6 "
    "2EDA:9875 2EDB:98CE 2EDC:98DE 2EDD:98DF 2EDE:2967F 2EDF:98E0 2EE0:9963 2EE1:29810 "
    "2EE2:9A6C 2EE3:9AA8 2EE4:9B3C 2EE5:9C7C 2EE6:9E1F 2EE7:5364 2EE8:9EA6 2EE9:9EC4 "
    "2EEA:9EFE 2EEB:6589 2EEC:9F50 2EED:6B6F 2EEE:9F7F 2EEF:7ADC 2EF0:9F99 2EF1:9F9C "
    "2EF2:4E80 2EF3:9F9F "
)
_RADICAL_MAP = {
    int(src, 16): chr(int(dst, 16))
    for src, dst in (pair.split(":") for pair in _RADICAL_SUPPLEMENT_HEX.split())
}
_RADICAL_MAP.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)})
# Invisible characters that break matching: zero-width space/joiners, soft hyphen, BOM.
_RADICAL_MAP.update({cp: None for cp in (0x200B, 0x200C, 0x200D, 0x00AD, 0xFEFF)})
_RADICAL_MAP.update({0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x000C: "\n", 0x000B: "\n"})

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation and CJK quotes/brackets: spaces next to these are layout, not text.
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2014\u2026\u00b7"
_SPACE = r"[ \t\u3000]"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}]){_SPACE}+|{_SPACE}+(?=[{CJK}{CJK_PUNCT}])")
# "77. 8%" -> "77.8%": a decimal point followed by a layout space inside a number.
_SPLIT_DECIMAL = re.compile(r"(?<=\d)\.[ \t]+(?=\d)")
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_ASCII_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[,:;()!?]|[,:;()!?](?=[{CJK}{CJK_PUNCT}])")
# ASCII "(" directly before or ")" after CJK in the middle of a run: (市人大代表联络总站)
_PAREN_RUN = re.compile(rf"\(([^()]*[{CJK}][^()]*)\)")
# Page numbers printed as footers: —01—, —1—, - 3 -, －2－
_PAGE_FURNITURE = re.compile(r"^\s*[—–\-－]{1,2}\s*\d{1,3}\s*[—–\-－]{1,2}\s*$")
_TERMINAL = re.compile(r"[。！？!?…]['’”」』）)]*$")


def repair_characters(text: str) -> str:
    """Fix code points, not layout: radicals to ideographs, odd spaces, line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_RADICAL_MAP)


def is_page_furniture(line: str) -> bool:
    return bool(_PAGE_FURNITURE.match(line))


def normalise(text: str) -> str:
    """Spacing and punctuation rules for one line or paragraph of Chinese text."""
    text = _SPLIT_DECIMAL.sub(".", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    text = _PAREN_RUN.sub(r"（\1）", text)
    text = _ASCII_PUNCT_NEAR_CJK.sub(lambda m: _ASCII_TO_FULL[m.group(0)], text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def ends_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line.rstrip()))


def join_lines(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines into paragraphs: a paragraph ends where a line ends a sentence."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        piece = line.strip()
        if not piece:
            continue
        current = glue(current, piece)
        if ends_sentence(piece):
            paragraphs.append(normalise(current))
            current = ""
    if current:
        paragraphs.append(normalise(current))
    return [p for p in paragraphs if p]


def glue(left: str, right: str) -> str:
    """Join two wrapped pieces; keep one space only between two Latin/digit characters."""
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def compact(text: str) -> str:
    """Text with all whitespace and punctuation removed: for matching titles and quotes."""
    return re.sub(r"[\s\W_]+", "", text)
