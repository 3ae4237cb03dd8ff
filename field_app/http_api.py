"""The sync server's HTTP API v1, seen from the tablet (``requests``, one Session).

Every call has a timeout. Connection errors, timeouts, 429 and 5xx are retried with
exponential backoff and full jitter (``Retry-After`` is honoured); the wait is cut short by the
cancel event. Failures become :class:`SyncError` with a ``reason`` a person understands
(see :mod:`field_app.messages`, keys ``sync.error.<reason>``): tracebacks never reach the UI.

The push endpoint is idempotent on the server (a revision id names its content), so it is safe
to retry a POST whose answer was lost.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable
from typing import Any

import requests

from field_app.messages import bilingual

__all__ = ["RETRY_STATUSES", "ApiClient", "SyncError", "backoff_delay"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
API_PREFIX = "/api/v1"


class SyncError(Exception):
    """A sync step failed; ``reason`` is one of the ``sync.error.*`` message keys' suffixes.

    Reasons: ``no_connection``, ``wrong_password``, ``token_revoked``, ``not_signed_in``,
    ``rate_limited``, ``server_error``, ``attachment_missing``, ``cancelled``, ``busy``,
    ``certificate`` (the server's HTTPS certificate cannot be verified), ``upload_refused`` (415:
    a file of a type the server does not take), ``too_large`` (413: a request or the officer's
    upload quota too large), ``server_storage_full`` (507: the server's disk is full; an admin
    must free space), ``unexpected``.
    """

    def __init__(
        self, reason: str, detail: str = "", *, said: dict[str, str] | None = None, **params: Any
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.params = params
        self.said = said or {}  # the server's own words, per language, added to the message

    @property
    def message(self) -> dict[str, str]:
        """The message for people: ``{"id": ..., "en": ...}``."""
        text = bilingual(f"sync.error.{self.reason}", **self.params)
        for lang, words in self.said.items():
            if words and lang in text:
                text[lang] = f"{text[lang]} {words}"
        return text


def backoff_delay(
    attempt: int, base: float, cap: float, rng: random.Random, retry_after: float | None = None
) -> float:
    """Return the wait before retry number ``attempt`` (0-based): full jitter, capped.

    ``retry_after`` (from the server) is a floor, itself capped.
    """
    ceiling = min(cap, base * (2**attempt))
    delay = rng.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _server_message(response: requests.Response) -> dict[str, str]:
    """The server's own words of an error response: ``{"id", "en"}`` (empty when absent)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {"id": str(body.get("message_id") or body.get("message") or ""),
            "en": str(body.get("message") or "")}


