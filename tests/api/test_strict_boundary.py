"""Issue 17, Input: every item that used to be accepted wrongly or answered with a 500 is now
refused with the one error shape, naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from integrita.domain.roles import Role
from integrita.services.core.context import Context
from tests.services.care_support import set_up_care

HUGE = 2**63 + 5


@pytest.fixture
def everyone(make_user: Callable[..., str]) -> dict[str, str]:
    """A user holding every role, so that only the input decides the answer."""
    return {"authorization": f"Bearer {make_user('root', *(r.value for r in Role))}"}


def _complaint(customer: str, **overrides: object) -> dict[str, object]:
    return {
        "customer_id": customer,
        "channel": "api",
        "category": "product_quality",
        "severity": "medium",
        "description": "paint flaking",
        "product": "rim-17",
        **overrides,
    }


def _is_error(response: object, status: int, field: str | None = None) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == status, body  # type: ignore[attr-defined]
    assert set(body) <= {"error", "detail", "field"} and body["error"] and body["detail"]
    if field is not None:
        assert body["field"] == field
    return dict(body)


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/cases/{HUGE}",
        f"/v1/str/{HUGE}",
        f"/v1/str/{HUGE}/goaml",
        f"/v1/large-value/{HUGE}/goaml",
        f"/v1/care/complaints/{HUGE}",
        f"/v1/care/surveys/{HUGE}",
        f"/v1/risk/product-reviews/{HUGE}",
    ],
)
def test_an_id_above_two_to_the_63_is_refused_not_a_server_error(
    ctx: Context, client: TestClient, everyone: dict[str, str], path: str
) -> None:
    _is_error(client.get(path, headers=everyone), 422)


def test_an_override_decision_on_an_id_above_two_to_the_63_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    response = client.post(
        f"/v1/risk/overrides/{HUGE}/decision", json={"approve": True}, headers=everyone
    )
    _is_error(response, 422)


@pytest.mark.parametrize("page", [10**18, 0, -1])
def test_an_absurd_page_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str], page: int
) -> None:
    for path in ("/v1/cases", "/v1/alerts", "/v1/audit"):
        _is_error(client.get(path, params={"page": page}, headers=everyone), 422, "page")


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "1990-01-01", "2099-12-31"])
def test_deadlines_refuse_a_today_outside_the_calendar(
    ctx: Context, client: TestClient, everyone: dict[str, str], today: str
) -> None:
    response = client.get("/v1/deadlines", params={"today": today}, headers=everyone)
    _is_error(response, 422, "today")


@pytest.mark.parametrize("path", ["/v1/risk/product-reviews/figures", "/v1/reports/str"])
def test_year_zero_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str], path: str
) -> None:
    _is_error(client.get(path, params={"year": 0}, headers=everyone), 422, "year")


def test_an_unknown_query_parameter_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    _is_error(client.get("/v1/cases", params={"stat": "open"}, headers=everyone), 422, "stat")


def test_a_complaint_received_in_9999_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    body = _complaint(customer, received_at="9999-12-31T23:59:59+08:00")
    _is_error(client.post("/v1/care/complaints", json=body, headers=everyone), 422, "received_at")


def test_a_complaint_with_a_nul_byte_or_an_overlong_text_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    nul = client.post(
        "/v1/care/complaints", json=_complaint(customer, description="a\x00b"), headers=everyone
    )
    assert "NUL" in str(_is_error(nul, 422, "description")["detail"])
    long = client.post(
        "/v1/care/complaints", json=_complaint(customer, description="x" * 20_001), headers=everyone
    )
    _is_error(long, 422, "description")
    assert client.get("/v1/care/complaints", headers=everyone).json() == []


def test_a_five_megabyte_complaint_is_refused_before_it_is_read(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    body = _complaint(customer, description="x" * 5_000_000)
    _is_error(client.post("/v1/care/complaints", json=body, headers=everyone), 413)


def test_the_body_size_limit_is_a_setting(
    ctx: Context, everyone: dict[str, str], make_user: Callable[..., str]
) -> None:
    from integrita.api.app import create_app

    small = Context(
        settings=ctx.settings.model_copy(update={"max_request_bytes": 2048}),
        db=ctx.db,
        clock=ctx.clock,
    )
    client = TestClient(create_app(small))
    body = {"body": "x" * 3000}
    _is_error(client.post("/v1/cases/1/notes", json=body, headers=everyone), 413)


def test_a_two_megabyte_reason_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    body = {"to_band": "low", "reason": "r" * 1_500_000}
    response = client.post("/v1/risk/customers/C1/overrides", json=body, headers=everyone)
    _is_error(response, 422, "reason")


def test_a_list_where_a_text_belongs_is_refused_not_stored_as_its_repr(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    created = client.post("/v1/care/complaints", json=_complaint(customer), headers=everyone)
    cid = created.json()["id"]
    client.post(
        f"/v1/care/complaints/{cid}/transitions", json={"action": "judge_valid"}, headers=everyone
    )
    refused = client.post(
        f"/v1/care/complaints/{cid}/transitions",
        json={"action": "judge_invalid", "fields": {"reason": ["a"]}},
        headers=everyone,
    )
    _is_error(refused, 422, "fields.reason")
    got = client.get(f"/v1/care/complaints/{cid}", headers=everyone).json()
    assert got["invalid_reason"] is None


def test_assign_with_a_non_string_department_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    cid = client.post("/v1/care/complaints", json=_complaint(customer), headers=everyone).json()[
        "id"
    ]
    client.post(
        f"/v1/care/complaints/{cid}/transitions", json={"action": "judge_valid"}, headers=everyone
    )
    for department in (7, ["quality"], {"code": "quality"}):
        refused = client.post(
            f"/v1/care/complaints/{cid}/transitions",
            json={"action": "assign", "fields": {"department": department}},
            headers=everyone,
        )
        _is_error(refused, 422, "fields.department")


def test_an_unknown_step_field_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    cid = client.post("/v1/care/complaints", json=_complaint(customer), headers=everyone).json()[
        "id"
    ]
    refused = client.post(
        f"/v1/care/complaints/{cid}/transitions",
        json={"action": "judge_valid", "fields": {"departmnet": "quality"}},
        headers=everyone,
    )
    _is_error(refused, 422, "fields.departmnet")


def test_a_survey_weight_of_infinity_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    set_up_care(ctx)
    body = (
        '{"name": "Q1", "dimensions": [{"key": "q", "label": "Quality", "group": "product",'
        ' "weight": Infinity}]}'
    )
    response = client.post(
        "/v1/care/surveys",
        content=body,
        headers={**everyone, "content-type": "application/json"},
    )
    _is_error(response, 422, "dimensions.0.weight")


@pytest.mark.parametrize("approve", ["yes", 1])
def test_an_override_decision_needs_a_real_boolean(
    ctx: Context, client: TestClient, everyone: dict[str, str], approve: object
) -> None:
    response = client.post(
        "/v1/risk/overrides/1/decision", json={"approve": approve}, headers=everyone
    )
    _is_error(response, 422, "approve")


def test_an_str_edit_with_a_list_value_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    response = client.patch("/v1/str/1", json={"changes": {"reason": ["a", "b"]}}, headers=everyone)
    _is_error(response, 422, "changes.reason")


def test_an_unknown_path_answers_in_the_one_error_shape(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    _is_error(client.get("/v1/no-such-thing", headers=everyone), 404)


def test_the_openapi_document_declares_the_errors_and_the_security_schemes(
    ctx: Context, client: TestClient
) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["components"]["securitySchemes"]) == {"bearerToken", "sessionCookie"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/v1/health":
                assert operation["security"] == []
                continue
            declared = set(operation["responses"])
            assert {"401", "403", "404", "409", "413", "422"} <= declared, (method, path)
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
            assert "default" not in declared
            answers = [operation["responses"][s] for s in declared if s.startswith("2")]
            assert answers, (method, path)
            for answer in answers:  # every answer declares its model (or a file's media type)
                if "content" in answer:
                    assert all(c["schema"] for c in answer["content"].values()), (method, path)


CSV_HEADER = "customer_id,product,order_id,channel,category,severity,description\n"


def _post_csv(client: TestClient, path: str, text: str, headers: dict[str, str]) -> object:
    return client.post(path, content=text.encode(), headers={**headers, "content-type": "text/csv"})


def test_a_complaints_csv_with_an_unclosed_quote_is_refused_not_imported(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    text = (
        CSV_HEADER
        + f"{customer},rim-17,,phone,product_quality,high,fine\n"
        + f'{customer},rim-17,,phone,product_quality,high,"scratched\n'
        + f"{customer},rim-17,,phone,product_quality,high,also fine\n"
    )
    refused = _post_csv(client, "/v1/care/complaints/import", text, everyone)
    body = _is_error(refused, 422, "file")
    assert "row 3" in str(body["detail"])
    assert client.get("/v1/care/complaints", headers=everyone).json() == []


def test_a_complaints_csv_names_every_bad_row_with_its_line(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    text = (
        CSV_HEADER
        + f"{customer},rim-17,,fax,product_quality,high,bad channel\n"
        + f'{customer},rim-17,,phone,product_quality,high,"a quoted\nmultiline text"\n'
        + f"{customer},rim-17,,phone,product_quality,urgent,bad severity\n"
        + f"{customer},rim-17,,phone,product_quality\n"
        + "nobody,rim-17,,phone,product_quality,high,unknown customer\n"
    )
    refused = _is_error(_post_csv(client, "/v1/care/complaints/import", text, everyone), 422)
    detail = str(refused["detail"])
    assert "4 bad rows" in detail
    for named in ("row 2: channel", "row 5: severity", "row 6: has 5 cells", "row 7: no customer"):
        assert named in detail, detail
    assert "row 3" not in detail and "row 4" not in detail
    assert client.get("/v1/care/complaints", headers=everyone).json() == []


def test_an_orders_csv_with_an_amount_finer_than_the_fen_is_refused(
    ctx: Context, client: TestClient, everyone: dict[str, str]
) -> None:
    customer = set_up_care(ctx)
    text = (
        "order_id,customer_id,product,ordered_on,quantity,amount,currency\n"
        f"O1,{customer},rim-17,2025-03-01,1,100.00,CNY\n"
        f"O2,{customer},rim-17,2025-03-01,1,100.005,CNY\n"
        f"O3,{customer},rim-17,2025-03-01,x,100.00,CNY\n"
    )
    refused = _is_error(_post_csv(client, "/v1/care/orders/import", text, everyone), 422)
    assert "row 3" in str(refused["detail"]) and "row 4" in str(refused["detail"])
    assert "not rounded" in str(refused["detail"])
