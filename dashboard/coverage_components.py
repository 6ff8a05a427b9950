"""Streamlit blocks of the coverage page: KPI strip, the map with the selected estate's
card, the unmanaged-estates list, the big-property bundle planner and the trends.

Functions returning data (``clicked_code``, ``unmanaged_table``, ``bundle_table``,
``trend_table``, ``bundles_xlsx``, ``estate_card_html``, …) are pure and tested directly;
the others render. Page-owned URL parameter: ``estate`` (the selected estate's code).

What the map and the unmanaged list show is cached (``st.cache_data``, keyed like the
reads: database URL, scope, area, month, language, settings): at province scale,
escaping and serialising 20,000 estates costs more than every read of the page, and a
rerun (a click, a widget) would otherwise redo it.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Collection
from urllib.parse import quote

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import components, coverage_assets, coverage_charts, coverage_data, data
from dashboard.charts import PLOTLY_CONFIG
from dashboard.coverage_maps import (
    MapData,
    MapSettings,
    coverage_map,
    esc,
    format_income,
    grade_label,
    map_data,
    mode_label,
)
from dashboard.i18n import t
from data_access import bundles, metrics
from data_access.coverage import unmanaged_months
from data_access.filters import Filters, Scope
from data_access.periods import Period

KEY_MAP = "coverage_map"
KEY_SELECTED = "coverage_selected"
KEY_SEEN = "coverage_seen_events"
KEY_TABLE = "coverage_unmanaged_table"
KEY_TREND_GRAIN = "coverage_trend_grain"
KEY_TREND_OPEN = "coverage_trend_open"
KEY_PLAN_OPEN = "coverage_plan_open"
KEY_CLEAR = "coverage_clear"
KEY_ONLY_VIABLE = "coverage_only_viable"
URL_ESTATE = "estate"
KPI_KEYS = ("coverage_rate", "coverage_rate_households", "unmanaged_estates")
TREND_KEYS = ("coverage_rate", "unmanaged_estates")
TREND_GRAINS = ("month", "quarter", "year")
NEAREST_K = 3

#: planner widget keys and their defaults
PLAN_DEFAULTS = {
    "coverage_plan_distance": 500,
    "coverage_plan_households": 300,
    "coverage_plan_fee": 0.50,
    "coverage_plan_rate": 80,
    "coverage_plan_radius": 2000,
}


# --- small formatting helpers ------------------------------------------------------------------

def format_distance(metres: float, lang: str) -> str:
    """320 m / 1.4 km (米 / 公里)."""
    if metres < 1000:
        return t("coverage.distance_m", lang, value=f"{metres:,.0f}")
    return t("coverage.distance_km", lang, value=f"{metres / 1000:,.1f}")


def unmanaged_for_text(months: int | None, lang: str) -> str:
    return t("coverage.never_managed", lang) if months is None else t(
        "coverage.months", lang, months=months)


def _street_name(row: dict, lang: str) -> str:
    return row["street_name"] if lang == "zh" else (row.get("street_name_en")
                                                     or row["street_name"])


def _describe(filters: Filters, lang: str, scope: Scope, month: str) -> str:
    """'2026年10月 · 环翠区' style: the as-of month and the area."""
    shown = Filters(period=month, district=filters.district, street=filters.street)
    return components.describe(shown, lang, scope)


# --- KPI strip ------------------------------------------------------------------------------------

def kpi_strip(scope: Scope, filters: Filters, lang: str, month: str) -> None:
    """Coverage by estates and by households and the unmanaged count (registry values)."""
    result = data.kpis(scope, filters)
    for column, key in zip(st.columns(len(KPI_KEYS)), KPI_KEYS):
        metric = metrics.get(key)
        with column:
            st.metric(metric.label(lang), metrics.format_value(metric, result.values.get(key),
                                                               lang),
                      help=metric.formula(lang), border=True)
    st.caption(t("coverage.kpi_caption", lang, month=Period.parse(month).label(lang)))


# --- selection ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+")


def clicked_code(value: dict | None, codes: Collection[str],
                 estates: pd.DataFrame | None = None, max_offset_deg: float = 0.002
                 ) -> str | None:
    """The estate a map click picked: the code in the clicked tooltip's text; when the
    click carried no tooltip, the estate nearest the clicked point (within
    ``max_offset_deg``)."""
    if not value:
        return None
    tooltip = value.get("last_object_clicked_tooltip")
    if tooltip:
        for token in _TOKEN.split(str(tooltip)):
            if token in codes:
                return token
        return None
    point = value.get("last_object_clicked")
    if point and estates is not None and not estates.empty:
        located = estates.dropna(subset=["longitude", "latitude"])
        if located.empty:
            return None
        offsets = np.hypot(located["longitude"].to_numpy(float) - float(point["lng"]),
                           located["latitude"].to_numpy(float) - float(point["lat"]))
        best = int(np.argmin(offsets))
        if offsets[best] <= max_offset_deg:
            return str(located.iloc[best]["code"])
    return None


def _selected_from_url(codes: Collection[str]) -> str | None:
    code = st.query_params.get(URL_ESTATE)
    return code if code in codes else None


def _remember(code: str | None) -> None:
    st.session_state[KEY_SELECTED] = code
    if code:
        if st.query_params.get(URL_ESTATE) != code:
            st.query_params[URL_ESTATE] = code
    elif URL_ESTATE in st.query_params:
        del st.query_params[URL_ESTATE]


def _new_event(source: str, token) -> bool:
    """Whether ``source`` (map / table) reports an event not handled yet."""
    seen = st.session_state.setdefault(KEY_SEEN, {})
    if token is None or seen.get(source) == token:
        return False
    seen[source] = token
    return True


# --- the map and the card -------------------------------------------------------------------------

def map_settings() -> MapSettings:
    return MapSettings.from_environment()


def _area(filters: Filters, month: str) -> Filters:
    """The filters as the map's reads see them (the period is the as-of month), so that
    periods with the same as-of month share the cached map."""
    return Filters(period=month, district=filters.district, street=filters.street)


#: cached maps kept at most (a province map's data is a few megabytes)
MAP_CACHE_ENTRIES = 64


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=MAP_CACHE_ENTRIES)
def _map_data(db_url: str, scope: Scope, area: Filters, month: str, lang: str, shift: bool,
              plan_settings: bundles.BundleSettings) -> MapData:
    """The map's data (``db_url`` keys the cache; the reads use the current database)."""
    streets, districts = coverage_data.shapes(scope, area, month)
    planned = map_bundles(coverage_data.plan(scope, area, month, plan_settings), lang)
    return map_data(coverage_data.estates(scope, area, month), streets, districts, lang,
                    shift, planned)


