"""``yiwang registry import``: a GBK file from disk with a progress bar, the JSON summary and
the error report next to the file; bad arguments and unreadable files exit 2."""

from __future__ import annotations

import csv
import json

import pytest

from tests.registry.conftest import csv_bytes, row, uscc, wrong_check
from yiwang.cli import main
from yiwang.registry.models import Enterprise, ImportJob

pytestmark = pytest.mark.django_db


def test_import_a_file_with_the_summary_and_the_error_report(reg, tmp_path, capsys):
    path = tmp_path / "统计局.csv"
    path.write_bytes(
        csv_bytes([row(1), row(2, 统一社会信用代码=wrong_check(uscc(2))), row(3)], encoding="gbk")
    )
    assert main(["registry", "import", str(path), "--source", "statistics"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "done" and summary["encoding"] == "gb18030"
    assert (summary["rows"], summary["created"], summary["failed"]) == (3, 2, 1)
    assert Enterprise.objects.get(uscc=uscc(1)).field_sources["employees"] == "statistics"
    job = ImportJob.objects.get(pk=summary["job"])
    assert job.actor is None and job.city_id == reg.city.pk and not job.file
    report = tmp_path / "统计局-errors.csv"
    assert summary["error_report"] == str(report)
    lines = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[1][:3] == ["3", "统一社会信用代码", wrong_check(uscc(2))]
    # the same file again: nothing changes
    assert main(["registry", "import", str(path), "--city", "t-city"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["registry", "import", "/no/such/file.csv"], "no such file"),
        (["registry", "import", "FILE", "--city", "nowhere"], "no city with code"),
        (["registry", "import", "FILE", "--source", "police"], "invalid choice"),
        (["registry", "import", "BAD"], "neither UTF-8 nor GBK"),
        (["registry"], "required"),
    ],
)
def test_bad_arguments_and_files_exit_2(reg, tmp_path, capsys, args, message):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(1)]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x80\x80\x80\x80")
    args = [str(good) if a == "FILE" else str(bad) if a == "BAD" else a for a in args]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not Enterprise.objects.exists()
