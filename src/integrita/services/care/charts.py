"""Charts for the care pages as inline SVG (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from integrita.services.care.surveys import SurveyResults


def _svg(fig: object) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def survey_scores_svg(results: SurveyResults) -> str:
    """Score per dimension with its 95 % confidence interval; the overall score as a line."""
    labels = [d.label for d in results.dimensions]
    scores = [d.estimate.score if d.estimate else 0.0 for d in results.dimensions]
    lows = [d.estimate.score - d.estimate.low if d.estimate else 0.0 for d in results.dimensions]
    highs = [d.estimate.high - d.estimate.score if d.estimate else 0.0 for d in results.dimensions]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.barh(labels, scores, xerr=[lows, highs], color="#1f5fbf", capsize=3)
    if results.overall:
        ax.axvline(results.overall.score, color="#b3261e", linestyle="--", label="overall")
        ax.legend(loc="lower right")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0-100) with 95% interval")
    ax.invert_yaxis()
    return _svg(fig)


def series_svg(
    months: Sequence[str], series: Mapping[str, Sequence[float | None]], ylabel: str
) -> str:
    """One line per segment over the months."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    for name, values in series.items():
        ax.plot(
            list(months), [float("nan") if v is None else v for v in values], marker=".", label=name
        )
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    if series:
        ax.legend(fontsize=7, ncols=3)
    return _svg(fig)
