"""The import from the command line: templates, import, export, a killed import, and
KPIs of a small city imported into an empty database, checked against hand-computed
values; on each backend."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from data_access.cli import main as cli_main
from data_access.engine import make_engine
from tests.test_import_support import city, snapshot, write_text  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_access", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def write_city(directory: Path) -> list[Path]:
    """A small new city in six files, in the formats bureaus produce."""
    companies = write_text(directory, "companies.csv",
                           "企业编码,企业名称,注册日期,党组织\n"
                           "T1,安心物业服务有限公司,2010/5/12,是\n"
                           "T2,宜居物业服务有限公司,2015年3月1日,否\n", "utf-8-sig")
    estates = write_text(directory, "estates.csv",
                         "estate_code,estate_name,district,street,community,households,"
                         "management_mode,company_code,owners_committee,committee_formed_on,"
                         "longitude,latitude\n"
                         "A1,阳光小区,高新区,创新街道,科技社区,100,专业物业,T1,是,2023-05-01,"
                         "122.05,37.45\n"
                         "A2,和谐家园,高新区,创新街道,,300,大物业,T2,否,,,\n"
                         "A3,老城小区,高新区,学府街道,,600,无物业,,,,,\n", "gbk")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "收缴"
    sheet.append(["小区编码", "月份", "应缴户数", "实缴户数"])
    sheet.append(["A1", dt.datetime(2024, 1, 1), 100, 90])
    sheet.append(["A1", "2024年2月", 100, 80])
    sheet.append(["A2", "2024/1", 300, 240])
    sheet.append(["A3", "2024-06", 600, 300])
    fees = directory / "fees.xlsx"
    workbook.save(fees)
    surveys = write_text(directory, "surveys.csv",
                         "estate_code,period,respondents,satisfied\n"
                         "A1,2024-03,20,18\nA2,2024年二季度,50,40\nA3,2024,100,60\n")
    complaints = write_text(directory, "complaints.csv",
                            "投诉编号,小区编码,受理时间,渠道,类别,回复时间,办结时间,是否满意\n"
                            "Q1,A1,2024-03-04 10:00,12345热线,电梯,2024-03-06 09:00,2024-03-08,是\n"
                            "Q2,A2,2024-09-30 09:00,电视问政,物业费,2024-10-11 09:00,,\n"
                            "Q3,A3,2024-12-20 15:00,来访,噪音,2024-12-25 10:00,2024-12-26,否\n"
                            "Q4,A3,2024-06-07 10:00,app,漏水,2024-06-13 17:00,2024-06-14,\n")
    assessments = write_text(directory, "assessments.csv",
                             "小区编码,企业编码,季度,考核主体,服务质量,业主满意,投诉处理,信息公开,"
                             "安全管理,党建引领\n"
                             "A1,T1,2024-Q1,街道,90,90,90,90,90,90\n"
                             "A1,T1,2024年一季度,业主,80,80,80,80,80,80\n"
                             "A2,T2,2024Q1,社区,70,70,70,70,70,70\n")
    return [complaints, assessments, surveys, fees, estates, companies]


def test_kpis_of_an_imported_city_match_the_hand_computed_values(blank_db_url, tmp_path):
    url = blank_db_url
    assert cli_main(["--db", url, "init"]) == 0  # an empty database
    files = [str(p) for p in write_city(tmp_path)]
    result = run_cli("--db", url, "import", "--quiet", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported in" in result.stdout

    year = json.loads(run_cli("--db", url, "kpis", "--period", "2024", "--json").stdout)
    assert year["months"] == ["2024-01", "2024-12"]  # fees, surveys and complaints span 2024
    metrics = year["metrics"]
    # satisfaction: A1 18/20 (month), A2 40/50 (Q2), A3 60/100 (year) → 118/170
    assert metrics["satisfaction_rate"] == pytest.approx(118 / 170, abs=1e-6)
    # payment: paid 90+80+240+300 = 710 of billed 100+100+300+600 = 1100
    assert metrics["payment_rate"] == pytest.approx(710 / 1100, abs=1e-6)
    # 4 complaints, 1000 households, 12 months: 4 × 12 / 12000
    assert metrics["complaint_rate"] == pytest.approx(0.004, abs=1e-6)
    assert metrics["complaints_per_1000"] == pytest.approx(4.0, abs=1e-6)
    # on time: Q1 (Mon 03-04 → due Thu 03-07, answered 03-06), Q3 (Fri 12-20 → due Wed 12-25,
    # answered 12-25), Q4 (Fri 06-07, Mon 06-10 is Dragon Boat Festival → due Thu 06-13,
    # answered 06-13 17:00); Q2 (Mon 09-30 → due 10-10, answered 10-11) is late → 3/4
    assert metrics["on_time_response_rate"] == pytest.approx(0.75, abs=1e-6)
    assert metrics["resolution_rate"] == pytest.approx(0.75, abs=1e-6)  # Q2 still open
    # coverage: A1 professional, A2 bundle (大物业), A3 unmanaged → 2/3; households 400/1000
    assert metrics["coverage_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert metrics["coverage_rate_households"] == pytest.approx(0.4, abs=1e-6)
    assert metrics["unmanaged_estates"] == 1
    # committees: A1 only (formed 2023-05-01)
    assert metrics["committee_rate"] == pytest.approx(1 / 3, abs=1e-6)
    # scores: A1 = (90 × 0.25 + 80 × 0.25) / 0.5 = 85 (street + owners), A2 = 70 (community);
    # household-weighted: (100 × 85 + 300 × 70) / 400 = 73.75 → below 75: unqualified
    assert metrics["assessment_score"] == pytest.approx(73.75, abs=1e-6)
    assert metrics["grade"] == "unqualified"

    quarter = json.loads(run_cli("--db", url, "kpis", "--period", "2024-Q1", "--json").stdout)
    metrics = quarter["metrics"]
    # Q1: fees 90+80+240 of 100+100+300; surveys A1 (month 03) only; complaint Q1 only
    assert metrics["payment_rate"] == pytest.approx(410 / 500, abs=1e-6)
    assert metrics["satisfaction_rate"] == pytest.approx(0.9, abs=1e-6)
    assert metrics["complaint_rate"] == pytest.approx(1 * 12 / 3000, abs=1e-6)
    assert metrics["on_time_response_rate"] == pytest.approx(1.0, abs=1e-6)

    # importing the same files again changes nothing
    assert cli_main(["--db", url, "import", "--quiet", *files]) == 0
    assert cli_main(["--db", url, "kpis", "--period", "2024", "--json"]) == 0


def test_cli_import_with_errors_prints_located_problems_and_exits_1(city, tmp_path, capsys):
    engine, url = city
    path = write_text(tmp_path, "收缴.csv", "小区编码,月份,应缴户数,实缴户数\n"
                                          "E1,2024-03,100,90\nE9,2024-13,100,120\n", "gbk")
    before = snapshot(engine)
    assert cli_main(["--db", url, "import", str(path), "--lang", "en", "--quiet"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("收缴.csv" in line and " 3 " in line and "小区编码" in line and "E9" in line
               and "unknown estate code" in line for line in lines)
    assert any(" 3 " in line and "月份" in line and "2024-13" in line and "not a month" in line
               for line in lines)
    assert any("实缴户数" in line and "120" in line and "exceed" in line for line in lines)
    assert "import rejected: 3 error(s); nothing was written" in lines
    assert snapshot(engine) == before
    assert cli_main(["--db", url, "import", str(path), "--quiet"]) == 1
    assert "小区编码不存在" in capsys.readouterr().out  # reasons in Chinese by default


def test_cli_import_exits_1_from_the_shell(city, tmp_path):
    engine, url = city
    path = write_text(tmp_path, "fees.csv", "小区编码,月份,应缴户数,实缴户数\nE1,2024-03,10,20\n")
    before = snapshot(engine)
    result = run_cli("--db", url, "import", str(path))
    assert result.returncode == 1
    assert "实缴户数大于应缴户数（10）" in result.stdout
    assert snapshot(engine) == before


def test_cli_dry_run_writes_nothing(city, tmp_path, capsys):
    engine, url = city
    path = write_text(tmp_path, "fees.csv", "小区编码,月份,应缴户数,实缴户数\nE1,2024-03,100,90\n")
    before = snapshot(engine)
    assert cli_main(["--db", url, "import", "--dry-run", "--table", "物业费收缴", "--quiet",
                     str(path)]) == 0
    assert "dry run: no errors; nothing was written" in capsys.readouterr().out
    assert snapshot(engine) == before


def test_cli_templates_and_export(city, tmp_path, capsys):
    engine, url = city
    assert cli_main(["templates", str(tmp_path / "templates")]) == 0
    assert sorted(p.name for p in (tmp_path / "templates").iterdir()) == sorted(
        f"{t}.{f}" for t in ("estates", "companies", "fees", "surveys", "complaints",
                             "assessments") for f in ("csv", "xlsx"))
    out = tmp_path / "complaints.xlsx"
    capsys.readouterr()
    assert cli_main(["--db", url, "export", "--table", "complaints", "--format", "xlsx",
                     str(out)]) == 0
    assert "6 complaints rows written" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli_main(["export", "--help"])
    assert "complainant_phone" in capsys.readouterr().out
    before = snapshot(engine, exclude=("import_log",))
    assert cli_main(["--db", url, "import", "--quiet", str(out)]) == 0
    assert snapshot(engine, exclude=("import_log",)) == before


def test_cli_rejects_unknown_table_and_missing_file(city, tmp_path, capsys):
    _, url = city
    assert cli_main(["--db", url, "import", "--table", "parking", str(tmp_path / "x.csv")]) == 2
    assert "unknown table 'parking'" in capsys.readouterr().err
    assert cli_main(["--db", url, "import", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


KILLED_IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from data_access.engine import make_engine
    from data_access.importing import import_files

    url, path, marker = sys.argv[1:4]

    def progress(fraction, message):
        # rows of several chunks are written (uncommitted): stop here until killed
        if message.startswith("writing") and fraction > 0.6:
            Path(marker).write_text(message)
            time.sleep(600)

    import_files(make_engine(url), [path], progress=progress, chunk_rows=500)
    print("finished")
""")


