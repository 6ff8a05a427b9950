"""Big-property (大物业) planning: nearest managed estates, bundles of neighbouring
unmanaged estates, their fee income, and candidate companies working nearby.

Pure functions of DataFrames (no SQL, no Streamlit): the estates come from
:func:`data_access.coverage.estates` (WGS84 longitude/latitude). Distances are measured
with geopandas in a projected metric CRS — the UTM zone of the data
(:func:`metric_crs`; Weihai lies in UTM 51N, EPSG:32651).

Rules
-----
* **Bundle**: within one street, unmanaged estates are linked when they lie at most
  ``max_distance_m`` apart; a bundle is a connected group of links (each estate is
  within the distance of at least one other estate of its bundle: single linkage). A
  bundle is *viable* when its households reach ``min_households``. An isolated estate
  forms a bundle of one.
* **Annual fee income** of a bundle = fee level (yuan/m²/month) × Σ floor area × 12 ×
  payment rate. Estates without a floor area add nothing and are counted in
  ``missing_area``.
* **Candidate companies** for a bundle: companies managing at least one managed estate
  within ``radius_m`` of any estate of the bundle; best grade first (优秀, 合格, 不合格,
  not assessed), then higher assessment score, then nearer.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, mapping

from data_access.grading import GRADES

DEFAULT_CRS = "EPSG:32651"   # WGS 84 / UTM zone 51N (Weihai)
WGS84 = "EPSG:4326"
GRADE_ORDER = {grade: rank for rank, grade in enumerate(GRADES)}


@dataclass(frozen=True)
class BundleSettings:
    """The planner's knobs."""

    max_distance_m: float = 500.0
    min_households: int = 300
    fee_yuan_m2_month: float = 0.5
    payment_rate: float = 0.8
    radius_m: float = 2000.0
    candidates: int = 3
    buffer_m: float = 60.0


# --- geometry ------------------------------------------------------------------------------

