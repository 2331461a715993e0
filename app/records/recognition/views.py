"""改革成效 screens, with optional 佐证材料 upload (app.attachments.storage)."""

from __future__ import annotations

from flask import flash, g, request
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from wtforms import DateField, FileField, SelectField
from wtforms.validators import DataRequired

from app.records.recognition.models import CATEGORIES, SUB_CRITERIA, Recognition
from app.security.filters import ScopeFilter
from app.workflow.views import WORKFLOW_LABELS, WorkflowModelView

LABELS = {
    **WORKFLOW_LABELS,
    "item": "改革事项",
    "problem": "解决问题",
    "result": "主要成果",
    "category": "类别",
    "criterion": "评价细则",
    "criterion_label": "评价细则",
    "date": "日期",
    "demand": "关联改革需求",
    "evidence": "佐证材料",
}


def _fields() -> dict:
    return {
        "category": SelectField("类别", choices=[("", "请选择")] + [(c, c) for c in CATEGORIES],
                                validators=[DataRequired(message="请选择类别")]),
        "criterion": SelectField(
            "评价细则",
            choices=[("", "请选择")] + [(code, f"{cat}：{label}")
                                      for cat, items in SUB_CRITERIA.items()
                                      for code, label in items],
            validators=[DataRequired(message="请选择评价细则")]),
        "date": DateField("日期", widget=DatePickerWidget(),
                          validators=[DataRequired(message="请填写日期")]),
        "evidence": FileField("佐证材料", description="PDF、JPG 或 PNG 文件，可选"),
    }


class RecognitionModelView(WorkflowModelView):
    datamodel = SQLAInterface(Recognition)
    record_type = "recognition"
    list_title = "改革成效"
    show_title = "改革成效详情"
    add_title = "填报改革成效"
    edit_title = "编辑改革成效"
    label_columns = LABELS
    list_columns = ["item", "category", "criterion_label", "date", "unit", "state_label"]
    show_columns = ["item", "problem", "result", "category", "criterion_label", "date", "demand",
                    "unit", "filed_by", "state_label", "created_on", "submitted_on",
                    "approved_on"]
    add_columns = ["item", "problem", "result", "category", "criterion", "date", "demand",
                   "evidence"]
    edit_columns = add_columns
    search_columns = ["item", "category", "date", "unit", "state", "demand"]
    add_form_extra_fields = _fields()
    edit_form_extra_fields = _fields()
    # related-record dropdowns: only the demands and units the user may see
    add_form_query_rel_fields = {"demand": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = {"demand": [["id", ScopeFilter, None]]}
    search_form_query_rel_fields = {"unit": [["id", ScopeFilter, None]],
                                    "demand": [["id", ScopeFilter, None]]}

    def pre_update(self, item):
        item.__dict__.pop("evidence", None)
        super().pre_update(item)

    def pre_add(self, item):
        item.__dict__.pop("evidence", None)
        super().pre_add(item)

    def post_add(self, item):
        self._save_evidence(item)

    def post_update(self, item):
        self._save_evidence(item)

    def _save_evidence(self, item):
        upload = request.files.get("evidence")
        if upload is None or not upload.filename:
            return
        try:
            from app.attachments.storage import save_upload
        except ImportError:
            flash("附件上传功能尚未启用，佐证材料未保存", "warning")
            return
        try:
            attachment = save_upload(upload, "recognition", g.user, record_id=item.id,
                                     session=self.datamodel.session)
        except Exception as exc:  # the storage module's validation messages are Chinese
            self.datamodel.session.rollback()
            flash(f"佐证材料未保存：{exc}", "danger")
            return
        attachment.record_id = item.id
        self.datamodel.session.add(attachment)
        self.datamodel.session.commit()

    def show_extra(self, item) -> dict:
        from app.attachments.models import Attachment

        rows = self.datamodel.session.execute(
            select(Attachment).where(Attachment.record_type == "recognition",
                                     Attachment.record_id == item.id).order_by(Attachment.id)
        ).scalars().all()
        return {"attachments": rows}


from app.workflow.permissions import grant_record_type  # noqa: E402

grant_record_type("RecognitionModelView", "RecognitionApi", r"(Recognitions|Recognition)")
