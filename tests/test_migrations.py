"""Migrations: one head, and `upgrade` from empty builds exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from aidbridge.extensions import db as _db


def _scripts(app) -> ScriptDirectory:
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_single_head(app):
    heads = _scripts(app).get_heads()
    assert len(heads) == 1, heads


def test_upgraded_schema_matches_the_models(app):
    # The session fixture built this database with `upgrade` from empty.
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": _db.metadata}
        )
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_migration_file_names_are_date_prefixed(app):
    for script in _scripts(app).walk_revisions():
        name = script.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit() and name[8] == "_", name
