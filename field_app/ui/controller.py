"""What the screens ask of the app, as plain Python over the field_app core (no Kivy import).

:class:`AppController` owns the store, the sync client and the background sync of one data
folder. Screens call it for everything they show (home summary, entry lists, forms) and every
action they take (sign in, sync, open an entry); it turns records into plain rows for display.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from field_app import __version__, clock_check, entries, regions, versions
from field_app.form_session import EntryEditor
from field_app.paths import store_dir
from field_app.rejections import ownership_advice
from field_app.store import Store, local_now
from field_app.ui.editing import ReadOnlyEntry
from field_app.ui.texts import tidy_name, tr

if TYPE_CHECKING:  # the sync modules (and requests) are imported when first used
    from field_app.background import BackgroundSync
    from field_app.sync_client import Progress, SyncClient, SyncOutcome

__all__ = ["PAGE_SIZE", "AppController", "EntryPage", "folder_size", "format_size",
           "short_time"]

#: The pilot's regions (BPS codes), named through the catalogs (``region.<code>``).
PILOT_REGIONS = ("16.71", "16.05")

#: Entries listed at first, and added by each "load more".
PAGE_SIZE = 60


@dataclass
class EntryPage:
    """One page of an entries list.

    ``matching`` counts the entries of the status that match the query (all of them without
    one); ``shown`` is how many of them this page and the pages before it list; ``next_after``
    asks :meth:`AppController.entry_page` for the next page (``None`` when this is the last).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    matching: int = 0
    shown: int = 0
    next_after: tuple[str, str] | None = None

    @property
    def more(self) -> bool:
        """Whether entries remain to be loaded."""
        return self.next_after is not None


def _list_key(record: dict[str, Any]) -> tuple[str, str]:
    """The entries list's order: last change, then entry id (both descending)."""
    return (record.get("updated_at") or "", record["entry_id"])


def folder_size(folder: Path) -> int:
    """Bytes used by the files under ``folder``."""
    if not folder.exists():
        return 0
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def format_size(size: int) -> str:
    """``1.2 MB`` style size."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover


def short_time(iso: str | None) -> str:
    """``2024-08-13 09:41`` from an ISO timestamp (``""`` when there is none)."""
    if not iso:
        return ""
    return iso[:16].replace("T", " ")


def region_label(code: str | None, lang: str) -> str:
    """A region's name (``""`` without a region; the code itself when it has no name)."""
    if not code:
        return ""
    name = tr(f"region.{code}", lang)
    return code if name == f"region.{code}" else name