def map_section(scope: Scope, filters: Filters, lang: str, month: str,
                estates: pd.DataFrame, plan_settings: bundles.BundleSettings) -> str | None:
    """The coverage map (with the bundles the planner makes with ``plan_settings``) and,
    beside it, the card of the selected estate. Returns the selected estate's code."""
    st.subheader(t("coverage.map", lang))
    settings = map_settings()
    description = _describe(filters, lang, scope, month)
    st.caption(t("coverage.map_caption", lang, description=description,
                 estates=f"{len(estates):,}"))
    missing = coverage_assets.missing_assets()
    codes = set(estates["code"].astype(str).tolist())
    selected = st.session_state.get(KEY_SELECTED)
    if selected not in codes:
        selected = _selected_from_url(codes)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        if missing:
            st.warning(t("coverage.assets_missing", lang, files=", ".join(missing)))
        else:
            from streamlit_folium import st_folium  # imported here: heavy, page-only

            fmap = coverage_map(_map_data(data.url(), scope, _area(filters, month), month,
                                          lang, settings.shift_to_gcj02, plan_settings),
                                lang, settings)
            value = st_folium(
                fmap, key=KEY_MAP, height=640, use_container_width=True, render=False,
                returned_objects=["last_object_clicked", "last_object_clicked_tooltip"])
            click = (value or {}).get("last_object_clicked")
            token = (click.get("lat"), click.get("lng"),
                     value.get("last_object_clicked_tooltip")) if click else None
            if _new_event("map", token):
                picked = clicked_code(value, codes, estates)
                if picked:
                    selected = picked
        if settings.tile_url:
            st.caption(t("coverage.map_tiles", lang, url=settings.tile_url,
                         crs=settings.tiles_crs.upper()))
        else:
            st.caption(t("coverage.map_no_tiles", lang))
    with right:
        selected = estate_card(scope, filters, lang, month, estates, selected)
    _remember(selected)
    return selected


