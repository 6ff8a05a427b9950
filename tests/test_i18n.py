"""The i18n catalog is complete, and every t("…") key used by the app exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.i18n import CATALOG, LANGS, t
from data_access import grading
from data_access.schema import ASSESSMENT_DIMENSIONS, ASSESSORS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "pages").glob("*.py")])
# t("key", …) / t('key', …) with a literal key
LITERAL_CALL = re.compile(r"""\bt\(\s*(["'])([A-Za-z0-9_.]+)\1""")
# f"prefix.{…}": keys assembled at run time (in a t() call or passed to one later);
# each prefix is checked below
FSTRING_CALL = re.compile(r"""\bf(["'])([A-Za-z0-9_]+\.[A-Za-z0-9_.]*)\{""")
QUOTED_KEY = re.compile(r"""(["'])([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)\1""")


# menu titles are named in the page registry: PageSpec("x.py", "x", "area.nav.x")
NAV_KEY = re.compile(r"""PageSpec\(\s*(["'])[^"']+\1,\s*(["'])[^"']+\2,\s*(["'])(?P<key>[A-Za-z0-9_.]+)\3""")


def _used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        keys |= {m.group(2) for m in LITERAL_CALL.finditer(source)}
        keys |= {m.group("key") for m in NAV_KEY.finditer(source)}
        # keys named in tables of (key, value) pairs and passed to t() later
        keys |= {m.group(2) for m in QUOTED_KEY.finditer(source) if m.group(2) in CATALOG}
    return keys


def _dynamic_prefixes() -> set[str]:
    prefixes = set()
    for path in SOURCES:
        prefixes |= {m.group(2) for m in FSTRING_CALL.finditer(path.read_text(encoding="utf-8"))}
    return prefixes


def test_sources_are_scanned():
    names = {p.name for p in SOURCES}
    assert {"app.py", "state.py", "components.py", "charts.py", "overview.py",
            "definitions.py"} <= names
    assert len(_used_keys()) > 40


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_has_both_languages(key):
    entry = CATALOG[key]
    assert set(entry) == set(LANGS), key
    for lang in LANGS:
        assert isinstance(entry[lang], str) and entry[lang].strip(), (key, lang)


def test_placeholders_match_between_languages():
    field = re.compile(r"\{(\w+)\}")
    for key, entry in CATALOG.items():
        assert set(field.findall(entry["zh"])) == set(field.findall(entry["en"])), key


def test_every_used_key_exists():
    missing = sorted(k for k in _used_keys() if k not in CATALOG)
    assert not missing, f"t() keys used in dashboard/ or pages/ but not in the catalog: {missing}"


def test_dynamic_keys_exist():
    """Keys built at run time: t(f"grain.{…}"), t(f"lang.{…}"), t(f"{prefix}.{name}")."""
    from dashboard import components, state

    # every key prefix assembled at run time names at least one catalog entry
    for prefix in _dynamic_prefixes() - {""}:
        assert any(key.startswith(prefix) for key in CATALOG), prefix
    expected = {f"grain.{k}" for k in (*state.PERIOD_KINDS, *components.TREND_GRAINS)}
    expected |= {f"lang.{code}" for code in LANGS}
    expected |= {f"dim.{d}" for d in ASSESSMENT_DIMENSIONS}
    expected |= {f"assessor.{a}" for a in ASSESSORS}
    assert expected <= set(CATALOG), sorted(expected - set(CATALOG))
    rules = grading.load_rules()
    assert {f"dim.{d}" for d, _ in rules.dimension_weights} <= set(CATALOG)
    assert {f"assessor.{a}" for a, _ in rules.assessor_weights} <= set(CATALOG)


def test_chinese_is_default_and_fallback():
    assert i18n.DEFAULT_LANG == "zh"
    assert t("overview.title", "zh") == "红色物业监管驾驶舱"
    assert t("overview.title", "en") == "Red Property supervision cockpit"
    assert t("overview.title", "fr") == "红色物业监管驾驶舱"
    assert i18n.normalize_lang(None) == "zh" and i18n.normalize_lang("en") == "en"


def test_formatting_and_unknown_key():
    assert t("sidebar.data_through", "zh", month="2026年10月") == "数据截至 2026年10月"
    assert t("sidebar.data_through", "en", month="Oct 2026") == "Data through Oct 2026"
    assert t("demo.badge", "zh") == "演示数据" and t("demo.badge", "en") == "Demo data"
    with pytest.raises(KeyError):
        t("no.such.key", "zh")


def test_chinese_strings_are_chinese():
    # CJK characters or full-width punctuation（…）
    cjk = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
    for key, entry in CATALOG.items():
        # placeholders and units only ("{area} ㎡") have no words to translate
        words = re.sub(r"\{[^}]*\}", "", entry["zh"])
        if key in ("lang.en",) or not re.search(r"[A-Za-z\u4e00-\u9fff]", words):
            continue
        assert cjk.search(entry["zh"]), key


def test_no_unused_keys():
    dynamic_prefixes = ("grain.", "lang.", "dim.", "assessor.",
                        *(prefix for prefix in _dynamic_prefixes() if prefix))
    unused = sorted(k for k in CATALOG
                    if k not in _used_keys() and not k.startswith(dynamic_prefixes))
    assert not unused, f"catalog keys nothing uses: {unused}"


def test_management_modes_have_one_name_everywhere():
    from data_access.schema import MANAGEMENT_MODES

    for mode in MANAGEMENT_MODES:
        for lang in LANGS:
            assert t(f"coverage.mode.{mode}", lang) == t(f"trends.mode.{mode}", lang), mode
