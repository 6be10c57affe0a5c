"""HTTP for connectors: one small `Transport` interface, a real one on the standard library
(`UrllibTransport`) and a replaying one for tests (`RecordedTransport`).

Invariants:
- JSON numbers with a fraction are read as `Decimal`, never float (`parse_float=Decimal`), so an
  aggregator that sends an amount as a number cannot bring a float into the money path;
- a status of 400 or more never comes back as a `Response`: both transports raise
  `ConnectorError` (`RateLimited` for 429, with the delay from `Retry-After` or the
  aggregator's rate-limit headers) with a French message naming the service and what to do.
  The request body is never part of a message: it may carry secrets;
- only `https` is spoken, with a timeout, and a response larger than `MAX_RESPONSE_BYTES` is
  refused rather than read into memory;
- `RecordedTransport` answers only the requests it was given, each once: any other request
  raises `UnexpectedRequest` (an `AssertionError`, so that a test fails loudly even when the
  code under test catches `ConnectorError`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeAlias
from urllib.parse import urlsplit

from tenue.bank.connectors.base import ConnectorError, RateLimited

# A JSON value as read here: floats arrive as Decimal.
Json: TypeAlias = dict[str, "Json"] | list["Json"] | str | int | Decimal | bool | None

MAX_RESPONSE_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
# Where a rate-limited aggregator says when to come back, in order of preference: the standard
# header, then GoCardless's own (seconds left in the account-level, then the general window).
_RESET_HEADERS = (
    "http_x_ratelimit_account_success_reset",
    "x-ratelimit-account-success-reset",
    "http_x_ratelimit_reset",
    "x-ratelimit-reset",
)


@dataclass(frozen=True)
class Response:
    status: int
    json: Json
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case


class Transport(Protocol):
    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json_body: Json = None,
    ) -> Response:
        """Send one request with a JSON body (None: no body); the decoded JSON answer, or
        `ConnectorError` for an error status, a timeout or a service out of reach."""
        ...


def loads(data: bytes | str) -> Json:
    """Decode JSON with exact decimals."""
    decoded: Json = json.loads(data, parse_float=Decimal)
    return decoded


def check(response: Response, method: str, url: str) -> Response:
    """`response` when its status is a success; else the `ConnectorError` it deserves."""
    if response.status < 400:
        return response
    host = urlsplit(url).hostname or url
    status = response.status
    detail = _detail(response.json)
    said = f" : {detail}" if detail else ""
    if status == 429:
        wait = retry_after(response.headers)
        when = f"réessayez dans {_duration(wait)}" if wait is not None else "réessayez plus tard"
        raise RateLimited(
            f"{host} limite le nombre de requêtes (429){said} — {when}",
            status=status,
            detail=detail,
            retry_after=wait,
        )
    if status == 401:
        advice = (
            "identifiants de l'agrégateur refusés, ou accès au compte expiré ou révoqué "
            "par la banque (renouvelez alors le consentement)"
        )
    elif status == 403:
        advice = "accès interdit à cette ressource"
    elif status == 404:
        advice = "ressource introuvable (identifiant inconnu ou supprimé)"
    elif status == 409:
        advice = "opération impossible dans l'état actuel (compte en cours de traitement ?)"
    elif status >= 500:
        advice = "le service ou la banque est en panne ou indisponible : réessayez plus tard"
    else:
        advice = "requête refusée"
    raise ConnectorError(
        f"{host} a répondu {status} à {method} {urlsplit(url).path}{said} — {advice}",
        status=status,
        detail=detail,
    )


def retry_after(headers: Mapping[str, str], now: dt.datetime | None = None) -> int | None:
    """Seconds to wait before retrying: `Retry-After` (seconds or an HTTP date), else the
    aggregator's reset headers; None when nothing says."""
    value = headers.get("retry-after", "").strip()
    if value:
        if value.isdigit():
            return int(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            moment = now or dt.datetime.now(dt.UTC)
            return max(0, math.ceil((when - moment).total_seconds()))
    for name in _RESET_HEADERS:
        value = headers.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return None


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    if seconds < 2 * 3600:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} heures"


def _detail(body: Json) -> str:
    """What an error body says, short: `summary` and `detail` when given (GoCardless and most
    aggregators), else the compact JSON."""
    if body is None or body == "":
        return ""
    if isinstance(body, dict):
        said = [body[key] for key in ("summary", "detail") if isinstance(body.get(key), str)]
        text = " — ".join(str(part) for part in said if part)
        if not text:
            text = json.dumps(body, ensure_ascii=False, default=str, sort_keys=True)
    else:
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= 300 else f"{text[:299]}…"


