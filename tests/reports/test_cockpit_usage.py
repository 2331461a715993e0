"""The cockpit counts approved records only and highlights the own unit;
the usage evaluation counts filings, rejections and review times from the
workflow history."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from app.reports import service
from tests.reports.util import (
    CITY,
    CITY_LEADER,
    LEADER_WZ,
    MEDIA,
    NATIONAL,
    OFFICE,
    PERIOD,
    SCHEME,
    add_period,
    demand,
    quarter_data,
    recognition,
    user,
)


def _board(html, title):
    block = re.search(rf'data-board="{re.escape(title)}".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr data-unit="([^"]+)"[^>]*>(.*?)</tr>', block, re.S)
    return {name: [int(n) for n in re.findall(r'class="count">(\d+)<', cells)]
            for name, cells in rows}


def _publish(app):
    with app.app_context():
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(snap.id, user(OFFICE))
        return snap.id


def test_cockpit_counts_approved_records_only(app, login_as):
    with app.app_context():
        quarter_data()
        for _ in range(3):
            demand("万州区")
        demand("渝中区")
        demand("渝中区", state="pending_2")
        demand("渝中区", state="draft")
        demand("渝中区", state="rejected", rejections=1)
        demand("江北区", state="pending_1")
        demand("万州区", when=dt.datetime(2023, 12, 1))  # outside the year
        # approved recognitions outside the year do not count either
        recognition("黔江区", CITY, date=dt.date(2023, 6, 1))
    sid = _publish(app)
    html = login_as(CITY_LEADER).get("/cockpit/").get_data(as_text=True)
    assert f"/reports/{sid}" in html
    demands = _board(html, "需求热力榜")
    assert demands["万州区"] == [3] and demands["渝中区"] == [1]
    assert "江北区" not in demands or demands["江北区"] == [0]
    brand = _board(html, "改革品牌榜")
    assert brand["万州区"] == [3, 1]  # 全国性肯定评价, 中央媒体; the rejected one is not there
    assert brand["渝中区"] == [1, 0]  # the pending and the draft ones are not counted
    promote = _board(html, "一地创新·全市推广")
    assert promote["黔江区"] == [3] and promote["万州区"] == [2]
    # top and bottom five, the five-colour view, the trend chart data
    top = re.search(r'id="top-units".*?</table>', html, re.S).group(0)
    assert re.findall(r'data-unit="([^"]+)"', top)[0] == "万州区"
    assert len(re.findall(r'class="tile[ "]', html)) == 41 and 'id="cockpit-trend"' in html
    # pilots and bottlenecks: no module yet, a clear note
    assert "试点项目管理模块尚未上线" in html or 'data-board="试点总览"' in html
    assert 'data-board="问题破解"' in html


def test_cockpit_for_a_district_leader_highlights_the_own_unit(app, login_as):
    with app.app_context():
        quarter_data()
    _publish(app)
    html = login_as(LEADER_WZ).get("/cockpit/").get_data(as_text=True)
    assert re.search(r'class="tile[^"]*own-unit[^"]*"[^>]*data-unit="万州区"', html)
    assert "（本单位）" in html
    assert "下载 PDF 排名表" not in html


def test_cockpit_without_a_published_report(app, login_as):
    with app.app_context():
        add_period()
        service.generate(SCHEME, PERIOD, user(OFFICE))  # a draft only
    html = login_as(CITY_LEADER).get("/cockpit/").get_data(as_text=True)
    assert "暂无已发布的报表" in html


def test_usage_evaluation(app, login_as):
    with app.app_context():
        recognition("万州区", NATIONAL, date=dt.date(2024, 2, 1))  # review: 2 h, then 7 h
        recognition("万州区", CITY, date=dt.date(2024, 2, 5), rejections=2)
        recognition("万州区", MEDIA, date=dt.date(2024, 3, 1), state="pending_2")
        demand("万州区", when=dt.datetime(2024, 2, 1, 9), rejections=1)
        demand("渝中区", when=dt.datetime(2024, 2, 1, 9))
        demand("渝中区", when=dt.datetime(2023, 11, 1, 9))  # another period
    client = login_as(OFFICE)
    html = client.get("/usage/?period=2024Q1").get_data(as_text=True)
    rows = {name: [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", cells)]
            for name, cells in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', html, re.S)}
    wz = rows["万州区"]
    # unit, kind, filed, rejections, of which 改革成效, step 1 h, step 2 h, overdue
    assert wz[:5] == ["万州区", "区县", "4", "3", "2"]
    # submissions reaching step 1: 3 h (rejections) ×3 and 2 h ×4 → median 2; step 2: 7 h ×3
    assert wz[5] == "2.0" and wz[6] == "7.0" and wz[-1] == "0"
    assert rows["渝中区"][2:5] == ["1", "0", "0"]
    assert "逾期反馈" in html
    resp = client.get("/usage/xlsx?period=2024Q1")
    wb = load_workbook(io.BytesIO(resp.data))
    values = list(wb.active.iter_rows(values_only=True))
    header = next(r for r in values if r[0] == "单位")
    row = next(r for r in values if r[0] == "万州区")
    assert header[2] == "提交记录数" and row[2:5] == (4, 3, 2) and row[5] == 2.0
    # a district leader sees the own scope only
    html = login_as(LEADER_WZ).get("/usage/?period=2024Q1").get_data(as_text=True)
    units = re.findall(r'<tr data-unit="([^"]+)">', html)
    assert "万州区" in units and "渝中区" not in units
    bad = client.get("/usage/?period=2024Q9", follow_redirects=True).get_data(as_text=True)
    assert "无法识别的期间" in bad


def test_home_panel_shows_the_latest_published_ranking_of_the_scope(app, login_as):
    """The partial the home page includes (app/views.py passes home_summary)."""
    from flask import g, render_template
    from flask_login import login_user

    from app.reports.home import home_summary

    with app.app_context():
        quarter_data()
    _publish(app)
    for mobile, own in ((CITY_LEADER, None), (LEADER_WZ, "万州区"), ("13900000023", "渝中区")):
        with app.test_request_context():
            g.user = user(mobile)
            login_user(g.user)
            summary = home_summary(g.user)
            html = render_template("reports/_home.html", reports_home=summary)
        assert "最新发布的排名：区县改革报表 · 2024年第1季度" in html
        names = re.findall(r'data-unit="([^"]+)"', html)
        assert names[0] == "万州区" and len(names) >= 5
        if own:
            assert own in names and f"{own}（本单位）" in html
    with app.test_request_context():
        g.user = user("13900000011")  # a clerk reads no rankings
        login_user(g.user)
        assert home_summary(g.user) is None