def _error_code(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


class ApiClient:
    """One ``requests.Session`` to one sync server, with timeouts and retries."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 60.0),
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        cancel: threading.Event | None = None,
        rng: random.Random | None = None,
        on_bytes: Callable[[int, int], None] | None = None,
        user_agent: str = "kpk-field-app",
        ca_bundle: str | None = None,
    ) -> None:
        """Prepare a session; nothing is sent yet. ``on_bytes(sent, received)`` counts traffic.

        ``ca_bundle``: a PEM file of the certificate authorities to trust for HTTPS (a server
        whose certificate comes from the office's own authority); ``None`` trusts the system's.
        Certificates are always verified: a failure is reported, never ignored.
        """
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.cancel = cancel or threading.Event()
        self.rng = rng or random.Random()
        self.on_bytes = on_bytes
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE in the environment win
        # over a Session's own ``verify``, and the office's authority must not be overridden.
        self.verify: str | bool = ca_bundle or True
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise SyncError("cancelled")

    def _wait(self, seconds: float) -> None:
        if self.cancel.wait(seconds):
            raise SyncError("cancelled")

    def back_off(self, attempt: int) -> None:
        """Wait before retry number ``attempt`` (0-based), as :meth:`request` does; a cancel
        ends the wait (``SyncError("cancelled")``)."""
        self._wait(backoff_delay(attempt, self.backoff_base, self.backoff_cap, self.rng))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        auth: bool = True,
        ok: Iterable[int] = (200,),
        timeout: tuple[float, float] | None = None,
        retries: int | None = None,
        retry_rate_limited: bool = True,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one API call, retrying what is worth retrying; return the response.

        ``retry_rate_limited=False`` reports a 429 at once (a person is waiting at sign-in).
        """
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        if auth:
            if not self.token:
                raise SyncError("not_signed_in")
            headers["Authorization"] = f"Bearer {self.token}"
        ok = frozenset(ok)
        url = f"{self.base_url}{API_PREFIX}{path}"
        attempts = (self.max_retries if retries is None else retries) + 1
        last_failure: SyncError | None = None
        for attempt in range(attempts):
            self._check_cancel()
            retry_after = None
            try:
                response = self.session.request(
                    method, url, data=data, headers=headers, timeout=timeout or self.timeout,
                    verify=self.verify,
                )
            except requests.exceptions.SSLError as exc:  # not worth retrying: say why
                raise SyncError("certificate", f"{method} {path}: {exc}") from exc
            except requests.RequestException as exc:  # refused, reset, cut, timed out
                last_failure = SyncError("no_connection", f"{method} {path}: {exc}")
            else:
                if self.on_bytes is not None:
                    self.on_bytes(len(data or b""), len(response.content))
                if response.status_code in ok:
                    return response
                if response.status_code not in RETRY_STATUSES or (
                    response.status_code == 429 and not retry_rate_limited
                ):
                    raise self._failure(response, method, path, auth)
                last_failure = self._failure(response, method, path, auth)
                retry_after = _retry_after(response)
            if attempt + 1 < attempts:
                self._wait(
                    backoff_delay(attempt, self.backoff_base, self.backoff_cap, self.rng,
                                  retry_after)
                )
        assert last_failure is not None
        raise last_failure

    @staticmethod
    def _failure(response: requests.Response, method: str, path: str, auth: bool) -> SyncError:
        code = _error_code(response)
        status = response.status_code
        detail = f"{method} {path}: HTTP {status} {code}".strip()
        if status == 401:
            return SyncError("token_revoked" if auth else "wrong_password", detail)
        if status == 429:
            return SyncError("rate_limited", detail)
        if status == 507:  # the server's disk is full: not worth retrying, an admin must act
            return SyncError("server_storage_full", detail)
        if status >= 500:
            return SyncError("server_error", detail)
        if status in (413, 415):  # a photo refused (type, size, quota): say what the server said
            said = _server_message(response)
            return SyncError("upload_refused" if status == 415 else "too_large", detail,
                             said=said)
        return SyncError("unexpected", detail)

    # ------------------------------------------------------------------ endpoints

    def health(self, timeout: float = 3.0) -> bool:
        """One light probe of ``/health`` (no retries): is the server reachable and well?"""
        try:
            response = self.request("GET", "/health", auth=False, retries=0,
                                    timeout=(timeout, timeout))
        except SyncError:
            return False
        # "degraded": working, but an admin must act (e.g. low disk): still reachable
        return response.json().get("status") in ("ok", "degraded")

    def sign_in(
        self, username: str, password: str, device_id: str, device_marker: str | None = None
    ) -> dict[str, Any]:
        """Exchange username and password for a token; return ``{"token", "user", ...}``.

        ``device_marker``: the marker the server gave this device at its last sign-in of this
        account; with it, failed sign-ins elsewhere (an attacker) never slow this device down.
        """
        body = {"username": username, "password": password, "device_id": device_id}
        if device_marker:
            body["device_marker"] = device_marker
        response = self.request(
            "POST", "/sessions", auth=False, ok=(200, 201), retry_rate_limited=False, body=body
        )
        return response.json()

    def sign_out(self) -> None:
        """Revoke the current token on the server (one attempt)."""
        self.request("DELETE", "/sessions/current", ok=(200, 204, 401), retries=0)

    def list_forms(self) -> list[dict[str, Any]]:
        """Every published form version: ``[{"form_id", "version", "title", ...}]``."""
        return self.request("GET", "/forms").json()["forms"]

    def get_form(self, form_id: str, version: str) -> dict[str, Any]:
        """The compiled form JSON of one version."""
        return self.request("GET", f"/forms/{form_id}/{version}").json()

    def get_form_media(self, form_id: str, version: str, filename: str) -> bytes:
        """One file published with a form version (a choice file)."""
        name = requests.utils.quote(filename, safe="")
        return self.request("GET", f"/forms/{form_id}/{version}/media/{name}").content

    def missing_attachments(self, hashes: list[str]) -> list[str]:
        """Which of these attachment hashes the server lacks."""
        body = self.request("POST", "/attachments/missing", body={"sha256": hashes}).json()
        return list(body.get("missing", []))

    def entries_missing_attachments(self) -> list[dict[str, Any]]:
        """The caller's entries whose photos the server lacks (never sent, or lost on the
        server): ``[{"entry_id", "missing": [sha256, ...]}]``."""
        body = self.request("GET", "/entries/missing-attachments").json()
        return list(body.get("entries", []))

    def put_attachment(self, sha256: str, data: bytes, media_type: str) -> None:
        """Upload one attachment's bytes (the server checks the hash)."""
        self.request("PUT", f"/attachments/{sha256}", data=data, content_type=media_type,
                     ok=(200, 201))

    def upload_state(self, sha256: str) -> tuple[int, bool] | None:
        """How many bytes of this file the server holds from this account, and whether it is
        stored already (``None``: a server without resumable uploads)."""
        response = self.request("GET", f"/attachments/{sha256}/upload", ok=(200, 404, 405))
        if response.status_code != 200:
            return None
        body = response.json()
        return int(body["offset"]), bool(body["complete"])

    def upload_piece(
        self, sha256: str, piece: bytes, start: int, total: int, media_type: str
    ) -> tuple[int, bool]:
        """Send bytes ``start`` .. ``start + len(piece)`` of a file of ``total`` bytes (one
        attempt: the caller asks for the offset again after a cut). Returns the server's offset
        and whether the file is stored; a piece at the wrong offset gives the server's offset."""
        response = self.request(
            "PATCH", f"/attachments/{sha256}/upload", data=piece, content_type=media_type,
            headers={"Content-Range": f"bytes {start}-{start + len(piece) - 1}/{total}"},
            ok=(200, 201, 409), retries=0,
        )
        body = response.json()
        if response.status_code == 409:
            return int((body.get("details") or {}).get("offset", 0)), False
        return int(body["offset"]), bool(body["complete"])

    def push(self, revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push finalized revisions; return the server's result per revision, in order."""
        return self.request("POST", "/sync/push", body={"revisions": revisions}).json()["results"]

    def pull(self, since: str, limit: int) -> dict[str, Any]:
        """One page of changes after ``since``: ``{"changes", "next", "more"}``."""
        response = self.request("GET", f"/sync/pull?since={requests.utils.quote(since)}"
                                f"&limit={int(limit)}")
        return response.json()

