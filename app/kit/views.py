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
from app.kit.export import CHUNK, XLSX_MIMETYPE, write_xlsx
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


LIST_ALL_ARG = "_all"  # ?_all=1: the list without the role's default filter


class WaitingForMeFilter(BaseFilter):
    """Records waiting at a step where the signed-in user may act (the 待办 rule)."""

    name = "待我审核"
    arg_name = "kit_waiting"

    def apply(self, query, value):
        return query.filter(engine.todo_clause(self.model, g.user))


class OwnUnitFilter(BaseFilter):
    """Records of the signed-in user's own unit (not of the units below it)."""

    name = "本单位记录"
    arg_name = "kit_own_unit"

    def apply(self, query, value):
        return query.filter(self.model.unit_id == g.user.unit_id)


class OwnUnitOrWaitingFilter(BaseFilter):
    """The own unit's records and those waiting for the signed-in user (a
    clerk who also acts at a step, e.g. confirming pilots for a supervising
    department)."""

    name = "本单位记录及待我处理"
    arg_name = "kit_own_or_waiting"

    def apply(self, query, value):
        from sqlalchemy import or_

        return query.filter(or_(self.model.unit_id == g.user.unit_id,
                                engine.todo_clause(self.model, g.user)))


def default_list_filter(model, user):
    """The filter a record list opens with for ``user``: a reviewer (审核员 or
    改革办 acting at a step of the chain) sees what waits for them; a filer
    (录入员) the own unit's records (and what waits for them, when they also
    act at a step); someone who only acts at a step (a
    supervising department's clerk confirming pilots) what waits for them;
    others (leaders) everything in scope. ``(label, filter class)`` or None."""
    from sqlalchemy.sql.elements import False_

    from app.security.roles import ROLE_REFORM_OFFICE, ROLE_REVIEWER

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    acts = not isinstance(engine.todo_clause(model, user), False_)
    roles = {r.name for r in getattr(user, "roles", ())}
    if acts and roles & {ROLE_REVIEWER, ROLE_REFORM_OFFICE}:
        return "待我审核", WaitingForMeFilter
    unit_id = getattr(user, "unit_id", None)
    if unit_id is not None and hasattr(model, "unit_id") and \
            not isinstance(model.__chain__.filer.clause(model, user), False_):
        if acts:
            return "本单位记录及待我处理", OwnUnitOrWaitingFilter
        return "本单位记录", OwnUnitFilter
    if acts:
        return "待我审核", WaitingForMeFilter
    return None