def estate_card_html(row: dict, lang: str, unmanaged_text: str | None,
                     neighbours: list[str]) -> str:
    """The card's HTML: every value from data escaped."""
    def line(label_key: str, value: str) -> str:
        return (f'<tr><th style="width:38%;text-align:left;vertical-align:top;'
                f'font-weight:600;padding:3px 6px 3px 0;">{esc(t(label_key, lang))}</th>'
                f'<td style="word-break:break-all;padding:3px 0;">{value}</td></tr>')

    street = _street_name(row, lang)
    district = row["district_name"] if lang == "zh" else (row.get("district_name_en")
                                                          or row["district_name"])
    rows = [
        line("coverage.field.code", esc(row["code"])),
        line("coverage.card.location", f"{esc(district)} · {esc(street)}"),
        line("coverage.field.mode", esc(mode_label(row["management_mode"], lang))),
        line("coverage.field.company", esc(row.get("company_name")) if row.get("company_name")
             else esc(t("coverage.no_company", lang))),
        line("coverage.field.households", f"{int(row['households']):,}"),
        line("coverage.field.grade", esc(grade_label(row.get("grade"), lang))),
        line("coverage.field.built", esc(int(row["build_year"]))
             if pd.notna(row.get("build_year")) else "—"),
    ]
    if pd.notna(row.get("floor_area_m2")):
        rows.append(line("coverage.card.area", esc(t("coverage.card.area_value", lang,
                                                     area=f"{row['floor_area_m2']:,.0f}"))))
    if pd.notna(row.get("fee_yuan_m2_month")):
        rows.append(line("coverage.card.fee", esc(t("coverage.card.fee_value", lang,
                                                    fee=f"{row['fee_yuan_m2_month']:.2f}"))))
    if unmanaged_text:
        rows.append(line("coverage.card.unmanaged_for", esc(unmanaged_text)))
    if neighbours:
        rows.append(line("coverage.card.nearest",
                         "<br>".join(esc(text) for text in neighbours)))
    link = f"/estate?estate={quote(str(row['code']), safe='')}"
    return (
        '<div class="cov-card" style="border:1px solid #e3e3e3;border-radius:6px;'
        'padding:10px 12px;">'
        f'<div style="font-weight:600;font-size:1.15rem;margin-bottom:6px;" '
        f'data-testid="coverage-card-name">{esc(row["name"])}</div>'
        '<table style="font-size:0.85rem;border-collapse:collapse;width:100%;'
        'table-layout:fixed;">'
        + "".join(rows) +
        '</table>'
        f'<div style="margin-top:8px;"><a href="{html.escape(link, quote=True)}" '
        f'target="_self">{esc(t("coverage.card.profile", lang))} →</a></div>'
        '</div>')


def neighbour_texts(nearest: pd.DataFrame, lang: str) -> dict[str, list[str]]:
    """'name（company，320 米）' texts of each unmanaged estate's neighbours, nearest first."""
    texts: dict[str, list[str]] = {}
    for r in nearest.sort_values(["code", "rank"]).itertuples():
        company = r.company_name if isinstance(r.company_name, str) else t(
            "coverage.no_company", lang)
        texts.setdefault(r.code, []).append(t(
            "coverage.neighbour", lang, estate=r.neighbour_name, company=company,
            distance=format_distance(r.distance_m, lang)))
    return texts


