"""The compiled columns of one export table: headers and a fast row builder (pure).

Cells:

* text answers as they are; integers and decimals as numbers;
* select_one: the choice name, or its label with ``labels``; select_multiple: the names
  separated by spaces (labels separated by ``"; "`` with ``labels``, as labels hold spaces), and
  with ``split_select_multiple`` one more column per value (``1`` chosen, else ``0``, also when
  the question is unanswered, as in Central);
* geopoint: four columns ``-Latitude``, ``-Longitude``, ``-Altitude``, ``-Accuracy``;
* image, audio, video, file: the file name;
* geotrace, geoshape: ``lat lon alt acc;lat lon alt acc;...`` (:func:`.csv_cells.cell_text`);
* rank: the choice names in order, separated by spaces;
* unanswered: empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from .columns import TableSpec
from .csv_cells import cell_text
from .records import ExportOptions

__all__ = ["TablePlan"]

_GEO_PARTS = (
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("Altitude", "altitude"),
    ("Accuracy", "accuracy"),
)
_GEO_KEYS = tuple(key for _, key in _GEO_PARTS)
_NUMERIC_TYPES = frozenset(("integer", "decimal", "range"))


class TablePlan:
    """The compiled columns of one table: headers and a fast row builder.

    A row is built by laying the answers over a dict of defaults (every column ``""``), putting
    the cells of select_multiple, geopoint, image and (with ``labels``) select_one questions in
    under their own keys, and reading every cell at once with one ``itemgetter``.
    """

    def __init__(
        self,
        spec: TableSpec,
        choices: Mapping[str, Sequence[Any]],
        options: ExportOptions,
        default_lang: str,
        select_values: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.spec = spec
        self.headers: list[str] = []
        keys: list[Any] = []
        self.labelled: list[tuple[str, dict[str, str]]] = []
        self.multi: list[tuple[str, dict[str, str] | None]] = []
        self.split: list[tuple[str, list[str]]] = []
        self.geo: list[str] = []
        self.image: list[str] = []
        #: Fields whose answer may be a JSON integer (decoded as int): given as text here.
        self.numeric: list[str] = []
        lang = options.lang or default_lang
        for f in spec.fields:
            header = "-".join((*f.groups, f.name)) if options.group_prefix else f.name
            items = list(choices.get(f.list_name or "", ()))
            labels = {c.name: c.label(lang, default_lang) for c in items}
            if f.type == "select_multiple":
                self.multi.append((f.name, labels if options.labels else None))
                self.headers.append(header)
                keys.append(f.name)
                if options.split_select_multiple:
                    names = list(
                        select_values[f.name]
                        if select_values is not None and f.name in select_values
                        else (c.name for c in items)
                    )
                    self.split.append((f.name, names))
                    self.headers.extend(f"{header}/{name}" for name in names)
                    keys.extend(("split", f.name, name) for name in names)
            elif f.type == "geopoint":
                self.geo.append(f.name)
                self.headers.extend(f"{header}-{title}" for title, _ in _GEO_PARTS)
                keys.extend(("geo", f.name, key) for key in _GEO_KEYS)
            else:
                if f.type == "select_one" and options.labels:
                    self.labelled.append((f.name, labels))
                elif f.type == "image":
                    self.image.append(f.name)
                elif f.type in _NUMERIC_TYPES:
                    self.numeric.append(f.name)
                self.headers.append(header)
                keys.append(f.name)
        #: What each cell holds: a question name, or ``("geo"|"split", name, part)``.
        self.keys: list[Any] = keys
        #: split columns are 0 unless chosen (Central's frame), the other cells empty
        self.defaults: dict[Any, Any] = {
            key: "0" if key.__class__ is tuple and key[0] == "split" else "" for key in keys
        }
        if len(keys) > 1:
            self._get: Callable[[dict[Any, Any]], tuple[Any, ...]] = itemgetter(*keys)
        elif keys:
            only = keys[0]
            self._get = lambda d: (d[only],)
        else:
            self._get = lambda d: ()

    def cells(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The question cells of one entry or repeat instance (not yet neutralised)."""
        merged = self.defaults | values
        for name in self.numeric:
            value = values.get(name)
            if value.__class__ is int or value.__class__ is float:  # float: answers as pushed
                merged[name] = str(value)
        for name, labels in self.multi:
            value = values.get(name)
            if value.__class__ is list:
                try:
                    merged[name] = (
                        " ".join(value)
                        if labels is None
                        else "; ".join(labels.get(v, v) for v in value)
                    )
                except TypeError:  # not all names are text: the encoder makes text of it
                    merged[name] = value if labels is None else [labels.get(v, v) for v in value]
        for name, _names in self.split:
            value = values.get(name)
            if value.__class__ is list:
                for choice in value:
                    if choice.__class__ is str and ("split", name, choice) in merged:
                        merged["split", name, choice] = "1"
        for name, labels in self.labelled:
            value = values.get(name)
            if value is not None:
                merged[name] = labels.get(value, value)
        for name in self.geo:
            value = values.get(name)
            if value.__class__ is dict:
                for key in _GEO_KEYS:
                    if key in value:
                        part = value[key]
                        merged["geo", name, key] = (
                            part if part.__class__ is str else cell_text(part)
                        )
        for name in self.image:
            value = values.get(name)
            if value.__class__ is dict:
                merged[name] = value.get("filename", "")
        return self._get(merged)
