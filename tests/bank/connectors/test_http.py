"""The transports: the real one driven through an opener that serves canned answers (no
network), and the recorded one the connector tests rely on."""

import datetime as dt
import email.message
import io
import json
import urllib.error
import urllib.request
import urllib.response
from decimal import Decimal

import pytest

from tenue.bank.connectors.base import ConnectorError, RateLimited
from tenue.bank.connectors.http import (
    Exchange,
    RecordedTransport,
    Response,
    UnexpectedRequest,
    UrllibTransport,
    retry_after,
)

URL = "https://bankaccountdata.gocardless.com/api/v2/accounts/a1f3/balances/"


class Canned(urllib.request.BaseHandler):
    """Answers every https request with one canned answer, or raises `error`."""

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"{}",
        headers: dict[str, str] | None = None,
        error: Exception | None = None,
    ) -> None:
        self.status, self.body, self.headers, self.error = status, body, headers or {}, error
        self.seen: list[urllib.request.Request] = []

    def https_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        self.seen.append(request)
        if self.error is not None:
            raise self.error
        message = email.message.Message()
        for name, value in self.headers.items():
            message[name] = value
        answer = urllib.response.addinfourl(
            io.BytesIO(self.body), message, request.full_url, self.status
        )
        answer.msg = "canned"  # what HTTPErrorProcessor reads
        return answer


def transport(handler: Canned, **kwargs: float) -> UrllibTransport:
    """A transport whose opener has the canned handler and no network handler at all."""
    opener = urllib.request.OpenerDirector()
    for part in (
        handler,
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
    ):
        opener.add_handler(part)
    return UrllibTransport(opener=opener, **kwargs)


def test_json_answers_keep_exact_decimals_never_floats():
    handler = Canned(body=b'{"amount": 1287.45, "count": 2, "text": "4712.47"}')

    answer = transport(handler).request("GET", URL, {"Authorization": "Bearer ACCESS-1"})

    assert answer.status == 200
    assert answer.json == {"amount": Decimal("1287.45"), "count": 2, "text": "4712.47"}
    assert isinstance(answer.json["amount"], Decimal)
    sent = handler.seen[0]
    assert sent.get_method() == "GET"
    assert sent.get_header("Authorization") == "Bearer ACCESS-1"
    assert sent.get_header("Accept") == "application/json"
    assert sent.data is None


def test_a_json_body_is_sent_as_json():
    handler = Canned(status=201, body=b'{"id": "5f2d"}')

    transport(handler).request("POST", URL, {}, {"access_valid_for_days": 180})

    sent = handler.seen[0]
    assert sent.get_method() == "POST"
    assert json.loads(sent.data) == {"access_valid_for_days": 180}
    assert sent.get_header("Content-type") == "application/json"


def test_rate_limit_says_when_to_come_back():
    handler = Canned(
        status=429,
        body=b'{"summary": "Rate limit exceeded", "detail": "Too many requests"}',
        headers={"Retry-After": "90"},
    )

    with pytest.raises(RateLimited) as caught:
        transport(handler).request("GET", URL, {})

    assert caught.value.status == 429
    assert caught.value.retry_after == 90
    assert caught.value.detail == "Rate limit exceeded — Too many requests"
    assert "réessayez dans 90 secondes" in caught.value.message
    assert "bankaccountdata.gocardless.com" in caught.value.message


def test_a_server_error_with_an_html_page_is_a_french_error():
    handler = Canned(status=503, body=b"<html><body>Service Unavailable</body></html>")

    with pytest.raises(ConnectorError) as caught:
        transport(handler).request("GET", URL, {})

    assert caught.value.status == 503
    assert not isinstance(caught.value, RateLimited)
    assert "a répondu 503" in caught.value.message
    assert "réessayez plus tard" in caught.value.message


def test_an_unreadable_success_is_an_error_not_an_empty_answer():
    with pytest.raises(ConnectorError, match="réponse illisible"):
        transport(Canned(body=b"<html>maintenance</html>")).request("GET", URL, {})


def test_timeout_and_unreachable_service_are_french_errors():
    slow = Canned(error=urllib.error.URLError(TimeoutError("timed out")))
    with pytest.raises(ConnectorError, match=r"n'a pas répondu dans le délai \(5 s\)"):
        transport(slow, timeout=5).request("GET", URL, {})

    down = Canned(error=urllib.error.URLError(ConnectionRefusedError("refused")))
    with pytest.raises(ConnectorError, match="connexion impossible à bankaccountdata"):
        transport(down).request("GET", URL, {})


def test_only_https_is_spoken():
    handler = Canned()
    with pytest.raises(ValueError, match="https seulement"):
        transport(handler).request("GET", "http://bankaccountdata.gocardless.com/api/v2/", {})
    with pytest.raises(ValueError):
        transport(handler).request("GET", "file:///etc/passwd", {})
    assert handler.seen == []


def test_an_oversized_answer_is_refused(monkeypatch):
    monkeypatch.setattr("tenue.bank.connectors.http.MAX_RESPONSE_BYTES", 10)

    with pytest.raises(ConnectorError, match="trop volumineuse"):
        transport(Canned(body=b'{"balances": []}')).request("GET", URL, {})


def test_retry_after_reads_seconds_dates_and_gocardless_headers():
    now = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)

    assert retry_after({"retry-after": "120"}) == 120
    assert retry_after({"retry-after": "Mon, 02 Nov 2026 08:10:00 GMT"}, now) == 600
    assert retry_after({"http_x_ratelimit_account_success_reset": "43200"}) == 43200
    assert retry_after({"x-ratelimit-reset": "60", "retry-after": "5"}) == 5
    assert retry_after({}) is None


def exchange(url: str = URL, **kwargs: object) -> Exchange:
    return Exchange(method="GET", url=url, response=Response(200, {"ok": True}), **kwargs)


def test_recorded_transport_answers_each_recording_once():
    recorded = RecordedTransport([exchange()])

    assert recorded.request("GET", URL, {}).json == {"ok": True}
    with pytest.raises(UnexpectedRequest, match="unexpected request: GET"):
        recorded.request("GET", URL, {})
    assert recorded.requests == [("GET", URL, None), ("GET", URL, None)]


def test_recorded_transport_checks_recorded_headers_and_body():
    recorded = RecordedTransport(
        [exchange(headers={"authorization": "Bearer ACCESS-2"}, json_body=None, has_body=True)]
    )

    with pytest.raises(UnexpectedRequest, match="still recorded"):
        recorded.request("GET", URL, {"Authorization": "Bearer ACCESS-1"})
    with pytest.raises(UnexpectedRequest):
        recorded.request("GET", URL, {"Authorization": "Bearer ACCESS-2"}, {"x": 1})
    assert recorded.request("GET", URL, {"Authorization": "Bearer ACCESS-2"}).status == 200


def test_recorded_transport_fails_when_a_recording_is_never_used():
    recorded = RecordedTransport([exchange(), exchange(url=f"{URL}?again")])
    recorded.request("GET", URL, {})

    with pytest.raises(UnexpectedRequest, match=r"never requested:\n  GET .*\?again"):
        recorded.assert_exhausted()


def test_recorded_error_statuses_raise_like_the_real_transport():
    recorded = RecordedTransport(
        [Exchange(method="GET", url=URL, response=Response(404, {"summary": "Not found."}))]
    )

    with pytest.raises(ConnectorError) as caught:
        recorded.request("GET", URL, {})
    assert caught.value.status == 404
    assert "ressource introuvable" in caught.value.message
