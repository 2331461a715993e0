"""Indicator schemes as data: dataclasses, YAML load/dump, validation.

The YAML format is documented in docs/schemes.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from app.errors import BadInput

# method → (required params, optional params)
METHODS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "efficacy2": ((), ("coefficients", "na")),
    "efficacy3": (("coefficients",), ("na",)),
    "rate": ((), ("cap", "na")),
    "buckets": (("buckets",), ("na",)),
    "deduction": (("per_event",), ()),
    "bonus": (("per_item",), ()),
    "target": (("target", "missing_penalty", "extra_bonus"), ()),
    "entered": ((), ("full",)),
}
METHOD_LABELS = {
    "efficacy2": "功效系数法（两档）", "efficacy3": "功效系数法（三档）", "rate": "比率×分值",
    "buckets": "分档计分", "deduction": "有事法则按件次扣分", "bonus": "按项加分",
    "target": "年度目标（少扣多加）", "entered": "录入得分",
}
# methods whose result is added after the weighted sum, whatever the points
ADJUSTMENTS = {"deduction", "bonus", "target"}
DIRECTIONS = ("higher", "lower")
PERIOD_KINDS = ("quarter", "bimonth", "year")
NA_MODES = ("full", "exclude")


class SchemeError(BadInput, ValueError):
    """A scheme that cannot be used; ``messages`` lists every problem (Chinese)
    (also a ValueError, as before: code that catches that still works)."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("指标体系有误：\n" + "\n".join(self.messages), messages=self.messages)


def plain_data(value):
    """``value`` with the dates YAML reads (``2024-05-10``) as ISO strings, so
    that a source or its parameters can be stored as JSON; the collectors
    compare them with date columns as dates."""
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass
class Indicator:
    code: str
    name: str
    points: float = 0.0
    weight: float = 1.0
    rule_text: str = ""
    responsible_units: list[str] = field(default_factory=list)
    direction: str = "higher"
    method: str | None = None
    params: dict = field(default_factory=dict)
    source: dict | None = None
    missing: str = "report"  # report: 缺少数据 is shown; zero: a missing value counts as 0
    to_confirm: bool = False
    note: str = ""
    children: list[Indicator] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Scheme:
    code: str
    name: str
    report_type: str
    version: str
    period_kind: str = "quarter"
    unit_kind: str = "district"
    status: str = "active"
    notes: str = ""
    bands: dict | None = None
    indicators: list[Indicator] = field(default_factory=list)

    def walk(self):
        for ind in self.indicators:
            yield from ind.walk()

    def leaves(self) -> list[Indicator]:
        return [i for i in self.walk() if i.is_leaf]

    def find(self, code: str) -> Indicator | None:
        return next((i for i in self.walk() if i.code == code), None)

    @property
    def total_points(self) -> float:
        return sum(i.points * i.weight for i in self.indicators if i.method not in ADJUSTMENTS)


_IND_FIELDS = [f.name for f in fields(Indicator)]
_SCHEME_FIELDS = [f.name for f in fields(Scheme)]
_IND_DEFAULTS = {f.name: (f.default_factory() if callable(f.default_factory) else f.default)
                 for f in fields(Indicator)}
_SCHEME_DEFAULTS = {f.name: (f.default_factory() if callable(f.default_factory) else f.default)
                    for f in fields(Scheme)}


def _num(value, where, name, errors):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append(f"{where}：{name}“{value}”不是数字")
        return 0.0
    return float(value)


def _indicator(data, where: str, errors: list[str]) -> Indicator:
    if not isinstance(data, dict):
        errors.append(f"{where}：应为一个指标（键值对），实际是 {type(data).__name__}")
        return Indicator(code="?", name="?")
    unknown = set(data) - set(_IND_FIELDS)
    code = str(data.get("code", "")).strip()
    where = f"指标 {code}" if code else where
    if unknown:
        errors.append(f"{where}：无法识别的字段 {', '.join(sorted(unknown))}")
    for req in ("code", "name"):
        if not str(data.get(req, "")).strip():
            errors.append(f"{where}：缺少 {req}")
    children = [_indicator(c, f"{where} 的第 {n} 个下级指标", errors)
                for n, c in enumerate(data.get("children") or [], start=1)]
    params = data.get("params") or {}
    if not isinstance(params, dict):
        errors.append(f"{where}：params 应为键值对")
        params = {}
    return Indicator(
        code=code, name=str(data.get("name", "")).strip(),
        points=_num(data.get("points", 0), where, "points", errors),
        weight=_num(data.get("weight", 1), where, "weight", errors),
        rule_text=str(data.get("rule_text") or ""),
        responsible_units=[str(u) for u in (data.get("responsible_units") or [])],
        direction=str(data.get("direction") or "higher"),
        method=data.get("method"), params=plain_data(params),
        source=plain_data(data.get("source")),
        missing=str(data.get("missing") or "report"),
        to_confirm=bool(data.get("to_confirm", False)), note=str(data.get("note") or ""),
        children=children,
    )


def scheme_from_dict(data) -> Scheme:
    errors: list[str] = []
    if not isinstance(data, dict):
        raise SchemeError(["YAML 顶层应为一个指标体系（键值对）"])
    unknown = set(data) - set(_SCHEME_FIELDS)
    if unknown:
        errors.append(f"指标体系：无法识别的字段 {', '.join(sorted(unknown))}")
    for req in ("code", "name", "report_type", "version"):
        if not str(data.get(req, "")).strip():
            errors.append(f"指标体系：缺少 {req}")
    indicators = [_indicator(d, f"第 {n} 个一级指标", errors)
                  for n, d in enumerate(data.get("indicators") or [], start=1)]
    scheme = Scheme(
        code=str(data.get("code", "")).strip(), name=str(data.get("name", "")).strip(),
        report_type=str(data.get("report_type", "")).strip(),
        version=str(data.get("version", "")).strip(),
        period_kind=str(data.get("period_kind") or "quarter"),
        unit_kind=str(data.get("unit_kind") or "district"),
        status=str(data.get("status") or "active"), notes=str(data.get("notes") or ""),
        bands=data.get("bands"), indicators=indicators,
    )
    if errors:
        raise SchemeError(errors)
    return scheme


