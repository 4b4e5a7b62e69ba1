"""Command-line entry points: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from aidbridge.tenancy import all_tenants


def register_cli(app: Flask) -> None:
    for command in (setup, load_areas, demo, worker, scheduler, serve):
        app.cli.add_command(command)


@click.command()
@click.option("--demo/--no-demo", default=True, help="Load the demo tenants and users.")
@with_appcontext
def setup(demo: bool) -> None:
    """Bring the database to the latest schema and load reference (and demo) data."""
    if current_app.config["AIDBRIDGE_ENV"] == "embedded":
        from pathlib import Path

        from aidbridge.config import embedded_pii_key, write_embedded_keys

        instance = Path(current_app.config["INSTANCE_DIR"])
        for name in write_embedded_keys(instance):
            click.echo(f"wrote a random key to instance/{name}")
        # The app was configured before a first setup wrote the key; the demo needs it.
        current_app.config["PII_KEY"] = current_app.config["PII_KEY"] or embedded_pii_key(instance)
    upgrade()
    _load_areas()
    if demo:
        _load_demo()


@click.command("load-areas")
@with_appcontext
def load_areas() -> None:
    """Load or refresh the reference data: areas, need taxonomy, shipped policy packs."""
    _load_areas()


@click.command()
@with_appcontext
def demo() -> None:
    """Load the demo tenants and users (idempotent) and print how to sign in."""
    _load_demo()


def _load_areas() -> None:
    """Reference data: the area tree, the need taxonomy, the policy packs shipped."""
    from aidbridge.areas.service import load_areas as load
    from aidbridge.extensions import db
    from aidbridge.policy.service import install_shipped_packs
    from aidbridge.pool.taxonomy import load_taxonomy

    click.echo(f"areas: {load()} loaded; taxonomy terms: {load_taxonomy()} loaded")
    click.echo(f"policy packs: {install_shipped_packs()} new versions installed")
    db.session.commit()


def _load_demo() -> None:
    from aidbridge.demo import DEMO_PASSWORD, load_demo, load_demo_cases, load_demo_pool

    with all_tenants():
        accounts = load_demo()
        services = load_demo_pool()
        households = load_demo_cases()
    if services:
        click.echo(f"published {services} demo services and a charity project")
    if households:
        click.echo(
            f"registered and assessed {households} demo households; a contract funds a service"
        )
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for tenant_name, username, roles in accounts:
        click.echo(f"  {username:<22} {', '.join(roles):<32} {tenant_name}")


@click.command()
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker(queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker on the named queues (default: all)."""
    from aidbridge.jobs.workers import run_worker

    _require_redis()
    run_worker(list(queues) or None, burst=burst)


@click.command()
@with_appcontext
def scheduler() -> None:
    """Run the RQ cron scheduler that enqueues the periodic jobs."""
    from aidbridge.jobs.workers import run_scheduler

    _require_redis()
    run_scheduler()


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the embedded mode: the app, plus periodic jobs in a background thread."""
    from aidbridge.jobs.workers import start_embedded_ticker

    app = current_app._get_current_object()
    if app.config["JOBS_IN_PROCESS"]:
        start_embedded_ticker(app)
    click.echo(f"AidBridge on http://{host}:{port}/")
    # app.run() is ignored inside the flask CLI, so serve with Werkzeug directly.
    run_simple(host, port, app, use_reloader=False, threaded=True)


def _require_redis() -> None:
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("set REDIS_URL: without Redis, jobs run in process.")
