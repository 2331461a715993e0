"""指标数据: data-source department clerk → its reviewer → 市委改革办.

* One value — or a numerator and a denominator, or an entered score — per
  indicator, district and period, with evidence (a file; for an imported sheet
  the sheet itself, kept with its batch).
* Entered only by the 数据来源单位 the scheme names for the indicator: the
  indicator list offers a department its own indicators only, and ``clean()``
  refuses any other (see :mod:`app.records.metric.catalog`).
* Scope: the filing department, every department named for the value's
  indicator (several departments share some of seed 000's items), and the
  改革办 / city leaders. Districts do not see the values about them (SPEC §1
  makes no exception for them; they read their scores in their ranking).
* A replacement is simply a new value for the same indicator, district and
  period, filed after the earlier one was approved; it goes through the chain
  again, scoring takes the latest approved value, and the earlier one stays.
  Only one value per indicator, district and period may be under review at a
  time: submitting (or importing) another is refused, naming the one waiting.
"""

from __future__ import annotations

import datetime
import math

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    or_,
    select,
)
from sqlalchemy.orm import Session, object_session, relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.records.source_links import filer_unit_name, quarter_code
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import PENDING_PREFIX, Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

FIRST_YEAR = 2024  # the first scheme with metric values (seed 000)
VALUE_MAX = 1e12


def period_choices(today: datetime.date | None = None) -> tuple[str, ...]:
    today = today or datetime.date.today()
    return tuple(f"{y}Q{q}" for y in range(today.year + 1, FIRST_YEAR - 1, -1)
                 for q in (4, 3, 2, 1))


def period_label(code: str) -> str:
    return f"{code[:4]}年第{code[-1]}季度" if code and len(code) == 6 else (code or "")


metric_indicator_unit = Table(
    "metric_indicator_unit", Model.metadata,
    Column("indicator_id", Integer, ForeignKey("metric_indicator.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
)


class MetricIndicator(Model):
    """One metric a scheme asks for (kept in step with the schemes by
    :func:`app.records.metric.catalog.sync_catalog`)."""

    __tablename__ = "metric_indicator"

    id = Column(Integer, primary_key=True)
    key = Column(String(60), nullable=False, unique=True)
    code = Column(String(50), nullable=False, default="")
    name = Column(String(200), nullable=False, default="")
    kind = Column(String(10), nullable=False, default="value")  # value | ratio | score
    rule_text = Column(Text, nullable=True)
    integer = Column("is_integer", Boolean, nullable=False, default=False)  # a count
    ratio_max = Column(Float, nullable=True)
    full = Column("full_score", Float, nullable=True)  # an entered score's maximum
    scheme_code = Column(String(50), nullable=True)
    year = Column(Integer, nullable=True)
    period_kind = Column(String(20), nullable=False, default="quarter")
    active = Column(Boolean, nullable=False, default=True, index=True)
    sort_order = Column(Integer, nullable=False, default=0)

    departments = relationship("Unit", secondary=metric_indicator_unit, order_by="Unit.sort_order")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}".strip() or self.key

    @property
    def label(self) -> str:
        return repr(self)

    @property
    def department_names(self) -> str:
        return "、".join(u.name for u in self.departments)

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        """The indicators a unit in scope is named for (the choice list)."""
        link = metric_indicator_unit
        return cls.id.in_(select(link.c.indicator_id).where(link.c.unit_id.in_(unit_ids_select)))


class MetricImportBatch(Model):
    """One imported sheet: its values are reviewed together."""

    __tablename__ = "metric_import_batch"

    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    filed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    file_name = Column(String(255), nullable=False)
    stored_name = Column(String(120), nullable=True)
    sha256 = Column(String(64), nullable=False)
    periods = Column(String(200), nullable=False, default="")
    row_count = Column(Integer, nullable=False, default=0)
    value_count = Column(Integer, nullable=False, default=0)

    unit = relationship("Unit")
    filed_by = relationship("ReformUser")

    def __repr__(self) -> str:
        return f"导入批次 {self.id}（{self.file_name}）"


def _is_district():
    return Unit.kind == UnitKind.DISTRICT.value


def _is_active():
    return MetricIndicator.active.is_(True)


def _example_period() -> str:
    start = datetime.date.today().replace(day=1)
    previous = datetime.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1) - datetime.timedelta(
        days=1)
    return quarter_code(previous)


def _number(x) -> float | None:
    return None if x is None else float(x)


