"""A check of an .xlsx file's zip archive before it is opened (a defence against zip bombs).

An .xlsx file is a zip archive of XML parts. A small file can unpack to hundreds of megabytes
(one shared string repeated a million times compresses to almost nothing), and reading it takes
the XML parser minutes and gigabytes. :func:`check_xlsx_archive` reads only the archive's table
of contents (``zipfile`` infolist: the sizes each member declares, which also bound what
``zipfile`` will unpack) and refuses archives whose members together or one by one unpack to
more than an XLSForm ever needs.
"""

from __future__ import annotations

import io
import zipfile

from survey_forms.errors import FormError

__all__ = ["MAX_COMPRESSION_RATIO", "MAX_MEMBERS", "MAX_UNCOMPRESSED_BYTES", "check_xlsx_archive"]

#: Largest total unpacked size of an .xlsx (the largest real XLSForms unpack to a few MiB).
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
#: Most members (sheets, styles, relations...) an .xlsx may hold.
MAX_MEMBERS = 1000
#: Highest unpacked/packed ratio of a member larger than :data:`RATIO_FLOOR_BYTES`
#: (spreadsheet XML packs 5-20 times; a bomb thousands of times).
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024


def check_xlsx_archive(
    data: bytes,
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_members: int = MAX_MEMBERS,
    max_ratio: int = MAX_COMPRESSION_RATIO,
) -> None:
    """Raise :class:`FormError` (Indonesian and English) when the .xlsx archive ``data`` would
    unpack to too much. A file that is not a zip archive passes: the loader reports it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if len(members) > max_members:
        raise FormError(
            f"Berkas XLSX berisi terlalu banyak bagian ({len(members)}, batas {max_members}). / "
            f"The XLSX file holds too many parts ({len(members)}, limit {max_members})."
        )
    total = sum(member.file_size for member in members)
    if total > max_uncompressed:
        raise FormError(
            f"Berkas XLSX terlalu besar setelah dibuka ({total} byte, batas {max_uncompressed}). "
            f"/ The XLSX file is too large once unpacked ({total} bytes, limit {max_uncompressed})."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > max_ratio:
            raise FormError(
                f"Berkas XLSX mencurigakan: bagian {member.filename!r} dimampatkan {ratio:.0f} "
                f"kali (batas {max_ratio}). / Suspicious XLSX file: part {member.filename!r} "
                f"is compressed {ratio:.0f} times (limit {max_ratio})."
            )