class AppController:
    """The app's model: one store, one sync client, one background sync."""

    def __init__(self, data_folder: Path, *, server_url: str | None = None,
                 durable: bool = True) -> None:
        """Open the store in ``data_folder``; ``server_url`` pre-fills the first run."""
        self.data_folder = Path(data_folder)
        self.store = Store(store_dir(self.data_folder), durable=durable)
        if server_url and not self.store.get_setting("server_url"):
            self.store.set_setting("server_url", server_url)
        self._client: SyncClient | None = None
        self.background: BackgroundSync | None = None
        self._names: dict[str, tuple[tuple[str, str], str]] = {}
        self._warming: tuple[tuple[str, str], list[dict[str, Any]]] | None = None
        self._photo_checks: dict[Any, bool] = {}

    @property
    def client(self) -> SyncClient:
        """The sync client (created, with its HTTP stack, the first time it is needed)."""
        if self._client is None:
            from field_app.paths import ca_bundle_path
            from field_app.sync_client import SyncClient

            bundle = ca_bundle_path(self.data_folder)
            options = {"ca_bundle": str(bundle)} if bundle else {}
            self._client = SyncClient(self.store, api_options=options,
                                      attachments_folder=self.data_folder / "attachments")
        return self._client

    # ----------------------------------------------------------------- settings

    @property
    def language(self) -> str:
        """The interface language (``id`` by default)."""
        return self.store.get_setting("language") or "id"

    def set_language(self, lang: str) -> None:
        """Remember the interface language."""
        self.store.set_setting("language", lang)

    @property
    def server_url(self) -> str:
        """The server address (saved at sign-in or in the settings)."""
        creds = self.store.credentials() or {}
        return creds.get("server_url") or self.store.get_setting("server_url") or ""

    def set_server_url(self, url: str) -> None:
        """Change the server address (used by the next sign-in and sync)."""
        url = url.strip().rstrip("/")
        self.store.set_setting("server_url", url)
        creds = self.store.credentials()
        if creds:
            self.store.set_credentials(creds["token"], creds["user"], url)

    @property
    def signed_in(self) -> bool:
        """Whether a token is saved."""
        return self.store.credentials() is not None

    def user(self) -> dict[str, Any]:
        """The signed-in officer (``{}`` if none)."""
        return (self.store.credentials() or {}).get("user") or {}

    def sign_in(self, server_url: str, username: str, password: str) -> dict[str, Any]:
        """Sign in (network; raises ``SyncError``) and pick the officer's first region."""
        user = self.client.sign_in(username.strip(), password, server_url.strip().rstrip("/"))
        regions = self.regions()
        if regions and self.current_region() not in regions:
            self.store.set_setting("region", regions[0])
        return user

    def sign_out(self) -> None:
        """Forget the token (the entries stay on the tablet)."""
        if self.background is not None:
            self.background.stop(timeout=2)
        self.client.sign_out()
        self.background = None

    def regions(self) -> list[str]:
        """Region codes the officer works in (from the sign-in), else the pilot's."""
        return list(self.user().get("regions") or []) or list(PILOT_REGIONS)

    def current_region(self) -> str:
        """The region new entries are made for."""
        region = self.store.get_setting("region")
        return region if region in self.regions() else self.regions()[0]

    def set_region(self, code: str) -> None:
        """Choose the region of new entries."""
        self.store.set_setting("region", code)

    def clock_warning(self, lang: str) -> str:
        """What to tell the officer when the tablet's clock is off (``""`` when it is right)."""
        warning = clock_check.clock_warning(self.store.get_setting("clock_offset"))
        return (warning or {}).get(lang, "")

    def storage_used(self) -> int:
        """Bytes used by the app's data folder."""
        return folder_size(self.data_folder)

    @staticmethod
    def version() -> str:
        """The app's version."""
        return __version__

    # -------------------------------------------------------------------- forms

    def available_forms(self) -> list[dict[str, str]]:
        """The newest cached version of each form, by title."""
        newest: dict[str, dict[str, str]] = {}
        for form in self.store.list_forms():  # in the order the versions were received
            known = newest.get(form["form_id"])
            if known is None or versions.is_newer(form["version"], known["version"]):
                newest[form["form_id"]] = form
        return sorted(newest.values(), key=lambda f: (f.get("title") or f["form_id"]))

    def form(self, form_id: str, version: str) -> Any:
        """The compiled form (cached in memory); ``None`` if not on the tablet."""
        return self.client.form(form_id, version)

    # -------------------------------------------------------------------- home

    def counts(self) -> dict[str, int]:
        """Entries per status."""
        return self.store.counts()

    def last_sync(self) -> str:
        """When the last successful sync ended (``""`` if never)."""
        return self.store.get_setting("last_sync_at") or ""

    def start_sync(self, on_progress: Callable[[Progress], None],
                   on_done: Callable[[SyncOutcome], None]) -> bool:
        """Start a sync in the background; ``False`` when one is already running."""
        background = self._background(on_progress, on_done)
        if background.running:
            return False
        return background.sync_now()

    def cancel_sync(self) -> None:
        """Ask the running sync (by the button or by itself) to stop at its next step."""
        if self.background is not None:
            self.background.cancel()

    def start_auto_sync(self, on_progress: Callable[[Progress], None],
                        on_done: Callable[[SyncOutcome], None]) -> bool:
        """Sync by itself when the network comes back while entries wait to be sent.

        The background watcher probes the server's /health only while something is unsent.
        ``FIELD_APP_AUTO_SYNC=0`` turns it off (scripted UI tests, which sync by the button).
        Returns whether the watcher runs.
        """
        if os.environ.get("FIELD_APP_AUTO_SYNC", "1") == "0" or not self.signed_in:
            return False
        background = self._background(on_progress, on_done)
        background.start_auto()
        return True

    def _background(self, on_progress: Callable[[Progress], None],
                    on_done: Callable[[SyncOutcome], None]) -> BackgroundSync:
        """The one background sync, with the screen's callbacks."""
        def done(outcome: SyncOutcome) -> None:
            if outcome.ok:
                self.store.set_setting("last_sync_at", local_now())
            on_done(outcome)

        if self.background is None:
            from field_app.background import BackgroundSync

            self.background = BackgroundSync(self.client)
        self.background.on_progress = on_progress
        self.background.on_done = done
        return self.background

    # ------------------------------------------------------- damaged store files

    def set_aside_message(self, lang: str) -> str | None:
        """What to tell the officer about damaged store files set aside, once; else ``None``."""
        files = self.store.set_aside_files()
        if not files:
            return None
        lines = [tr("store.set_aside.intro", lang, count=len(files))]
        for found in files:
            path = Path(found.path)
            kind = "draft" if path.parent.name == "drafts" else path.stem
            if kind not in ("draft", "outbox", "archive", "device", "forms"):
                kind = "other"
            if found.kept_as == found.path:
                key = "store.set_aside.in_place"
            else:
                key = "store.set_aside.moved" if found.recovered else "store.set_aside.moved_none"
            lines.append(tr(key, lang, what=tr(f"store.file.{kind}", lang),
                            path=found.kept_as, recovered=found.recovered))
        lines.append(tr("store.set_aside.advice", lang))
        return "\n".join(lines)

    def set_aside_seen(self) -> None:
        """The officer saw :meth:`set_aside_message` (it is not shown again)."""
        self.store.mark_set_aside_seen()

    def stop(self) -> None:
        """Stop the background sync and close the store (the app is closing)."""
        if self.background is not None:
            self.background.stop(timeout=2)
        self.store.close()

    # ----------------------------------------------------------------- entries

    def entry_name(self, record: dict[str, Any], lang: str) -> str:
        """The entry's instance_name, or a readable summary (form title and start time)."""
        key = record["entry_id"]
        stamp = (record.get("updated_at") or "", lang)
        cached = self._names.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        name = ""
        form = self.form(record["form_id"], record["form_version"])
        if form is not None:
            full = self.store.get_entry(key)
            try:
                name = form.new_session(full["answers"]).instance_name()
            except Exception:  # a damaged or odd entry must still be listed
                name = ""
            name = tidy_name(name)  # no dangling " – " of parts not answered yet
            if not any(char.isalnum() for char in name):  # e.g. " –  – " of a new draft
                name = tidy_name(tr("entries.summary", lang, form=form.title,
                                    date=short_time(record.get("created_at"))))
        self._names[key] = (stamp, name or key[:8])
        return self._names[key][1]

    def entry_page(self, status: str, lang: str, *, query: str = "",
                   after: tuple[str, str] | None = None,
                   limit: int = PAGE_SIZE) -> EntryPage:
        """One page of the entries list of ``status``, the most recently changed first.

        ``query`` keeps the entries whose name (instance_name or summary) contains it, ignoring
        case, among every entry of the status. ``after`` is the previous page's
        :attr:`EntryPage.next_after` (keyset paging: entries changed or added meanwhile shift
        no page into showing an entry twice). Names are computed only for the rows returned,
        unless a query needs them all (they are cached; see :meth:`warm_names`).
        """
        records = sorted(self.store.list_entries(status=status), key=_list_key, reverse=True)
        needle = query.strip().casefold()
        if needle:
            records = [r for r in records if needle in self.entry_name(r, lang).casefold()]
        start = 0
        if after is not None:  # the first entry below the previous page's last
            after = (after[0], after[1])
            start = next((i for i, r in enumerate(records) if _list_key(r) < after),
                         len(records))
        chosen = records[start:start + limit]
        rows = [self._row(record, lang) for record in chosen]
        shown = start + len(chosen)
        return EntryPage(rows=rows, matching=len(records), shown=shown,
                         next_after=_list_key(chosen[-1]) if chosen and shown < len(records)
                         else None)

    def entry_rows(self, status: str, lang: str, limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
        """Rows of the first page of the entries list of ``status``."""
        return self.entry_page(status, lang, limit=limit).rows

    def warm_names(self, status: str, lang: str, budget: float = 0.012) -> bool:
        """Compute missing entry names of ``status`` for up to ``budget`` seconds.

        The entries screen calls this in idle frames so that a search over a season of entries
        finds the names ready. Returns ``True`` when every name is cached.
        """
        deadline = time.perf_counter() + budget
        if self._warming is None or self._warming[0] != (status, lang):
            # listed once per status, not per call: listing 2,000 entries takes a few ms
            listed = self.store.list_entries(status=status)
            self._warming = ((status, lang), listed[::-1])  # popped from the end: newest first
        pending = self._warming[1]
        while pending:
            record = pending[-1]
            cached = self._names.get(record["entry_id"])
            if not (cached and cached[0] == (record.get("updated_at") or "", lang)):
                if time.perf_counter() > deadline:
                    return False
                self.entry_name(record, lang)
            pending.pop()
        self._warming = None
        return True

    def _row(self, record: dict[str, Any], lang: str) -> dict[str, Any]:
        """One row of the entries list: name, date, region, comment."""
        return {
            "entry_id": record["entry_id"],
            "status": record["status"],
            "name": self.entry_name(record, lang),
            "date": short_time(record.get("updated_at")),
            "region": region_label(record.get("region"), lang),
            "comment": record.get("review_comment") or "",
            "rejected": record.get("rejected", False),
            "deletable": record.get("deletable", False),
            "advice": (ownership_advice({"error": record.get("rejection_error")},
                                        record.get("region") or "",
                                        bool(record.get("sent_rev"))) or {}).get(lang, "")
            or self._photo_advice(record, lang),
        }

    def _photo_advice(self, record: dict[str, Any], lang: str) -> str:
        """A waiting entry whose photos are missing or damaged on the tablet: say so in the list
        (opening it names each photo and offers to reopen it). Each photo file is read once
        per change of the file (``_photo_checks``)."""
        if record.get("status") != entries.FINALIZED:
            return ""
        count = len(self.photo_problems(self.store.get_entry(record["entry_id"])["answers"]))
        return tr("entries.photo_problem", lang, count=count) if count else ""

    def photo_problems(self, answers: dict[str, Any]) -> list[Any]:
        """The photos of ``answers`` missing or damaged on the tablet
        (:func:`field_app.photo_check.photo_problems`; each file read once per change)."""
        from field_app.photo_check import photo_problems

        return photo_problems(self.data_folder / "attachments", answers, self._photo_checks)

    def new_entry(self, form_id: str, version: str) -> EntryEditor:
        """Start a draft of a form for the current region (its region question pre-filled).

        The region question's answer, not this choice, decides the entry's region when it is
        finalized (:mod:`field_app.regions`).
        """
        form = self.form(form_id, version)
        region = self.current_region()
        answers = {}
        name = regions.region_question(form)
        list_name = form.question(name).list_name if name else None
        if name and list_name and form.choice(list_name, region) is not None:
            answers[name] = region
        return EntryEditor.new(self.store, form, region, answers)

    def open_entry(self, entry_id: str) -> EntryEditor | ReadOnlyEntry:
        """Open an entry: drafts and entries needing correction for editing, others read-only."""
        record = self.store.get_entry(entry_id)
        form = self.form(record["form_id"], record["form_version"])
        if form is None:
            raise LookupError(record["form_id"])
        if record["status"] == entries.NEEDS_CORRECTION:
            self.store.start_correction(entry_id)
            record = self.store.get_entry(entry_id)
        if record["status"] == entries.DRAFT:
            return EntryEditor(self.store, form, entry_id)
        return ReadOnlyEntry(form, record)

    def sync_running(self) -> bool:
        """Whether a sync is running now (in the background thread)."""
        return self.background is not None and self.background.running

    def reopen_entry(self, entry_id: str) -> None:
        """Make a finalized, unsent entry a draft again (to retake or remove its photos).

        Refused while a sync runs (``LifecycleError("sync_running")``): the sync may be sending
        this very revision; the store's lifecycle refuses any other status.
        """
        if self.sync_running():
            record = self.store.get_entry(entry_id)
            raise entries.LifecycleError("sync_running", entry_id, record["status"])
        self.store.reopen_entry(entry_id)

    def conflict_line(self, record: dict[str, Any], conflict: dict[str, Any], field: str,
                      lang: str) -> str:
        """One conflicting field of an entry: the officer's value and the other one, each with
        who wrote it and when (:mod:`field_app.conflict_text`)."""
        from field_app.conflict_text import conflict_line, top_level_value
        from field_app.sent_revisions import SentRevisions

        pushed = SentRevisions(self.store.folder / "sent",
                               durable=self.store.durable).last_pushed(record["entry_id"])
        options = {}
        if pushed is not None:  # a path into a repeat gives "unknown" (no fallback)
            options["sent_value"] = top_level_value(pushed.get("answers"),
                                                    str(conflict.get("path", "")))
        return conflict_line(conflict, field, lang, officer=self.store.officer() or "",
                             device_id=self.store.device_id, **options)

    def delete_draft(self, entry_id: str) -> None:
        """Delete a draft never sent."""
        self.store.delete_draft(entry_id)
