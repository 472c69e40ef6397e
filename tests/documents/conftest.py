"""Fixtures of the document service: a sample 预警通知函 context and a workspace folder."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lantian.documents.letters import WarningLetterContext
from lantian.workspace import Workspace


@pytest.fixture
def letter_context() -> WarningLetterContext:
    return WarningLetterContext(
        county="潞州区", year=2023, period_end=dt.date(2023, 6, 30), pm25=38, pm25_target=32,
        good_days=118, valid_days=181, good_ratio_target=72, deadline=dt.date(2023, 7, 20),
        date=dt.date(2023, 7, 5), doc_number="长气防办函〔2023〕12号", rank=13, ranked=14,
        monthly=[(1, 62, 41.9), (2, 48, 53.6), (3, 41, 58.1), (4, 33, 73.3), (5, 27, 80.6), (6, 21, 83.3)],
        contact="联系人：王伟；联系电话：0355-2021234", issuer="长治市大气污染防治工作领导小组办公室",
        basis="根据《长治市环境空气质量改善目标考核办法》")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "lantian.toml").write_text('[workspace]\nname = "t"\n', encoding="utf-8")
    return Workspace(root)
