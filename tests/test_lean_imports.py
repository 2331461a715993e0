"""SQLAlchemy-Utils is imported only as far as Flask-AppBuilder uses it
(app/lean_imports.py), and behaves as a normal package once anything else
of it is asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, tmp_path) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "INSTANCE_PATH": str(tmp_path)},
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


STARTED = """
import json, sys
from app import create_app
create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{db}', 'SECRET_KEY': 'x'}})
from flask_appbuilder.models.sqla.interface import UUIDType
from sqlalchemy_utils.types.uuid import UUIDType as Real
before = sorted(m for m in sys.modules if m.startswith('sqlalchemy_utils'))
import sqlalchemy_utils
from sqlalchemy_utils import ChoiceType, database_exists
from sqlalchemy_utils.types import ArrowType
print(json.dumps({{'before': before, 'same': UUIDType is Real,
                  'after': len([m for m in sys.modules if m.startswith('sqlalchemy_utils')]),
                  'uuid': sqlalchemy_utils.UUIDType is Real,
                  'choice': ChoiceType.__name__, 'arrow': ArrowType.__name__,
                  'exists': callable(database_exists)}}))
"""


def test_only_the_uuid_type_is_loaded_and_the_rest_on_first_use(tmp_path):
    got = _run(STARTED.format(db=tmp_path / "x.db"), tmp_path)
    assert got["same"], "FAB does not see the real UUIDType"
    # the package, its types package and the modules uuid.py imports: no more
    assert "sqlalchemy_utils.types.uuid" in got["before"]
    assert "sqlalchemy_utils.types.choice" not in got["before"]
    assert len(got["before"]) <= 6, got["before"]
    # asked for anything else, the package is whole
    assert got["after"] > 50
    assert got["uuid"] and got["choice"] == "ChoiceType" and got["arrow"] == "ArrowType"
    assert got["exists"]
