"""In Debian's Chromium (Playwright): the ranking table sorts in the browser,
the charts draw from the local ECharts file, and the job page's progress bar
ends with the file offered."""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from app.reports import service
from tests.helpers import DEMO_PASSWORD
from tests.reports.util import CITY_LEADER, OFFICE, PERIOD, SCHEME, add_period, quarter_data, user

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def site(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def in_browser(site, steps, timeout=180):
    """Run ``steps(page)`` in Chromium, in a thread of its own: Playwright's
    sync API needs a thread without a running event loop (another part of
    the suite may keep one open in the main thread). Requests that leave the
    site are refused and listed in ``page.outside``."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    failures: list[BaseException] = []

    def run():
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    outside: list[str] = []
                    context.route("**/*", lambda route: (
                        route.continue_() if route.request.url.startswith(site)
                        else (outside.append(route.request.url), route.abort())))
                    page = context.new_page()
                    page.outside = outside
                    steps(page)
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the browser steps did not finish in time"
    if failures:
        raise failures[0]


def _login(page, site, mobile):
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", mobile)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _published(app) -> int:
    with app.app_context():
        quarter_data()
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(snap.id, user(OFFICE))
        return snap.id


def _column(page, cls):
    return page.eval_on_selector_all(
        f"#ranking tbody td.{cls}", "cells => cells.map(c => parseFloat(c.dataset.v))")


def test_ranking_sorts_and_charts_draw(app, site):
    sid = _published(app)

    def steps(page):
        _login(page, site, CITY_LEADER)
        page.goto(f"{site}/reports/{sid}")
        totals = _column(page, "total")
        assert totals == sorted(totals, reverse=True)
        page.click("#ranking thead th:has-text('总分')")
        assert _column(page, "total") == sorted(totals)
        page.click("#ranking thead th:has-text('总分')")
        assert _column(page, "total") == sorted(totals, reverse=True)
        page.click("#ranking thead th:has-text('单位')")
        names = page.eval_on_selector_all("#ranking tbody td.unit",
                                          "c => c.map(x => x.textContent)")
        assert len(names) == 41
        wz = page.get_attribute("#ranking tbody tr[data-unit='万州区']", "data-unit-id")
        page.goto(f"{site}/reports/{sid}/units/{wz}")
        page.wait_for_selector(".echart canvas")
        assert page.evaluate("typeof echarts") == "object"
        page.goto(f"{site}/cockpit/")
        page.wait_for_selector(".echart canvas")
        assert page.outside == []  # nothing loaded from outside the site

    in_browser(site, steps)


def test_job_page_shows_progress_and_offers_the_file(app, site, worker):
    sid = _published(app)

    def steps(page):
        _login(page, site, CITY_LEADER)
        page.goto(f"{site}/reports/{sid}")
        page.click("text=生成全部单位计分表（PDF）")
        page.wait_for_selector(".job-done a", timeout=60_000)
        assert page.inner_text(".progress-bar") == "100%"
        assert page.inner_text(".job-done a") == "下载文件"
        with page.expect_download() as download:
            page.click(".job-done a")
        assert download.value.suggested_filename.endswith(f"全部单位计分表-报表{sid}.pdf")

    in_browser(site, steps)
