"""Reports: periods, snapshots, rank and unit sheets (PDF, Excel), the
cockpit, the usage evaluation, background jobs.

``register(appbuilder)`` (called from app/factory.py) adds the views, the
``flask report`` commands and the task queue of the app.
"""

from __future__ import annotations


def register(appbuilder) -> None:
    from app.reports.views import register_views

    register_views(appbuilder)
