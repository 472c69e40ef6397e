"""HJ 212—2017 污染物在线监控（监测）系统数据传输标准 — the packet, pure: no I/O, no database.

- §6.3.1 表2 通讯包: ``##`` + the data segment's length (4 decimal digits) + the data segment
  (0 ≤ n ≤ 1024) + its CRC16 (4 hex digits) + CR LF. :class:`Framer` cuts a TCP stream into packets.
- §6.3.2 表3 数据段: ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&``;
  Flag bits ``V5…V0 D A`` (A: answer wanted; D: split packet with PNUM/PNO; V: 1 = HJ 212—2017).
- §6.3.3.1 数据区: ``field=value``; the fields of one factor separated by ``,``, items by ``;``.
- 附录A CRC16: register 0xFFFF, polynomial 0xA001, high byte first.
- §6.6.5 表9 and 附录C: the answers — 9014 数据应答 to an upload that asks for one, 9013 通知应答 to a
  notice, 9011 请求应答 (QnRtn, 表7) and 9012 执行结果 (ExeRtn, 表6).

Field devices deviate from the text (a missing ``-Flag``, ``;`` where ``,`` belongs, a trailing ``;``
before ``&&``, ``LA-td`` for ``LA-Rtd`` …): what is unambiguous is read and each deviation is named in
``deviations`` so it can be counted per device; only what cannot be read raises :class:`Unreadable`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

HEAD = b"##"
END = b"\r\n"
MAX_SEGMENT = 1024          # 表2: 数据段 0 ≤ n ≤ 1024
MAX_BUFFER = 1 << 16        # bytes kept while waiting for the rest of a packet

#: 表9 数据命令 the store reads: command → series (2011 实时, 2051 分钟, 2061 小时, 2031 日)
DATA_COMMANDS = {"2011": "realtime", "2051": "minute", "2061": "hour", "2031": "day"}
#: other uploads a device sends that get a 9014 数据应答 (附录C 表C.15, C.19, C.24, C.39, C.40…)
OTHER_UPLOADS = {"1011", "1061", "1063", "2021", "2041", "2081", "3015", "3017", "3018", "3019", "3020"}
NOTICES = {"1013"}                                  # 现场机时间校准请求 → 9013 (表C.4)
ANSWERS = {"9011", "9012", "9013", "9014"}          # a device's answers: recorded, never answered
#: 表8 数据标记
DATA_FLAGS = {"N": "正常", "F": "停运", "M": "维护", "S": "手工输入设定值", "D": "故障", "C": "校准",
              "T": "超测量上限", "B": "通讯异常"}
#: 表4 the value fields of a factor (xxxxxx-Rtd …); other suffixes are kept as text
VALUE_SUFFIXES = ("Rtd", "Min", "Avg", "Max", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "Cou", "RS", "RT", "Data",
                  "DayData", "NightData")
TEXT_SUFFIXES = ("Flag", "EFlag", "SampleTime", "Info", "SN")
_SUFFIX = {s.lower(): s for s in VALUE_SUFFIXES + TEXT_SUFFIXES}
_EXACT = frozenset(VALUE_SUFFIXES + TEXT_SUFFIXES)
#: misspellings met in the field, read as the field they stand for (each counted as a deviation)
SUFFIX_ALIASES = {"td": "Rtd", "rdt": "Rtd", "avr": "Avg", "ave": "Avg", "zsavr": "ZsAvg"}
#: 表7 请求命令返回 and 表6 执行结果
QN_RTN = {1: "准备执行请求", 2: "请求被拒绝", 3: "PW错误", 4: "MN错误", 5: "ST错误", 6: "Flag错误", 7: "QN错误",
          8: "CN错误", 9: "CRC校验错误", 100: "未知错误"}
EXE_RTN = {1: "执行成功", 2: "执行失败，但不知道原因", 3: "命令请求条件错误", 4: "通讯超时", 5: "系统繁忙不能执行",
           6: "系统故障", 100: "没有数据"}


class Unreadable(ValueError):
    """A packet, or a part of it, that cannot be read: the reason is the message."""


# --------------------------------------------------------------------------- 附录A CRC16
def _crc_table() -> tuple[int, ...]:
    out = []
    for x in range(256):
        reg = x
        for _ in range(8):                           # steps 4–7: shift right, XOR 0xA001 when a 1 falls out
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        out.append(reg)
    return tuple(out)


_CRC = _crc_table()


# Only the register's high byte goes on to the next step (``crc_reg >> 8``), so the CRC is driven by a
# byte h: h ← M[h ^ byte] with M[x] = _CRC[x] >> 8. M is linear over GF(2) and M⁸ is the identity, so
# the high byte before the last byte is M^m(0xFF) XOR, over every byte b_i of the first m, M^((m−i) mod 8)
# applied to b_i: the bytes at the same position mod 8 are XORed together first (eight bytes of one
# integer, folded in halves in C), then eight table lookups finish it — the whole segment costs about
# what eight bytes of the byte-by-byte walk do.
def _powers() -> tuple[tuple[int, ...], ...]:
    step = tuple(t >> 8 for t in _CRC)
    out, cur = [], tuple(range(256))
    for _ in range(8):
        out.append(cur)
        cur = tuple(step[x] for x in cur)
    assert cur == tuple(range(256)), "M⁸ is the identity"
    return tuple(out)


_POW = _powers()
# for m ≡ r (mod 8), the byte in position k of a folded 64-bit word is (r − k) mod 8 steps from the end
_BY_RESIDUE = tuple(tuple(_POW[(r - k) % 8] for k in range(8)) for r in range(8))
_W1, _W2, _W4, _W8, _W16, _W32 = ((1 << (64 * w)) - 1 for w in (1, 2, 4, 8, 16, 32))


def _high(data: bytes, m: int, start: int = 0xFF) -> int:
    """The register's high byte after the first ``m`` (≥ 1) bytes of ``data``, from high byte ``start``."""
    x = int.from_bytes(data[:m], "little")
    if m > 8:                                                  # 64-bit words folded in halves
        half = 1 << ((m + 7) // 8 - 1).bit_length() >> 1
        while half > 32:
            x = (x & ((1 << (64 * half)) - 1)) ^ (x >> (64 * half))
            half >>= 1
        if half == 32:
            x = (x & _W32) ^ (x >> 2048)
            half = 16
        if half == 16:
            x = (x & _W16) ^ (x >> 1024)
            half = 8
        if half == 8:
            x = (x & _W8) ^ (x >> 512)
            half = 4
        if half == 4:
            x = (x & _W4) ^ (x >> 256)
            half = 2
        if half == 2:
            x = (x & _W2) ^ (x >> 128)
        x = (x & _W1) ^ (x >> 64)
    t0, t1, t2, t3, t4, t5, t6, t7 = _BY_RESIDUE[m & 7]
    return (_POW[m & 7][start] ^ t0[x & 255] ^ t1[(x >> 8) & 255] ^ t2[(x >> 16) & 255] ^ t3[(x >> 24) & 255]
            ^ t4[(x >> 32) & 255] ^ t5[(x >> 40) & 255] ^ t6[(x >> 48) & 255] ^ t7[x >> 56])


def crc16(data: bytes) -> int:
    """附录A: the register starts at 0xFFFF; each byte is XORed with the register's high byte
    (``crc_reg = (crc_reg >> 8) ^ byte``), then shifted out eight times with 0xA001 — computed by the
    folding above (held to the bitwise algorithm by a test)."""
    m = len(data) - 1
    if m <= 0:
        return 0xFFFF if m < 0 else _CRC[0xFF ^ data[0]]
    return _CRC[_high(data, m) ^ data[m]]


def crc16_many(segments: list[bytes]) -> list[int]:
    """:func:`crc16` of many segments."""
    return [crc16(s) for s in segments]


# --------------------------------------------------------------------------- 表2 framing
@dataclass(slots=True)
class Frame:
    """One packet cut from the stream: ``segment`` when it is whole and its CRC checks, else ``error``."""
    raw: bytes
    segment: bytes | None = None
    error: str | None = None
    deviations: tuple[str, ...] = ()
    sent_crc: int | None = None         # set when the framer left the CRC to be checked by the caller

    def crc_error(self, got: int) -> str | None:
        """The error of a frame whose CRC the caller computed as ``got``."""
        if self.sent_crc is None or self.sent_crc == got:
            return None
        text = self.raw[6 + len(self.segment):6 + len(self.segment) + 4].decode()
        return f"CRC {text} does not match the data segment's {got:04X} (附录A)"


def _is_blank(data: bytes) -> bool:
    return not data.strip(b" \t\r\n\x00")


class Framer:
    """Cuts a TCP byte stream into packets: several packets in one read, one packet over several
    reads. A packet whose length or CRC is wrong comes out as a :class:`Frame` with ``error`` (its
    bytes kept); the stream goes on at the next ``##``."""

    def __init__(self, check_crc: bool = True):
        self._buf = bytearray()
        self.check_crc = check_crc

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf
        out: list[Frame] = []
        if not buf:                                       # the usual read: whole packets, one after another
            data = bytes(data)
            pos, size, check = 0, len(data), self.check_crc
            while pos + 6 <= size and data[pos:pos + 2] == HEAD and data[pos + 2:pos + 6].isdigit():
                end = pos + int(data[pos + 2:pos + 6]) + 12
                if end > size or data[end - 2:end] != END:
                    break
                out.append(_checked(data[pos:end], end - pos - 12, (), check))
                pos = end
            if pos == size:
                return out
            data = data[pos:]                             # the rest as the stream comes: cut below
        buf += data
        while buf:
            start = buf.find(HEAD)
            if start == -1:
                keep = 1 if buf.endswith(b"#") else 0    # a lone '#' may begin the next packet
                junk = bytes(buf[:len(buf) - keep])
                if junk and not _is_blank(junk):
                    out.append(Frame(junk, error="bytes outside a packet (no ## header)"))
                del buf[:len(buf) - keep]
                break
            if start:
                junk = bytes(buf[:start])
                if not _is_blank(junk):
                    out.append(Frame(junk, error="bytes outside a packet (no ## header)"))
                del buf[:start]
            if len(buf) < 6:
                break
            frame, used = self._one(buf, self.check_crc)
            if used == 0:                              # the rest of the packet has not arrived yet
                if len(buf) > MAX_BUFFER:
                    out.append(Frame(bytes(buf), error=f"no packet end within {MAX_BUFFER} bytes"))
                    buf.clear()
                break
            out.append(frame)
            del buf[:used]
        return out

    @staticmethod
    def _one(buf: bytearray, check: bool = True) -> tuple[Frame | None, int]:
        """The packet at the start of ``buf`` and the bytes it used; (None, 0) when incomplete."""
        digits = bytes(buf[2:6])
        if not digits.isdigit():
            used = _resync(buf)
            return Frame(bytes(buf[:used]), error=f"length field {digits!r} is not 4 decimal digits (表2)"), used
        n = int(digits)
        end = 6 + n + 4 + 2
        if len(buf) >= end and buf[end - 2:end] == END:
            return _checked(bytes(buf[:end]), n, (), check), end
        crlf = buf.find(END, 6)
        if len(buf) < end and (crlf == -1 or not (crlf + 2 == len(buf) or buf.startswith(HEAD, crlf + 2))):
            return None, 0
        if crlf == -1:                                   # long enough but no end: cut at the next header
            used = _resync(buf)
            return Frame(bytes(buf[:used]), error=f"declared length {n} does not end in CR LF (表2)"), used
        raw = bytes(buf[:crlf + 2])
        segment = raw[6:-6]
        try:
            chars = len(segment.decode("utf-8"))
        except UnicodeDecodeError:
            chars = -1
        if chars == n and len(segment) != n:             # counted in characters, not bytes
            return _checked(raw, len(segment), ("length counts characters, not bytes",), check), crlf + 2
        return Frame(raw, error=f"declared length {n} but the data segment has {len(segment)} bytes (表2)"), crlf + 2


def _resync(buf: bytearray) -> int:
    """Bytes to skip after a header that cannot be read: up to and including the next CR LF, or up
    to the next ``##``, or everything."""
    crlf = buf.find(END, 2)
    nxt = buf.find(HEAD, 2)
    if crlf != -1 and (nxt == -1 or crlf < nxt):
        return crlf + 2
    return nxt if nxt != -1 else len(buf)


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _checked(raw: bytes, n: int, deviations: tuple[str, ...], check: bool = True) -> Frame:
    segment, text = raw[6:6 + n], raw[6 + n:6 + n + 4]
    if len(text) != 4 or text.translate(None, _HEX_DIGITS):
        return Frame(raw, error=f"CRC field {text!r} is not 4 hexadecimal digits (表2)")
    sent = int(text, 16)
    if text != text.upper():
        deviations += ("CRC in lowercase hexadecimal",)
    if n > MAX_SEGMENT:
        deviations += (f"data segment longer than {MAX_SEGMENT}",)
    if not check:
        return Frame(raw, segment=segment, deviations=deviations, sent_crc=sent)
    got = crc16(segment)
    if sent != got:
        return Frame(raw, error=f"CRC {text.decode()} does not match the data segment's {got:04X} (附录A)")
    return Frame(raw, segment=segment, deviations=deviations)


# --------------------------------------------------------------------------- 表3 the data segment
@dataclass
class Packet:
    """A data segment read: the header fields of 表3 and the data region ``cp`` (between the ``&&``)."""
    qn: str | None
    st: str | None
    cn: str
    pw: str | None
    mn: str
    flag: int | None
    pnum: int | None
    pno: int | None
    cp: str
    deviations: list[str] = field(default_factory=list)

    @property
    def wants_answer(self) -> bool:
        """Flag bit A: 1 — 应答 (表3)."""
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        """Flag bit D: the packet carries PNUM and PNO (表3)."""
        return self.flag is not None and bool(self.flag & 2)

    @property
    def version(self) -> int | None:
        """Flag bits V5…V0: 0 HJ/T 212—2005, 1 HJ 212—2017 (表3)."""
        return None if self.flag is None else self.flag >> 2


_HEADER_KEYS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
_HEADER_SET = frozenset(_HEADER_KEYS)
_HEADER_BY_LOWER = {k.lower(): k for k in _HEADER_KEYS}


def parse_segment(segment: bytes | str) -> Packet:
    """Read a data segment (表3). Raises :class:`Unreadable` when MN or CN is missing or the data
    region is not enclosed in ``CP=&&…&&``."""
    if isinstance(segment, bytes):
        try:
            text = segment.decode("utf-8")
            deviations: list[str] = []
        except UnicodeDecodeError:
            text = segment.decode("utf-8", "replace")
            deviations = ["data segment not UTF-8"]
    else:
        text, deviations = segment, []
    at = text.find("CP=&&")
    if at == -1:
        raise Unreadable("no data region CP=&&…&& (表3)")
    rest = text[at + 5:].rstrip()
    if not rest.endswith("&&"):
        raise Unreadable("the data region does not end in && (表3)")
    cp = rest[:-2]
    head = text[:at]
    if head and not head.endswith(";"):
        deviations.append("no ';' before CP")
    fields: dict[str, str] = {}
    if "," in head:
        deviations.append("',' between header fields")
        parts = re.split(r"[;,]", head)
    else:
        parts = head.split(";")
    for part in parts:
        key, eq, value = part.partition("=")
        if key in _HEADER_SET and eq and value == value.strip():
            fields[key] = value                                  # the usual case, as the standard writes it
            continue
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq:
            deviations.append(f"header field without '=': {part[:20]}")
            continue
        name = _HEADER_BY_LOWER.get(key.lower())
        if name is None:
            deviations.append(f"unknown header field {key[:12]}")
            continue
        if name != key:
            deviations.append(f"header field {key} written in another case")
        fields[name] = value.strip()
    mn, cn = fields.get("MN"), fields.get("CN")
    if not mn:
        raise Unreadable("no MN (设备唯一标识, 表3)")
    if not cn:
        raise Unreadable("no CN (命令编码, 表3)")
    flag = _int(fields.get("Flag"))
    if "Flag" not in fields:
        deviations.append("no Flag")
    elif flag is None or not 0 <= flag <= 255:
        deviations.append("Flag not an integer 0–255")
        flag = None
    if not fields.get("QN"):
        deviations.append("no QN")
    pnum, pno = _int(fields.get("PNUM")), _int(fields.get("PNO"))
    return Packet(fields.get("QN"), fields.get("ST"), cn, fields.get("PW"), mn, flag, pnum, pno, cp, deviations)


_V = rb"[\x21-\x2b\x2d-\x3a\x3c\x3e-\x7e]"          # printable ASCII but for , ; = (so nothing to strip)
#: 表3's header in its own order, as a device that follows the text writes it
_CANONICAL = re.compile(rb"QN=(%s*);ST=%s*;CN=(%s+);PW=(%s*);MN=(%s+);Flag=([0-9]{1,3});(?:PNUM=%s*;PNO=%s*;)?CP=&&"
                        % ((_V,) * 7)).match


def header(segment: bytes) -> tuple[bytes, bytes, bytes | None, bytes, int] | None:
    """(QN, CN, PW, MN, Flag) of a data segment written exactly as 表3 writes it — the header fields in
    its order (QN ST CN PW MN Flag [PNUM PNO]), printable ASCII without space, ``,`` or ``;`` in a
    value, a Flag 0–255, then ``CP=&&…&&`` ending the segment — read by one regular expression,
    without decoding the data region; ``None`` for anything else, which
    :func:`parse_segment` then reads (it accepts, refuses and names deviations). What this returns is
    what :func:`parse_segment` would read (a test holds them together)."""
    m = _CANONICAL(segment)
    if m is None or segment[-2:] != b"&&" or len(segment) < m.end() + 2:
        return None
    qn, cn, pw, mn, flag = m.groups()
    flag = int(flag)
    return (qn, cn, pw, mn, flag) if flag <= 255 else None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- §6.3.3 the data region
@dataclass
class DataRegion:
    """The data region read: plain fields (DataTime, PolId, RtdInterval …) and per factor code its
    fields by suffix (``values["a34004"]["Avg"]``), all as text."""
    fields: dict[str, str]
    factors: dict[str, dict[str, str]]
    deviations: list[str] = field(default_factory=list)


_SEPARATED = re.compile(r"([;,])")


def _tokens(cp: str) -> list[tuple[str, str]]:
    """(separator before, token) of the data region, ``//…//`` (表C.40 日志) kept whole."""
    if "//" not in cp:
        parts = _SEPARATED.split(cp)
        return [("", parts[0])] + list(zip(parts[1::2], parts[2::2]))
    out, sep, buf, i, n = [], "", [], 0, len(cp)
    while i < n:
        c = cp[i]
        if c == "/" and cp.startswith("//", i) and buf and "".join(buf).endswith("="):
            close = cp.find("//", i + 2)
            close = n - 2 if close == -1 else close
            buf.append(cp[i:close + 2])
            i = close + 2
            continue
        if c in ";,":
            out.append((sep, "".join(buf)))
            sep, buf = c, []
        else:
            buf.append(c)
        i += 1
    out.append((sep, "".join(buf)))
    return out


def parse_region(cp: str) -> DataRegion:
    """Read the data region (§6.3.3.1). Deviations read through: ``;`` between the fields of one
    factor, ``,`` between factors, a trailing separator before ``&&``, empty fields, a suffix in
    another case or misspelt (``LA-td``). A field without ``=`` cannot be read: :class:`Unreadable`."""
    region = DataRegion({}, {})
    dev = region.deviations
    tokens = _tokens(cp)
    last_code = None
    last = len(tokens) - 1
    for k, (sep, token) in enumerate(tokens):
        if token[:1] == " " or token[-1:] == " ":
            token = token.strip()
        if not token:
            if k == last and k > 0:
                dev.append(f"trailing '{sep}' before &&")
            elif len(tokens) > 1:
                dev.append("empty field")
            continue
        key, eq, value = token.partition("=")
        if not eq:
            raise Unreadable(f"field {token[:24]!r} has no '=' (§6.3.3.1)")
        if key[-1:] == " " or value[:1] == " ":
            key, value = key.strip(), value.strip()
        code, dash, suffix = key.partition("-")
        if not dash:
            region.fields[key] = value
            last_code = None
            continue
        name = suffix if suffix in _EXACT else _SUFFIX.get(suffix.lower())
        if name is None:
            alias = SUFFIX_ALIASES.get(suffix.lower())
            if alias is None:
                dev.append(f"unknown field suffix -{suffix[:10]}")
                name = suffix
            else:
                dev.append(f"-{suffix} read as -{alias}")
                name = alias
        elif name != suffix:
            dev.append(f"-{suffix} written in another case")
        if sep == ";" and code == last_code:
            dev.append("';' between fields of one factor")
        elif sep == "," and last_code is not None and code != last_code:
            dev.append("',' between factors")
        region.factors.setdefault(code, {})[name] = value
        last_code = code
    return region


def parse_time(text: str | None) -> dt.datetime | None:
    """YYYYMMDDhhmmss (表4 DataTime), naive local (Beijing) time; None when absent or malformed."""
    if not text or not text.isdigit() or len(text) not in (12, 14):
        return None
    try:
        return dt.datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                           int(text[12:14] or 0))
    except ValueError:
        return None


