"""Department performance self-evaluation (seed 003, SPEC §3.4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import BadInput
from app.scoring.core.rounding import round2

QUALITATIVE = {"达成": 1.0, "达标": 1.0, "是": 1.0, "1": 1.0, "部分达成": 0.6,
               "未达成": 0.0, "未达标": 0.0, "否": 0.0, "0": 0.0}
NATURES = ("≥", ">", "≤", "<", "=", "定性")


@dataclass
class SelfEvalRow:
    name: str
    nature: str
    target: object
    actual: object
    weight: float
    deviation: float = 0.0  # percent
    coefficient: float = 1.0  # 0..1
    score: float = 0.0


@dataclass
class SelfEvalResult:
    execution_rate: float  # percent
    execution_score: float
    rows: list[SelfEvalRow]
    total: float
    warnings: list[str] = field(default_factory=list)


class SelfEvalError(BadInput, ValueError):
    """Self-evaluation data that cannot be scored; ``messages`` lists every
    problem (Chinese) (also a ValueError, as before)."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("自评数据有误：\n" + "\n".join(self.messages), messages=self.messages)


def _deviation(actual: float, target: float) -> float:
    if target == 0:
        return 0.0 if actual == 0 else 100.0
    return abs(actual - target) / abs(target) * 100


def _coefficient(nature: str, actual: float, target: float) -> float:
    if nature in ("≥", ">"):
        return 1.0 if actual >= target else (actual / target if target else 0.0)
    if nature in ("≤", "<"):  # the seed scores "< 1" with actual 1 as met: < is ≤
        if actual <= target:
            return 1.0
        return max(0.0, 1 - (actual - target) / target) if target else 0.0
    # "="
    return 1.0 if actual == target else max(0.0, 1 - _deviation(actual, target) / 100)


def self_evaluation(adjusted_budget: float, executed: float, rows: list[dict],
                    execution_weight: float = 10.0, full_score: float = 100.0,
                    qualitative: dict[str, float] | None = None) -> SelfEvalResult:
    """Execution rate and score, each indicator's deviation, coefficient and
    score, and the total (capped at the full score, as the seed prints 100.00
    for a table whose weights add up to 100)."""
    qualitative = {**QUALITATIVE, **(qualitative or {})}
    errors, warnings, out = [], [], []
    if adjusted_budget is None or adjusted_budget <= 0:
        errors.append("全年（调整）预算数须大于 0")
    for n, r in enumerate(rows, start=1):
        where = f"第 {n} 个指标（{r.get('name', '')}）"
        nature = str(r.get("nature", "")).strip()
        if nature not in NATURES:
            errors.append(f"{where}：指标性质“{nature}”应为 {' '.join(NATURES)}")
            continue
        weight = float(r.get("weight", 0))
        if nature == "定性":
            key = str(r.get("actual", "")).strip()
            if key not in qualitative:
                errors.append(f"{where}：定性指标的完成情况“{key}”应为 达成、部分达成 或 未达成")
                continue
            coef = qualitative[key]
            dev = 0.0 if coef == 1.0 else (1 - coef) * 100
        else:
            try:
                actual, target = float(r["actual"]), float(r["target"])
            except (KeyError, TypeError, ValueError):
                errors.append(f"{where}：指标值和全年完成值须为数字")
                continue
            dev, coef = _deviation(actual, target), _coefficient(nature, actual, target)
        out.append(SelfEvalRow(r.get("name", ""), nature, r.get("target"), r.get("actual"),
                               weight, round2(dev), round2(coef * 100), round2(weight * coef)))
        out[-1]._raw = weight * coef  # full precision for the total
    if errors:
        raise SelfEvalError(errors)
    rate = executed / adjusted_budget
    exec_score = execution_weight * min(1.0, rate)
    weights = sum(r.weight for r in out)
    if abs(weights + execution_weight - full_score) > 0.005:
        warnings.append(f"数据质量提示：指标权重合计 {weights:g}，加执行率权重 {execution_weight:g} "
                        f"应为 {full_score:g}（指标权重应合计 {full_score - execution_weight:g}）")
    raw_total = exec_score + sum(r._raw for r in out)
    if raw_total > full_score:
        warnings.append(f"得分合计 {round2(raw_total):.2f} 超过满分，按 {full_score:g} 计")
    return SelfEvalResult(round2(rate * 100), round2(exec_score), out,
                          round2(min(raw_total, full_score)), warnings)
