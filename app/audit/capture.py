"""Writing the audit trail.

Most rows are written in ONE place: an ``after_flush`` listener on every
SQLAlchemy session reads the attribute history of the objects the flush wrote
(while it still shows the state before the flush) and appends the rows in the
same transaction. Nothing in the record types' views has to call anything:

* records of every registered type (WorkflowMixin): create (with the filled
  fields), each changed field with old and new value (many-to-many included,
  e.g. 涉及区县), delete (with what the record held);
* evidence files: added to a record, removed (the row keeps who and when);
* accounts: created, changed (unit, roles, active …), password changed by its
  owner or reset by someone else (never the hash); roles and their permissions;
  units;
* schemes: created, edited, frozen, a new version; indicators edited, and the
  indicator tree replaced (one row per scheme);
* report snapshots generated.

What does not go through the ORM calls :func:`log` itself (publishing a report,
logins). Transitions are not repeated here: they are in ``workflow_history``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
from collections import defaultdict

from flask import g, has_request_context, request
from sqlalchemy import event, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE

from app.audit.models import AuditLog

MAX_VALUE = 10_000  # characters kept of one old or new value

_actor_override: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)
_DISABLED_KEY = "audit.disabled"


# -- who, from where -------------------------------------------------------------

@contextlib.contextmanager
def acting_as(user):
    """Attribute what happens inside to ``user`` (CLI commands, background jobs)."""
    token = _actor_override.set(user)
    try:
        yield
    finally:
        _actor_override.reset(token)


@contextlib.contextmanager
def suspended(session):
    """Write no audit rows for this session inside (a restore, test fixtures)."""
    session.info[_DISABLED_KEY] = True
    try:
        yield
    finally:
        session.info.pop(_DISABLED_KEY, None)


def current_actor():
    user = _actor_override.get()
    if user is not None:
        return user
    if has_request_context():
        user = g.get("user")
        if user is not None and getattr(user, "is_authenticated", False) \
                and getattr(user, "id", None) is not None:
            return user
    return None


def _actor_fields(user) -> dict:
    if user is None:
        return {"actor_id": None, "actor_name": None, "actor_unit_id": None,
                "actor_unit_name": None}
    unit = user.__dict__.get("unit")
    name = user.get_full_name() if hasattr(user, "get_full_name") else str(user)
    return {"actor_id": user.id, "actor_name": _cut(name, 100),
            "actor_unit_id": getattr(user, "unit_id", None),
            "actor_unit_name": _cut(unit.name, 100) if unit is not None else None}


def _origin() -> dict:
    if not has_request_context():
        return {"address": None, "user_agent": None}
    return {"address": _cut(request.remote_addr, 64),
            "user_agent": _cut(request.headers.get("User-Agent"), 300)}


def _cut(text, limit):
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stamp(row: dict, actor=None) -> dict:
    out = {"created_on": datetime.datetime.now(), "object_id": None, "object_label": None,
           "object_unit_id": None, "field": None, "field_label": None, "old_value": None,
           "new_value": None}
    out.update(_actor_fields(actor if actor is not None else current_actor()))
    out.update(_origin())
    out.update(row)
    out["object_label"] = _cut(out["object_label"], 200)
    out["field_label"] = _cut(out["field_label"], 80)
    out["old_value"] = _cut(out["old_value"], MAX_VALUE)
    out["new_value"] = _cut(out["new_value"], MAX_VALUE)
    return out


def log(action: str, object_type: str, object_id=None, *, label=None, field=None,
        field_label=None, old=None, new=None, unit_id=None, actor=None, session=None,
        **extra) -> None:
    """Append one row in ``session``'s transaction (committed with it)."""
    from app.extensions import db

    session = session or db.session
    row = _stamp({"action": action, "object_type": object_type, "object_id": object_id,
                  "object_label": label, "field": field, "field_label": field_label,
                  "old_value": _fmt(old), "new_value": _fmt(new), "object_unit_id": unit_id},
                 actor)
    row.update(extra)
    session.execute(insert(AuditLog.__table__), [row])


# -- values as a person reads them ---------------------------------------------------

def _fmt(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict) or (isinstance(value, (list, tuple)) and any(
            isinstance(v, (dict, list, tuple)) for v in value)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, (list, tuple, set)):
        return "、".join(sorted(_fmt(v) or "" for v in value))
    if hasattr(value, "get_full_name"):
        return value.get_full_name()
    return str(value)


