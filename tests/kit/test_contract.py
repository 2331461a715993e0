"""The contract every registered record type keeps. A new type is tested by
being registered: nothing here names a concrete type.

* the scope matrix on every endpoint — REST list/get/put/delete, web
  list/show/edit/delete/bulk action, Excel export, attachment download — for
  the filer's own unit, another unit, a child unit, a parent (the 改革办 and a
  city leader) and the administrator;
* the chain walked end to end through the REST transition endpoint;
* no self-approval; locked under review;
* bulk with foreign ids mixed in;
* server-owned fields (unit, filer, state, version, timestamps) refused or
  ignored on every path.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.demo.load import DEMO_ACCOUNTS
from app.extensions import db
from app.kit.fields import field_info
from app.scope import can_see
from app.security.models import ReformUser
from app.security.roles import ROLE_ADMIN, ROLE_CLERK, ROLE_REFORM_OFFICE
from app.workflow.chain import APPROVED, DRAFT
from app.workflow.models import WorkflowHistory
from app.workflow.registry import all_types, get_type
from tests.attachments.files import pdf_bytes
from tests.helpers import api_token, csrf_token, new_client

# registering happens at import of the models, which the app factory does
import app.records as _records  # noqa: E402

_records.load()
TYPES = [rt.name for rt in all_types()]


def _user(mobile) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def _related_value(info, user):
    stmt = info.allowed(select(info.related).order_by(info.related.id), user)
    rows = db.session.execute(stmt.limit(2)).scalars().all()
    if not rows:
        return None
    return rows[:1] if info.many else rows[0]


def build(rt, user, **extra):
    """An unsaved valid record of ``rt`` filed by ``user`` (None when this
    user's unit cannot file it)."""
    model, spec = rt.model, rt.spec
    record = model(**spec.example_values())
    for name in spec.editable:
        info = field_info(model, name)
        if info.kind == "relation" and info.required and name not in spec.example:
            value = _related_value(info, user)
            if value is None:
                return None
            setattr(record, name, value)
    for key, value in extra.items():
        setattr(record, key, value)
    record.unit_id = user.unit_id
    record.unit = user.unit
    record.filed_by_id = user.id
    record.state = DRAFT
    record.version = 1
    db.session.add(record)
    problems = record.clean() if hasattr(record, "clean") else []
    if problems:
        db.session.rollback()
        return None
    return record


def _accounts(role=None) -> list[str]:
    """Mobiles of the active accounts (the demo ones first), optionally of a role."""
    demo = [acc.mobile for acc in DEMO_ACCOUNTS]
    users = db.session.scalars(select(ReformUser).where(ReformUser.active.is_(True))
                               .order_by(ReformUser.id)).all()
    mobiles = [u.mobile for u in users if role is None or role in {r.name for r in u.roles}]
    return [m for m in demo if m in mobiles] + [m for m in mobiles if m not in demo]


def filer_for(rt) -> str:
    """The first clerk (demo accounts first) whose unit may file ``rt``."""
    for mobile in _accounts(ROLE_CLERK):
        record = build(rt, _user(mobile))
        if record is not None:
            db.session.rollback()
            return mobile
    pytest.fail(f"no demo clerk can file a {rt.name}")


def make(rt, mobile, title=None, submit=False):
    user = _user(mobile)
    record = build(rt, user)
    assert record is not None, f"{mobile} cannot file {rt.name}"
    if title is not None:
        setattr(record, rt.spec.title_field, title)
    db.session.commit()
    if rt.spec.attachments:
        from werkzeug.datastructures import FileStorage

        from app.attachments.storage import save_upload

        save_upload(FileStorage(io.BytesIO(pdf_bytes()), filename="证明.pdf"), rt.name, user,
                    record_id=record.id, session=db.session)
        db.session.commit()
    if submit:
        from app.workflow.engine import transition

        transition(rt.name, record.id, "submit", user)
    return record.id


def other_clerk(rt, filer_mobile) -> str | None:
    """A clerk of another unit of the same kind who may file ``rt`` too."""
    filer = _user(filer_mobile)
    for mobile in _accounts(ROLE_CLERK):
        if mobile == filer_mobile:
            continue
        user = _user(mobile)
        if user.unit_id == filer.unit_id or user.unit.kind != filer.unit.kind:
            continue
        if build(rt, user) is not None:
            db.session.rollback()
            return mobile
    return None


def expected_visibility(record_unit, user) -> bool:
    """The base scope rule written independently of app/scope.py: the own unit
    and the units above it, the 改革办 role, and city-level users."""
    roles = {r.name for r in user.roles}
    if ROLE_ADMIN in roles:
        return True  # administrators' scope; they hold no record permission (403 below)
    if ROLE_REFORM_OFFICE in roles or user.unit.kind == "reform_office":
        return True
    return (record_unit.path or "").startswith(user.unit.path)


def web_client(app, mobile):
    c = new_client(app)
    token = csrf_token(c)
    resp = c.post("/login/", data={"username": mobile, "password": "Gaige@2026",
                                   "csrf_token": token})
    assert resp.status_code == 302
    return c


def api_headers(client, mobile):
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


@pytest.fixture(params=TYPES)
def rt(request, app):
    """Also the accounts of the data-source units and a few distributed pilots,
    so that every chain has someone at each step and pilot updates a pilot."""
    from app.demo.load import load_data_source_demo

    with app.app_context():
        load_data_source_demo()
    return get_type(request.param)


@pytest.mark.parametrize("type_name", TYPES, ids=TYPES)
def test_every_type_has_labels_menu_and_an_example(type_name):
    rt = get_type(type_name)  # the declaration only: no data, no app state needed
    spec = rt.spec
    assert spec.label and spec.menu.category
    for name in spec.editable:
        info = field_info(rt.model, name)
        assert info.label != name, f"{rt.name}.{name} has no Chinese label"
    assert spec.example, f"{rt.name} declares no example"


def test_scope_matrix_on_every_endpoint(app, rt):
    with app.app_context():
        filer = filer_for(rt)
        rid = make(rt, filer, title="契约测试甲")
        record = db.session.get(rt.model, rid)
        record_unit = record.unit
        accounts = {acc.mobile for acc in DEMO_ACCOUNTS}
        expected = {}
        for mobile in accounts:
            user = _user(mobile)
            base = expected_visibility(record_unit, user)
            # a type may add ways in (a supervising department …), never take them away
            expected[mobile] = base or can_see(user, record)
        roles = {m: {r.name for r in _user(m).roles} for m in accounts}
    view = rt.view_name.lower()
    checked = 0
    for mobile in sorted(accounts):
        sees = expected[mobile]
        if ROLE_ADMIN in roles[mobile]:
            c = web_client(app, mobile)
            assert c.get(f"/{view}/list/").status_code == 403
            assert c.get(f"/{view}/show/{rid}").status_code == 403
            continue
        c = web_client(app, mobile)
        # the whole list (?_all=1): the default filter (待我审核 / 本单位记录) aside
        html = c.get(f"/{view}/list/?_all=1").get_data(as_text=True)
        assert ("契约测试甲" in html) is sees, (mobile, "web list")
        assert c.get(f"/{view}/show/{rid}").status_code == (200 if sees else 404), mobile
        resp = c.get(f"/{view}/export/?_all=1")
        assert resp.status_code == 200
        ws = load_workbook(io.BytesIO(resp.data)).active
        ids = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
        assert (rid in ids) is sees, (mobile, "export")
        if not sees:
            # 404 where the role may edit/delete at all, 403 where it may not
            assert c.get(f"/{view}/edit/{rid}").status_code in (403, 404), mobile
            token = csrf_token(c, "/resetmypassword/form")
            assert c.post(f"/{view}/delete/{rid}", data={"csrf_token": token}
                          ).status_code in (403, 404), mobile
        api = new_client(app)
        headers = api_headers(api, mobile)
        listed = api.get(f"/api/v1/{rt.name}/?q=(page_size:100)", headers=headers).get_json()
        assert (rid in listed["ids"]) is sees, (mobile, "REST list")
        assert api.get(f"/api/v1/{rt.name}/{rid}", headers=headers).status_code == \
            (200 if sees else 404), mobile
        if not sees:
            assert api.put(f"/api/v1/{rt.name}/{rid}", json={}, headers=headers
                           ).status_code in (403, 404), mobile
            assert api.delete(f"/api/v1/{rt.name}/{rid}", headers=headers
                              ).status_code in (403, 404), mobile
            resp = api.post(f"/api/v1/workflow/{rt.name}/{rid}/approve", headers=headers)
            assert resp.status_code in (403, 404), mobile
        if rt.spec.attachments:
            with app.app_context():
                from app.attachments.models import Attachment

                att_id = db.session.scalar(select(Attachment.id).where(
                    Attachment.record_type == rt.name, Attachment.record_id == rid))
            assert c.get(f"/attachments/{att_id}").status_code == (200 if sees else 404), \
                mobile
            files = api.get(f"/api/v1/{rt.name}/{rid}/attachments", headers=headers)
            assert files.status_code == (200 if sees else 404), mobile
        checked += 1
    assert checked >= 8
    with app.app_context():  # nothing was changed by anyone
        record = db.session.get(rt.model, rid)
        assert record.state == DRAFT and record.version == 1


def _actor_for(step, record, exclude=()):
    for mobile in _accounts():
        if mobile in exclude:
            continue
        user = _user(mobile)
        if ROLE_ADMIN in {r.name for r in user.roles}:
            continue
        if step.actor.matches(user, record):
            return mobile
    return None


def test_chain_walked_end_to_end_with_locks_and_no_self_approval(app, client, rt):
    with app.app_context():
        filer = filer_for(rt)
        rid = make(rt, filer)
    h_filer = api_headers(client, filer)
    assert client.post(f"/api/v1/workflow/{rt.name}/{rid}/approve", headers=h_filer
                       ).status_code in (403, 409)
    resp = client.post(f"/api/v1/workflow/{rt.name}/{rid}/submit", headers=h_filer)
    assert resp.status_code == 200, resp.get_json()
    # locked under review: no edit, no delete by the filer
    first = rt.spec.editable[0]
    assert client.put(f"/api/v1/{rt.name}/{rid}", json={first: "改"}, headers=h_filer
                      ).status_code == 403
    assert client.delete(f"/api/v1/{rt.name}/{rid}", headers=h_filer).status_code == 403
    # the filer cannot approve the own record at any step
    assert client.post(f"/api/v1/workflow/{rt.name}/{rid}/approve", headers=h_filer
                       ).status_code == 403
    for index, step in enumerate(rt.chain.steps, start=1):
        with app.app_context():
            record = db.session.get(rt.model, rid)
            assert record.state == rt.chain.pending(index)
            actor = _actor_for(step, record, exclude={filer})
        assert actor, f"no demo account can act at {rt.name} step {step.label}"
        resp = client.post(f"/api/v1/workflow/{rt.name}/{rid}/approve",
                           headers=api_headers(client, actor))
        assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        record = db.session.get(rt.model, rid)
        assert record.state == APPROVED and record.approved_on is not None
        n = db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.record_type == rt.name, WorkflowHistory.record_id == rid))
        assert n == len(rt.chain.steps) + 1
        assert record.version == n + 1


