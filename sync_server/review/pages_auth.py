"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import ratelimit
from .. import users as users_mod
from ..db import read_tx, write_tx
from ..state import state
from . import bp
from .auth import WEB_ROLES, current_web_user, safe_next, sign_in_session, sign_out_session
from .common import engine
from .i18n import LANGUAGES


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Response | str | tuple[str, int]:
    """The sign-in form; on success a fresh session cookie and a redirect to ``next``."""
    target = safe_next(request.values.get("next"), url_for("review.index"))
    if request.method == "GET":
        if current_web_user() is not None:
            return redirect(target)
        return render_template("review/signin.html", next=target)
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")[:1024]
    cfg = state().config
    addr = request.remote_addr or "unknown"
    with read_tx(engine()) as conn:
        wait = ratelimit.retry_after(
            conn,
            username,
            addr,
            max_failures=cfg["SIGNIN_MAX_FAILURES"],
            window_seconds=cfg["SIGNIN_WINDOW_SECONDS"],
        )
    if wait is not None:
        flash(
            _("Too many failed sign-ins. Try again in %(seconds)s seconds.", seconds=wait), "error"
        )
        return render_template("review/signin.html", next=target, username=username), 429
    with read_tx(engine()) as conn:
        user = users_mod.authenticate(conn, username, password) if username else None
    with write_tx(engine()) as conn:
        ratelimit.record_attempt(
            conn, username, addr, user is not None, window_seconds=cfg["SIGNIN_WINDOW_SECONDS"]
        )
    if user is None:
        flash(_("Wrong user name or password."), "error")
        return render_template("review/signin.html", next=target, username=username), 401
    if user.role not in WEB_ROLES:
        flash(
            _("Officers use the tablet app; these pages are for supervisors and admins."), "error"
        )
        return render_template("review/signin.html", next=target, username=username), 403
    sign_in_session(user)
    return redirect(target)


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
