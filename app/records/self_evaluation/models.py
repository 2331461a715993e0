"""部门绩效自评 (seed 003《2023年度部门整体绩效自评表》, SPEC §2 and §3.4).

One record is one table of the seed: a department's overall self-evaluation
(部门整体) or one of its second-level projects (二级项目), for a year: the
project, its codes and contacts, the budget block (资金情况), the goals
(绩效目标) and the indicator rows (绩效指标).

Chain: department clerk → department reviewer → the finance office (市财政局
审核员; a fixed unit, found by its code). The finance office sees a
self-evaluation once it has reached its step (and keeps seeing it); the
department and the units above it see theirs by the usual scope rule.

The two blocks of rows are child rows kept as JSON lists in two text fields
(``budget_rows``, ``indicator_rows``): the kit's form, REST API, locks,
history and export carry them as they are, the form edits them as a table
with add/remove row, and :mod:`app.records.self_evaluation.rows` reads and
checks them cell by cell. Execution rate, scores and total are computed by
the scoring core's ``self_evaluation()`` only, and stored on save.
"""

from __future__ import annotations

import datetime
import re

from flask_appbuilder import Model
from sqlalchemy import Column, Float, Index, Integer, String, Text, and_, exists, or_, select
from sqlalchemy.orm import object_session

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.records.self_evaluation import rows as R
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import DRAFT, Chain, Step, fixed_unit, own_unit
from app.workflow.models import WorkflowHistory, WorkflowMixin

RECORD_TYPE = "self_evaluation"
FINANCE_CODE = "CQ-CZJ"  # 市财政局 (app/demo/units.py)
FINANCE_NAME = "市财政局"
FINANCE_STEP = 2  # the chain's step at which the finance office acts
KINDS = ("部门整体", "二级项目")
TABLE_TITLES = {"部门整体": "部门整体绩效自评表", "二级项目": "二级项目绩效自评表"}
# the units that file self-evaluations: city departments and district departments
FILER_KINDS = (UnitKind.DEPARTMENT.value, UnitKind.DISTRICT_DEPT.value)
PHONE_RE = re.compile(r"^[0-9+\-（）() ]{7,30}$")

# the rows' keys for REST clients are those of rows.FUND_COLUMNS / INDICATOR_COLUMNS
API_ROWS = "通过接口（API）填报时为 JSON 数组，每行一个对象，格式与读取已保存记录时相同"

FIELDS = ("year", "kind", "project_name", "project_code", "department", "finance_division",
          "contact_name", "contact_phone", "goal_initial", "goal_adjusted", "goal_actual",
          "budget_rows", "indicator_rows")

# seed 003, second table (市大数据发展专项资金): its weights add up to 90
_EXAMPLE_BUDGET = R.dump_rows([
    {"kind": "年度总金额", "initial": 100, "adjusted": 300, "executed": 300},
    {"kind": "财政拨款", "initial": 100, "adjusted": 300, "executed": 300},
    {"kind": "一般公共预算", "initial": 100, "adjusted": 300, "executed": 300},
])
_EXAMPLE_INDICATORS = R.dump_rows([
    {"name": "完成扶持项目个数", "unit": "个", "nature": "=", "target": 6, "actual": 6,
     "weight": 20, "core": "", "note": ""},
    {"name": "组织专家评审次数", "unit": "次", "nature": "≥", "target": 3, "actual": 4,
     "weight": 20, "core": "", "note": "实际组织4次专家评审"},
    {"name": "项目投入使用率", "unit": "%", "nature": "≥", "target": 90, "actual": 90,
     "weight": 10, "core": "", "note": ""},
    {"name": "经费合理使用率", "unit": "%", "nature": "≥", "target": 95, "actual": 95,
     "weight": 20, "core": "", "note": ""},
    {"name": "按计划进度完成率", "unit": "%", "nature": "=", "target": 100, "actual": 100,
     "weight": 20, "core": "", "note": ""},
])


def _last_year() -> int:
    return datetime.date.today().year - 1


def _finance_reached(model):
    """Records that have been at the finance office's step (history says so)."""
    h = WorkflowHistory
    return exists().where(h.record_type == RECORD_TYPE, h.record_id == model.id,
                          h.to_state == Chain.pending(FINANCE_STEP))


