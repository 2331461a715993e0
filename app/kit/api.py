"""``/api/v1/<type>/`` for every record type, derived from its declaration.

The schemas are written out explicitly from the declared fields instead of
letting marshmallow-sqlalchemy guess them, because its guesses were unsafe:

* a related field took a nested object and *created* a row from it (an approved
  改革需求 nobody reviewed, a 领域 only the 改革办 may make). Here a related field
  is an integer id that must name an existing row the user may see;
* server-owned fields (unit, filer, state, version, timestamps) were accepted;
  here they are unknown fields, refused with 422;
* the published OpenAPI schema did not describe what the endpoints return;
  here the same schema objects describe and produce the answers, choices
  included (``enum``), and ``_info`` lists each field's choices.

Every refusal is a 4xx with a Chinese ``message`` and changes nothing.
"""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import ModelRestApi, expose, protect, rison, safe
from flask_appbuilder.api import merge_response_func
from flask_appbuilder.api.schemas import get_info_schema, get_item_schema
from flask_appbuilder.const import (
    API_ADD_COLUMNS_RIS_KEY,
    API_ADD_TITLE_RIS_KEY,
    API_EDIT_COLUMNS_RIS_KEY,
    API_EDIT_TITLE_RIS_KEY,
    API_FILTERS_RIS_KEY,
    API_PERMISSIONS_RIS_KEY,
    API_RESULT_RES_KEY,
)
from flask_appbuilder.security.decorators import permission_name
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from app.errors import UserError
from app.kit.fields import display, field_info
from app.kit.views import commit_or_refuse, remove_attachment
from app.security.filters import ScopeFilter
from app.workflow import engine
from app.workflow.chain import DRAFT, REJECTED

INT_MAX = 2**31 - 1  # ids are INTEGER columns on every database


class ChineseSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "不是可以填写的字段", "type": "请求体必须是 JSON 对象"}