def _is_models(values) -> bool:
    return isinstance(values, list) and any(hasattr(v, "__table__") for v in values)


# -- what each kind of object is -------------------------------------------------------

_USER_LABELS = {"first_name": "姓名", "last_name": "姓", "mobile": "手机号", "unit": "单位",
                "roles": "角色", "active": "启用", "email": "电子邮箱",
                "must_change_password": "须修改初始密码"}
_USER_SKIP = {"password", "username", "last_login", "login_count", "fail_login_count",
              "changed_on", "changed_by", "changed_by_fk", "created_on", "created_by",
              "created_by_fk", "password_changed_on", "groups"}
_ROLE_LABELS = {"name": "角色名称", "permissions": "权限"}
_UNIT_LABELS = {"code": "单位代码", "name": "单位名称", "kind": "类型", "region": "片区",
                "parent": "上级单位", "is_data_source": "数据来源单位", "sort_order": "排序"}
_SCHEME_LABELS = {"code": "代码", "version": "版本", "name": "名称", "report_type": "报表类型",
                  "year": "年度版本", "period_kind": "周期", "unit_kind": "排名单位类型",
                  "status": "状态", "notes": "说明", "extra": "其他设置"}
_INDICATOR_LABELS = {"code": "指标代码", "name": "指标名称", "points": "分值",
                     "weight": "权重", "rule_text": "评价细则", "responsible_units": "责任单位",
                     "direction": "方向", "method": "计分方法", "params": "参数",
                     "source": "数据来源", "to_confirm": "待确认", "extra": "其他",
                     "sort_order": "排序", "parent": "上级指标"}
_RECORD_SKIP = {"version", "changed_on", "created_on"}


class _Kind:
    """How one class of object is audited."""

    def __init__(self, object_type, labels, skip=(), only_labelled=False):
        self.object_type = object_type
        self.labels = labels
        self.skip = set(skip)
        self.only_labelled = only_labelled

    def label_of(self, obj) -> str:
        return str(obj)

    def value_label(self, field: str, value):
        """A stored code as a person reads it (unchanged when not a known code)."""
        if isinstance(value, str):
            return _value_labels().get(self.object_type, {}).get(field, {}).get(value, value)
        return value

    def unit_of(self, obj):
        return None


class _RecordKind(_Kind):
    def __init__(self, model):
        from app.kit.fields import labels

        super().__init__(model.__record_type__, labels(model), _RECORD_SKIP)
        self.model = model

    def label_of(self, obj):
        return obj.title

    def unit_of(self, obj):
        return obj.unit_id


class _UserKind(_Kind):
    def unit_of(self, obj):
        return obj.unit_id


_kinds: dict[type, _Kind | None] = {}


def _kind_of(obj) -> _Kind | None:
    cls = type(obj)
    if cls in _kinds:
        return _kinds[cls]
    kind = None
    from flask_appbuilder.security.sqla.models import Role, User

    from app.reports.models import ReportSnapshot
    from app.scoring.models import Scheme, SchemeIndicator
    from app.units.models import Unit
    from app.workflow.models import WorkflowMixin

    if isinstance(obj, WorkflowMixin) and getattr(cls, "__record__", None) is not None:
        kind = _RecordKind(cls)
    elif isinstance(obj, User):
        kind = _UserKind("user", _USER_LABELS, _USER_SKIP, only_labelled=True)
    elif isinstance(obj, Role):
        kind = _Kind("role", _ROLE_LABELS, only_labelled=True)
    elif isinstance(obj, Unit):
        kind = _Kind("unit", _UNIT_LABELS, only_labelled=True)
    elif isinstance(obj, Scheme):
        kind = _Kind("scheme", _SCHEME_LABELS, {"indicators", "created_on", "frozen_on"},
                     only_labelled=True)
    elif isinstance(obj, SchemeIndicator):
        kind = _Kind("scheme_indicator", _INDICATOR_LABELS, {"scheme", "children"},
                     only_labelled=True)
    elif isinstance(obj, ReportSnapshot):
        kind = _Kind("report", {})
    _kinds[cls] = kind
    return kind


# -- the listener ------------------------------------------------------------------------

