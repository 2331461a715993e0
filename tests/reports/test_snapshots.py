"""Snapshots: generation, versions, publishing and freezing, immutability
(ORM and SQL, on SQLite and PostgreSQL), verification, comparison."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.reports import service, triggers
from app.reports.models import PUBLISHED, ReportSnapshot, SnapshotImmutable
from app.reports.canonical import canonical, digest
from app.scoring.store import get
from tests.reports.util import (
    CITY,
    NATIONAL,
    OFFICE,
    PERIOD,
    REPORT_TYPE,
    SCHEME,
    add_period,
    quarter_data,
    recognition,
    unit,
    user,
)

ROOT = Path(__file__).resolve().parents[2]


def _generated(app):
    with app.app_context():
        made = quarter_data()
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        plain = {k: [(r.id, r.unit_id, r.category) for r in v] for k, v in made.items()}
        return snap.id, plain


def _unit_row(snap, name):
    return next(u for u in snap.data["units"] if u["name"] == name)


def test_generate_stores_inputs_result_and_the_records_behind(app):
    sid, made = _generated(app)
    with app.app_context():
        snap = db.session.get(ReportSnapshot, sid)
        assert (snap.status, snap.version, snap.scheme_code, snap.period_code) == (
            "draft", 1, SCHEME, PERIOD)
        assert snap.generated_by.mobile == OFFICE
        inputs = json.loads(snap.inputs)
        assert snap.inputs_hash == digest(inputs) and len(snap.inputs_hash) == 64
        assert snap.inputs == canonical(inputs)  # stored canonically
        assert len(inputs["units"]) == 41 and len(snap.data["units"]) == 41
        wz = unit("万州区").id
        approved_nat = sorted(i for i, u, c in made["approved"] if u == wz and c == NATIONAL)
        (group,) = inputs["records"][str(wz)]["PP1"]
        assert group["type"] == "recognition"
        assert group["ids"] == approved_nat
        assert group["versions"] == [4] * 3  # submit, 2 approvals → version 4
        # pending, draft and rejected records are not behind any value
        others = {i for i, _, _ in made["other"]}
        behind = {i for leaves in inputs["records"].values() for groups in leaves.values()
                  for g in groups for i in g["ids"]}
        assert not others & behind
        # the result: 3 national recognitions in 万州 = max → full 25 points
        row = _unit_row(snap, "万州区")
        cell = snap.data["cells"][str(wz)]["PP1"]
        assert (cell["value"], cell["score"], cell["record_count"]) == (3, 25.0, 3)
        assert "=" in cell["explanation"] and cell["links"][0]["record_type"] == "recognition"
        assert row["rank"] == 1 and row["band"] == "深绿"
        # ties share a rank and the next rank is skipped (1, 2, 2, 4)
        units = snap.data["units"]
        assert [u["rank"] for u in units] == sorted(u["rank"] for u in units)
        for u in units:
            assert u["rank"] == 1 + sum(1 for o in units if o["total"] > u["total"])
        assert len({u["rank"] for u in units}) < 41  # the data has ties
        assert service.verify(snap).ok


def test_generate_checks_first(app):
    with app.app_context():
        with pytest.raises(service.ReportError, match="尚未设置期间"):
            service.generate(SCHEME, PERIOD, user(OFFICE))
        add_period()
        with pytest.raises(service.ReportForbidden, match="只有市委改革办"):
            service.generate(SCHEME, PERIOD, user("13900000011"))
        with pytest.raises(service.ReportError, match="找不到指标体系"):
            service.generate("nope", PERIOD, user(OFFICE))
        with pytest.raises(service.ReportError, match="无法识别的期间"):
            service.generate(SCHEME, "2024Q9", user(OFFICE))
        with pytest.raises(service.ReportError, match="按季度评价"):
            service.generate(SCHEME, "2024", user(OFFICE))
        assert db.session.scalar(select(ReportSnapshot.id)) is None


def test_period_rules(app):
    with app.app_context():
        with pytest.raises(service.ReportError, match="不能早于期间结束日"):
            service.add_period(REPORT_TYPE, "2024Q2", dt.date(2024, 6, 1))
        with pytest.raises(service.ReportError, match="按季度评价"):
            service.add_period(REPORT_TYPE, "2024", dt.date(2025, 1, 10))
        with pytest.raises(service.ReportError, match="没有报表类型"):
            service.add_period("不存在的报表", "2024Q1", dt.date(2024, 4, 10))
        p = service.add_period(REPORT_TYPE, "2024q2", dt.date(2024, 7, 10))
        assert (p.code, p.kind, p.label) == ("2024Q2", "quarter", "2024年第2季度")
        with pytest.raises(service.ReportError, match="已有期间"):
            service.add_period(REPORT_TYPE, "2024Q2", dt.date(2024, 7, 10))


def test_versions_publish_and_freeze(app):
    sid, _ = _generated(app)
    with app.app_context():
        again = service.generate(SCHEME, PERIOD, user(OFFICE))
        first = db.session.get(ReportSnapshot, sid)
        assert again.version == 2 and again.data["units"] == first.data["units"]
        assert again.inputs_hash != first.inputs_hash  # the moment of collection is an input
        with pytest.raises(service.ReportForbidden):
            service.publish(sid, user("13900000013"))
        snap = service.publish(sid, user(OFFICE))
        assert snap.status == PUBLISHED and snap.published_by.mobile == OFFICE
        assert get(SCHEME, snap.scheme_version).frozen
        with pytest.raises(service.ReportConflict, match="已发布"):
            service.publish(sid, user(OFFICE))
        assert service.latest_published(REPORT_TYPE).id == sid


def test_new_data_gives_a_new_result(app):
    sid, _ = _generated(app)
    with app.app_context():
        a = db.session.get(ReportSnapshot, sid)
        recognition("渝中区", NATIONAL)
        b = service.generate(SCHEME, PERIOD, user(OFFICE))
        assert _unit_row(b, "渝中区")["total"] > _unit_row(a, "渝中区")["total"]


def test_publish_refuses_a_changed_scheme(app):
    from app.scoring.store import save_scheme, to_core

    sid, _ = _generated(app)
    with app.app_context():
        scheme = to_core(get(SCHEME))
        scheme.notes = "改了说明"
        save_scheme(scheme)
        with pytest.raises(service.ReportError, match="指标体系在生成报表后已被修改"):
            service.publish(sid, user(OFFICE))
        assert db.session.get(ReportSnapshot, sid).status == "draft"


def test_published_snapshot_cannot_be_changed_through_the_orm(app):
    sid, _ = _generated(app)
    with app.app_context():
        service.publish(sid, user(OFFICE))
        snap = db.session.get(ReportSnapshot, sid)
        snap.result = snap.result.replace('"rank":1', '"rank":2')
        with pytest.raises(SnapshotImmutable, match="已发布的报表不能修改或删除"):
            db.session.commit()
        db.session.rollback()
        snap = db.session.get(ReportSnapshot, sid)
        snap.status = "draft"  # un-publishing is a change too
        with pytest.raises(SnapshotImmutable):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(ReportSnapshot, sid))
        with pytest.raises(SnapshotImmutable):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(ReportSnapshot, sid).status == PUBLISHED


@pytest.mark.parametrize("statement", [
    "UPDATE report_snapshot SET result = '{}' WHERE id = :id",
    "UPDATE report_snapshot SET status = 'draft' WHERE id = :id",
    "UPDATE report_snapshot SET inputs_hash = 'x' WHERE id = :id",
    "DELETE FROM report_snapshot WHERE id = :id",
])
def test_published_snapshot_cannot_be_changed_in_sql(app, statement):
    sid, _ = _generated(app)
    with app.app_context():
        service.publish(sid, user(OFFICE))
        before = db.session.get(ReportSnapshot, sid).result
        db.session.remove()
        with pytest.raises(DatabaseError, match="已发布的报表不能修改或删除"):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": sid})
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT status, result FROM report_snapshot WHERE id = :id"),
                               {"id": sid}).one()
        assert row == ("published", before)


def test_truncate_refused_on_postgresql(app):
    sid, _ = _generated(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE exists on PostgreSQL only")
        service.publish(sid, user(OFFICE))
        db.session.remove()
        with pytest.raises(DatabaseError, match="已发布的报表不能修改或删除"):
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE report_snapshot CASCADE"))


def test_a_draft_can_be_changed_in_sql_and_verify_finds_it(app, runner):
    sid, _ = _generated(app)
    with app.app_context():
        snap = db.session.get(ReportSnapshot, sid)
        result = snap.data
        wz = next(u for u in result["units"] if u["name"] == "万州区")
        wz["total"] = 99.0
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE report_snapshot SET result = :r WHERE id = :id"),
                         {"r": canonical(result), "id": sid})
        db.session.remove()
        check = service.verify(sid)
        assert not check.ok
        assert any("万州区：总分记录为 99.00" in p for p in check.problems), check.problems
        with pytest.raises(service.ReportError, match="校验未通过"):
            service.publish(sid, user(OFFICE))
    out = runner.invoke(args=["report", "verify", str(sid)])
    assert out.exit_code == 1 and "校验未通过" in out.output and "万州区" in out.output


def test_verify_finds_tampered_inputs_of_a_published_snapshot(app, runner):
    """Someone with DDL rights drops the trigger and edits a value: the hash
    of the inputs no longer matches, and re-scoring shows what moved."""
    sid, _ = _generated(app)
    with app.app_context():
        service.publish(sid, user(OFFICE))
        snap = db.session.get(ReportSnapshot, sid)
        inputs = snap.input_data
        wz = str(unit("渝中区").id)
        for row in inputs["values"]:
            if str(row[0]) == wz and row[1] == "PP1":
                row[2] = 9.0
        dialect = db.engine.dialect.name
        db.session.remove()
        with db.engine.begin() as conn:
            for stmt in triggers.statements(dialect, create=False):
                conn.execute(text(stmt))
            conn.execute(text("UPDATE report_snapshot SET inputs = :i WHERE id = :id"),
                         {"i": canonical(inputs), "id": sid})
            for stmt in triggers.statements(dialect, create=True):
                conn.execute(text(stmt))
        check = service.verify(sid)
        assert not check.ok
        assert check.problems[0].startswith("输入数据的哈希值不符")
        assert any("渝中区" in p for p in check.problems)
    out = runner.invoke(args=["report", "verify", str(sid)])
    assert out.exit_code == 1


def test_migration_triggers_are_the_ones_in_the_code():
    path = ROOT / "migrations" / "versions" / "0004_reports.py"
    spec = importlib.util.spec_from_file_location("m0004", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in ("POSTGRESQL_CREATE", "POSTGRESQL_DROP", "SQLITE_CREATE", "SQLITE_DROP"):
        assert getattr(mod, name) == getattr(triggers, name), name


def test_compare_names_the_records_that_moved_a_score(app):
    sid, _ = _generated(app)
    with app.app_context():
        service.publish(sid, user(OFFICE))
        new_nat = recognition("渝中区", NATIONAL, item="新获肯定")
        new_city = recognition("江北区", CITY, item="新获推广")
        b = service.generate(SCHEME, PERIOD, user(OFFICE))
        cmp = service.compare(sid, b.id)
        moved = {u.name: u for u in cmp.units}
        yz = moved["渝中区"]
        leaf = next(leaf for leaf in yz.leaves if leaf.code == "PP1")
        assert leaf.added == [("recognition", new_nat.id)] and leaf.removed == []
        assert leaf.value == (1.0, 2.0) and leaf.score[0] != leaf.score[1]
        assert yz.total[1] > yz.total[0]
        jb = moved["江北区"]
        assert [(c.code, c.added) for c in jb.leaves if c.added] == [
            ("PP2", [("recognition", new_city.id)])]
        # units whose own records did not change may still move (the median
        # moved), and show no records added or removed
        for u in cmp.units:
            if u.name not in ("渝中区", "江北区"):
                assert all(not leaf.added and not leaf.removed for leaf in u.leaves)
        with pytest.raises(service.ReportError):
            service.compare(sid, sid)


def test_cli(app, runner, tmp_path):
    with app.app_context():
        quarter_data()
    out = runner.invoke(args=["report", "period", "--type", REPORT_TYPE, "--code", PERIOD,
                              "--deadline", "2024-04-10"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["report", "generate", "--scheme", SCHEME, "--period", PERIOD])
    assert out.exit_code == 0, out.output
    sid = int(out.stdout.strip().splitlines()[-1])
    bad = runner.invoke(args=["report", "generate", "--scheme", SCHEME, "--period", "2030Q1"])
    assert bad.exit_code == 1 and "尚未设置期间" in bad.output
    listed = runner.invoke(args=["report", "list"]).stdout.splitlines()
    assert listed[0] == "id,scheme,version,period,status,generated_at,hash"
    with app.app_context():
        h = db.session.get(ReportSnapshot, sid).inputs_hash
    assert listed[1].startswith(f"{sid},{SCHEME}@1,1,{PERIOD},draft,") and listed[1].endswith(h)
    assert runner.invoke(args=["report", "verify", str(sid)]).exit_code == 0
    out = runner.invoke(args=["report", "publish", str(sid)])
    assert out.exit_code == 0 and "已冻结" in out.output
    assert runner.invoke(args=["report", "publish", str(sid)]).exit_code == 1
    assert runner.invoke(args=["report", "verify", "999999"]).exit_code == 1
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    assert runner.invoke(args=["report", "pdf", str(sid), "--out", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    one = tmp_path / "u.pdf"
    assert runner.invoke(args=["report", "pdf", str(sid), "--out", str(one), "--unit",
                               "万州区"]).exit_code == 0
    assert runner.invoke(args=["report", "pdf", str(sid), "--out", str(one), "--unit",
                               "不存在"]).exit_code == 1
    assert runner.invoke(args=["report", "xlsx", str(sid), "--out", str(xlsx)]).exit_code == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    sid2 = int(runner.invoke(args=["report", "generate", "--scheme", SCHEME, "--period",
                                   PERIOD]).stdout.split()[-1])
    cmp = runner.invoke(args=["report", "compare", str(sid), str(sid2)])
    assert cmp.exit_code == 0 and cmp.stdout.startswith("unit,total_a")


def test_stored_record_ids_are_what_the_drilldown_lists(app):
    """For every unit and leaf, the ids in the inputs are exactly the records
    ``records_for(link)`` lists (the batched query and the drill-down agree)."""
    from app.scoring.collectors import records_for

    sid, _ = _generated(app)
    with app.app_context():
        snap = db.session.get(ReportSnapshot, sid)
        inputs = snap.input_data
        checked = 0
        for uid, leaves in inputs["links"].items():
            for leaf, links in leaves.items():
                stored = inputs["records"].get(uid, {}).get(leaf, [])
                assert len(stored) == len(links)
                for link, group in zip(links, stored):
                    listed = records_for(link)
                    assert group["ids"] == [r.id for r in listed], (uid, leaf)
                    assert group["versions"] == [r.version for r in listed], (uid, leaf)
                    checked += len(listed)
        assert checked >= 14  # the approved recognitions of quarter_data


def test_no_http_way_changes_a_published_snapshot(app, client, login_as):
    """There is no REST resource for snapshots (writes answer 404/405), and the
    web actions refuse a published one: publishing again is refused."""
    from tests.helpers import api_token, csrf_token

    sid, _ = _generated(app)
    with app.app_context():
        service.publish(sid, user(OFFICE))
        before = db.session.get(ReportSnapshot, sid).result
    token = api_token(client, OFFICE)
    headers = {"Authorization": f"Bearer {token}"}
    for base in ("/api/v1/reportsnapshot", "/api/v1/reportsnapshotapi", "/api/v1/report",
                 "/api/v1/reports"):
        for method in ("put", "patch", "delete"):
            r = getattr(client, method)(f"{base}/{sid}", json={"status": "draft"},
                                        headers=headers)
            assert r.status_code in (404, 405), (base, method, r.status_code)
        assert client.post(f"{base}/", json={}, headers=headers).status_code in (404, 405)
    web = login_as(OFFICE)
    r = web.post(f"/reports/{sid}/publish", data={"csrf_token": csrf_token(web, "/reports/")},
                 follow_redirects=True)
    assert "该报表已发布，不能再次发布" in r.get_data(as_text=True)
    for method in ("put", "patch", "delete"):
        assert getattr(web, method)(f"/reports/{sid}").status_code in (400, 405)
    with app.app_context():
        snap = db.session.get(ReportSnapshot, sid)
        assert snap.status == PUBLISHED and snap.result == before
