"""Errors meant for users: the scoring side and the user import raise
subclasses of ``app.errors.UserError`` (a Chinese message and an HTTP status);
the commands print that message and exit 1, and let anything else — a bug —
propagate."""

from __future__ import annotations

import zipfile

import click
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from app.cli import reports_user_errors
from app.errors import BadInput, Conflict, UserError
from app.extensions import db
from app.scoring.collectors import MissingSource, SourceError
from app.scoring.core.engine import ValuesError, check_values
from app.scoring.core.scheme import SchemeError, load_scheme
from app.scoring.core.selfeval import SelfEvalError, self_evaluation
from app.scoring.periods import PeriodError, parse_period
from app.scoring.service import ScoringError, run_scheme
from app.scoring.store import FrozenSchemeError, _fill, freeze, latest, to_core
from app.scoring.views import SchemeChangeError
from app.security.user_import import UserImportError, read_rows


@pytest.mark.parametrize("cls, base, status, before", [
    (SchemeError, BadInput, 422, ValueError), (ValuesError, BadInput, 422, ValueError),
    (SelfEvalError, BadInput, 422, ValueError), (PeriodError, BadInput, 422, ValueError),
    (SchemeChangeError, BadInput, 422, ValueError),
    (UserImportError, BadInput, 422, ValueError),
    (SourceError, UserError, 422, UserError), (MissingSource, SourceError, 404, LookupError),
    (FrozenSchemeError, Conflict, 409, ValueError), (ScoringError, UserError, 400, LookupError),
])
def test_each_error_is_a_user_error(cls, base, status, before):
    assert issubclass(cls, base) and issubclass(cls, UserError)
    assert cls.status == status
    assert issubclass(cls, before)  # what callers caught before still catches it


def _raised(fn, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as exc:
        fn(*args, **kwargs)
    assert exc.value.message == str(exc.value) and exc.value.message
    return exc.value


def test_the_pure_core_raises_user_errors_listing_every_problem():
    err = _raised(load_scheme, "code: x\nname: [unclosed\n")
    assert isinstance(err, SchemeError) and err.message.startswith("指标体系有误")
    assert err.as_dict() == {"message": err.message, "messages": err.messages}
    import pandas as pd

    scheme = load_scheme("code: s\nname: 体系\nreport_type: 测\nversion: '1'\nindicators:\n"
                         "- {code: A, name: 甲, points: 10, method: rate}\n")
    err = _raised(check_values, scheme, pd.DataFrame({"unit": ["甲"], "indicator": ["A"],
                                                      "value": ["很多"]}))
    assert isinstance(err, ValuesError) and "“很多”不是数字" in err.messages[0]
    err = _raised(self_evaluation, 0, 0, [{"name": "x", "nature": "?", "weight": 1}])
    assert isinstance(err, SelfEvalError) and len(err.messages) == 2
    err = _raised(parse_period, "Q9")
    assert isinstance(err, PeriodError) and err.status == 422 and "无法识别的期间" in err.message


def test_scoring_run_errors_carry_their_status(app):
    with app.app_context():
        assert _raised(run_scheme, "nope", "2024Q1").status == 404
        err = _raised(run_scheme, "district_2023", "2024")
        assert isinstance(err, ScoringError) and err.status == 422 and "按季度评价" in err.message
        assert isinstance(_raised(run_scheme, "district_2023", "Q9"), PeriodError)


def test_a_frozen_scheme_is_never_refilled(app):
    with app.app_context():
        row = latest("soe_2023")
        freeze(row)
        err = _raised(_fill, row, to_core(row), db.session)
        assert isinstance(err, FrozenSchemeError) and err.status == 409
        assert err.message == "该指标体系已冻结，请先创建新版本"


def test_commands_print_the_message_of_a_user_error(runner):
    out = runner.invoke(args=["scheme", "export", "nope"])
    assert out.exit_code == 1 and out.output.strip() == "找不到指标体系“nope”"
    out = runner.invoke(args=["scheme", "export", "soe_2023", "--version", "9"])
    assert out.exit_code == 1 and out.output.strip() == "找不到指标体系“soe_2023” 第 9 版"
    out = runner.invoke(args=["score", "run", "--scheme", "soe_2023", "--period", "2024-B9"])
    assert out.exit_code == 1 and out.output.startswith("无法识别的期间“2024-B9”")
    assert "Traceback" not in out.output


def test_a_bug_in_a_command_is_not_turned_into_a_message():
    @click.command()
    @click.argument("what")
    @reports_user_errors
    def cmd(what):
        if what == "user":
            raise BadInput("请填写手机号")
        {}["missing"]  # a bug

    result = CliRunner().invoke(cmd, ["user"])
    assert result.exit_code == 1 and result.output == "请填写手机号\n"
    result = CliRunner().invoke(cmd, ["bug"])
    assert isinstance(result.exception, KeyError) and "请" not in result.output


# -- the user import: files that are not a readable .xlsx ------------------------------

def _unreadable_files(tmp_path):
    text = tmp_path / "text.xlsx"  # a CSV renamed
    text.write_text("手机号,姓名\n13900000000,张三\n", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    parts = tmp_path / "parts.xlsx"  # a zip, but not a workbook
    with zipfile.ZipFile(parts, "w") as z:
        z.writestr("readme.txt", "x")
    good = tmp_path / "good.xlsx"
    Workbook().save(good)
    broken = tmp_path / "broken.xlsx"  # the sheet's XML cut short
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, b"<worksheet><sheetData><row><c" if
                         name.startswith("xl/worksheets/") else data)
    csv = tmp_path / "users.csv"
    csv.write_text("手机号\n", encoding="utf-8")
    return [text, empty, parts, broken, csv]


def test_an_unreadable_sheet_is_reported_in_chinese(tmp_path):
    for path in _unreadable_files(tmp_path):
        with pytest.raises(UserImportError) as exc:
            read_rows(path)
        assert exc.value.errors[0].startswith("无法读取 Excel 文件（请使用 .xlsx 格式）"), path.name
        assert exc.value.status == 422


def test_users_import_command_reports_an_unreadable_sheet(runner, tmp_path):
    for path in _unreadable_files(tmp_path):
        out = runner.invoke(args=["users", "import", str(path)])
        assert out.exit_code == 1, (path.name, out.output)
        assert out.output.startswith("导入失败，未导入任何用户"), path.name
        assert "无法读取 Excel 文件" in out.output and "Traceback" not in out.output
