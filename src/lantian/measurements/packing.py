"""Several windowed sums and counts in one int64 window aggregate, exactly.

A window aggregate costs an engine about the same per row whatever the size of its numbers, so
the sums and counts of columns of small non-negative integers can share one: each becomes a
field, a bit range of its own in a 59-bit word (``value << shift``; a missing value adds nothing
to the sum and 0 to the count). The sum of words over a window is then the word of the sums as
long as no field can overflow into the next, and the widths are taken from the largest value in
the data, so unpacking with shifts and masks is exact on every engine. A sum that cannot be
packed (a negative value, or wider than a word) is summed on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from ibis.expr.types import IntegerValue, Table

#: Packed words stay below 2^59: adding a few of them never overflows int64.
WORD_BITS = 59


@dataclass(frozen=True)
class Field:
    """Bits ``shift`` … ``shift + width - 1`` of word ``word``."""
    word: int
    shift: int
    width: int


@dataclass(frozen=True)
class Packing:
    """How the windowed sums and counts of ``columns`` travel: ``fields[(column, "sum" | "n")]``
    for the packed ones, a column of their own for the others."""
    window: int
    columns: tuple[str, ...]
    fields: dict[tuple[str, str], Field]
    prefix: str = "w"

    @classmethod
    def plain(cls, window: int, columns: tuple[str, ...], prefix: str = "w") -> "Packing":
        return cls(window, tuple(columns), {}, prefix)

    def _own(self, column: str, part: str) -> str:
        return f"{self.prefix}_{part}_{column}"

    def inputs(self, t: Table) -> dict[str, IntegerValue]:
        """Per-row int64 columns (name → expression) whose windowed sums :meth:`decode` reads."""
        parts = {(c, "sum"): t[c].fill_null(0) for c in self.columns}
        parts |= {(c, "n"): t[c].notnull().cast("int64") for c in self.columns}
        words: dict[int, list[IntegerValue]] = {}
        out = {}
        for key, value in parts.items():
            f = self.fields.get(key)
            if f is None:
                out[self._own(*key)] = value
            else:
                words.setdefault(f.word, []).append(value * (1 << f.shift) if f.shift else value)
        out |= {f"{self.prefix}{k}": sum(v[1:], v[0]) for k, v in sorted(words.items())}
        return out

    def names(self) -> list[str]:
        """The names of the columns :meth:`inputs` makes."""
        words = sorted({f.word for f in self.fields.values()})
        own = [self._own(c, part) for part in ("sum", "n") for c in self.columns if (c, part) not in self.fields]
        return own + [f"{self.prefix}{k}" for k in words]

    def decode(self, t: Table, column: str) -> tuple[IntegerValue, IntegerValue]:
        """The windowed (sum, count) of ``column`` from the windowed sums of the :meth:`inputs`."""
        return self._part(t, column, "sum"), self._part(t, column, "n")

    def _part(self, t: Table, column: str, part: str) -> IntegerValue:
        f = self.fields.get((column, part))
        if f is None:
            return t[self._own(column, part)]
        word = t[f"{self.prefix}{f.word}"]
        return (word >> f.shift if f.shift else word) & ((1 << f.width) - 1)


def plan(ranges: dict[str, tuple[int, int]], window: int, prefix: str = "w") -> Packing:
    """The packing of the windowed sums and counts of some columns (column → the least and the
    largest of its values) for windows of up to ``window`` rows: fields placed widest first, each
    into the first word with room (first-fit decreasing)."""
    widths = {(c, "n"): window.bit_length() for c in ranges}
    for c, (low, high) in ranges.items():
        if low >= 0:
            widths[(c, "sum")] = (window * high).bit_length()
    free: list[int] = []
    fields = {}
    for key, width in sorted(widths.items(), key=lambda kv: -kv[1]):
        if width > WORD_BITS:
            continue
        k = next((k for k, room in enumerate(free) if room >= width), len(free))
        if k == len(free):
            free.append(WORD_BITS)
        fields[key] = Field(k, WORD_BITS - free[k], width)
        free[k] -= width
    return Packing(window, tuple(ranges), fields, prefix)
