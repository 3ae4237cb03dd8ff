"""Incremental recompute of a form session after an answer or the instances changed.

After an answer changes, only what depends on it is recomputed: the form's
:class:`~survey_forms.graph.FormGraph` lists, for each question, the questions whose *effective
value* (relevance, calculation) read it and those whose *checks* read it. A change is propagated
through a work list ordered by the graph's topological order, so each question is recomputed
after all of its inputs, and a question whose value did not change stops the propagation.
"""

from __future__ import annotations

import heapq

from survey_forms.session_compute import SessionCompute
from survey_forms.session_tree import Path, _common

__all__ = ["SessionPropagation"]


class SessionPropagation(SessionCompute):
    """Recomputing what depends on a change (a base of ``FormSession``)."""

    def _propagate(self, start: list[tuple[str, Path]], force: bool = False) -> None:
        """Recompute from ``start`` through every dependent whose inputs changed."""
        nodes = self.nodes
        heap: list[tuple[int, str, Path]] = []
        queued: set[tuple[str, Path]] = set()
        for name, path in start:
            heapq.heappush(heap, (nodes[name].order, name, path))
            queued.add((name, path))
        forced = set(queued) if force else set()
        to_check: set[tuple[str, Path]] = set()
        value_deps = self.graph.value_dependents
        check_deps = self.graph.check_dependents
        every_instance = self.form.every_instance_readers
        while heap:
            _, name, path = heapq.heappop(heap)
            node = nodes[name]
            try:
                inst = self._instance(node.repeat_path, path)
            except IndexError:
                continue
            changed = self._evaluate(node, inst, path)
            to_check.add((name, path))
            if not changed and (name, path) not in forced:
                continue
            extra: list[tuple[str, Path]] = []
            if node.type == "repeat" and changed:
                extra = self._outside_readers(name, path)
            for dependent, target_path in extra:
                key = (dependent, target_path)
                if key not in queued:
                    queued.add(key)
                    heapq.heappush(heap, (nodes[dependent].order, dependent, target_path))
                    forced.add(key)
            readers = every_instance.get(name, ())
            for dependent in value_deps[name]:
                target = nodes[dependent]
                # indexed-repeat() reads the question in every instance: all of them matter
                depth = 0 if dependent in readers else _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, path[:depth]):
                    key = (dependent, target_path)
                    if key not in queued:
                        queued.add(key)
                        heapq.heappush(heap, (target.order, dependent, target_path))
            for dependent in check_deps[name]:
                target = nodes[dependent]
                depth = 0 if dependent in readers else _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, path[:depth]):
                    to_check.add((dependent, target_path))
        for name, path in to_check:
            node = nodes[name]
            try:
                inst = self._instance(node.repeat_path, path)
            except IndexError:
                continue
            self._check(node, inst, path)
        if self._capped and self._room() > 0:
            self._refill_capped()

    def _refill_capped(self) -> None:
        """Give repeats capped by :data:`MAX_INSTANCES` the room freed since (once per change).

        A full recompute evaluates every repeat_count again; after a change, nothing a capped
        repeat reads may have changed (an instance of another repeat was removed), so it is
        evaluated again directly.
        """
        starts = [(node.name, path) for node, path, _ in self._capped_issues()]
        # evaluating them notes again those still capped; each round adds instances or ends
        # with no room left, so this ends
        self._capped = {}
        self._propagate(starts, force=True)

    def _outside_readers(self, repeat: str, outer: Path) -> list[tuple[str, Path]]:
        """Questions outside ``repeat`` that read questions inside it (count, sum...).

        When the repeat's instances change, or it becomes (ir)relevant, the node-sets they read
        change even where no single value did, so they must be recomputed.
        """
        out = []
        for name in (repeat, *self.graph.in_repeat.get(repeat, [])):
            node = self.nodes[name]
            for dependent in (
                *self.graph.value_dependents[name],
                *self.graph.check_dependents[name],
            ):
                target = self.nodes[dependent]
                if repeat in target.repeat_path:
                    continue
                depth = _common(node.repeat_path, target.repeat_path)
                for target_path, _ in self._paths(target.repeat_path, outer[:depth]):
                    out.append((dependent, target_path))
        return out

    def _structure_changed(
        self, repeat: str, outer: Path, *, new: int | None = None, moved_from: int | None = None
    ) -> None:
        """After instances of ``repeat`` were added, removed or moved under ``outer``.

        ``new`` is the index of an added instance: everything in it is computed. From
        ``moved_from`` on, instances changed position: questions using ``position(..)`` there
        are recomputed. The other instances keep their state (it lives in their
        :class:`Instance`), so adding to a long repeat does not recompute it all.
        """
        start = self._outside_readers(repeat, outer)
        inside = self.graph.in_repeat.get(repeat, [])
        every_instance = self.form.every_instance_readers
        for name in inside:  # indexed-repeat() readers: the instances they index changed
            for reader in every_instance.get(name, ()):
                node = self.nodes[reader]
                start.extend((reader, path) for path, _ in self._paths(node.repeat_path, ()))
        if new is not None:
            for name in inside:
                node = self.nodes[name]
                start.extend(
                    (name, path) for path, _ in self._paths(node.repeat_path, (*outer, new))
                )
        if moved_from is not None:
            count = len(
                self._instance(self.nodes[repeat].repeat_path, outer).repeats.get(repeat, [])
            )
            for name in inside:
                node = self.nodes[name]
                if not node.uses_position:
                    continue
                for index in range(moved_from, count):
                    start.extend(
                        (name, path) for path, _ in self._paths(node.repeat_path, (*outer, index))
                    )
        self._propagate(start, force=True)
