"""Helpers shared by the data-source record types (风险事件, 满意度调查,
指标数据): who may file them, their date windows, and the links from a scored
value back to the approved records behind it.

Why the links name the *filing* unit and the record ids
--------------------------------------------------------
These records count for other units than the one that filed them: a risk
incident filed by 市委网信办 counts against every district it involves; a survey
or a metric value filed by a city department counts for the district it names.
:func:`app.scoring.collectors.records_for` lists a link's records as "approved
records *of the link's unit*" (``model.unit_id``), which is the filer here. So a
link carries the filing unit and an ``id IN (…)`` filter with exactly the
records behind the value; ``records_for(link)`` then lists them, and a value
made of records of two filers (网信办 and 信访办) has one link per filer. The
lists are short (a few incidents; one survey or metric value per district).
When the workflow queries learn which units a record counts for (see the
report of issue #10), these links can name the district and drop the ids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

WINDOWS = ("period", "year_to_date", "all")


def filer_unit_name(record) -> str | None:
    """The name of the unit filing ``record`` (its ``unit``, or the row its
    ``unit_id`` names while the record is not in a session yet)."""
    from app.extensions import db
    from app.units.models import Unit

    unit = record.unit
    if unit is None and record.unit_id is not None:
        with db.session.no_autoflush:
            unit = db.session.get(Unit, record.unit_id)
    return unit.name if unit is not None else None


def window(source: dict, period, default: str = "period") -> tuple[dt.date | None, dt.date]:
    """(start, end) of the dates that count for ``period``: the period itself
    (default), the period's year up to its end, or everything up to its end."""
    from app.scoring.collectors import SourceError

    kind = source.get("window", default)
    if kind == "period":
        return period.start, period.end
    if kind == "year_to_date":
        return period.year_start, period.end
    if kind == "all":
        return None, period.end
    raise SourceError(f"数据来源有误：window“{kind}”应为 {'、'.join(WINDOWS)} 之一")


def quarter_code(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_between(start: dt.date | None, end: dt.date) -> list[str]:
    """The quarter codes whose quarter lies within [start, end] (from 2000)."""
    start = start or dt.date(2000, 1, 1)
    out = []
    year, q = start.year, (start.month - 1) // 3 + 1
    while True:
        first = dt.date(year, 3 * q - 2, 1)
        last = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        if first > end:
            break
        if first >= start and last <= end:
            out.append(f"{year}Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def id_links(record_type: str, rows, start, end, as_of, role: str = "value") -> dict:
    """{counted unit: [links]} from rows of (counted unit id, record id,
    filing unit id): one link per filing unit, filtering on the record ids."""
    from app.scoring.collectors import Filter, SourceLink

    grouped: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for counted, record_id, filer in rows:
        grouped[counted][filer].append(record_id)
    out: dict[int, list] = {}
    for counted, by_filer in grouped.items():
        out[counted] = [
            SourceLink(record_type, filer, (Filter("id", "int", tuple(sorted(set(ids))), "in"),),
                       start, end, as_of, role)
            for filer, ids in sorted(by_filer.items())
        ]
    return out


def units_named(session, names) -> dict[str, int]:
    """{unit name: id} of the units with these names (unknown names left out)."""
    from app.units.models import Unit

    names = [n for n in dict.fromkeys(names) if n]
    if not names:
        return {}
    return dict(session.execute(select(Unit.name, Unit.id).where(Unit.name.in_(names))).all())