def _list_url(**changes) -> str:
    """The current list URL with query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    for key in [k for k in args if k.startswith("page_")]:
        args.pop(key)  # back to the first page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def eager_options(model, columns) -> list:
    """Loader options for the relations that ``columns`` show: a many-to-one
    (unit, 领域, 跑道, 主管部门, 试点 …) joined into the same statement, a
    collection (涉及区县) in one more ``SELECT … IN``, whatever the number of
    rows; without them each row of a list page loads each of its related
    records on its own."""
    rels = sa_inspect(model).relationships
    out = []
    for name in dict.fromkeys(columns):
        if name in rels:
            attr = getattr(model, name)
            out.append(selectinload(attr) if rels[name].uselist else joinedload(attr))
    return out


class KitInterface(SQLAInterface):
    """FAB's SQLAlchemy interface whose list query (the one without
    ``select_columns``: the web list) loads the listed relations eagerly."""

    def __init__(self, obj, session=None, eager_columns=()):
        super().__init__(obj, session)
        self.eager = eager_options(obj, eager_columns)

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        if select_columns or not self.eager:
            return super().query(filters, order_column, order_direction, page, page_size,
                                 select_columns, outer_default_load)
        query = self.session.query(self.obj)
        count = self.query_count(query, filters)
        query = self.apply_all(query, filters, order_column, order_direction, page, page_size)
        return count, query.options(*self.eager).all()


class KitListWidget(ListWidget):
    """Lists without per-row 编辑/删除 icons (see kit/list.html)."""

    template = "kit/list.html"


STATE_CLASSES = {"草稿": "draft", "已驳回": "rejected", "已通过": "approved"}


def state_badge(label) -> Markup:
    """A state as a coloured label (待… states share the waiting colour)."""
    css = STATE_CLASSES.get(str(label), "pending_1" if str(label).startswith("待") else "")
    return Markup('<span class="label state-label state-{}">{}</span>').format(css, label)


STAGED_FIELD = "staged_evidence"  # ids of files kept from a refused attempt
STAGED_DROP = "staged_drop"  # ids of those the user no longer wants


class EvidenceWidget:
    """The evidence file input, and below it the files kept from a refused
    attempt: "已选择：xxx.pdf（保留）" with a box to drop each."""

    def __call__(self, field, **kwargs):
        from wtforms.widgets import FileInput

        html = [FileInput()(field, **kwargs)]
        for att_id, name in g.get("_kit_staged") or ():
            html.append(Markup(
                '<div class="kit-staged" data-id="{id}">已选择：'
                '<a href="/attachments/{id}/preview" target="_blank" rel="noopener">{name}</a>'
                '（保留）<input type="hidden" name="{field}" value="{id}"> '
                '<label class="kit-staged-drop"><input type="checkbox" name="{drop}" '
                'value="{id}"> 不用这个文件</label></div>').format(
                    id=att_id, name=name, field=STAGED_FIELD, drop=STAGED_DROP))
        return Markup("".join(html))


class KitFormWidget(FormWidget):
    """The add/edit form with 保存, 保存并提交 and 返回."""

    template = "kit/form.html"


class RecordModelView(ModelView):
    """Base of every record type's screens. ``build_view`` sets ``datamodel``,
    ``record_type`` and the columns from the declaration."""

    add_widget = KitFormWidget
    edit_widget = KitFormWidget
    list_widget = KitListWidget
    method_permission_name = {"choices": "list", "export_job": "export",
                              "export_job_status": "export", "export_job_file": "export",
                              # removing evidence is part of editing the record
                              "remove_attachment": "edit"}

    record_type: str = ""
    base_filters = [["id", ScopeFilter, None]]
    base_order = ("id", "desc")
    show_template = "workflow/show.html"
    list_template = "kit/list_page.html"
    export_columns: tuple[str, ...] = ()

    # FAB's /download/<filename> reads the upload folder with no scope check:
    # this plain method (no @expose) replaces it, so the route does not exist.
    # Files go out only through the scoped attachment view.
    def download(self, filename):  # pragma: no cover - not routed
        abort(404)

    # -- the list: a default filter per role, shown and removable ----------------
    def list_default(self) -> dict | None:
        """The role's default filter of this list and whether it applies now:
        not when the URL names filters of its own or asks for everything
        (``?_all=1``)."""
        found = default_list_filter(self.datamodel.obj, g.user)
        if found is None:
            return None
        label, flt = found
        explicit = any(k.startswith("_flt_") for k in request.args)
        if explicit:
            return None
        active = request.args.get(LIST_ALL_ARG) != "1"
        return {"label": label, "filter": flt, "active": active,
                "all_url": _list_url(**{LIST_ALL_ARG: "1"}),
                "default_url": _list_url(**{LIST_ALL_ARG: None})}

    def _get_list_widget(self, filters, **kwargs):
        default = self.list_default()
        g._kit_list_default = default
        if default is not None and default["active"]:
            extra = self.datamodel.get_filters().add_filter("id", default["filter"], None)
            filters = filters.get_joined_filters(extra)
        return super()._get_list_widget(filters=filters, **kwargs)

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
        staged = g.get("_kit_staged_ids") or []
        if (upload is None or not upload.filename) and not staged:
            return
        from app.attachments.storage import attach_to, save_upload, staged_uploads

        session = self.datamodel.session
        session.add(item)
        session.flush()  # the record's id, inside the transaction FAB commits
        if staged:  # files kept from a refused attempt become the record's
            attach_to(staged_uploads(g.user, self.record_type, staged, session), item.id,
                      self.record_type)
        if upload is not None and upload.filename:
            save_upload(upload, self.record_type, g.user, record_id=item.id, session=session)

    # -- a refused form keeps the chosen file (staged upload) ---------------------
    def _take_staged(self) -> None:
        """The staged files the posted form carries (``staged_evidence``),
        the user's own only; those the user ticked ``staged_drop`` on are
        deleted now. Kept in ``g`` for the save and for showing again."""
        g._kit_staged = []
        g._kit_staged_ids = []
        if not self.spec.attachments or request.method != "POST":
            return
        ids = request.form.getlist(STAGED_FIELD)
        if not ids:
            return
        from app.attachments.storage import drop_staged, staged_uploads

        session = self.datamodel.session
        found = staged_uploads(g.user, self.record_type, ids, session)
        drop = set(request.form.getlist(STAGED_DROP))
        keep = [a for a in found if str(a.id) not in drop]
        g._kit_staged = [(a.id, a.original_name) for a in keep]
        g._kit_staged_ids = [a.id for a in keep]
        drop_staged([a for a in found if str(a.id) in drop], session)

    def _keep_refused_upload(self, exc=None) -> None:
        """After a refusal: keep a newly chosen evidence file as a staged
        upload (unless the file itself was refused), shown again on the form."""
        from app.attachments.storage import UploadError, stage_upload

        upload = request.files.get("evidence")
        if not self.spec.attachments or upload is None or not upload.filename \
                or isinstance(exc, UploadError):
            return
        try:
            upload.stream.seek(0)
            att = stage_upload(upload, self.record_type, g.user, self.datamodel.session)
        except UserError as refused:
            self.datamodel.session.rollback()
            flash(refused.message, "danger")
            return
        g._kit_staged = [*g.get("_kit_staged", []), (att.id, att.original_name)]

    def _add(self):
        """FAB's, except that a refused record keeps the form with what was
        typed, and a saved one opens its record page."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._take_staged()
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
                    self._keep_refused_upload(exc)
                else:
                    if not request.form.get("_submit"):  # 保存并提交 says it once
                        flash("已保存", "success")
                    self._saved = item
                    return None
            else:
                self._keep_refused_upload()
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
            self._take_staged()
            if form.validate():
                self.process_form(form, False)
                try:
                    form.populate_obj(item)
                    self.pre_update(item)
                    commit_or_refuse(self.datamodel.session, item)
                except UserError as exc:
                    self.datamodel.session.rollback()
                    flash(exc.message, "danger")
                    self._keep_refused_upload(exc)
                else:
                    if not request.form.get("_submit"):  # 保存并提交 says it once
                        flash("已保存", "success")
                    self._saved = item
                    return None
            else:
                self._keep_refused_upload()
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
        if template == self.list_template:
            kwargs.setdefault("kit_default", g.get("_kit_list_default"))
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
    def _export_ids(self):
        """A SELECT of the ids of the list as filtered on screen (the request's
        filter and order arguments, the role's default filter while it
        applies), in the user's scope and in the list's order."""
        model = self.datamodel.obj
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        order_column, direction = (get_order_args().get(self.__class__.__name__)
                                   or ("id", "desc"))
        if order_column not in self.order_columns:
            order_column = "id"
        if direction not in ("asc", "desc"):
            direction = "desc"
        joined = self._filters.get_joined_filters(self._base_filters)
        default = self.list_default() if hasattr(self, "list_default") else None
        if default is not None and default["active"]:
            joined = joined.get_joined_filters(
                self.datamodel.get_filters().add_filter("id", default["filter"], None))
        query = self.datamodel.apply_all(self.datamodel.session.query(model), joined,
                                         order_column, direction)
        return query.with_entities(model.id)

    def _export_plan(self):
        """How each export column is read without building ORM objects: a
        column of the record's table, or a many-to-one relation (its foreign
        key, the related rows loaded once per chunk and kept); None when a
        column needs the ORM (a property, a collection)."""
        mapper = sa_inspect(self.datamodel.obj)
        plan = []
        for name in ("unit", *self.export_columns):
            if name in mapper.columns:
                plan.append((name, mapper.columns[name], None))
                continue
            rel = mapper.relationships.get(name) if name in mapper.relationships else None
            pk = rel.mapper.primary_key if rel is not None else ()
            if rel is None or rel.uselist or len(rel.local_columns) != 1 or len(pk) != 1:
                return None
            plan.append((name, next(iter(rel.local_columns)), (rel.mapper.class_, pk[0])))
        return plan

    def _export_rows(self, ids, progress=None):
        """The export's rows for ``ids`` (in their order), read in chunks of
        1,000: one SELECT of the needed columns a chunk (plus, for related
        rows not seen yet, one per relation), no ORM object per record."""
        model = self.datamodel.obj
        session = self.datamodel.session
        plan = self._export_plan()
        chain = model.__chain__
        if plan is None:  # a property or a collection: the ORM, with eager loading
            options = eager_options(model, ("unit", *self.export_columns))
        else:
            select_cols = [model.id, model.state, model.created_on] + [c for _, c, _ in plan]
            related: dict[tuple, object] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            if plan is None:
                found = {r.id: r for r in session.query(model).options(*options)
                         .filter(model.id.in_(chunk))}
                for record_id in chunk:
                    item = found.get(record_id)
                    if item is not None:  # else removed since the ids were read
                        yield ([item.id] + [display(getattr(item, c))
                                            for c in self.export_columns]
                               + [item.unit.name if item.unit else "", item.state_label,
                                  display(item.created_on)])
            else:
                found = {r[0]: r for r in session.execute(
                    select(*select_cols).where(model.id.in_(chunk)))}
                missing: dict[tuple, set] = {}
                for i, (_, _, rel) in enumerate(plan, start=3):
                    if rel is not None:
                        for r in found.values():
                            if r[i] is not None and (rel[0], r[i]) not in related:
                                missing.setdefault(rel, set()).add(r[i])
                if len(related) > 20_000:
                    related.clear()  # many distinct related rows: keep memory flat
                for (cls, pk), values in missing.items():
                    for obj in session.execute(select(cls).where(pk.in_(values))).scalars():
                        related[(cls, getattr(obj, pk.key))] = obj
                for record_id in chunk:
                    r = found.get(record_id)
                    if r is None:
                        continue
                    values = [r[i] if rel is None or r[i] is None
                              else related.get((rel[0], r[i]))
                              for i, (_, _, rel) in enumerate(plan, start=3)]
                    unit = values.pop(0)  # "unit" came first
                    yield ([r[0]] + [v if type(v) is str else display(v) for v in values]
                           + [unit.name if unit is not None else "", chain.state_label(r[1]),
                              display(r[2])])
            del found
            done = min(start + CHUNK, len(ids))
            if progress is not None and (done == len(ids) or done % (10 * CHUNK) == 0):
                progress(done, len(ids))  # a commit: every 10,000 rows, not every chunk

    def export_workbook(self, out, progress=None) -> tuple[str, int]:
        """Write the list as filtered on screen to ``out`` (a path or a binary
        file) as .xlsx; returns the download name and the number of rows.

        The ids are read first (one statement), then the records in chunks
        (see ``_export_rows``), so that no cursor stays open between chunks
        (``progress(done, total)`` may commit) and memory stays flat whatever
        the number of rows."""
        ids = [row[0] for row in self._export_ids()]
        header = [self.label_columns.get(c, c) for c in ("id", *self.export_columns)]
        header += ["填报单位", "状态", "填报时间"]
        label = self.spec.label
        write_xlsx(label, header, self._export_rows(ids, progress),
                   widths=[8] + [24] * (len(header) - 1), out=out)
        return f"{label}_{datetime.date.today():%Y%m%d}.xlsx", len(ids)

    @expose("/export/")
    @has_access
    def export(self):
        """The list as filtered on screen, in the user's scope, as .xlsx. Up to
        ``EXPORT_SYNC_MAX_ROWS`` rows (default 5,000) in this request; more run
        as a background job (progress page, file offered when done)."""
        from config import setting

        limit = int(setting(current_app, "EXPORT_SYNC_MAX_ROWS", 5000))
        total = self._export_ids().order_by(None).count()
        if total > limit:
            from app.reports.tasks import queue_export

            args = [[k, v] for k, v in request.args.items(multi=True)]
            job = queue_export(current_app._get_current_object(), self.record_type, args,
                               g.user, total)
            flash(f"共 {total:,} 条记录，超过 {limit:,} 条，已转为后台导出", "info")
            return redirect(url_for(f"{self.endpoint}.export_job", job_id=job.id))
        import tempfile

        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        name, _ = self.export_workbook(out)
        out.seek(0)
        return send_file(out, as_attachment=True, download_name=name, mimetype=XLSX_MIMETYPE)

    def _export_job(self, job_id):
        """The user's own export job of this record type, or 404."""
        from app.reports.models import ReportJob

        job = self.datamodel.session.get(ReportJob, job_id)
        if (job is None or job.kind != "export" or job.created_by_id != g.user.id
                or (job.params or {}).get("record_type") != self.record_type):
            abort(404)
        return job

    @expose("/export/jobs/<int:job_id>")
    @has_access
    def export_job(self, job_id):
        job = self._export_job(job_id)
        return self.render_template(
            "reports/job.html", job=job, title=f"导出{self.spec.label}",
            status_url=url_for(f"{self.endpoint}.export_job_status", job_id=job.id),
            back_url=url_for(f"{self.endpoint}.list"), back_label=f"返回{self.spec.label}列表")

    @expose("/export/jobs/<int:job_id>/status")
    @has_access
    def export_job_status(self, job_id):
        from flask import jsonify

        from app.reports.tasks import job_file

        job = self._export_job(job_id)
        out = {"id": job.id, "status": job.status, "status_label": job.status_label,
               "progress": job.progress, "message": job.message or "", "url": None}
        if job.status == "done":
            if job_file(current_app._get_current_object(), job) is not None:
                out["url"] = url_for(f"{self.endpoint}.export_job_file", job_id=job.id)
                out["link_label"] = "下载文件"
            else:
                out["message"] = "文件已过保存期限并被清理，请重新导出"
        return jsonify(out)

    @expose("/export/jobs/<int:job_id>/file")
    @has_access
    def export_job_file(self, job_id):
        from app.reports.tasks import job_file

        job = self._export_job(job_id)
        path = job_file(current_app._get_current_object(), job)
        if path is None:
            return refuse_page("文件不存在或已过保存期限，请重新导出", 404)
        return send_file(path, as_attachment=True, download_name=job.file_name,
                         mimetype=XLSX_MIMETYPE)


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
            "佐证材料", widget=EvidenceWidget(),
            description="PDF、JPG 或 PNG 文件；保存后可在记录页查看、预览或删除"
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
        "datamodel": KitInterface(model, eager_columns=listed),
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
    for page, template in spec.templates.items():
        if page not in ("add", "edit", "show", "list"):
            raise ValueError(f"{spec.name}: templates has an unknown page {page!r}")
        attrs[f"{page}_template"] = template
    return type(rt.view_name, (RecordModelView,), attrs)
