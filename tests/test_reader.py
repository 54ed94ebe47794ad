"""Every kind of bad or unusual input file: the text comes out, or one clear reason does."""

import io

import pytest

from assistant.errors import UnreadableSourceError
from assistant.reader import read_source

from .conftest import PDFS, SAMPLE

TEXT = (SAMPLE / "004_dbed6e9d040a5771.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "encoding, prefix",
    [("gbk", b""), ("gb18030", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("utf-8", b"")],
)
def test_text_encodings_are_detected(tmp_path, encoding, prefix):
    path = tmp_path / "issue.txt"
    path.write_bytes(prefix + TEXT.encode(encoding))
    source = read_source(path)
    assert source.text.lstrip("\ufeff") == TEXT
    assert source.kind == "txt"


def test_gbk_file_named_pdf_is_still_text(tmp_path):
    path = tmp_path / "issue.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert "西湖龙井" in read_source(path).text


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "空文件"),
        (b"   \n\n  ", "空文件"),
        (bytes(range(256)) * 40, "二进制"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(200)) * 50, "二进制"),
    ],
)
def test_bad_text_files_raise_one_clear_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UnreadableSourceError, match=reason):
        read_source(path)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableSourceError, match="不存在"):
        read_source(tmp_path / "gone.txt")


def test_real_pdf_has_text():
    source = read_source(PDFS / "004_dbed6e9d040a5771.pdf")
    assert source.kind == "pdf" and "杭州" in source.text


def test_truncated_pdf(tmp_path):
    data = (PDFS / "004_dbed6e9d040a5771.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(UnreadableSourceError, match="PDF"):
        read_source(path)


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(PDFS / "004_dbed6e9d040a5771.pdf").pages[:1]:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(UnreadableSourceError, match="加密"):
        read_source(path)


def test_scanned_pdf_without_text_layer(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "scan.pdf"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnreadableSourceError, match="扫描件"):
        read_source(path)


def test_a_zip_renamed_txt_is_binary_not_utf16(tmp_path):
    import zipfile

    from assistant.errors import UnreadableSourceError
    from assistant.reader import read_source

    from .conftest import SAMPLE

    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        path = tmp_path / f"archive{compression}.txt"
        with zipfile.ZipFile(path, "w", compression) as archive:
            archive.writestr("issue.txt", (SAMPLE / "004_dbed6e9d040a5771.txt").read_text(encoding="utf-8"))
        with pytest.raises(UnreadableSourceError, match="二进制"):
            read_source(path)
