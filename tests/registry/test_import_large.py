"""A 200 MB import streams: Python's peak memory while importing it stays bounded, and does not
grow with the file (compared with a 10 MB file of the same rows).

The file is built to keep the test short: 300 distinct enterprises (written through the real
batch writer), then rows that repeat their codes with a long address (30 KB a row), refused fast as
duplicates (each still read, decoded, parsed, checked against the code index and written to
the error report). Measured with ``tracemalloc`` (Python allocations: the CSV reader, the
batches, the ORM objects; not SQLite's own page cache, which it bounds itself).
"""

from __future__ import annotations

import tracemalloc

import pytest

from tests.registry.conftest import HEADER, row, uscc
from yiwang.registry.models import Enterprise, ImportJob
from yiwang.registry.services.imports import import_file

pytestmark = pytest.mark.django_db

MB = 1 << 20
DISTINCT = 300


def _write(path, size: int) -> int:
    """A CSV of about ``size`` bytes (GBK, like a spreadsheet saved on a Chinese Windows)."""
    lines = [",".join(HEADER)]
    lines += [",".join(row(n, 注册地址=f"珠海市香洲区情侣中路{n}号")) for n in range(DISTINCT)]
    head = ("\r\n".join(lines) + "\r\n").encode("gbk")
    filler = "珠海市香洲区情侣中路" + "某大厦" * 5000
    repeats = [
        (",".join(row(n, 注册地址=filler)) + "\r\n").encode("gbk") for n in range(0, DISTINCT, 3)
    ]
    block = b"".join(repeats)
    written = 0
    with path.open("wb") as out:
        out.write(head)
        written += len(head)
        while written < size:
            out.write(block)
            written += len(block)
    return written


def _import_peak(city_id: int, path) -> tuple[ImportJob, int]:
    tracemalloc.start()
    try:
        job = import_file(actor=None, path=str(path), source="market", city_id=city_id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return job, peak


@pytest.fixture
def scratch(tmp_path):
    """A directory emptied after the test (pytest keeps the last runs' temporary files)."""
    yield tmp_path
    for path in tmp_path.glob("*.csv"):
        path.unlink()


def test_a_200_mb_file_streams_with_bounded_memory(reg, scratch):
    tmp_path = scratch
    small = tmp_path / "small.csv"
    _write(small, 10 * MB)
    job_small, peak_small = _import_peak(reg.city.pk, small)
    assert job_small.status == "done", job_small.message
    assert job_small.created == DISTINCT
    Enterprise.objects.all().delete()

    big = tmp_path / "big.csv"
    size = _write(big, 200 * MB)
    assert size >= 200 * MB
    job, peak = _import_peak(reg.city.pk, big)
    assert job.status == "done", job.message
    assert job.encoding == "gb18030" and job.size == size and job.bytes_read == size
    assert job.created == DISTINCT and job.rows == DISTINCT + job.failed
    assert job.failed > 5_000 and len(job.errors) == 1000
    assert {e["code"] for e in job.errors} == {"registry.duplicate_uscc"}
    assert Enterprise.objects.get(uscc=uscc(7)).address == "珠海市香洲区情侣中路7号"
    # the full report is on disk, one line per refused row (plus the header)
    with job.error_file.open("rb") as report:
        assert sum(1 for _line in report) == job.failed + 1
    print(f"peak {peak / MB:.1f} MB for {size / MB:.0f} MB ({job.rows} rows); "
          f"{peak_small / MB:.1f} MB for 10 MB")  # fmt: skip
    assert peak < 32 * MB
    assert peak < peak_small * 1.5  # it does not grow with the file
