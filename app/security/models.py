"""The user: Flask-AppBuilder's, extended with a unit and a mobile number.

The mobile number (渝快政手机号) is the login name: ``username`` always equals
``mobile``. Every account must change its initial password at first login
(``must_change_password``), except the demo accounts.
"""

from __future__ import annotations

import re

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, event, text
from sqlalchemy.orm import relationship


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class ReformUser(User):
    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    mobile = Column(String(11), unique=True, nullable=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    must_change_password = Column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    password_changed_on = Column(DateTime, nullable=True)

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")

    @property
    def role_names(self) -> set[str]:
        return {r.name for r in self.roles}

    def get_full_name(self) -> str:
        return f"{self.first_name}{self.last_name or ''}"

    def __repr__(self) -> str:
        return self.get_full_name()


@event.listens_for(ReformUser, "before_insert")
@event.listens_for(ReformUser, "before_update")
def _login_is_mobile(mapper, connection, target: ReformUser) -> None:
    if not target.mobile and target.username and _MOBILE.match(target.username):
        target.mobile = target.username  # e.g. `flask fab create-admin --username 139…`
    if target.mobile:
        target.username = target.mobile
    if not target.email and target.mobile:
        target.email = f"{target.mobile}@users.invalid"
    if target.last_name is None:
        target.last_name = ""