def estate_card(scope: Scope, filters: Filters, lang: str, month: str,
                estates: pd.DataFrame, selected: str | None) -> str | None:
    """The selected estate's key figures and profile link (or a hint). Returns the
    selection (None after "clear")."""
    st.markdown(f"**{t('coverage.card.title', lang)}**")
    if not selected:
        st.caption(t("coverage.card.hint", lang))
        return None
    match = estates[estates["code"].astype(str) == selected]
    if match.empty:
        st.caption(t("coverage.card.hint", lang))
        return None
    row = match.iloc[0].to_dict()
    unmanaged_text, neighbours = None, []
    if not row["managed"]:
        since = coverage_data.unmanaged_since(scope, filters, month)
        last_end = since.loc[since["estate_id"] == row["estate_id"], "last_end_month"]
        months = unmanaged_months(last_end.iloc[0] if not last_end.empty else None, month)
        unmanaged_text = unmanaged_for_text(months, lang)
        neighbours = neighbour_texts(coverage_data.nearest(scope, filters, month, NEAREST_K),
                                     lang).get(selected, [])
    st.markdown(estate_card_html(row, lang, unmanaged_text, neighbours),
                unsafe_allow_html=True)
    if st.button(t("coverage.card.clear", lang), key=KEY_CLEAR):
        return None
    return selected


# --- unmanaged estates ----------------------------------------------------------------------------

def unmanaged_table(estates: pd.DataFrame, nearest: pd.DataFrame, since: pd.DataFrame,
                    month: str, lang: str) -> pd.DataFrame:
    """The unmanaged estates, most households first, with headers in ``lang``."""
    unmanaged = estates[~estates["managed"].astype(bool)]
    last_end = dict(zip(since["estate_id"], since["last_end_month"]))
    texts = neighbour_texts(nearest, lang)
    separator = "；" if lang == "zh" else "; "
    rows = []
    for row in unmanaged.sort_values(["households", "code"], ascending=[False, True]).to_dict(
            "records"):
        months = unmanaged_months(last_end.get(row["estate_id"]), month)
        rows.append({
            t("coverage.col.estate", lang): row["name"],
            t("coverage.col.code", lang): row["code"],
            t("coverage.col.street", lang): _street_name(row, lang),
            t("coverage.col.households", lang): int(row["households"]),
            t("coverage.col.build_year", lang): (int(row["build_year"])
                                                 if pd.notna(row["build_year"]) else None),
            t("coverage.col.mode", lang): mode_label(row["management_mode"], lang),
            t("coverage.col.unmanaged_for", lang): unmanaged_for_text(months, lang),
            t("coverage.col.nearest", lang): separator.join(texts.get(row["code"], [])),
        })
    columns = [t(f"coverage.col.{key}", lang) for key in (
        "estate", "code", "street", "households", "build_year", "mode", "unmanaged_for",
        "nearest")]
    frame = pd.DataFrame(rows, columns=columns)
    frame[columns[4]] = frame[columns[4]].astype("Int64")
    return frame


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def _unmanaged_view(db_url: str, scope: Scope, area: Filters, month: str, lang: str
                    ) -> tuple[pd.DataFrame, bytes]:
    """:func:`unmanaged_table` and its CSV download (``db_url`` keys the cache)."""
    estates = coverage_data.estates(scope, area, month)
    nearest = coverage_data.nearest(scope, area, month, NEAREST_K)
    since = coverage_data.unmanaged_since(scope, area, month)
    table = unmanaged_table(estates, nearest, since, month, lang)
    description = _describe(area, lang, scope, month)
    return table, components.table_csv(table, t("coverage.download.filters", lang,
                                                 description=description))


def unmanaged_section(scope: Scope, filters: Filters, lang: str, month: str) -> pd.DataFrame:
    """The list of unmanaged estates with their nearest managed neighbours; selecting a
    row selects the estate on the card. Returns the table shown."""
    st.subheader(t("coverage.unmanaged.title", lang))
    table, csv = _unmanaged_view(data.url(), scope, _area(filters, month), month, lang)
    if table.empty:
        st.info(t("coverage.unmanaged.none", lang, month=Period.parse(month).label(lang)))
        return table
    st.caption(t("coverage.unmanaged.caption", lang,
                 description=_describe(filters, lang, scope, month),
                 count=f"{len(table):,}"))
    event = st.dataframe(table, hide_index=True, width="stretch", key=KEY_TABLE,
                         on_select="rerun", selection_mode="single-row",
                         height=38 + 35 * min(len(table), 12))
    rows = tuple(getattr(getattr(event, "selection", None), "rows", ()) or ())
    if rows and _new_event("table", rows):
        code = str(table.iloc[rows[0]][t("coverage.col.code", lang)])
        if code != st.session_state.get(KEY_SELECTED):
            _remember(code)
            st.rerun()
    st.download_button(
        t("coverage.download.csv", lang), data=csv,
        file_name=_file_name("unmanaged", filters, month, "csv"), mime="text/csv",
        key="coverage_unmanaged_csv", on_click="ignore")
    return table