class Display(fields.String):
    """Any value as the text a user reads (no None, True or microseconds)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else display(value)


def _msgs(label: str, invalid: str) -> dict:
    return {"required": f"请填写{label}", "null": f"{label}不能为空",
            "invalid": f"{label}{invalid}", "validator_failed": f"{label}取值不正确"}


def input_field(model, name: str, for_add: bool) -> fields.Field:
    """The marshmallow field for one fillable field."""
    info = field_info(model, name)
    label = info.label
    required = info.required and for_add
    common = dict(required=required, allow_none=not info.required,
                  metadata={"description": info.label + (f"：{info.description}"
                                                         if info.description else "")})
    if info.kind == "relation":
        one = fields.Integer(
            strict=True, validate=validate.Range(1, INT_MAX, error=f"{label}不是有效的编号"),
            error_messages=_msgs(label, "必须是整数编号"))
        if info.many:
            return fields.List(one, validate=validate.Length(
                min=1 if info.required else 0, max=200,
                error=f"{label}须选择 {{min}} 至 {{max}} 项"),
                error_messages=_msgs(label, "必须是编号列表"), **common)
        return fields.Integer(
            strict=True, validate=validate.Range(1, INT_MAX, error=f"{label}不是有效的编号"),
            error_messages=_msgs(label, "必须是整数编号"), **common)
    if info.choices:
        return fields.String(validate=validate.OneOf(
            info.choices, error=f"{label}必须是：" + "、".join(info.choices)),
            error_messages=_msgs(label, "必须是文字"), **common)
    if info.kind in ("string", "text"):
        rules = []
        if info.max_length:
            rules.append(validate.Length(max=info.max_length,
                                         error=f"{label}不能超过 {info.max_length} 个字"))
        return fields.String(validate=rules, error_messages=_msgs(label, "必须是文字"),
                             **common)
    if info.kind == "date":
        return fields.Date(error_messages=_msgs(label, "必须是日期，格式 YYYY-MM-DD"), **common)
    if info.kind == "datetime":
        return fields.DateTime(error_messages=_msgs(label, "必须是时间，格式 ISO 8601"),
                               **common)
    if info.kind == "int":
        return fields.Integer(strict=True,
                              validate=validate.Range(-INT_MAX, INT_MAX, error=f"{label}超出范围"),
                              error_messages=_msgs(label, "必须是整数"), **common)
    if info.kind == "float":
        return fields.Float(allow_nan=False, validate=validate.Range(-1e15, 1e15,
                                                                     error=f"{label}超出范围"),
                            error_messages=_msgs(label, "必须是数字"), **common)
    if info.kind == "bool":
        return fields.Boolean(truthy={True}, falsy={False},
                              error_messages=_msgs(label, "必须是 true 或 false"), **common)
    raise TypeError(f"no input field for {name!r}")


def output_fields(model, names) -> dict:
    """Fields of the list/show answers: plain values, and for a relation its
    id (``domain_id``) and its display text (``domain``)."""
    out = {"id": fields.Integer(required=True)}
    for name in names:
        info = field_info(model, name)
        if info.kind == "relation" and info.many:
            out[f"{name}_ids"] = fields.Method(
                serialize=f"_ids_{name}", metadata={"type": "array",
                                                    "items": {"type": "integer"}})
            out[f"_ids_{name}"] = _ids_getter(name)
            out[name] = Display(allow_none=True, metadata={"description": info.label})
        elif info.kind == "relation":
            out[f"{name}_id"] = fields.Integer(allow_none=True)
            out[name] = Display(allow_none=True, metadata={"description": info.label})
        elif info.kind == "date":
            out[name] = fields.Date(allow_none=True, metadata={"description": info.label})
        elif info.kind == "datetime":
            out[name] = LocalDateTime(allow_none=True, metadata={"description": info.label})
        elif info.kind == "int":
            out[name] = fields.Integer(allow_none=True, metadata={"description": info.label})
        elif info.kind == "float":
            out[name] = fields.Float(allow_none=True, metadata={"description": info.label})
        elif info.kind == "bool":
            out[name] = fields.Boolean(allow_none=True, metadata={"description": info.label})
        elif info.choices:
            out[name] = fields.String(allow_none=True, metadata={
                "description": info.label, "enum": list(info.choices)})
        else:
            out[name] = fields.String(allow_none=True, metadata={"description": info.label})
    out.update({
        "unit_id": fields.Integer(required=True),
        "unit_name": fields.String(attribute="unit.name", allow_none=True,
                                   metadata={"description": "填报单位"}),
        "state": fields.String(required=True, metadata={"description": "状态代码"}),
        "state_label": fields.String(required=True, metadata={"description": "状态"}),
        "version": fields.Integer(required=True),
        "created_on": LocalDateTime(required=True),
        "submitted_on": LocalDateTime(allow_none=True),
        "approved_on": LocalDateTime(allow_none=True),
    })
    return out


class LocalDateTime(fields.DateTime):
    """A stored (naive, server-local) time with its UTC offset, as RFC 3339
    requires of a ``date-time``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone().isoformat(timespec="seconds")


def _ids_getter(name: str):
    def getter(self, obj):
        return sorted(r.id for r in getattr(obj, name))

    return getter


def schema_class(name: str, field_map: dict) -> type:
    return type(name, (ChineseSchema,), dict(field_map))


def _flatten(errors) -> str:
    """One Chinese sentence from marshmallow's errors (whose messages already
    name their field, except an unknown field's)."""
    parts = []
    for key, msgs in (errors.items() if isinstance(errors, dict) else [("", errors)]):
        if isinstance(msgs, dict):
            msgs = [_flatten(msgs)]
        for msg in msgs if isinstance(msgs, list) else [msgs]:
            msg = str(msg)
            if msg == ChineseSchema.error_messages["unknown"]:
                msg = f"“{str(key)[:40]}”{msg}"
            parts.append(msg)
    return "；".join(parts)


class InvalidInput(UserError):
    status = 422


