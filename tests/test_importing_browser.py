"""The import page in a real browser: upload through the file input, see the validation,
confirm, see the result and the history; a malformed file is located and writes nothing.

The server runs on a private copy of the fixture city (estates E1–E4, complaints K1–K6,
data through 2024-12). ``GOOD`` adds complaints N1 (E1) and N2 (E2) received in January
2025, so after the import the sidebar's "data through" moves to 2025-01 — proof that the
cached query results were cleared. ``BAD`` (GBK) has an unknown estate (row 2) and the
month 13 (row 3).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.engine import make_engine
from data_access.schema import complaint, import_log
from tests.browser_support import ROOT, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
GOOD = ("complaints_2025-01.csv", (
    "complaint_id,estate_code,received_at,channel,category,complainant_phone\n"
    "N1,E1,2025-01-06 09:00,12345热线,电梯,13912345678\n"
    "N2,E2,2025/1/7 10:00,hotline,停车,\n").encode("utf-8"))
BAD = ("投诉_坏.csv", (
    "投诉编号,小区编码,受理时间,渠道,类别,联系电话\n"
    "B1,E9,2024-12-02 09:00,12345热线,电梯,13700001111\n"
    "B2,E1,2024-13-05 10:00,来访,停车,13700002222\n").encode("gbk"))
PHONES = ("13912345678", "13700001111", "13700002222")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory, fixture_sqlite_url):
    target = tmp_path_factory.mktemp("importing_browser") / "city.sqlite"
    shutil.copy(Path(fixture_sqlite_url.removeprefix("sqlite:///")), target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def app_url(db_url):
    with streamlit_server(db_url, ARTIFACTS / "streamlit-importing.log") as base:
        yield base


@pytest.fixture()
def page(browser):
    # tall: Streamlit scrolls inside its own container, so a screenshot shows the viewport
    context = browser.new_context(viewport={"width": 1400, "height": 2200},
                                  device_scale_factor=1)
    tab = context.new_page()
    yield tab
    context.close()


def _counts(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url, create=False)
    with engine.connect() as conn:
        result = (conn.execute(select(func.count()).select_from(complaint)).scalar(),
                  conn.execute(select(func.count()).select_from(import_log)).scalar())
    engine.dispose()
    return result


def _upload(page, name: str, content: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        [{"name": name, "mimeType": "text/csv", "buffer": content}])


def _grid_rows(page, contains: str) -> list[list[str]]:
    """Cell texts of the data grid whose text contains ``contains`` (waits for it: the
    grid's accessible table is filled after the grid is drawn)."""
    script = """text => Array.from(document.querySelectorAll('[data-testid="stDataFrame"] table'))
        .some(t => t.textContent.includes(text))"""
    page.wait_for_function(script, arg=contains, timeout=20_000)
    return page.evaluate("""text => {
        const table = Array.from(document.querySelectorAll('[data-testid="stDataFrame"] table'))
            .find(t => t.textContent.includes(text));
        return Array.from(table.querySelectorAll('tr'))
            .map(tr => Array.from(tr.querySelectorAll('th, td')).map(c => c.textContent.trim()));
    }""", contains)


def _no_phone_on_screen(page) -> None:
    content = page.content()
    for phone in PHONES:
        assert phone not in content


def _sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_valid_upload_is_checked_confirmed_and_logged(page, app_url, db_url):
    complaints_before, logs_before = _counts(db_url)
    page.goto(f"{app_url}/import?lang=zh")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="下载全部模板（ZIP）").wait_for()
    assert "数据截至 2024年12月" in _sidebar_text(page)

    _upload(page, *GOOD)
    ready = page.get_by_text("校验通过：", exact=False)
    ready.wait_for(timeout=30_000)
    wait_for_app(page)
    assert ready.inner_text() == ("校验通过：共2行可导入，其中新增2行、更新0行、无变化0行。"
                                  "确认后才会写入数据库。")
    recognised = _grid_rows(page, "UTF-8")
    assert recognised[1][:6] == ["complaints_2025-01.csv", "", "投诉", "2", "UTF-8", "可导入"]
    preview = _grid_rows(page, "N1")
    assert "139****5678" in preview[1]
    _no_phone_on_screen(page)
    assert _counts(db_url) == (complaints_before, logs_before)  # the dry run wrote nothing

    page.get_by_role("button", name="确认导入").click()
    done = page.get_by_text("导入完成：", exact=False)
    done.wait_for(timeout=30_000)
    wait_for_app(page)
    assert done.inner_text() == "导入完成：新增2行、更新0行、无变化0行。各页面已显示最新数据。"
    result = _grid_rows(page, "新增")
    assert result[0][:8] == ["文件", "工作表", "数据表", "行数", "新增", "更新", "无变化", "拒绝"]
    assert result[1][:8] == ["complaints_2025-01.csv", "", "投诉", "2", "2", "0", "0", "0"]
    history = _grid_rows(page, "已导入")
    assert history[0][:5] == ["导入时间", "导入人", "文件", "文件指纹", "数据表"]
    newest = history[1]
    assert newest[1:3] == ["", "complaints_2025-01.csv"] and len(newest[3]) == 12
    assert newest[4:] == ["投诉", "2", "0", "0", "0", "已导入"]
    assert _counts(db_url) == (complaints_before + 2, logs_before + 1)
    # cached results were cleared: the sidebar now sees January 2025
    assert "数据截至 2025年1月" in _sidebar_text(page)
    assert page.get_by_role("button", name="确认导入").count() == 0
    _no_phone_on_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-zh.png"), full_page=True)


def test_malformed_upload_is_located_and_writes_nothing(page, app_url, db_url):
    before = _counts(db_url)
    page.goto(f"{app_url}/import?lang=en")
    wait_for_app(page)
    _upload(page, *BAD)
    blocked = page.get_by_text("error(s) found: nothing will be written", exact=False)
    blocked.wait_for(timeout=30_000)
    wait_for_app(page)
    assert blocked.inner_text().startswith("2 error(s) found: nothing will be written.")
    problems = _grid_rows(page, "unknown estate code")
    assert problems[0] == ["File", "Sheet", "Row", "Column", "Value", "Reason", "Severity"]
    assert problems[1][:5] == ["投诉_坏.csv", "", "2", "小区编码", "E9"]
    assert problems[1][5].startswith("unknown estate code")
    assert problems[2][:5] == ["投诉_坏.csv", "", "3", "受理时间", "2024-13-05 10:00"]
    assert problems[2][5].startswith("not a date and time")
    assert page.get_by_role("button", name="Confirm import").count() == 0
    page.get_by_role("button", name="Download (XLSX)").wait_for()
    _no_phone_on_screen(page)
    # nothing written, nothing logged: the history is what it was
    assert _counts(db_url) == before
    if before[1]:
        history = _grid_rows(page, "imported")
        assert len(history) - 1 == before[1]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-en.png"), full_page=True)
