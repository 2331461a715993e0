"""Demo units and accounts of the city-to-district assessment (seed 002) in
万州区: every district department the shipped breakdown names (区委办公室 and
区政府办公室 included), as ``district_dept`` units under 万州区, and clerks and
reviewers for the 区委办/区政府办 and some departments.

Mobile range of this package: 13900001300–13900001399.
"""

from __future__ import annotations

import csv
from pathlib import Path

from app.records.district_assessment.models import unit_name_for

_DATA = Path(__file__).resolve().parent / "data"
_DISTRICT = ("500101", "万州区")
_EXISTING = {"万州区国资委"}  # declared by app/demo/units.py already


def _department_names() -> list[str]:
    names: list[str] = []
    for file, column in (("breakdown_2021.csv", "责任单位"), ("supervision_2021.csv", "区级责任单位")):
        with open(_DATA / file, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for seed_name in row[column].split("、"):
                    name = unit_name_for(_DISTRICT[1], seed_name.strip())
                    if name and name not in names and name not in _EXISTING:
                        names.append(name)
    # the two offices first
    offices = [unit_name_for(_DISTRICT[1], n) for n in ("区委办公室", "区政府办公室")]
    return offices + [n for n in names if n not in offices]


UNITS = [(f"{_DISTRICT[0]}-KH{i:02d}", name, "district_dept", _DISTRICT[1])
         for i, name in enumerate(_department_names(), start=1)]

_PEOPLE = [
    ("万州区委办公室", "区委办"), ("万州区政府办公室", "区政府办"),
    ("万州区发展改革委", "区发展改革委"), ("万州区生态环境局", "区生态环境局"),
    ("万州区农业农村委", "区农业农村委"), ("万州区卫生健康委", "区卫生健康委"),
    ("万州区商务委", "区商务委"), ("万州区教委", "区教委"),
    ("万州区市场监管局", "区市场监管局"), ("万州区财政局", "区财政局"),
]

ACCOUNTS = []
for _i, (_unit, _short) in enumerate(_PEOPLE):
    ACCOUNTS.append((f"139000013{2 * _i:02d}", f"万州{_short}录入员", _unit, "录入员"))
    ACCOUNTS.append((f"139000013{2 * _i + 1:02d}", f"万州{_short}审核员", _unit, "审核员"))
# the chain's first step for the reports of 万州区国资委 (its clerk is a core demo account)
ACCOUNTS.append(("13900001390", "万州区国资委审核员（考核）", "万州区国资委", "审核员"))
