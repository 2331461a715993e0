"""The pure scoring core loads without the web stack: importing it in a fresh
interpreter brings in neither Flask, Flask-AppBuilder nor SQLAlchemy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("flask", "flask_appbuilder", "sqlalchemy", "flask_sqlalchemy")

PROBE = f"""
import json, sys
import {{module}}
heavy = {HEAVY!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def _loaded_after(module: str) -> list[str]:
    # sys.executable: the interpreter running the tests, i.e. the venv's python
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_scoring_core_imports_nothing_from_the_web_stack():
    assert _loaded_after("app.scoring.core") == []


def test_the_period_codes_import_nothing_from_the_web_stack():
    assert _loaded_after("app.scoring.periods") == []


def test_the_web_app_starts_without_pandas_numpy_or_openpyxl(tmp_path):
    """Heavy libraries are imported where they are used (scoring, exports),
    not by every web worker at start-up."""
    code = (
        "import sys; from app import create_app; "
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db', "
        "'SECRET_KEY': 'x'}); "
        "print(','.join(m for m in ('pandas', 'numpy', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "INSTANCE_PATH": str(tmp_path)},
                         check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), out.stdout
