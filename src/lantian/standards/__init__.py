"""The rules as code: GB 3095 limits, HJ 633 AQI, HJ 663 evaluation, GB/T 8170 rounding.

Pure: no I/O beyond reading the tables beside this package, no database, no web, and
nothing else of lantian is imported here. Rule sets are chosen by date and recorded
with every result (:mod:`lantian.standards.rulesets`).
"""
from lantian.standards.rounding import round_half_even, snap
from lantian.standards.rulesets import RuleSet, ruleset_for, ruleset_named

__all__ = ["round_half_even", "snap", "RuleSet", "ruleset_for", "ruleset_named"]