class MetricValue(WorkflowMixin, Model):
    """指标数据."""

    __tablename__ = "metric_value"
    __table_args__ = (
        Index("ix_metric_value_key", "indicator_id", "district_id", "period"),
    )
    __record__ = RecordSpec(
        name="metric_value", label="指标数据",
        menu=Menu("指标数据填报", "fa-table", "fa-database"), order=80,
        chain=Chain(
            steps=(
                Step("本单位审核", own_unit(ROLE_REVIEWER)),
                Step("市委改革办审核", reform_office()),
            ),
            editable=("indicator", "district", "period", "value", "numerator", "denominator",
                      "note"),
        ),
        title_field="title", date_field="created_on",
        list_columns=("title", "period", "value", "numerator", "denominator", "batch_id"),
        search_columns=("indicator", "district", "period", "batch_id"),
        show_columns=("title", "indicator", "district", "period", "value", "numerator",
                      "denominator", "ratio_label", "note", "batch_label", "previous_label"),
        export_columns=("indicator", "district", "period", "value", "numerator", "denominator",
                        "note", "batch_id"),
        attachments=True,
        example={"period": _example_period, "numerator": 3.0, "denominator": 4.0,
                 "note": "据目标责任书统计"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False, default="", info={"label": "指标数据"})
    indicator_id = Column(Integer, ForeignKey("metric_indicator.id"), nullable=False, index=True)
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    period = Column(String(10), nullable=False, index=True, info={
        "label": "统计期间", "choices": period_choices(),
        "choice_labels": {p: period_label(p) for p in period_choices()}})
    value = Column(Float, nullable=True, info={
        "label": "数值", "description": "数值类指标、录入得分（如专家评分）填这里；比率类指标不填"})
    numerator = Column(Float, nullable=True, info={
        "label": "分子", "description": "比率类指标填写分子和分母"})
    denominator = Column(Float, nullable=True, info={"label": "分母"})
    note = Column(Text, nullable=True, info={"label": "说明", "widget": "textarea"})
    batch_id = Column(Integer, ForeignKey("metric_import_batch.id"), nullable=True, index=True,
                      info={"label": "导入批次"})

    indicator = relationship("MetricIndicator", info={
        "label": "指标", "where": _is_active,
        "description": "只列出本单位作为数据来源单位的指标"})
    district = relationship("Unit", foreign_keys=[district_id], info={
        "label": "区县", "where": _is_district})
    batch = relationship("MetricImportBatch")

    def __repr__(self) -> str:
        return self.title or f"指标数据#{self.id}"

    # -- what is shown ------------------------------------------------------------------
    @property
    @labelled("比率")
    def ratio_label(self) -> str:
        if self.numerator is None or self.denominator is None:
            return ""
        if not self.denominator:
            return "不适用（分母为 0）"
        return f"{self.numerator / self.denominator:.2%}"

    @property
    @labelled("导入批次")
    def batch_label(self) -> str:
        return f"第 {self.batch_id} 批（Excel 导入）" if self.batch_id else "逐条填报"

    @property
    @labelled("此前通过的数值")
    def previous_label(self) -> str:
        """The value this one replaces (the latest approved before it), if any."""
        session = object_session(self)
        if session is None or self.id is None:
            return ""
        cls = type(self)
        stmt = (select(cls).where(cls.indicator_id == self.indicator_id,
                                  cls.district_id == self.district_id,
                                  cls.period == self.period, cls.state == "approved",
                                  cls.id != self.id)
                .order_by(cls.approved_on.desc(), cls.id.desc()).limit(1))
        if self.approved_on is not None:
            stmt = stmt.where(cls.approved_on < self.approved_on)
        other = session.scalar(stmt)
        if other is None:
            return ""
        shown = other.ratio_label or f"{other.value:g}"
        return f"编号 {other.id}：{shown}（{other.approved_on:%Y-%m-%d} 通过）"

    # -- rules --------------------------------------------------------------------------
    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        link = metric_indicator_unit
        return or_(cls.unit_id.in_(unit_ids_select), cls.indicator_id.in_(
            select(link.c.indicator_id).where(link.c.unit_id.in_(unit_ids_select))))

    def pending_twin(self, session):
        """Another value of the same indicator, district and period that is
        under review now, or None."""
        cls = type(self)
        with session.no_autoflush:
            return session.scalar(
                select(cls).where(cls.indicator_id == self.indicator_id,
                                  cls.district_id == self.district_id,
                                  cls.period == self.period, cls.id != self.id,
                                  cls.state.startswith(PENDING_PREFIX, autoescape=True)).limit(1))

    def submit_problems(self) -> list[str]:
        from sqlalchemy import func

        from app.attachments.models import Attachment

        problems = list(super().submit_problems())
        session = object_session(self)
        if self.batch_id is None:
            n = session.scalar(select(func.count()).select_from(Attachment).where(
                Attachment.record_type == "metric_value", Attachment.record_id == self.id,
                Attachment.removed_on.is_(None)))
            if not n:
                problems.append("请先上传佐证材料再提交")
        twin = self.pending_twin(session)
        if twin is not None:
            problems.append(f"{twin.title}已有待审核的数值（编号 {twin.id}，{twin.state_label}），"
                            "审核完成后才能提交新的数值")
        problems.extend(self._problems(session))
        return problems

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            return self._problems(db.session)

    def _indicator(self, session):
        if self.indicator is not None:
            return self.indicator
        return session.get(MetricIndicator, self.indicator_id) if self.indicator_id else None

    def _district(self, session):
        if self.district is not None:
            return self.district
        return session.get(Unit, self.district_id) if self.district_id else None

    def _problems(self, session) -> list[str]:
        from app.records.metric.catalog import metrics_for_period
        from app.scoring.periods import parse_period

        errors = []
        indicator = self._indicator(session)
        district = self._district(session)
        unit_name = filer_unit_name(self)
        if indicator is None:
            errors.append("请选择指标")
        elif unit_name not in {u.name for u in indicator.departments}:
            named = indicator.department_names or "指标体系指定的数据来源单位"
            errors.append(f"“{indicator.label}”的数据只能由{named}填报"
                          + (f"，{unit_name}不能填报" if unit_name else ""))
        elif not indicator.active:
            errors.append(f"“{indicator.label}”已不在现行指标体系中")
        if district is None:
            errors.append("请选择区县")
        elif district.kind != UnitKind.DISTRICT.value:
            errors.append(f"“{district.name}”不是区县")
        if self.period not in period_choices():
            errors.append(f"统计期间应为 {FIRST_YEAR}Q1 起的季度，如 {FIRST_YEAR}Q3")
        elif self.period > quarter_code(datetime.date.today()):
            errors.append(f"{period_label(self.period)}尚未开始，不能填报")
        elif indicator is not None and not errors:
            keys = {m.key for m in metrics_for_period(session, parse_period(self.period))}
            if indicator.key not in keys:
                errors.append(f"{period_label(self.period)}适用的指标体系中没有“{indicator.label}”")
        if indicator is not None:
            errors.extend(value_problems(indicator, _number(self.value), _number(self.numerator),
                                         _number(self.denominator)))
        if indicator is not None and district is not None and self.period:
            self.title = f"{district.name}{self.period} {indicator.label}"
        return errors


def value_problems(indicator, value, numerator, denominator, where=None) -> list[str]:
    """What is wrong with these numbers for ``indicator`` (a MetricIndicator or
    MetricDef): Chinese messages, prefixed by ``where(field)`` when given."""
    def at(field: str, message: str) -> str:
        return f"{where(field)}{message}" if where else message

    out = []
    for field, x in (("数值", value), ("分子", numerator), ("分母", denominator)):
        if x is not None and (math.isnan(x) or math.isinf(x) or abs(x) > VALUE_MAX):
            out.append(at(field, "不是有效的数字"))
        elif x is not None and x < 0:
            out.append(at(field, "不能为负数"))
    if out:
        return out
    if indicator.kind == "ratio":
        if value is not None:
            out.append(at("数值", "比率类指标请填写分子和分母，不填数值"))
        if numerator is None:
            out.append(at("分子", "请填写分子"))
        if denominator is None:
            out.append(at("分母", "请填写分母"))
        if numerator is not None and denominator is not None:
            if denominator == 0 and numerator > 0:
                out.append(at("分子", "分母为 0 时分子也必须为 0（视为不适用）"))
            elif indicator.ratio_max is not None and numerator > denominator * indicator.ratio_max:
                out.append(at("分子", f"分子 {numerator:g} 大于分母 {denominator:g}，"
                                      "该指标的比率不能超过 100%"))
    else:
        if numerator is not None or denominator is not None:
            out.append(at("分子", "该指标只填数值，不填分子、分母"))
        if value is None:
            out.append(at("数值", "请填写数值"))
        elif indicator.kind == "score" and indicator.full is not None and value > indicator.full:
            out.append(at("数值", f"录入得分应在 0 至 {indicator.full:g} 之间"))
        elif indicator.integer and not float(value).is_integer():
            out.append(at("数值", "应为整数（个数）"))
    return out


# -- the catalog follows the schemes ------------------------------------------------------

def _mark_stale(mapper, connection, target):
    session = object_session(target)
    if session is not None:
        session.info["metric_catalog_stale"] = True


def _watch_schemes() -> None:
    from app.scoring.models import SchemeIndicator

    for name in ("after_insert", "after_update", "after_delete"):
        if not event.contains(SchemeIndicator, name, _mark_stale):
            event.listen(SchemeIndicator, name, _mark_stale)
    if not event.contains(Session, "before_commit", _sync_before_commit):
        event.listen(Session, "before_commit", _sync_before_commit)


def _sync_before_commit(session):
    """Refresh the catalog when scheme indicators changed in this transaction:
    flushed already (the flag set by the mapper events) or still pending (the
    commit flushes them after this hook; the catalog's own queries flush them
    first)."""
    from app.scoring.models import Scheme as SchemeRow
    from app.scoring.models import SchemeIndicator

    stale = session.info.pop("metric_catalog_stale", False) or any(
        isinstance(obj, (SchemeIndicator, SchemeRow))
        for obj in (*session.new, *session.dirty, *session.deleted))
    if stale:
        from app.records.metric.catalog import sync_catalog

        sync_catalog(session)
        session.info.pop("metric_catalog_stale", None)


_watch_schemes()
