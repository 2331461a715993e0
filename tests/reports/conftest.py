"""Report tests: the session app with its report files and task queue in a
temporary folder (set again for each test: the suite puts app.config back)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _reports_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("reports")


@pytest.fixture
def app(_reports_folder, app):
    from app.reports.tasks import huey_for

    app.config.update(REPORTS_FOLDER=str(_reports_folder / "files"),
                      HUEY_SQLITE_PATH=str(_reports_folder / "huey.db"),
                      REPORTS_DISTRICT_SEES_OTHERS=True)
    huey_for(app).flush()
    return app


@pytest.fixture
def worker(app):
    """A real huey consumer (threads) inside the test process."""
    from app.reports.tasks import start_consumer_thread, stop_consumer

    consumer = start_consumer_thread(app, workers=1)
    yield consumer
    stop_consumer(consumer)