def parse_value(text: str) -> float | None:
    """A number of a value field (N14.2 and alike, 表4); None when it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


# --------------------------------------------------------------------------- answers (表9, 附录C)
def encode(segment: str) -> bytes:
    """A whole packet for a data segment: ``##`` length, segment, CRC16 upper-case, CR LF (表2)."""
    body = segment.encode("utf-8")
    return b"##%04d%s%04X\r\n" % (len(body), body, crc16(body))


def answer_segment(p: Packet, cn: str, cp: str = "") -> bytes:
    """The data segment of an answer to ``p``: its own QN, ST=91, the same PW and MN, Flag=4 (附录C)."""
    return f"QN={p.qn or ''};ST=91;CN={cn};PW={p.pw or ''};MN={p.mn};Flag=4;CP=&&{cp}&&".encode()


_TAILS: dict[tuple[bytes, bytes, bytes], tuple[bytes, int, tuple[int, ...]]] = {}


def answer_packet(qn: bytes, cn: bytes, pw: bytes, mn: bytes) -> bytes:
    """The whole answer packet ``QN=qn;ST=91;CN=cn;PW=pw;MN=mn;Flag=4;CP=&&&&`` (:func:`answer_segment`,
    :func:`encode`). The CRC is linear, so the part after QN — the same in every answer to a device —
    is folded once and kept; each answer folds only ``QN=…``."""
    known = _TAILS.get((cn, pw, mn))
    if known is None:
        if len(_TAILS) > 100_000:
            _TAILS.clear()
        tail = b";ST=91;CN=%s;PW=%s;MN=%s;Flag=4;CP=&&&&" % (cn, pw, mn)
        known = _TAILS[cn, pw, mn] = (tail, _CRC[_high(tail, len(tail) - 1, 0) ^ tail[-1]], _POW[(len(tail) - 1) & 7])
    tail, part, steps = known
    head = b"QN=" + qn
    return b"##%04d%s%s%04X\r\n" % (len(head) + len(tail), head, tail, _CRC[steps[_high(head, len(head))]] ^ part)


