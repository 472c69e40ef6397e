"""PDF through LibreOffice. LibreOffice is a prerequisite of these tests only (Debian packages
libreoffice-writer-nogui and poppler-utils): they fail, never skip, when it is missing."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from lantian.documents import pdf_unavailable, render_docx, to_pdf
from lantian.documents.letters import warning_letter


@pytest.fixture(scope="module")
def letter_pdf(tmp_path_factory):
    reason = pdf_unavailable()
    if reason:
        pytest.fail(f"{reason}; the PDF tests need it (CI: apt-get install libreoffice-writer-nogui poppler-utils)")
    import datetime as dt
    from lantian.documents.letters import WarningLetterContext
    ctx = WarningLetterContext(county="潞州区", year=2023, period_end=dt.date(2023, 6, 30), pm25=38,
                               pm25_target=32, good_days=118, valid_days=181, good_ratio_target=72,
                               deadline=dt.date(2023, 7, 20), date=dt.date(2023, 7, 5),
                               doc_number="长气防办函〔2023〕12号")
    folder = tmp_path_factory.mktemp("pdf")
    docx = render_docx("letter", warning_letter(ctx), folder / "预警通知函.docx")
    pdf = to_pdf(docx)
    assert pdf is not None, "LibreOffice is installed but the conversion failed (see the log)"
    return pdf


def test_pdf_has_pages_and_the_county(letter_pdf):
    data = letter_pdf.read_bytes()
    assert letter_pdf.name == "预警通知函.pdf" and data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(letter_pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert text.count("\f") >= 1
        assert "潞州区人民政府" in text and "26.1" in text
    else:  # the title (with the county) is in the PDF's info dictionary, UTF-16BE
        assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1
        assert "潞州区".encode("utf-16-be").hex().upper().encode() in data.upper()


def test_pdf_embeds_cjk_fonts(letter_pdf):
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (Debian poppler-utils) is needed to check the PDF's fonts")
    out = subprocess.run(["pdffonts", str(letter_pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in out  # Noto (or a licensed face) embedded, not a substitute without Chinese


def test_no_libreoffice_returns_none_with_a_reason(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("LANTIAN_SOFFICE", str(tmp_path / "no-soffice"))
    docx = render_docx("document", {"title": "标题"}, tmp_path / "x.docx")
    assert "libreoffice-writer-nogui" in pdf_unavailable()
    with caplog.at_level("WARNING", logger="lantian.documents"):
        assert to_pdf(docx) is None
    assert "LibreOffice" in caplog.text
