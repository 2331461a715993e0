"""REST: the transition endpoints (``/api/v1/workflow/…``) and the base
ModelRestApi of every record type (scope, explicit columns, locks)."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, ModelRestApi, expose, protect, safe

from app.security.filters import ScopeFilter
from app.workflow import engine
from app.workflow.engine import WorkflowError


class WorkflowRecordApi(ModelRestApi):
    """Base for ``/api/v1/<type>/``: the unit and filer come from the user,
    never from the client; edits and deletes obey the workflow locks."""

    base_filters = [["id", ScopeFilter, None]]
    allow_browser_login = True

    def _clean_errors(self, item):
        errors = item.clean() if hasattr(item, "clean") else []
        if errors:
            self.datamodel.session.rollback()
        return errors

    def post_headless(self):
        if getattr(g.user, "unit_id", None) is None:
            return self.response(400, message="您的账号未关联单位，不能填报")
        try:
            return super().post_headless()
        except _Invalid as exc:
            return self.response(422, message=str(exc))

    def pre_add(self, item):
        item.unit_id = g.user.unit_id
        item.filed_by_id = g.user.id
        item.state = "draft"
        item.version = 1
        errors = self._clean_errors(item)
        if errors:
            raise _Invalid(errors)

    def pre_update(self, item):
        errors = self._clean_errors(item)
        if errors:
            raise _Invalid(errors)

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        allowed = set(engine.editable_fields(g.user, item))
        if not allowed:
            return self.response(403, message=engine.edit_refusal(g.user, item))
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            bad = sorted(set(body) - allowed)
            if bad:
                return self.response(
                    403, message="当前只能修改：" + "、".join(sorted(allowed)),
                    fields=bad)
        try:
            return super().put_headless(pk)
        except _Invalid as exc:
            return self.response(422, message=str(exc))

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        why = engine.delete_refusal(g.user, item)
        if why:
            return self.response(403, message=why)
        return super().delete_headless(pk)

    def response_404(self):
        return self.response(404, message="记录不存在或不在您的可见范围内")


class _Invalid(Exception):
    def __init__(self, errors):
        super().__init__("；".join(errors))
        self.errors = errors


class WorkflowApi(BaseApi):
    """Transitions of any registered record type."""

    resource_name = "workflow"
    openapi_spec_tag = "审核流程"
    allow_browser_login = True
    openapi_spec_component_schemas = ()

    def _error(self, exc: WorkflowError):
        return self.response(exc.status, message=exc.message)

    @expose("/<record_type>/<int:pk>/<action>", methods=["POST"])
    @protect()
    @safe
    def transition(self, record_type, pk, action):
        """Submit, withdraw, approve or reject one record
        ---
        post:
          summary: 对一条记录执行流程操作（提交/撤回/通过/驳回）
          parameters:
          - in: path
            name: record_type
            required: true
            schema: {type: string, example: demand}
          - in: path
            name: pk
            required: true
            schema: {type: integer}
          - in: path
            name: action
            required: true
            schema: {type: string, enum: [submit, withdraw, approve, reject]}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason: {type: string, description: 驳回理由（驳回时必填）}
          responses:
            200:
              description: 操作成功，返回新状态
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      state: {type: string}
                      state_label: {type: string}
                      version: {type: integer}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 该记录已被他人处理，或当前状态不允许该操作
        """
        body = request.get_json(silent=True) or {}
        reason = body.get("reason") if isinstance(body, dict) else None
        try:
            record = engine.transition(record_type, pk, action, g.user, reason)
        except WorkflowError as exc:
            return self._error(exc)
        return self.response(200, id=record.id, state=record.state,
                             state_label=record.state_label, version=record.version)

    @expose("/<record_type>/bulk", methods=["POST"])
    @protect()
    @safe
    def bulk(self, record_type):
        """Approve or reject many records at once
        ---
        post:
          summary: 批量通过或批量驳回，逐条返回结果
          parameters:
          - in: path
            name: record_type
            required: true
            schema: {type: string, example: demand}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [action, ids]
                  properties:
                    action: {type: string, enum: [approve, reject]}
                    ids: {type: array, items: {type: integer}}
                    reason: {type: string, description: 驳回理由（批量驳回时必填）}
          responses:
            200:
              description: 每条记录的结果
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      done_count: {type: integer}
                      skipped_count: {type: integer}
                      results:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            ok: {type: boolean}
                            reason: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response(400, message="请求体必须是 JSON 对象")
        action = body.get("action")
        ids = body.get("ids")
        if action not in ("approve", "reject"):
            return self.response(400, message="批量操作只能是 approve（通过）或 reject（驳回）")
        if not isinstance(ids, list) or not ids:
            return self.response(400, message="请提供要处理的记录编号列表 ids")
        try:
            result = engine.bulk_transition(record_type, ids, action, g.user, body.get("reason"))
        except WorkflowError as exc:
            return self._error(exc)
        skipped = {str(s["id"]): s["reason"] for s in result.skipped}
        done = set(result.done)
        results = []
        for raw in ids:
            if raw in done:
                results.append({"id": raw, "ok": True, "reason": ""})
            else:
                results.append({"id": raw, "ok": False,
                                "reason": skipped.get(str(raw), engine.NOT_FOUND)})
        return self.response(200, done_count=len(result.done),
                             skipped_count=len(ids) - len(result.done), results=results)