def load_scheme(text_or_path) -> Scheme:
    """A scheme from YAML text or a path; SchemeError lists every problem."""
    if isinstance(text_or_path, Path) or (
        isinstance(text_or_path, str) and "\n" not in text_or_path
        and text_or_path.endswith((".yaml", ".yml"))
    ):
        text = Path(text_or_path).read_text(encoding="utf-8")
    else:
        text = text_or_path
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise SchemeError([f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}"]) from exc
    scheme = scheme_from_dict(data)
    errors, _ = validate_scheme(scheme)
    if errors:
        raise SchemeError(errors)
    return scheme


def _indicator_dict(ind: Indicator) -> dict:
    out = {}
    for name in _IND_FIELDS:
        value = getattr(ind, name)
        if name == "children":
            if value:
                out[name] = [_indicator_dict(c) for c in value]
            continue
        if name in ("code", "name") or value != _IND_DEFAULTS[name]:
            out[name] = value
    return out


def scheme_to_dict(scheme: Scheme) -> dict:
    out = {}
    for name in _SCHEME_FIELDS:
        value = getattr(scheme, name)
        if name == "indicators":
            out[name] = [_indicator_dict(i) for i in value]
        elif name in ("code", "name", "report_type", "version") or value != _SCHEME_DEFAULTS[name]:
            out[name] = value
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_scheme(scheme: Scheme) -> str:
    return yaml.dump(scheme_to_dict(scheme), Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, width=100)


def validate_scheme(scheme: Scheme) -> tuple[list[str], list[str]]:
    """(errors, warnings), in Chinese, each naming the indicator."""
    errors: list[str] = []
    warnings: list[str] = []
    if scheme.period_kind not in PERIOD_KINDS:
        errors.append(f"指标体系：period_kind 应为 {'/'.join(PERIOD_KINDS)}")
    seen: set[str] = set()
    for ind in scheme.walk():
        where = f"指标 {ind.code}（{ind.name}）"
        if ind.code in seen:
            errors.append(f"{where}：代码重复")
        seen.add(ind.code)
        if ind.direction not in DIRECTIONS:
            errors.append(f"{where}：direction 应为 higher 或 lower")
        if ind.missing not in ("report", "zero"):
            errors.append(f"{where}：missing 应为 report 或 zero")
        if ind.points < 0:
            errors.append(f"{where}：分值不能为负")
        if ind.to_confirm:
            warnings.append(f"{where}：待确认 {ind.note}".rstrip())
        if ind.children:
            if ind.method:
                errors.append(f"{where}：有下级指标的指标不能再指定计分方法")
            summed = sum(c.points * c.weight for c in ind.children
                         if c.method not in ADJUSTMENTS)
            if ind.children and any(c.method not in ADJUSTMENTS for c in ind.children) \
                    and abs(summed - ind.points) > 0.005:
                errors.append(f"{where}：下级指标分值（×权重）合计 {summed:g}，与本指标分值 "
                              f"{ind.points:g} 不一致")
            continue
        if not ind.method:
            errors.append(f"{where}：末级指标须指定计分方法 method")
            continue
        if ind.method not in METHODS:
            errors.append(f"{where}：未知的计分方法“{ind.method}”（可选：{'、'.join(METHODS)}）")
            continue
        required, optional = METHODS[ind.method]
        for p in required:
            if p not in ind.params:
                errors.append(f"{where}：计分方法 {ind.method} 缺少参数 {p}")
        for p in set(ind.params) - set(required) - set(optional):
            errors.append(f"{where}：计分方法 {ind.method} 没有参数 {p}")
        errors.extend(_check_params(ind, where))
        if not ind.source:
            warnings.append(f"{where}：未指定数据来源 source")
        elif "kind" not in ind.source:
            errors.append(f"{where}：数据来源 source 缺少 kind")
    return errors, warnings


def _check_params(ind: Indicator, where: str) -> list[str]:
    p, errs = ind.params, []
    coeffs = p.get("coefficients")
    n = {"efficacy2": 2, "efficacy3": 3}.get(ind.method)
    if n and coeffs is not None:
        if (not isinstance(coeffs, list) or len(coeffs) != n
                or not all(isinstance(c, (int, float)) for c in coeffs)):
            errs.append(f"{where}：coefficients 应为 {n} 个数字")
        elif any(coeffs[i] < coeffs[i + 1] for i in range(n - 1)) or coeffs[-1] < 0:
            errs.append(f"{where}：coefficients 应从高档到低档递减且不为负")
    if "na" in p and p["na"] not in NA_MODES:
        errs.append(f"{where}：na 应为 full 或 exclude")
    if ind.method == "buckets":
        b = p.get("buckets")
        if not isinstance(b, list) or not b or not all(
                isinstance(x, list) and len(x) == 2 for x in b):
            errs.append(f"{where}：buckets 应为 [[下限, 得分], …]，最后一档下限为 null")
        else:
            lows = [x[0] for x in b[:-1]]
            if b[-1][0] is not None or any(lo is None for lo in lows) or lows != sorted(
                    lows, reverse=True):
                errs.append(f"{where}：buckets 的下限应从高到低排列，最后一档下限为 null")
    return errs
