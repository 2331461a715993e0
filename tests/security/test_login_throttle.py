"""The login limit counts failed attempts only: per account (default 5 per 15
minutes) and per address (default 30 per 15 minutes). Colleagues behind one
office NAT address log in freely; a guessed password is refused once the
account or the address is blocked, even when it is the right one."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from tests.helpers import DEMO_PASSWORD
from tests.security.util import api_login, client_at, web_login, web_login_ok

WRONG = "Wrong@Pass1"
DEMO = ["13900000001", "13900000002", "13900000011", "13900000012", "13900000013",
        "13900000021", "13900000022", "13900000023", "13900000031", "13900000032",
        "13900000041", "13900000051", "13900000061", "13900000099"]
ACCOUNT_SETTING = "AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT"
ADDRESS_SETTING = "AUTH_FAILED_LOGIN_LIMIT_PER_ADDRESS"


def _web(app, address, mobile, password=DEMO_PASSWORD):
    return web_login(client_at(app, address), mobile, password)


def _api(app, address, mobile, password=DEMO_PASSWORD):
    return api_login(client_at(app, address), mobile, password)


def _assert_web_blocked(resp):
    assert resp.status_code == 429, resp.status_code
    page = resp.get_data(as_text=True)
    assert "登录失败次数过多" in page and "分钟后再试" in page
    assert int(resp.headers["Retry-After"]) > 0


def _assert_api_blocked(resp):
    assert resp.status_code == 429, resp.get_data(as_text=True)
    message = resp.get_json()["message"]
    assert "登录失败次数过多" in message and "分钟后再试" in message
    assert int(resp.headers["Retry-After"]) > 0


# -- successes do not count ---------------------------------------------------

def test_ten_colleagues_behind_one_address_log_in_on_the_web(app):
    office = "10.60.0.1"
    for mobile in DEMO[:10]:
        assert web_login_ok(_web(app, office, mobile)), mobile
    # and once more each: still nothing counted
    for mobile in DEMO[:10]:
        assert web_login_ok(_web(app, office, mobile)), mobile


def test_ten_colleagues_behind_one_address_log_in_by_api(app):
    office = "10.60.0.2"
    for mobile in DEMO[:10] * 2:
        assert _api(app, office, mobile).status_code == 200, mobile


def test_one_account_logs_in_many_times(app):
    for _ in range(12):
        assert _api(app, "10.60.0.3", "13900000011").status_code == 200


# -- per account --------------------------------------------------------------

def test_five_failures_block_the_account_on_the_web(app):
    office = "10.61.0.1"
    for _ in range(5):
        resp = _web(app, office, "13900000011", WRONG)
        assert resp.status_code == 302 and not web_login_ok(resp)
    # the sixth attempt is refused even with the right password
    _assert_web_blocked(_web(app, office, "13900000011"))
    # from any address: the limit is the account's
    _assert_web_blocked(_web(app, "10.61.0.99", "13900000011"))
    _assert_api_blocked(_api(app, "10.61.0.98", "13900000011"))
    # colleagues behind the same address are not affected
    for mobile in ("13900000012", "13900000013", "13900000021"):
        assert web_login_ok(_web(app, office, mobile)), mobile


def test_five_failures_block_the_account_on_the_api(app):
    office = "10.61.0.2"
    codes = [_api(app, office, "13900000011", WRONG).status_code for _ in range(5)]
    assert codes == [401] * 5
    _assert_api_blocked(_api(app, office, "13900000011"))
    _assert_web_blocked(_web(app, office, "13900000011"))
    assert _api(app, office, "13900000012").status_code == 200
    assert web_login_ok(_web(app, office, "13900000013"))


def test_web_and_api_failures_add_up(app):
    for i in range(5):
        if i % 2:
            assert _api(app, "10.61.0.3", "13900000011", WRONG).status_code == 401
        else:
            assert not web_login_ok(_web(app, "10.61.0.4", "13900000011", WRONG))
    _assert_api_blocked(_api(app, "10.61.0.5", "13900000011"))


def test_four_failures_do_not_block_and_a_success_does_not_count(app):
    address = "10.61.0.6"
    for _ in range(4):
        assert _api(app, address, "13900000011", WRONG).status_code == 401
    for _ in range(3):
        assert _api(app, address, "13900000011").status_code == 200
    # the fifth failure is still allowed (successes added nothing) ...
    assert _api(app, address, "13900000011", WRONG).status_code == 401
    # ... and blocks the account
    _assert_api_blocked(_api(app, address, "13900000011"))


def test_failures_by_email_count_for_the_same_account(app):
    """FAB also accepts the e-mail address as the login name: it must not
    give a second budget of attempts on the same account."""
    email = "13900000011@demo.invalid"
    for i in range(5):
        name = email if i % 2 else "13900000011"
        assert _api(app, "10.61.0.7", name, WRONG).status_code == 401
    _assert_api_blocked(_api(app, "10.61.0.8", email))
    _assert_api_blocked(_api(app, "10.61.0.8", "13900000011"))


def test_unknown_login_names_are_counted_too(app):
    for _ in range(5):
        assert _api(app, "10.61.0.9", "13811110000", WRONG).status_code == 401
    _assert_api_blocked(_api(app, "10.61.0.10", "13811110000", WRONG))


def test_block_ends_when_the_window_passes(app, monkeypatch):
    monkeypatch.setitem(app.config, ACCOUNT_SETTING, "2 per 2 seconds")
    for _ in range(2):
        assert _api(app, "10.61.0.11", "13900000011", WRONG).status_code == 401
    _assert_api_blocked(_api(app, "10.61.0.11", "13900000011"))
    time.sleep(2.2)
    assert _api(app, "10.61.0.11", "13900000011").status_code == 200


def test_account_limit_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, ACCOUNT_SETTING, "2 per 15 minutes")
    for _ in range(2):
        assert _api(app, "10.61.0.12", "13900000011", WRONG).status_code == 401
    _assert_api_blocked(_api(app, "10.61.0.12", "13900000011"))


# -- per address --------------------------------------------------------------

def test_many_accounts_failing_from_one_address_block_the_address(app):
    """30 failures spread over accounts (none reaching its own limit) block
    the address, also for an account that never failed; other addresses are
    not affected."""
    attacker = "10.62.0.1"
    n = 0
    for mobile in DEMO[:-1]:
        for _ in range(2):
            assert _api(app, attacker, mobile, WRONG).status_code == 401
            n += 1
    while n < 30:
        assert not web_login_ok(_web(app, attacker, f"1381111{n:04d}", WRONG))
        n += 1
    _assert_api_blocked(_api(app, attacker, DEMO[-1]))
    _assert_web_blocked(_web(app, attacker, DEMO[-1]))
    # the accounts themselves are not blocked: 2 failures each
    assert _api(app, "10.62.0.2", DEMO[0]).status_code == 200
    assert web_login_ok(_web(app, "10.62.0.2", DEMO[-1]))


def test_address_limit_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, ADDRESS_SETTING, "3 per 15 minutes")
    for mobile in DEMO[:3]:
        assert _api(app, "10.62.0.3", mobile, WRONG).status_code == 401
    _assert_api_blocked(_api(app, "10.62.0.3", DEMO[3]))
    assert _api(app, "10.62.0.4", DEMO[3]).status_code == 200


def test_switched_off_with_auth_rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMITED", False)
    for _ in range(7):
        assert _api(app, "10.63.0.1", "13900000011", WRONG).status_code == 401
    assert _api(app, "10.63.0.1", "13900000011").status_code == 200


# -- shared storage -----------------------------------------------------------

REDIS_URI = "redis://127.0.0.1:6379/5"


def test_counts_are_shared_through_redis(tmp_path, database_url, app):
    """Production keeps the counters in Redis, shared by every worker: two
    apps stand for two workers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URI).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from tests.conftest import make_app

    workers = [make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                        RATELIMIT_STORAGE_URI=REDIS_URI) for _ in range(2)]
    workers[0].appbuilder.sm.limiter.reset()
    try:
        office = "10.64.0.1"
        # successes on both workers count for nothing
        for i, mobile in enumerate(DEMO[:10]):
            assert _api(workers[i % 2], office, mobile).status_code == 200
        for i in range(5):
            assert _api(workers[i % 2], office, "13900000011", WRONG).status_code == 401
        _assert_api_blocked(_api(workers[1], office, "13900000011"))
        _assert_web_blocked(_web(workers[0], "10.64.0.2", "13900000011"))
        assert _api(workers[0], office, "13900000012").status_code == 200
        keys = redis.Redis.from_url(REDIS_URI).keys("*")
        assert any(b"login-failures" in k for k in keys), keys
    finally:
        workers[0].appbuilder.sm.limiter.reset()
        for w in workers:
            with w.app_context():
                db.session.remove()


def test_storage_down(tmp_path, database_url, app):
    """Redis unreachable: logins fail with an error (as Flask-Limiter's own
    limits do), unless RATELIMIT_SWALLOW_ERRORS lets them through unlimited."""
    from tests.conftest import make_app

    worker = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                      PROPAGATE_EXCEPTIONS=False)
    try:
        assert _api(worker, "10.65.0.1", "13900000011").status_code == 500
        assert _web(worker, "10.65.0.1", "13900000011").status_code == 500
        worker.config["RATELIMIT_SWALLOW_ERRORS"] = True
        for _ in range(6):
            assert _api(worker, "10.65.0.1", "13900000011", WRONG).status_code == 401
        assert _api(worker, "10.65.0.1", "13900000011").status_code == 200
        assert web_login_ok(_web(worker, "10.65.0.1", "13900000011"))
    finally:
        with worker.app_context():
            db.session.remove()
