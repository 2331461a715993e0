"""部署文件文号 in one canonical form, so that the same document typed two ways is
recognised as the same pilot (seed 001 四（二）2: 根据部署该试点项目的文件文号自动去重).

``normalize_doc_no`` unifies what people vary when they type a number:

* full-width letters, digits and spaces (NFKC: ``２０１９`` → ``2019``);
* the year brackets: 〔〕 [] ［］ 【】 () （） {} ｛｝ 〖〗 〘〙 all become 〔〕;
* spaces anywhere, ideographic spaces included;
* ``第25号`` → ``25号``, leading zeros of the serial number (``〔2019〕025号``),
  and a missing final ``号`` (``〔2019〕25`` → ``〔2019〕25号``);
* Latin letters in upper case.

Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata

OPENING = "([{【〖〘⦅〔"
CLOSING = ")]}】〗〙⦆〕"
_BRACKETS = str.maketrans({**{c: "〔" for c in OPENING}, **{c: "〕" for c in CLOSING}})
_SPACE = re.compile(r"\s+")
_DI_HAO = re.compile(r"第0*(\d+)号")
_SERIAL = re.compile(r"〕0*(\d+)")
_ENDS_IN_DIGIT = re.compile(r"\d\Z")


def normalize_doc_no(text: str | None) -> str:
    """The canonical form of a document number ('' for nothing)."""
    value = unicodedata.normalize("NFKC", text or "")
    value = _SPACE.sub("", value)
    value = value.translate(_BRACKETS)
    value = _DI_HAO.sub(r"\1号", value)
    value = _SERIAL.sub(r"〕\1", value)
    if _ENDS_IN_DIGIT.search(value):
        value += "号"
    return value.upper()
