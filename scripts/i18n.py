"""Build the app's translation catalogues (run after changing a translation):

    python scripts/i18n.py          # writes app/translations/*/LC_MESSAGES/messages.{po,mo}

The zh catalogue completes and corrects Flask-AppBuilder's partial one: every
msgid FAB's code and templates use gets a Simplified Chinese translation
(ZH_OVERRIDES below wins over FAB's own). Both .po and .mo are committed, so a
fresh clone needs no build step; tests/test_i18n.py fails when they drift.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "app" / "translations"

ZH_OVERRIDES = {
    "Security": "系统管理",
    "Please use a good password policy, this application does not check this for you":
        "系统会检查密码强度：至少 8 位，包含大写字母、小写字母、数字、特殊字符中的至少三类",
    "Must have at least two capital letters, one special character, two digits, three lower "
    "case letters and a minimal length of 10.":
        "须至少包含两个大写字母、一个特殊字符、两个数字、三个小写字母，长度至少 10 位。",
    "Integrity error, probably unique constraint": "数据完整性错误：可能与已有记录重复",
    "Start with": "开头是", "Starts with": "开头是", "Not Starts with": "开头不是",
    "Ends with": "结尾是", "Not Ends with": "结尾不是",
    "Back": "返回",
    "This field is required.": "该字段是必填字段。",
    "First Name": "姓名", "Last Name": "姓氏", "Full Name": "姓名",
    "Username": "手机号", "User Name": "登录名（手机号）",
    "Enter your login and password below": "请输入手机号和密码",
    "Invalid login. Please try again.": "手机号或密码错误，请重试。",
    "Is Active?": "是否启用",
    "Logout": "退出登录",
    "Add Filter": "添加筛选条件",
    "Record Count": "记录数",
    "Detail": "详情",
    "Show record": "查看记录",
    "Reset Password Form": "重置密码",
    "Reset my password": "修改我的密码",
    "Reset Password": "重置密码",
    "If you are not already a user, please register": "如需开通账号，请联系系统管理员",
    "Last login": "最近登录",
    "Database Error": "数据库错误",
    "Contains (insensitive)": "包含（不区分大小写）",
    "In": "属于", "Not In": "不属于",
    "Either select a role or a group": "请选择角色或用户组",
    "List Groups": "用户组列表", "Groups": "用户组", "Show Group": "查看用户组",
    "Add Group": "添加用户组", "Edit Group": "编辑用户组",
    "Edit User Information": "编辑用户信息", "User information changed": "用户信息已修改",
    "The user's password for authentication": "用户的登录密码",
    "User(s) exists in the role, cannot delete": "该角色下仍有用户，不能删除",
    "User(s) exists in the group, cannot delete": "该用户组下仍有用户，不能删除",
    "Add": "新增", "Edit": "编辑", "Show": "查看", "Delete": "删除",
    "Are you sure you want to delete this item?": "确定要删除这条记录吗？",
    "Sign In with ": "使用以下方式登录：",
    "Start with ": "开头是",
}


def fab_dir() -> Path:
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).parent


def fab_msgids() -> list[str]:
    """Every msgid in Flask-AppBuilder's Python code and templates."""
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None,
                "ngettext": (1, 2)}
    ids = []
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(fab_dir()), method_map, options, keywords=keywords):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and msgid not in ids:
            ids.append(msgid)
    return ids


def build() -> dict[str, Catalog]:
    with open(fab_dir() / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        fab_zh = read_po(fh, locale="zh")
    zh = Catalog(locale="zh_Hans_CN", project="gaige", charset="utf-8")
    en = Catalog(locale="en", project="gaige", charset="utf-8")
    for msgid in fab_msgids():
        fab = fab_zh.get(msgid)
        text = ZH_OVERRIDES.get(msgid) or (fab.string if fab is not None else "")
        zh.add(msgid, text)
        en.add(msgid, "")
    return {"zh": zh, "en": en}


def write(catalogs: dict[str, Catalog]) -> None:
    for lang, cat in catalogs.items():
        folder = OUT / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, cat, width=100, omit_header=False, sort_output=True)
        (folder / "messages.po").write_bytes(buf.getvalue())
        buf = io.BytesIO()
        write_mo(buf, cat)
        (folder / "messages.mo").write_bytes(buf.getvalue())


if __name__ == "__main__":
    cats = build()
    write(cats)
    missing = [m.id for m in cats["zh"] if m.id and not m.string]
    print(f"zh: {len(cats['zh'])} messages, {len(missing)} untranslated")
    if missing:
        raise SystemExit("untranslated: " + ", ".join(map(repr, missing)))
