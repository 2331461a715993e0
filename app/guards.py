"""Guards in front of every view and API, so that malformed requests get a
clear 4xx in Chinese and never reach code that would answer 500:

* a record id in the path that no row can have (not an integer, 0, or beyond
  the 32-bit INTEGER range, which PostgreSQL refuses with an error) → 404;
* a JSON body over ``JSON_MAX_KB`` → 413, nested deeper than the parser can
  follow → 400;
* a REST ``q`` argument that is not valid Rison or JSON → 400.
"""

from __future__ import annotations

import json

from flask import abort, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

ID_MAX = 2**31 - 1
_PATH_ID_KEYS = ("pk", "id", "att_id")


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested too deep for the parser treated as
    invalid JSON (a ValueError, which Flask turns into 400) instead of a
    RecursionError (which became a 500)."""

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _bad_path_id(value) -> bool:
    if isinstance(value, int):
        return not 1 <= value <= ID_MAX
    if isinstance(value, str):
        return not (value.isdigit() and 1 <= int(value) <= ID_MAX)
    return False


def _api_error(message: str, status: int):
    return jsonify(message=message), status


def init_guards(app) -> None:
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
    json_max = int(app.config.get("JSON_MAX_KB", 1024)) * 1024

    @app.before_request
    def _guard():
        args = request.view_args or {}
        if any(_bad_path_id(args.get(k)) for k in _PATH_ID_KEYS if k in args):
            if request.path.startswith("/api/"):
                return _api_error("记录不存在或不在您的可见范围内", 404)
            abort(404)
        if not request.path.startswith("/api/"):
            return None
        if request.method in ("POST", "PUT", "PATCH") and request.is_json:
            if (request.content_length or 0) > json_max:
                return _api_error(f"请求体超过 {json_max // 1024} KB 上限", 413)
            try:
                request.get_data(cache=True)
            except RequestEntityTooLarge:
                return _api_error(f"请求体超过 {json_max // 1024} KB 上限", 413)
            if len(request.get_data(cache=True)) > json_max:
                return _api_error(f"请求体超过 {json_max // 1024} KB 上限", 413)
        q = request.args.get("q")
        if q:
            import prison

            try:
                prison.loads(q)
            except Exception:  # noqa: BLE001 - a third-party parser of untrusted text
                try:
                    json.loads(q)
                except (ValueError, RecursionError):
                    return _api_error("查询参数 q 格式不正确（应为 Rison 或 JSON）", 400)
        return None
