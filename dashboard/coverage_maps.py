"""Folium builders of the coverage map. No Streamlit import: exports and the meeting
pack can reuse them.

The map works offline: it has no tile layer unless one is configured
(:class:`MapSettings`); the district and street polygons are the base. Leaflet and the
map's stylesheet are served by the app (``/app/static/...``, see
:mod:`dashboard.coverage_assets`): :func:`localize_assets` points every element's
``default_js``/``default_css`` at them and refuses any other external script.

Each layer is one GeoJSON FeatureCollection (fast with 20,000 estates):

* streets coloured by coverage — by estate count or by households (two base layers,
  switchable as radio buttons), or plain boundaries;
* district boundaries;
* estates coloured by management mode, sized by households;
* unmanaged estates emphasised with a red ring;
* old estates (built before 2006), a brown dashed ring (off at first);
* big-property bundles (when planned).

Building is split in two: :func:`map_data` escapes and serialises the data (the costly
part at province scale, so the page caches it) and :func:`coverage_map` assembles the
folium map from it on each run; :func:`build_coverage_map` does both.

Every text from the database is escaped with :func:`html.escape` before it enters a
tooltip, popup or legend (folium puts property values into innerHTML).
"""

from __future__ import annotations

import html
import json
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from dashboard import coverage_assets
from dashboard.i18n import t
from data_access import grading, metrics
from data_access.coverage import shift_geometry, wgs84_to_gcj02

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TILE_URL_ENV = "DASHBOARD_TILE_URL"
TILE_CRS_ENV = "DASHBOARD_TILE_CRS"
TILE_ATTRIBUTION_ENV = "DASHBOARD_TILE_ATTRIBUTION"
TILE_CRS = ("wgs84", "gcj02")

MODE_COLORS = {
    "professional": "#2E7D32",   # green: a company
    "bundle": "#1565C0",         # blue: a street bundle (大物业)
    "self": "#F9A825",           # amber: self-managed
    "unmanaged": "#9E9E9E",      # grey: nobody
}
UNMANAGED_RING = "#C62828"
OLD_RING = "#6D4C41"
BUNDLE_COLOR = "#6A1B9A"
DISTRICT_COLOR = "#37474F"
#: coverage classes of the street choropleth: (lower bound, colour), lowest first
COVERAGE_BINS = ((0.0, "#D73027"), (0.6, "#FC8D59"), (0.75, "#FEE08B"), (0.9, "#91CF60"))
NO_DATA_COLOR = "#E0E0E0"
#: households class bounds and marker radii (px): < 100, < 300, < 600, < 1000, ≥ 1000
SIZE_BOUNDS = (100, 300, 600, 1000)
SIZE_RADII = (3.0, 4.5, 6.0, 8.0, 10.0)
#: more estates than this draw on a canvas instead of SVG (much faster in the browser:
#: one bitmap instead of a DOM node per marker and street; 0 = always on a canvas, which
#: keeps the city demo's map under 2 s too). Tooltips, popups and clicks work the same.
CANVAS_THRESHOLD = 0
POPUP_MAX_WIDTH = 420


