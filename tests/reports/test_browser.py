"""In Debian's Chromium (Playwright): the ranking table sorts in the browser,
the charts draw from the local ECharts file, and the job page's progress bar
ends with the file offered."""

from __future__ import annotations


import pytest

from app.reports import service
from tests.conftest import NOWHERE, live_site
from tests.helpers import DEMO_PASSWORD
from tests.reports.util import CITY_LEADER, OFFICE, PERIOD, SCHEME, add_period, quarter_data, user

@pytest.fixture
def site(app):
    with live_site(app) as url:
        yield url


@pytest.fixture
def in_browser(browser, site):
    """``in_browser(steps)`` runs ``steps(page)`` in the test process's
    Chromium, in a context of its own. Requests that leave the site are
    refused (the context's proxy refuses every connection) and listed in
    ``page.outside``."""
    contexts = []

    def run(steps):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, proxy=NOWHERE)
        contexts.append(context)
        outside: list[str] = []
        context.on("request", lambda request: None if request.url.startswith(
            (site, "data:", "blob:", "about:", "chrome:", "chrome-extension:"))
            else outside.append(request.url))
        page = context.new_page()
        page.outside = outside
        steps(page)

    yield run
    for context in contexts:
        context.close()


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


def test_ranking_sorts_and_charts_draw(app, site, in_browser):
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

    in_browser(steps)


def test_job_page_shows_progress_and_offers_the_file(app, site, worker, in_browser):
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

    in_browser(steps)
