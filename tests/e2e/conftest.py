"""End-to-end tests in Debian's Chromium (Playwright drives /usr/bin/chromium;
its own browser download cannot work here).

One live server per test module (``site``), serving the session's app; each
test still starts from the demo state (it asks for ``app``, which puts the
database back). ``Journey`` keeps one browser context per role, logged in
once, and saves a screenshot of every step under
``tests/e2e/screenshots/<journey>/NN-step.png`` (git-ignored; the folder is
printed), and fails the test on any request that leaves the machine or any
answer of 500 or more."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import DEMO_PASSWORD

from tests.conftest import (  # noqa: F401 - the shared browser
    CHROMIUM, CHROMIUM_ARGS, NOWHERE, live_site)

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(__file__).parent / "screenshots"))
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def live_server(app):
    with live_site(app) as url:
        yield url


@pytest.fixture(scope="module")
def site(_session_app):
    """One live server for the whole module (the session's app: tests that
    ask for ``app`` get its data put back first)."""
    with live_site(_session_app) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


class Journey:
    """Browser contexts per role for one test, with numbered screenshots and
    a watch on every request and answer."""

    def __init__(self, browser, site: str, name: str):
        self.browser, self.site, self.name = browser, site, name
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.pages: dict[str, object] = {}
        self.outside: list[str] = []
        self.server_errors: list[str] = []
        self.contexts = []

    def _outside(self, url: str) -> None:
        if url.startswith(("data:", "blob:", "about:", "chrome:", "chrome-extension:")):
            return  # in the page, or the browser's own (its PDF viewer)
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            self.outside.append(url)

    def _watch(self, page) -> None:
        def on_response(response):
            if response.status >= 500:
                self.server_errors.append(f"{response.status} {response.url}")

        page.on("response", on_response)
        page.on("dialog", lambda dialog: dialog.accept())  # 确定 in confirm()

    def new_page(self, role: str):
        # anything not on this machine goes to a proxy that refuses every
        # connection (it never leaves) and is listed; no context.route(): with
        # a route Playwright switches the browser's cache off, and every page
        # fetched all its scripts and styles again
        context = self.browser.new_context(locale="zh-CN", accept_downloads=True,
                                           viewport={"width": 1366, "height": 900},
                                           proxy=NOWHERE)
        context.on("request", lambda request: self._outside(request.url))
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        self._watch(page)
        self.pages[role] = page
        return page

    def login(self, role: str, mobile: str, password: str = DEMO_PASSWORD):
        """A page of ``role`` signed in (once per role and journey)."""
        page = self.pages.get(role)
        if page is not None:
            return page
        page = self.new_page(role)
        page.goto(f"{self.site}/login/")
        page.fill("input[name=username]", mobile)
        page.fill("input[name=password]", password)
        page.locator("input[type=submit], button[type=submit]").first.click()
        page.wait_for_load_state()
        return page

    def shot(self, page, step: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def check(self) -> None:
        assert not self.outside, f"requests that left the machine: {self.outside[:5]}"
        assert not self.server_errors, f"server errors: {self.server_errors[:5]}"


@pytest.fixture
def journey(request, browser, site, app):
    name = request.node.name.removeprefix("test_").split("[", 1)[0]
    j = Journey(browser, site, name)
    print(f"\n截图保存在 {j.folder}")
    yield j
    j.close()
    j.check()
