"""Application settings.

Every setting can be overridden from the environment (see ``_env`` below); the
defaults are for a developer's machine: an SQLite database in ``instance/``.
Production sets at least ``SECRET_KEY``, ``DATABASE_URL`` and
``RATELIMIT_STORAGE_URI`` (see README, "Production").
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env(name: str, default=None):
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ (never in the repo)."""
    key = _env("SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


class Config:
    APP_NAME = "改革报表"
    APP_ICON = ""
    SECRET_KEY = None  # filled in by load_config()

    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gaige.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Flask-AppBuilder: the schema belongs to the migrations, permissions to
    # `flask roles sync` (run by run.py and at deploy).
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_VIEWS = True
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = True
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.ReformSecurityManager"
    FAB_INDEX_VIEW = "app.views.ReformIndexView"
    FAB_BASE_TEMPLATE = "layout.html"  # FAB's layout plus Chinese widgets, favicon, app script
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")

    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "系统管理员"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_USERNAME_CI = False

    # Password policy, enforced on every path (web, API, CLI, import).
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = None  # set to the policy in app/__init__
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 8)

    # Login limit (web form and REST login): failed attempts only, per account
    # and per address (see app/security/login_throttle.py).
    AUTH_RATE_LIMITED = True
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT = _env("AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT",
                                               "5 per 15 minutes")
    AUTH_FAILED_LOGIN_LIMIT_PER_ADDRESS = _env("AUTH_FAILED_LOGIN_LIMIT_PER_ADDRESS",
                                               "30 per 15 minutes")
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    # CSRF on every form and every state-changing request (see app/security/csrf.py).
    WTF_CSRF_ENABLED = True
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Session cookie: HttpOnly, SameSite=Lax, Secure behind TLS, idle timeout.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_REFRESH_EACH_REQUEST = True
    REMEMBER_COOKIE_HTTPONLY = True
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=_env_int("JWT_ACCESS_MINUTES", 30))

    # Number of reverse proxies in front of the app whose X-Forwarded-* to trust.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)

    # Chinese by default; English can be chosen from the language menu.
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Files: uploads live outside the static folder.
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    # MAX_CONTENT_LENGTH is derived from MAX_UPLOAD_MB in create_app()

    DEMO_PASSWORD = _env("DEMO_PASSWORD", "Gaige@2026")

    TESTING = False


def load_config(overrides: dict | None = None) -> dict:
    """The settings as a dict: class defaults, then the environment, then overrides."""
    cfg = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg["SECRET_KEY"] = _secret_key() if not (overrides or {}).get("SECRET_KEY") else None
    cfg.update(overrides or {})
    return cfg


def setting(app, name: str, default=None):
    """A setting read at run time: ``app.config``, else the environment, else
    ``default`` (empty values count as unset)."""
    value = app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name)
    return default if value in (None, "") else value
