"""The web screens of every record type, derived from its declaration.

:class:`RecordModelView` holds everything a record type's screens share:
scope on every page and action, the workflow locks, the buttons and history
timeline on the record page, 批量通过 / 批量驳回, the streamed Excel export and
the evidence panel. :func:`build_view` makes the concrete class for one
registered type; nobody writes a ModelView per record type.
"""

from __future__ import annotations

import datetime

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.widgets import FormWidget, ListWidget
from markupsafe import Markup
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import FileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Optional

from app.errors import UserError
from app.kit.export import XLSX_MIMETYPE, write_xlsx
from app.kit.fields import display, field_info, labels
from app.security.filters import ScopeFilter
from app.workflow import engine
from app.workflow.chain import DRAFT, REJECTED
from app.workflow.engine import ACTION_LABELS, RecordNotFound, WorkflowError

BULK_ACTIONS = ("bulk_approve", "bulk_reject")
BUTTON_STYLES = {"submit": "primary", "withdraw": "default", "approve": "success",
                 "reject": "danger"}
WORKFLOW_TAIL = ("unit", "filed_by", "state_label", "created_on", "submitted_on",
                 "approved_on")


def refuse_page(message: str, status: int = 403):
    from app import error_page

    return error_page(current_app, message, status)


def history_rows(record_type: str, record) -> list[dict]:
    chain = type(record).__chain__
    rows = []
    for h in engine.history_of(record_type, record.id):
        rows.append({
            "time": h.created_on.strftime("%Y-%m-%d %H:%M"),
            "actor": h.actor.get_full_name() if h.actor else "",
            "unit": h.actor_unit.name if h.actor_unit else "",
            "action": ACTION_LABELS.get(h.action, h.action),
            "from": chain.state_label(h.from_state),
            "to": chain.state_label(h.to_state),
            "reason": h.reason or "",
            "kind": h.action,
        })
    return rows


def is_scoped(model) -> bool:
    """Whether rows of ``model`` belong to units (and so to the scope rule)."""
    return hasattr(model, "unit_id") or hasattr(model, "scope_clause")


def remove_attachment(model, record_type: str, pk: int, att_id: int, user, session) -> None:
    """Mark one evidence file of record ``pk`` removed (scope and locks checked)."""
    import datetime as _dt

    from app.attachments.models import Attachment
    from app.scope import scope_clause, scope_for

    record = session.execute(select(model).where(
        model.id == pk, scope_clause(model, scope_for(user)))).scalar_one_or_none()
    att = session.get(Attachment, att_id)
    if record is None or att is None or att.record_type != record_type \
            or att.record_id != pk:
        raise UserError("记录不存在或不在您的可见范围内", 404)
    if record.state not in (DRAFT, REJECTED) or not engine.editable_fields(user, record):
        raise UserError("只有草稿或被驳回的记录可以由填报单位删除佐证材料", 403)
    if att.removed_on is not None:
        raise UserError("该文件已删除", 409)
    att.removed_on = _dt.datetime.now()
    att.removed_by_id = user.id
    session.commit()


def search_choices(model, name: str, user):
    """A SELECT of the rows a search filter on relation ``name`` may offer:
    the record's own ``unit`` within the user's scope; any other relation as
    its declaration allows (scope for unit-owned rows, ``where``)."""
    from app.scope import scope_clause, scope_for

    info = field_info(model, name)
    stmt = info.allowed(select(info.related), user)
    if name == "unit":
        stmt = stmt.where(scope_clause(info.related, scope_for(user)))
    return stmt


class AjaxRelationField(SelectField):
    """A related-record choice in the search form whose options are fetched
    when the user opens it (``/<view>/choices/<field>``), instead of loading
    every unit, 领域 and 跑道 on every list page. Only the values of filters
    already applied are rendered, so that they show their names."""

    def __init__(self, label, model, field_name, **kwargs):
        super().__init__(label, choices=[], validate_choice=False, **kwargs)
        self._model = model
        self._field_name = field_name

    def iter_choices(self):
        import re

        wanted = {int(v) for k, v in request.args.items()
                  if re.fullmatch(rf"_flt_\d+_{re.escape(self._field_name)}", k)
                  and v.isdigit() and int(v) <= 2**31 - 1}
        if not wanted:
            return
        info = field_info(self._model, self._field_name)
        from app.extensions import db

        rows = db.session.execute(search_choices(self._model, self._field_name, g.user).where(
            info.related.id.in_(wanted))).scalars()
        for row in rows:
            yield (str(row.id), str(row), False, {})