def _changes(obj, kind: _Kind) -> list[tuple[str, str, str | None, str | None]]:
    """[(field, label, old, new)] of the attributes this flush changes."""
    state = sa_inspect(obj)
    mapper = state.mapper
    out = []
    changed_rels = set()
    for rel in mapper.relationships:
        key = rel.key
        if key in kind.skip or rel.direction not in (MANYTOONE, MANYTOMANY):
            continue
        if kind.only_labelled and key not in kind.labels:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        changed_rels.add(key)
        if rel.direction == MANYTOMANY:
            before = list(hist.unchanged or ()) + list(hist.deleted or ())
            after = list(hist.unchanged or ()) + list(hist.added or ())
            if key == "permissions":  # a role's: only what moved
                old = _fmt([str(p) for p in hist.deleted or ()]) or None
                new = _fmt([str(p) for p in hist.added or ()]) or None
            else:
                old, new = _fmt([str(v) for v in before]), _fmt([str(v) for v in after])
            if old == new:
                continue
        else:
            old = _fmt(hist.deleted[0]) if hist.deleted else None
            new = _fmt(hist.added[0]) if hist.added else None
        out.append((key, kind.labels.get(key, key), old, new))
    fk_of = {}
    for rel in mapper.relationships:
        if rel.direction == MANYTOONE:
            for col in rel.local_columns:
                fk_of[col.key] = rel
    for prop in mapper.column_attrs:
        key = prop.key
        if key in kind.skip or key == "id":
            continue
        rel = fk_of.get(key)
        if rel is not None and (rel.key in changed_rels or rel.key in kind.skip):
            continue
        label_key = rel.key if rel is not None else key
        if kind.only_labelled and label_key not in kind.labels:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        if rel is not None:
            session = state.session
            related = rel.mapper.class_
            old = session.get(related, old) if old is not None else None
            new = session.get(related, new) if new is not None else None
        old, new = kind.value_label(label_key, old), kind.value_label(label_key, new)
        out.append((label_key, kind.labels.get(label_key, label_key), _fmt(old), _fmt(new)))
    return out


def _value_labels() -> dict[str, dict[str, dict[str, str]]]:
    """{object type: {field: {stored value: what a person reads}}} for the
    fields whose stored values are codes (unit kinds, scheme statuses …)."""
    from app.scoring.models import PERIOD_KIND_LABELS, SCHEME_STATUS_LABELS
    from app.units.models import UNIT_KIND_LABELS

    return {"unit": {"kind": UNIT_KIND_LABELS},
            "scheme": {"status": SCHEME_STATUS_LABELS, "period_kind": PERIOD_KIND_LABELS,
                       "unit_kind": UNIT_KIND_LABELS}}


# in the 标签：值 summary of a created or deleted object, codes that only
# identify it (its label names it) are left out
_SUMMARY_SKIP = {"scheme": {"code"}, "scheme_indicator": {"code"}, "unit": {"code"}}


def _summary(obj, kind: _Kind) -> str:
    """What a record holds, as 标签：值；… (for create and delete)."""
    if isinstance(kind, _RecordKind):
        names = list(kind.model.__record__.editable)
    else:
        skip = kind.skip | _SUMMARY_SKIP.get(kind.object_type, set())
        names = [n for n in kind.labels if n not in skip]
    parts = []
    for name in names:
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - an attribute that cannot load now
            continue
        if isinstance(value, list) and _is_models(value):
            value = [str(v) for v in value]
        text = _fmt(kind.value_label(name, value))
        if text:
            parts.append(f"{kind.labels.get(name, name)}：{text}")
    return "；".join(parts)


def _record_unit(session, record_type, record_id):
    from app.workflow.registry import get_record_model

    model = get_record_model(record_type)
    if model is None or record_id is None:
        return None, None
    record = session.get(model, record_id)
    if record is None:
        return None, None
    return record.title, record.unit_id


def _attachment_rows(session, att, action) -> list[dict]:
    title, unit_id = _record_unit(session, att.record_type, att.record_id)
    return [{"action": action, "object_type": att.record_type, "object_id": att.record_id,
             "object_label": title, "object_unit_id": unit_id, "field": "attachment",
             "field_label": "佐证材料",
             "old_value": att.original_name if action == "attachment_remove" else None,
             "new_value": att.original_name if action == "attachment_add" else None}]


