"""Where the app keeps its data, following the platform's conventions.

* ``FIELD_APP_DATA_DIR`` in the environment wins (tests, several officers on one computer).
* On Android: the app's private storage (``ANDROID_PRIVATE``, set by python-for-android), or
  ``android.storage.app_storage_path()`` when that module is available.
* Elsewhere: ``platformdirs.user_data_path`` (``~/.local/share/kpk-field-survey`` on Linux).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

__all__ = [
    "APP_AUTHOR",
    "APP_NAME",
    "attachments_dir",
    "ca_bundle_path",
    "data_dir",
    "install_ca_bundle",
    "store_dir",
]

APP_NAME = "kpk-field-survey"
APP_AUTHOR = "KPK"


def _android_private(env: Mapping[str, str]) -> Path | None:
    if "ANDROID_PRIVATE" in env:
        return Path(env["ANDROID_PRIVATE"])
    if "ANDROID_ARGUMENT" in env or "ANDROID_APP_PATH" in env:
        try:  # pragma: no cover - only on a device
            from android.storage import app_storage_path  # type: ignore[import-not-found]
        except ImportError:  # pragma: no cover
            return None
        return Path(app_storage_path())  # pragma: no cover
    return None


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return (without creating) the app's data folder for this platform."""
    env = os.environ if env is None else env
    if env.get("FIELD_APP_DATA_DIR"):
        return Path(env["FIELD_APP_DATA_DIR"])
    android = _android_private(env)
    if android is not None:
        return android / APP_NAME
    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR)


def store_dir(base: Path) -> Path:
    """The folder of the TinyDB files inside a data folder."""
    return base / "store"


def attachments_dir(base: Path) -> Path:
    """The folder of photos (named by their sha256) inside a data folder."""
    return base / "attachments"


def ca_bundle_path(base: Path) -> Path | None:
    """The certificate authority file the app trusts for HTTPS, if one is installed."""
    path = base / "ca-bundle.pem"
    return path if path.is_file() else None


def install_ca_bundle(base: Path, source: Path) -> Path:
    """Copy a PEM certificate authority file into the data folder; return where it went.

    Raises ``ValueError`` (with a sentence for people) when ``source`` is not a PEM certificate.
    """
    try:
        text = source.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the certificate file {source.name}: {exc}") from exc
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError(f"{source.name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    base.mkdir(parents=True, exist_ok=True)
    target = base / "ca-bundle.pem"
    partial = target.with_suffix(".pem.part")
    partial.write_text(text, "ascii")
    partial.replace(target)
    return target
