"""The ``survey-server`` command: database, accounts, forms, demo data, and serving.

::

    survey-server --instance ./instance init-db
    survey-server create-user budi --role officer --region 16.71 --full-name "Budi S."
    survey-server publish-form observasi_v2.xlsx
    survey-server list-forms
    survey-server revoke-tokens budi
    survey-server clean-uploads --days 7
    survey-server seed-demo
    survey-server serve --host 127.0.0.1 --port 5000 --threads 8
    survey-server backup /backups/2026-12-06      (while serving)
    survey-server restore /backups/2026-12-06     (server stopped)
    survey-server check

Errors are printed as one clear line (exit code 1; 2 for wrong usage), never as a traceback.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from . import create_app
from .db import read_tx, write_tx
from .export.cell_worker import start_cell_worker
from .export.command import export_cmd
from .migrate import current_revision, head_revision, upgrade
from .ops_commands import backup_cmd, check_cmd, restore_cmd
from .upload_cleanup_command import clean_uploads_cmd

__all__ = ["DEMO_ACCOUNTS", "cli", "main"]

#: Demo accounts made by ``seed-demo`` (documented in docs/server.md; never use in production).
DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "password": "admin-demo-123",
        "role": "admin",
        "regions": [],
        "full_name": "Admin Demo",
    },
    {
        "username": "supervisor",
        "password": "supervisor-demo-123",
        "role": "supervisor",
        "regions": ["16.71", "16.05"],
        "full_name": "Supervisor Demo",
    },
    {
        "username": "petugas_plg",
        "password": "petugas-demo-123",
        "role": "officer",
        "regions": ["16.71"],
        "full_name": "Petugas Kota Palembang",
    },
    {
        "username": "petugas_mura",
        "password": "petugas-demo-123",
        "role": "officer",
        "regions": ["16.05"],
        "full_name": "Petugas Kabupaten Musi Rawas",
    },
]


def _app(ctx: click.Context) -> Flask:
    instance = ctx.obj["instance"]
    try:
        return create_app({"INSTANCE_PATH": instance})
    except Exception as exc:
        raise click.ClickException(f"cannot start with instance {instance}: {exc}") from exc


def _engine(app: Flask) -> Any:
    return app.extensions["sync_server"].engine


def _require_schema(app: Flask) -> None:
    try:
        current = current_revision(_engine(app))
    except Exception as exc:
        raise click.ClickException(f"cannot open the database: {exc}") from exc
    if current != head_revision():
        raise click.ClickException(
            "the database is not initialised or not up to date: run `survey-server init-db`"
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("instance"),
    show_default=True,
    help="Instance folder (configuration, SQLite database, attachments).",
)
@click.pass_context
def cli(ctx: click.Context, instance: Path) -> None:
    """KPK field survey sync server."""
    ctx.ensure_object(dict)
    ctx.obj["instance"] = instance.resolve()


@cli.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    app = _app(ctx)
    try:
        before = current_revision(_engine(app))
        upgrade(_engine(app))
    except Exception as exc:
        raise click.ClickException(f"migration failed: {exc}") from exc
    after = current_revision(_engine(app))
    if before == after:
        click.echo(f"Database already at schema version {after}.")
    else:
        click.echo(f"Database upgraded from {before or 'empty'} to schema version {after}.")
    from .db import write_tx
    from .entry_scores import refresh_entry_scores

    with write_tx(_engine(app)) as conn:
        scored = refresh_entry_scores(conn)
    if scored:
        click.echo(f"Dashboard scores stored for {scored} entries.")
    from .export.cell_store import refresh_cells

    try:
        stored = refresh_cells(_engine(app), app.extensions["sync_server"].forms)
    except Exception as exc:  # a cache: the schema is ready, exports lay entries out themselves
        click.echo(
            f"Warning: the export cells could not be laid out ({exc}); exports stay correct "
            "but slower until `survey-server init-db` runs again.",
            err=True,
        )
        return
    if stored:
        click.echo(f"Export cells laid out for {stored} entries.")


@cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["officer", "supervisor", "admin"]), required=True)
@click.option("--region", "regions", multiple=True, help="Region code, e.g. 16.71 (repeatable).")
@click.option("--full-name", default="", help="Full name shown in the review pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def create_user_cmd(
    ctx: click.Context,
    username: str,
    role: str,
    regions: tuple[str, ...],
    full_name: str,
    password_stdin: bool,
) -> None:
    """Create an account (the password is asked for, or read with --password-stdin)."""
    from .users import UserError, create_user

    app = _app(ctx)
    _require_schema(app)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with write_tx(_engine(app)) as conn:
            user = create_user(conn, username, password, role, list(regions), full_name, "cli")
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.username} (regions: {', '.join(user.regions) or '-'}).")


@cli.command("publish-form")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--media",
    "-m",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A choice file (.csv/.xml) the form names (select_one_from_file); repeatable. "
    "A file not given is looked for beside the form.",
)
@click.pass_context
def publish_form_cmd(ctx: click.Context, file: Path, media: tuple[Path, ...]) -> None:
    """Publish an XLSForm (.xlsx, .xls, .csv, .md) as a new form version, with the choice files
    it names."""
    from survey_forms import FormError

    from .forms_store import FormIncompatibleError, FormVersionExistsError, publish_file

    app = _app(ctx)
    _require_schema(app)
    try:
        with write_tx(_engine(app)) as conn:
            result = publish_file(conn, file, actor="cli", media_paths=list(media))
    except FormError as exc:  # Indonesian first, then English, each saying what to change
        text = exc.message
        raise click.ClickException(f"{file.name}: {text['id']}\n{text['en']}") from exc
    except (FormVersionExistsError, FormIncompatibleError) as exc:
        raise click.ClickException(str(exc)) from exc
    if result["status"] == "unchanged":
        click.echo(
            f"{result['form_id']} version {result['version']} is already published "
            "with this content; nothing to do."
        )
    else:
        click.echo(f"Published {result['form_id']} version {result['version']}: {result['title']}")
        if result["media"]:
            click.echo(f"With the files: {', '.join(result['media'])}")
    for warning in result["warnings"]:
        click.echo(f"Warning: {warning}")


@cli.command("list-forms")
@click.pass_context
def list_forms_cmd(ctx: click.Context) -> None:
    """List the published forms and versions."""
    from .forms_store import list_forms

    app = _app(ctx)
    _require_schema(app)
    with read_tx(_engine(app)) as conn:
        rows = list_forms(conn)
    if not rows:
        click.echo("No forms published yet (survey-server publish-form FILE).")
    for row in rows:
        click.echo(f"{row['form_id']}\t{row['version']}\t{row['published_at']}\t{row['title']}")


@cli.command("revoke-tokens")
@click.argument("username")
@click.pass_context
def revoke_tokens_cmd(ctx: click.Context, username: str) -> None:
    """Revoke every device token of a user (their tablets must sign in again)."""
    from .users import UserError, revoke_user_tokens

    app = _app(ctx)
    _require_schema(app)
    try:
        with write_tx(_engine(app)) as conn:
            count = revoke_user_tokens(conn, username, actor="cli")
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Revoked {count} token(s) of {username}.")


DEMO_BANNER = (
    "*** DEMO ACCOUNTS: these passwords are public. Use them only on a practice or test server,"
    " never on the season's server. ***"
)


@cli.command("seed-demo")
@click.option(
    "--force-demo-accounts",
    is_flag=True,
    help="Create the demo accounts even though the instance holds other (real) accounts.",
)
@click.pass_context
def seed_demo(ctx: click.Context, force_demo_accounts: bool) -> None:
    """Publish both pilot forms and create the demo accounts (safe to run again).

    On an instance that already holds accounts other than the demo ones (a real server), the
    demo accounts are not created unless ``--force-demo-accounts`` is given: the forms are
    published and the command says loudly what it left out.
    """
    from survey_forms import pilot_form_path

    from .forms_store import publish_file
    from .users import create_user, get_user, list_users

    app = _app(ctx)
    _require_schema(app)
    demo_names = {account["username"] for account in DEMO_ACCOUNTS}
    with write_tx(_engine(app)) as conn:
        for name in ("observasi", "survei_masyarakat"):
            result = publish_file(conn, pilot_form_path(name), actor="seed-demo")
            click.echo(f"Form {result['form_id']} {result['version']}: {result['status']}")
        real = sorted(u.username for u in list_users(conn) if u.username not in demo_names)
        if real and not force_demo_accounts:
            click.secho(
                f"Demo accounts NOT created: this instance already holds {len(real)} real "
                f"account(s) ({', '.join(real[:5])}{', ...' if len(real) > 5 else ''}). "
                "Demo accounts have public passwords; give --force-demo-accounts only on a "
                "practice server.",
                fg="yellow",
                err=True,
            )
            return
        click.secho(DEMO_BANNER, fg="red", bold=True, err=True)
        for account in DEMO_ACCOUNTS:
            if get_user(conn, account["username"]) is None:
                create_user(
                    conn,
                    account["username"],
                    account["password"],
                    account["role"],
                    account["regions"],
                    account["full_name"],
                    actor="seed-demo",
                )
            regions = ", ".join(account["regions"]) or "all"
            click.echo(
                f"Demo {account['role']:<10} {account['username']:<13} "
                f"password {account['password']:<20} regions {regions}"
            )
        click.secho(DEMO_BANNER, fg="red", bold=True, err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the API with waitress (the embedded default; see docs/server.md for gunicorn)."""
    import waitress

    from .serving_lock import RestoreRunningError, hold_serving

    app = _app(ctx)
    _require_schema(app)
    try:  # held until the process ends: a restore refuses while this server runs
        serving = hold_serving(Path(app.instance_path), _engine(app))
    except RestoreRunningError as exc:
        raise click.ClickException(f"not started: {exc}") from exc
    except Exception as exc:  # the lock file or the database cannot be reached
        raise click.ClickException(f"not started: the server lock cannot be taken: {exc}") from exc
    app.extensions["sync_server_serving_lock"] = serving
    # the objects made at start-up live as long as the process: keep them out of the garbage
    # collector's full passes (about 10 % of a push's CPU time in a profile)
    gc.freeze()
    start_cell_worker(app)
    from .observability import enable_access_log

    enable_access_log()  # one JSON line per request on standard error
    click.echo(f"Serving on http://{host}:{port} (instance {ctx.obj['instance']})")
    try:
        # waitress drops X-Forwarded-* unless told a proxy is trusted (then ProxyFix reads them)
        waitress.serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="survey-server",
            clear_untrusted_proxy_headers=not app.config["TRUSTED_PROXY_COUNT"],
        )
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc


cli.add_command(export_cmd)
cli.add_command(clean_uploads_cmd)
for _command in (backup_cmd, restore_cmd, check_cmd):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``survey-server``."""
    cli.main(args=argv, prog_name="survey-server")


if __name__ == "__main__":
    main()
