"""The command line, run as a real subprocess.

The commands that read or create a database run on each backend (``fixture_db_url``,
``blank_db_url``); text formatting, argument errors and the milestone commands, whose
results do not depend on the database, run on SQLite only (the milestone functions are
checked on each backend in tests/test_complaints_data.py).
"""

import json
import subprocess
import sys

import pytest

from tests.browser_support import ROOT

# Weihai's published city-level figures (DOMAIN.md): 2019 → 2021.
PUBLISHED = {
    "2019": {"satisfaction_rate": 0.57, "payment_rate": 0.68, "complaint_rate": 0.072},
    "2021": {"satisfaction_rate": 0.905, "payment_rate": 0.872, "complaint_rate": 0.004},
}


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "data_access", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


def test_kpis_json_on_fixture(fixture_db_url):
    result = run_cli("--db", fixture_db_url, "kpis", "--period", "2024", "--json")
    payload = json.loads(result.stdout)
    assert payload["period"] == "2024"
    assert payload["scope"] == {"district": None, "street": None}
    metrics = payload["metrics"]
    assert metrics["payment_rate"] == pytest.approx(0.74)
    assert metrics["satisfaction_rate"] == pytest.approx(55 / 80, abs=1e-6)
    assert metrics["complaint_rate"] == pytest.approx(0.006)
    assert metrics["unmanaged_estates"] == 1 and isinstance(metrics["unmanaged_estates"], int)
    assert metrics["grade"] == "qualified"


def test_kpis_by_names_in_either_language(fixture_db_url):
    zh = json.loads(run_cli("--db", fixture_db_url, "kpis", "--period", "2024",
                            "--district", "环翠区", "--street", "海滨街道", "--json").stdout)
    en = json.loads(run_cli("--db", fixture_db_url, "kpis", "--period", "2024",
                            "--street", "Haibin", "--json").stdout)
    assert zh["scope"] == en["scope"] == {"district": "环翠区", "street": "海滨街道"}
    assert zh["metrics"]["payment_rate"] == pytest.approx(0.7)
    assert en["metrics"] == zh["metrics"]


def test_kpis_text_output_lists_every_metric(fixture_sqlite_url):
    text = run_cli("--db", fixture_sqlite_url, "kpis", "--period", "2024-Q1", "--lang", "en").stdout
    assert "2024 Q1 · whole city" in text
    assert "Fee payment rate" in text and "80.0%" in text
    assert "Satisfaction" in text and "76.7%" in text


@pytest.mark.parametrize("args, message", [
    (("kpis", "--period", "2021-13"), "is not a year"),
    (("kpis", "--period", "2024", "--district", "Atlantis"), "unknown district 'Atlantis'"),
    (("kpis", "--period", "2024", "--street", "Nowhere"), "unknown street 'Nowhere'"),
])
def test_bad_arguments_give_a_clear_error(fixture_sqlite_url, args, message):
    result = run_cli("--db", fixture_sqlite_url, *args, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_period_says_so(fixture_db_url):
    payload = json.loads(run_cli("--db", fixture_db_url, "kpis", "--period", "2030",
                                 "--json").stdout)
    assert payload["months"] is None
    assert payload["metrics"]["payment_rate"] is None
    assert payload["notes"] == ["no data for 2030 in this area"]


def test_init_creates_an_empty_database(blank_db_url):
    assert "database ready" in run_cli("--db", blank_db_url, "init").stdout
    assert "data: none" in run_cli("--db", blank_db_url, "info").stdout


@pytest.mark.slow
@pytest.mark.parametrize("period", sorted(PUBLISHED))
def test_city_demo_matches_published_figures(city_demo_url, period):
    payload = json.loads(run_cli("--db", city_demo_url, "kpis", "--period", period,
                                 "--json").stdout)
    for key, published in PUBLISHED[period].items():
        assert payload["metrics"][key] == pytest.approx(published, abs=0.015), key


def test_milestones_can_be_edited_from_the_cli(tmp_path):
    from data_access.engine import make_engine
    from tests.fixture_city import build_fixture_city

    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    build_fixture_city(make_engine(url))
    assert "added milestone" in run_cli("--db", url, "milestones", "add", "2024-07-01",
                                        "大物业试点扩围", "Bundle pilots widened").stdout
    listing = run_cli("--db", url, "milestones", "list").stdout
    assert "2024-07-01  大物业试点扩围  |  Bundle pilots widened" in listing
    new_id = next(line.split()[0] for line in listing.splitlines() if "大物业试点扩围" in line)
    run_cli("--db", url, "milestones", "remove", new_id)
    assert "大物业试点扩围" not in run_cli("--db", url, "milestones", "list").stdout
    bad = run_cli("--db", url, "milestones", "add", "2024-13-01", "x", check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