def _file_name(kind: str, filters: Filters, month: str, extension: str) -> str:
    parts = ["red-property-coverage", kind, month]
    parts += [code for code in (filters.district, filters.street) if code]
    return "_".join(parts) + "." + extension


# --- bundle planner -------------------------------------------------------------------------------

def planner_settings(keep: bool = False) -> bundles.BundleSettings:
    """The planner's settings from its widgets (defaults before they are drawn).

    The planner is drawn on demand (a closed expander leaves its widgets out of the run,
    and Streamlit would then forget their values): with ``keep`` (once per run, before
    the widgets) each value is written back so it stays, and the bundles on the map stay
    as planned."""
    state = st.session_state
    for key, default in PLAN_DEFAULTS.items():
        if keep or key not in state:
            state[key] = state[key] if key in state else default
    return bundles.BundleSettings(
        max_distance_m=float(state["coverage_plan_distance"]),
        min_households=int(state["coverage_plan_households"]),
        fee_yuan_m2_month=float(state["coverage_plan_fee"]),
        payment_rate=float(state["coverage_plan_rate"]) / 100,
        radius_m=float(state["coverage_plan_radius"]),
    )


def candidate_texts(candidates: pd.DataFrame, lang: str) -> dict[str, str]:
    """'company（优秀，1.2 公里）；…' per bundle, best candidate first."""
    separator = "；" if lang == "zh" else "; "
    texts: dict[str, list[str]] = {}
    for r in candidates.sort_values(["bundle", "rank"]).itertuples():
        texts.setdefault(r.bundle, []).append(t(
            "coverage.candidate", lang, company=r.company_name,
            grade=grade_label(r.grade, lang), distance=format_distance(r.distance_m, lang)))
    return {bundle: separator.join(items) for bundle, items in texts.items()}


def bundle_table(plan: pd.DataFrame, candidates: pd.DataFrame, street_names: dict[str, str],
                 lang: str, only_viable: bool = False) -> pd.DataFrame:
    """The bundles, largest first, with their income and candidate companies."""
    shown = plan[plan["viable"]] if only_viable else plan
    separator = "、" if lang == "zh" else ", "
    texts = candidate_texts(candidates, lang)
    rows = [{
        t("coverage.col.bundle", lang): row["bundle"],
        t("coverage.col.street", lang): street_names.get(row["street_code"],
                                                         row["street_code"]),
        t("coverage.col.estates", lang): int(row["estates"]),
        t("coverage.col.estate_names", lang): separator.join(row["names"]),
        t("coverage.col.households", lang): int(row["households"]),
        t("coverage.col.floor_area", lang): round(float(row["floor_area_m2"]), 1),
        t("coverage.col.income", lang): round(float(row["annual_income_yuan"]), 2),
        t("coverage.col.viable", lang): t("coverage.yes", lang) if row["viable"]
        else t("coverage.no", lang),
        t("coverage.col.candidates", lang): texts.get(row["bundle"], ""),
    } for row in shown.to_dict("records")]
    columns = [t(f"coverage.col.{key}", lang) for key in (
        "bundle", "street", "estates", "estate_names", "households", "floor_area", "income",
        "viable", "candidates")]
    return pd.DataFrame(rows, columns=columns)


def settings_line(settings: bundles.BundleSettings, lang: str) -> str:
    return t("coverage.plan.settings_line", lang, distance=f"{settings.max_distance_m:g}",
             households=settings.min_households, fee=f"{settings.fee_yuan_m2_month:g}",
             rate=f"{settings.payment_rate * 100:g}", radius=f"{settings.radius_m:g}")


