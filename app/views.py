"""The home page."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose


class ReformIndexView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        if g.user is None or not g.user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