def test_bulk_with_foreign_ids_mixed_in(app, client, rt):
    with app.app_context():
        filer = filer_for(rt)
        mine = make(rt, filer, submit=True)
        other = other_clerk(rt, filer)
        foreign = make(rt, other, submit=True) if other else None
        record = db.session.get(rt.model, mine)
        reviewer = _actor_for(rt.chain.steps[0], record, exclude={filer})
        if foreign is not None:
            sees_foreign = can_see(_user(reviewer), db.session.get(rt.model, foreign))
    ids = [mine, 2**31 - 1] + ([foreign] if foreign else [])
    resp = client.post(f"/api/v1/workflow/{rt.name}/bulk", headers=api_headers(
        client, reviewer), json={"action": "approve", "ids": ids})
    assert resp.status_code == 200, resp.get_json()
    results = {r["id"]: r for r in resp.get_json()["results"]}
    assert results[mine]["ok"] is True
    assert results[2**31 - 1]["ok"] is False
    with app.app_context():
        if foreign is not None and not sees_foreign:
            assert results[foreign]["ok"] is False
            assert db.session.get(rt.model, foreign).state == rt.chain.pending(1)


SERVER_OWNED = {"unit_id": 1, "unit": 1, "filed_by_id": 1, "state": "approved", "version": 9,
                "created_on": "2020-01-01T00:00:00", "approved_on": "2020-01-01T00:00:00",
                "submitted_by_id": 1}


