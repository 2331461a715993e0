"""Units (单位): a tree of the city reform office, districts, departments,
data-source units and enterprises.

Each unit keeps a materialised ``path`` ("/1/7/12/") so that "this unit and
every unit below it" is one indexed prefix query, whatever the depth.
"""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class UnitKind(str, enum.Enum):
    REFORM_OFFICE = "reform_office"
    DISTRICT = "district"
    DEPARTMENT = "department"
    DATA_SOURCE = "data_source"
    ENTERPRISE = "enterprise"
    DISTRICT_DEPT = "district_dept"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self.value]


UNIT_KIND_LABELS = {
    "reform_office": "市委改革办",
    "district": "区县",
    "department": "市级部门",
    "data_source": "数据来源单位",
    "enterprise": "区属国有企业",
    "district_dept": "区级部门",
}

REGIONS = ("主城都市区", "渝东北三峡库区城镇群", "渝东南武陵山区城镇群")


class Unit(Model):
    __tablename__ = "unit"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(100), unique=True, nullable=False)
    kind = Column(String(20), nullable=False, index=True)
    region = Column(String(20), nullable=True)
    # Departments named as 数据来源单位 in a scheme enter data for every district.
    is_data_source = Column(Boolean, nullable=False, default=False)
    parent_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    path = Column(String(255), nullable=False, default="", index=True)
    sort_order = Column(Integer, nullable=False, default=0)

    parent = relationship("Unit", remote_side=[id], backref="children")

    def __repr__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS.get(self.kind, self.kind)

    def compute_path(self) -> str:
        """The path from the parent's; the row must have an id already."""
        prefix = self.parent.path if self.parent is not None else "/"
        return f"{prefix}{self.id}/"
