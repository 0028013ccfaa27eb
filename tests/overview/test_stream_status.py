"""The overview's stream lag: an unreachable NATS is said to be unavailable without the NATS
client's seconds of retrying, and the figure is asked for at most once per few seconds."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.ingest import stream
from integrita.services.reporting import stream_status
from tests.casework.conftest import PASSWORD
from tests.conftest import send_csrf_token


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    stream_status.forget()
    yield
    stream_status.forget()


def _closed_port() -> int:
    """A local port nobody listens on (connecting to it is refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _no_nats_client(ctx: Context) -> None:
    raise AssertionError("the NATS client (seconds of retrying) was tried on an unreachable server")


def test_an_unreachable_nats_shows_the_lag_as_unavailable_without_trying_the_nats_client(
    ctx: Context, person: Callable[..., UserView], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _closed_port()
    ctx.settings.nats_url = f"nats://127.0.0.1:{port}"
    monkeypatch.setattr(stream, "lag", _no_nats_client)
    person("mei", "mlro")
    client = TestClient(create_app(ctx))
    signin = client.post("/signin", data={"username": "mei", "password": PASSWORD, "next": "/"})
    assert signin.status_code == 200, signin.text
    send_csrf_token(client)
    page = client.get("/overview")
    assert page.status_code == 200
    assert 'class="stream-lag unavailable" data-lag="unavailable"' in page.text
    assert "<strong>lag unavailable</strong>" in page.text
    assert f"no NATS server answered at 127.0.0.1:{port} within 0.25 s" in page.text


def test_the_stream_is_asked_at_most_once_per_cache_period(ctx: Context) -> None:
    now = [100.0]
    probes: list[tuple[str, int]] = []

    def unreachable(host: str, port: int) -> bool:
        probes.append((host, port))
        return False

    ctx.settings.nats_url = "nats://user:secret@nats.bank.example:4333,nats://other:4222"
    first = stream_status.status(ctx, clock=lambda: now[0], is_reachable=unreachable)
    now[0] += stream_status.CACHE_SECONDS - 0.1
    again = stream_status.status(ctx, clock=lambda: now[0], is_reachable=unreachable)
    assert probes == [("nats.bank.example", 4333)]
    assert again == first and first is not None and first.lag is None
    now[0] += 0.2
    stream_status.status(ctx, clock=lambda: now[0], is_reachable=unreachable)
    assert len(probes) == 2


def test_a_reachable_server_without_the_stream_shows_nothing(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bank that does not stream: NATS answers, the stream is not there, no line at all."""
    monkeypatch.setattr(stream, "lag", lambda ctx: None)
    assert stream_status.status(ctx, is_reachable=lambda host, port: True) is None


def test_a_server_that_accepts_but_does_not_greet_as_nats_counts_as_unreachable() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        assert not stream_status.reachable("127.0.0.1", silent.getsockname()[1], timeout=0.05)


def test_a_nats_url_without_a_port_uses_the_nats_default() -> None:
    assert stream_status.nats_address("nats://nats.bank.example") == ("nats.bank.example", 4222)
    assert stream_status.nats_address("tls://u:p@10.0.0.5:7422") == ("10.0.0.5", 7422)