# --- settings ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapSettings:
    """Where tiles come from (none by default: the map is fully offline).

    ``tile_url`` is a Leaflet URL template (``https://intranet/tiles/{z}/{x}/{y}.png``);
    ``tiles_crs`` says which datum the tiles are drawn in: ``wgs84`` (Tianditu, most
    intranet servers) or ``gcj02`` (Amap, Tencent), in which case every point and
    polygon is shifted to GCJ-02 so it lands on the right street.
    """

    tile_url: str | None = None
    tiles_crs: str = "wgs84"
    attribution: str = ""

    def __post_init__(self) -> None:
        crs = (self.tiles_crs or "wgs84").strip().lower().replace("-", "")
        object.__setattr__(self, "tiles_crs", crs if crs in TILE_CRS else "wgs84")
        object.__setattr__(self, "tile_url", (self.tile_url or "").strip() or None)

    @property
    def shift_to_gcj02(self) -> bool:
        return self.tile_url is not None and self.tiles_crs == "gcj02"

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None,
                         secrets_path: Path | None = None) -> "MapSettings":
        """Env DASHBOARD_TILE_URL / DASHBOARD_TILE_CRS / DASHBOARD_TILE_ATTRIBUTION, else
        ``[map] tile_url / tiles_crs / attribution`` in .streamlit/secrets.toml."""
        environ = os.environ if environ is None else environ
        secrets_path = secrets_path or PROJECT_ROOT / ".streamlit" / "secrets.toml"
        section: dict[str, Any] = {}
        if secrets_path.exists():
            with secrets_path.open("rb") as handle:
                section = tomllib.load(handle).get("map", {}) or {}
        return cls(
            tile_url=environ.get(TILE_URL_ENV) or section.get("tile_url"),
            tiles_crs=environ.get(TILE_CRS_ENV) or section.get("tiles_crs") or "wgs84",
            attribution=environ.get(TILE_ATTRIBUTION_ENV) or section.get("attribution") or "",
        )


# --- small helpers -----------------------------------------------------------------------------

