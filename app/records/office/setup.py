"""The cockpit's board "深改委会议与工作动态": the cockpit template calls
``office_board(g.user)`` (:func:`app.reports.cockpit.office_board`), made
available to templates here (the screens of both record types come from the kit)."""

from __future__ import annotations


def register(appbuilder) -> None:
    from flask import current_app

    from app.reports.cockpit import office_board

    current_app.add_template_global(office_board, "office_board")