def commit_or_refuse(session, item) -> None:
    """Commit; a unique-constraint clash becomes a :class:`UserError` (409)
    that says which record is in the way (the model's ``integrity_message``)."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        hook = getattr(type(item), "integrity_message", None)
        message = hook(session, item) if hook is not None else None
        raise UserError(message or "与已有记录重复，未保存", 409) from None


class WhereFilter(BaseFilter):
    """Related rows a field may choose (its declared ``where``)."""

    name = "可选范围"
    arg_name = "where"

    def apply(self, query, value):
        return query.filter(value())


def related_filters(model, names) -> dict:
    """FAB query filters for the related-record lists of ``names``."""
    mapper = sa_inspect(model)
    out = {}
    for name in names:
        if name not in mapper.relationships:
            continue
        info = field_info(model, name)
        rules = []
        if is_scoped(info.related):
            rules.append(["id", ScopeFilter, None])
        if info.where is not None:
            rules.append(["id", WhereFilter, info.where])
        if rules:
            out[name] = rules
    return out


class KitListWidget(ListWidget):
    """Lists without per-row 编辑/删除 icons (see kit/list.html)."""

    template = "kit/list.html"


STATE_CLASSES = {"草稿": "draft", "已驳回": "rejected", "已通过": "approved"}


def state_badge(label) -> Markup:
    """A state as a coloured label (待… states share the waiting colour)."""
    css = STATE_CLASSES.get(str(label), "pending_1" if str(label).startswith("待") else "")
    return Markup('<span class="label state-label state-{}">{}</span>').format(css, label)


class KitFormWidget(FormWidget):
    """The add/edit form with 保存, 保存并提交 and 返回."""

    template = "kit/form.html"


class RecordModelView(ModelView):
    """Base of every record type's screens. ``build_view`` sets ``datamodel``,
    ``record_type`` and the columns from the declaration."""

    add_widget = KitFormWidget
    edit_widget = KitFormWidget
    list_widget = KitListWidget
    method_permission_name = {"choices": "list"}

    record_type: str = ""
    base_filters = [["id", ScopeFilter, None]]
    base_order = ("id", "desc")
    show_template = "workflow/show.html"
    export_columns: tuple[str, ...] = ()

    # FAB's /download/<filename> reads the upload folder with no scope check:
    # this plain method (no @expose) replaces it, so the route does not exist.
    # Files go out only through the scoped attachment view.
    def download(self, filename):  # pragma: no cover - not routed
        abort(404)

    # -- adding, editing, deleting ---------------------------------------------
    def pre_add(self, item):
        user = g.user
        if getattr(user, "unit_id", None) is None:
            raise UserError("您的账号未关联单位，不能填报")
        item.unit_id = user.unit_id
        item.filed_by_id = user.id
        item.state = DRAFT
        item.version = 1
        self._clean(item)
        self._attach_upload(item)

    def pre_update(self, item):
        allowed = set(engine.editable_fields(g.user, item))
        changed = [a.key for a in sa_inspect(item).attrs if a.history.has_changes()]
        bad = [key for key in changed if key not in allowed and f"{key}_id" not in allowed
               and key.removesuffix("_id") not in allowed]
        if bad:
            names = "、".join(str(self.label_columns.get(k, k)) for k in sorted(allowed))
            raise UserError(f"当前只能修改：{names}" if names else "您无权修改该记录")
        self._clean(item)
        self._attach_upload(item)

    def pre_delete(self, item):
        why = engine.delete_refusal(g.user, item)
        if why:
            raise UserError(why)

    def _clean(self, item):
        errors = item.clean() if hasattr(item, "clean") else []
        if errors:
            raise UserError("；".join(errors))

    def _attach_upload(self, item):
        """Save the chosen evidence file with the record, in the same
        transaction: a refused file refuses the record too."""
        if not self.spec.attachments:
            return
        item.__dict__.pop("evidence", None)
        upload = request.files.get("evidence")
        if upload is None or not upload.filename:
            return
        from app.attachments.storage import save_upload

        session = self.datamodel.session
        session.add(item)
        session.flush()  # the record's id, inside the transaction FAB commits
        save_upload(upload, self.record_type, g.user, record_id=item.id, session=session)

    def _add(self):
        """FAB's, except that a refused record keeps the form with what was
        typed, and a saved one opens its record page."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                    self.datamodel.session.add(item)
                    commit_or_refuse(self.datamodel.session, item)
                except UserError as exc:
                    self.datamodel.session.rollback()
                    flash(exc.message, "danger")
                else:
                    flash("已保存", "success")
                    self._saved = item
                    return None
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = item.id
            if form.validate():
                self.process_form(form, False)
                try:
                    form.populate_obj(item)
                    self.pre_update(item)
                    commit_or_refuse(self.datamodel.session, item)
                except UserError as exc:
                    self.datamodel.session.rollback()
                    flash(exc.message, "danger")
                else:
                    flash("已保存", "success")
                    self._saved = item
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        widgets["add"] = self.add_widget(
            form=form, include_cols=self.add_columns, exclude_cols=exclude_cols or [],
            can_submit=True, back_url=url_for(f"{self.endpoint}.list"))
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        record = getattr(self, "_editing", None)
        can_submit = (record is not None and record.state in (DRAFT, REJECTED)
                      and engine.is_owner(g.user, record))
        widgets["edit"] = self.edit_widget(
            form=form, include_cols=self.edit_columns, exclude_cols=exclude_cols or [],
            can_submit=can_submit,
            back_url=url_for(f"{self.endpoint}.show", pk=record.id) if record is not None
            else url_for(f"{self.endpoint}.list"))
        return widgets

    def _after_save(self):
        """After a save: 保存并提交 submits; either way, the record page."""
        item = self._saved
        if request.form.get("_submit"):
            try:
                engine.transition(self.record_type, item.id, "submit", g.user)
            except WorkflowError as exc:
                flash(f"已保存为草稿，但未能提交：{exc.message}", "warning")
            else:
                flash("已保存并提交", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=item.id))

    def dependent_choices(self) -> dict:
        """For the form's script: which choices of a field each parent value
        allows (``{"track": {"parents": ["domain"], "map": {"3": ["7", "8"]}}}``),
        from relations declared with ``depends_on`` and the model's own
        ``dependent_choices()``."""
        model = self.datamodel.obj
        out = {}
        for name in self.spec.editable:
            info = field_info(model, name)
            if info.kind != "relation" or not info.depends_on or info.many:
                continue
            fk = getattr(info.related, f"{info.depends_on}_id", None)
            if fk is None:
                continue
            rows = self.datamodel.session.execute(
                info.allowed(select(info.related.id, fk), g.user)).all()
            mapping: dict[str, list[str]] = {}
            for child_id, parent_id in rows:
                mapping.setdefault(str(parent_id), []).append(str(child_id))
            out[name] = {"parents": [info.depends_on], "map": mapping}
        extra = getattr(model, "dependent_choices", None)
        if extra is not None:
            out.update(extra())
        return out

    def render_template(self, template, **kwargs):
        if template in (self.add_template, self.edit_template):
            kwargs.setdefault("kit_dependent", self.dependent_choices())
        return self._render_show(template, **kwargs)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        self._saved = None
        widgets = self._add()
        if widgets is None:
            return self._after_save()
        return self.render_template(self.add_template, title=self.add_title, widgets=widgets)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        why = engine.edit_refusal(g.user, item)
        if why:
            return refuse_page(why)
        self._saved = None
        self._editing = item
        widgets = self._edit(pk)
        if widgets is None:
            return self._after_save()
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        why = engine.delete_refusal(g.user, item)
        if why:
            return refuse_page(why)
        return super().delete(pk)

    # -- the record page: buttons, evidence and the history timeline ---------------
    def _render_show(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs["wf"] = {
                    "record": item,
                    "state_label": item.state_label,
                    "actions": [(a, ACTION_LABELS[a], BUTTON_STYLES[a])
                                for a in engine.available_actions(g.user, item)],
                    "history": history_rows(self.record_type, item),
                    "steps": [s.label for s in type(item).__chain__.steps],
                    "endpoint": self.endpoint,
                    "can_edit": bool(engine.editable_fields(g.user, item)),
                    "can_delete": engine.delete_refusal(g.user, item) is None,
                    "extra": self.show_extra(item),
                }
        return super().render_template(template, **kwargs)

    def show_extra(self, item) -> dict:
        if not self.spec.attachments:
            return {}
        from app.attachments.models import Attachment

        rows = self.datamodel.session.execute(
            select(Attachment).where(Attachment.record_type == self.record_type,
                                     Attachment.record_id == item.id).order_by(Attachment.id)
        ).scalars().all()
        return {"attachments": [a for a in rows if a.removed_on is None],
                "removed_attachments": [a for a in rows if a.removed_on is not None],
                "can_remove": bool(engine.editable_fields(g.user, item))
                and item.state in (DRAFT, REJECTED)}

    @expose("/attachment/<int:pk>/<int:att_id>/remove", methods=["POST"])
    @has_access
    def remove_attachment(self, pk, att_id):
        """Remove an evidence file while the record is editable by its filer;
        the row stays, marked with who removed it and when."""
        try:
            remove_attachment(self.datamodel.obj, self.record_type, pk, att_id, g.user,
                              self.datamodel.session)
        except UserError as exc:
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
        else:
            flash("已删除佐证材料", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @expose("/transition/<int:pk>/<name>", methods=["POST"])
    @has_access
    def transition(self, pk, name):
        try:
            engine.transition(self.record_type, pk, name, g.user, request.form.get("reason"))
        except RecordNotFound:
            abort(404)
        except WorkflowError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"已{ACTION_LABELS[name]}", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    # -- 批量通过 / 批量驳回 --------------------------------------------------------
    @action("bulk_approve", "批量通过", "确定通过所选记录吗？", "fa-check", single=False)
    def bulk_approve(self, items):  # pragma: no cover - action_post handles it by id
        return redirect(self.get_redirect())

    @action("bulk_reject", "批量驳回", "", "fa-times", single=False)
    def bulk_reject(self, items):  # pragma: no cover - action_post handles it by id
        return redirect(self.get_redirect())

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's action_post loads the records one by one and ignores the
        scope; the bulk actions pass the ids to the engine instead, which
        loads them in one scoped query."""
        name = request.form.get("action")
        if name not in BULK_ACTIONS:
            return refuse_page("未知的操作", 400)
        if not self.appbuilder.sm.has_access(name, self.class_permission_name):
            return refuse_page("您没有执行该操作的权限")
        ids = request.form.getlist("rowid")
        if len(ids) > engine.BULK_MAX:
            return refuse_page(f"一次最多处理 {engine.BULK_MAX} 条记录", 400)
        if name == "bulk_reject":
            return redirect(url_for(f"{self.endpoint}.bulk_reject_form", ids=",".join(ids)))
        result = engine.bulk_transition(self.record_type, ids, "approve", g.user)
        return self._bulk_result(result)

    @expose("/bulk_reject/", methods=["GET", "POST"])
    @has_access
    def bulk_reject_form(self):
        ids = [i for i in (request.values.get("ids") or "").split(",") if i.strip()]
        if len(ids) > engine.BULK_MAX:
            return refuse_page(f"一次最多处理 {engine.BULK_MAX} 条记录", 400)
        reason = (request.form.get("reason") or "").strip()
        if request.method == "POST":
            if not reason:
                flash("驳回必须填写理由", "danger")
            else:
                result = engine.bulk_transition(self.record_type, ids, "reject", g.user, reason)
                return self._bulk_result(result)
        return self.render_template(
            "workflow/bulk_reject.html", ids=",".join(ids), count=len(ids), reason=reason,
            title="批量驳回", back=url_for(f"{self.endpoint}.list"),
        )

    def _bulk_result(self, result):
        return self.render_template(
            "workflow/bulk_result.html", result=result,
            action_label=ACTION_LABELS[result.action], title="批量操作结果",
            back=url_for(f"{self.endpoint}.list"),
        )

    # -- search choices, fetched when the search form opens -----------------------------
    @expose("/choices/<field>")
    @has_access
    def choices(self, field):
        """JSON for a related search field: the rows the user may choose,
        matching ``q``, at most 50."""
        from flask import jsonify

        model = self.datamodel.obj
        if field not in self.search_columns or field not in sa_inspect(model).relationships:
            abort(404)
        related = field_info(model, field).related
        stmt = search_choices(model, field, g.user)
        text_col = getattr(related, getattr(related, "__title_field__", "name"), None) \
            if hasattr(related, getattr(related, "__title_field__", "name")) else None
        term = (request.args.get("q") or "").strip()[:50]
        if term and text_col is not None:
            stmt = stmt.where(text_col.contains(term))
        order = getattr(related, "sort_order", None)
        stmt = stmt.order_by(*(c for c in (order, related.id) if c is not None)).limit(50)
        rows = self.datamodel.session.execute(stmt).scalars()
        return jsonify(results=[{"id": r.id, "text": str(r)} for r in rows])

    # -- Excel ------------------------------------------------------------------------
    @expose("/export/")
    @has_access
    def export(self):
        """The list as filtered on screen, in the user's scope, as .xlsx,
        streamed row by row."""
        model = self.datamodel.obj
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        order_column, direction = (get_order_args().get(self.__class__.__name__)
                                   or ("id", "desc"))
        if order_column not in self.order_columns:
            order_column = "id"
        if direction not in ("asc", "desc"):
            direction = "desc"
        joined = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(model)
        query = self.datamodel.apply_all(query, joined, order_column, direction)
        rels = sa_inspect(model).relationships
        relations = [name for name in ("unit", *self.export_columns) if name in rels]
        query = query.options(*(selectinload(getattr(model, r)) if rels[r].uselist
                                else joinedload(getattr(model, r)) for r in relations))
        header = [self.label_columns.get(c, c) for c in ("id", *self.export_columns)]
        header += ["填报单位", "状态", "填报时间"]

        def rows():
            for item in query.yield_per(500):
                yield ([item.id] + [display(getattr(item, c)) for c in self.export_columns]
                       + [item.unit.name if item.unit else "", item.state_label,
                          display(item.created_on)])

        label = self.spec.label
        out = write_xlsx(label, header, rows(), widths=[8] + [24] * (len(header) - 1))
        name = f"{label}_{datetime.date.today():%Y%m%d}.xlsx"
        return send_file(out, as_attachment=True, download_name=name, mimetype=XLSX_MIMETYPE)


def _form_fields(model, spec) -> dict:
    """Form fields the kit makes itself: selects for declared choices, text
    areas, and the evidence upload."""
    out = {}
    for name in spec.editable:
        info = field_info(model, name)
        if info.choices:
            validators = [DataRequired(message=f"请选择{info.label}")] if info.required \
                else [Optional()]
            out[name] = SelectField(
                info.label, choices=[("", "请选择")] + [
                    (c, (info.choice_labels or {}).get(c, c)) for c in info.choices],
                validators=validators, description=info.description)
        elif info.kind == "text":
            out[name] = TextAreaField(
                info.label, widget=BS3TextAreaFieldWidget(), description=info.description,
                render_kw={"data-max-chars": info.max_chars, "rows": 6} if info.max_chars
                else {"rows": 4},
                validators=[DataRequired(message=f"请填写{info.label}")] if info.required
                else [Optional()])
    if spec.attachments:
        out["evidence"] = FileField(
            "佐证材料", description="PDF、JPG 或 PNG 文件；保存后可在记录页查看、预览或删除"
            + ("（提交前必须上传）" if spec.attachments_required else ""))
    return out


def build_view(rt) -> type:
    """The ModelView class of one registered record type."""
    model, spec = rt.model, rt.spec
    label_columns = labels(model)
    label_columns["evidence"] = "佐证材料"
    editable = list(spec.editable)
    show = list(spec.show_columns or editable) + list(WORKFLOW_TAIL)
    listed = list(spec.list_columns) + ["unit", "state_label"]
    search = list(spec.search_columns) + ["unit", "state"]
    rel_filters = related_filters(model, set(editable) | set(search))
    extra = _form_fields(model, spec)
    ajax_search = {
        name: AjaxRelationField(label_columns.get(name, name), model, name,
                                render_kw={"class": "form-control kit-ajax",
                                           "data-url": f"/{rt.view_name.lower()}/choices/{name}"})
        for name in search if name in sa_inspect(model).relationships
    }
    add_columns = editable + (["evidence"] if spec.attachments else [])
    attrs = {
        "datamodel": SQLAInterface(model),
        "record_type": spec.name,
        "spec": spec,
        "list_title": spec.label,
        "show_title": f"{spec.label}详情",
        "add_title": f"填报{spec.label}",
        "edit_title": f"编辑{spec.label}",
        "label_columns": label_columns,
        "description_columns": {n: field_info(model, n).description for n in editable
                                if field_info(model, n).description},
        "list_columns": listed,
        "show_columns": show,
        "add_columns": add_columns,
        "edit_columns": add_columns,
        "search_columns": search,
        "add_form_extra_fields": extra,
        "edit_form_extra_fields": dict(extra),
        "add_form_query_rel_fields": {k: v for k, v in rel_filters.items() if k in editable},
        "edit_form_query_rel_fields": {k: v for k, v in rel_filters.items() if k in editable},
        "search_form_extra_fields": ajax_search,
        "formatters_columns": {**{c: display for c in set(listed) | set(show)},
                               "state_label": state_badge},
        "export_columns": tuple(spec.export_columns or editable),
    }
    return type(rt.view_name, (RecordModelView,), attrs)
