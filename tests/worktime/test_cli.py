"""``yiwang worktime``: results on stdout, warnings and errors on stderr, exit 2 on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yiwang.core.models import AuditLog
from yiwang.worktime.cli import main
from yiwang.worktime.models import CalendarYear

pytestmark = pytest.mark.django_db


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deadline_in_working_days(capsys):
    code, out, err = run(
        capsys, "deadline", "--start", "2026-09-30T16:20:00+08:00", "--working-days", "2"
    )
    assert (code, out, err) == (0, "2026-10-09T17:30:00+08:00\n", "")


def test_deadline_in_working_hours(capsys):
    code, out, _ = run(
        capsys, "deadline", "--start", "2026-09-30T16:20:00+08:00", "--working-hours", "1"
    )
    assert (code, out) == (0, "2026-09-30T17:20:00+08:00\n")
    code, out, _ = run(
        capsys, "deadline", "--start", "2026-09-30T07:00:00Z", "--working-hours", "1.5"
    )
    assert (code, out) == (0, "2026-09-30T16:30:00+08:00\n")


def test_uncovered_year_warns_on_stderr(capsys):
    code, out, err = run(
        capsys, "deadline", "--start", "2030-09-30T16:20:00+08:00", "--working-days", "2"
    )
    assert code == 0
    assert out == "2030-10-02T17:30:00+08:00\n"
    assert err.startswith("warning:") and "2030" in err


def test_between_with_pauses(capsys):
    code, out, err = run(
        capsys,
        "between",
        "--start",
        "2026-09-30T10:00:00+08:00",
        "--end",
        "2026-10-08T10:00:00+08:00",
        "--pause",
        "2026-09-30T11:00:00+08:00/2026-09-30T15:00:00+08:00",
        "--pause",
        "2026-09-30T14:30:00+08:00/2026-09-30T16:00:00+08:00",
    )
    assert (code, out, err) == (0, "240\n", "")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["deadline", "--start", "2026-13-01T10:00:00+08:00", "--working-days", "1"],
            "not an ISO 8601",
        ),
        (["deadline", "--start", "tomorrow", "--working-days", "1"], "not an ISO 8601"),
        (["deadline", "--start", "2026-09-30T16:20:00", "--working-days", "1"], "no time zone"),
        (["deadline", "--start", "2026-09-30T16:20:00+08:00", "--working-days", "-1"], "negative"),
        (
            ["deadline", "--start", "2026-09-30T16:20:00+08:00", "--working-hours", "-0.5"],
            "negative",
        ),
        (
            ["deadline", "--start", "2026-09-30T16:20:00+08:00", "--working-days", "two"],
            "whole number",
        ),
        (["deadline", "--start", "2026-09-30T16:20:00+08:00"], "required"),
        (
            [
                "deadline",
                "--start",
                "2026-09-30T16:20:00+08:00",
                "--working-days",
                "1",
                "--working-hours",
                "1",
            ],
            "not allowed",
        ),
        (["deadline", "--start", "1980-01-01T10:00:00+08:00", "--working-days", "1"], "1990"),
        (
            [
                "deadline",
                "--start",
                "2026-09-30T16:20:00+08:00",
                "--working-days",
                "1",
                "--calendar",
                "XX",
            ],
            "Unknown calendar",
        ),
        (
            [
                "between",
                "--start",
                "2026-09-30T10:00:00+08:00",
                "--end",
                "2026-09-29T10:00:00+08:00",
            ],
            "end must not be before start",
        ),
        (
            [
                "between",
                "--start",
                "2026-09-30T10:00:00+08:00",
                "--end",
                "2026-10-01T10:00:00+08:00",
                "--pause",
                "2026-09-30T11:00:00+08:00",
            ],
            "START/END",
        ),
        ([], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert needle in err


def test_import_and_years(capsys, tmp_path, national):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,kind,note\n2027-01-01,holiday,元旦\n2027-02-14,workday,春节调休\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "import", "--calendar", "CN", "--file", str(csv_file))
    assert code == 0, err
    assert out.startswith("CN 2027: 1 holidays, 1 make-up working days")
    assert CalendarYear.objects.filter(calendar=national, year=2027).exists()
    entry = AuditLog.objects.get(action="worktime.year.import")
    assert entry.channel == "cli" and entry.actor_label == "system"

    code, out, _ = run(capsys, "years", "--calendar", "CN")
    assert code == 0
    years = [line.split("\t")[1] for line in out.splitlines()]
    assert years == [str(y) for y in range(2004, 2028)]


def test_import_with_a_bad_row_exits_2_and_imports_nothing(capsys, tmp_path, national):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,kind,note\n2027-01-01,holiday,元旦\n2027-01-32,holiday,\n", encoding="utf-8"
    )
    code, _out, err = run(capsys, "import", "--calendar", "CN", "--file", str(csv_file))
    assert code == 2
    assert "line 3:" in err and "2027-01-32" in err
    assert not CalendarYear.objects.filter(calendar=national, year=2027).exists()


def test_import_missing_file_and_unknown_actor(capsys, tmp_path):
    code, _, err = run(capsys, "import", "--file", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind\n2027-01-01,holiday\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "--file", str(csv_file), "--actor", "nobody")
    assert code == 2 and "nobody" in err


def test_import_as_an_actor_without_permission_is_refused(capsys, tmp_path, case_handler):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind\n2027-01-01,holiday\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "--file", str(csv_file), "--actor", "handler")
    assert code == 1 and "worktime.manage_calendar" in err


def test_console_script_end_to_end(tmp_path):
    """The installed ``yiwang`` script, on a freshly migrated database of its own."""
    script = Path(sys.executable).with_name("yiwang")
    env = {
        **os.environ,
        "YIWANG_VAR_DIR": str(tmp_path),
        "YIWANG_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "YIWANG_TASKS_URL": f"sqlite:///{tmp_path}/tasks.sqlite3",
        "YIWANG_CACHE_URL": "locmem://",
    }
    migrate = subprocess.run(
        [str(script), "manage", "migrate", "--skip-checks", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    done = subprocess.run(
        [
            str(script),
            "worktime",
            "deadline",
            "--start",
            "2026-09-30T16:20:00+08:00",
            "--working-days",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "2026-10-09T17:30:00+08:00\n", "")
    bad = subprocess.run(
        [
            str(script),
            "worktime",
            "deadline",
            "--start",
            "2026-09-30T16:20:00",
            "--working-days",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "no time zone" in bad.stderr