def _created(session, obj) -> list[dict]:
    from app.attachments.models import Attachment

    if isinstance(obj, Attachment):
        return _attachment_rows(session, obj, "attachment_add") if obj.record_id else []
    kind = _kind_of(obj)
    if kind is None or kind.object_type == "scheme_indicator":
        return []
    row = {"action": "create", "object_type": kind.object_type, "object_id": obj.id,
           "object_label": kind.label_of(obj), "object_unit_id": kind.unit_of(obj)}
    if kind.object_type == "report":
        row.update(action="report_generate",
                   new_value=f"第 {obj.version} 版，输入哈希 {obj.inputs_hash}")
        if current_actor() is None and obj.generated_by_id:  # a background job
            from app.security.models import ReformUser

            row.update(_actor_fields(session.get(ReformUser, obj.generated_by_id)))
        return [row]
    if kind.object_type == "scheme" and (obj.version or 1) > 1:
        row["action"] = "scheme_new_version"
    row["new_value"] = _summary(obj, kind) or None
    row["_obj"], row["_kind"] = obj, kind  # described again as committed
    return [row]


def _deleted(session, obj) -> list[dict]:
    kind = _kind_of(obj)
    if kind is None or kind.object_type == "scheme_indicator":
        return []
    return [{"action": "delete", "object_type": kind.object_type, "object_id": obj.id,
             "object_label": kind.label_of(obj), "object_unit_id": kind.unit_of(obj),
             "old_value": _summary(obj, kind) or None}]


def _updated(session, obj) -> list[dict]:
    from app.attachments.models import Attachment

    if isinstance(obj, Attachment):
        state = sa_inspect(obj)
        rows = []
        rid = state.attrs.record_id.history
        if rid.has_changes() and rid.added and rid.added[0] is not None \
                and not (rid.deleted and rid.deleted[0]):
            rows += _attachment_rows(session, obj, "attachment_add")
        removed = state.attrs.removed_on.history
        if removed.has_changes() and removed.added and removed.added[0] is not None:
            rows += _attachment_rows(session, obj, "attachment_remove")
        return rows
    kind = _kind_of(obj)
    if kind is None:
        return []
    base = {"object_type": kind.object_type, "object_id": obj.id,
            "object_label": kind.label_of(obj), "object_unit_id": kind.unit_of(obj)}
    rows = []
    if kind.object_type == "user":
        pw = sa_inspect(obj).attrs.password.history
        if pw.has_changes() and pw.deleted and pw.added and pw.deleted[0] != pw.added[0]:
            actor = current_actor()
            own = actor is not None and actor.id == obj.id
            rows.append({**base, "action": "password_change" if own else "password_reset",
                         "field": "password", "field_label": "密码"})
    for key, label, old, new in _changes(obj, kind):
        if kind.object_type == "user" and key == "must_change_password" and rows:
            continue  # part of the password change or reset
        action = "update"
        if kind.object_type == "scheme" and key == "status" \
                and new == kind.value_label("status", "frozen"):
            action = "scheme_freeze"
        rows.append({**base, "action": action, "field": key, "field_label": label,
                     "old_value": old, "new_value": new})
    return rows


def _indicator_tree_rows(session) -> list[dict]:
    """A replaced indicator tree: one row per scheme, not one per indicator."""
    from app.scoring.models import Scheme, SchemeIndicator

    added, removed = defaultdict(list), defaultdict(list)
    for obj in session.new:
        if isinstance(obj, SchemeIndicator):
            added[obj.scheme_id or (obj.scheme.id if obj.scheme else None)].append(obj)
    for obj in session.deleted:
        if isinstance(obj, SchemeIndicator):
            removed[obj.scheme_id].append(obj)
    rows = []
    for scheme_id in sorted(set(added) | set(removed), key=lambda x: x or 0):
        scheme = session.get(Scheme, scheme_id) if scheme_id else None
        if scheme is not None and scheme in session.new:
            continue  # a new scheme or version: its creation row says enough
        rows.append({"action": "update", "object_type": "scheme", "object_id": scheme_id,
                     "object_label": str(scheme) if scheme else None,
                     "field": "indicators", "field_label": "指标",
                     "old_value": _fmt([i.name for i in removed[scheme_id]])
                     or None,
                     "new_value": _fmt([i.name for i in added[scheme_id]])
                     or None})
    return rows