class KitFieldInfo(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String()
    type = fields.String(required=True, metadata={
        "description": "string, text, int, float, bool, date, datetime, relation"})
    required = fields.Boolean(required=True)
    unique = fields.Boolean()
    choices = fields.List(fields.String())
    count = fields.Integer()
    values = fields.List(fields.Dict(), metadata={"description": "可关联的记录：id 与显示文字"})


class RecordApi(ModelRestApi):
    """Base of ``/api/v1/<type>/``. ``build_api`` sets the model and schemas."""

    openapi_spec_component_schemas = (KitFieldInfo,)

    base_filters = [["id", ScopeFilter, None]]
    allow_browser_login = True
    spec = None
    page_size = 20

    # -- reading ----------------------------------------------------------------
    def _handle_columns_args(self, rison_args, select_cols, cols):
        """Answers always have the documented shape: ``columns`` selections
        (which made FAB build an undocumented schema) are not offered."""
        return [], []

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @rison(get_item_schema)
    def get(self, pk, **kwargs):
        """One record
        ---
        get:
          summary: 读取一条记录
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          responses:
            200:
              description: 记录
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        return self.response(200, id=pk, **{API_RESULT_RES_KEY: self.show_model_schema.dump(item)})

    # -- writing ----------------------------------------------------------------
    def _body(self) -> dict:
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            raise UserError("请求体必须是 JSON 对象（Content-Type: application/json）", 400)
        return body

    def _load(self, schema, body: dict, partial: bool = False) -> dict:
        try:
            return schema.load(body, partial=partial)
        except ValidationError as err:
            raise InvalidInput(_flatten(err.messages),
                               errors=err.normalized_messages()) from None

    def _apply(self, item, data: dict) -> None:
        """Put loaded values on ``item``; a related id must name a row the
        user may see."""
        model = self.datamodel.obj
        session = self.datamodel.session
        errors = {}
        for name, value in data.items():
            info = field_info(model, name)
            if info.kind != "relation":
                setattr(item, name, value.strip() if isinstance(value, str) else value)
                continue
            if value is None:
                setattr(item, name, [] if info.many else None)
                continue
            related = info.related
            wanted = sorted(set(value)) if info.many else [value]
            stmt = info.allowed(select(related).where(related.id.in_(wanted)), g.user)
            rows = {r.id: r for r in session.execute(stmt).scalars()}
            missing = [i for i in wanted if i not in rows]
            if missing:
                errors[name] = [f"编号 {'、'.join(map(str, missing[:10]))} 的{info.label}"
                                "不存在或不可选择"]
            elif info.many:
                setattr(item, name, [rows[i] for i in wanted])
            else:
                setattr(item, name, rows[value])
        if errors:
            raise InvalidInput(_flatten(errors), errors=errors)

    def _check(self, item) -> None:
        problems = item.clean() if hasattr(item, "clean") else []
        if problems:
            raise InvalidInput("；".join(problems))

    def _answer_error(self, exc: UserError):
        self.datamodel.session.rollback()
        return self.response(exc.status, **exc.as_dict())

    def post_headless(self):
        try:
            if getattr(g.user, "unit_id", None) is None:
                raise UserError("您的账号未关联单位，不能填报", 400)
            data = self._load(self.add_model_schema, self._body())
            item = self.datamodel.obj()
            self._apply(item, data)
            item.unit_id = g.user.unit_id
            item.filed_by_id = g.user.id
            item.state = DRAFT
            item.version = 1
            self.datamodel.session.add(item)
            self._check(item)
            commit_or_refuse(self.datamodel.session, item)
        except UserError as exc:
            return self._answer_error(exc)
        return self.response(201, id=item.id,
                             **{API_RESULT_RES_KEY: self.show_model_schema.dump(item)})

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            body = self._body()
            allowed = set(engine.editable_fields(g.user, item))
            if not allowed:
                raise UserError(engine.edit_refusal(g.user, item), 403)
            data = self._load(self.edit_model_schema, body, partial=True)
            bad = sorted(set(data) - allowed)
            if bad:
                names = "、".join(field_info(type(item), n).label for n in sorted(allowed))
                raise UserError("当前只能修改：" + names, 403, fields=bad)
            self._apply(item, data)
            self._check(item)
            commit_or_refuse(self.datamodel.session, item)
        except UserError as exc:
            return self._answer_error(exc)
        return self.response(200, id=item.id,
                             **{API_RESULT_RES_KEY: self.show_model_schema.dump(item)})

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        why = engine.delete_refusal(g.user, item)
        if why:
            return self.response(403, message=why)
        self.datamodel.session.delete(item)
        self.datamodel.session.commit()
        return self.response(200, message="已删除")

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        """Create a draft
        ---
        post:
          summary: 新建一条草稿（填报单位、填报人、状态由服务器确定）
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.post'
          responses:
            201:
              description: 已创建
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            422:
              $ref: '#/components/responses/422'
        """
        return self.post_headless()

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        """Change the fields the user may change now
        ---
        put:
          summary: 修改当前可以修改的字段（只提交要改的字段）
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
          responses:
            200:
              description: 已修改
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        return self.put_headless(pk)

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk):
        """Delete a draft
        ---
        delete:
          summary: 删除草稿（只有草稿可以删除）
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          responses:
            200:
              description: 已删除
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        return self.delete_headless(pk)

    # -- _info: choices for clients ---------------------------------------------------
    @expose("/_info", methods=["GET"])
    @protect()
    @safe
    @rison(get_info_schema)
    @permission_name("info")
    @merge_response_func(ModelRestApi.merge_current_user_permissions, API_PERMISSIONS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_add_field_info, API_ADD_COLUMNS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_edit_field_info, API_EDIT_COLUMNS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_search_filters, API_FILTERS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_add_title, API_ADD_TITLE_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_edit_title, API_EDIT_TITLE_RIS_KEY)
    def info(self, **kwargs):
        """What a client needs to fill in a record
        ---
        get:
          summary: 字段说明：名称、类型、是否必填、可选值（来源渠道等）、可关联的记录
          parameters:
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_info_schema'
          responses:
            200:
              description: 字段说明
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      add_columns:
                        type: array
                        items: {$ref: '#/components/schemas/KitFieldInfo'}
                      edit_columns:
                        type: array
                        items: {$ref: '#/components/schemas/KitFieldInfo'}
                      add_title: {type: string}
                      edit_title: {type: string}
                      filters: {type: object}
                      permissions:
                        type: array
                        items: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        return self.info_headless(**kwargs)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        ret = super()._get_field_info(field, filter_rel_field, page, page_size)
        info = field_info(self.datamodel.obj, field.name)
        ret["label"] = info.label
        ret["type"] = "relation" if info.kind == "relation" else info.kind
        ret.pop("validate", None)
        if info.choices:
            ret["choices"] = list(info.choices)
        if info.kind == "relation":
            related = info.related
            stmt = info.allowed(select(related), g.user)
            rows = self.datamodel.session.execute(stmt.order_by(related.id).limit(500)).scalars()
            ret["values"] = [{"id": r.id, "value": str(r)} for r in rows]
        return ret

    def response_404(self):
        return self.response(404, message="记录不存在或不在您的可见范围内")

    # -- evidence files ------------------------------------------------------------
    @staticmethod
    def _attachment_dict(att) -> dict:
        return {"id": att.id, "name": att.original_name, "content_type": att.content_type,
                "size": att.size,
                "uploaded_on": att.uploaded_on.astimezone().isoformat(timespec="seconds"),
                "url": f"/attachments/{att.id}"}

    def _record_with_files(self, pk):
        if not self.spec.attachments:
            raise UserError("该类记录没有佐证材料", 404)
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            raise UserError("记录不存在或不在您的可见范围内", 404)
        return item

    @expose("/<int:pk>/attachments", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def attachments(self, pk):
        """Evidence files of a record
        ---
        get:
          summary: 列出一条记录的佐证材料（不含已删除的）
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          responses:
            200:
              description: 文件列表
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            name: {type: string}
                            content_type: {type: string}
                            size: {type: integer}
                            uploaded_on: {type: string, format: date-time}
                            url: {type: string}
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        from app.attachments.storage import attachments_for

        try:
            item = self._record_with_files(pk)
        except UserError as exc:
            return self._answer_error(exc)
        files = [a for a in attachments_for(self.spec.name, item.id) if a.removed_on is None]
        return self.response(200, result=[self._attachment_dict(a) for a in files])

    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def add_attachment(self, pk):
        """Upload an evidence file
        ---
        post:
          summary: 上传佐证材料（PDF、JPG、PNG；记录可修改时）
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties:
                    file: {type: string, format: binary}
          responses:
            201:
              description: 已上传
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      name: {type: string}
                      content_type: {type: string}
                      size: {type: integer}
                      uploaded_on: {type: string, format: date-time}
                      url: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            413:
              description: 文件过大
            422:
              $ref: '#/components/responses/422'
        """
        from app.attachments.storage import save_upload

        try:
            item = self._record_with_files(pk)
            if not engine.editable_fields(g.user, item) or item.state not in (
                    DRAFT, REJECTED):
                raise UserError("只有草稿或被驳回的记录可以由填报单位上传佐证材料", 403)
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise UserError("请以 multipart/form-data 上传文件，字段名 file", 400)
            att = save_upload(upload, self.spec.name, g.user, record_id=item.id,
                              session=self.datamodel.session)
            self.datamodel.session.commit()
        except UserError as exc:
            return self._answer_error(exc)
        return self.response(201, **self._attachment_dict(att))

    @expose("/<int:pk>/attachments/<int:att_id>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("put")
    def delete_attachment(self, pk, att_id):
        """Remove an evidence file
        ---
        delete:
          summary: 删除佐证材料（记录可修改时；保留删除记录）
          parameters:
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: pk
          - in: path
            schema: {type: integer, minimum: 1, maximum: 2147483647}
            name: att_id
          responses:
            200:
              description: 已删除
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 该文件已删除
        """
        try:
            self._record_with_files(pk)
            remove_attachment(self.datamodel.obj, self.spec.name, pk, att_id, g.user,
                              self.datamodel.session)
        except UserError as exc:
            return self._answer_error(exc)
        return self.response(200, message="已删除佐证材料")


def build_api(rt) -> type:
    """The ModelRestApi class of one registered record type."""
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    model, spec = rt.model, rt.spec
    editable = list(spec.editable)
    shown = editable + [c for c in (spec.show_columns or ()) if _is_field(model, c)
                        and c not in editable]
    listed = [c for c in spec.list_columns if _is_field(model, c)]
    name = rt.api_name
    add_schema = schema_class(f"{name}Post", {n: input_field(model, n, True) for n in editable})
    edit_schema = schema_class(f"{name}Put", {n: input_field(model, n, False) for n in editable})
    show_schema = schema_class(f"{name}Get", output_fields(model, shown))
    list_schema = schema_class(f"{name}List", output_fields(model, listed))
    order = ["id", "state", "created_on", "submitted_on", "approved_on"] + [
        c for c in listed if field_info(model, c).kind != "relation" and c != "created_on"]
    attrs = {
        "resource_name": spec.name,
        "datamodel": SQLAInterface(model),
        "spec": spec,
        "openapi_spec_tag": spec.label,
        "list_title": spec.label,
        "show_title": spec.label,
        "add_title": spec.label,
        "edit_title": spec.label,
        "add_columns": editable,
        "edit_columns": editable,
        "list_columns": ["id"] + listed,
        "show_columns": ["id"] + shown,
        "order_columns": order,
        "search_columns": [c for c in spec.search_columns] + ["state", "unit"],
        "add_model_schema": add_schema(),
        "edit_model_schema": edit_schema(),
        "show_model_schema": show_schema(),
        "list_model_schema": list_schema(),
        "add_query_rel_fields": {},
        "edit_query_rel_fields": {},
        "label_columns": {n: field_info(model, n).label for n in set(editable) | set(shown)
                          if _is_field(model, n)},
    }
    return type(name, (RecordApi,), attrs)


def _is_field(model, name: str) -> bool:
    from sqlalchemy import inspect as sa_inspect

    mapper = sa_inspect(model)
    return name in mapper.columns or name in mapper.relationships