def esc(value: Any) -> str:
    """Text from data, escaped for HTML; '—' for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def mode_label(mode: str, lang: str) -> str:
    return t(f"coverage.mode.{mode}", lang) if mode in MODE_COLORS else str(mode)


def grade_label(grade: Any, lang: str) -> str:
    if isinstance(grade, str) and grade in grading.GRADE_LABELS:
        return grading.GRADE_LABELS[grade][lang]
    return t("coverage.not_assessed", lang)


def marker_radius(households: Any) -> float:
    """Marker radius (px) of an estate by its households class."""
    value = 0 if households is None or pd.isna(households) else float(households)
    for bound, radius in zip(SIZE_BOUNDS, SIZE_RADII):
        if value < bound:
            return radius
    return SIZE_RADII[-1]


def marker_radii(households) -> np.ndarray:
    """:func:`marker_radius` of an array of households (NaN counts as 0)."""
    values = np.nan_to_num(np.asarray(households, dtype=float), nan=0.0)
    return np.asarray(SIZE_RADII)[np.searchsorted(SIZE_BOUNDS, values, side="right")]


def coverage_color(rate: Any) -> str:
    if rate is None or pd.isna(rate):
        return NO_DATA_COLOR
    color = COVERAGE_BINS[0][1]
    for bound, candidate in COVERAGE_BINS:
        if rate >= bound:
            color = candidate
    return color


def company_text(row: dict, lang: str) -> str:
    return esc(row.get("company_name")) if row.get("company_name") else t(
        "coverage.no_company", lang)


# --- GeoJSON of the layers ---------------------------------------------------------------------

#: estate fields shown in tooltips and popups, in this order
ESTATE_FIELDS = ("name", "code", "company", "mode", "households", "grade", "built")
#: positions in a compact estate row (see :func:`estate_data`)
ESTATE_ROW = ("code", "lng", "lat", "name", "company", "mode", "households", "grade",
              "built", "radius", "managed", "old")


def _escaped(values) -> list[str]:
    """:func:`esc` of each value (strings, the common case, escaped directly)."""
    return [html.escape(value, quote=True) if isinstance(value, str) else esc(value)
            for value in values]


def estate_data(estates: pd.DataFrame, shift: bool = False) -> dict:
    """The estates as compact rows for the browser (one copy shared by the estate,
    unmanaged and old-estate layers): ``{"companies": [...], "rows": [[...], ...]}``,
    each row in :data:`ESTATE_ROW` order. Text from the database is escaped; ``company``
    is an index into ``companies`` (-1 for none); ``grade`` is a grade key or "".
    """
    located = estates.dropna(subset=["longitude", "latitude"])
    lng, lat = located["longitude"].to_numpy(float), located["latitude"].to_numpy(float)
    if shift:
        lng, lat = wgs84_to_gcj02(lng, lat)
    # .tolist() first: iterating a pandas string column goes value by value through Arrow
    names = [name if isinstance(name, str) and name else None
             for name in located["company_name"].tolist()]
    company_index, companies = pd.factorize(pd.Series(names, dtype=object))
    households = located["households"].to_numpy(float)
    years = located["build_year"].to_numpy(float)
    built = [None if math.isnan(year) else int(year) for year in years.tolist()]
    grades = [grade if isinstance(grade, str) else "" for grade in located["grade"].tolist()]
    columns = (
        _escaped(located["code"].tolist()), [round(x, 6) for x in lng.tolist()],
        [round(y, 6) for y in lat.tolist()], _escaped(located["name"].tolist()),
        company_index.tolist(), [str(mode) for mode in located["management_mode"].tolist()],
        np.nan_to_num(households, nan=0.0).astype(int).tolist(), grades, built,
        marker_radii(households).tolist(),
        located["managed"].astype(bool).astype(int).tolist(),
        located["old"].astype(bool).astype(int).tolist())
    return {"companies": _escaped(companies), "rows": [list(row) for row in zip(*columns)]}


def street_features(streets: pd.DataFrame, lang: str, shift: bool = False) -> dict:
    """FeatureCollection of street polygons with coverage figures as display text.

    ``streets`` has code, name, name_en, geometry (dict) and the columns of
    :func:`data_access.coverage.street_coverage`.
    """
    features = []
    for row in streets.to_dict("records"):
        geometry = row.get("geometry")
        if not geometry:
            continue
        name = row["name"] if lang == "zh" else (row.get("name_en") or row["name"])
        by_count, by_households = row.get("coverage_rate"), row.get("coverage_rate_households")
        features.append({
            "type": "Feature", "id": str(row["code"]),
            "geometry": shift_geometry(geometry) if shift else geometry,
            "properties": {
                "street": esc(name),
                "coverage": metrics.format_value("coverage_rate", _num(by_count), lang),
                "coverage_households": metrics.format_value(
                    "coverage_rate_households", _num(by_households), lang),
                "estates": metrics.format_value("unmanaged_estates", _num(row.get("estates")),
                                                lang),
                "unmanaged": metrics.format_value("unmanaged_estates",
                                                  _num(row.get("unmanaged_estates")), lang),
                "_c": coverage_color(_num(by_count)),
                "_ch": coverage_color(_num(by_households)),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def format_income(yuan: float, lang: str) -> str:
    """12,345,678 yuan → '1,234.6 万元' / '¥12,346k'."""
    value = f"{yuan / 10000:,.1f}" if lang == "zh" else f"{yuan / 1000:,.0f}"
    return t("coverage.income_wan", lang, value=value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def district_features(districts: pd.DataFrame, lang: str, shift: bool = False) -> dict:
    features = []
    for row in districts.to_dict("records"):
        if not row.get("geometry"):
            continue
        name = row["name"] if lang == "zh" else (row.get("name_en") or row["name"])
        features.append({"type": "Feature", "id": str(row["code"]),
                         "geometry": shift_geometry(row["geometry"]) if shift
                         else row["geometry"],
                         "properties": {"district": esc(name)}})
    return {"type": "FeatureCollection", "features": features}


def bundle_features(collection: dict | None, lang: str, shift: bool = False) -> dict:
    """The planner's bundle FeatureCollection with display text for tooltips."""
    features = []
    for feature in (collection or {}).get("features", []):
        props = feature["properties"]
        features.append({
            "type": "Feature", "id": str(props["bundle"]),
            "geometry": shift_geometry(feature["geometry"]) if shift else feature["geometry"],
            "properties": {
                "bundle": esc(props["bundle"]),
                "estates": f"{int(props['estates']):,}",
                "households": f"{int(props['households']):,}",
                "income": t("coverage.yuan_per_year", lang,
                            amount=format_income(props["annual_income_yuan"], lang)),
                "candidates": esc(props.get("candidates_text") or "—"),
                "_v": bool(props.get("viable")),
            },
        })
    return {"type": "FeatureCollection", "features": features}


