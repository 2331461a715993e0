"""Units, demo data, the scope rule, migrations, the bulk user import."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openpyxl import Workbook
from sqlalchemy import func, select

from app.demo.load import DEMO_ACCOUNTS, load_demo
from app.extensions import db
from app.scope import can_see, scope_clause, scope_for
from app.security.models import ReformUser
from app.units.models import Unit
from app.units.service import UnitTreeError, check_parent, refresh_paths
from tests.helpers import DEMO_PASSWORD


def _user(mobile):
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def _unit(name):
    return db.session.scalar(select(Unit).where(Unit.name == name))


def _counts():
    return (db.session.scalar(select(func.count(Unit.id))),
            db.session.scalar(select(func.count(ReformUser.id))))


def test_units_of_the_city(app):
    with app.app_context():
        districts = db.session.scalars(select(Unit).where(Unit.kind == "district")).all()
        assert len(districts) == 41
        regions = {d.region for d in districts}
        assert regions == {"主城都市区", "渝东北三峡库区城镇群", "渝东南武陵山区城镇群"}
        names = {d.name for d in districts}
        assert {"两江新区", "西部科学城重庆高新区", "万盛经开区", "万州区", "渝中区"} <= names
        for dept in ("市国资委", "市财政局", "市卫生健康委", "市司法局", "市发展改革委",
                     "市经济信息委", "市统计局", "市大数据发展局"):
            assert _unit(dept).kind == "department"
        for src in ("市委网信办", "市信访办", "市社情民意调查中心"):
            assert _unit(src).kind == "data_source"
        sasac = _unit("万州区国资委")
        assert sasac.parent.name == "万州区"
        assert len([u for u in sasac.children if u.kind == "enterprise"]) == 3


def test_demo_load_twice_changes_nothing(app, runner):
    with app.app_context():
        before = _counts()
        hashes = {u.mobile: u.password for u in db.session.scalars(select(ReformUser))}
    result = runner.invoke(args=["demo", "load", "--password", DEMO_PASSWORD,
                                 "--without-records"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        load_demo(DEMO_PASSWORD)
        assert _counts() == before
        assert {u.mobile: u.password for u in db.session.scalars(select(ReformUser))} == hashes
    # with the demo quarter of records: the second run adds nothing either
    assert runner.invoke(args=["demo", "load", "--password", DEMO_PASSWORD]).exit_code == 0
    with app.app_context():
        from app.workflow.registry import all_types

        def records():
            return {rt.name: db.session.query(rt.model).count() for rt in all_types()}

        first = records()
        assert sum(first.values()) > 0
    assert runner.invoke(args=["demo", "load", "--password", DEMO_PASSWORD]).exit_code == 0
    with app.app_context():
        assert records() == first


def test_demo_accounts_csv(runner):
    result = runner.invoke(args=["demo", "accounts"])
    lines = result.output.strip().splitlines()
    assert lines[0] == "login,roles,unit"
    assert len(lines) == len(DEMO_ACCOUNTS) + 1
    assert "13900000001,改革办,市委改革办" in lines


def test_roles_sync_is_idempotent(app, runner):
    first = runner.invoke(args=["roles", "sync"]).output
    second = runner.invoke(args=["roles", "sync"]).output
    assert first == second and "录入员" in first
    with app.app_context():
        admin = app.appbuilder.sm.find_role("系统管理员")
        names = {(pv.permission.name, pv.view_menu.name) for pv in admin.permissions}
        assert ("can_add", "UnitModelView") in names
        clerk = app.appbuilder.sm.find_role("录入员")
        cnames = {(pv.permission.name, pv.view_menu.name) for pv in clerk.permissions}
        assert ("can_add", "UnitModelView") not in cnames
        assert ("can_this_form_post", "ReformResetMyPasswordView") in cnames



def test_roles_sync_registers_what_every_view_and_menu_needs(app):
    """The set-based registration leaves exactly the pairs Flask-AppBuilder
    would: every view's ``base_permissions``, ``menu_access`` on every menu
    entry; a permission a view no longer has is dropped from every role."""
    from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu

    from app.security.sync import sync_roles, wanted_permissions

    with app.app_context():
        sm = app.appbuilder.sm
        # a pair the view does not have (left over from an older release), held by a role
        stale = sm.add_permission_view_menu("can_frobnicate", "UnitModelView")
        admin = sm.find_role("系统管理员")
        admin.permissions.append(stale)
        db.session.commit()
        sync_roles()
        db.session.expire_all()
        pairs = {(pv.permission.name, pv.view_menu.name)
                 for pv in db.session.scalars(select(PermissionView))}
        views, menus = wanted_permissions(app.appbuilder)
        expected = {(p, v) for v, perms in views.items() for p in perms}
        expected |= {("menu_access", m) for m in menus}
        assert expected <= pairs
        assert ("can_frobnicate", "UnitModelView") not in pairs
        assert "can_frobnicate" in {p.name for p in db.session.scalars(select(Permission))}
        assert {v.name for v in db.session.scalars(select(ViewMenu))} >= set(views) | menus
        held = {(pv.permission.name, pv.view_menu.name)
                for pv in sm.find_role("系统管理员").permissions}
        assert ("can_frobnicate", "UnitModelView") not in held
        assert ("can_list", "UnitModelView") in held


# -- the scope rule ----------------------------------------------------------

SCOPE_CASES = [
    # (mobile, sees everything?, units it must see, units it must not see)
    ("13900000001", True, ["万州区", "渝中区", "市国资委"], []),            # 改革办
    ("13900000002", True, ["万州区", "市委网信办"], []),                    # city leader
    ("13900000011", False, ["万州区", "万州区国资委", "万州区城市建设集团有限公司（演示）"],
     ["渝中区", "市国资委"]),                                              # district clerk
    ("13900000012", False, ["万州区"], ["渝中区"]),                         # district reviewer
    ("13900000013", False, ["万州区", "万州区国资委"], ["渝中区"]),          # district leader
    ("13900000023", False, ["渝中区"], ["万州区", "万州区国资委"]),          # other district
    ("13900000031", False, ["市国资委"], ["万州区", "万州区国资委"]),        # city department
    ("13900000041", False, ["市委网信办"], ["万州区", "市信访办"]),          # data-source unit
    ("13900000061", False, ["万州区国资委", "万州区交通投资集团有限公司（演示）"],
     ["万州区", "渝中区"]),                                                # district SASAC
]


@pytest.mark.parametrize("mobile,everything,visible,hidden", SCOPE_CASES)
def test_scope_rule(app, mobile, everything, visible, hidden):
    with app.app_context():
        user = _user(mobile)
        scope = scope_for(user)
        assert scope.everything is everything
        for name in visible:
            assert can_see(user, _unit(name)), name
        for name in hidden:
            assert not can_see(user, _unit(name)), name
        # the SQL form of the rule agrees with the per-object form, unit by unit
        in_sql = set(db.session.scalars(select(Unit.name).where(scope_clause(Unit, scope))))
        assert in_sql == {u.name for u in db.session.scalars(select(Unit)) if can_see(user, u)}


def test_scope_of_nobody(app):
    with app.app_context():
        assert scope_for(None).nothing
        user = _user("13900000011")
        user.active = False
        assert scope_for(user).nothing
        db.session.rollback()


def test_unit_tree_refuses_cycles_and_moves_paths(app):
    with app.app_context():
        wanzhou, sasac = _unit("万州区"), _unit("万州区国资委")
        with pytest.raises(UnitTreeError):
            check_parent(wanzhou, sasac)
        with pytest.raises(UnitTreeError):
            check_parent(wanzhou, wanzhou)
        # moving 国资委 under 渝中区 moves its enterprises too
        sasac.parent = _unit("渝中区")
        refresh_paths(db.session, sasac)
        ent = _unit("万州区水务集团有限公司（演示）")
        assert ent.path.startswith(_unit("渝中区").path)
        db.session.rollback()


def test_unit_admin_screen_scoped_and_csrf(login_as, app):
    from tests.helpers import csrf_token

    admin = login_as("13900000099")
    token = csrf_token(admin, "/unitmodelview/add")
    resp = admin.post("/unitmodelview/add", data={
        "code": "CQ-TEST", "name": "市测试局", "kind": "department", "region": "",
        "sort_order": "0", "csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        unit = _unit("市测试局")
        assert unit.path == f"/{unit.id}/"
    clerk = login_as("13900000011")
    assert clerk.get("/unitmodelview/list/").status_code == 403


# -- migrations ----------------------------------------------------------------

def test_migrations_match_the_models(app):
    """The database the migrations built has no drift from the models."""
    from flask_appbuilder import Model

    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Model.metadata)
    assert diff == [], diff


# -- bulk user import ------------------------------------------------------------

HEADER = ["手机号", "姓名", "单位", "角色", "初始密码", "电子邮箱"]


def _sheet(tmp_path, rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / "users.xlsx"
    wb.save(path)
    return path


def test_user_import_all_good(app, runner, tmp_path):
    path = _sheet(tmp_path, [
        ["13700000001", "王五", "渝中区", "录入员", "Init@Pass1", ""],
        [13700000002, "赵六", "500101", "审核员、领导", "Init@Pass2", "zl@example.com"],
    ])
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        u = _user("13700000002")
        assert u.unit.name == "万州区" and u.role_names == {"审核员", "领导"}
        assert u.must_change_password and u.username == "13700000002"


def test_user_import_bad_file_changes_nothing(app, runner, tmp_path):
    path = _sheet(tmp_path, [
        ["13700000001", "王五", "渝中区", "录入员", "Init@Pass1", ""],      # good
        ["1370000", "", "不存在区", "超级用户", "123", "not-an-email"],       # bad everywhere
        ["13700000001", "重复", "渝中区", "录入员", "Init@Pass1", ""],       # duplicate mobile
        ["13900000011", "已有", "渝中区", "录入员", "Init@Pass1", ""],       # existing account
    ])
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    out = result.output
    for expected in ("第 3 行「手机号」", "第 3 行「姓名」", "第 3 行「单位」", "第 3 行「角色」",
                     "第 3 行「初始密码」", "第 3 行「电子邮箱」", "第 4 行「手机号」：13700000001 与第 2 行重复",
                     "第 5 行「手机号」：13900000011 已有账号", "未导入任何用户"):
        assert expected in out, expected
    assert "第 2 行" not in out.replace("与第 2 行重复", "")
    with app.app_context():
        assert _counts() == before
        assert _user("13700000001") is None


def test_user_import_bad_header(runner, tmp_path):
    path = _sheet(tmp_path, [["13700000001", "王五"]], header=["手机", "姓名"])
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "表头缺少列「手机号」" in result.output and "表头有无法识别的列「手机」" in result.output


def test_user_import_not_excel(runner, tmp_path):
    path = tmp_path / "users.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1 and "无法读取 Excel 文件" in result.output


def test_user_import_screen(login_as, app, tmp_path):
    from tests.helpers import csrf_token

    admin = login_as("13900000099")
    path = _sheet(tmp_path, [["13700000009", "孙七", "渝中区", "录入员", "Init@Pass9", ""]])
    token = csrf_token(admin, "/userimportview/form")
    with open(path, "rb") as fh:
        resp = admin.post("/userimportview/form", data={"file": (fh, "users.xlsx"),
                                                        "csrf_token": token},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "已导入 1 个用户" in resp.get_data(as_text=True)
    clerk = login_as("13900000011")
    assert clerk.get("/userimportview/form").status_code == 403


def test_request_too_large_is_refused_in_chinese(login_as, app):
    c = login_as("13900000099")
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = c.post("/userimportview/form", data=b"x" * (limit + 1),
                  content_type="application/octet-stream")
    assert resp.status_code == 413
    assert "上限" in resp.get_data(as_text=True)


def test_attachments_sweep_command(app, runner):
    """The sweep removes kept (staged) files past their time, with their file,
    and leaves younger ones."""
    import datetime
    import io

    from werkzeug.datastructures import FileStorage

    from app.attachments.models import Attachment
    from app.attachments.storage import open_attachment, stage_upload
    from tests.attachments.files import pdf_bytes

    with app.app_context():
        clerk = db.session.scalar(select(ReformUser).where(ReformUser.mobile == "13900000011"))
        old = stage_upload(FileStorage(io.BytesIO(pdf_bytes()), filename="旧.pdf"), "demand", clerk)
        young = stage_upload(FileStorage(io.BytesIO(pdf_bytes()), filename="新.pdf"), "demand",
                             clerk)
        old.uploaded_on = datetime.datetime.now() - datetime.timedelta(days=2)
        db.session.commit()
        old_id, young_id = old.id, young.id
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0 and "1 个过期暂存文件" in result.output, result.output
    with app.app_context():
        assert db.session.get(Attachment, old_id) is None
        kept = db.session.get(Attachment, young_id)
        assert kept is not None
        assert open_attachment(kept).read_bytes()[:4] == b"%PDF"


def test_units_load_command_is_idempotent(app, runner):
    with app.app_context():
        before = _counts()[0]
    result = runner.invoke(args=["units", "load"])
    assert result.exit_code == 0 and f"已载入 {before} 个单位" in result.output
    with app.app_context():
        assert _counts()[0] == before
