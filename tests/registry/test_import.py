"""Importing enterprise files: formats, encodings, every bad input refused row by row with its
row, column and message, re-import by USCC with history only for changed values, progress,
the error report, jurisdiction, and the sweep that resumes lost jobs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.registry.conftest import HEADER, csv_bytes, row, uscc, wrong_check
from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditLog
from yiwang.registry.models import Enterprise, ImportJob, ProfileChange
from yiwang.registry.services import imports
from yiwang.registry.services.imports import import_job_create, import_jobs_resume

pytestmark = pytest.mark.django_db


def errors_by_row(job) -> dict[int, dict]:
    return {e["row"]: e for e in job.errors}


def test_a_csv_with_chinese_headers_imports_every_field(reg, import_csv):
    job = import_csv(csv_bytes([row(1), row(2, 企业规模="中型企业", 经营状态="吊销")]))
    assert job.status == "done", job.message
    assert (job.rows, job.created, job.updated, job.failed) == (2, 2, 0, 0), job.errors
    assert job.bytes_read == job.size and job.percent == 100
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.name == "珠海测试1科技有限公司" and one.legal_representative == "张三"
    assert one.district_id == reg.xz.pk and one.street_id == reg.street.pk
    assert one.industry == "I6513" and one.founded_on == dt.date(2019, 5, 20)
    assert str(one.revenue) == "1200.50" and one.employees == 35
    assert one.credit_rating == "A" and one.software_copyrights == 12
    # no stated scale: derived (software: 35 employees, 1,200.5 万元 → small)
    assert (one.scale, one.scale_stated) == ("small", False)
    qualification = one.qualifications.get()
    assert (qualification.kind, qualification.valid_to) == ("high_tech", dt.date(2026, 12, 31))
    assert sorted(one.tags.values_list("tag", flat=True)) == ["外贸", "软件"]
    assert one.field_sources["revenue"] == "market"
    two = Enterprise.objects.get(uscc=uscc(2))
    assert (two.scale, two.scale_stated, two.status) == ("medium", True, "revoked")
    # one audit record per batch and for the job's creation and end, none per enterprise
    actions = list(AuditLog.objects.values_list("action", flat=True))
    assert actions.count("registry.enterprises_upsert") == 1
    assert "registry.import_create" in actions and "registry.import_finish" in actions
    assert "registry.enterprise_create" not in actions


def test_field_names_work_as_headers_and_unknown_columns_are_reported_once(reg, import_csv):
    header = ["uscc", "name", "industry", "district", "employees", "备注", "联系电话"]
    rows = [[uscc(n), f"企业{n}", "C3911", "斗门区", "10", "x", "13800138000"] for n in (1, 2)]
    job = import_csv(csv_bytes(rows, header=header))
    assert (job.created, job.failed) == (2, 0)
    assert job.unknown_columns == ["备注", "联系电话"]
    assert Enterprise.objects.get(uscc=uscc(2)).district_id == reg.dm.pk


def test_a_bad_uscc_is_refused_with_the_expected_check_character_and_the_rest_imports(
    reg, import_csv
):
    bad = wrong_check(uscc(2))
    rows = [row(1), row(2, 统一社会信用代码=bad), row(3), row(4, 统一社会信用代码=""),
            row(5, 统一社会信用代码="91440402MA12")]  # fmt: skip
    job = import_csv(csv_bytes(rows))
    assert job.status == "done"
    assert (job.rows, job.created, job.failed) == (5, 2, 3)
    errors = errors_by_row(job)
    assert errors[3]["column"] == "统一社会信用代码" and errors[3]["uscc"] == bad
    assert errors[3]["code"] == "registry.invalid_uscc"
    assert f"expected {uscc(2)[17]}, got {bad[17]}" in errors[3]["message"]
    assert "required" in errors[5]["message"]
    assert "18 characters" in errors[6]["message"]
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {uscc(1), uscc(3)}


def test_a_duplicate_uscc_keeps_the_first_row_and_refuses_the_later_ones(
    reg, import_csv, monkeypatch
):
    monkeypatch.setattr(imports, "BATCH", 2)  # the duplicates fall in later batches too
    rows = [row(1), row(2), row(1, 企业名称="后来的名称"), row(3), row(2), row(1)]
    job = import_csv(csv_bytes(rows))
    assert (job.rows, job.created, job.failed) == (6, 3, 3)
    errors = errors_by_row(job)
    assert {r: e["code"] for r, e in errors.items()} == {
        4: "registry.duplicate_uscc", 6: "registry.duplicate_uscc", 7: "registry.duplicate_uscc"
    }  # fmt: skip
    assert "Duplicate of row 2" in errors[4]["message"]
    assert "Duplicate of row 3" in errors[6]["message"]
    assert Enterprise.objects.get(uscc=uscc(1)).name == "珠海测试1科技有限公司"


def test_a_gbk_csv_declared_utf8_imports_correctly(reg):
    from yiwang.registry.services.imports import import_job_run

    data = csv_bytes([row(1), row(2)], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    upload = SimpleUploadedFile("gbk.csv", data, content_type="text/csv; charset=utf-8")
    job = import_job_create(actor=reg.officer, upload=upload, source="tax")
    job = import_job_run(job_id=job.pk)
    assert (job.status, job.encoding, job.created, job.failed) == ("done", "gb18030", 2, 0)
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.name == "珠海测试1科技有限公司" and one.district_id == reg.xz.pk
    assert one.field_sources["name"] == "tax"


def test_utf8_with_bom_tabs_and_gb18030_only_characters(reg, import_csv):
    rows = [row(1, 企业名称="珠海𠮷祥科技有限公司")]  # 𠮷 is outside GBK, inside GB18030
    text = csv_bytes(rows).decode("utf-8").replace(",", "\t")
    assert import_csv(b"\xef\xbb\xbf" + text.encode("utf-8")).encoding == "utf-8-sig"
    assert Enterprise.objects.get(uscc=uscc(1)).name == "珠海𠮷祥科技有限公司"
    job = import_csv(csv_bytes([row(2, 企业名称="珠海𠮷利有限公司")], encoding="gb18030"))
    assert (job.encoding, job.created) == ("gb18030", 1)
    assert Enterprise.objects.get(uscc=uscc(2)).name == "珠海𠮷利有限公司"


def test_a_row_with_bytes_of_another_encoding_fails_alone(reg, import_csv):
    good = csv_bytes([row(1), row(2)])
    bad_line = ",".join(row(3)).encode("gbk") + b"\r\n"
    job = import_csv(good + bad_line + ",".join(row(4)).encode("utf-8") + b"\r\n")
    assert job.encoding == "utf-8"
    assert (job.created, job.failed) == (3, 1)
    assert errors_by_row(job)[4]["code"] == "registry.unreadable_row"
    assert "not valid UTF-8" in errors_by_row(job)[4]["message"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\x80\x80\x80\x80", "neither UTF-8 nor GBK"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97"),
        (b"name,industry\nx,C\n", "统一社会信用代码"),
        (b"uscc,\xe4\xbc\x81\xe4\xb8\x9a\xe5\x90\x8d\xe7\xa7\xb0,name\n", "both give name"),
        (b"PK\x03\x04garbage", "zip archive but not an .xlsx"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_upload(reg, data, message):
    upload = SimpleUploadedFile("f.csv", data, content_type="text/csv")
    with pytest.raises(InvalidInput) as refused:
        import_job_create(actor=reg.officer, upload=upload, source="market")
    assert refused.value.errors[0]["field"] == "file"
    assert message in refused.value.message
    assert not ImportJob.objects.exists()


def test_bad_numbers_dates_industries_places_and_qualifications_name_their_column(reg, import_csv):
    rows = [
        row(1, **{"营业收入(万元)": "一千"}),
        row(2, 成立日期="2019-13-40"),
        row(3, 行业代码="H3911"),
        row(4, 所在区="广州区"),
        row(5, 资质="高新:2024-01-01"),
        row(6, 从业人数="-3", 纳税信用等级="AA"),
        row(7, 企业名称="", 行业代码=""),
        row(8, 成立日期="2019年5月20日", 从业人数="1,234"),
    ]
    job = import_csv(csv_bytes(rows))
    assert (job.created, job.failed) == (1, 7)  # row 7 has two errors, it counts once
    columns = [(e["row"], e["column"]) for e in job.errors]
    assert columns == [(2, "营业收入(万元)"), (3, "成立日期"), (4, "行业代码"), (5, "所在区"),
                       (6, "资质"), (7, "从业人数"), (7, "纳税信用等级"), (8, "企业名称"),
                       (8, "行业代码")]  # fmt: skip
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "belongs to section C, not H" in messages[4, "行业代码"]
    assert "广州区 is not a district" in messages[5, "所在区"]
    assert "kind:YYYY-MM-DD~YYYY-MM-DD" in messages[6, "资质"]
    assert "The enterprise name is required" in messages[8, "企业名称"]
    nine = Enterprise.objects.get(uscc=uscc(8))
    assert (nine.founded_on, nine.employees) == (dt.date(2019, 5, 20), 1234)


def test_a_new_enterprise_in_a_file_without_names_is_refused(reg, import_csv, files_):
    header = ["统一社会信用代码", "纳税额(万元)"]
    job = import_csv(csv_bytes([[uscc(1), "99"], [uscc(9), "10"]], header=header), source="tax")
    assert (job.updated, job.failed) == (1, 1)
    assert job.errors[0]["code"] == "registry.missing_fields"
    assert "A new enterprise needs" in job.errors[0]["message"]


def test_reimport_updates_by_uscc_with_history_only_for_changed_values(reg, import_csv):
    first = import_csv(csv_bytes([row(1), row(2)]))
    assert first.created == 2
    changes = ProfileChange.objects.count()
    again = import_csv(csv_bytes([row(1), row(2)]), source="tax")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ProfileChange.objects.count() == changes
    third = import_csv(csv_bytes([row(1, **{"纳税额(万元)": "75.5"}), row(2)]), source="tax")
    assert (third.updated, third.unchanged) == (1, 1)
    new = ProfileChange.objects.filter(pk__gt=ProfileChange.objects.order_by("pk")[changes - 1].pk)
    assert [(c.field, c.old, c.new, c.source, c.job_id) for c in new] == [
        ("tax_paid", "60.00", "75.50", "tax", third.pk)
    ]
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.version == 2 and one.field_sources["tax_paid"] == "tax"
    assert one.field_sources["name"] == "market"


def test_a_column_left_out_keeps_the_values_an_empty_cell_clears_them(reg, import_csv):
    import_csv(csv_bytes([row(1)]))
    header = ["统一社会信用代码", "研发投入(万元)", "资质"]
    job = import_csv(csv_bytes([[uscc(1), "", ""]], header=header), source="science")
    assert job.updated == 1
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.rd_spend is None and not one.qualifications.exists()
    assert one.revenue is not None and one.tags.count() == 2


def test_an_xlsx_workbook_imports_with_date_cells_and_numbers(reg, tmp_path):
    from openpyxl import Workbook

    from yiwang.registry.services.imports import import_job_run

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values = row(1)
    values[HEADER.index("成立日期")] = dt.datetime(2018, 3, 8)
    values[HEADER.index("从业人数")] = 120
    values[HEADER.index("营业收入(万元)")] = 23456.78
    sheet.append(values)
    sheet.append(row(2, 统一社会信用代码=wrong_check(uscc(2))))
    path = tmp_path / "enterprises.xlsx"
    book.save(path)
    with path.open("rb") as handle:
        upload = SimpleUploadedFile("e.xlsx", handle.read(), content_type="application/zip")
    job = import_job_run(
        job_id=import_job_create(actor=reg.officer, upload=upload, source="statistics").pk
    )
    assert (job.status, job.format, job.created, job.failed) == ("done", "xlsx", 1, 1)
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.founded_on == dt.date(2018, 3, 8) and one.employees == 120
    assert str(one.revenue) == "23456.78"
    assert job.errors[0]["row"] == 3


def test_a_district_officer_imports_only_inside_the_district(reg, import_csv, files_):
    rows = [row(5), row(6, 所在区="斗门区", 所在街道=""), row(3)]
    rows[2][0] = uscc(3, "440403")  # the 斗门区 file of files_
    job = import_csv(csv_bytes(rows), actor=reg.xz_officer)
    assert (job.created, job.failed) == (1, 2)
    assert {e["code"] for e in job.errors} == {"registry.outside_jurisdiction"}
    assert Enterprise.objects.get(uscc=uscc(3, "440403")).name == "珠海斗门制造有限公司"


def test_an_enterprise_of_another_city_is_refused(reg, import_csv, files_):
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    other = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs")
    Enterprise.objects.filter(uscc=uscc(1)).update(city=other, district=None, street=None)
    job = import_csv(csv_bytes([row(1)]))
    assert job.errors[0]["code"] == "registry.other_city"


def test_an_overlong_line_is_skipped_and_reported(reg, import_csv, monkeypatch):
    from yiwang.registry import importing

    monkeypatch.setattr(importing, "MAX_LINE", 500)
    long_row = row(2, 注册地址="x" * 2000)
    job = import_csv(csv_bytes([row(1), long_row, row(3)]))
    assert (job.created, job.failed) == (2, 1)
    assert "longer than 500 characters" in errors_by_row(job)[3]["message"]


def test_the_error_report_holds_every_error_the_job_keeps_the_first(reg, import_csv, monkeypatch):
    from yiwang.registry.reports import error_report_response

    monkeypatch.setattr(imports, "ERRORS_KEPT", 3)
    rows = [row(n, 统一社会信用代码=wrong_check(uscc(n))) for n in range(1, 11)]
    job = import_csv(csv_bytes([*rows, row(20)]))
    assert (job.failed, len(job.errors), job.created) == (10, 3, 1)
    response = error_report_response(job)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == [
        "Row number",
        "Column",
        "Unified social credit code",
        "Error code",
        "What is wrong",
    ]
    assert [int(r[0]) for r in lines[1:]] == list(range(2, 12))


def test_progress_is_saved_after_every_batch(reg, import_csv, monkeypatch):
    from yiwang.registry.services.imports import import_job_run

    monkeypatch.setattr(imports, "BATCH", 2)
    seen = []
    upload = SimpleUploadedFile("p.csv", csv_bytes([row(n) for n in range(1, 8)]))
    job = import_job_create(actor=reg.officer, upload=upload, source="market")
    import_job_run(job_id=job.pk, progress=lambda j: seen.append((j.rows, j.bytes_read)))
    rows = [r for r, _b in seen]
    assert rows == sorted(rows) and rows[0] == 2 and rows[-1] == 7
    assert ImportJob.objects.get(pk=job.pk).heartbeat_at is not None


def test_a_job_runs_once_and_the_sweep_resumes_a_lost_one(reg, import_csv, run_tasks):
    from django.utils import timezone

    from yiwang.registry.services.imports import import_job_run

    with run_tasks():
        upload = SimpleUploadedFile("q.csv", csv_bytes([row(1)]))
        job = import_job_create(actor=reg.officer, upload=upload, source="market")
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 1)
    assert import_job_run(job_id=job.pk).created == 1  # finished: left alone
    # a job whose task was lost (queued long ago) and one whose worker died
    lost = import_job_create(
        actor=reg.officer, upload=SimpleUploadedFile("r.csv", csv_bytes([row(2)])), source="tax"
    )
    dead = import_job_create(
        actor=reg.officer, upload=SimpleUploadedFile("s.csv", csv_bytes([row(3)])), source="tax"
    )
    long_ago = timezone.now() - dt.timedelta(hours=1)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=long_ago)
    ImportJob.objects.filter(pk=dead.pk).update(status="running", heartbeat_at=long_ago)
    with run_tasks():
        assert import_jobs_resume() == [lost.pk, dead.pk]
    resumed = ImportJob.objects.filter(pk__in=[lost.pk, dead.pk])
    assert set(resumed.values_list("status", "created")) == {("done", 1)}
    assert Enterprise.objects.count() == 3
