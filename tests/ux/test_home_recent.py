"""The home page's recent transitions name each record by its title, read in
the same statement as the transitions themselves."""

from __future__ import annotations

import re

from sqlalchemy import event

from app.extensions import db
from tests.workflow.util import CLERK_WZ, CLERK_YZ, REVIEWER_WZ, act, make_demand, \
    make_recognition


def test_recent_transitions_show_titles_in_one_statement(app, login_as):
    with app.app_context():
        d = make_demand(CLERK_WZ, "建立一件事集成办理机制").id
        act("demand", d, "submit", CLERK_WZ)
        r = make_recognition(CLERK_WZ)
        r.item = "推行“川渝通办”改革"
        db.session.commit()
        act("recognition", r.id, "submit", CLERK_WZ)
        act("recognition", r.id, "reject", REVIEWER_WZ, "佐证材料不清楚")
        other = make_demand(CLERK_YZ, "渝中区的需求不应出现").id
        act("demand", other, "submit", CLERK_YZ)
        engine = db.engine
    seen = []

    def hit(conn, cursor, statement, *args):
        seen.append(statement)

    c = login_as(REVIEWER_WZ)
    event.listen(engine, "before_cursor_execute", hit)
    try:
        html = c.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", hit)
    recent = html.split('id="home-recent"', 1)[1].split("</ul>", 1)[0]
    assert "“建立一件事集成办理机制”" in recent
    assert "“推行“川渝通办”改革”" in recent or "推行“川渝通办”改革" in recent
    assert "驳回了改革成效" in recent
    assert "渝中区的需求不应出现" not in recent
    history_reads = [s for s in seen if "FROM workflow_history" in s
                     and "record_title" in s]
    assert len(history_reads) == 1, history_reads
    # the titles come from that statement: no statement loads a record by its id
    assert not [s for s in seen if "record_title" not in s
                and re.search(r"FROM (demand|recognition)\s+WHERE \1\.id = ", s)]
