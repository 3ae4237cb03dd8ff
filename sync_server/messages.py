"""Catalog of user-facing API messages: Indonesian (``id``) first, English (``en``) second.

Every error the API returns names a code from :data:`CATALOG`; :func:`message` fills in the
placeholders. A count chooses its English noun in the template: ``{count} {count:issue|issues}``
gives "1 issue" and "2 issues" (Indonesian nouns have one form). An entry is "entri" in
Indonesian; "isian" is only a repeat item. The review pages use Flask-Babel for their own text.
"""

from __future__ import annotations

from survey_forms.plurals import plural_forms

__all__ = ["CATALOG", "message"]

CATALOG: dict[str, dict[str, str]] = {
    "bad_request": {
        # the detail is a developer's English sentence (in "en" only), never Indonesian text
        "id": "Permintaan tidak valid.",
        "en": "Bad request: {detail}",
    },
    "invalid_device_report": {
        "id": "Header X-Device-Report tidak valid: {detail}. Contoh: waiting=3, drafts=1.",
        "en": "Invalid X-Device-Report header: {detail}. Example: waiting=3, drafts=1.",
    },
    "malformed_json": {
        "id": "Isi permintaan bukan JSON yang valid.",
        "en": "The request body is not valid JSON.",
    },
    "number_out_of_range": {
        "id": "Isi permintaan memuat angka di luar jangkauan ({number}): "
        "angka harus terbatas dan dapat disimpan.",
        "en": "The request body holds a number out of range ({number}): numbers must be finite "
        "and fit a double-precision float.",
    },
    "entry_mismatch": {
        "id": "Entri {entry_id} sudah ada untuk formulir {entry_form} di wilayah {entry_region}; "
        "revisi ini untuk formulir {form_id} di wilayah {region}. Tidak ada yang diubah.",
        "en": "Entry {entry_id} exists for form {entry_form} in region {entry_region}; this "
        "revision is for form {form_id} in region {region}. Nothing was changed.",
    },
    "not_utf8": {
        "id": "Isi permintaan bukan teks UTF-8.",
        "en": "The request body is not UTF-8 text.",
    },
    "unsupported_media_type": {
        "id": "Isi permintaan harus JSON (Content-Type: application/json).",
        "en": "The request body must be JSON (Content-Type: application/json).",
    },
    "too_large": {
        "id": "Permintaan terlalu besar (batas {limit} byte).",
        "en": "The request is too large (limit {limit} {limit:byte|bytes}).",
    },
    "not_found": {
        "id": "Alamat atau data tidak ditemukan.",
        "en": "Not found.",
    },
    "method_not_allowed": {
        "id": "Metode HTTP ini tidak diizinkan di alamat ini.",
        "en": "This HTTP method is not allowed here.",
    },
    "unauthorized": {
        "id": "Silakan masuk terlebih dahulu (token tidak ada).",
        "en": "Sign in first (no token given).",
    },
    "invalid_token": {
        "id": "Token tidak berlaku, kedaluwarsa atau sudah dicabut. Silakan masuk lagi.",
        "en": "The token is invalid, expired or revoked. Please sign in again.",
    },
    "invalid_credentials": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong user name or password.",
    },
    "rate_limited": {
        "id": "Terlalu banyak percobaan masuk. Coba lagi dalam {seconds} detik.",
        "en": "Too many sign-in attempts. Try again in {seconds} {seconds:second|seconds}.",
    },
    "forbidden": {
        "id": "Anda tidak berwenang untuk tindakan ini.",
        "en": "You are not allowed to do this.",
    },
    "internal_error": {
        "id": "Terjadi kesalahan pada server. Kesalahan sudah dicatat.",
        "en": "The server had an error. It has been logged.",
    },
    "storage_full": {
        "id": "Penyimpanan server penuh, jadi tidak ada yang disimpan. Beri tahu admin server "
        "agar mengosongkan ruang disk, lalu coba lagi.",
        "en": "The server's storage is full, so nothing was saved. Tell the server's admin to "
        "free disk space, then try again.",
    },
    "unknown_form": {
        "id": "Formulir {form_id} versi {version} tidak dikenal di server.",
        "en": "Form {form_id} version {version} is not known to the server.",
    },
    "unknown_form_media": {
        "id": "Berkas itu tidak diterbitkan bersama formulir {form_id} versi {version}.",
        "en": "That file was not published with form {form_id} version {version}.",
    },
    "region_forbidden": {
        "id": "Anda tidak ditugaskan di wilayah {region}.",
        "en": "You are not assigned to region {region}.",
    },
    "malformed": {
        "id": "Revisi tidak lengkap atau rusak. Laporkan kepada admin.",
        "en": "The revision is malformed: {detail}",
    },
    "invalid": {
        "id": "Jawaban tidak valid untuk formulir ini ({count} masalah).",
        "en": "The answers are not valid for this form ({count} {count:issue|issues}).",
    },
    "unknown_parent": {
        "id": "Revisi induk {parent_rev} tidak ada di server.",
        "en": "The parent revision {parent_rev} is not on the server.",
    },
    "not_owner": {
        "id": "Entri ini milik petugas lain.",
        "en": "This entry belongs to another officer.",
    },
    "entry_deleted": {
        "id": "Entri ini sudah dihapus oleh admin.",
        "en": "This entry has been deleted by an admin.",
    },
    "hash_mismatch": {
        "id": "Isi berkas tidak cocok dengan SHA-256 {sha256}.",
        "en": "The file content does not match SHA-256 {sha256}.",
    },
    "bad_hash": {
        "id": "Bukan SHA-256 yang valid (64 digit heksadesimal huruf kecil).",
        "en": "Not a valid SHA-256 (64 lower-case hexadecimal digits).",
    },
    "stale_parent": {
        "id": "Entri sudah berubah (revisi terbaru {head_rev}). Muat ulang lalu ulangi.",
        "en": "The entry has changed (current revision {head_rev}). Reload and try again.",
    },
    "invalid_status": {
        "id": "Status tinjauan tidak dikenal: {status}.",
        "en": "Unknown review status: {status}.",
    },
    "unresolved_conflict": {
        "id": "Entri ini memiliki konflik yang harus diselesaikan terlebih dahulu.",
        "en": "This entry has a conflict that must be resolved first.",
    },
    "no_conflict": {
        "id": "Entri ini tidak memiliki konflik.",
        "en": "This entry has no conflict.",
    },
    "form_version_exists": {
        "id": "Formulir {form_id} versi {version} sudah diterbitkan dengan isi berbeda. "
        "Naikkan nomor versi.",
        "en": "Form {form_id} version {version} is already published with different content. "
        "Raise the version number.",
    },
    "bad_cursor": {
        "id": "Kursor sinkronisasi tidak valid.",
        "en": "The sync cursor is not valid.",
    },
    "unknown_officer": {
        "id": "Petugas {officer} tidak ada atau tidak aktif.",
        "en": "Officer {officer} does not exist or is not active.",
    },
    "officer_region": {
        "id": "Petugas {officer} tidak ditugaskan di wilayah {region}. Ubah wilayah petugas "
        "atau pindahkan entri ke wilayah lain.",
        "en": "Officer {officer} is not assigned to region {region}. Change the officer's "
        "regions or move the entry to another region.",
    },
    "nothing_to_move": {
        "id": "Entri ini sudah berada di wilayah dan petugas tersebut.",
        "en": "This entry is already in that region and with that officer.",
    },
    "region_mismatch": {
        "id": "Wilayah entri ({region}) tidak sama dengan jawaban pertanyaan wilayah "
        "{question} ({answer}).",
        "en": "The entry's region ({region}) does not match the answer to the region "
        "question {question} ({answer}).",
    },
    "unsupported_attachment_type": {
        "id": "Lampiran harus berupa foto JPEG, PNG atau WebP, rekaman suara atau video "
        "(MP3, AAC, M4A, AMR, Ogg, WAV, FLAC, MP4, 3GP, MOV, WebM) atau dokumen PDF.",
        "en": "An attachment must be a JPEG, PNG or WebP photo, a sound or video recording "
        "(MP3, AAC, M4A, AMR, Ogg, WAV, FLAC, MP4, 3GP, MOV, WebM) or a PDF document.",
    },
    "upload_quota_exceeded": {
        "id": "Kuota unggahan penuh: foto yang belum dipakai entri sudah {used} dari {limit} "
        "byte. Kirim entrinya dulu, lalu unggah lagi.",
        "en": "Upload quota full: photos not yet used by an entry take {used} of {limit} "
        "{limit:byte|bytes}. Send the entries first, then upload again.",
    },
    "upload_rate_limited": {
        "id": "Terlalu banyak unggahan dalam satu jam (batas {limit} byte). "
        "Coba lagi dalam {seconds} detik.",
        "en": "Too many uploads within an hour (limit {limit} {limit:byte|bytes}). "
        "Try again in {seconds} {seconds:second|seconds}.",
    },
    "bad_content_range": {
        "id": "Header Content-Range tidak valid: harus 'bytes <awal>-<akhir>/<total>' dan "
        "berada di dalam berkas.",
        "en": "Invalid Content-Range header: it must be 'bytes <start>-<end>/<total>' and lie "
        "within the file.",
    },
    "upload_offset_mismatch": {
        "id": "Unggahan ini dilanjutkan dari byte yang salah: server sudah menerima {offset} byte.",
        "en": "This upload continues from the wrong byte: the server has received "
        "{offset} {offset:byte|bytes}.",
    },
    "repeat_keys_missing": {
        "id": "Ulangan {path} tidak punya kunci (@key), padahal versi sebelumnya punya. Kirim "
        "setiap ulangan dengan @key yang diterima (ulangan baru: kunci baru). Tidak ada yang "
        "disimpan.",
        "en": "Repeat item {path} has no key (@key) although the previous version has keys. "
        "Send every item with the @key you received (a new item: a new key). Nothing "
        "was saved.",
    },
    "repeat_keys_missing_app": {
        "id": "Aplikasi ini terlalu lama: ulangan {path} dikirim tanpa kunci (@key), padahal "
        "entri di server sudah punya kunci. Perbarui aplikasi ke versi terbaru, lalu kirim "
        "lagi. Entri tetap tersimpan di tablet.",
        "en": "This app is too old: repeat item {path} was sent without a key (@key) although "
        "the entry on the server has keys. Update the app to the newest version, then send "
        "again. The entry stays saved on the tablet.",
    },
    "parent_rev_required": {
        "id": "Sebutkan parent_rev: revisi entri yang Anda lihat. Lihat entri lagi, lalu "
        "ulangi. Tidak ada yang disimpan.",
        "en": "Give parent_rev: the revision of the entry you looked at. Look at the entry "
        "again, then repeat. Nothing was saved.",
    },
    "region_change_needs_move": {
        "id": "Suntingan tidak boleh mengubah wilayah entri ({region}) menjadi {answer} "
        "(pertanyaan {question}). Untuk memindahkan entri ke wilayah lain, admin memakai "
        "Pindahkan. Tidak ada yang disimpan.",
        "en": "An edit may not change the entry's region ({region}) to {answer} (question "
        "{question}). To move an entry to another region, an admin uses Move. Nothing was "
        "saved.",
    },
}


def message(code: str, **params: object) -> dict[str, str]:
    """Return ``{"id": ..., "en": ...}`` for ``code`` with the placeholders filled in."""
    entry = CATALOG[code]
    return {lang: plural_forms(text, params).format(**params) for lang, text in entry.items()}

