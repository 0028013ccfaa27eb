"""Charts for the care pages and the monthly quality report (Vega-Lite, see ``core.charts``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from integrita.services.care.surveys import SurveyResults
from integrita.services.core import charts


def survey_scores_spec(results: SurveyResults) -> charts.Spec:
    """Score per dimension with its 95 % confidence interval; the overall score as a line."""
    return charts.bar_chart(
        [d.label for d in results.dimensions],
        [d.estimate.score if d.estimate else 0.0 for d in results.dimensions],
        title="Score per dimension",
        x_title="Score (0-100) with 95% interval",
        domain=(0, 100),
        errors=[
            (d.estimate.low, d.estimate.high) if d.estimate else None for d in results.dimensions
        ],
        rule=results.overall.score if results.overall else None,
    )


def survey_scores_svg(results: SurveyResults) -> str:
    return charts.to_svg(survey_scores_spec(results))


def series_svg(
    months: Sequence[str], series: Mapping[str, Sequence[float | None]], ylabel: str
) -> str:
    """One line per segment over the months."""
    return charts.to_svg(charts.line_chart(months, series, title="", y_title=ylabel))
