"""Geography of the demo city: real district outlines, synthetic streets, communities, estates.

The four districts of Weihai come from ``assets/weihai_districts.geojson`` (real outlines,
WGS84). Everything below them is synthetic: street centres are sampled inside each
district (denser around the district's main town), street polygons are the Voronoi cells
of those centres clipped to the district, communities are points inside their street, and
estates are scattered a few hundred metres around their community point.

All randomness comes from the ``numpy.random.Generator`` passed in, so the same seed gives
the same geography. Distances are handled in a local equirectangular frame (metres per
degree at Weihai's latitude); the affine map keeps straight lines straight, so clipping in
WGS84 is exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon

from data_access.config import ASSETS_DIR

DISTRICTS_FILE = ASSETS_DIR / "weihai_districts.geojson"

#: Real administrative codes of the four districts, keyed by the Chinese name in the file.
DISTRICT_CODES = {"环翠区": "371002", "文登区": "371003", "荣成市": "371082", "乳山市": "371083"}
#: Main town of each district (WGS84 lon, lat): street centres cluster around it.
URBAN_CORES = {
    "371002": (122.120, 37.500),  # Weihai city centre
    "371003": (122.057, 37.194),  # Wendeng town
    "371082": (122.486, 37.165),  # Yatou, Rongcheng
    "371083": (121.539, 36.919),  # Rushan town
}
#: Share of street centres drawn around the urban core rather than anywhere in the district.
CORE_SHARE = {"371002": 0.60, "371003": 0.42, "371082": 0.40, "371083": 0.42}
#: Street centres closer than this to the core are sub-districts (街道), farther ones towns (镇).
URBAN_RADIUS_M = 9_000.0

_LAT0 = 37.2
_M_PER_DEG_LAT = 110_950.0
_M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(_LAT0)))

# Characters for synthetic place names, each with its pinyin.
_PLACE_FIRST = {
    "海": "hai", "青": "qing", "东": "dong", "西": "xi", "南": "nan", "北": "bei",
    "龙": "long", "凤": "feng", "金": "jin", "石": "shi", "松": "song", "柳": "liu",
    "桃": "tao", "杏": "xing", "云": "yun", "安": "an", "宁": "ning", "福": "fu",
    "华": "hua", "新": "xin", "古": "gu", "马": "ma", "高": "gao", "双": "shuang",
    "白": "bai", "黄": "huang", "望": "wang", "汤": "tang", "温": "wen", "沙": "sha",
    "鹿": "lu", "鹤": "he", "宝": "bao", "玉": "yu", "丰": "feng", "泰": "tai",
    "嘉": "jia", "崮": "gu", "槐": "huai", "桑": "sang", "葛": "ge", "蔡": "cai",
}
_PLACE_SECOND = {
    "山": "shan", "泉": "quan", "港": "gang", "湾": "wan", "岭": "ling", "河": "he",
    "口": "kou", "岛": "dao", "阳": "yang", "庄": "zhuang", "集": "ji", "峰": "feng",
    "林": "lin", "滨": "bin", "城": "cheng", "园": "yuan", "坡": "po", "头": "tou",
    "桥": "qiao", "屯": "tun", "埠": "bu", "店": "dian", "沟": "gou", "崖": "ya",
    "亭": "ting", "疃": "tuan", "台": "tai", "泊": "bo",
}
_COMMUNITY_WORDS = (
    "和平 幸福 新华 光明 文化 建设 人民 友谊 团结 春晖 朝阳 育才 长青 振华 明珠 顺河 丰泽 "
    "康宁 乐居 嘉和 翠竹 锦华 景园 怡海 海源 望岛 东山 西苑 南山 北海 兴业 华夏 青松 碧海 "
    "金沙 银滩 福泰 安康 阳光 滨海 海港 海悦 观海 听涛 港湾 松涛 杏林 桃源 柳林 梧桐 紫薇 "
    "玉兰 海棠 丁香 凤林 龙山 塔山 鸿福 泰和 永安 永和 安泰 祥和 和谐 惠民 利民 新村 新城 "
    "新港 新苑 翠园 海滨 文苑 书香 学府 东城 西城 北山 南苑 花园 宝泉 温泉 环山 清泉"
).split()
_ROAD_SUFFIXES = ("路", "路", "路", "街", "大道", "中路", "北路", "南路")


@dataclass
class Geography:
    """Reference rows (ids from 1) plus the shapes needed to place estates."""

    districts: pd.DataFrame   # id, code, name, name_en, geometry_geojson
    streets: pd.DataFrame     # id, code, name, name_en, district_id, geometry_geojson, synthetic
    communities: pd.DataFrame  # id, code, name, street_id, longitude, latitude, synthetic
    district_shapes: list      # shapely geometry per district row
    street_shapes: list        # shapely geometry per street row
    street_urban: np.ndarray   # bool per street row: a sub-district near the urban core
    street_district: np.ndarray  # district row index per street row
    community_street: np.ndarray  # street row index per community row


# --- coordinates ---------------------------------------------------------------------


def to_metres(lon, lat, origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Local metres east/north of ``origin`` (equirectangular; fine at city scale)."""
    return ((np.asarray(lon) - origin[0]) * _M_PER_DEG_LON,
            (np.asarray(lat) - origin[1]) * _M_PER_DEG_LAT)


