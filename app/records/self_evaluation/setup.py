"""The self-evaluation's screens besides what the kit derives:

* ``POST /selfevaluation/score`` — the scoring core's ``self_evaluation()`` on
  the rows the clerk is typing (JSON in, JSON out), for the form's live
  execution rate, 偏离度 / 得分系数 / 指标得分 and total. It reads no record,
  only the posted rows; it answers only users whose roles work with
  self-evaluations, with the session's CSRF token;
* ``GET /selfevaluation/pdf/<id>`` — the filled table as a PDF, for users who
  may see the record (the scope rule);
* the kit's add, edit and record pages of this type use the templates here:
  the two blocks of rows as tables with add/remove row and the live scores on
  the form, the table in the seed's layout on the record page.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, g, jsonify, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import has_access_api
from sqlalchemy import select

from app.extensions import db
from app.records.self_evaluation import rows as R
from app.records.self_evaluation.models import SelfEvaluation
from app.scope import scope_clause, scope_for
from app.scoring.core.selfeval import NATURES
from app.security.roles import ROLE_CLERK, ROLE_LEADER, ROLE_REFORM_OFFICE, ROLE_REVIEWER, grant

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
MAX_BODY = 256 * 1024


def form_config() -> dict:
    """What the form's script needs to draw the two tables (no formulas)."""
    return {
        "score_url": url_for("SelfEvaluationView.score"),
        "fund_kinds": [{"value": k, "label": R.FUND_LABELS.get(k, k)} for k in R.FUND_KINDS],
        "fund_columns": R.FUND_COLUMNS,
        "default_funds": [R.TOTAL, R.FISCAL],
        "natures": list(NATURES),
        "qualitative": R.QUALITATIVE_NATURE,
        "qualitative_values": ["达成", "部分达成", "未达成"],
        "core_flags": list(R.CORE_FLAGS),
        "indicator_columns": R.INDICATOR_COLUMNS,
        "execution_weight": R.EXECUTION_WEIGHT,
        "indicator_weights": R.FULL_SCORE - R.EXECUTION_WEIGHT,
    }


class SelfEvaluationView(BaseView):
    """Live scoring for the form, and the PDF."""

    route_base = "/selfevaluation"
    template_folder = TEMPLATES
    default_view = "pdf"

    @expose("/score", methods=["POST"])
    @has_access_api
    def score(self):
        """``{"budget_rows": [...], "indicator_rows": [...]}`` → the result of
        :func:`app.records.self_evaluation.rows.evaluate`."""
        if request.content_length and request.content_length > MAX_BODY:
            return jsonify(message="提交的内容过多"), 413
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            return jsonify(message="请求体必须是 JSON 对象（Content-Type: application/json）"), 400
        unknown = sorted(set(body) - {"budget_rows", "indicator_rows"})
        if unknown:
            return jsonify(message=f"“{str(unknown[0])[:40]}”不是可以提交的字段"), 422
        return jsonify(R.evaluate(body.get("budget_rows"), body.get("indicator_rows")))

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        from app.records.self_evaluation.pdf import self_evaluation_pdf

        if pk > 2**31 - 1:
            abort(404)
        record = db.session.execute(select(SelfEvaluation).where(
            SelfEvaluation.id == pk,
            scope_clause(SelfEvaluation, scope_for(g.user)))).scalar_one_or_none()
        if record is None:
            abort(404)
        data = self_evaluation_pdf(record)
        import io

        name = f"{record.table_title}_{record.project_code}.pdf"
        return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=name)


for _role in (ROLE_CLERK, ROLE_REVIEWER, ROLE_REFORM_OFFICE):
    grant(_role, ("SelfEvaluationView", r"can_(score|pdf)"))
grant(ROLE_LEADER, ("SelfEvaluationView", r"can_pdf"))


def register(appbuilder) -> None:
    import app.records.self_evaluation.sources  # noqa: F401 - registers the source

    appbuilder.add_view_no_menu(SelfEvaluationView)
    # the kit's pages of this type are drawn with this package's templates
    # (RecordSpec.templates), found through SelfEvaluationView's blueprint
    app = current_app._get_current_object()
    app.add_template_global(form_config, "self_evaluation_form_config")
