from __future__ import annotations

from integrita.demo.care import generate_care_year
from integrita.services.care import surveys
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store.repositories import care_customers
from tests.services.care_support import add_customers


def test_the_demo_year_produces_complaints_orders_a_survey_and_its_figures(ctx: Context) -> None:
    add_customers(ctx, {"retail": 40, "sme": 15, "corporate": 5})
    figures = generate_care_year(ctx, seed=11)
    assert figures.customers == 60 and figures.complaints == 20
    assert figures.orders > 0
    assert figures.on_time_response_rate is not None and 0 < figures.on_time_response_rate <= 1
    assert figures.satisfaction_rate is not None
    assert figures.survey_invited >= 6  # at least 10 % of each active segment
    assert figures.survey_response_rate is not None and figures.survey_response_rate > 0
    results = surveys.results(ctx, figures.survey_id)
    if results.withheld is None:
        assert figures.survey_score is not None and 0 <= figures.survey_score <= 100
    else:  # below the response floor the score is not published, and the page says why
        assert figures.survey_score is None and "below the 80% response floor" in results.withheld
    # every answer comes from a customer whose invitation or reminder actually went out
    reached = surveys.reached_customers(ctx, figures.survey_id)
    with ctx.db.transaction() as session:
        answered = {a.customer_id for a in care_customers.answers(session, figures.survey_id)}
    assert answered and answered <= reached
    assert len(figures.lines()) == 4
    assert audit.verify(ctx).intact
