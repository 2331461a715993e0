"""Evidence files (佐证材料) attached to records of any type.

Files are stored outside the static folder under generated names; this table
keeps the original name, the checked type, size and hash, and the record the
file belongs to (``record_type`` as registered with the workflow engine, and
the record's id).
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship


class Attachment(Model):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_record", "record_type", "record_id"),)

    id = Column(Integer, primary_key=True)
    record_type = Column(String(40), nullable=False)
    record_id = Column(Integer, nullable=True)  # None until the record is saved
    original_name = Column(String(255), nullable=False)
    stored_name = Column(String(80), nullable=False, unique=True)
    content_type = Column(String(50), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    uploaded_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    # removal keeps the row and the file: who removed what, and when, stays visible
    removed_on = Column(DateTime, nullable=True)
    removed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    uploaded_by = relationship("ReformUser", foreign_keys=[uploaded_by_id])
    removed_by = relationship("ReformUser", foreign_keys=[removed_by_id])

    def __repr__(self) -> str:
        return self.original_name
