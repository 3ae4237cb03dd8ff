"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from .. import users as users_mod
from ..signin import sign_in
from ..state import state
from . import bp
from .auth import WEB_ROLES, current_web_user, safe_next, sign_in_session, sign_out_session
from .common import engine
from .i18n import LANGUAGES

DEVICE_COOKIE = "survey_device"  # the browser's known-device marker (sync_server.signin)


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """The sign-in form; on success a fresh session cookie and a redirect to ``next``.

    Throttled like the API sign-in (:mod:`sync_server.signin`); the browser keeps a
    known-device marker cookie so that its own sign-ins are not slowed by failures elsewhere.
    """
    target = safe_next(request.values.get("next"), url_for("review.index"))
    if request.method != "POST":  # GET, and HEAD (which must never attempt a sign-in)
        if current_web_user() is not None:
            return redirect(target)
        return render_template("review/signin.html", next=target)
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")[:1024]
    if not username:
        flash(_("Wrong user name or password."), "error")
        return render_template("review/signin.html", next=target, username=username), 401

    def open_session(conn: Connection, user: users_mod.User) -> bool:
        if user.role not in WEB_ROLES:
            return False
        sign_in_session(conn, user)
        return True

    cfg = state().config
    result = sign_in(
        engine(),
        cfg,
        username,
        password,
        request.remote_addr or "unknown",
        marker=request.cookies.get(DEVICE_COOKIE),
        on_success=open_session,
    )
    if result.wait is not None:
        flash(
            ngettext(
                "Too many failed sign-ins. Try again in %(num)s second.",
                "Too many failed sign-ins. Try again in %(num)s seconds.",
                result.wait,
            ),
            "error",
        )
        page = render_template("review/signin.html", next=target, username=username)
        return page, 429, {"Retry-After": str(result.wait)}
    if result.user is None:
        flash(_("Wrong user name or password."), "error")
        return render_template("review/signin.html", next=target, username=username), 401
    if not result.value:
        flash(
            _("Officers use the tablet app; these pages are for supervisors and admins."), "error"
        )
        return render_template("review/signin.html", next=target, username=username), 403
    response = redirect(target)
    response.set_cookie(
        DEVICE_COOKIE,
        result.marker or "",
        max_age=int(cfg["SIGNIN_KNOWN_DEVICE_DAYS"] * 86_400),
        secure=bool(cfg["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/signout")
def signout() -> Response:
    """End the session and go back to the sign-in page."""
    sign_out_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("review.signin"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    """Switch the page language (``id`` or ``en``) and return to the page the user was on."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("review.index")))
