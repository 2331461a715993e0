"""The drill-down behind a score: ``records_for(link)`` gives back exactly the
approved records that were counted for one unit and one leaf, for every kind
of database leaf the shipped schemes use (record_count, record_ratio numerator
and denominator) and every filter type (text, lists, booleans, integers,
dates, null), on the batched and the single-leaf paths; a link survives a JSON
snapshot and still lists the same records.

Demand and recognition records go through the models and the workflow. Leaves
on other record types (typical_case, not built yet; the pilot leaves as first
shipped) are run against ``scoring_probe``, a test-only record type with the
same filter columns (booleans among them), on its own table, registered for
the test only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.extensions import db
from app.kit.spec import Menu, RecordSpec
from app.records.demand.models import CHANNELS, Demand, ReformDomain
from app.records.demand.taxonomy import load_taxonomy
from app.records.recognition.models import CITY, MEDIA, NATIONAL, Recognition
from app.scoring import collectors
from app.scoring.collectors import (
    CollectContext,
    LeafValues,
    MissingSource,
    SourceError,
    SourceLink,
    collect,
    records_for,
    typed_filters,
)
from app.scoring.core.scheme import load_scheme
from app.scoring.periods import parse_period
from app.scoring.service import run_scheme
from app.scoring.store import save_scheme
from app.units.models import Unit
from app.workflow import registry
from app.workflow.chain import APPROVED
from tests.workflow.util import (
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    REVIEWER_YZ,
    act,
    make_demand,
    make_recognition,
    user,
)

SCHEMES = Path(__file__).resolve().parents[1] / "app" / "scoring" / "schemes"
PROBE = "scoring_probe"
YEAR = dt.date.today().year
PERIOD = f"{YEAR}Q2"  # window year_to_date: 1 Jan – 30 Jun; period: 1 Apr – 30 Jun
# the moment of collection, with a fraction of a second: a snapshot must keep it
AS_OF = dt.datetime(YEAR, 6, 30, 18, 0, 0, 500000)
BEFORE = dt.datetime(YEAR, 6, 1, 9, 0)
SAME_SECOND = AS_OF - dt.timedelta(milliseconds=300)  # 18:00:00.2: counted
LATE = AS_OF + dt.timedelta(hours=1)  # approved after the collection: not counted


class _ProbeBase(DeclarativeBase):
    pass


class Probe(_ProbeBase):
    """Stands for the record types the shipped schemes name but that do not
    exist yet (pilot, typical_case): the same filter columns."""

    __tablename__ = "test_scoring_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    approved_on: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    accepted_on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    acceptance_due: Mapped[bool] = mapped_column(Boolean, nullable=False)
    adopted: Mapped[bool] = mapped_column(Boolean, nullable=False)


def _probe_type() -> registry.RecordType:
    """The probe's entry in the registry of record types (no workflow chain:
    its rows are written approved)."""
    spec = RecordSpec(name=PROBE, label="测试记录", chain=None, menu=Menu("测试"),
                      date_field="due_on")
    return registry.RecordType(name=PROBE, model=Probe, spec=spec)


@pytest.fixture
def probe(app, monkeypatch):
    """The probe type, registered and with its table, for one test."""
    with app.app_context():
        _ProbeBase.metadata.create_all(db.engine)
    monkeypatch.setitem(registry._TYPES, PROBE, _probe_type())
    yield Probe
    with app.app_context():
        db.session.remove()
        _ProbeBase.metadata.drop_all(db.engine)


# -- the records ---------------------------------------------------------------------

def _approve(record_type, record, clerk, reviewer, approved_on=BEFORE):
    act(record_type, record.id, "submit", clerk)
    act(record_type, record.id, "approve", reviewer)
    act(record_type, record.id, "approve", OFFICE)
    record = db.session.get(type(record), record.id)
    assert record.state == APPROVED
    record.approved_on = approved_on
    db.session.commit()
    return record


def _recognition(clerk, reviewer, category, criterion, date, demand=None,
                 approved_on=BEFORE, state=APPROVED):
    rec = make_recognition(clerk, category=category, criterion=criterion, date=date)
    if demand is not None:
        rec.demand_id = demand.id
        db.session.commit()
    if state == APPROVED:
        return _approve("recognition", rec, clerk, reviewer, approved_on)
    if state == "pending":  # approved by the unit, waiting for the reform office
        act("recognition", rec.id, "submit", clerk)
        act("recognition", rec.id, "approve", reviewer)
    return rec


def _demand(clerk, reviewer, channel, domain, created_on, approved=True):
    d = make_demand(clerk, title=f"需求 {channel} {created_on:%m%d}")
    d.channel, d.domain_id, d.created_on = channel, domain.id, created_on
    db.session.commit()
    return _approve("demand", d, clerk, reviewer) if approved else d


def _build(probe_model=None) -> dict:
    """The records of 万州 and 渝中 (江北 has none); returns names → objects."""
    load_taxonomy()
    domains = list(db.session.scalars(select(ReformDomain).order_by(ReformDomain.id)))
    d1, d2 = domains[0], domains[1]
    a, b = CHANNELS[0], CHANNELS[1]
    wz, yz = CLERK_WZ, REVIEWER_WZ
    ycl, yrv = CLERK_YZ, REVIEWER_YZ
    out = {"domains": (d1, d2)}
    out["dm1"] = _demand(wz, yz, a, d1, dt.datetime(YEAR, 2, 1, 9, 0))
    out["dm2"] = _demand(wz, yz, b, d2, dt.datetime(YEAR, 5, 5, 10, 0))
    _demand(wz, yz, a, d1, dt.datetime(YEAR, 8, 1, 9, 0))  # after the period
    _demand(wz, yz, a, d1, dt.datetime(YEAR, 5, 6, 9, 0), approved=False)  # a draft
    out["dy1"] = _demand(ycl, yrv, a, d2, dt.datetime(YEAR, 5, 5, 11, 0))
    _demand(ycl, yrv, b, d1, dt.datetime(YEAR - 1, 12, 1, 9, 0))  # last year

    feb, may, aug = dt.date(YEAR, 2, 10), dt.date(YEAR, 5, 10), dt.date(YEAR, 8, 10)
    last_dec = dt.date(YEAR - 1, 12, 10)
    _recognition(wz, yz, NATIONAL, "N23-1", feb, demand=out["dm1"])
    _recognition(wz, yz, NATIONAL, "N23-2", may)
    _recognition(wz, yz, CITY, "C-1", may, demand=out["dm2"])
    _recognition(wz, yz, MEDIA, "M-1", feb)
    _recognition(wz, yz, NATIONAL, "N23-1", aug)  # after the period
    _recognition(wz, yz, CITY, "C-2", last_dec)  # last year: only window "all"
    _recognition(wz, yz, NATIONAL, "N23-3", may, approved_on=LATE)
    _recognition(wz, yz, NATIONAL, "N23-4", may, state="draft")
    _recognition(wz, yz, NATIONAL, "N23-5", may, state="pending")
    _recognition(ycl, yrv, NATIONAL, "N23-1", may)
    _recognition(ycl, yrv, CITY, "C-1", feb, demand=out["dy1"])
    _recognition(ycl, yrv, MEDIA, "M-2", dt.date(YEAR, 5, 11), approved_on=SAME_SECOND)

    if probe_model is not None:
        wz_id, yz_id = user(CLERK_WZ).unit_id, user(CLERK_YZ).unit_id

        def p(unit, level, due_on, acc, due, adopted, state=APPROVED, approved_on=BEFORE):
            db.session.add(probe_model(unit_id=unit, state=state, approved_on=approved_on,
                                       due_on=due_on, level=level, accepted_on_time=acc,
                                       acceptance_due=due, adopted=adopted))

        p(wz_id, "国家级", may, True, True, True)
        p(wz_id, "市级", feb, False, True, False)
        p(wz_id, "区级", may, True, True, True)
        p(wz_id, "国家级", last_dec, True, True, False)
        p(wz_id, "国家级", may, True, True, True, state="pending_1", approved_on=None)
        p(wz_id, "国家级", may, True, True, True, approved_on=LATE)
        p(wz_id, "国家级", aug, False, True, True)
        p(yz_id, "市级", may, True, True, False, approved_on=SAME_SECOND)
        p(yz_id, "国家级", feb, False, False, True)
        db.session.commit()
    return out


# -- the leaves ----------------------------------------------------------------------

def _shipped_leaves() -> list[tuple[str, dict]]:
    """(code, source) of every shipped leaf counting records in the database."""
    out = []
    for path in sorted(SCHEMES.glob("*.yaml")):
        for leaf in load_scheme(path).leaves():
            if (leaf.source or {}).get("kind") in ("record_count", "record_ratio"):
                out.append((f"{path.stem}:{leaf.code}", leaf.source))
    return out


BUILT = ("demand", "recognition")  # the types whose records _build makes


def _on_probe(source: dict) -> dict:
    """The source, counting ``scoring_probe`` for the types _build makes no
    records of (pilot, typical_case)."""
    return source if source["record"] in BUILT else dict(source, record=PROBE)


# the pilot leaves as the schemes first shipped them (a list, a ratio of two
# boolean filters, a batched level), now counted by the pilots' own kinds
PILOT_LEAVES = [
    ("P.list", {"kind": "record_count", "record": "pilot", "window": "all",
                "filters": {"level": ["国家级", "市级"]}}),
    ("P.ratio", {"kind": "record_ratio", "record": "pilot", "window": "all",
                 "numerator": {"filters": {"accepted_on_time": True}},
                 "denominator": {"filters": {"acceptance_due": True}}}),
    ("P.batched", {"kind": "record_count", "record": "pilot", "window": "year_to_date",
                   "filters": {"level": "国家级"}}),
]


def _test_leaves(built) -> list[tuple[str, dict, dict]]:
    """(code, source, the filter values the oracle compares with) of the
    filters no shipped leaf on a registered type uses yet."""
    d1, d2 = built["domains"]
    a, b = CHANNELS[0], CHANNELS[1]
    dm1, dy1 = built["dm1"], built["dy1"]
    may10 = dt.date(YEAR, 5, 10)
    count = {"kind": "record_count"}
    return [
        ("T.int", dict(count, record="demand", filters={"domain_id": d1.id}), {}),
        ("T.int_text_and_str", dict(count, record="demand", window="period",
                                    filters={"domain_id": str(d2.id), "channel": b}),
         {"domain_id": d2.id}),
        ("T.str_list", dict(count, record="demand", window="all", filters={"channel": [a, b]}),
         {}),
        ("T.date", dict(count, record="recognition", window="period",
                        filters={"date": may10}), {}),
        ("T.date_iso", dict(count, record="recognition",
                            filters={"date": f"{YEAR}-02-10", "category": CITY}),
         {"date": dt.date(YEAR, 2, 10)}),
        ("T.null", dict(count, record="recognition", filters={"demand_id": None}), {}),
        ("T.int_list", dict(count, record="recognition", window="all",
                            filters={"demand_id": [dm1.id, dy1.id]}), {}),
        ("T.bool_false", dict(count, record=PROBE, window="all",
                              filters={"accepted_on_time": False}), {}),
        ("T.bool_pair", dict(count, record=PROBE, filters={"adopted": True, "level": "国家级"}),
         {}),
        ("T.ratio", {"kind": "record_ratio", "record": "recognition", "window": "period",
                     "numerator": {"filters": {"category": NATIONAL}},
                     "denominator": {"filters": {}}}, {}),
    ]


# -- the oracle: the same rules, in Python, over every record ------------------------

def _window(source: dict, spec: dict) -> tuple[dt.date | None, dt.date]:
    period = parse_period(PERIOD)
    window = spec.get("window", source.get("window", "year_to_date"))
    return {"period": (period.start, period.end), "all": (None, period.end)}.get(
        window, (period.year_start, period.end))


def _expected(source: dict, spec: dict, unit_id: int, typed: dict) -> list[int]:
    rt = registry.get_type(spec.get("record") or source["record"])
    model = rt.model
    start, end = _window(source, spec)
    filters = {**(spec.get("filters") or {}), **typed}
    ids = []
    for rec in db.session.scalars(select(model)):
        day = getattr(rec, rt.date_field)
        day = day.date() if isinstance(day, dt.datetime) else day
        if (rec.state != APPROVED or rec.unit_id != unit_id or rec.approved_on is None
                or rec.approved_on > AS_OF or day > end or (start and day < start)):
            continue
        if all(getattr(rec, col) in want if isinstance(want, list)
               else getattr(rec, col) == want for col, want in filters.items()):
            ids.append(rec.id)
    return sorted(ids)


def _ids(link) -> list[int]:
    return [r.id for r in records_for(link)]


def _snapshot(link: SourceLink) -> SourceLink:
    return SourceLink.from_dict(json.loads(json.dumps(link.to_dict())))


def _units() -> list[int]:
    names = ("万州区", "渝中区", "江北区")
    return [db.session.scalar(select(Unit.id).where(Unit.name == n)) for n in names]


def test_every_database_leaf_drills_down_to_exactly_the_records_counted(app, probe):
    with app.app_context():
        built = _build(probe)
        leaves = [(code, _on_probe(src), {}) for code, src in _shipped_leaves() + PILOT_LEAVES]
        leaves += _test_leaves(built)
        units = _units()
        ctx = CollectContext(parse_period(PERIOD), units, AS_OF)
        got = collect([(code, src) for code, src, _ in leaves], ctx)
        assert got.missing == {}
        values = got.values.set_index(["unit", "indicator"])
        checked: dict[str, int] = {}
        for code, source, typed in leaves:
            parts = ([("value", source)] if source["kind"] == "record_count"
                     else [("numerator", source["numerator"]),
                           ("denominator", source["denominator"])])
            for unit in units:
                links = {link.role: link for link in got.links[(unit, code)]}
                assert set(links) == {role for role, _ in parts}, code
                for role, spec in parts:
                    want = _expected(source, spec, unit, typed)
                    where = f"{code} {role} unit {unit}"
                    assert values.loc[(unit, code), role] == len(want), where
                    assert _ids(links[role]) == want, where
                    again = _snapshot(links[role])
                    assert again == links[role], where
                    assert _ids(again) == want, where
                    checked[f"{code} {role}"] = checked.get(f"{code} {role}", 0) + len(want)
        # every leaf and part found some records: nothing passed by being empty
        assert all(checked.values()), {k: v for k, v in checked.items() if not v}
        assert len(checked) == len(leaves) + sum(s["kind"] == "record_ratio"
                                                 for _, s, _ in leaves)


def test_a_link_snapshot_is_plain_json_with_types(app, probe):
    with app.app_context():
        built = _build(probe)
        d1, _ = built["domains"]
        ctx = CollectContext(parse_period(PERIOD), _units(), AS_OF)
        got = collect([
            ("A", {"kind": "record_count", "record": "recognition",
                   "filters": {"date": f"{YEAR}-05-10", "demand_id": None}}),
            ("B", {"kind": "record_count", "record": PROBE,
                   "filters": {"level": ["国家级", "市级"], "adopted": True}}),
            ("C", {"kind": "record_count", "record": "demand", "filters": {"domain_id": d1.id}}),
        ], ctx)
        unit = _units()[0]
        a = got.links[(unit, "A")][0].to_dict()
        assert sorted(a["filters"], key=lambda f: f["column"]) == [
            {"column": "date", "type": "date", "op": "eq", "value": f"{YEAR}-05-10"},
            {"column": "demand_id", "type": "int", "op": "eq", "value": None},
        ]
        assert a["as_of"] == AS_OF.isoformat()
        assert a["start"] == f"{YEAR}-01-01" and a["end"] == f"{YEAR}-06-30"
        b = got.links[(unit, "B")][0].to_dict()
        assert sorted(b["filters"], key=lambda f: f["column"]) == [
            {"column": "adopted", "type": "bool", "op": "eq", "value": True},
            {"column": "level", "type": "str", "op": "in", "value": ["国家级", "市级"]},
        ]
        c = got.links[(unit, "C")][0].to_dict()
        assert c["filters"] == [{"column": "domain_id", "type": "int", "op": "eq",
                                 "value": d1.id}]
        for data in (a, b, c):
            assert SourceLink.from_dict(json.loads(json.dumps(data))).to_dict() == data
        # a snapshot whose value type no longer matches the column is typed as
        # the column is now; one that cannot be is refused in Chinese
        assert _ids(c) and _ids(c) == _ids(dict(c, filters=[
            {"column": "domain_id", "type": "str", "op": "eq", "value": str(d1.id)}]))
        with pytest.raises(SourceError, match="domain_id"):
            records_for(dict(c, filters=[
                {"column": "domain_id", "type": "str", "op": "eq", "value": "一"}]))
        with pytest.raises(MissingSource, match="pilot"):
            records_for(dict(c, record_type="pilot"))


@pytest.mark.parametrize("filters, typed", [
    ({"adopted": True}, [("adopted", "bool", True, "eq")]),
    ({"adopted": "false"}, [("adopted", "bool", False, "eq")]),
    ({"adopted": "是"}, [("adopted", "bool", True, "eq")]),
    ({"adopted": 0}, [("adopted", "bool", False, "eq")]),
    ({"unit_id": "12"}, [("unit_id", "int", 12, "eq")]),
    ({"unit_id": 12.0}, [("unit_id", "int", 12, "eq")]),
    ({"due_on": dt.date(2024, 5, 10)}, [("due_on", "date", dt.date(2024, 5, 10), "eq")]),
    ({"due_on": " 2024-05-10"}, [("due_on", "date", dt.date(2024, 5, 10), "eq")]),
    ({"approved_on": "2024-05-10T09:30:00"},
     [("approved_on", "datetime", dt.datetime(2024, 5, 10, 9, 30), "eq")]),
    ({"level": ["国家级", 3, None]}, [("level", "str", ("国家级", "3", None), "in")]),
    ({"level": None, "adopted": [True]},
     [("adopted", "bool", (True,), "in"), ("level", "str", None, "eq")]),
])
def test_filter_values_take_the_type_of_their_column(filters, typed):
    got = typed_filters(Probe, PROBE, filters)
    assert [(f.column, f.type, f.value, f.op) for f in got] == typed
    for f in got:  # the same type, not merely an equal value (True == 1)
        values = f.value if f.op == "in" else (f.value,)
        want = typed[[t[0] for t in typed].index(f.column)][2]
        wants = want if f.op == "in" else (want,)
        assert [type(v) for v in values] == [type(w) for w in wants]


@pytest.mark.parametrize("filters, words", [
    ({"adopted": "maybe"}, ["adopted", "maybe", "true 或 false"]),
    ({"adopted": 2}, ["adopted", "2"]),
    ({"unit_id": True}, ["unit_id", "整数"]),
    ({"unit_id": "1.5"}, ["unit_id", "整数"]),
    ({"due_on": "2024-13-01"}, ["due_on", "日期"]),
    ({"due_on": dt.datetime(2024, 5, 10, 9, 0)}, ["due_on", "日期"]),
    ({"level": {"a": 1}}, ["level", "文本"]),
    ({"level": True}, ["level", "文本"]),
])
def test_a_filter_value_that_does_not_fit_is_refused_in_chinese(filters, words):
    with pytest.raises(SourceError) as exc:
        typed_filters(Probe, PROBE, filters)
    assert exc.value.message.startswith("数据来源有误")
    assert all(w in exc.value.message for w in words), exc.value.message


def test_sources_that_cannot_be_counted_are_reported_not_scored(app):
    """A record type that is not registered stays 缺少数据来源, batched or not,
    count or ratio; a filter on something that is not a column, or a value
    that does not fit the column, is reported for that leaf alone."""
    later = "not_built_yet"
    with app.app_context():
        ctx = CollectContext(parse_period(PERIOD), _units(), AS_OF)
        shipped = dict(_shipped_leaves())
        unregistered = {code: src for code, src in shipped.items()
                        if registry.get_type(src["record"]) is None}
        pilot = dict(PILOT_LEAVES)
        got = collect([
            *unregistered.items(),
            ("LIST", dict(pilot["P.list"], record=later)),
            ("RATIO", dict(pilot["P.ratio"], record=later)),
            ("BATCHED", dict(pilot["P.batched"], record=later)),
            ("BATCHED_BOOL", {"kind": "record_count", "record": later,
                              "filters": {"adopted": True}}),
            ("NOCOL", {"kind": "record_count", "record": "recognition",
                       "filters": {"colour": "红"}}),
            ("METHOD", {"kind": "record_count", "record": "recognition",
                        "filters": {"clean": "x"}}),
            ("BADDATE", {"kind": "record_count", "record": "recognition",
                         "filters": {"date": "五月"}}),
            ("BADINT", {"kind": "record_count", "record": "demand",
                        "filters": {"domain_id": "abc"}}),
            ("WINDOW", {"kind": "record_count", "record": "demand", "window": "month"}),
            ("OK", {"kind": "record_count", "record": "recognition",
                    "filters": {"category": NATIONAL}}),
        ], ctx)
        for code, src in unregistered.items():  # e.g. typical_case
            assert got.missing[code].startswith("缺少数据来源"), (code, got.missing[code])
            assert src["record"] in got.missing[code]
        for code in ("LIST", "RATIO", "BATCHED", "BATCHED_BOOL"):
            assert got.missing[code] == f"缺少数据来源：记录类型“{later}”尚未上线", code
        for code in ("NOCOL", "METHOD"):
            assert got.missing[code].startswith("缺少数据来源"), code
        assert "colour" in got.missing["NOCOL"] and "clean" in got.missing["METHOD"]
        assert "date" in got.missing["BADDATE"] and "五月" in got.missing["BADDATE"]
        assert "domain_id" in got.missing["BADINT"] and "abc" in got.missing["BADINT"]
        assert "month" in got.missing["WINDOW"]
        assert "OK" not in got.missing
        assert set(got.values["indicator"]) == {"OK"}


def test_a_source_that_counts_otherwise_lists_its_own_records(app, monkeypatch):
    """A source counting records for another unit than their filer's (as
    pilots count for every district they involve) names its own lister; the
    generic records_for uses it, from a link or from its snapshot."""

    def approved_recognitions(session, unit_ids, as_of):
        # recognitions counted for the unit of the demand they are linked to
        stmt = (select(Demand.unit_id, Recognition)
                .join(Demand, Demand.id == Recognition.demand_id)
                .where(Recognition.state == APPROVED, Recognition.approved_on <= as_of,
                       Demand.unit_id.in_(unit_ids)).order_by(Recognition.id))
        return session.execute(stmt).all()

    def by_demand_unit(source, ctx):
        rows = approved_recognitions(db.session, ctx.unit_ids, ctx.as_of)
        counts = {u: float(sum(1 for unit, _ in rows if unit == u)) for u in ctx.unit_ids}
        return LeafValues(counts, links={u: [SourceLink(
            "recognition", u, (), None, ctx.period.end, ctx.as_of, drilldown="by_demand")]
            for u in ctx.unit_ids})

    def listed(link, session):
        return [r for _, r in approved_recognitions(session, [link.unit_id], link.as_of)]

    monkeypatch.setitem(collectors.SOURCES, "by_demand_unit", by_demand_unit)
    monkeypatch.setitem(collectors.DRILLDOWNS, "by_demand", listed)
    with app.app_context():
        built = _build()
        wz = _units()[0]
        got = collect([("X", {"kind": "by_demand_unit"})],
                      CollectContext(parse_period(PERIOD), [wz], AS_OF))
        link, = got.links[(wz, "X")]
        assert link.to_dict()["drilldown"] == "by_demand"
        want = sorted(r.id for r in db.session.scalars(select(Recognition).where(
            Recognition.demand_id.in_([built["dm1"].id, built["dm2"].id]))))
        assert got.values.iloc[0]["value"] == len(want) == 2
        assert _ids(link) == _ids(link.to_dict()) == want
        with pytest.raises(MissingSource, match="nowhere"):
            records_for(dict(link.to_dict(), drilldown="nowhere"))


def test_a_stored_scheme_with_a_date_filter_is_saved_and_counted(app):
    """A YAML date in a filter is kept as an ISO string (the scheme is stored as
    JSON) and compared as a date when counting."""
    text = f"""
code: t_dates
name: 测试
report_type: 测试
version: '{YEAR}'
indicators:
- code: X
  name: 五月十日的全国性肯定评价
  points: 10
  method: rate
  params: {{cap: 100}}
  source:
    kind: record_count
    record: recognition
    window: period
    filters: {{date: {YEAR}-05-10, category: {NATIONAL}}}
"""
    scheme = load_scheme(text)
    assert scheme.find("X").source["filters"]["date"] == f"{YEAR}-05-10"
    with app.app_context():
        _build()
        save_scheme(scheme)
        run = run_scheme("t_dates", PERIOD, as_of=AS_OF)
        wz = run.unit_ids["万州区"]
        values = run.collection.values.set_index(["unit", "indicator"])
        assert values.loc[(wz, "X"), "value"] == 1
        link, = run.collection.links[(wz, "X")]
        assert [r.date for r in records_for(link)] == [dt.date(YEAR, 5, 10)]
        assert all(isinstance(r, Recognition) for r in records_for(link.to_dict()))