def bundles_xlsx(table: pd.DataFrame, description: str, settings_text: str) -> bytes:
    """The bundle table as an XLSX workbook; the filters and settings on top."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({0: [description, settings_text]}).to_excel(
            writer, sheet_name="bundles", index=False, header=False)
        table.to_excel(writer, sheet_name="bundles", index=False, startrow=3)
    return buffer.getvalue()


def bundles_geojson_bytes(plan: pd.DataFrame, shapes, candidates: pd.DataFrame, lang: str,
                          description: str, settings_text: str,
                          only_viable: bool = False) -> bytes:
    """GeoJSON (WGS84) of the bundles shown, with figures and candidate companies."""
    shown = plan[plan["viable"]] if only_viable else plan
    keep = shapes[shapes["bundle"].isin(set(shown["bundle"]))]
    texts = candidate_texts(candidates, lang)
    extra: dict[str, dict] = {bundle: {"candidates": [], "candidates_text": texts.get(bundle, "")}
                              for bundle in shown["bundle"]}
    for r in candidates.sort_values(["bundle", "rank"]).itertuples():
        if r.bundle in extra:
            extra[r.bundle]["candidates"].append({
                "company_code": r.company_code, "company_name": r.company_name,
                "grade": r.grade, "distance_m": round(float(r.distance_m), 1)})
    collection = bundles.bundles_geojson(shown, keep, extra)
    collection["description"] = description
    collection["settings"] = settings_text
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def map_bundles(plan_result, lang: str) -> dict | None:
    """The bundle FeatureCollection the map draws (all bundles, viable ones solid), from
    :func:`dashboard.coverage_data.plan`'s result."""
    plan, _members, candidates, shapes = plan_result
    if plan.empty:
        return None
    texts = candidate_texts(candidates, lang)
    extra = {bundle: {"candidates_text": texts.get(bundle, "")} for bundle in plan["bundle"]}
    return bundles.bundles_geojson(plan, shapes, extra)


