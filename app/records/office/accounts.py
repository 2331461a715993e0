"""Demo accounts the 改革办's own records need: a clerk files 深改委会议 and
工作动态, the 改革办 account (13900000001) approves them."""

UNITS: list[tuple] = []

ACCOUNTS = [
    ("13900001501", "改革办录入员", "市委改革办", "录入员"),
]
