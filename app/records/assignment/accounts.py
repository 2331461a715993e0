"""Demo accounts the assigned items need besides the base demo (万州区 and 渝中区
have theirs): a 录入员 and a 审核员 for three more districts, so that the items
are assigned to several districts that can each report through their chain."""

UNITS: list[tuple] = []

ACCOUNTS = [
    ("13900001101", "江北录入员", "江北区", "录入员"),
    ("13900001102", "江北审核员", "江北区", "审核员"),
    ("13900001103", "涪陵录入员", "涪陵区", "录入员"),
    ("13900001104", "涪陵审核员", "涪陵区", "审核员"),
    ("13900001105", "沙坪坝录入员", "沙坪坝区", "录入员"),
    ("13900001106", "沙坪坝审核员", "沙坪坝区", "审核员"),
]
