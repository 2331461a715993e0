"""The login limit: failed attempts only, per account and per address.

A successful login counts for nothing, so colleagues behind one office (NAT)
address log in freely. Failures are counted with the ``limits`` library in the
storage Flask-Limiter uses (``RATELIMIT_STORAGE_URI``: memory:// on a
developer's machine and in the tests, Redis in production, shared by every
worker), in a moving window:

- per account, ``AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT`` (default
  "5 per 15 minutes"); a login name that is an account's mobile number or
  e-mail address counts for that account, any other name for itself;
- per client address, ``AUTH_FAILED_LOGIN_LIMIT_PER_ADDRESS`` (default
  "30 per 15 minutes").

Once either is used up, every attempt is refused without the password being
checked — the right password too — until the window has moved on. The switch
is ``AUTH_RATE_LIMITED`` (with Flask-Limiter's ``RATELIMIT_ENABLED``). When the
storage cannot be reached, a login fails with an error, unless
``RATELIMIT_SWALLOW_ERRORS`` is set (as for Flask-Limiter): then the attempt is
let through unlimited and the error logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MovingWindowSupport
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

ACCOUNT_SETTING = "AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT"
ADDRESS_SETTING = "AUTH_FAILED_LOGIN_LIMIT_PER_ADDRESS"
DEFAULT_ACCOUNT_LIMIT = "5 per 15 minutes"
DEFAULT_ADDRESS_LIMIT = "30 per 15 minutes"

log = logging.getLogger(__name__)

NAMESPACE = "login-failures"
_PLAIN_NAME = re.compile(r"^[\w.@+-]{1,64}$")


@dataclass(frozen=True)
class Blocked:
    """Why a login attempt is refused, and for how long."""

    message: str
    retry_after: int  # seconds


def _name_key(name: str) -> str:
    name = (name or "").strip().lower()
    return name if _PLAIN_NAME.match(name) else hashlib.sha256(name.encode()).hexdigest()


class LoginThrottle:
    def __init__(self, storage):
        if isinstance(storage, MovingWindowSupport):
            self._strategy = MovingWindowRateLimiter(storage)
        else:  # e.g. memcached: fixed windows
            self._strategy = FixedWindowRateLimiter(storage)

    def _counters(self, account: str, address: str | None):
        config = current_app.config
        yield (parse(config.get(ACCOUNT_SETTING, DEFAULT_ACCOUNT_LIMIT)),
               ("account", account), "该账号登录失败次数过多")
        yield (parse(config.get(ADDRESS_SETTING, DEFAULT_ADDRESS_LIMIT)),
               ("address", address or "unknown"), "本地址登录失败次数过多")

    def blocked(self, account: str, address: str | None) -> Blocked | None:
        """The reason to refuse an attempt now, or None."""
        return self._guarded(self._blocked, account, address)

    def record_failure(self, account: str, address: str | None) -> None:
        self._guarded(self._record_failure, account, address)

    def _blocked(self, account, address):
        for limit, key, what in self._counters(account, address):
            if not self._strategy.test(limit, NAMESPACE, *key):
                reset_at = self._strategy.get_window_stats(limit, NAMESPACE, *key).reset_time
                seconds = max(1, math.ceil(reset_at - time.time()))
                minutes = max(1, math.ceil(seconds / 60))
                return Blocked(f"{what}，请 {minutes} 分钟后再试", seconds)
        return None

    def _record_failure(self, account, address):
        for limit, key, _ in self._counters(account, address):
            self._strategy.hit(limit, NAMESPACE, *key)

    @staticmethod
    def _guarded(call, *args):
        try:
            return call(*args)
        except Exception:
            if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
                raise
            log.exception("login limit storage unavailable: attempt not limited")
            return None


def account_key(sm, username: str | None) -> str:
    """The counter's key for a login name: the account it logs in to (FAB
    accepts the login name or the e-mail address), else the name itself."""
    user = None
    if username:
        # both look-ups always, like FAB's auth_user_db: no timing hint of which matched
        by_name, by_email = sm.find_user(username=username), sm.find_user(email=username)
        user = by_name or by_email
    if user is not None:
        return f"id:{user.id}"
    return f"name:{_name_key(username or '')}"


def client_address() -> str | None:
    return get_remote_address()