def encode_many(segments: list[bytes]) -> list[bytes]:
    """Whole packets for many data segments (their CRCs computed together)."""
    return [b"##%04d%s%04X\r\n" % (len(s), s, c) for s, c in zip(segments, crc16_many(segments))]


def _answer(p: Packet, cn: str, cp: str = "") -> bytes:
    return encode_many([answer_segment(p, cn, cp)])[0]


def data_answer(p: Packet) -> bytes:
    """9014 数据应答 to an upload whose Flag asks for one (表C.14–C.18, C.48, C.50): its own QN, ST=91, Flag=4."""
    return _answer(p, "9014")


def notice_answer(p: Packet) -> bytes:
    """9013 通知应答 (表C.4)."""
    return _answer(p, "9013")


def request_answer(p: Packet, qn_rtn: int) -> bytes:
    """9011 请求应答 with QnRtn of 表7 (1 ready, 2 refused, 3 PW wrong, 4 MN wrong, 8 CN wrong …)."""
    return _answer(p, "9011", f"QnRtn={qn_rtn}")


def execution_result(p: Packet, exe_rtn: int) -> bytes:
    """9012 执行结果 with ExeRtn of 表6."""
    return _answer(p, "9012", f"ExeRtn={exe_rtn}")


# --------------------------------------------------------------------------- deviations, in Chinese for the pages
_DEVIATION_NAMES = (
    (r"^';' between fields of one factor$", "同一因子的字段之间用了“;”（应为“,”）"),
    (r"^',' between factors$", "不同因子之间用了“,”（应为“;”）"),
    (r"^trailing '(.)' before &&$", r"“&&”前多了结尾的“\1”"),
    (r"^empty field$", "空字段"),
    (r"^-(\S+) read as -(\S+)$", r"字段后缀“-\1”按“-\2”读取"),
    (r"^-(\S+) written in another case$", r"字段后缀“-\1”大小写不符"),
    (r"^unknown field suffix -(\S+)$", r"未知的字段后缀“-\1”（未作为数值）"),
    (r"^missing -Flag$", "缺少数据标记“-Flag”（按默认标记读取）"),
    (r"^data flag (\S+) not in 表8$", r"数据标记“\1”不在表8中"),
    (r"^unreadable value (\S+)$", r"数值无法读取：\1"),
    (r"^unit (.+) of (\S+) cannot become (.+)$", r"\2 的单位 \1 无法换算为 \3（未入小时库）"),
    (r"^no ';' before CP$", "CP 前缺少“;”"),
    (r"^',' between header fields$", "包头字段之间用了“,”"),
    (r"^no Flag$", "缺少 Flag（不应答）"),
    (r"^no QN$", "缺少 QN"),
    (r"^Flag not an integer 0–255$", "Flag 不是 0–255 的整数"),
    (r"^CRC in lowercase hexadecimal$", "CRC 用了小写十六进制"),
    (r"^length counts characters, not bytes$", "数据段长度按字符而非字节计"),
    (r"^data segment longer than (\d+)$", r"数据段长度超过 \1"),
    (r"^DataTime without seconds$", "DataTime 缺少秒"),
    (r"^data segment not UTF-8$", "数据段不是 UTF-8"),
    (r"^header field (\S+) written in another case$", r"包头字段 \1 大小写不符"),
    (r"^unknown header field (.+)$", r"未知的包头字段 \1"),
)


def deviation_label(key: str) -> str:
    """A deviation's Chinese description (the key itself when none is known)."""
    for pattern, text in _DEVIATION_NAMES:
        if re.match(pattern, key):
            return re.sub(pattern, text, key)
    return key