def to_degrees(x, y, origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    return (origin[0] + np.asarray(x) / _M_PER_DEG_LON,
            origin[1] + np.asarray(y) / _M_PER_DEG_LAT)


def load_districts(path: Path = DISTRICTS_FILE) -> pd.DataFrame:
    """The four districts in file order: code, name, name_en, shapely geometry."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = []
    for feature in data["features"]:
        props = feature["properties"]
        name = props["district"]
        rows.append({
            "code": DISTRICT_CODES[name],
            "name": name,
            "name_en": props.get("district_en"),
            "geometry": shapely.make_valid(shapely.geometry.shape(feature["geometry"])),
        })
    return pd.DataFrame(rows)


def _polygons(geometry) -> list[Polygon]:
    return [part for part in shapely.get_parts(geometry)
            if isinstance(part, Polygon) and not part.is_empty]


def _mainland(geometry) -> Polygon:
    """The largest polygon of a (multi)polygon: islands get no street centre of their own."""
    return max(_polygons(geometry), key=lambda part: part.area)


def _part_containing(geometry, lon: float, lat: float) -> Polygon:
    """The polygon of ``geometry`` that contains the point, else the largest one."""
    for part in _polygons(geometry):
        if shapely.contains_xy(part, lon, lat):
            return part
    return _mainland(geometry)


def _as_area(geometry):
    """Keep only the polygonal parts of a clipping result."""
    parts = _polygons(geometry)
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)


def _sample_inside(rng: np.random.Generator, geometry, count: int, centre_xy, sigma_m: float,
                   origin, uniform_share: float = 0.0, batch: int = 256) -> np.ndarray:
    """``count`` lon/lat points inside ``geometry``: Gaussian around ``centre_xy`` (metres),
    or uniform in the bounding box for ``uniform_share`` of the candidates; rejection keeps
    the ones inside."""
    shapely.prepare(geometry)
    minx, miny, maxx, maxy = geometry.bounds
    accepted: list[np.ndarray] = []
    total = 0
    while total < count:
        n = max(batch, 4 * (count - total))
        uniform = rng.random(n) < uniform_share
        gx = centre_xy[0] + rng.normal(0.0, sigma_m, n)
        gy = centre_xy[1] + rng.normal(0.0, sigma_m, n)
        lon, lat = to_degrees(gx, gy, origin)
        lon = np.where(uniform, rng.uniform(minx, maxx, n), lon)
        lat = np.where(uniform, rng.uniform(miny, maxy, n), lat)
        inside = shapely.contains_xy(geometry, lon, lat)
        points = np.column_stack([lon[inside], lat[inside]])
        accepted.append(points)
        total += len(points)
    return np.concatenate(accepted)[:count]


def _spaced_centres(rng: np.random.Generator, geometry, count: int, core, core_share: float,
                    urban_spacing_m: float, rural_spacing_m: float) -> np.ndarray:
    """Street centres inside ``geometry``: ``core_share`` of them near the core, the rest
    anywhere, with a minimum spacing (smaller near the core)."""
    origin = core
    n_core = int(round(count * core_share))
    chosen: list[tuple[float, float]] = []
    spacing_scale = 1.0
    attempts = 0
    while len(chosen) < count:
        want_core = len(chosen) < n_core
        candidates = _sample_inside(
            rng, geometry, 64, (0.0, 0.0), 4_500.0 if want_core else 1.0, origin,
            uniform_share=0.0 if want_core else 1.0)
        for lon, lat in candidates:
            x, y = to_metres(lon, lat, origin)
            spacing = (urban_spacing_m if np.hypot(x, y) < URBAN_RADIUS_M else rural_spacing_m)
            spacing *= spacing_scale
            if all(np.hypot(x - cx, y - cy) >= spacing
                   for cx, cy in (to_metres(p[0], p[1], origin) for p in chosen)):
                chosen.append((float(lon), float(lat)))
                break
        attempts += 1
        if attempts % 20 == 0:  # the district is full at this spacing: relax it
            spacing_scale *= 0.85
    return np.array(chosen)


# --- names ---------------------------------------------------------------------------


def _pinyin_word(chars: str, table: dict[str, str]) -> str:
    syllables = [table[c] for c in chars]
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word.capitalize()


def _bigram_pool(rng: np.random.Generator, first: dict[str, str], second: dict[str, str]
                 ) -> list[str]:
    """Every two-character combination (no doubled character), shuffled."""
    pool = [a + b for a in first for b in second if a != b]
    order = rng.permutation(len(pool))
    return [pool[i] for i in order]


_PLACE_PINYIN = {**_PLACE_FIRST, **_PLACE_SECOND}


def street_names(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct two-character place names (without 街道/镇)."""
    pool = _bigram_pool(rng, _PLACE_FIRST, _PLACE_SECOND)
    if count > len(pool):
        raise ValueError(f"cannot name {count} streets uniquely")
    return pool[:count]


def community_names(rng: np.random.Generator, count: int, exclude: list[str] = ()) -> list[str]:
    """``count`` distinct community names ending in 社区: common community words first
    (和平, 光明, …), then place names not used by a street, then 东/西/南/北 variants."""
    words = [_COMMUNITY_WORDS[i] for i in rng.permutation(len(_COMMUNITY_WORDS))]
    taken = set(exclude)
    places = [name for name in _bigram_pool(rng, _PLACE_FIRST, _PLACE_SECOND)
              if name not in taken]
    base = list(dict.fromkeys(words + places))
    pool = base + [name + side for side in "东西南北" for name in base]
    if count > len(pool):
        raise ValueError(f"cannot name {count} communities uniquely")
    return [name + "社区" for name in pool[:count]]


def place_bigrams(rng: np.random.Generator) -> list[str]:
    """Shuffled two-character place names (for estates and roads)."""
    return _bigram_pool(rng, _PLACE_FIRST, _PLACE_SECOND)


def road_names(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct road names (青松路, 海滨北路, …): common words first, then
    place names, each with a random road suffix; more suffixes once those run out."""
    words = [_COMMUNITY_WORDS[i] for i in rng.permutation(len(_COMMUNITY_WORDS))]
    bigrams = words + _bigram_pool(rng, _PLACE_FIRST, _PLACE_SECOND)
    suffixes = rng.integers(0, len(_ROAD_SUFFIXES), len(bigrams))
    names = list(dict.fromkeys(b + _ROAD_SUFFIXES[k] for b, k in zip(bigrams, suffixes)))
    if len(names) < count:
        extra = [b + suffix for suffix in dict.fromkeys(_ROAD_SUFFIXES) for b in bigrams]
        extra = [extra[i] for i in rng.permutation(len(extra))]
        names = list(dict.fromkeys(names + extra))
    if len(names) < count:
        raise ValueError(f"cannot name {count} roads uniquely")
    return names[:count]


# --- building the geography -------------------------------------------------------------


def _voronoi_streets(centres: np.ndarray, district_geometry, origin) -> list:
    """Voronoi cells of ``centres`` (lon/lat) clipped to the district, in input order."""
    x, y = to_metres(centres[:, 0], centres[:, 1], origin)
    minx, miny, maxx, maxy = district_geometry.bounds
    bx, by = to_metres(np.array([minx, maxx]), np.array([miny, maxy]), origin)
    frame = shapely.box(bx[0] - 20_000, by[0] - 20_000, bx[1] + 20_000, by[1] + 20_000)
    if len(centres) == 1:
        cells = [frame]
    else:
        cells = list(shapely.get_parts(shapely.voronoi_polygons(
            MultiPoint(np.column_stack([x, y])), extend_to=frame, ordered=True)))
    result = []
    for cell in cells:
        lonlat = shapely.transform(cell, lambda xy: np.column_stack(
            to_degrees(xy[:, 0], xy[:, 1], origin)))
        result.append(_as_area(shapely.intersection(lonlat, district_geometry)))
    return result


def build_geography(rng: np.random.Generator, streets_per_district: dict[str, int],
                    communities_per_street: tuple[int, int]) -> Geography:
    """Districts (real), streets and communities (synthetic) with ids from 1."""
    districts = load_districts()
    total_streets = sum(streets_per_district.values())
    names = street_names(rng, total_streets)

    street_rows: list[dict] = []
    street_shapes: list = []
    street_urban: list[bool] = []
    street_district: list[int] = []
    for d_index, district in districts.iterrows():
        code = district["code"]
        geometry = district["geometry"]
        core = URBAN_CORES[code]
        count = streets_per_district[code]
        mainland = _mainland(geometry)
        density = total_streets / 60.0  # spacing shrinks when there are more streets
        centres = _spaced_centres(rng, mainland, count, core, CORE_SHARE[code],
                                  urban_spacing_m=1_800.0 / np.sqrt(density),
                                  rural_spacing_m=5_000.0 / np.sqrt(density))
        cx, cy = to_metres(centres[:, 0], centres[:, 1], core)
        distance = np.hypot(cx, cy)
        # Sub-districts (near the core) first, then towns, each ordered by distance.
        urban = distance < URBAN_RADIUS_M
        order = np.lexsort((distance, ~urban))
        centres, urban, distance = centres[order], urban[order], distance[order]
        cells = _voronoi_streets(centres, geometry, core)
        n_urban = 0
        n_town = 0
        for centre, is_urban, cell in zip(centres, urban, cells):
            base = names[len(street_rows)]
            if is_urban:
                n_urban += 1
                number = n_urban
                name, name_en = base + "街道", _pinyin_word(base, _PLACE_PINYIN) + " Subdistrict"
            else:
                n_town += 1
                number = 99 + n_town
                name, name_en = base + "镇", _pinyin_word(base, _PLACE_PINYIN) + " Town"
            street_rows.append({
                "id": len(street_rows) + 1,
                "code": f"{code}{number:03d}",
                "name": name,
                "name_en": name_en,
                "district_id": int(d_index) + 1,
                "geometry_geojson": shapely.to_geojson(cell),
                "synthetic": True,
                "centre_lon": float(centre[0]),
                "centre_lat": float(centre[1]),
            })
            street_shapes.append(cell)
            street_urban.append(bool(is_urban))
            street_district.append(int(d_index))

    streets = pd.DataFrame(street_rows)
    low, high = communities_per_street
    counts = rng.integers(low, high + 1, len(streets))
    cnames = community_names(rng, int(counts.sum()), exclude=names)
    community_rows: list[dict] = []
    community_street: list[int] = []
    for s_index, street_row in streets.iterrows():
        shape = street_shapes[s_index]
        district_shape = districts.at[street_district[s_index], "geometry"]
        area = shapely.intersection(shape, district_shape)
        origin = (street_row["centre_lon"], street_row["centre_lat"])
        home = _part_containing(area, *origin)
        area_m2 = home.area * _M_PER_DEG_LON * _M_PER_DEG_LAT
        sigma = float(np.clip(0.35 * np.sqrt(area_m2), 400.0, 6_000.0))
        points = _sample_inside(rng, home, int(counts[s_index]), (0.0, 0.0), sigma, origin)
        for k, (lon, lat) in enumerate(points, start=1):
            community_rows.append({
                "id": len(community_rows) + 1,
                "code": f"{street_row['code']}{k:03d}",
                "name": cnames[len(community_rows)],
                "street_id": int(street_row["id"]),
                "longitude": float(lon),
                "latitude": float(lat),
                "synthetic": True,
            })
            community_street.append(int(s_index))

    district_rows = pd.DataFrame({
        "id": np.arange(1, len(districts) + 1),
        "code": districts["code"],
        "name": districts["name"],
        "name_en": districts["name_en"],
        "geometry_geojson": [shapely.to_geojson(g) for g in districts["geometry"]],
    })
    return Geography(
        districts=district_rows,
        streets=streets,
        communities=pd.DataFrame(community_rows),
        district_shapes=list(districts["geometry"]),
        street_shapes=street_shapes,
        street_urban=np.array(street_urban, dtype=bool),
        street_district=np.array(street_district, dtype=np.int64),
        community_street=np.array(community_street, dtype=np.int64),
    )


def place_estates(rng: np.random.Generator, geography: Geography, community_index: np.ndarray,
                  sigma_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat for estates around their community point (row index ``community_index``),
    jittered by ``sigma_m`` metres and kept inside the estate's street and district."""
    n = len(community_index)
    comm = geography.communities
    base_lon = comm["longitude"].to_numpy()[community_index]
    base_lat = comm["latitude"].to_numpy()[community_index]
    street_index = geography.community_street[community_index]
    lon = base_lon.copy()
    lat = base_lat.copy()
    pending = np.ones(n, dtype=bool)
    clip_shapes = [shapely.intersection(s, geography.district_shapes[d])
                   for s, d in zip(geography.street_shapes, geography.street_district)]
    for shape in clip_shapes:
        shapely.prepare(shape)
    shapes = np.array(clip_shapes, dtype=object)
    for attempt in range(30):
        idx = np.flatnonzero(pending)
        if len(idx) == 0:
            break
        shrink = 0.9 ** attempt
        dx = rng.normal(0.0, 1.0, len(idx)) * sigma_m[idx] * shrink
        dy = rng.normal(0.0, 1.0, len(idx)) * sigma_m[idx] * shrink
        cand_lon = base_lon[idx] + dx / _M_PER_DEG_LON
        cand_lat = base_lat[idx] + dy / _M_PER_DEG_LAT
        inside = shapely.contains_xy(shapes[street_index[idx]], cand_lon, cand_lat)
        lon[idx[inside]] = cand_lon[inside]
        lat[idx[inside]] = cand_lat[inside]
        pending[idx[inside]] = False
    # Anything still pending keeps its community point, which lies inside the street.
    return lon, lat
