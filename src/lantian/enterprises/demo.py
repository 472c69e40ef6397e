"""The enterprises room's demo data: synthetic but valid credit codes, which every room's demo
(the ledger, the registers, the inventory, the reduction list) names its enterprises by."""
from __future__ import annotations

from lantian.enterprises.excel import credit_code_check_char


def demo_credit_code(serial: int) -> str:
    """A valid (GB 32100 check digit) but synthetic unified social credit code for demo record ``serial``."""
    body = f"91140400MA0LT{serial:04d}"
    return body + credit_code_check_char(body)
