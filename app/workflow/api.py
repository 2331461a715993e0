"""REST: the transition endpoints (``/api/v1/workflow/…``). The record types'
own APIs are built by :mod:`app.kit.api`."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.workflow import engine
from app.workflow.engine import WorkflowError


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
        if reason is not None and not isinstance(reason, str):
            return self.response(400, message="驳回理由必须是文字")
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
                    ids: {type: array, maxItems: 5000, items: {type: integer, minimum: 1, maximum: 2147483647}, description: 记录编号，一次最多 5000 个}
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
        if len(ids) > engine.BULK_MAX:
            return self.response(400, message=f"一次最多处理 {engine.BULK_MAX} 条记录")
        bad = [i for i, raw in enumerate(ids) if engine.record_id_or_none(raw) is None
               or not isinstance(raw, int)]
        if bad:
            return self.response(400, message="ids 必须是正整数编号（第 "
                                 + "、".join(str(i + 1) for i in bad[:20]) + " 个无效）")
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            return self.response(400, message="驳回理由必须是文字")
        try:
            result = engine.bulk_transition(record_type, ids, action, g.user, reason)
        except WorkflowError as exc:
            return self._error(exc)
        skipped = {s["id"]: s["reason"] for s in result.skipped}
        done = set(result.done)
        results = []
        for raw in ids:
            if raw in done:
                results.append({"id": raw, "ok": True, "reason": ""})
            else:
                results.append({"id": raw, "ok": False,
                                "reason": skipped.get(raw, engine.NOT_FOUND)})
        return self.response(200, done_count=len(result.done),
                             skipped_count=len(ids) - len(result.done), results=results)