class UrllibTransport:
    """HTTPS with the standard library. `opener` exists so that tests can put a handler in
    place of the network."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        user_agent: str = "tenue",
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self._opener = opener or urllib.request.build_opener()

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json_body: Json = None,
    ) -> Response:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"URL refusée (https seulement) : {url}")
        data = None if json_body is None else json.dumps(json_body, default=str).encode()
        sent = {"Accept": "application/json", "User-Agent": self.user_agent}
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers)
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                status, received, body = answer.status, answer.headers, _read(answer, url)
        except urllib.error.HTTPError as exc:
            status, received, body = exc.code, exc.headers, _error_body(exc, url)
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _unreachable(exc, parts.hostname, self.timeout) from exc
        lowered = {name.lower(): value for name, value in (received or {}).items()}
        try:
            decoded = loads(body) if body.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            if status >= 400:  # an error page in HTML: the status says enough
                decoded = None
            else:
                raise ConnectorError(
                    f"{parts.hostname} a renvoyé une réponse illisible (JSON attendu)"
                ) from exc
        return check(Response(status, decoded, lowered), method, url)


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _read(answer: _Readable, url: str) -> bytes:
    data = answer.read(MAX_RESPONSE_BYTES + 1)
    if len(data) > MAX_RESPONSE_BYTES:
        raise ConnectorError(
            f"réponse trop volumineuse de {urlsplit(url).hostname} "
            f"(plus de {MAX_RESPONSE_BYTES // (1024 * 1024)} Mo) : refusée"
        )
    return data


def _error_body(exc: urllib.error.HTTPError, url: str) -> bytes:
    """An error answer's body; empty when it cannot be read (the status still says enough)."""
    try:
        return _read(exc, url)
    except (OSError, http.client.HTTPException):
        return b""


def _unreachable(exc: Exception, host: str, timeout: float) -> ConnectorError:
    """A failure before any HTTP status: the message says which, in French."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return ConnectorError(
            f"{host} n'a pas répondu dans le délai ({timeout:g} s) : réessayez plus tard"
        )
    return ConnectorError(
        f"connexion impossible à {host} ({reason}) : vérifiez l'accès au réseau du serveur, "
        "ou réessayez plus tard"
    )


class UnexpectedRequest(AssertionError):
    """A request no recording answers (or a recording no request used)."""


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer. `json_body` and `headers`, when recorded, must
    match (headers: those listed, by name in any case); `has_body` says whether a body was
    recorded at all (a recorded `null` body must match a request without body)."""

    method: str
    url: str
    response: Response
    json_body: Json = None
    has_body: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    origin: str = ""

    def matches(self, method: str, url: str, headers: Mapping[str, str], body: Json) -> bool:
        if method.upper() != self.method.upper() or url != self.url:
            return False
        if self.has_body and body != self.json_body:
            return False
        sent = {name.lower(): value for name, value in headers.items()}
        return all(sent.get(name.lower()) == value for name, value in self.headers.items())


class RecordedTransport:
    """Replays recorded exchanges, written by hand or captured, from JSON files shaped as
    `{"exchanges": [{"request": {"method", "url", "json"?, "headers"?},
    "response": {"status", "json", "headers"?}}]}`.

    A request takes the first unused exchange that matches it; `requests` keeps what was asked;
    `assert_exhausted()` fails when some recorded exchange was never asked for."""

    def __init__(self, exchanges: Sequence[Exchange]) -> None:
        self._exchanges = list(exchanges)
        self._used = [False] * len(self._exchanges)
        self.requests: list[tuple[str, str, Json]] = []

    @classmethod
    def from_files(cls, *paths: Path) -> RecordedTransport:
        exchanges: list[Exchange] = []
        for path in paths:
            document = loads(path.read_bytes())
            if not isinstance(document, dict) or not isinstance(document.get("exchanges"), list):
                raise ValueError(f"{path.name} : liste `exchanges` attendue")
            for index, item in enumerate(_as_list(document["exchanges"]), start=1):
                exchanges.append(_exchange(item, f"{path.name}#{index}"))
        return cls(exchanges)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json_body: Json = None,
    ) -> Response:
        self.requests.append((method, url, json_body))
        for index, exchange in enumerate(self._exchanges):
            if not self._used[index] and exchange.matches(method, url, headers, json_body):
                self._used[index] = True
                return check(exchange.response, method, url)
        waiting = [
            f"  {e.method} {e.url} ({e.origin})"
            for e, used in zip(self._exchanges, self._used, strict=True)
            if not used
        ]
        body = "" if json_body is None else f"\nbody: {json.dumps(json_body, default=str)}"
        raise UnexpectedRequest(
            f"unexpected request: {method} {url}{body}\n"
            + ("still recorded:\n" + "\n".join(waiting) if waiting else "no recording left")
        )

    def assert_exhausted(self) -> None:
        unused = [
            f"  {e.method} {e.url} ({e.origin})"
            for e, used in zip(self._exchanges, self._used, strict=True)
            if not used
        ]
        if unused:
            raise UnexpectedRequest("recorded exchanges never requested:\n" + "\n".join(unused))


def _as_list(value: Json) -> list[Json]:
    return value if isinstance(value, list) else []


def _exchange(item: Json, origin: str) -> Exchange:
    if not isinstance(item, dict):
        raise ValueError(f"{origin} : objet attendu")
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise ValueError(f"{origin} : `request` et `response` attendus")
    method, url, status = request.get("method"), request.get("url"), response.get("status")
    if not isinstance(method, str) or not isinstance(url, str) or not isinstance(status, int):
        raise ValueError(f"{origin} : `method`, `url` et `status` attendus")
    return Exchange(
        method=method,
        url=url,
        response=Response(status, response.get("json"), _headers(response.get("headers"))),
        json_body=request.get("json"),
        has_body="json" in request,
        headers=_headers(request.get("headers")),
        origin=origin,
    )


def _headers(value: Json) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {name.lower(): str(text) for name, text in value.items()}