def assert_uncommitted_writes_pending(engine) -> None:
    """Some session holds an open transaction that has written rows: on SQLite the
    database is write-locked; on PostgreSQL one session of this database has a
    transaction id (assigned at its first write) and is idle in that transaction."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()
        return
    with engine.connect() as conn:
        writers = conn.execute(text(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and backend_xid is not null and state = 'idle in transaction'")).scalar()
    assert writers == 1


def test_a_killed_import_leaves_nothing_behind(city, tmp_path):
    engine, url = city
    body = "".join(f"KILL{i:05d},E{i % 4 + 1},2024-05-06 09:30,hotline,noise\n"
                   for i in range(3000))
    path = write_text(tmp_path, "complaints.csv",
                      "complaint_id,estate_code,received_at,channel,category\n" + body)
    before = snapshot(engine)
    marker = tmp_path / "writing.txt"
    process = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, url, str(path),
                                str(marker)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.1)
        assert_uncommitted_writes_pending(engine)
        assert snapshot(engine) == before  # other sessions see none of them
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    engine.dispose()
    survivor = make_engine(url)
    assert snapshot(survivor) == before
    # and the database is fine: the same import now goes through
    from data_access.importing import import_files

    report = import_files(survivor, [path])
    assert report.totals()["complaints"]["inserted"] == 3000
    survivor.dispose()
