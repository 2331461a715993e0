"""Excel exports: every cell neutralised, rows streamed.

:func:`neutralise` is the one helper every export uses: a text that a
spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading apostrophe, so that
``=HYPERLINK(...)`` arrives as the text the clerk typed, never as a live formula.
"""

from __future__ import annotations

import datetime
import tempfile

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """A cell value that cannot become a formula. Numbers, dates and booleans
    pass unchanged; ``None`` becomes an empty cell."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, datetime.date)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_xlsx(title: str, header: list[str], rows, widths: list[int] | None = None):
    """Write ``rows`` (an iterable of lists) to a temporary .xlsx file in
    openpyxl's write-only mode (constant memory) and return the open file,
    positioned at its start. Every text cell is neutralised; the header is bold
    and frozen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(ws, value=neutralise(name))
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append([neutralise(v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out