# --- folium elements -----------------------------------------------------------------------------

class Legend(MacroElement):
    """A legend box (bottom right) whose HTML is built from escaped text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create("div", "cov-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_text


def to_js(value: Any) -> str:
    """JSON for embedding in the map script: UTF-8 kept (no \\u escapes, so Chinese text
    stays small), ``</`` broken so the script also survives inside an HTML page."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


class _Verbatim(Element):
    """Text placed in the page as it is. A plain :class:`Element` would compile its text
    as a Jinja template: a third of a second for 20,000 estates' data, and a name from the
    data that looks like template syntax (``{% if %}``) would break the map."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class SharedData(MacroElement):
    """A JavaScript variable holding data that several layers use (sent once).

    ``kind="features"``: a FeatureCollection as is; ``kind="estates"``: compact estate
    rows (:func:`estate_data`) turned into GeoJSON features in the browser. ``payload``
    is the data already serialised with :func:`to_js` (see :class:`MapData`).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {%- if this.kind == "estates" %}
        var {{ this.get_name() }} = (function (data) {
            return {type: "FeatureCollection", features: data.rows.map(function (r) {
                return {type: "Feature", id: r[0],
                        geometry: {type: "Point", coordinates: [r[1], r[2]]},
                        properties: {k: r[0], n: r[3], c: r[4] < 0 ? null : data.companies[r[4]],
                                     m: r[5], h: r[6], g: r[7], y: r[8], r: r[9], u: r[10],
                                     o: r[11]}};
            })};
        })({{ this.payload }});
        {%- else %}
        var {{ this.get_name() }} = {{ this.payload }};
        {%- endif %}
        {% endmacro %}
    """)

    def __init__(self, payload: str, kind: str = "features"):
        super().__init__()
        self._name = "SharedData"
        self.kind = kind
        self.payload = payload

    def render(self, **kwargs) -> None:
        """Put the script in the page verbatim (see :class:`_Verbatim`)."""
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_Verbatim(script), name=self.get_name())


class DataLayer(Layer):
    """A switchable GeoJSON layer drawn from :class:`SharedData`, styled by a JavaScript
    function of each feature's properties (folium's ``style_function`` writes one
    ``switch`` case per feature, which takes the browser tens of seconds for 20,000
    estates), optionally filtered, with a tooltip and a popup built by JavaScript from
    properties that hold escaped text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_style = {{ this.style_js }};
        var {{ this.get_name() }} = L.geoJson(null, {
            style: {{ this.get_name() }}_style,
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, {{ this.get_name() }}_style(feature));
            },
            {%- if this.filter_js %}
            filter: {{ this.filter_js }},
            {%- endif %}
            {%- if not this.interactive %}
            interactive: false,
            {%- endif %}
        });
        {{ this.get_name() }}.addData({{ this.source.get_name() }});
        {%- if this.tooltip_js %}
        {{ this.get_name() }}.bindTooltip({{ this.tooltip_js }},
            {sticky: false, className: "cov-tip"});
        {%- endif %}
        {%- if this.popup_js %}
        {{ this.get_name() }}.bindPopup({{ this.popup_js }},
            {className: "cov-popup", maxWidth: {{ this.popup_max_width }}, minWidth: 240});
        {%- endif %}
        {% endmacro %}
    """)

    def __init__(self, source: SharedData, style_js: str, name: str, *,
                 filter_js: str | None = None, tooltip_js: str | None = None,
                 popup: bool = False, interactive: bool = True, overlay: bool = True,
                 show: bool = True):
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "DataLayer"
        self.source = source
        self.style_js = style_js
        self.filter_js = filter_js
        self.tooltip_js = tooltip_js
        self.popup_js = tooltip_js if popup else None
        self.popup_max_width = POPUP_MAX_WIDTH
        self.interactive = interactive


def js_style(base: dict, computed: dict[str, str] | None = None) -> str:
    """A JS style function: the ``base`` options plus ``computed`` option expressions of
    ``p`` (the feature's properties), e.g. ``{"radius": "p.r + 2"}``."""
    parts = ", ".join(f"{json.dumps(key)}: {expression}"
                      for key, expression in (computed or {}).items())
    return (f"function (feature) {{ var p = feature.properties; "
            f"return Object.assign({json.dumps(base)}, {{{parts}}}); }}")


def table_tooltip_js(rows: list[tuple[str, str]]) -> str:
    """A tooltip/popup function: a table of (label, JS expression of ``p``) rows. Labels
    are escaped here; the expressions must yield escaped text or numbers."""
    cells = " + ".join(
        f'"<tr><th>" + {to_js(esc(label))} + " </th><td> " + ({expression}) + " </td></tr>"'
        for label, expression in rows)
    return ("function (layer) { var p = layer.feature.properties; "
            "var div = L.DomUtil.create('div'); "
            f'div.innerHTML = "<table>" + {cells} + "</table>"; return div; }}')


def estate_tooltip_js(lang: str) -> str:
    modes = {mode: esc(mode_label(mode, lang)) for mode in MODE_COLORS}
    grades = {grade: esc(labels[lang]) for grade, labels in grading.GRADE_LABELS.items()}
    none = esc(t("coverage.no_company", lang))
    not_assessed = esc(t("coverage.not_assessed", lang))
    label = {field: t(f"coverage.field.{field}", lang) for field in ESTATE_FIELDS}
    return table_tooltip_js([
        (label["name"], "p.n"),
        (label["code"], "p.k"),
        (label["company"], f"p.c === null ? {to_js(none)} : p.c"),
        (label["mode"], f"({to_js(modes)})[p.m] || p.m"),
        (label["households"], r'String(p.h).replace(/\B(?=(\d{3})+(?!\d))/g, ",")'),
        (label["grade"], f"({to_js(grades)})[p.g] || {to_js(not_assessed)}"),
        (label["built"], 'p.y === null ? "—" : p.y'),
    ])


def legend_html(lang: str, has_bundles: bool = False) -> str:
    """The legend: modes, rings, marker sizes, coverage classes (all text from i18n)."""
    def swatch(color: str, shape: str = "dot") -> str:
        return f'<span class="cov-sw cov-sw-{shape}" style="--c:{color}"></span>'

    rows = [f'<div class="cov-legend-title">{esc(t("coverage.legend.modes", lang))}</div>']
    for mode, color in MODE_COLORS.items():
        rows.append(f"<div>{swatch(color)}{esc(mode_label(mode, lang))}</div>")
    rows.append(f"<div>{swatch(UNMANAGED_RING, 'ring')}"
                f"{esc(t('coverage.layer.unmanaged', lang))}</div>")
    rows.append(f"<div>{swatch(OLD_RING, 'dash')}{esc(t('coverage.layer.old', lang))}</div>")
    if has_bundles:
        rows.append(f"<div>{swatch(BUNDLE_COLOR, 'area')}"
                    f"{esc(t('coverage.layer.bundles', lang))}</div>")
    rows.append(f'<div class="cov-legend-note">{esc(t("coverage.legend.size", lang))}</div>')
    rows.append(f'<div class="cov-legend-title">'
                f'{esc(t("coverage.legend.coverage", lang))}</div>')
    bounds = [b for b, _ in COVERAGE_BINS] + [1.0]
    for (low, color), high in zip(COVERAGE_BINS, bounds[1:]):
        if high >= 1.0:
            text = f"≥ {low * 100:.0f}%"
        elif low <= 0:
            text = f"< {high * 100:.0f}%"
        else:
            text = f"{low * 100:.0f}% – {high * 100:.0f}%"
        rows.append(f"<div>{swatch(color, 'area')}{esc(text)}</div>")
    rows.append(f"<div>{swatch(NO_DATA_COLOR, 'area')}{esc(t('coverage.no_data', lang))}</div>")
    return (f"<details open><summary>{esc(t('coverage.legend.title', lang))}</summary>"
            + "".join(rows) + "</details>")


def localize_assets(root: folium.Map) -> None:
    """Point every element's scripts and stylesheets at the app's own static files.

    The map needs Leaflet only; any other external script or stylesheet of an element
    (Bootstrap, jQuery, awesome-markers, …) is dropped, and an element whose assets
    are unknown makes this raise, so nothing can reach for a CDN unnoticed.
    """
    local_js = {"leaflet": coverage_assets.LEAFLET_JS_URL}
    local_css = {"leaflet_css": coverage_assets.LEAFLET_CSS_URL,
                 "coverage_css": coverage_assets.COVERAGE_CSS_URL}
    droppable = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css",
                 "glyphicons_css", "awesome_markers_font_css", "awesome_markers_css",
                 "awesome_rotate_css"}

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(root):
        for attribute, local in (("default_js", local_js), ("default_css", local_css)):
            links = getattr(element, attribute, None)
            if not links:
                continue
            kept = []
            for name, url in links:
                if name in local:
                    kept.append((name, local[name]))
                elif url.startswith(coverage_assets.STATIC_URL):
                    kept.append((name, url))
                elif name not in droppable:
                    raise ValueError(f"{type(element).__name__} wants {url}: not served "
                                     f"offline")
            if element is root and attribute == "default_css":
                kept.append(("coverage_css", local_css["coverage_css"]))
            setattr(element, attribute, list(dict.fromkeys(kept)))