def _rest_body(app, rt, mobile) -> dict:
    with app.app_context():
        user = _user(mobile)
        body = rt.spec.example_values()
        for name in rt.spec.editable:
            info = field_info(rt.model, name)
            if info.kind == "relation" and info.required and name not in body:
                value = _related_value(info, user)
                body[name] = [v.id for v in value] if info.many else value.id
        for key, value in list(body.items()):
            if hasattr(value, "isoformat"):
                body[key] = value.isoformat()
    return body


def test_server_owned_fields_are_refused_or_ignored(app, client, rt):
    with app.app_context():
        filer = filer_for(rt)
        before = db.session.scalar(select(func.count()).select_from(rt.model))
    headers = api_headers(client, filer)
    body = _rest_body(app, rt, filer)
    for key, value in SERVER_OWNED.items():
        resp = client.post(f"/api/v1/{rt.name}/", json={**body, key: value}, headers=headers)
        assert resp.status_code == 422, (key, resp.get_json())
        assert "不是可以填写的字段" in resp.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(rt.model)) == before
    resp = client.post(f"/api/v1/{rt.name}/", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    result = resp.get_json()["result"]
    assert result["state"] == DRAFT and result["version"] == 1
    for key, value in SERVER_OWNED.items():
        resp = client.put(f"/api/v1/{rt.name}/{rid}", json={key: value}, headers=headers)
        assert resp.status_code in (403, 422), (key, resp.get_json())
    # the same record once more through the web form: a type may allow only one
    # (a document number, a district and quarter), so the REST draft goes first
    assert client.delete(f"/api/v1/{rt.name}/{rid}", headers=headers).status_code == 200
    # the web form ignores them
    with app.app_context():
        own_unit = _user(filer).unit_id
        other_unit = db.session.scalar(select(ReformUser.unit_id).where(
            ReformUser.unit_id != own_unit, ReformUser.unit_id.is_not(None)))
    c = web_client(app, filer)
    view = rt.view_name.lower()
    token = csrf_token(c, f"/{view}/add")
    form = {k: (v if not isinstance(v, list) else v[0]) for k, v in body.items()}
    form.update(csrf_token=token, state="approved", unit=str(other_unit),
                unit_id=str(other_unit), version="7", filed_by="1")
    resp = c.post(f"/{view}/add", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        newest = db.session.scalar(select(rt.model).order_by(rt.model.id.desc()).limit(1))
        assert newest.unit_id == own_unit and newest.state == DRAFT and newest.version == 1
        assert newest.filed_by_id == _user(filer).id


def test_filer_removes_evidence_on_the_record_page(app, rt):
    """The 删除 button beside a file on the record page works for the filer of
    an editable record (the row stays, marked removed), and for nobody else."""
    if not rt.spec.attachments:
        pytest.skip("no evidence on this record type")
    from app.attachments.models import Attachment

    view = rt.view_name.lower()
    with app.app_context():
        filer = filer_for(rt)
        rid = make(rt, filer, title="契约测试删材料")
        att_id = db.session.scalar(select(Attachment.id).where(
            Attachment.record_type == rt.name, Attachment.record_id == rid))
        other = other_clerk(rt, filer)
    url = f"/{view}/attachment/{rid}/{att_id}/remove"
    if other is not None:
        c = web_client(app, other)
        token = csrf_token(c, f"/{view}/add")
        assert c.post(url, data={"csrf_token": token}).status_code in (403, 404)
    c = web_client(app, filer)
    page = c.get(f"/{view}/show/{rid}").get_data(as_text=True)
    assert url in page  # the button is there for the filer
    resp = c.post(url, data={"csrf_token": csrf_token(c, f"/{view}/show/{rid}")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    with app.app_context():
        att = db.session.get(Attachment, att_id)
        assert att.removed_on is not None and att.removed_by_id == _user(filer).id
