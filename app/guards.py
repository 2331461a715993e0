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
import re

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


def int_id(raw) -> int | None:
    """``raw`` (text from a request) as a row id, or None when it cannot be
    one: ASCII digits only (not "²"), within 1 … 2**31 - 1."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= ID_MAX else None


def _bad_path_id(value) -> bool:
    if isinstance(value, int):
        return not 1 <= value <= ID_MAX
    if isinstance(value, str):
        return int_id(value) is None
    return False


def _too_large(value) -> bool:
    """An integer no INTEGER column can hold (SQLite and PostgreSQL refuse it
    with an error, which became a 500)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > ID_MAX


_ID_FILTER = re.compile(r"_flt_\d+_(id|\w+_id)\Z")

# Flask-AppBuilder's own answers to a malformed REST ``q``, in Chinese
_API_MESSAGES = (
    (re.compile(r"Invalid order by column: (.*)"), "排序字段“{0}”无效"),
    (re.compile(r"Filter column: (.*) not allowed to filter"), "不能按字段“{0}”筛选"),
    (re.compile(r"Not a valid rison schema.*", re.S), "查询参数 q 的结构不正确"),
    (re.compile(r"Not a valid rison argument.*", re.S), "查询参数 q 格式不正确（应为 Rison 或 JSON）"),
)


def _api_error(message: str, status: int):
    return jsonify(message=message), status


def init_guards(app) -> None:
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
    json_max = int(app.config.get("JSON_MAX_KB", 1024)) * 1024

    @app.before_request
    def _guard():
        args = request.view_args or {}
        # the named record ids, and every integer in the path (job ids …)
        if any(_bad_path_id(v) if k in _PATH_ID_KEYS else _too_large(v)
               for k, v in args.items()):
            if request.path.startswith("/api/"):
                return _api_error("记录不存在或不在您的可见范围内", 404)
            abort(404)
        if not request.path.startswith("/api/"):
            # a list's or export's filter on an id column with a number no row can have
            for key, value in request.args.items(multi=True):
                if _ID_FILTER.match(key) and value.strip().isdigit() \
                        and int_id(value) is None:
                    abort(400)  # the Chinese 400 page: 请求格式不正确
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
                parsed = prison.loads(q)
            except Exception:  # noqa: BLE001 - a third-party parser of untrusted text
                try:
                    parsed = json.loads(q)
                except (ValueError, RecursionError):
                    return _api_error("查询参数 q 格式不正确（应为 Rison 或 JSON）", 400)
            if isinstance(parsed, dict) and any(
                    _too_large(parsed.get(k)) for k in ("page", "page_size")):
                return _api_error("查询参数 q 中的页码或每页条数过大", 400)
        return None

    @app.after_request
    def _chinese_api_errors(response):
        if response.status_code != 400 or not request.path.startswith("/api/") \
                or not response.is_json:
            return response
        body = response.get_json(silent=True)
        message = body.get("message") if isinstance(body, dict) else None
        if isinstance(message, str):
            for pattern, chinese in _API_MESSAGES:
                found = pattern.match(message)
                if found:
                    body["message"] = chinese.format(*found.groups())
                    response.set_data(json.dumps(body, ensure_ascii=False))
                    break
        return response
