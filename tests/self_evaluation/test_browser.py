"""The form in Chromium: seed 003's first table typed row by row into the
dynamic tables; the page shows what /selfevaluation/score (the scoring core)
answers — execution rate and score, every row's 偏离度 / 得分系数 / 指标得分, the
total 100.00 and the two notes; a bad cell is marked and a refused save keeps
every typed row; removing a row rescores; saving opens the record page."""

from __future__ import annotations

import os

import pytest

from app.records.self_evaluation.seed003 import TABLES
from tests.conftest import NOWHERE, live_site
from tests.self_evaluation.util import SEED_CLERK, add_accounts

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no Chromium")


@pytest.fixture
def site(app):
    add_accounts(app)
    with live_site(app) as url:
        yield url


def test_typing_the_seed_table_shows_the_seed_numbers(site, browser):
    from playwright.sync_api import expect

    # the live score answers over the network: on a busy machine (the suite
    # runs on two workers) 5 s, Playwright's default for assertions, is short
    expect.set_options(timeout=20_000)

    header, funds, indicators, printed = TABLES[0]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1500, "height": 1000},
                                  proxy=NOWHERE)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(20000)
        page.goto(site + "/login/")
        page.fill("#username", SEED_CLERK)
        page.fill("#password", "Gaige@2026")
        page.click("[type=submit]")
        page.goto(site + "/selfevaluationmodelview/add")
        page.fill("#year", "2022")
        page.select_option("#kind", header["kind"])
        for key in ("project_name", "project_code", "department", "finance_division",
                    "goal_initial", "goal_actual"):
            page.fill(f"#{key}", header[key])
        page.fill("#contact_name", "谢辉")
        page.fill("#contact_phone", "63768299")
        budget = page.locator("#selfeval-budget-table tbody tr")
        expect(budget).to_have_count(2)  # 年度总金额 and 其中：财政拨款 to start with
        page.click("text=添加资金行")
        for i, fund in enumerate(funds):
            row = budget.nth(i)
            row.locator("[data-col=kind]").select_option(fund["kind"])
            for key in ("initial", "adjusted", "executed"):
                row.locator(f"[data-col={key}]").fill(f"{fund[key]:,.2f}")
        rows = page.locator("#selfeval-indicator-table tbody tr")
        for i, ind in enumerate(indicators):
            if i:
                page.click("text=添加指标行")
            row = rows.nth(i)
            for key in ("name", "unit", "target", "actual", "weight", "note"):
                row.locator(f"[data-col={key}]").fill(str(ind[key]))
            row.locator("[data-col=nature]").select_option(ind["nature"])
            if ind["core"]:
                row.locator("[data-col=core]").select_option(ind["core"])
        expect(page.locator("#selfeval-live-total")).to_have_text("100.00")
        expect(page.locator("#selfeval-rate")).to_have_text("100%")
        expect(page.locator("#selfeval-exec-score")).to_have_text("10.00")
        expect(page.locator("#selfeval-weights")).to_have_text("100")
        fiscal = budget.nth(1)
        expect(fiscal.locator("[data-out=rate]")).to_have_text("100")
        expect(fiscal.locator("[data-out=score]")).to_have_text("10.00")
        for i, (deviation, coefficient, score) in enumerate(printed[4]):
            row = rows.nth(i)
            expect(row.locator("[data-out=deviation]")).to_have_text(f"{deviation:g}")
            expect(row.locator("[data-out=coefficient]")).to_have_text(f"{coefficient:g}")
            expect(row.locator("[data-out=score]")).to_have_text(f"{score:g}")
        warnings = page.locator(".selfeval-warning")
        expect(warnings).to_have_count(2)
        expect(warnings.nth(0)).to_contain_text("指标权重合计 100")
        expect(warnings.nth(1)).to_have_text("得分合计 110.00 超过满分，按 100 计")

        # a bad cell: marked where it is, and a refused save keeps every row
        rows.nth(3).locator("[data-col=target]").fill("十五")
        expect(rows.nth(3).locator(".selfeval-err")).to_have_text("须为数字")
        expect(page.locator("#selfeval-live-total")).to_have_text("—")
        page.click("button.kit-save")
        expect(page.locator(".alert-danger").first).to_contain_text(
            "绩效指标第 4 行“指标值”：须为数字")
        expect(rows).to_have_count(len(indicators))
        expect(rows.nth(3).locator("[data-col=target]")).to_have_value("十五")
        expect(rows.nth(9).locator("[data-col=name]")).to_have_value("协助招商引资")
        expect(page.locator("#project_name")).to_have_value(header["project_name"])
        expect(rows.nth(3).locator(".selfeval-err")).to_have_text("须为数字")

        # correct it; remove the last row: weights 90, no note, total still 100
        rows.nth(3).locator("[data-col=target]").fill("15")
        rows.nth(9).locator(".selfeval-remove").click()
        expect(page.locator("#selfeval-weights")).to_have_text("90")
        expect(page.locator(".selfeval-warning")).to_have_count(0)
        expect(page.locator("#selfeval-live-total")).to_have_text("100.00")
        page.click("button.kit-save")
        expect(page.locator("#selfeval-sheet")).to_be_visible()
        expect(page.locator("#selfeval-total")).to_have_text("100.00")
        expect(page.locator("#selfeval-indicators tbody tr")).to_have_count(9)
        assert errors == []
    finally:
        context.close()
