"""The dashboard: per form and region, entries over time (SVG), counts by status, the
observation checklist's scores and indicator heat map or the community survey's IKM per regency
and kecamatan, the map of visit points, and the last contact of each officer's tablets.

Every figure per area comes from the stored per-entry scores (:mod:`.dashboard_areas`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from ..db import read_tx
from ..entry_filters import EntryFilter
from . import bp
from .auth import current_web_user, web_login_required
from .charts import bar_chart
from .common import engine, get_form, latest_versions
from .dashboard import entries_per_day, last_sync
from .dashboard_areas import area_sums, observation_table, survey_table
from .dashboard_map import PALETTE, map_data, map_svg
from .i18n import WIB, current_language
from .table import status_counts

#: colour bands of the map (lower limits of bands 1-3): observation scores (the MCP candidate
#: threshold 75 and designation 90 of the forms brief), IKM grades C, B, A
BANDS = {"observation": (50.0, 75.0, 90.0), "survey": (65.0, 76.61, 88.31)}


def form_kind(form: Any) -> str | None:
    """``observation`` (scores and indicator results), ``survey`` (SKM elements and IKM) or
    ``None`` for a form without either."""
    if form is None:
        return None
    if form.has_question("skor_total") and form.has_question("hasil_i01"):
        return "observation"
    if form.has_question("ikm") and form.has_question("skm_u1"):
        return "survey"
    return None


def _label(form: Any, name: str, lang: str, fallback: str) -> str:
    return form.question(name).label(lang) if form.has_question(name) else fallback


def _labels(form: Any, kind: str | None, lang: str) -> dict[str, Any]:
    """Names the page shows: regions, kecamatan, components, indicators, SKM elements."""
    out: dict[str, Any] = {"regions": {}, "kecamatan": {}}
    for list_name, key in (("kabkota", "regions"), ("kecamatan", "kecamatan")):
        for choice in form.choices.get(list_name, []) if form is not None else []:
            out[key][choice.name] = form.choice_label(list_name, choice.name, lang)
    if kind == "observation":
        out["components"] = [
            # the choice labels start with their number ("1. Tata Kelola ..."): the page
            # writes "K1" itself
            re.sub(r"^\d+\.\s*", "", form.choice_label("komponen", f"k{i}", lang))
            if form.choice("komponen", f"k{i}")
            else f"K{i}"
            for i in range(1, 7)
        ]
        out["indicators"] = [
            _label(form, f"indikator_i{i:02d}", lang, str(i)) for i in range(1, 20)
        ]
    if kind == "survey":
        out["elements"] = [
            _label(form, f"skm_u{i}", lang, f"U{i}").split(":")[0] for i in range(1, 10)
        ]
    return out


#: indicators of each component (the forms brief's mapping: 1; 2-7; 8-11; 12-15; 16-17; 18-19)
COMPONENT_SPANS = (1, 6, 4, 4, 2, 2)


@bp.get("/dashboard")
@web_login_required()
def dashboard() -> str:
    """Figures for one form (``?form_id=``, default the first) and optionally one region."""
    user = current_web_user()
    now = datetime.now(UTC)
    region = (request.args.get("region") or "").strip()[:32] or None
    lang = current_language()
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
        kind = form_kind(form)
        flt = EntryFilter(form_id=form_id, region=region)
        days = entries_per_day(conn, user, flt, now.astimezone(WIB).date())
        counts = status_counts(conn, user, flt)
        sums = area_sums(conn, user, form_id, region, kind) if kind else []
        points = map_data(conn, user, form_id, region) if kind else None
    labels = _labels(form, kind, lang)
    chart = bar_chart(
        [(format_date(day, "d/M"), count) for day, count in days],
        title=_("Entries received per day (last 30 days)"),
        label_every=3,
    )
    map_html = None
    if points is not None and points.total:
        map_html = map_svg(
            points,
            title=_("Map of visit points"),
            names=labels["kecamatan"],
            bounds=BANDS[kind or "observation"],
            point_label=lambda score, count: ngettext(
                "score %(score)s, %(num)s entry", "score %(score)s, %(num)s entries", count,
                score=score,
            ),
            link=url_for("review.entry_page", entry_id="ENTRY").replace("ENTRY", "{id}"),
        )
    return render_template(
        "review/dashboard.html",
        forms=forms,
        current=current,
        region=region,
        regions=sorted(user.regions) if user.role != "admin" else sorted(labels["regions"]),
        chart=chart,
        total_days=sum(c for _d, c in days),
        counts=counts,
        sync_rows=sync_rows,
        kind=kind,
        observation=observation_table(sums) if kind == "observation" else [],
        survey=survey_table(sums) if kind == "survey" else [],
        labels=labels,
        component_spans=COMPONENT_SPANS,
        map_html=map_html,
        map_points=points,
        bands=BANDS.get(kind or "", ()),
        palette=PALETTE,
    )