_PENDING_KEY = "audit.pending"


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    """Read what this flush wrote; the rows are kept until the commit, so that
    a value set and put back within one transaction (a form's "" that the
    model's clean() turns into None) leaves no row."""
    if session.info.get(_DISABLED_KEY):
        return
    rows: list[dict] = []
    for obj in list(session.new):
        rows += _created(session, obj)
    from app.attachments.models import Attachment

    for obj in list(session.dirty):
        # the cheap question first: objects of classes that are not audited
        # (job progress, scoring rows …) are not inspected at all
        if (isinstance(obj, Attachment) or _kind_of(obj) is not None) \
                and session.is_modified(obj, include_collections=True):
            rows += _updated(session, obj)
    for obj in list(session.deleted):
        rows += _deleted(session, obj)
    rows += _indicator_tree_rows(session)
    if rows:
        session.info.setdefault(_PENDING_KEY, []).extend(_stamp(r) for r in rows)


def _blank(value) -> bool:
    return value in (None, "")


def _consolidate(rows: list[dict]) -> list[dict]:
    """One transaction's rows: a field changed twice is one change (first old,
    last new), a change undone is none, a record made in the same transaction
    is described as it was committed."""
    created = {(r["object_type"], r["object_id"]) for r in rows if r["action"] in (
        "create", "scheme_new_version")}
    deleted = {(r["object_type"], r["object_id"]) for r in rows if r["action"] == "delete"}
    out, fields = [], {}
    for row in rows:
        key = (row["object_type"], row["object_id"])
        obj = row.pop("_obj", None)
        kind = row.pop("_kind", None)
        if key in created and key in deleted:
            continue  # made and dropped again: nothing happened
        if row["action"] in ("create", "scheme_new_version") and obj is not None:
            try:
                row["new_value"] = _cut(_summary(obj, kind) or None, MAX_VALUE)
                row["object_label"] = _cut(kind.label_of(obj), 200)
            except Exception:  # noqa: BLE001 - keep the summary of the flush
                pass
        if row["action"] == "update" and row["field"]:
            if key in created:
                continue  # part of the creation
            seen = fields.get((key, row["field"]))
            if seen is not None:
                seen["new_value"] = row["new_value"]
                seen["created_on"] = row["created_on"]
                continue
            fields[(key, row["field"])] = row
        out.append(row)
    return [r for r in out if not (
        r["action"] == "update" and r["field"]
        and (r["old_value"] == r["new_value"]
             or (_blank(r["old_value"]) and _blank(r["new_value"]))))]


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    if session.info.get(_DISABLED_KEY):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # what commit would flush: its rows too
    rows = session.info.pop(_PENDING_KEY, None)
    if rows:
        rows = _consolidate(rows)
        if rows:
            session.connection().execute(insert(AuditLog.__table__), rows)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


# -- logins (called by the security manager) ---------------------------------------------

def login_attempt(sm, username, user, reason: str | None = None) -> None:
    """One row for a login attempt, committed at once: ``user`` is the account
    on success; on failure None, with the account the name belongs to, if any."""
    from app.extensions import db

    session = db.session
    name = _cut(username if isinstance(username, str) else "", 100)
    if user is not None:
        log("login", "session", user.id, label=name, actor=user, unit_id=user.unit_id,
            session=session)
    else:
        account = None
        if name:
            account = sm.find_user(username=name) or sm.find_user(email=name)
        row = _stamp({"action": "login_failed", "object_type": "session",
                      "object_id": account.id if account else None, "object_label": name,
                      "object_unit_id": account.unit_id if account else None,
                      "field": "reason", "field_label": "原因",
                      "new_value": reason or ("密码错误" if account and account.is_active
                                              else "账号不存在或已停用")})
        if account is not None:
            row.update({k: v for k, v in _actor_fields(account).items()})
        session.execute(insert(AuditLog.__table__), [row])
    session.commit()


def record_history(record_type: str, record_id: int, session=None,
                   limit: int | None = None) -> list[AuditLog]:
    """The audit rows of one record, oldest first (for its page); with
    ``limit``, its latest ``limit`` rows."""
    from app.extensions import db

    session = session or db.session
    stmt = select(AuditLog).where(AuditLog.object_type == record_type,
                                  AuditLog.object_id == record_id)
    if limit is None:
        return list(session.scalars(stmt.order_by(AuditLog.created_on, AuditLog.id)))
    latest = session.scalars(stmt.order_by(AuditLog.created_on.desc(), AuditLog.id.desc())
                             .limit(limit))
    return list(reversed(list(latest)))
