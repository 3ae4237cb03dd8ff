"""Entries by status: instance name (or a summary), date and region; tap to open.

A draft opens to continue; an entry needing correction opens for editing with the
supervisor's comment; sent, waiting and conflicting entries open read-only.

The list shows one page (:data:`field_app.ui.controller.PAGE_SIZE` entries) and a "load more"
button at its end that appends the next page; it is a RecycleView, so only the rows on screen
are widgets. The search field filters every entry of the
status by name (the controller does the paging and the matching); while the screen is shown,
idle frames compute the names not cached yet so that a search over a season finds them ready.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen

from field_app import entries
from field_app.ui.texts import tidy_name, tr
from field_app.ui.widgets import HintLabel, TouchButton, confirm

__all__ = ["EntriesScreen"]

log = logging.getLogger(__name__)

#: Seconds after the last key typed in the search field before the list is filtered.
SEARCH_DELAY = 0.3
#: Sizes of the list (entries.kv): a row is padding, the name button, the details line and the
#: comment (0 high without one) with spacing between them.
LIST_PADDING = dp(16)
ROW_PADDING = dp(12)
ROW_SPACING = dp(4)
ROW_HEIGHT = 2 * ROW_PADDING + dp(56) + 2 * ROW_SPACING + dp(24)
LOAD_MORE_HEIGHT = dp(56)


class EntryRow(RecycleDataViewBehavior, BoxLayout):
    """One entry in the list (layout in entries.kv), a view the list reuses while scrolling."""

    entry_id = StringProperty("")
    name = StringProperty("")
    details = StringProperty("")
    comment = StringProperty("")
    deletable = BooleanProperty(False)

    def open(self) -> None:
        """Open this entry."""
        _entries_screen().open_entry(self.entry_id)

    def delete(self) -> None:
        """Delete this draft (after confirmation)."""
        _entries_screen().delete(self.entry_id)


class LoadMoreRow(RecycleDataViewBehavior, BoxLayout):
    """The list's last item while entries remain: "load more" (layout in entries.kv)."""

    def load_more(self) -> None:
        """Append the next page."""
        _entries_screen().load_more()


class ListHint(RecycleDataViewBehavior, HintLabel):
    """A line of text in place of the list (no entries, nothing matches)."""


def _entries_screen() -> EntriesScreen:
    return App.get_running_app().screen("entries")


