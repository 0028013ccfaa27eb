"""An alert's "why" is the detector's docstring template filled with the parameters used."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrita.detection.catalogue import detectors
from integrita.detection.registry import DetectorQuery, detector
from integrita.errors import ConfigurationError


def test_every_explanation_is_rendered_from_the_parameters_it_is_given() -> None:
    (fan_in,) = detectors(["fan_in"])
    wider = fan_in.params({"window_days": 9, "min_amount_cny_minor": 250_000})
    text = fan_in.explain(wider)
    assert "within 9 days" in text and "RMB 2,500 or more" in text
    assert "within 3 days" in fan_in.explain()  # the defaults when none are given
    for d in detectors():
        assert "{" not in d.explain() and "}" not in d.explain(), d.name


def test_a_docstring_naming_an_unknown_parameter_is_refused_at_registration() -> None:
    @dataclass(frozen=True)
    class Params:
        window_days: int = 3

    with pytest.raises(ValueError, match="docstring template"):

        @detector("test_only_bad_template", title="Bad", params=Params(), lookback=lambda p: 0)  # type: ignore[arg-type, return-value]
        def bad(p: Params) -> DetectorQuery:
            """Bad: fires over {window_weeks} weeks."""
            return DetectorQuery((), "")


def test_parameters_are_checked_before_they_reach_sql() -> None:
    (cycle,) = detectors(["cycle"])
    with pytest.raises(ConfigurationError, match="whole number"):
        cycle.params({"window_days": "10) OR (1=1"})
    with pytest.raises(ConfigurationError, match="over max_hops"):
        cycle.params({"min_hops": 9})
    (geo,) = detectors(["high_risk_geography"])
    assert geo.params({"countries": ["KP", "SY"]}).countries == ("KP", "SY")
    with pytest.raises(ConfigurationError):
        geo.params({"countries": ["KP'; --"]})
