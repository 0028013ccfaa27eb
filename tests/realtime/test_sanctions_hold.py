"""Real-time screening point: the payee's name against the lists, inside the decision."""

from __future__ import annotations

import time
from collections.abc import Callable

from integrita.services.core import sanctions
from integrita.services.core.context import Context
from integrita.services.realtime import payments
from integrita.services.screening import lists
from integrita.services.screening.index_cache import forget
from tests.realtime.conftest import decide, rules_of
from tests.screening.conftest import FIXTURES, OPERATOR


def _lists(ctx: Context) -> None:
    forget(ctx)
    lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=OPERATOR)


def test_a_payee_on_a_sanctions_list_holds_the_payment(
    bank: Context, payment: Callable[..., payments.PaymentRequest]
) -> None:
    _lists(bank)
    answer = decide(
        bank,
        payment(
            counterparty_name="丹东鸿祥实业发展有限公司", counterparty_type="third_party_corporate"
        ),
    )
    assert answer["decision"] == "hold"
    assert "sanctions_match" in rules_of(answer)
    reason = next(r for r in answer["reasons"] if r["rule"] == "sanctions_match")
    assert "KPe.903" in reason["explanation"]


def test_an_unlisted_payee_is_not_held_for_sanctions(
    bank: Context, payment: Callable[..., payments.PaymentRequest]
) -> None:
    _lists(bank)
    answer = decide(bank, payment(counterparty_name="Shanghai Morning Bakery Co., Ltd."))
    assert "sanctions_match" not in rules_of(answer)
    assert answer["decision"] == "allow"


def test_a_payment_without_a_payee_name_keeps_its_digest(
    payment: Callable[..., payments.PaymentRequest],
) -> None:
    record = payments.event_record(payment())
    assert "counterparty_name" not in record


def test_counterparty_screening_fits_the_latency_budget(bank: Context) -> None:
    _lists(bank)
    sanctions.counterparty_hit(bank, "warm up")
    timings = []
    for name in ["Wang Jianguo", "王建國", "Golden Harvest Ltd", "Li Na", "Dandong Hongxiang"] * 40:
        started = time.perf_counter()
        sanctions.counterparty_hit(bank, name)
        timings.append(time.perf_counter() - started)
    timings.sort()
    assert timings[int(len(timings) * 0.99)] < 0.02