def external_links(root: folium.Map) -> list[str]:
    """Script/stylesheet URLs of the map's elements that are not the app's own."""
    links = []

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(root):
        for attribute in ("default_js", "default_css"):
            for _, url in getattr(element, attribute, None) or []:
                if not url.startswith(coverage_assets.STATIC_URL):
                    links.append(url)
    return links


_MODE_COLORS_JS = json.dumps(MODE_COLORS)


def estate_styles(scale: float = 1.0) -> tuple[str, str, str]:
    """JS styles of the estate dots, the unmanaged rings and the old-estate rings, with
    radii multiplied by ``scale`` (smaller on crowded maps)."""
    dots = js_style(
        {"color": "#FFFFFF", "weight": 0.8, "fillOpacity": 0.9, "className": "cov-estate"},
        {"radius": f"p.r * {scale:g}",
         "fillColor": f"({_MODE_COLORS_JS}[p.m] || '#9E9E9E')"})
    unmanaged = js_style(
        {"color": UNMANAGED_RING, "weight": 2.0 if scale >= 1 else 1.4, "fill": False,
         "className": "cov-unmanaged"}, {"radius": f"p.r * {scale:g} + 2.5"})
    old = js_style(
        {"color": OLD_RING, "weight": 1.5, "fill": False, "dashArray": "3,3",
         "className": "cov-old"}, {"radius": f"p.r * {scale:g} + 1.5"})
    return dots, unmanaged, old


