"""FAB filters that apply the scope rule (app/scope.py) to generated views,
REST APIs and related-record dropdowns."""

from __future__ import annotations

from flask import g
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false

from app.scope import scope_clause, scope_for


class ScopeFilter(BaseFilter):
    """Rows of the filter's model that the current user may see."""

    name = "本人可见范围"
    arg_name = "scope"

    def apply(self, query, value):
        return query.filter(scope_clause(self.model, scope_for(getattr(g, "user", None))))


class UserScopeFilter(BaseFilter):
    """Users whose unit the current user may see (an administrator of a
    district manages that district's accounts; a city one everybody)."""

    name = "本人可见范围"
    arg_name = "user_scope"

    def apply(self, query, value):
        scope = scope_for(getattr(g, "user", None))
        if scope.everything:
            return query
        if scope.nothing:
            return query.filter(false())
        return query.filter(self.model.unit_id.in_(scope.unit_ids_select()))
