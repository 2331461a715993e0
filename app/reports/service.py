"""Report commands: each validates, then runs, and raises a UserError
subclass with a Chinese message when it cannot.

- :func:`generate` scores a scheme for a period on the approved data of this
  moment and stores a draft snapshot (a new version per scheme and period);
- :func:`publish` verifies a draft, publishes it and freezes its scheme version;
- :func:`verify` recomputes the inputs' hash and re-scores the stored inputs;
- :func:`compare` names the units whose scores, ranks or bands moved between
  two snapshots and the records that caused it.

``user`` None means a trusted caller (the ``flask report`` commands, a job
queued by a user who was checked when it was queued).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Forbidden, NotFound, UserError
from app.extensions import db
from app.reports.models import DRAFT, PUBLISHED, ReportPeriod, ReportSnapshot
from app.reports.canonical import canonical, digest, number, sha256
from app.scoring.periods import PeriodError, parse_period
from app.security.roles import ROLE_REFORM_OFFICE
from app.units.models import Unit


class ReportError(UserError):
    status = 400


class ReportNotFound(NotFound):
    def __init__(self, message: str = "报表不存在或不在您的可见范围内", **details):
        super().__init__(message, **details)


class ReportForbidden(Forbidden):
    pass


class ReportConflict(Conflict):
    pass


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def _require_office(user, what: str) -> None:
    if user is not None and ROLE_REFORM_OFFICE not in _roles(user):
        raise ReportForbidden(f"只有市委改革办可以{what}")


def _progress(callback, percent: int, message: str) -> None:
    if callback is not None:
        callback(percent, message)


# -- periods ---------------------------------------------------------------------

def report_types(session=None) -> list[str]:
    from app.scoring.models import Scheme

    session = session or db.session
    return list(session.scalars(select(Scheme.report_type).distinct()
                                .order_by(Scheme.report_type)))


def period_problems(report_type: str, code: str, deadline, session=None,
                    exclude_id: int | None = None) -> list[str]:
    """What is wrong with a period (Chinese), or an empty list."""
    from app.scoring.models import PERIOD_KIND_LABELS, Scheme

    session = session or db.session
    problems = []
    try:
        period = parse_period(code)
    except PeriodError as exc:
        return [str(exc)]
    kinds = set(session.scalars(select(Scheme.period_kind)
                                .where(Scheme.report_type == (report_type or ""))))
    if not kinds:
        problems.append(f"没有报表类型为“{report_type}”的指标体系")
    elif period.kind not in kinds:
        wanted = "、".join(PERIOD_KIND_LABELS.get(k, k) for k in sorted(kinds))
        problems.append(f"“{report_type}”按{wanted}评价，期间“{period.code}”是"
                        f"{PERIOD_KIND_LABELS.get(period.kind, period.kind)}")
    if deadline is None:
        problems.append("请填写填报截止日期")
    elif deadline < period.end:
        problems.append(f"填报截止日期不能早于期间结束日 {period.end.isoformat()}")
    dup = select(ReportPeriod.id).where(ReportPeriod.report_type == report_type,
                                        ReportPeriod.code == period.code)
    if exclude_id is not None:
        dup = dup.where(ReportPeriod.id != exclude_id)
    if session.scalar(dup) is not None:
        problems.append(f"“{report_type}”已有期间“{period.code}”")
    return problems


def add_period(report_type: str, code: str, deadline: dt.date, note: str | None = None,
               user=None, session=None) -> ReportPeriod:
    _require_office(user, "设置报表期间")
    session = session or db.session
    code = (code or "").strip().upper()
    problems = period_problems(report_type, code, deadline, session)
    if problems:
        raise ReportError("；".join(problems))
    period = ReportPeriod(report_type=report_type, code=code, kind=parse_period(code).kind,
                          deadline=deadline, note=note)
    session.add(period)
    session.commit()
    return period


# -- generating ------------------------------------------------------------------

GENERIC_KINDS = ("record_count", "record_ratio")


def _record_ids(run, kinds: dict[str, str | None], session) -> dict[str, dict[str, list[dict]]]:
    """{unit id: {leaf: [{role, type, ids: [id, …], versions: [version, …]}]}}
    (one entry per link, ids ascending): the approved records behind every
    value, exactly those ``records_for(link)`` lists.

    Leaves counted by the generic collectors (record_count, record_ratio) are
    fetched with one query per record type, filters and window — the same
    query ``records_for`` runs per unit; every other source kind (pilots, risk
    incidents, surveys …) has its own rules, so its links go through
    ``records_for`` itself, one by one (they are few)."""
    from app.scoring.collectors import records_for
    from app.workflow.queries import approved_records
    from app.workflow.registry import get_type

    out: dict[str, dict[str, list]] = defaultdict(dict)
    groups: dict[tuple, list[tuple[int, str, int]]] = defaultdict(list)
    for (unit_id, leaf), links in run.collection.links.items():
        slots = out[str(unit_id)][leaf] = [None] * len(links)  # one per link, in order
        for n, link in enumerate(links):
            slots[n] = {"role": link.role, "type": link.record_type, "ids": [], "versions": []}
            if kinds.get(leaf) in GENERIC_KINDS:
                key = (link.record_type, link.filters, link.start, link.end, link.as_of)
                groups[key].append((unit_id, leaf, n))
            else:
                records = records_for(link, session)
                slots[n]["ids"] = [r.id for r in records]
                slots[n]["versions"] = [r.version for r in records]
    # groups that differ only in the value of one "column = value" filter
    # share one query grouped by that column (e.g. recognitions by category)
    merged: dict[tuple, dict] = defaultdict(dict)
    for (record_type, filters, start, end, as_of), members in groups.items():
        f = filters[0] if len(filters) == 1 else None
        if f is not None and f.op == "eq" and f.value is not None:
            merged[(record_type, start, end, as_of, f.column)][f] = members
        else:
            merged[(record_type, start, end, as_of, None)][filters] = members
    for (record_type, start, end, as_of, column), parts in merged.items():
        model = get_type(record_type).model
        unit_ids = sorted({m[0] for members in parts.values() for m in members})
        base = approved_records(record_type, unit_ids=unit_ids, period_start=start,
                                period_end=end).where(model.approved_on <= as_of)
        if column is not None:
            col = getattr(model, column)
            found = _ids_by_unit(base.where(col.in_([f.value for f in parts])), model,
                                 session, by=col)
            for f, members in parts.items():
                for unit_id, leaf, n in members:
                    ids, versions = found.get((unit_id, f.value), ([], []))
                    out[str(unit_id)][leaf][n].update(ids=ids, versions=versions)
            continue
        for filters, members in parts.items():
            stmt = base.where(*[f.clause(model, record_type) for f in filters])
            found = _ids_by_unit(stmt, model, session)
            for unit_id, leaf, n in members:
                ids, versions = found.get(unit_id, ([], []))
                out[str(unit_id)][leaf][n].update(ids=ids, versions=versions)
    return dict(out)


def _ids_by_unit(stmt, model, session, by=None) -> dict:
    """{unit id (or (unit id, value of ``by``)): (ids, versions)} of the
    records ``stmt`` selects, ids ascending. The database joins each group's
    "id:version" pairs into one string (string_agg / group_concat), so that
    100,000 records come back as one row per group, split in C-speed calls."""
    dialect = session.get_bind().dialect.name
    keys = [model.unit_id.label("unit_id")] + ([by.label("by")] if by is not None else [])
    if dialect not in ("postgresql", "sqlite"):  # no string aggregate known: row by row
        found: dict = defaultdict(list)
        for row in session.connection().execute(
                stmt.with_only_columns(*keys, model.id, model.version)).all():
            found[tuple(row[:-2]) if by is not None else row[0]].append(tuple(row[-2:]))
        return {k: ([i for i, _ in sorted(v)], [ver for _, ver in sorted(v)])
                for k, v in found.items()}
    pair = cast(model.id, String) + literal(":") + cast(model.version, String)
    sub = stmt.with_only_columns(*keys, model.id.label("rid"), pair.label("pair")) \
        .order_by(model.id).subquery()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        agg = func.string_agg(sub.c.pair, aggregate_order_by(literal(","), sub.c.rid))
    else:  # SQLite feeds group_concat in the subquery's order; checked below
        agg = func.group_concat(sub.c.pair, literal(","))
    cols = [sub.c.unit_id] + ([sub.c.by] if by is not None else [])
    out = {}
    for *key, joined in session.connection().execute(
            select(*cols, agg).group_by(*cols)).all():
        numbers = list(map(int, joined.replace(":", ",").split(","))) if joined else []
        ids, versions = numbers[0::2], numbers[1::2]
        if any(a >= b for a, b in zip(ids, ids[1:])):  # not in id order after all
            pairs = sorted(zip(ids, versions))
            ids, versions = [i for i, _ in pairs], [v for _, v in pairs]
        out[tuple(key) if by is not None else key[0]] = (ids, versions)
    return out


def build_inputs(scheme_row, run, session) -> dict:
    """The inputs of a snapshot from a scoring run (see app/reports/snapshot.py)."""
    from app.reports.snapshot import FORMAT
    from app.scoring.core.scheme import scheme_to_dict
    from app.scoring.store import to_core

    ids = list(run.unit_ids.values())
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    leaves = to_core(scheme_row).leaves()
    leaf_order = {leaf.code: n for n, leaf in enumerate(leaves)}
    kinds = {leaf.code: (leaf.source or {}).get("kind") for leaf in leaves}
    unit_order = {uid: n for n, uid in enumerate(ids)}
    values = [
        [int(r.unit), str(r.indicator), number(r.value), number(r.numerator),
         number(r.denominator)]
        for r in run.collection.values.itertuples(index=False)
    ]
    values.sort(key=lambda v: (unit_order[v[0]], leaf_order.get(v[1], 0)))
    links: dict[str, dict[str, list]] = defaultdict(dict)
    for (unit_id, leaf), unit_links in run.collection.links.items():
        links[str(unit_id)][leaf] = [link.to_dict() for link in unit_links]
    return {
        "format": FORMAT,
        "scheme": scheme_to_dict(to_core(scheme_row)),
        "scheme_ref": {"code": scheme_row.code, "version": scheme_row.version},
        "period": run.period.code,
        "as_of": run.as_of.isoformat(timespec="microseconds"),
        "units": [{"id": uid, "code": units[uid].code, "name": units[uid].name,
                   "region": units[uid].region} for uid in ids],
        "values": values,
        "missing": dict(run.collection.missing),
        "links": dict(links),
        "records": _record_ids(run, kinds, session),
    }


def check_generate(scheme_code: str, period_code: str, user=None,
                   scheme_version: int | None = None, session=None):
    """The checks of :func:`generate` without the work: (scheme row, period,
    report period). Raises ReportForbidden / ReportError."""
    from app.scoring.store import get

    _require_office(user, "生成报表")
    session = session or db.session
    row = get((scheme_code or "").strip(), scheme_version, session)
    if row is None:
        raise ReportError(f"找不到指标体系“{scheme_code}”"
                          + (f" 第 {scheme_version} 版" if scheme_version else ""), status=404)
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    if period.kind != row.period_kind:
        from app.scoring.models import PERIOD_KIND_LABELS as K

        raise ReportError(f"指标体系“{row.name}”按{K.get(row.period_kind, row.period_kind)}"
                          f"评价，期间“{period.code}”是{K.get(period.kind, period.kind)}")
    report_period = session.scalar(select(ReportPeriod).where(
        ReportPeriod.report_type == row.report_type, ReportPeriod.code == period.code))
    if report_period is None:
        raise ReportError(f"“{row.report_type}”尚未设置期间“{period.code}”，"
                          "请先在“报表期间”中添加（含填报截止日期）")
    return row, period, report_period


def generate(scheme_code: str, period_code: str, user=None, *, scheme_version: int | None = None,
             progress=None, session=None) -> ReportSnapshot:
    """Score ``scheme_code`` for ``period_code`` on the approved data of this
    moment; store it as a new draft version. Returns the snapshot."""
    from app.reports.snapshot import build_result
    from app.scoring.service import ScoringError, run_scheme

    session = session or db.session
    row, period, report_period = check_generate(scheme_code, period_code, user,
                                                scheme_version, session)
    _progress(progress, 10, "正在汇总已审核通过的数据")
    try:
        run = run_scheme(row.code, period.code, version=row.version, session=session)
    except ScoringError as exc:
        raise ReportError(str(exc), status=getattr(exc, "status", 400)) from exc
    _progress(progress, 50, "正在记录计分所依据的记录")
    inputs = build_inputs(row, run, session)
    _progress(progress, 75, "正在计分并生成说明")
    result = build_result(inputs)
    inputs_text, result_text = canonical(inputs), canonical(result)
    inputs_hash = sha256(inputs_text)
    _progress(progress, 90, "正在保存报表")
    for _attempt in range(3):
        version = (session.scalar(select(func.max(ReportSnapshot.version)).where(
            ReportSnapshot.scheme_code == row.code,
            ReportSnapshot.period_code == period.code)) or 0) + 1
        snap = ReportSnapshot(
            scheme_id=row.id, scheme_code=row.code, scheme_version=row.version,
            scheme_name=row.name, report_type=row.report_type, period_code=period.code,
            period_id=report_period.id, version=version, status=DRAFT,
            generated_by_id=getattr(user, "id", None), generated_at=dt.datetime.now(),
            as_of=run.as_of, inputs_hash=inputs_hash, inputs=inputs_text,
            result=result_text)
        session.add(snap)
        try:
            session.commit()
        except IntegrityError:  # another generation took this version number
            session.rollback()
            continue
        _progress(progress, 100, "已完成")
        return snap
    raise ReportConflict("同时生成的报表过多，请稍后重试")


# -- reading ---------------------------------------------------------------------

def get_snapshot(snapshot_id, session=None) -> ReportSnapshot:
    session = session or db.session
    try:
        snapshot_id = int(snapshot_id)
    except (TypeError, ValueError):
        raise ReportNotFound() from None
    snap = session.get(ReportSnapshot, snapshot_id)
    if snap is None:
        raise ReportNotFound()
    return snap


def published_snapshots(session=None, report_type: str | None = None,
                        scheme_code: str | None = None):
    """The latest published version of each (scheme, period), oldest period first."""
    session = session or db.session
    stmt = select(ReportSnapshot).where(ReportSnapshot.status == PUBLISHED)
    if report_type:
        stmt = stmt.where(ReportSnapshot.report_type == report_type)
    if scheme_code:
        stmt = stmt.where(ReportSnapshot.scheme_code == scheme_code)
    latest: dict[tuple[str, str], ReportSnapshot] = {}
    for snap in session.scalars(stmt):
        key = (snap.scheme_code, snap.period_code)
        if key not in latest or snap.version > latest[key].version:
            latest[key] = snap
    return sorted(latest.values(), key=_period_key)


def _period_key(snap):
    try:
        p = parse_period(snap.period_code)
        return (p.end, p.start, snap.published_at or snap.generated_at)
    except PeriodError:
        return (dt.date.min, dt.date.min, snap.generated_at)


def latest_published(report_type: str | None = None, scheme_code: str | None = None,
                     session=None) -> ReportSnapshot | None:
    snaps = published_snapshots(session, report_type, scheme_code)
    return snaps[-1] if snaps else None


# -- verifying -------------------------------------------------------------------

@dataclass
class Verification:
    snapshot_id: int
    stored_hash: str
    computed_hash: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(snapshot, session=None) -> Verification:
    """Recompute the hash of the stored inputs and re-score them with the pure
    core; every difference from what is stored is a problem."""
    from app.reports.snapshot import build_result, describe_differences

    snap = snapshot if isinstance(snapshot, ReportSnapshot) else get_snapshot(snapshot, session)
    check = Verification(snap.id, snap.inputs_hash, None)
    try:
        inputs = json.loads(snap.inputs)
    except ValueError:
        check.problems.append("输入数据不是有效的 JSON")
        return check
    check.computed_hash = digest(inputs)
    if check.computed_hash != snap.inputs_hash:
        check.problems.append(f"输入数据的哈希值不符：记录为 {snap.inputs_hash}，"
                              f"按存储的输入重新计算为 {check.computed_hash}")
    ref = inputs.get("scheme_ref") or {}
    if (ref.get("code"), ref.get("version"), inputs.get("period")) != (
            snap.scheme_code, snap.scheme_version, snap.period_code):
        check.problems.append("输入数据中的指标体系或期间与报表记录不一致")
    try:
        expected = build_result(inputs)
    except Exception as exc:  # noqa: BLE001 - any failure here is a finding
        check.problems.append(f"无法按存储的输入重新计分：{exc}")
        return check
    try:
        stored = json.loads(snap.result)
    except ValueError:
        check.problems.append("计分结果不是有效的 JSON")
        return check
    if canonical(expected) != canonical(stored):
        check.problems.extend(describe_differences(expected, stored))
    return check


# -- publishing ------------------------------------------------------------------

def publish(snapshot_id, user=None, session=None) -> ReportSnapshot:
    """Publish a draft: it must verify, and its scheme version must still be
    the one it was scored with; the scheme version is frozen."""
    from app.scoring.core.scheme import scheme_to_dict
    from app.scoring.store import freeze, to_core

    _require_office(user, "发布报表")
    session = session or db.session
    snap = get_snapshot(snapshot_id, session)
    if snap.status == PUBLISHED:
        raise ReportConflict("该报表已发布，不能再次发布")
    check = verify(snap, session)
    if not check.ok:
        raise ReportError("报表校验未通过，不能发布：" + "；".join(check.problems))
    scheme_row = snap.scheme
    if canonical(scheme_to_dict(to_core(scheme_row))) != canonical(snap.input_data["scheme"]):
        raise ReportError("指标体系在生成报表后已被修改，请重新生成报表后再发布")
    table = ReportSnapshot.__table__
    done = session.execute(
        table.update().where(table.c.id == snap.id, table.c.status == DRAFT)
        .values(status=PUBLISHED, published_by_id=getattr(user, "id", None),
                published_at=dt.datetime.now()))
    if done.rowcount != 1:
        session.rollback()
        raise ReportConflict("该报表已被他人发布")
    from app.audit import log as audit_log

    audit_log("report_publish", "report", snap.id, label=str(snap), actor=user,
              new=f"第 {snap.version} 版，输入哈希 {snap.inputs_hash}", session=session)
    session.commit()
    freeze(scheme_row, session)
    session.refresh(snap)
    return snap


# -- comparing -------------------------------------------------------------------

@dataclass
class LeafChange:
    code: str
    name: str
    score: tuple
    value: tuple
    added: list[tuple[str, int]]
    removed: list[tuple[str, int]]
    changed: list[tuple[str, int]]  # same record, another version

    @property
    def moved(self) -> bool:
        return self.score[0] != self.score[1] or self.value[0] != self.value[1]


@dataclass
class UnitChange:
    unit_id: int
    name: str
    total: tuple
    rank: tuple
    band: tuple
    leaves: list[LeafChange]

    @property
    def moved(self) -> bool:
        return self.total[0] != self.total[1] or self.rank[0] != self.rank[1] \
            or self.band[0] != self.band[1]


@dataclass
class Comparison:
    a: ReportSnapshot
    b: ReportSnapshot
    units: list[UnitChange]
    notes: list[str]


def _records_of(inputs: dict, uid: str, leaf: str) -> dict[tuple[str, int], int]:
    out = {}
    for group in (inputs.get("records") or {}).get(uid, {}).get(leaf, []):
        for record_id, version in zip(group["ids"], group["versions"]):
            out[(group["type"], record_id)] = version
    return out


def compare(a_id, b_id, user=None, session=None) -> Comparison:
    """What moved from snapshot ``a`` to snapshot ``b`` (same scheme code)."""
    session = session or db.session
    a, b = get_snapshot(a_id, session), get_snapshot(b_id, session)
    if a.id == b.id:
        raise ReportError("请选择两个不同的报表版本进行对比")
    if a.scheme_code != b.scheme_code:
        raise ReportError("只能对比同一指标体系的报表")
    notes = []
    if a.scheme_version != b.scheme_version:
        notes.append(f"两个报表使用的指标体系版本不同（第 {a.scheme_version} 版与第 "
                     f"{b.scheme_version} 版），指标可能不一致")
    if a.period_code != b.period_code:
        notes.append(f"两个报表的期间不同（{a.period_code} 与 {b.period_code}）")
    ra, rb = a.data, b.data
    ia, ib = a.input_data, b.input_data
    names = {i["code"]: i["name"] for i in ra["indicators"] + rb["indicators"]}
    leaves = [i["code"] for i in rb["indicators"] if i["leaf"]]
    leaves += [i["code"] for i in ra["indicators"] if i["leaf"] and i["code"] not in leaves]
    ua = {u["id"]: u for u in ra["units"]}
    changes = []
    for ub in rb["units"]:
        uid = ub["id"]
        old = ua.get(uid, {})
        cells_a = ra["cells"].get(str(uid), {})
        cells_b = rb["cells"].get(str(uid), {})
        leaf_changes = []
        for code in leaves:
            ca, cb = cells_a.get(code, {}), cells_b.get(code, {})
            rec_a, rec_b = _records_of(ia, str(uid), code), _records_of(ib, str(uid), code)
            change = LeafChange(
                code=code, name=names.get(code, code),
                score=(ca.get("score"), cb.get("score")), value=(ca.get("value"), cb.get("value")),
                added=sorted(set(rec_b) - set(rec_a)), removed=sorted(set(rec_a) - set(rec_b)),
                changed=sorted(k for k in set(rec_a) & set(rec_b) if rec_a[k] != rec_b[k]))
            if change.moved or change.added or change.removed or change.changed:
                leaf_changes.append(change)
        unit = UnitChange(uid, ub["name"], (old.get("total"), ub["total"]),
                          (old.get("rank"), ub["rank"]), (old.get("band"), ub["band"]),
                          leaf_changes)
        if unit.moved or leaf_changes:
            changes.append(unit)
    return Comparison(a, b, changes, notes)
