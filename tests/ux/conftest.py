"""Fixtures shared with the attachment tests."""

from tests.attachments.conftest import att_app  # noqa: F401 - a fixture
