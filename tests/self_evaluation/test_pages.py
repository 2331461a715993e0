"""This type's own pages (list, add, record page, edit) read in Chinese: no
English word outside the allow-list of tests/test_pages_chinese.py, no raw
None/True/False; the record page prints the seed's table."""

from __future__ import annotations

import re

from tests.self_evaluation.util import SEED_CLERK, act, add_accounts, create, web
from tests.test_pages_chinese import ALLOWED, RAW, WORD, Text


def _english(html: str) -> list[str]:
    # the two rows fields hold their JSON in textareas that the form's script
    # replaces with the tables (FAB's pages need the script anyway)
    html = re.sub(r'(<textarea[^>]*name="(?:budget_rows|indicator_rows)"[^>]*>).*?</textarea>',
                  r"\1</textarea>", html, flags=re.S)
    # the audit trail's 修改记录 panel (app/audit) prints stored values as they are
    html = re.sub(r'<div class="panel panel-default" id="workflow-edits">.*?</ul>', "", html,
                  flags=re.S)
    parser = Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED} | set(RAW.findall(text)))


def test_pages_are_chinese(app, client):
    add_accounts(app)
    rid = create(client, 1)
    other = create(client, 2)
    act(client, other, "submit", SEED_CLERK)
    c = web(app, SEED_CLERK)
    for path in ("/selfevaluationmodelview/list/", "/selfevaluationmodelview/list/?_all=1",
                 "/selfevaluationmodelview/add", f"/selfevaluationmodelview/show/{rid}",
                 f"/selfevaluationmodelview/edit/{rid}", f"/selfevaluationmodelview/show/{other}"):
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert _english(resp.get_data(as_text=True)) == [], path
    page = c.get(f"/selfevaluationmodelview/show/{rid}").get_data(as_text=True)
    assert "2023年度部门整体绩效自评表" in page and "下载 PDF" in page
