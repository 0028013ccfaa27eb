"""Risk's part of the annual disclosure pack: AML reviews of new products, businesses and
channels with the opinions given, and how the customers were spread over the risk bands.

The distribution is taken as of the end of the year — each customer's last rating before the
bank's local new year — so a later re-rating does not rewrite the year that was published.
"""

from __future__ import annotations

from integrita.domain.disclosure import DrillRow, Figure
from integrita.domain.risk import BAND_ORDER
from integrita.services.core.context import Context
from integrita.services.core.report_labels import label
from integrita.store.repositories import disclosure as repo

SECTION_REVIEWS = "AML reviews of new products and channels"
SECTION_RISK = "Customer money-laundering risk"


def annual_figures(ctx: Context, year: int) -> list[Figure]:
    """Reviews asked for in ``year``, opinions given in ``year``, and customers per band at
    the year's end."""
    start, end = ctx.year_bounds(year)
    with ctx.db.transaction() as session:
        reviews = [
            DrillRow(
                "product_review",
                str(r.id),
                f"{r.reference} {r.title} ({r.kind}), {label(r.status)}",
                f"/risk/reviews/{r.id}",
            )
            for r in repo.product_reviews_submitted_between(session, start, end)
        ]
        opinions = [
            DrillRow(
                "product_review_opinion",
                str(o.id),
                f"Opinion on {r.reference} {r.title}: {o.text[:120]}",
                f"/risk/reviews/{r.id}",
            )
            for o, r in repo.opinions_given_between(session, start, end)
        ]
        bands = repo.bands_as_of(session, end)
    figures = [
        Figure.count(SECTION_REVIEWS, "aml.reviews.requested", "AML reviews carried out", reviews),
        Figure.count(SECTION_REVIEWS, "aml.reviews.opinions", "Review opinions given", opinions),
        Figure.count(
            SECTION_RISK,
            "risk.customers.rated",
            "Customers with a money-laundering risk rating at year end",
            [DrillRow("customer", c, f"{c}: {label(b)}", f"/risk/customers/{c}") for c, b in bands],
        ),
    ]
    known = [str(b) for b in BAND_ORDER]
    for band in [*known, *sorted({b for _, b in bands} - set(known))]:
        figures.append(
            Figure.count(
                SECTION_RISK,
                f"risk.customers.band.{band}",
                f"of which rated {label(band).lower()} risk",
                [
                    DrillRow("customer", c, f"{c}: {label(b)}", f"/risk/customers/{c}")
                    for c, b in bands
                    if b == band
                ],
                parent="risk.customers.rated",
            )
        )
    return figures
