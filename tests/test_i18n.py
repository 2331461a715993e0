"""Chinese by default, FAB's screens included; English can be chosen; the
committed catalogues match their sources."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.helpers import login, new_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402


def test_every_fab_message_has_a_chinese_translation():
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as fh:
        zh = read_po(fh)
    missing = [m for m in i18n.fab_msgids() if zh.get(m) is None or not zh.get(m).string]
    assert missing == []


def test_committed_catalogues_match_the_build():
    built = i18n.build()
    for lang, cat in built.items():
        folder = ROOT / "app/translations" / lang / "LC_MESSAGES"
        with open(folder / "messages.po", "rb") as fh:
            po = read_po(fh)
        with open(folder / "messages.mo", "rb") as fh:
            mo = read_mo(io.BytesIO(fh.read()))
        want = {m.id: m.string for m in cat if m.id}
        assert {m.id: m.string for m in po if m.id} == want, f"{lang}: run scripts/i18n.py"
        assert {m.id: m.string for m in mo if m.id} == {k: v for k, v in want.items() if v} \
            or lang == "en", f"{lang}: messages.mo is stale, run scripts/i18n.py"


def test_login_page_is_chinese_then_english(app):
    c = new_client(app)
    html = c.get("/login/").get_data(as_text=True)
    assert "手机号" in html and "密码" in html and "登录" in html
    assert "Username" not in html and "Sign In" not in html
    c.get("/lang/en")
    html = c.get("/login/").get_data(as_text=True)
    assert "Username" in html and "Password" in html


def test_fab_screens_are_chinese(login_as):
    c = login_as("13900000099")
    html = c.get("/users/list/").get_data(as_text=True)
    assert "系统管理" in html and "用户列表" in html and "记录数" in html
    assert "Record Count" not in html and "List Users" not in html
    bad = login(new_client(c.application), "13900000011", "Wrong@Pass1")
    assert bad.status_code == 302
