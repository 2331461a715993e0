"""Demo accounts of the 国企改革 chain (seed 004): a 录入员 and a 审核员 for each
万州 enterprise of app/demo/units.py, and the 万州区国资委's 审核员 (its 录入员 is
13900000061 of app/demo/load.py). Mobiles 13900001200–13900001299."""

from __future__ import annotations

from app.demo.units import WANZHOU_ENTERPRISES, WANZHOU_SASAC

SASAC = WANZHOU_SASAC[1]
SASAC_CLERK = "13900000061"
SASAC_REVIEWER = "13900001210"

_SHORT = ("城建集团", "交投集团", "水务集团")
# (clerk, reviewer) mobiles of each enterprise, in WANZHOU_ENTERPRISES' order
ENTERPRISE_MOBILES = [("13900001201", "13900001202"), ("13900001203", "13900001204"),
                      ("13900001205", "13900001206")]

UNITS: list[tuple] = []  # the 万州 units are the demo's own (app/demo/load.py)

ACCOUNTS = [(SASAC_REVIEWER, "万州国资委审核员", SASAC, "审核员")]
for (_code, _name), _short, (_clerk, _reviewer) in zip(WANZHOU_ENTERPRISES, _SHORT,
                                                       ENTERPRISE_MOBILES, strict=True):
    ACCOUNTS += [(_clerk, f"{_short}录入员", _name, "录入员"),
                 (_reviewer, f"{_short}审核员", _name, "审核员")]