#: maps with more estates than this draw markers smaller, by CROWDED_SCALE
CROWDED_THRESHOLD = 5000
CROWDED_SCALE = 0.55
STREET_BY_ESTATES_STYLE = js_style(
    {"fillOpacity": 0.45, "color": "#FFFFFF", "weight": 1.2, "className": "cov-street"},
    {"fillColor": "p._c"})
STREET_BY_HOUSEHOLDS_STYLE = js_style(
    {"fillOpacity": 0.45, "color": "#FFFFFF", "weight": 1.2, "className": "cov-street"},
    {"fillColor": "p._ch"})
STREET_OUTLINE_STYLE = js_style(
    {"fill": False, "color": "#78909C", "weight": 1.0, "className": "cov-street"})
DISTRICT_STYLE = js_style(
    {"fill": False, "color": DISTRICT_COLOR, "weight": 2.5, "className": "cov-district",
     "interactive": False})
BUNDLE_STYLE = js_style(
    {"color": BUNDLE_COLOR, "fillColor": BUNDLE_COLOR, "className": "cov-bundle"},
    {"weight": "p._v ? 2.5 : 1.5", "dashArray": "p._v ? null : '4,4'",
     "fillOpacity": "p._v ? 0.18 : 0.06"})


def bounds_of(estates: pd.DataFrame, streets: pd.DataFrame,
              shift: bool = False) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the estates (else of the street polygons)."""
    located = estates.dropna(subset=["longitude", "latitude"]) if not estates.empty \
        else estates
    if not located.empty:
        lng, lat = located["longitude"].to_numpy(float), located["latitude"].to_numpy(float)
    else:
        points = []

        def collect(coords):
            if coords and isinstance(coords[0], (int, float)):
                points.append(coords[:2])
            else:
                for part in coords:
                    collect(part)

        for geometry in streets.get("geometry", pd.Series(dtype=object)):
            if geometry:
                collect(geometry["coordinates"])
        if not points:
            return None
        lng = pd.Series([p[0] for p in points]).to_numpy(float)
        lat = pd.Series([p[1] for p in points]).to_numpy(float)
    if shift:
        lng, lat = wgs84_to_gcj02(lng, lat)
    return [[float(lat.min()), float(lng.min())], [float(lat.max()), float(lng.max())]]


@dataclass(frozen=True)
class MapData:
    """What the map shows, serialised for the browser: the costly part of building the
    map (tens of thousands of escaped texts and a few megabytes of JSON at province
    scale), kept apart so a page can cache it and assemble the map from it on each run.

    The ``*_js`` fields are :func:`to_js` text; ``bundles_js`` is None without bundles.
    """

    estates_js: str
    streets_js: str
    districts_js: str
    bundles_js: str | None
    bounds: list[list[float]]
    estate_count: int


def map_data(estates: pd.DataFrame, streets: pd.DataFrame, districts: pd.DataFrame,
             lang: str, shift: bool = False, bundles: dict | None = None) -> MapData:
    """The :class:`MapData` of ``estates`` (from :func:`data_access.coverage.estates`),
    the street polygons (with coverage columns), the district outlines and the planner's
    bundles, in ``lang``; shifted to GCJ-02 when ``shift``."""
    has_bundles = bool(bundles and bundles.get("features"))
    return MapData(
        estates_js=to_js(estate_data(estates, shift)),
        streets_js=to_js(street_features(streets, lang, shift)),
        districts_js=to_js(district_features(districts, lang, shift)),
        bundles_js=to_js(bundle_features(bundles, lang, shift)) if has_bundles else None,
        bounds=bounds_of(estates, streets, shift) or [[37.3, 121.9], [37.6, 122.3]],
        estate_count=len(estates))


def build_coverage_map(estates: pd.DataFrame, streets: pd.DataFrame,
                       districts: pd.DataFrame, lang: str,
                       settings: MapSettings | None = None, bundles: dict | None = None,
                       canvas: bool | None = None, height: int = 620) -> folium.Map:
    """The coverage map of ``estates`` (from :func:`data_access.coverage.estates`) over
    the street polygons (with coverage columns) and district outlines."""
    settings = settings or MapSettings()
    data = map_data(estates, streets, districts, lang, settings.shift_to_gcj02, bundles)
    return coverage_map(data, lang, settings, canvas, height)


def coverage_map(data: MapData, lang: str, settings: MapSettings | None = None,
                 canvas: bool | None = None, height: int = 620) -> folium.Map:
    """The coverage map of :func:`map_data`'s result (which must have been made with
    ``lang`` and ``settings.shift_to_gcj02``). Cheap: the data is already serialised."""
    settings = settings or MapSettings()
    canvas = data.estate_count > CANVAS_THRESHOLD if canvas is None else canvas
    bounds = data.bounds
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = folium.Map(location=center, zoom_start=11, tiles=None, prefer_canvas=canvas,
                      control_scale=True, height=height, max_zoom=19)
    fmap.fit_bounds(bounds)

    if settings.tile_url:
        folium.TileLayer(tiles=settings.tile_url, attr=settings.attribution or " ",
                         name=t("coverage.layer.tiles", lang), overlay=True, control=True,
                         max_zoom=19).add_to(fmap)

    street_data = SharedData(data.streets_js).add_to(fmap)
    street_tip = table_tooltip_js([
        (t("coverage.field.street", lang), "p.street"),
        (t("coverage.field.coverage", lang), "p.coverage"),
        (t("coverage.field.coverage_households", lang), "p.coverage_households"),
        (t("coverage.field.estates", lang), "p.estates"),
        (t("coverage.field.unmanaged", lang), "p.unmanaged")])
    for key, style, show in (("coverage.layer.by_estates", STREET_BY_ESTATES_STYLE, True),
                             ("coverage.layer.by_households", STREET_BY_HOUSEHOLDS_STYLE,
                              False),
                             ("coverage.layer.boundaries", STREET_OUTLINE_STYLE, False)):
        DataLayer(street_data, style, t(key, lang), overlay=False, show=show,
                  tooltip_js=street_tip if key != "coverage.layer.boundaries" else None
                  ).add_to(fmap)

    district_data = SharedData(data.districts_js).add_to(fmap)
    DataLayer(district_data, DISTRICT_STYLE, t("coverage.layer.districts", lang),
              interactive=False).add_to(fmap)

    if data.bundles_js is not None:
        bundle_data = SharedData(data.bundles_js).add_to(fmap)
        DataLayer(bundle_data, BUNDLE_STYLE, t("coverage.layer.bundles", lang),
                  tooltip_js=table_tooltip_js([
                      (t("coverage.field.bundle", lang), "p.bundle"),
                      (t("coverage.field.estates", lang), "p.estates"),
                      (t("coverage.field.households", lang), "p.households"),
                      (t("coverage.field.income", lang), "p.income"),
                      (t("coverage.field.candidates", lang), "p.candidates")])
                  ).add_to(fmap)

    estate_source = SharedData(data.estates_js, kind="estates").add_to(fmap)
    tooltip = estate_tooltip_js(lang)
    dots, rings, old_rings = estate_styles(
        CROWDED_SCALE if data.estate_count > CROWDED_THRESHOLD else 1.0)
    for key, style, filter_js, show in (
            ("coverage.layer.estates", dots, None, True),
            ("coverage.layer.old", old_rings,
             "function (f) { return f.properties.o === 1; }", False),
            ("coverage.layer.unmanaged", rings,
             "function (f) { return f.properties.u === 0; }", True)):
        DataLayer(estate_source, style, t(key, lang), filter_js=filter_js,
                  tooltip_js=tooltip, popup=True, show=show).add_to(fmap)

    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    Legend(legend_html(lang, has_bundles=data.bundles_js is not None)).add_to(fmap)
    localize_assets(fmap)
    return fmap


__all__ = [
    "CANVAS_THRESHOLD", "DataLayer", "ESTATE_FIELDS", "Legend", "MODE_COLORS", "MapData",
    "MapSettings", "SharedData", "bounds_of", "build_coverage_map", "bundle_features",
    "coverage_color", "coverage_map", "district_features", "esc", "estate_data",
    "external_links", "grade_label", "legend_html", "localize_assets", "map_data",
    "marker_radii", "marker_radius", "mode_label", "street_features",
]
