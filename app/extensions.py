"""Extension objects, created once and bound to an app in create_app()."""

import click
from flask import g
from flask.cli import with_appcontext
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_wtf.csrf import CSRFProtect


class _LazyMigrate:
    """``flask_migrate.Migrate``, imported when the migrations are first used
    (``flask db …``, ``flask_migrate.upgrade()``): importing it loads alembic,
    mako and pygments (about 11 MiB) into every web worker, which never needs
    them (docs/performance.md)."""

    def init_app(self, app, db=None, directory="migrations", **kwargs):
        app.extensions["migrate"] = _DeferredMigrateConfig(app, db, directory, kwargs)
        app.cli.add_command(_LazyDbGroup(
            app, name="db", help="数据库迁移（Flask-Migrate）", callback=_db_options,
            params=[click.Option(["-d", "--directory"], default=None),
                    click.Option(["-x", "--x-arg"], multiple=True)]))


@with_appcontext
def _db_options(directory, x_arg):
    """What Flask-Migrate's own ``db`` group does: options for Migrate.get_config()."""
    g.directory = directory
    g.x_arg = x_arg


def _real_migrate(app):
    """Bind the real Flask-Migrate (once) and return its ``db`` command group."""
    config = app.extensions.get("migrate")
    if isinstance(config, _DeferredMigrateConfig):
        from flask_migrate import Migrate

        _, db, directory, kwargs = config._args
        Migrate(app, db, directory, **kwargs)  # replaces the stand-in and the `db` group
    from flask_migrate.cli import db as db_group

    return db_group


class _DeferredMigrateConfig:
    """Stands in ``app.extensions["migrate"]`` until flask_migrate reads it."""

    def __init__(self, app, db, directory, kwargs):
        self._args = (app, db, directory, kwargs)

    def __getattr__(self, name):
        app = self._args[0]
        _real_migrate(app)
        return getattr(app.extensions["migrate"], name)


class _LazyDbGroup(click.Group):
    """``flask db``: Flask-Migrate's command group, imported when invoked."""

    def __init__(self, app, **kwargs):
        super().__init__(**kwargs)
        self._app = app

    def list_commands(self, ctx):
        return _real_migrate(self._app).list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return _real_migrate(self._app).get_command(ctx, cmd_name)


db = get_sqla_class()()
migrate = _LazyMigrate()
csrf = CSRFProtect()
