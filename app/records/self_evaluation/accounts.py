"""Demo units and accounts of the self-evaluation chain (mobiles 13900001400–1499).

Seed 003's own department, 重庆市渝中区大数据应用发展管理局 (its code 044 under
渝中区), files the seed's three tables. The city departments of the demo file
theirs with the accounts of app/records/demo_support.py; the finance office's
reviewer there (13900000072, 市财政局) acts at the last step.
"""

SEED_DEPARTMENT = "渝中区大数据应用发展管理局"

UNITS = [
    ("500103-044", SEED_DEPARTMENT, "district_dept", "渝中区"),
]

ACCOUNTS = [
    ("13900001401", "渝中区大数据局录入员", SEED_DEPARTMENT, "录入员"),
    ("13900001402", "渝中区大数据局审核员", SEED_DEPARTMENT, "审核员"),
    ("13900001403", "市财政局审核员（二）", "市财政局", "审核员"),
]
