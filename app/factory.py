"""The application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask_appbuilder import AppBuilder
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import db, migrate
from config import INSTANCE_DIR, load_config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the settings of config.py."""
    # the instance folder (job files, the task queue's SQLite file, backups):
    # INSTANCE_PATH of the environment (config.py), or of ``config``
    instance = (config or {}).get("INSTANCE_PATH") or INSTANCE_DIR
    app = Flask(__name__, instance_path=str(Path(instance).resolve()),
                instance_relative_config=True)
    app.config.update(load_config(config))
    from app.security.passwords import validate_password

    app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = validate_password
    # a request may carry one file of MAX_UPLOAD_MB plus the form around it
    app.config["MAX_CONTENT_LENGTH"] = (int(app.config["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_FIX_X_FOR"):
        n = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    _import_models()

    migrate.init_app(app, db, directory=MIGRATIONS_DIR, compare_type=True, render_as_batch=True)

    with app.app_context():
        from app.security.menu_cache import ReformMenu

        appbuilder = AppBuilder(menu=ReformMenu())
        appbuilder.init_app(app, db.session)
        _register_views(appbuilder)

    from app.security.menu_cache import init_app as init_menu_cache

    init_menu_cache(app)  # the navigation menu, rendered once per permission set
    from app.security.csrf import init_csrf

    init_csrf(app)  # after FAB's before_request, which sets g.user
    from app.guards import init_guards

    init_guards(app)
    from app.ops import init_app as init_ops

    init_ops(app)  # health check, request logs, SQLite WAL, busy → 503, flask backup

    _register_error_handlers(app)
    _register_cli(app)
    return app


def _import_models() -> None:
    """Import every model module so that the metadata is complete."""
    import app.security.models  # noqa: F401
    import app.attachments.models  # noqa: F401
    import app.units.models  # noqa: F401
    import app.workflow.models  # noqa: F401
    import app.records
    import app.scoring.models  # noqa: F401
    import app.reports.models  # noqa: F401
    import app.audit.models  # noqa: F401

    app.records.load()


def _register_views(appbuilder: AppBuilder) -> None:
    from app.attachments.views import AttachmentView
    from app.scoring.views import SchemeIndicatorModelView, SchemeModelView
    from app.security.user_import import UserImportView
    from app.units.views import UnitModelView
    from app.kit.setup import register_record_types
    from app.records import register_extras
    from app.workflow.setup import register_views as register_workflow_views

    appbuilder.add_view(
        UnitModelView, "Units", label="单位管理", icon="fa-sitemap",
        category="Security", category_label="系统管理",
    )
    appbuilder.add_view(
        UserImportView, "Import Users", label="批量导入用户", icon="fa-upload",
        category="Security", category_label="系统管理",
    )
    appbuilder.add_view_no_menu(AttachmentView)
    register_workflow_views(appbuilder)
    register_record_types(appbuilder)
    register_extras(appbuilder)
    appbuilder.add_view(SchemeModelView, "Schemes", label="指标体系", icon="fa-list-ol",
                        category="Scoring", category_label="指标体系")
    appbuilder.add_view_no_menu(SchemeIndicatorModelView)
    from app.reports import register as register_reports

    register_reports(appbuilder)
    from app.audit import register as register_audit

    register_audit(appbuilder)


ERROR_MESSAGES = {
    400: "请求格式不正确",
    403: "您没有访问该页面的权限",
    404: "页面或记录不存在，或不在您的可见范围内",
    405: "不支持该请求方法",
    500: "服务器内部错误，请稍后重试；如仍有问题请联系系统管理员",
}


def _register_error_handlers(app: Flask) -> None:
    def _plain(status):
        def handler(exc):
            message = ERROR_MESSAGES[status]
            if request.path.startswith("/api/"):
                return jsonify(message=message), status
            try:
                return error_page(app, message, status)
            except Exception:  # noqa: BLE001 - the error page itself failed: plain text
                log.exception("error page for %s failed", status)
                return message, status

        return handler

    for status in ERROR_MESSAGES:
        app.register_error_handler(status, _plain(status))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        message = "请求缺少有效的安全令牌（CSRF），请刷新页面后重试"
        if request.path.startswith("/api/"):
            return jsonify(message=message), 400
        return error_page(app, message, 400)

    @app.errorhandler(413)
    def _too_large(exc):
        message = f"上传内容超过 {app.config['MAX_UPLOAD_MB']} MB 上限"
        if request.path.startswith("/api/"):
            return jsonify(message=message), 413
        return error_page(app, message, 413)

    @app.errorhandler(429)
    def _too_many(exc):
        message = "登录尝试过于频繁，请稍后再试"
        if request.path.startswith("/api/"):
            return jsonify(message=message), 429
        return error_page(app, message, 429)


def error_page(app: Flask, message: str, status: int):
    return render_template(
        "error.html", message=message, appbuilder=app.appbuilder,
        base_template=app.appbuilder.base_template,
    ), status


def _register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
