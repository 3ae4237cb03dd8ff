"""The XLSX writer's batch encoding read back with openpyxl and pandas (pure, no server).

Random rows of awkward texts (quotes, commas, line breaks, ``& < >``, white space at either end,
control characters, markers the writer uses inside, formula starts, numbers in text and numeric
columns, empty cells) go through the CSV field texts (as the export gives them) into a workbook;
each cell must read back as the CSV's text unquoted (control characters left out), a number as
a number in a numeric column, and an empty cell as no value.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_server.export.csv_cells import fixed_cells
from sync_server.export.xlsx import workbook_chunks
from sync_server.export.xlsx_sheet import SheetRows, is_decimal, is_number

_PIECES = st.sampled_from(
    [
        "",
        " ",
        "a",
        "Rp 1.500",
        '"',
        '""',
        ",",
        "\n",
        "\r\n",
        "\t",
        "&",
        "<b>",
        ">",
        "=SUM(A1)",
        "-2.5",
        "+62",
        "@x",
        "87.35",
        "1e-7",
        "12",
        "\x00",
        "\x01",
        "\x02",
        "\x03",
        "\x04",
        "\x1e",
        "\x1f",
        "\x0b",
        "\ufffe",
        "Palembang",
        "ñé 漢",
        "'",
        "'=x",
        "''-",
        "072.5",
    ]
)
CELL = st.lists(_PIECES, max_size=4).map("".join)
XML_ILLEGAL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}


def _book(
    headers: list[str],
    numeric: list[bool],
    rows: list[list[str]],
    batch: int,
    decimal_only: list[bool] | None = None,
) -> bytes:
    sheet = SheetRows(headers, numeric, decimal_only)
    other = SheetRows(["PARENT_KEY", "KEY"], [False, False])
    import sync_server.export.xlsx as xlsx

    old = xlsx._BATCH
    xlsx._BATCH = batch
    try:
        body = b"".join(
            workbook_chunks(
                ["root", "rep"],
                [sheet, other],
                [(0, fixed_cells(r)) for r in rows] + [(1, ["k1", "k1/rep[1]"])],
            )
        )
    finally:
        xlsx._BATCH = old
    return body


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch not in XML_ILLEGAL)


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 12),  # 8 numeric columns or more: the looked-up path
    data=st.data(),
    batch=st.sampled_from([1, 64, 1 << 20]),
)
def test_cells_read_back_as_the_answers(width: int, data: st.DataObject, batch: int) -> None:
    """Every cell reads back as the answer's text (control characters left out), without the
    CSV's quoting and formula apostrophe; a number in a numeric column (a plain decimal in a
    decimal-only column) as a number."""
    kinds = data.draw(
        st.lists(st.sampled_from(["text", "number", "decimal"]), min_size=width, max_size=width)
    )
    numeric = [kind != "text" for kind in kinds]
    rows = data.draw(
        st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=6)
    )
    headers = [f"q{i}" for i in range(width)]
    body = _book(headers, numeric, rows, batch, [kind == "decimal" for kind in kinds])
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    got = [list(r) for r in book["root"].iter_rows(values_only=True)]
    assert got[0] == headers
    assert len(got) == len(rows) + 1
    for row, back in zip(rows, got[1:], strict=True):
        back = back + [None] * (width - len(back))  # openpyxl drops trailing blank cells
        for kind, text, value in zip(kinds, row, back, strict=True):
            # XML cannot hold control characters: left out before the number test
            plain = _clean(text)
            test = {"text": lambda _: False, "number": is_number, "decimal": is_decimal}[kind]
            if plain and test(plain):
                assert isinstance(value, int | float) and not isinstance(value, bool)
                assert value == float(plain)
            else:
                assert value == (plain or None), (text, value)
    assert [list(r) for r in book["rep"].iter_rows(values_only=True)] == [
        ["PARENT_KEY", "KEY"],
        ["k1", "k1/rep[1]"],
    ]


def test_decimal_only_columns_take_plain_decimals() -> None:
    for text in ("72.22", "0", "-3", "0.5", "100", "123456789012345", "-123456789012345.25"):
        assert is_decimal(text), text
    for text in ("007", "+1", "1e5", ".5", "5.", "1234567890123456", "72,2", "", "-", "1.2.3"):
        assert not is_decimal(text), text


def test_pandas_reads_numbers_texts_and_blanks() -> None:
    rows = [
        ["Unit 1", "87.35", "", "a, b", " spasi "],
        ["=1+1", "-2", "tidak", 'kata "kutip"', "x"],
    ]
    body = _book(
        ["nama", "skor", "catatan", "daftar", "teks"], [False, True, True, False, False], rows, 64
    )
    frame = pd.read_excel(io.BytesIO(body), sheet_name="root")
    assert list(frame.columns) == ["nama", "skor", "catatan", "daftar", "teks"]
    assert frame["skor"].tolist() == [87.35, -2]
    assert frame["nama"].tolist() == ["Unit 1", "=1+1"]  # no formula apostrophe
    assert frame["catatan"].isna().tolist() == [True, False]
    assert frame["daftar"].tolist() == ["a, b", 'kata "kutip"']
    assert frame["teks"].tolist() == [" spasi ", "x"]


def test_a_failure_in_the_rows_ends_the_worker_thread() -> None:
    """An error while the rows are read (a database error) reaches the caller after the write
    under way on the deflate thread has ended; the thread is gone, a closed download too."""
    import threading

    import sync_server.export.xlsx as xlsx

    def rows(fail_at: int):
        for n in range(fail_at):
            yield 0, [f"baris {n}", str(n)]
        raise RuntimeError("database gone")

    before = threading.active_count()
    old = xlsx._BATCH
    xlsx._BATCH = 64
    try:
        sheets = [SheetRows(["nama", "n"], [False, True])]
        chunks = workbook_chunks(["root"], sheets, rows(500))
        try:
            for _ in chunks:
                pass
        except RuntimeError as error:
            assert str(error) == "database gone"
        else:
            raise AssertionError("the error was lost")
        sheets = [SheetRows(["nama", "n"], [False, True])]
        closed = workbook_chunks(["root"], sheets, rows(10_000))
        next(closed)
        next(closed)
        closed.close()  # the client went away
    finally:
        xlsx._BATCH = old
    assert threading.active_count() == before
