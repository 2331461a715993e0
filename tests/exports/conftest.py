"""Export tests: the session app with its job files and task queue in a
temporary folder (set again for each test: the suite puts app.config back)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _jobs_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("export-jobs")


@pytest.fixture
def app(_jobs_folder, app):
    from app.reports.tasks import huey_for

    app.config.update(REPORTS_FOLDER=str(_jobs_folder / "files"),
                      HUEY_SQLITE_PATH=str(_jobs_folder / "huey.db"),
                      EXPORT_SYNC_MAX_ROWS=40)
    huey_for(app).flush()
    return app


@pytest.fixture
def worker(app):
    """A real huey consumer (threads) inside the test process."""
    from app.reports.tasks import start_consumer_thread, stop_consumer

    consumer = start_consumer_thread(app, workers=1)
    yield consumer
    stop_consumer(consumer)
