"""HJ 212—2017 packets, pure: the standard's own examples (附录A, 附录C), framing over TCP reads, and the
deviations field devices make, read through and named."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from lantian.live import hj212

EXAMPLE = (b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
           b"CP=&&RtdInterval=30&&1C80\r\n")
MN = "010000A8900016F000169DC0"


def packet(segment: str) -> bytes:
    return hj212.encode(segment)


# 附录C examples (the "…" of the printed tables left out)
C14 = (f"QN=20160801085857223;ST=32;CN=2011;PW=123456;MN={MN};Flag=5;CP=&&DataTime=20160801085857;"
       "w01001-Rtd=7.1,w01001-Flag=N;w01018-SampleTime=20160801070000,w01018-Rtd=2.2,w01018-Flag=N,"
       "w01018-EFlag=A01&&")
C17 = (f"QN=20160801090000001;ST=32;CN=2061;PW=123456;MN={MN};Flag=5;CP=&&DataTime=20160801080000;"
       "w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,w00000-Flag=N;w01001-Min=7.1,"
       "w01001-Avg=7.5,w01001-Max=7.8,w01001-Flag=N;w01018-Cou=63.0,w01018-Min=40.1,w01018-Avg=40.1,"
       "w01018-Max=40.1,w01018-Flag=N&&")
C50 = [(f"QN=20160801085857534;ST=32;CN=2061;PW=123456;MN={MN};Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20160801080000;"
         "w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,w00000-Flag=N;w01001-Min=7.1,"
         "w01001-Avg=7.5,w01001-Max=7.8,w01001-Flag=N&&"),
       (f"QN=20160801085857535;ST=32;CN=2061;PW=123456;MN={MN};Flag=7;PNUM=2;PNO=2;CP=&&DataTime=20160801080000;"
        "w01018-Cou=63.0,w01018-Min=40.1,w01018-Avg=40.1,w01018-Max=40.1,w01018-Flag=N&&")]


def test_the_appendix_a_example_verifies():
    segment = EXAMPLE[6:-6]
    assert len(segment) == 101 and hj212.crc16(segment) == 0x1C80
    assert hj212.encode(segment.decode()) == EXAMPLE          # length, CRC upper-case, CR LF
    [frame] = hj212.Framer().feed(EXAMPLE)
    assert frame.error is None and frame.segment == segment


def test_crc_table_equals_the_bitwise_algorithm_of_appendix_a():
    def bitwise(data: bytes) -> int:                        # the appendix's C code, step by step
        reg = 0xFFFF
        for b in data:
            reg = (reg >> 8) ^ b
            for _ in range(8):
                check = reg & 1
                reg >>= 1
                if check:
                    reg ^= 0xA001
        return reg
    for data in (b"", b"A", C14.encode(), C17.encode(), bytes(range(256))):
        assert hj212.crc16(data) == bitwise(data)
    rng = random.Random(212)                                  # every length mod 8 and every fold depth
    for n in [*range(2, 140), 1023, 1024, 1025, 4097, 70_000]:
        data = rng.randbytes(n)
        assert hj212.crc16(data) == bitwise(data), n
    assert hj212.crc16_many([b"", b"A", C14.encode()]) == [bitwise(b""), bitwise(b"A"), bitwise(C14.encode())]


def test_one_packet_over_many_reads_and_many_packets_in_one_read():
    f = hj212.Framer()
    got = []
    for i in range(len(EXAMPLE)):                            # one byte per read
        got += f.feed(EXAMPLE[i:i + 1])
    assert [x.segment for x in got] == [EXAMPLE[6:-6]] and f.pending == 0
    stream = EXAMPLE + packet(C14) + b"\r\n" + packet(C17) + EXAMPLE[:40]
    frames = f.feed(stream)
    assert [x.error for x in frames] == [None, None, None] and f.pending == 40
    assert f.feed(EXAMPLE[40:])[0].segment == EXAMPLE[6:-6]


def test_bad_length_and_bad_crc_are_refused_and_the_stream_goes_on():
    longer = EXAMPLE.replace(b"##0101", b"##0120")            # says more than it has
    shorter = EXAMPLE.replace(b"##0101", b"##0099")
    bad_crc = EXAMPLE.replace(b"1C80", b"1C81")
    letters = EXAMPLE.replace(b"##0101", b"##01a1")
    f = hj212.Framer()
    frames = f.feed(longer + shorter + bad_crc + letters + EXAMPLE)
    assert [x.error is None for x in frames] == [False, False, False, False, True]
    assert "declared length 120" in frames[0].error and "101 bytes" in frames[0].error
    assert "declared length 99" in frames[1].error
    assert "CRC 1C81 does not match" in frames[2].error and "1C80" in frames[2].error
    assert "not 4 decimal digits" in frames[3].error
    assert [x.raw for x in frames[:3]] == [longer, shorter, bad_crc]       # kept whole, never dropped
    # a short packet at the end of a read is refused without waiting for bytes that will never come
    assert hj212.Framer().feed(longer)[0].error.startswith("declared length 120")


def test_framing_deviations_read_through():
    lower = EXAMPLE.replace(b"1C80", b"1c80")
    [frame] = hj212.Framer().feed(lower)
    assert frame.error is None and frame.deviations == ("CRC in lowercase hexadecimal",)
    log = f"QN=1;ST=32;CN=3020;PW=1;MN={MN};Flag=5;CP=&&DataTime=20160801085857;i11001-Info=//清洗管路//&&"
    body = log.encode()
    chars = b"##%04d%s%04X\r\n" % (len(log), body, hj212.crc16(body))   # length in characters
    [frame] = hj212.Framer().feed(chars)
    assert frame.error is None and frame.deviations == ("length counts characters, not bytes",)
    junk = hj212.Framer().feed(b"hello\r\n" + EXAMPLE)
    assert junk[0].error.startswith("bytes outside a packet") and junk[1].error is None


def test_data_segment_and_flag_bits():
    p = hj212.parse_segment(EXAMPLE[6:-6])
    assert (p.qn, p.st, p.cn, p.pw, p.mn, p.flag, p.cp) == ("20160801085857223", "32", "1062", "100000", MN, 5,
                                                            "RtdInterval=30")
    assert p.wants_answer and not p.split and p.version == 1 and p.deviations == []
    first = hj212.parse_segment(C50[0])
    assert first.flag == 7 and first.split and first.wants_answer and (first.pnum, first.pno) == (2, 1)
    assert hj212.parse_segment(C50[0].replace("Flag=7", "Flag=6")).wants_answer is False
    with pytest.raises(hj212.Unreadable, match="no MN"):
        hj212.parse_segment("QN=1;ST=32;CN=2011;PW=1;Flag=5;CP=&&&&")
    with pytest.raises(hj212.Unreadable, match="CP=&&"):
        hj212.parse_segment(f"QN=1;ST=32;CN=2011;PW=1;MN={MN};Flag=5;CP=DataTime=1")
    # the standard's own slips: ',' after QN (表C.48), no ';' before CP (表C.19)
    p = hj212.parse_segment(C17.replace("001;ST=32", "001,ST=32").replace("Flag=5;CP", "Flag=5CP"))
    assert p.cn == "2061" and p.flag == 5
    assert p.deviations == ["no ';' before CP", "',' between header fields"]


def test_data_region_of_the_appendix_c_examples():
    r = hj212.parse_region(hj212.parse_segment(C14).cp)
    assert r.fields == {"DataTime": "20160801085857"} and r.deviations == []
    assert r.factors["w01018"] == {"SampleTime": "20160801070000", "Rtd": "2.2", "Flag": "N", "EFlag": "A01"}
    hour = hj212.parse_region(hj212.parse_segment(C17).cp)
    assert hour.factors["w00000"]["Cou"] == "63.0" and hour.factors["w01001"]["Avg"] == "7.5"
    assert hj212.parse_time(hour.fields["DataTime"]) == dt.datetime(2016, 8, 1, 8)
    assert hj212.parse_region("").factors == {} and hj212.parse_region(" ").deviations == []


def test_field_deviations_are_read_and_named():
    cp = "DataTime=20240501090000;a34004-Avg=35;a34004-Flag=N;a21026-Avg=12,a21026-flag=N;LA-td=50.1;a99999-Zzz=1;"
    r = hj212.parse_region(cp)
    assert r.factors["a34004"] == {"Avg": "35", "Flag": "N"}
    assert r.factors["a21026"] == {"Avg": "12", "Flag": "N"}
    assert r.factors["LA"] == {"Rtd": "50.1"}
    assert r.deviations == ["';' between fields of one factor", "-flag written in another case", "-td read as -Rtd",
                            "unknown field suffix -Zzz", "trailing ';' before &&"]
    with pytest.raises(hj212.Unreadable, match="has no '='"):
        hj212.parse_region("DataTime=20240501090000;a34004-Avg")


def test_answers_are_the_appendix_c_texts():
    p = hj212.parse_segment(C14.replace("PW=123456", "PW=123456"))
    assert hj212.data_answer(p)[6:-6] == (f"QN=20160801085857223;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;"
                                          "CP=&&&&").encode()
    assert b"CN=9013" in hj212.notice_answer(p)
    assert hj212.request_answer(p, 3)[6:-6].endswith(b"CN=9011;PW=123456;MN=" + MN.encode() + b";Flag=4;CP=&&QnRtn=3&&")
    assert b"CP=&&ExeRtn=1&&" in hj212.execution_result(p, 1)
    for answer in (hj212.data_answer(p), hj212.request_answer(p, 9)):
        [frame] = hj212.Framer().feed(answer)                   # every answer frames and checks
        assert frame.error is None


def test_values_and_times():
    assert hj212.parse_value("-0.25") == -0.25 and hj212.parse_value("nan") is None
    assert hj212.parse_value("1,2") is None
    assert hj212.parse_time("202405010900") == dt.datetime(2024, 5, 1, 9)
    assert hj212.parse_time("20240231000000") is None and hj212.parse_time(None) is None


def test_the_receivers_header_reading_agrees_with_parse_segment():
    # what hj212.header reads (the receiver's fast path) is what parse_segment reads; anything else is None
    canonical = [C14, C17, *C50, EXAMPLE[6:-6].decode(), C14.replace("QN=20160801085857223", "QN="),
                 C14.replace("Flag=5", "Flag=255"), C14.replace("Flag=5", "Flag=004")]
    for text in canonical:
        got, p = hj212.header(text.encode()), hj212.parse_segment(text)
        assert got == (p.qn.encode(), p.cn.encode(), p.pw.encode(), p.mn.encode(), p.flag), text
    other = [C14.replace(";ST=32", ",ST=32"), C14.replace("Flag=5;CP", "Flag=5CP"), C14 + " ",
             C14.replace("PW=123456", "PW= 123456"), C14.replace("Flag=5", "Flag=256"), C14.replace("Flag=5;", ""),
             C14.replace("MN=", "mn="), C14.replace("CN=2011;PW=123456", "PW=123456;CN=2011"), C14[:-2],
             C14.replace("MN=010000A", "MN=01000Ä"), "QN=1;ST=32;CN=2011;PW=1;Flag=5;CP=&&&&",
             C14.replace(";CP=&&", ";XX=1;CP=&&"), C14.replace(f"MN={MN}", "MN=")]
    for text in other:
        assert hj212.header(text.encode()) is None, text


def test_an_answer_packet_is_the_encoded_answer_segment():
    rng = random.Random(9014)
    for _ in range(300):
        qn, pw, mn = (str(rng.randrange(10 ** rng.randrange(1, 21))) for _ in range(3))
        p = hj212.Packet(qn if rng.random() > 0.1 else None, "32", "2011", pw, mn, 5, None, None, "")
        for cn in ("9014", "9013"):
            assert hj212.answer_packet((p.qn or "").encode(), cn.encode(), pw.encode(), mn.encode()) == \
                hj212.encode(hj212.answer_segment(p, cn).decode())
