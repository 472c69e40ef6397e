"""Text files from users, one way for every room's reader (docs/limits.md, issue 21 §4).

- :func:`decode_text` — the bytes as text: UTF-8 (BOM optional), UTF-16 with a BOM, else GB18030
  (⊇ GBK/GB2312, what Chinese office software exports). A file cut in the middle of a character is
  reported as such with its line and byte offset, not as an unknown encoding; a UTF-8 file with a few
  broken bytes is reported at the first one, not read as GBK mojibake; a NUL byte (binary data) is
  refused naming its line.
- :func:`csv_rows` — CSV text as rows, with a malformed file (an unclosed quote, a field over the csv
  module's limit, a NUL byte in a field) refused as a user's mistake naming the file, line and field.
- :func:`read_text` / :func:`read_csv` — the same from a file on disk.
"""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from lantian.errors import InputError

__all__ = ["GBK_NOTE", "csv_rows", "decode_text", "decode_text_noted", "read_csv", "read_text"]

GBK_NOTE = "read as GBK/GB18030 text (not UTF-8)"
UTF16_NOTE = "read as UTF-16 text"
_EXPECTED = "UTF-8 或 GBK/GB18030 编码的文本文件（UTF-8 or GBK/GB18030 text）"


def _line_of(data: bytes, offset: int, newline: bytes = b"\n") -> int:
    return data[:offset].count(newline) + 1


def _cut(shown, data: bytes, offset: int, encoding: str, newline: bytes = b"\n") -> InputError:
    line = _line_of(data, offset, newline)
    return InputError(shown, f"文件在一个字符的中间被截断（{encoding}，第 {line} 行，字节偏移 {offset}）："
                             "文件不完整", line=line, expected="完整的文件：重新导出或重新上传")


def decode_text_noted(data: bytes, shown: str | Path, *, nul_ok: bool = False) -> tuple[str, str | None]:
    """(text, a note when it was not UTF-8) — see the module's docstring. ``nul_ok``: leave NUL bytes
    to the caller (:func:`read_csv` names their field)."""
    note = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            nl = b"\n\x00" if data.startswith(codecs.BOM_UTF16_LE) else b"\x00\n"
            if exc.end >= len(data):
                raise _cut(shown, data, exc.start, "UTF-16", nl) from None
            raise InputError(shown, f"不是有效的 UTF-16 文本（字节偏移 {exc.start}）",
                             line=_line_of(data, exc.start, nl), expected=_EXPECTED) from None
        return _no_nul(shown, text, nul_ok), UTF16_NOTE
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    skip = len(data) - len(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = _not_utf8(shown, data, body, skip, exc)
        note = GBK_NOTE
    return _no_nul(shown, text, nul_ok), note


def _not_utf8(shown, data: bytes, body: bytes, skip: int, exc: UnicodeDecodeError) -> str:
    """GB18030 text, or the error of a UTF-8 file cut short or with broken bytes."""
    at = exc.start + skip
    multibyte_before = any(b > 0x7F for b in body[:exc.start])
    if exc.end >= len(body) and exc.reason == "unexpected end of data":
        if multibyte_before or skip:          # a UTF-8 file (BOM, or Chinese already read) cut short
            raise _cut(shown, data, at, "UTF-8")
    elif skip:
        raise InputError(shown, f"UTF-8 文件（带 BOM）中有无效字节（invalid UTF-8 byte 0x{data[at]:02x}，字节偏移 {at}）",
                         line=_line_of(data, at), expected="同一种编码的文本（UTF-8 或 GBK）")
    else:
        # UTF-8 with a few broken bytes, or another encoding? Count what decodes as UTF-8 (GBK text
        # only rarely forms valid UTF-8 sequences, and then few of them).
        loose = body.decode("utf-8", errors="replace")
        broken = loose.count("\ufffd")
        fine = sum(1 for ch in loose if ord(ch) > 0x7F) - broken
        if fine >= 10 * broken:
            raise InputError(shown, f"UTF-8 文件中有无效字节（invalid UTF-8 byte 0x{data[at]:02x}，字节偏移 {at}）",
                             line=_line_of(data, at), expected="同一种编码的文本（UTF-8 或 GBK）")
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError as exc2:
        if exc2.end >= len(body):
            raise _cut(shown, data, exc2.start + skip, "GBK/GB18030") from None
        at = exc2.start + skip
        raise InputError(shown, f"无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030（neither UTF-8 nor GBK/GB18030，字节偏移 {at}）",
                         line=_line_of(data, at), expected=_EXPECTED) from None


def _no_nul(shown, text: str, nul_ok: bool) -> str:
    if not nul_ok and "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError(shown, "含有 NUL 字节（\\x00）：这是二进制数据，不是文本", line=line, expected=_EXPECTED)
    return text


def decode_text(data: bytes, shown: str | Path, *, nul_ok: bool = False) -> str:
    """The text of a user's file (see the module's docstring), or an :class:`InputError`."""
    return decode_text_noted(data, shown, nul_ok=nul_ok)[0]


def read_text(path: str | Path, shown: str | Path | None = None) -> str:
    path = Path(path)
    return decode_text(_bytes(path, shown), shown or path)


def _bytes(path: Path, shown) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(shown or path, "no such file") from None
    except OSError as exc:
        raise InputError(shown or path, f"cannot read the file: {exc.strerror or exc}") from None


def read_csv(path: str | Path, shown: str | Path | None = None) -> list[list[str]]:
    """The rows of a CSV file (any encoding :func:`decode_text` reads)."""
    path = Path(path)
    shown = shown or path
    return csv_rows(shown, decode_text(_bytes(path, shown), shown, nul_ok=True))


def csv_rows(shown: str | Path, text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if any("\x00" in cell for cell in row):
                _nul_field(shown, reader.line_num, rows)
    except csv.Error as exc:
        raise InputError(shown, f"not a readable CSV: {exc}", line=reader.line_num,
                         expected="comma-separated fields, each under 131,072 characters") from None
    return rows


def _nul_field(shown, line: int, rows: list[list[str]]) -> None:
    row = rows[-1]
    j = next(j for j, cell in enumerate(row) if "\x00" in cell)
    header = rows[0][j].strip() if len(rows) > 1 and j < len(rows[0]) else ""
    field = f"第 {j + 1} 列" + (f"（{header}）" if header and "\x00" not in header else "")
    raise InputError(shown, "字段中含有 NUL 字节（\\x00）：二进制数据不能作为文本保存", line=line, column=field,
                     expected="不含控制字符的文本")
