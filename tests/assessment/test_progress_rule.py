"""The 滞后/严重滞后 rule comes from the workspace's lantian.toml; bad settings are named."""
from fractions import Fraction

import pytest

from lantian.assessment.progress import progress_rule
from lantian.errors import UsageError
from lantian.standards.progress import DEFAULT_RULE


def test_default_when_unset():
    assert progress_rule({}) is DEFAULT_RULE
    assert progress_rule({"assessment": {}}) is DEFAULT_RULE


def test_rule_from_settings():
    rule = progress_rule({"assessment": {"progress": {
        "behind_if_any": ["pm25_above_target"], "seriously_if_any": ["pm25_far_above_target"],
        "far_above_percent": 10.5, "name": "2023年考核办法"}}})
    assert rule.behind_if_any == ("pm25_above_target",)
    assert rule.far_above_percent == Fraction("10.5")
    assert rule.describe().endswith("（2023年考核办法）")


@pytest.mark.parametrize("section, message", [
    ({"behind": ["x"]}, "has no setting behind"),
    ({"behind_if_any": "pm25_above_target"}, "must be a list"),
    ({"behind_if_any": ["pm10_above_target"]}, "unknown behind condition 'pm10_above_target'"),
    ({"far_above_percent": "ten"}, "must be a number"),
    ({"seriously_if_any": ["pm25_far_above_target"]}, "needs far_above_percent"),
])
def test_bad_settings_are_named(section, message):
    with pytest.raises(UsageError, match=message) as err:
        progress_rule({"assessment": {"progress": section}}, "/w/lantian.toml")
    assert "/w/lantian.toml: [assessment.progress]" in str(err.value)
