"""The dashboard: per form and region, entries over time (SVG), counts by status, last sync per
officer and device, and the observation checklist's scores per region."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from ..db import read_tx
from ..entry_filters import EntryFilter
from . import bp
from .auth import current_web_user, web_login_required
from .charts import bar_chart
from .common import engine, get_form, latest_versions
from .dashboard import SCORE_FIELDS, entries_per_day, last_sync, scores_by_region
from .i18n import WIB
from .table import status_counts


@bp.get("/dashboard")
@web_login_required()
def dashboard() -> str:
    """Figures for one form (``?form_id=``, default the first) and optionally one region."""
    user = current_web_user()
    now = datetime.now(UTC)
    region = (request.args.get("region") or "").strip()[:32] or None
    with read_tx(engine()) as conn:
        forms = latest_versions(conn)
        form_id = request.args.get("form_id") or (forms[0]["form_id"] if forms else None)
        current = next((f for f in forms if f["form_id"] == form_id), None)
        if forms and current is None:
            abort(404)
        sync_rows = last_sync(conn, user, now)
        if current is None:
            return render_template(
                "review/dashboard.html", forms=forms, current=None, sync_rows=sync_rows
            )
        form = get_form(conn, current["form_id"], current["version"])
        flt = EntryFilter(form_id=form_id, region=region)
        days = entries_per_day(conn, user, flt, now.astimezone(WIB).date())
        counts = status_counts(conn, user, flt)
        has_scores = form is not None and all(form.has_question(k) for k in SCORE_FIELDS[:6])
        scores = scores_by_region(conn, user, flt) if has_scores else []
    chart = bar_chart(
        [(format_date(day, "d/M"), count) for day, count in days],
        title=_("Entries received per day (last 30 days)"),
        label_every=3,
    )
    region_names = {}
    if form is not None and "kabkota" in form.choices:
        for row in scores:
            region_names[row["region"]] = form.choice_label("kabkota", row["region"], None)
    return render_template(
        "review/dashboard.html",
        forms=forms,
        current=current,
        region=region,
        regions=sorted(user.regions) if user.role != "admin" else [],
        chart=chart,
        total_days=sum(c for _d, c in days),
        counts=counts,
        sync_rows=sync_rows,
        scores=scores,
        score_fields=SCORE_FIELDS,
        region_names=region_names,
    )