class SelfEvaluation(WorkflowMixin, Model):
    """部门绩效自评表: department clerk → department reviewer → 市财政局."""

    __tablename__ = "self_evaluation"
    __record__ = RecordSpec(
        name=RECORD_TYPE, label="部门绩效自评",
        menu=Menu("部门绩效自评", "fa-table", "fa-balance-scale"), order=90,
        templates={"add": "self_evaluation/add.html", "edit": "self_evaluation/edit.html",
                   "show": "self_evaluation/show.html"},
        chain=Chain(
            steps=(
                Step("本单位审核", own_unit(ROLE_REVIEWER)),
                Step("市财政局审核", fixed_unit(FINANCE_CODE, ROLE_REVIEWER, "市财政局审核员")),
            ),
            editable=FIELDS,
        ),
        title_field="project_name", date_field="created_on",
        list_columns=("year", "kind", "project_name", "project_code", "execution_rate",
                      "total_score"),
        search_columns=("year", "kind", "project_name", "project_code"),
        # the record page prints the whole table in the seed's layout above these
        show_columns=("year", "kind", "execution_rate", "execution_score", "total_score",
                      "score_notes"),
        export_columns=("year", "kind", "project_name", "project_code", "department",
                        "finance_division", "contact_name", "contact_phone", "goal_initial",
                        "goal_adjusted", "goal_actual", "budget_text", "indicators_text",
                        "execution_rate", "execution_score", "total_score", "score_notes"),
        example={"year": _last_year, "kind": "二级项目", "project_name": "市大数据发展专项资金",
                 "project_code": "50010322T000002072470", "department": "044-重庆市渝中区",
                 "finance_division": "009-财源科", "contact_name": "谢辉",
                 "contact_phone": "63768299",
                 "goal_initial": "发挥数字经济产业发展专项资金扶持、引导作用，推动数字经济发展。",
                 "goal_adjusted": "发挥数字经济产业发展专项资金扶持、引导作用，推动我区数字经济发展。",
                 "goal_actual": "按照市大数据发展局下达的资金计划完成扶持项目。",
                 "budget_rows": _EXAMPLE_BUDGET, "indicator_rows": _EXAMPLE_INDICATORS},
    )
    __table_args__ = (
        Index("uq_self_evaluation_unit_year_code", "unit_id", "year", "project_code",
              unique=True),
    )

    id = Column(Integer, primary_key=True)
    year = Column(Integer, nullable=False, index=True, info={
        "label": "年度", "description": "自评的预算年度，如 2023"})
    kind = Column(String(10), nullable=False, info={
        "label": "自评类型", "choices": KINDS,
        "description": "部门整体绩效自评，或二级项目绩效自评"})
    project_name = Column(String(200), nullable=False, info={
        "label": "项目名称", "description": "如：重庆市渝中区大数据应用发展管理局整体监控"})
    project_code = Column(String(50), nullable=False, info={
        "label": "项目编码", "description": "预算项目编码，如 50010300023P000044；同一单位同一年度不能重复"})
    department = Column(String(200), nullable=True, info={
        "label": "主管部门", "description": "编码-名称，如：044-重庆市渝中区大数据应用发展管理局；"
                                         "不填则为填报单位"})
    finance_division = Column(String(100), nullable=True, info={
        "label": "财政归口处室", "description": "编码-名称，如：009-财源科"})
    contact_name = Column(String(50), nullable=False, info={"label": "部门联系人"})
    contact_phone = Column(String(30), nullable=False, info={
        "label": "联系电话", "description": "固定电话或手机号码"})
    goal_initial = Column(Text, nullable=False, info={
        "label": "年初绩效目标", "widget": "textarea"})
    goal_adjusted = Column(Text, nullable=True, info={
        "label": "全年（调整）绩效目标", "widget": "textarea",
        "description": "年中调整过绩效目标时填写"})
    goal_actual = Column(Text, nullable=False, info={
        "label": "全年目标实际完成情况", "widget": "textarea"})
    budget_rows = Column(Text, nullable=False, default="[]", info={
        "label": "资金情况", "widget": "textarea",
        "description": "每行一个资金类别：年初预算数、全年（调整）预算数、全年执行数（万元）；"
                       "执行率按“其中：财政拨款”一行计算。" + API_ROWS})
    indicator_rows = Column(Text, nullable=False, default="[]", info={
        "label": "绩效指标", "widget": "textarea",
        "description": "每行一个指标：指标名称、计量单位、指标性质（≥ ≤ = < > 定性）、指标值、全年完成值、"
                       "指标权重、是否核心指标、说明；指标权重应合计 90。" + API_ROWS})
    # computed on save by the scoring core's self_evaluation(); never typed
    execution_rate = Column(Float, nullable=True, info={"label": "执行率（%）"})
    execution_score = Column(Float, nullable=True, info={"label": "执行率得分"})
    total_score = Column(Float, nullable=True, info={"label": "自评总分"})
    score_notes = Column(Text, nullable=True, info={"label": "数据质量提示"})

    def __repr__(self) -> str:
        return self.project_name or f"部门绩效自评#{self.id}"

    # -- the scope rule's way in for the finance office ------------------------------
    @classmethod
    def scope_clause(cls, unit_ids, scope):
        """The own unit and those below it; also the finance office (when it is
        in the user's scope) once a record has reached its step."""
        finance_in_scope = exists().where(Unit.code == FINANCE_CODE, Unit.id.in_(unit_ids))
        return or_(cls.unit_id.in_(unit_ids),
                   and_(cls.state != DRAFT, finance_in_scope, _finance_reached(cls)))

    # -- shown in lists, pages and the export -----------------------------------------
    @property
    @labelled("资金情况")
    def budget_text(self) -> str:
        funds, _ = R.parse_budget(self.budget_rows)
        return "；".join(f"{R.FUND_LABELS.get(f['kind'], f['kind'])}：年初 {f['initial']:,.2f}，"
                        f"调整 {f['adjusted']:,.2f}，执行 {f['executed']:,.2f}" for f in funds)

    @property
    @labelled("绩效指标")
    def indicators_text(self) -> str:
        rows, _ = R.parse_indicators(self.indicator_rows)
        return "；".join(f"{r['name']}（{r['nature']} {r['target']}{r['unit']}，完成 {r['actual']}，"
                        f"权重 {r['weight']}）" for r in rows)

    @property
    def table_title(self) -> str:
        return f"{self.year}年度{TABLE_TITLES.get(self.kind, '绩效自评表')}"

    @property
    def department_label(self) -> str:
        if self.department:
            return self.department
        return self.unit.name if self.unit is not None else ""

    def evaluation(self) -> dict:
        """What the record page and the PDF show: rows, rates, scores, total,
        warnings — computed by the scoring core (see rows.evaluate)."""
        return R.evaluate(self.budget_rows, self.indicator_rows)

    def sheet(self) -> dict:
        """The filled table as text, in the seed's layout (record page, PDF)."""
        from app.records.self_evaluation.sheet import sheet

        return sheet(self)

    # -- checks ------------------------------------------------------------------------
    def clean(self) -> list[str]:
        from app.extensions import db

        session = object_session(self) or db.session
        with session.no_autoflush:
            return self._problems(session)

    def _problems(self, session) -> list[str]:
        errors = []
        unit = self.unit if self.unit is not None else (
            session.get(Unit, self.unit_id) if self.unit_id is not None else None)
        if unit is None or unit.kind not in FILER_KINDS:
            errors.append("部门绩效自评只能由市级部门或区级部门填报"
                          + (f"，{unit.name}不能填报" if unit is not None else ""))
        for name in ("project_name", "project_code", "department", "finance_division",
                     "contact_name", "contact_phone", "goal_initial", "goal_adjusted",
                     "goal_actual"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, value.strip() or None)
        today = datetime.date.today()
        if not isinstance(self.year, int) or not 2000 <= self.year <= today.year:
            errors.append(f"年度须在 2000 至 {today.year} 之间")
        if self.kind not in KINDS:
            errors.append("自评类型必须是：" + "、".join(KINDS))
        for name, label in (("project_name", "项目名称"), ("project_code", "项目编码"),
                            ("contact_name", "部门联系人"), ("contact_phone", "联系电话"),
                            ("goal_initial", "年初绩效目标"), ("goal_actual", "全年目标实际完成情况")):
            if not getattr(self, name):
                errors.append(f"请填写{label}")
        if self.contact_phone and not PHONE_RE.match(self.contact_phone):
            errors.append("联系电话格式不正确，请填写固定电话或手机号码")
        funds, indicators, row_errors = R.problems(self.budget_rows, self.indicator_rows)
        errors += row_errors
        if not row_errors:
            self.budget_rows = R.dump_rows(funds)
            self.indicator_rows = R.dump_rows(indicators)
            self._store_scores()
        if not errors and self.project_code and self.year:
            clash = self.duplicate_message(session)
            if clash:
                errors.append(clash)
        return errors

    def _store_scores(self) -> None:
        result = self.evaluation()
        self.execution_rate = result["execution_rate"]
        self.execution_score = result["execution_score"]
        self.total_score = result["total"]
        self.score_notes = "；".join(result["warnings"]) or None

    def duplicate_message(self, session) -> str | None:
        unit_id = self.unit_id if self.unit_id is not None else getattr(self.unit, "id", None)
        stmt = select(SelfEvaluation.id).where(
            SelfEvaluation.unit_id == unit_id, SelfEvaluation.year == self.year,
            SelfEvaluation.project_code == self.project_code)
        if self.id is not None:
            stmt = stmt.where(SelfEvaluation.id != self.id)
        other = session.scalar(stmt.limit(1))
        if other is None:
            return None
        return (f"本单位已填报 {self.year} 年度项目编码为 {self.project_code} 的绩效自评表"
                f"（编号 {other}），请修改该记录")

    @classmethod
    def integrity_message(cls, session, item) -> str | None:
        """Two saves of the same project and year at the same moment."""
        year, code = item.__dict__.get("year"), item.__dict__.get("project_code")
        if year is None or not code:
            return None
        return f"本单位已填报 {year} 年度项目编码为 {code} 的绩效自评表"

    def submit_problems(self) -> list[str]:
        """A table that can be scored: a 财政拨款 row and at least one indicator."""
        problems = super().submit_problems()
        result = self.evaluation()
        problems += result["messages"] + result["missing"]
        return problems