def metric_crs(frame: pd.DataFrame) -> str:
    """The UTM zone CRS of the estates' centre (EPSG:32651 when there is nothing)."""
    located = frame.dropna(subset=["longitude", "latitude"])
    if located.empty:
        return DEFAULT_CRS
    lng = float(located["longitude"].mean())
    lat = float(located["latitude"].mean())
    zone = int((lng + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def projected_xy(frame: pd.DataFrame, crs: str) -> np.ndarray:
    """(n, 2) metric coordinates of the estates' longitude/latitude in ``crs``."""
    if frame.empty:
        return np.zeros((0, 2))
    points = gpd.GeoSeries(gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                           crs=WGS84).to_crs(crs)
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(subset=["longitude", "latitude"]).reset_index(drop=True)


# --- nearest managed estates -----------------------------------------------------------------

NEAREST_COLUMNS = ["code", "rank", "neighbour_code", "neighbour_name", "company_code",
                   "company_name", "distance_m"]


def nearest_managed(unmanaged: pd.DataFrame, managed: pd.DataFrame, k: int = 3,
                    crs: str | None = None) -> pd.DataFrame:
    """The ``k`` nearest managed estates of each unmanaged estate.

    Both frames have code, name, longitude, latitude (managed also company_code,
    company_name). Returns one row per (unmanaged estate, rank 1..k): code, rank,
    neighbour_code, neighbour_name, company_code, company_name, distance_m — nearest
    first; ties broken by the neighbour's code.
    """
    unmanaged, managed = _located(unmanaged), _located(managed)
    if unmanaged.empty or managed.empty or k <= 0:
        return pd.DataFrame(columns=NEAREST_COLUMNS)
    crs = crs or metric_crs(pd.concat([unmanaged, managed]))
    managed = managed.sort_values("code").reset_index(drop=True)
    source, target = projected_xy(unmanaged, crs), projected_xy(managed, crs)
    k = min(k, len(managed))
    sources, neighbours, distances_m = [], [], []
    for start in range(0, len(source), 512):  # chunks keep the distance matrix small
        chunk = source[start:start + 512]
        distances = np.hypot(chunk[:, None, 0] - target[None, :, 0],
                             chunk[:, None, 1] - target[None, :, 1])
        # the k nearest of each row, ties broken by position (= by code: managed is
        # sorted): every estate no farther than the k-th distance, then a stable sort
        kth = np.partition(distances, k - 1, axis=1)[:, k - 1:k]
        for offset, row in enumerate(distances):
            near = np.flatnonzero(row <= kth[offset])
            near = near[np.argsort(row[near], kind="stable")][:k]
            sources.append(np.full(len(near), start + offset))
            neighbours.append(near)
            distances_m.append(row[near])
    source_index, neighbour_index = np.concatenate(sources), np.concatenate(neighbours)
    ranks = np.concatenate([np.arange(1, len(n) + 1) for n in neighbours])
    picked = managed.iloc[neighbour_index]
    return pd.DataFrame({
        "code": unmanaged["code"].to_numpy(object)[source_index],
        "rank": ranks,
        "neighbour_code": picked["code"].to_numpy(object),
        "neighbour_name": picked["name"].to_numpy(object),
        "company_code": (picked["company_code"].to_numpy(object)
                         if "company_code" in picked else None),
        "company_name": (picked["company_name"].to_numpy(object)
                         if "company_name" in picked else None),
        "distance_m": np.concatenate(distances_m).astype(float),
    }, columns=NEAREST_COLUMNS)


# --- bundles --------------------------------------------------------------------------------

BUNDLE_COLUMNS = ["bundle", "street_code", "estates", "codes", "names", "households",
                  "floor_area_m2", "missing_area", "viable", "annual_income_yuan"]


def _components(xy: np.ndarray, max_distance: float) -> list[list[int]]:
    """Connected groups of points linked when at most ``max_distance`` apart."""
    count = len(xy)
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if count > 1:
        distances = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        rows, cols = np.nonzero(np.triu(distances <= max_distance, k=1))
        for i, j in zip(rows.tolist(), cols.tolist()):
            root_i, root_j = find(i), find(j)
            if root_i != root_j:
                parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[int]] = {}
    for i in range(count):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def annual_fee_income(floor_area_m2: float, fee_yuan_m2_month: float,
                      payment_rate: float) -> float:
    """Expected yearly fee income: fee × floor area × 12 months × payment rate."""
    return float(fee_yuan_m2_month) * float(floor_area_m2) * 12 * float(payment_rate)


def make_bundles(unmanaged: pd.DataFrame, settings: BundleSettings,
                 crs: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group the unmanaged estates of each street into bundles of neighbours.

    ``unmanaged`` has code, name, street_code, longitude, latitude, households,
    floor_area_m2. Returns (bundles, members): bundles has :data:`BUNDLE_COLUMNS`
    (bundle ids "<street code>-<n>", numbered within the street from the largest
    bundle by households, then by first code), largest first; members has bundle, code
    (one row per estate).
    """
    located = _located(unmanaged)
    if located.empty:
        return pd.DataFrame(columns=BUNDLE_COLUMNS), pd.DataFrame(columns=["bundle", "code"])
    crs = crs or metric_crs(located)
    xy = projected_xy(located, crs)
    bundles, members = [], []
    for street_code, rows in located.groupby("street_code", sort=True):
        positions = rows.index.to_numpy()
        groups = []
        for group in _components(xy[positions], settings.max_distance_m):
            part = located.loc[positions[group]].sort_values("code")
            groups.append(part)
        groups.sort(key=lambda g: (-int(g["households"].sum()), g["code"].iloc[0]))
        for number, part in enumerate(groups, start=1):
            bundle_id = f"{street_code}-{number}"
            area = part["floor_area_m2"]
            floor_area = float(area.fillna(0).sum())
            households = int(part["households"].sum())
            bundles.append({
                "bundle": bundle_id, "street_code": street_code, "estates": len(part),
                "codes": tuple(part["code"]), "names": tuple(part["name"]),
                "households": households, "floor_area_m2": floor_area,
                "missing_area": int(area.isna().sum()),
                "viable": households >= settings.min_households,
                "annual_income_yuan": annual_fee_income(
                    floor_area, settings.fee_yuan_m2_month, settings.payment_rate),
            })
            members.extend({"bundle": bundle_id, "code": code} for code in part["code"])
    frame = pd.DataFrame(bundles, columns=BUNDLE_COLUMNS)
    frame = frame.sort_values(["households", "bundle"], ascending=[False, True])
    return frame.reset_index(drop=True), pd.DataFrame(members, columns=["bundle", "code"])


# --- candidate companies --------------------------------------------------------------------

CANDIDATE_COLUMNS = ["bundle", "rank", "company_code", "company_name", "grade",
                     "assessment_score", "distance_m", "nearby_estates"]


def candidate_companies(members: pd.DataFrame, unmanaged: pd.DataFrame,
                        managed: pd.DataFrame, grades: pd.DataFrame,
                        settings: BundleSettings, crs: str | None = None) -> pd.DataFrame:
    """Companies already working near each bundle, best grade first.

    ``members`` from :func:`make_bundles`; ``managed`` has code, longitude, latitude,
    company_code, company_name; ``grades`` has company_code, assessment_score, grade
    (:func:`data_access.coverage.company_grades`). Returns :data:`CANDIDATE_COLUMNS`:
    up to ``settings.candidates`` per bundle; distance_m is from the bundle's nearest
    estate to the company's nearest managed estate; nearby_estates counts the company's
    managed estates within the radius.
    """
    managed = _located(managed).dropna(subset=["company_code"]).reset_index(drop=True)
    unmanaged = _located(unmanaged)
    if members.empty or managed.empty or unmanaged.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    crs = crs or metric_crs(pd.concat([unmanaged, managed]))
    target = projected_xy(managed, crs)
    source = projected_xy(unmanaged, crs)
    # every (unmanaged estate, managed estate) pair within the radius
    pair_parts = []
    for start in range(0, len(source), 512):
        chunk = source[start:start + 512]
        distances = np.hypot(chunk[:, None, 0] - target[None, :, 0],
                             chunk[:, None, 1] - target[None, :, 1])
        rows, cols = np.nonzero(distances <= settings.radius_m)
        pair_parts.append(pd.DataFrame({"code": unmanaged["code"].to_numpy()[rows + start],
                                        "managed_index": cols,
                                        "distance_m": distances[rows, cols]}))
    pairs = pd.concat(pair_parts, ignore_index=True).merge(members, on="code")
    if pairs.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    # distance from the bundle to each managed estate: its nearest member
    pairs = pairs.groupby(["bundle", "managed_index"], as_index=False)["distance_m"].min()
    pairs["company_code"] = managed["company_code"].to_numpy()[pairs["managed_index"]]
    by_company = pairs.groupby(["bundle", "company_code"], as_index=False).agg(
        distance_m=("distance_m", "min"), nearby_estates=("managed_index", "nunique"))
    names = managed.drop_duplicates("company_code").set_index("company_code")["company_name"]
    by_company["company_name"] = by_company["company_code"].map(names)
    graded = grades.drop_duplicates("company_code").set_index("company_code") \
        if not grades.empty else pd.DataFrame(columns=["assessment_score", "grade"])
    by_company["grade"] = by_company["company_code"].map(graded["grade"]).astype(object)
    by_company["assessment_score"] = pd.to_numeric(
        by_company["company_code"].map(graded["assessment_score"]), errors="coerce")
    by_company["_grade_rank"] = by_company["grade"].map(GRADE_ORDER).fillna(len(GRADES))
    by_company["_score"] = by_company["assessment_score"].fillna(-1.0)
    ranked = by_company.sort_values(
        ["bundle", "_grade_rank", "_score", "distance_m", "company_code"],
        ascending=[True, True, False, True, True])
    ranked = ranked.groupby("bundle", sort=False).head(settings.candidates).copy()
    ranked["rank"] = ranked.groupby("bundle").cumcount() + 1
    ranked["grade"] = ranked["grade"].where(ranked["grade"].notna(), None)
    ranked["assessment_score"] = ranked["assessment_score"].astype(object).where(
        ranked["assessment_score"].notna(), None)
    ranked["nearby_estates"] = ranked["nearby_estates"].astype(int)
    return ranked[CANDIDATE_COLUMNS].reset_index(drop=True)


# --- shapes ---------------------------------------------------------------------------------

def bundle_shapes(members: pd.DataFrame, unmanaged: pd.DataFrame, settings: BundleSettings,
                  crs: str | None = None) -> gpd.GeoDataFrame:
    """One polygon per bundle (WGS84): the convex hull of its estates buffered by
    ``settings.buffer_m`` metres (a circle for a bundle of one)."""
    unmanaged = _located(unmanaged)
    if members.empty or unmanaged.empty:
        return gpd.GeoDataFrame({"bundle": []}, geometry=[], crs=WGS84)
    crs = crs or metric_crs(unmanaged)
    xy = dict(zip(unmanaged["code"], map(tuple, projected_xy(unmanaged, crs))))
    names, shapes = [], []
    for bundle_id, part in members.groupby("bundle", sort=True):
        points = [xy[c] for c in part["code"] if c in xy]
        if not points:
            continue
        names.append(bundle_id)
        shapes.append(MultiPoint(points).convex_hull.buffer(settings.buffer_m, quad_segs=8))
    return gpd.GeoDataFrame({"bundle": names}, geometry=shapes, crs=crs).to_crs(WGS84)


def bundles_geojson(bundles: pd.DataFrame, shapes: gpd.GeoDataFrame,
                    extra: dict[str, dict] | None = None) -> dict:
    """A GeoJSON FeatureCollection (WGS84) of the bundles with their figures as
    properties (``extra`` adds properties per bundle id)."""
    by_id = bundles.set_index("bundle")
    features = []
    for row in shapes.itertuples():
        info = by_id.loc[row.bundle]
        properties = {
            "bundle": row.bundle, "street_code": info["street_code"],
            "estates": int(info["estates"]), "codes": list(info["codes"]),
            "names": list(info["names"]), "households": int(info["households"]),
            "floor_area_m2": round(float(info["floor_area_m2"]), 1),
            "viable": bool(info["viable"]),
            "annual_income_yuan": round(float(info["annual_income_yuan"]), 2),
            **(extra or {}).get(row.bundle, {}),
        }
        features.append({"type": "Feature", "id": row.bundle, "properties": properties,
                         "geometry": mapping(row.geometry)})
    return {"type": "FeatureCollection", "features": features}
