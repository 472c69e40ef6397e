"""Chinese fonts for official documents: logical names → the installed family.

GB/T 9704—2012 §5.2 names the faces of 党政机关公文: 小标宋 for the title and the 发文机关标志,
仿宋_GB2312 (3号) for the body, 黑体 for first-level headings, 楷体 for second-level ones and
宋体 (4号) for page numbers. Debian ships none of them (they are licensed); it ships Noto CJK
(`fonts-noto-cjk`). So the templates and the content model speak *logical* names — 仿宋, 黑体,
楷体, 小标宋, 宋体 — and each is resolved, per machine, to the first installed of:

=======  =====================================================================  ==================
logical  licensed faces tried first                                             else (Noto CJK)
=======  =====================================================================  ==================
仿宋     仿宋_GB2312, FangSong_GB2312, 方正仿宋_GBK, 方正仿宋简体, 仿宋, FangSong   Noto Serif CJK SC
黑体     黑体, SimHei, 方正黑体_GBK, 方正黑体简体                                  Noto Sans CJK SC
楷体     楷体_GB2312, KaiTi_GB2312, 方正楷体_GBK, 方正楷体简体, 楷体, KaiTi,         Noto Serif CJK SC
         AR PL UKai CN (Debian fonts-arphic-ukai, a free 楷 face)
小标宋   方正小标宋简体, 方正小标宋_GBK, FZXiaoBiaoSong-B05S, 华文中宋, STZhongsong  Noto Serif CJK SC **bold**
宋体     宋体, SimSun, AR PL UMing CN                                            Noto Serif CJK SC
=======  =====================================================================  ==================

Installed families are read from fontconfig (`fc-list :lang=zh family`). A workspace can force a
mapping in ``lantian.toml``::

    [reports.fonts]          # TOML needs the Chinese keys quoted
    "仿宋" = "仿宋_GB2312"
    "小标宋" = { family = "方正小标宋简体", bold = false }

The .docx records the family chosen (w:rFonts ascii/hAnsi/eastAsia/cs), so what a reader's
Word or LibreOffice shows is what was resolved here.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from lantian.errors import UsageError

NOTO_SERIF = "Noto Serif CJK SC"
NOTO_SANS = "Noto Sans CJK SC"

# logical name → (licensed/preferred candidates in order, fallback family, fallback bold)
CANDIDATES: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "仿宋": (("仿宋_GB2312", "FangSong_GB2312", "方正仿宋_GBK", "方正仿宋简体", "仿宋", "FangSong"),
           NOTO_SERIF, False),
    "黑体": (("黑体", "SimHei", "方正黑体_GBK", "方正黑体简体"), NOTO_SANS, False),
    "楷体": (("楷体_GB2312", "KaiTi_GB2312", "方正楷体_GBK", "方正楷体简体", "楷体", "KaiTi", "AR PL UKai CN"),
           NOTO_SERIF, False),
    "小标宋": (("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong"),
            NOTO_SERIF, True),
    "宋体": (("宋体", "SimSun", "AR PL UMing CN"), NOTO_SERIF, False),
}
LOGICAL = tuple(CANDIDATES)


@dataclass(frozen=True)
class FontChoice:
    """The family a logical name resolved to, and whether runs in it are set bold."""
    logical: str
    family: str
    bold: bool = False
    source: str = "fallback"  # "installed" | "fallback" | "workspace"


@lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Chinese-capable font families fontconfig knows (None when fontconfig is absent)."""
    exe = shutil.which("fc-list")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names: set[str] = set()
    for line in out.splitlines():
        for name in line.split(","):  # "FangSong,仿宋" — every localized name of one family
            name = name.strip().replace("\\-", "-")
            if name:
                names.add(name)
    return frozenset(names)


def _workspace_fonts(workspace) -> dict:
    if workspace is None:
        return {}
    import tomllib

    try:
        return dict(workspace.config.get("reports", {}).get("fonts", {}))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{workspace.config_path}: {exc} (Chinese keys in [reports.fonts] need quotes: "
                         '"仿宋" = "仿宋_GB2312")') from exc


def resolve(logical: str, *, workspace=None, installed: frozenset[str] | None | bool = True) -> FontChoice:
    """The font for ``logical`` (仿宋/黑体/楷体/小标宋/宋体) on this machine.

    ``installed=True`` asks fontconfig; pass a set to decide against a given list (tests).
    A name that is not logical is returned as is (an office's template may name any face).
    """
    forced = _workspace_fonts(workspace).get(logical)
    if forced:
        if isinstance(forced, dict):
            return FontChoice(logical, str(forced["family"]), bool(forced.get("bold", False)), "workspace")
        return FontChoice(logical, str(forced), False, "workspace")
    if logical not in CANDIDATES:
        return FontChoice(logical, logical, False, "as-named")
    have = installed_families() if installed is True else installed
    candidates, fallback, fallback_bold = CANDIDATES[logical]
    if have:
        for name in candidates:
            if name in have:
                return FontChoice(logical, name, False, "installed")
    return FontChoice(logical, fallback, fallback_bold, "fallback")


def font_map(*, workspace=None, installed: frozenset[str] | None | bool = True) -> dict[str, FontChoice]:
    """Every logical name resolved (what `lantian` reports as "the fonts on this machine")."""
    return {name: resolve(name, workspace=workspace, installed=installed) for name in LOGICAL}
