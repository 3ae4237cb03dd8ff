"""``field-app``: start the tablet app (also on a laptop, with typed-in GPS and a file chooser).

Options: ``--server URL`` pre-fills the server address on first run; ``--data-dir DIR`` keeps
the data there instead of the platform's folder (see :mod:`field_app.paths`); ``--ca-bundle
FILE`` installs the PEM file of the certificate authority that signed the server's HTTPS
certificate (an office's own authority) into the data folder, where the app trusts it from then on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "parse_args"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="field-app",
                                     description="KPK field survey tablet app")
    parser.add_argument("--server", metavar="URL", help="server address to pre-fill on first run")
    parser.add_argument("--data-dir", metavar="DIR", type=Path,
                        help="folder of the app's data (default: the platform's)")
    parser.add_argument("--ca-bundle", metavar="FILE", type=Path,
                        help="PEM file of the certificate authority of the server's HTTPS "
                             "certificate (copied into the data folder)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the app until its window is closed."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from field_app.ui.startup import configure_input, configure_logging, prepare_environment

    prepare_environment()  # before the first Kivy import: quiet, real errors still shown
    from field_app.paths import data_dir

    folder = args.data_dir or data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if args.ca_bundle is not None:
        from field_app.paths import install_ca_bundle

        try:
            install_ca_bundle(folder, args.ca_bundle)
        except ValueError as exc:
            print(f"field-app: {exc}", file=sys.stderr)
            return 2
    configure_logging(folder)
    configure_input()
    from field_app.ui.app import FieldApp

    FieldApp(folder, server_url=args.server).run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
