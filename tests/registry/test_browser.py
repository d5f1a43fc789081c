"""一企一档 in real Chromium: an officer filters the list, opens a file (profile with sources,
qualifications, history), imports a GBK file and watches the job's progress turn to done with
its refused row and report; the enterprise user reads its own file.

Screenshots of each key page go to ``var/screenshots/registry-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, drain_tasks
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from tests.registry.conftest import csv_bytes, row, uscc, wrong_check
from yiwang.registry.models import Enterprise, ImportJob

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"registry-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


def test_list_file_and_an_import_with_progress_in_chromium(
    live_server, page, migrated_data, reg, files_, tmp_path
):
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # 1. The officer opens the list from the workbench navigation and filters it.
    sign_in(page, base, reg.officer.username)
    page.goto(f"{base}/workbench/")
    page.click("a.nav-link[href='/registry/']")
    page.locator("[data-testid=registry-row]").first.wait_for()
    assert page.locator("[data-testid=registry-row]").count() == 2
    page.fill("#id_industry", "I")
    page.click("[data-testid=filter-submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=registry-row]").count() == 1
    shot(page, "list")

    # 2. One file: the profile with the source of each value, qualifications, history.
    page.click(f"[data-testid=registry-row][data-uscc='{uscc(1)}'] a")
    page.locator("[data-testid=enterprise-uscc]").wait_for()
    assert page.inner_text("[data-testid=enterprise-uscc]") == uscc(1)
    page.locator("[data-testid=qualification][data-kind=high_tech]").wait_for()
    assert page.locator("[data-testid=change]").count() >= 5
    shot(page, "detail")

    # 3. An import: upload a GBK file, follow the progress until done, see the refused row.
    data = csv_bytes(
        [row(1, 从业人数="48"), row(6), row(7, 统一社会信用代码=wrong_check(uscc(7)))],
        encoding="gbk",
    )
    upload = tmp_path / "市场监管局.csv"
    upload.write_bytes(data)
    page.goto(f"{base}/registry/imports/")
    page.set_input_files("#id_file", str(upload))
    page.select_option("#id_source", "market")
    page.click("[data-testid=import-submit]")
    page.locator("[data-testid=import-progress][data-status=queued]").wait_for()
    shot(page, "import-queued")
    assert drain_tasks() == 1  # the worker's part, here in the test's thread
    page.locator("[data-testid=import-progress][data-status=done]").wait_for(timeout=10_000)
    assert page.inner_text("[data-testid=job-created]") == "1"
    assert page.inner_text("[data-testid=job-updated]") == "1"
    assert page.inner_text("[data-testid=job-failed]") == "1"
    assert page.locator("[data-testid=import-error][data-row='4']").count() == 1
    shot(page, "import-done")
    with page.expect_download() as download:
        page.click("[data-testid=error-report]")
    assert download.value.suggested_filename == "市场监管局-errors.csv"
    job = ImportJob.objects.get()
    assert job.encoding == "gb18030" and Enterprise.objects.get(uscc=uscc(1)).employees == 48

    # 4. The enterprise user reads its own file, read-only.
    sign_in(page, base, reg.ent_user.username)
    page.goto(f"{base}/registry/mine/")
    page.locator("[data-testid=own-note]").wait_for()
    assert page.inner_text("[data-testid=enterprise-uscc]") == uscc(1)
    assert page.locator("[data-testid=edit-link]").count() == 0
    shot(page, "mine")
    assert not errors, errors