class EntriesScreen(Screen):
    """Status tabs, the search field and the list of the chosen status.

    The list is a RecycleView: only the rows on screen are widgets, so a page loaded costs
    its names and a few rows, not one widget tree per entry.
    """

    status = StringProperty(entries.DRAFT)
    query = StringProperty("")
    shown_text = StringProperty("")
    page = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._search = Clock.create_trigger(self._apply_search, SEARCH_DELAY)
        self._warming = None
        self.items: list[dict[str, Any]] = []
        Window.bind(width=lambda *_: self._relayout())

    def prepare(self, status: str | None = None) -> None:
        """Show the list of ``status`` (the last one shown by default), without a search.

        The search is kept across the status tabs, not across visits of the screen.
        """
        if status:
            self.status = status
        self._search.cancel()
        self.query = ""
        self.ids.search.text = ""
        self.refresh()

    def choose(self, status: str) -> None:
        """A status tab was tapped."""
        self.status = status
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tabs and the list's first page."""
        app = App.get_running_app()
        counts = app.controller.counts()
        tabs = self.ids.tabs
        tabs.clear_widgets()
        for status in entries.STATUSES:
            button = TouchButton(text=f"{tr(f'entry.status.{status}', app.lang)} "
                                      f"({counts.get(status, 0)})")
            if status == self.status:
                button.background_color = (0.05, 0.36, 0.62, 1)
                button.color = (1, 1, 1, 1)
            button.bind(on_release=partial(lambda s, *_: self.choose(s), status))
            tabs.add_widget(button)
        self.show_list()

    def show_list(self) -> None:
        """The first page of the status's entries matching the search."""
        app = App.get_running_app()
        self.page = app.controller.entry_page(self.status, app.lang, query=self.query)
        self.items = [self._item(row) for row in self.page.rows]
        self._show_items()
        self.ids.list.scroll_y = 1
        self._start_warming()

    def load_more(self, *_args: object) -> None:
        """Append the next page to the list."""
        app = App.get_running_app()
        if self.page is None or not self.page.more:
            return
        self.page = app.controller.entry_page(self.status, app.lang, query=self.query,
                                              after=self.page.next_after)
        self.items += [self._item(row) for row in self.page.rows]
        self._show_items()

    def _item(self, row: dict[str, Any]) -> dict[str, Any]:
        """The list item of one entry row."""
        app = App.get_running_app()
        # a row without a region (or a date) leaves no dangling " · "
        details = tidy_name(tr("entries.details", app.lang, date=row["date"],
                               region=row["region"]))
        if row["rejected"]:
            details += " · " + tr("entries.rejected", app.lang)
        comment = row["comment"] if self.status in (entries.NEEDS_CORRECTION,
                                                    entries.CONFLICT) else ""
        if comment:
            comment = tr("entries.comment", app.lang, comment=comment)
        comment = row.get("advice") or comment  # someone else's entry: what to do, in words
        return {"viewclass": "EntryRow", "entry_id": row["entry_id"], "name": row["name"],
                "details": details, "comment": comment,
                "deletable": self.status == entries.DRAFT and row.get("deletable", True),
                "height": ROW_HEIGHT + self._comment_height(comment)}

    def _comment_height(self, comment: str) -> float:
        """Height of a row's comment line(s) at the list's width (0 without a comment)."""
        if not comment:
            return 0
        text = comment
        width = Window.width - 2 * (LIST_PADDING + ROW_PADDING)  # screens fill the window
        label = CoreLabel(text=text, text_size=(max(width, dp(100)), None),
                          font_size=sp(16), bold=True)
        label.refresh()
        return label.texture.size[1]

    def _relayout(self) -> None:
        """The width changed (rotation): comments wrap anew."""
        if any(item.get("comment") for item in self.items):
            for item in self.items:
                if item.get("viewclass") == "EntryRow":
                    item["height"] = ROW_HEIGHT + self._comment_height(item["comment"])
            self._show_items()

    def _show_items(self) -> None:
        """Put the items (and the "load more" item or a hint) into the list; say how many."""
        app = App.get_running_app()
        page, query = self.page, self.query.strip()
        data = list(self.items)
        if not data:
            key = "entries.no_match" if query else "entries.empty"
            data.append({"viewclass": "ListHint", "text": tr(key, app.lang, query=query)})
        if page is not None and page.more:
            data.append({"viewclass": "LoadMoreRow", "height": LOAD_MORE_HEIGHT})
        self.ids.list.data = data
        if page is None or not page.matching:
            self.shown_text = ""
        elif query:
            self.shown_text = tr("entries.shown_matching", app.lang, shown=page.shown,
                                 total=page.matching, query=query)
        else:
            self.shown_text = tr("entries.shown", app.lang, shown=page.shown,
                                 total=page.matching)

    # ------------------------------------------------------------------ search

    def search_typed(self, text: str) -> None:
        """The search field changed: filter once the officer pauses typing."""
        if text != self.query:
            self._search()

    def clear_search(self) -> None:
        """Empty the search field and list every entry of the status again."""
        self.ids.search.text = ""
        self._search.cancel()
        self._apply_search()

    def _apply_search(self, *_args: object) -> None:
        text = self.ids.search.text
        if text != self.query:
            self.query = text
            self.show_list()

    # ---------------------------------------------------------- names in idle frames

    def _start_warming(self) -> None:
        if self._warming is None:
            self._warming = Clock.schedule_interval(self._warm, 0)

    def _warm(self, _dt: float) -> bool:
        """Compute a few missing names per frame while the list is shown; stop when done."""
        app = App.get_running_app()
        done = True
        if self.manager is not None and self.manager.current == self.name:
            try:
                done = app.controller.warm_names(self.status, app.lang)
            except Exception:  # names are computed again by a search; never an error here
                log.exception("cannot compute entry names")
        if done:
            self._warming = None
            return False
        return True

    def on_leave(self, *_args: object) -> None:
        """Stop computing names in idle frames."""
        if self._warming is not None:
            self._warming.cancel()
            self._warming = None

    # ------------------------------------------------------------------ actions

    def open_entry(self, entry_id: str, *_args: object) -> None:
        """Open an entry in the form screen."""
        App.get_running_app().show("form", entry_id=entry_id)

    def delete(self, entry_id: str, *_args: object) -> None:
        """Delete a draft after confirmation."""
        app = App.get_running_app()

        def really() -> None:
            try:
                app.controller.delete_draft(entry_id)
            except entries.LifecycleError:
                app.notify(tr("entry.error.not_deletable", app.lang))
            self.refresh()

        confirm(tr("entries.delete_confirm", app.lang), tr("entries.delete", app.lang), really)
