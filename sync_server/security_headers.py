"""Security headers on every response of the server.

* ``Content-Security-Policy``: scripts, styles, images and forms only from this site, no
  framing, no plugins (the review pages keep their script and styles in ``static/``; the only
  inline ``<script>`` holds JSON data, which a policy does not block). A view that sets its own
  policy (the photo route's stricter one) keeps it.
* ``X-Frame-Options: DENY`` (older browsers' form of ``frame-ancestors 'none'``).
* ``X-Content-Type-Options: nosniff``: a response is only ever read as its declared type.
* ``Referrer-Policy: same-origin``: entry addresses never leave the site in a ``Referer``.
"""

from __future__ import annotations

from flask import Flask, Response

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "add_security_headers", "init_app"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set :data:`SECURITY_HEADERS` on ``response`` where the view did not set them."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app`` (pages, API, static files, errors)."""
    app.after_request(add_security_headers)