def planner_section(scope: Scope, filters: Filters, lang: str, month: str, plan_result
                    ) -> pd.DataFrame:
    """Widgets, summary, bundle table and its XLSX/GeoJSON/CSV downloads."""
    plan, _members, candidates, shapes = plan_result
    st.subheader(t("coverage.plan.title", lang))
    st.caption(t("coverage.plan.intro", lang))
    planner_settings()  # make sure the widget keys hold values
    columns = st.columns(5)
    columns[0].number_input(t("coverage.plan.max_distance", lang), min_value=50, max_value=5000,
                            step=50, key="coverage_plan_distance")
    columns[1].number_input(t("coverage.plan.min_households", lang), min_value=0,
                            max_value=100000, step=50, key="coverage_plan_households")
    columns[2].number_input(t("coverage.plan.fee", lang), min_value=0.0, max_value=20.0,
                            step=0.05, format="%.2f", key="coverage_plan_fee")
    columns[3].number_input(t("coverage.plan.payment_rate", lang), min_value=0, max_value=100,
                            step=5, key="coverage_plan_rate")
    columns[4].number_input(t("coverage.plan.radius", lang), min_value=100, max_value=20000,
                            step=100, key="coverage_plan_radius")
    settings = planner_settings()
    actual = data.kpis(scope, filters).values.get("payment_rate")
    st.caption(t("coverage.plan.payment_hint", lang, period=filters.period_obj.label(lang),
                 rate=metrics.format_value("payment_rate", actual, lang)))
    if plan.empty:
        st.info(t("coverage.plan.none", lang))
        return pd.DataFrame()
    viable = plan[plan["viable"]]
    st.markdown(t("coverage.plan.summary", lang, bundles=f"{len(plan):,}",
                  viable=f"{len(viable):,}", estates=f"{int(viable['estates'].sum()):,}",
                  households=f"{int(viable['households'].sum()):,}",
                  income=format_income(float(viable["annual_income_yuan"].sum()), lang)))
    missing_area = int(plan["missing_area"].sum())
    if missing_area:
        st.caption(t("coverage.plan.missing_area", lang, count=missing_area))
    only_viable = st.toggle(t("coverage.plan.only_viable", lang), value=True,
                            key=KEY_ONLY_VIABLE)
    names = data.area_names(scope, lang)
    table = bundle_table(plan, candidates, names, lang, only_viable)
    st.dataframe(table, hide_index=True, width="stretch", key="coverage_bundle_table",
                 height=38 + 35 * min(max(len(table), 1), 12))
    description = t("coverage.download.filters", lang,
                    description=_describe(filters, lang, scope, month))
    settings_text = settings_line(settings, lang)
    first, second, third = st.columns(3)
    first.download_button(
        t("coverage.download.xlsx", lang), data=bundles_xlsx(table, description, settings_text),
        file_name=_file_name("bundles", filters, month, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="coverage_bundles_xlsx", on_click="ignore")
    second.download_button(
        t("coverage.download.geojson", lang),
        data=bundles_geojson_bytes(plan, shapes, candidates, lang, description, settings_text,
                                   only_viable),
        file_name=_file_name("bundles", filters, month, "geojson"),
        mime="application/geo+json", key="coverage_bundles_geojson", on_click="ignore")
    third.download_button(
        t("coverage.download.csv", lang),
        data=components.table_csv(table, description + " · " + settings_text),
        file_name=_file_name("bundles", filters, month, "csv"), mime="text/csv",
        key="coverage_bundles_csv", on_click="ignore")
    return table


# --- trends ---------------------------------------------------------------------------------------

def trend_table(trend: pd.DataFrame, names: dict[str, str], total_label: str,
                lang: str) -> pd.DataFrame:
    """The trend as shown: period, area and the coverage metrics, formatted."""
    rows = []
    for row in trend.to_dict("records"):
        entry = {t("coverage.col.period", lang): Period.parse(row["bucket"]).label(lang),
                 t("coverage.col.area", lang): total_label if not row["area_code"]
                 else names.get(row["area_code"], row["area_code"])}
        for key in ("coverage_rate", "coverage_rate_households", "unmanaged_estates"):
            metric = metrics.get(key)
            entry[metric.label(lang)] = metrics.format_value(metric, row[key], lang)
        rows.append(entry)
    return pd.DataFrame(rows)


def trend_section(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    """Coverage and unmanaged estates over time, the area and each district/street."""
    st.subheader(t("coverage.trend.title", lang))
    if st.session_state.get(KEY_TREND_GRAIN) not in TREND_GRAINS:
        st.session_state[KEY_TREND_GRAIN] = "quarter"
    grain = st.segmented_control(
        t("coverage.trend.grain", lang), TREND_GRAINS, key=KEY_TREND_GRAIN, required=True,
        format_func=lambda g: t(f"grain.{g}", lang)) or "quarter"
    trend = coverage_data.trend(scope, filters, grain)
    if trend.empty:
        st.info(t("coverage.trend.none", lang))
        return pd.DataFrame()
    area = components.area_label(filters, lang, scope)
    level = "street" if (filters.district or filters.street) else "district"
    if filters.street:
        st.caption(t("coverage.trend.caption_single", lang, area=area))
    else:
        st.caption(t("coverage.trend.caption", lang, area=area,
                     level=t(f"coverage.trend.level.{level}", lang)))
    names = data.area_names(scope, lang)
    total_label = t("coverage.trend.total", lang, area=area)
    for column, key in zip(st.columns(len(TREND_KEYS)), TREND_KEYS):
        with column:
            st.plotly_chart(coverage_charts.coverage_trend_figure(trend, key, lang, names,
                                                                  total_label),
                            width="stretch", config=PLOTLY_CONFIG, key=f"coverage_trend_{key}")
    table = trend_table(trend, names, total_label, lang)
    description = components.describe(filters, lang, scope)
    st.download_button(
        t("coverage.download.csv", lang),
        data=components.table_csv(table, t("coverage.download.filters", lang,
                                           description=description)),
        file_name=_file_name(f"trend-{grain}", filters, filters.period, "csv"),
        mime="text/csv", key="coverage_trend_csv", on_click="ignore")
    return table
