"""Synthetic demo data: a Weihai-like city supervised under the 红色物业 programme.

:func:`build_demo` empties the database and fills every raw table with a deterministic
(seeded) history from 2019-01 to ``end_month``, then rebuilds the summary tables.

How the data are made
---------------------
* Geography (:mod:`data_access.demo_geo`): the four real districts, synthetic streets
  (Voronoi cells), communities and estates.
* Management over time is a list of non-overlapping ``contract`` rows per estate. From
  them a month-by-estate *state* (mode and company) is derived, and every fact follows
  that state.
* Facts are drawn from per-estate-month probabilities built on the logit scale from
  company quality, estate traits, management mode and the three demo stories. The city
  figures are calibrated *after* the story effects: a smooth monthly path is fitted to the
  annual targets and a per-year shift solves Σ expected / Σ weight = target exactly, then
  counts are sampled. Sampling noise is far below the tolerances for the city scale.
* Stories: a few *deteriorating* companies (worse from 2024-01), a cluster of old
  unmanaged estates in one Huancui street, and a few *lagging* streets.

Everything random comes from one ``numpy.random.default_rng(seed)``, consumed in a fixed
order, so the same seed and end month give identical rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data_access import schema
from data_access.demo_geo import (
    Geography,
    build_geography,
    place_bigrams,
    place_estates,
    road_names,
)
from data_access.loading import bulk_insert, derive_complaint_fields
from data_access.periods import month_range, quarter_of_month

DATA_START = "2019-01"
#: Month index (from 2019-01) at which the programme started: 2019-04.
PROGRAMME_START = 3
#: Deteriorating companies get worse from this month.
STORY_START = "2024-01"
#: Bundles (大物业) are piloted from this month.
BUNDLE_START = "2023-03"

MODE_UNMANAGED, MODE_PROFESSIONAL, MODE_BUNDLE, MODE_SELF = 0, 1, 2, 3
MODE_NAMES = np.array(["unmanaged", "professional", "bundle", "self"], dtype=object)

MILESTONES = (
    (dt.date(2019, 4, 1), "红色物业工作启动", "Red Property programme launched"),
    (dt.date(2020, 7, 1), "物业服务企业红黑榜首次发布",
     "First red/black list of property companies published"),
    (dt.date(2021, 1, 1), "物业服务项目分级管理考核实施", "Graded assessment of property service projects begins"),
    (dt.date(2023, 3, 1), "大物业模式试点", "Big-property bundle pilots begin"),
)


@dataclass(frozen=True)
class DemoScale:
    """Parameters of one demo size. Target dicts map a year to the city-wide figure; years
    after the last key repeat the last value."""

    estates: int
    companies: int
    streets_per_district: dict
    communities_per_street: tuple
    households_mean: float
    old_share: float              # built before 2006
    self_share: float             # self-managed, no contract
    coverage_start: float         # professional + bundle share in 2019-01
    unmanaged_end: float          # unmanaged share in end_month (cluster included)
    switch_rate: float            # company changes per managed estate-year
    cluster_size: int             # old unmanaged estates in one Huancui street
    lagging_streets: int
    pilot_streets: int
    bundle_size: tuple            # estates per bundle (low, high)
    deteriorating: int            # companies
    assessors: tuple
    committee_start: float        # owners' committee formation rate 2019-01
    committee_end: float          # ... by the end month
    satisfaction: dict
    payment: dict
    complaint_rate: dict
    on_time: dict
    resolved: dict


_CITY_TARGETS = dict(
    satisfaction={2019: 0.570, 2020: 0.780, 2021: 0.905, 2022: 0.914, 2023: 0.921,
                  2024: 0.917, 2025: 0.924, 2026: 0.922},
    payment={2019: 0.680, 2020: 0.790, 2021: 0.872, 2022: 0.884, 2023: 0.891,
             2024: 0.886, 2025: 0.894, 2026: 0.892},
    complaint_rate={2019: 0.072, 2020: 0.025, 2021: 0.0040, 2022: 0.0042, 2023: 0.0038,
                    2024: 0.0043, 2025: 0.0040, 2026: 0.0041},
    on_time={2019: 0.65, 2020: 0.80, 2021: 0.90, 2022: 0.95, 2023: 0.955, 2024: 0.95,
             2025: 0.96, 2026: 0.955},
    resolved={2019: 0.85, 2020: 0.91, 2021: 0.95, 2022: 0.97, 2023: 0.972, 2024: 0.97,
              2025: 0.975, 2026: 0.973},
)
_PROVINCE_TARGETS = dict(
    satisfaction={2019: 0.550, 2020: 0.640, 2021: 0.720, 2022: 0.790, 2023: 0.835,
                  2024: 0.860, 2025: 0.875, 2026: 0.880},
    payment={2019: 0.660, 2020: 0.710, 2021: 0.760, 2022: 0.800, 2023: 0.830,
             2024: 0.850, 2025: 0.860, 2026: 0.865},
    complaint_rate={2019: 0.100, 2020: 0.080, 2021: 0.060, 2022: 0.045, 2023: 0.035,
                    2024: 0.031, 2025: 0.030, 2026: 0.030},
    on_time={2019: 0.60, 2020: 0.70, 2021: 0.80, 2022: 0.87, 2023: 0.91, 2024: 0.93,
             2025: 0.94, 2026: 0.94},
    resolved={2019: 0.82, 2020: 0.86, 2021: 0.90, 2022: 0.93, 2023: 0.95, 2024: 0.96,
              2025: 0.965, 2026: 0.965},
)

SCALES: dict[str, DemoScale] = {
    "test": DemoScale(
        estates=120, companies=20,
        streets_per_district={"371002": 4, "371003": 3, "371082": 3, "371083": 3},
        communities_per_street=(2, 3), households_mean=330.0, old_share=0.408,
        self_share=0.025, coverage_start=0.65, unmanaged_end=0.105, switch_rate=0.035,
        cluster_size=6, lagging_streets=2, pilot_streets=2, bundle_size=(2, 3),
        deteriorating=2, assessors=schema.ASSESSORS, committee_start=0.35,
        committee_end=0.635, **_CITY_TARGETS),
    "city": DemoScale(
        estates=1500, companies=400,
        streets_per_district={"371002": 14, "371003": 15, "371082": 18, "371083": 13},
        communities_per_street=(4, 6), households_mean=330.0, old_share=0.408,
        self_share=0.025, coverage_start=0.65, unmanaged_end=0.105, switch_rate=0.035,
        cluster_size=25, lagging_streets=3, pilot_streets=10, bundle_size=(3, 8),
        deteriorating=4, assessors=schema.ASSESSORS, committee_start=0.35,
        committee_end=0.635, **_CITY_TARGETS),
    "province": DemoScale(
        estates=20000, companies=2500,
        streets_per_district={"371002": 56, "371003": 60, "371082": 72, "371083": 52},
        communities_per_street=(6, 10), households_mean=330.0, old_share=0.408,
        self_share=0.025, coverage_start=0.62, unmanaged_end=0.12, switch_rate=0.035,
        cluster_size=28, lagging_streets=12, pilot_streets=40, bundle_size=(3, 8),
        deteriorating=4, assessors=("street", "owners", "experts"), committee_start=0.33,
        committee_end=0.60, **_PROVINCE_TARGETS),
}


@dataclass(frozen=True)
class DemoSummary:
    scale: str
    seed: int
    end_month: str
    estates: int
    households: int
    companies: int
    complaints: int
    seconds: float


def default_end_month(today: dt.date | None = None) -> str:
    """The last complete month before ``today`` (default: the real today), as ``YYYY-MM``."""
    today = today or dt.date.today()
    last_day = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last_day.year:04d}-{last_day.month:02d}"


# --- small numeric helpers ---------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _year_values(targets: dict, years: np.ndarray) -> np.ndarray:
    last = max(targets)
    return np.array([targets.get(int(year), targets[last]) for year in years], dtype=float)


def _smooth_path(year_idx: np.ndarray, annual: np.ndarray, transform, inverse,
                 iterations: int = 40) -> np.ndarray:
    """A smooth monthly path (in transformed space) whose yearly means equal ``annual``.

    Knots sit at the middle of each year and are interpolated linearly; the first year is
    extrapolated backwards along the first slope and held flat before the programme start.
    The knots are nudged until every year's mean of ``inverse(path)`` matches.
    """
    months = np.arange(len(year_idx))
    n_years = len(annual)
    counts = np.bincount(year_idx, minlength=n_years)
    mids = np.bincount(year_idx, months.astype(float), minlength=n_years) / counts
    goal = transform(annual)
    knots = goal.copy()
    path = np.zeros(len(months))
    for _ in range(iterations):
        path = np.interp(months, mids, knots)
        if n_years > 1:
            early = months < mids[0]
            slope = (knots[1] - knots[0]) / (mids[1] - mids[0])
            path[early] = knots[0] + (months[early] - mids[0]) * slope
        if len(path) > PROGRAMME_START:
            path[:PROGRAMME_START] = path[PROGRAMME_START]
        means = np.bincount(year_idx, inverse(path), minlength=n_years) / counts
        knots = knots + (goal - transform(means))
    return path


def _calibrate_logit(base: np.ndarray, group: np.ndarray, weight: np.ndarray,
                     targets: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Per-group shifts δ so that Σ w·σ(base + δ[group]) / Σ w = target for every group."""
    n_groups = len(targets)
    wsum = np.bincount(group, weight, minlength=n_groups)
    active = wsum > 0
    safe = np.where(active, wsum, 1.0)
    delta = np.zeros(n_groups)
    for _ in range(iterations):
        p = _sigmoid(base + delta[group])
        value = np.bincount(group, weight * p, minlength=n_groups) / safe
        slope = np.bincount(group, weight * p * (1 - p), minlength=n_groups) / safe
        error = np.where(active, targets - value, 0.0)
        if np.max(np.abs(error)) < 1e-10:
            break
        delta += np.clip(error / np.maximum(slope, 1e-12), -2.0, 2.0)
    return delta


def _sample_categorical(rng: np.random.Generator, table: np.ndarray, group: np.ndarray
                        ) -> np.ndarray:
    """One draw per row from the probability row ``table[group]`` (rows need not sum to 1)."""
    table = np.asarray(table, dtype=float)
    cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    choice = np.zeros(len(group), dtype=np.int64)
    for k in range(table.shape[1] - 1):
        choice += u >= cumulative[group, k]
    return choice


def _month_dates(months: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """First day of each month (datetime64[D]) and its number of days."""
    starts = np.array([f"{m}-01" for m in months], dtype="datetime64[D]")
    following = (starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return starts, (following - starts).astype(np.int64)


def _month_index(month: str) -> int:
    """Months since 2019-01 (negative before)."""
    return (int(month[:4]) - 2019) * 12 + int(month[5:7]) - 1


def _object_or_none(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = None
    out[valid] = [v.item() if hasattr(v, "item") else v for v in values[valid]]
    return out


# --- names ----------------------------------------------------------------------------

_ESTATE_WORDS = (
    "海景 青年 幸福 阳光 金色 碧海 福泰 华府 蓝湾 海韵 海悦 观海 听涛 望海 海天 海岸 滨海 金海 "
    "银滩 金沙 翠竹 青松 松涛 柳岸 桃源 杏林 梧桐 紫薇 玉兰 海棠 丁香 芙蓉 牡丹 桂花 荷塘 兰亭 "
    "康宁 安康 永安 永和 泰和 祥和 和谐 惠民 利民 嘉和 鸿福 福海 福山 福源 富华 锦绣 锦华 锦江 "
    "锦城 明珠 明华 光明 朝阳 东方 东城 西城 南山 北山 东山 新华 新港 文化 育才 建设 人民 友谊 "
    "团结 春晖 长青 振华 盛世 世纪 时代 佳和 怡和 怡景 御景 龙湖 凤凰 麒麟 天鹅 白鹭 海鸥 环山 "
    "清泉 甘泉 温泉 碧水 碧波 蓝天 白云 彩虹 星河 银河 月湖 华夏 九龙 金鼎 金桥 银座 恒泰 恒信 "
    "宏达 宏远 宏图 鼎盛 兴隆 兴业 丰泽 润泽 润华 瑞祥 瑞丰 吉祥 如意 和顺 康乐 安居 宜居 颐和 "
    "颐景 怡海 望岛 海港 港湾 渔港 海源 山海 青山 翡翠 玫瑰 百合 水岸 江南 书香 学府 翠湖 静园"
).split()
_OLD_SUFFIXES = ("小区", "小区", "新村", "楼院", "公寓", "住宅区")
_NEW_SUFFIXES = ("花园", "家园", "苑", "雅苑", "名苑", "华庭", "府", "公馆", "嘉园", "山庄",
                 "名居", "佳园", "新城", "御府", "湾", "广场")
_WORK_UNITS = (
    "纺织厂 机械厂 电业局 粮食局 供销社 水产公司 渔业公司 化工厂 轴承厂 造船厂 教育局 人民医院 "
    "交通局 税务局 邮电局 物资局 外贸公司 航运公司 建筑公司 食品公司 卫生局 酿酒厂 橡胶厂 毛纺厂"
).split()
_COMPANY_FIRST = tuple("华鑫恒盛泰嘉福瑞安康宏德信诚和顺正联金银海润锦祥宇东万天新明立达"
                       "中远佳宜悦盈")
_COMPANY_SECOND = tuple("誉达源泰丰盛安华宇邦居家园祥和兴泽润信诚业晟利通程益辉明成")
_COMPANY_CITY = {"371002": "威海", "371003": "文登", "371082": "荣成", "371083": "乳山"}
_COMPANY_SUFFIXES = ("物业服务有限公司", "物业管理有限公司", "物业有限公司")
_PHONE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152,
                            153, 155, 156, 157, 158, 159, 166, 176, 177, 178, 180, 181, 182,
                            183, 184, 185, 186, 187, 188, 189, 191, 198, 199])


def _shuffled(rng: np.random.Generator, items: list[str]) -> list[str]:
    return [items[i] for i in rng.permutation(len(items))]


def _estate_names(rng: np.random.Generator, is_old: np.ndarray) -> np.ndarray:
    """Unique estate names: old ones 幸福小区 / 纺织厂宿舍, newer ones 海景花园 / 锦华苑."""
    places = place_bigrams(rng)
    old_tiers = [
        _shuffled(rng, [w + s for w in _ESTATE_WORDS for s in dict.fromkeys(_OLD_SUFFIXES)]
                  + [u + s for u in _WORK_UNITS for s in ("宿舍", "家属院")]),
        _shuffled(rng, [p + s for p in places for s in dict.fromkeys(_OLD_SUFFIXES)]),
    ]
    old_tiers.append(_shuffled(rng, [n + d for n in old_tiers[0] + old_tiers[1]
                                     for d in ("东区", "西区", "南区", "北区")]))
    new_tiers = [
        _shuffled(rng, [w + s for w in _ESTATE_WORDS for s in _NEW_SUFFIXES]),
        _shuffled(rng, [p + s for p in places for s in _NEW_SUFFIXES]),
    ]
    new_tiers.append(_shuffled(rng, [n + d for n in new_tiers[0] + new_tiers[1]
                                     for d in ("二期", "三期")]))
    old_pool = list(dict.fromkeys(n for tier in old_tiers for n in tier))
    new_pool = list(dict.fromkeys(n for tier in new_tiers for n in tier))
    n_old = int(is_old.sum())
    n_new = len(is_old) - n_old
    if n_old > len(old_pool) or n_new > len(new_pool):
        raise ValueError("not enough estate names")
    names = np.empty(len(is_old), dtype=object)
    names[is_old] = old_pool[:n_old]
    names[~is_old] = new_pool[:n_new]
    return names


def _company_names(rng: np.random.Generator, home: np.ndarray, district_codes: list[str],
                   size_rank: np.ndarray) -> list[str]:
    brands = [a + b for a in _COMPANY_FIRST for b in _COMPANY_SECOND if a != b]
    pools = {d: _shuffled(rng, brands) for d in range(len(district_codes))}
    used = {d: 0 for d in pools}
    suffix = rng.choice(len(_COMPANY_SUFFIXES), len(home), p=[0.6, 0.3, 0.1])
    names = []
    for i, d in enumerate(home):
        brand = pools[int(d)][used[int(d)] % len(brands)]
        lap = used[int(d)] // len(brands)
        used[int(d)] += 1
        city = _COMPANY_CITY[district_codes[int(d)]]
        tail = "物业服务集团有限公司" if size_rank[i] < 3 else _COMPANY_SUFFIXES[suffix[i]]
        names.append(city + brand + ("" if lap == 0 else "东西南北中"[lap % 5]) + tail)
    return names


# --- the city model ---------------------------------------------------------------------


@dataclass
class _Estates:
    frame: pd.DataFrame          # the estate rows (without management columns)
    street: np.ndarray           # street row index
    district: np.ndarray         # district row index
    old: np.ndarray
    households: np.ndarray
    area: np.ndarray
    fee: np.ndarray
    smart: np.ndarray
    party: np.ndarray
    cluster: np.ndarray
    cluster_street: int


def _make_estates(rng: np.random.Generator, scale: DemoScale, geo: Geography) -> _Estates:
    n_streets = len(geo.streets)
    n = scale.estates
    # Estates per street: urban sub-districts are denser. The cluster street gets enough.
    huancui_urban = np.flatnonzero((geo.street_district == 0) & geo.street_urban)
    candidates = huancui_urban if len(huancui_urban) else np.flatnonzero(geo.street_district == 0)
    cluster_street = int(rng.choice(candidates))
    weight = np.where(geo.street_urban, 2.6, 1.0) * rng.lognormal(0.0, 0.3, n_streets)
    minimum = np.zeros(n_streets, dtype=np.int64)
    minimum[cluster_street] = scale.cluster_size + max(4, scale.cluster_size // 2)
    minimum = np.maximum(minimum, 2)
    counts = minimum + rng.multinomial(n - minimum.sum(), weight / weight.sum())

    # Estates per community (within the street), in community order.
    comm_street = geo.community_street
    community_index = []
    for s in range(n_streets):
        comms = np.flatnonzero(comm_street == s)
        shares = rng.dirichlet(np.full(len(comms), 3.0))
        per = rng.multinomial(counts[s], shares)
        community_index.append(np.repeat(comms, per))
    community_index = np.concatenate(community_index)
    street = comm_street[community_index]
    district = geo.street_district[street]
    starts = np.r_[0, np.flatnonzero(np.diff(community_index)) + 1]
    run = np.diff(np.r_[starts, n])
    within = np.arange(n) - np.repeat(starts, run) + 1

    # Age: old (before 2006) estates lean to the urban sub-districts; the cluster is old.
    cluster = np.zeros(n, dtype=bool)
    in_cluster_street = np.flatnonzero(street == cluster_street)
    cluster[in_cluster_street[:scale.cluster_size]] = True
    n_old = int(round(scale.old_share * n))
    old = cluster.copy()
    rest = np.flatnonzero(~cluster)
    w = np.where(geo.street_urban[street[rest]], 1.7, 1.0)
    old[rng.choice(rest, n_old - int(cluster.sum()), replace=False, p=w / w.sum())] = True
    build_year = np.where(
        old,
        1980 + np.floor(rng.beta(2.4, 1.4, n) * 26).astype(np.int64),
        2006 + rng.integers(0, 13, n))
    build_year = np.minimum(build_year, np.where(old, 2005, 2018))

    households = np.where(old, rng.lognormal(np.log(190), 0.6, n),
                          rng.lognormal(np.log(330), 0.62, n))
    households *= scale.households_mean * rng.uniform(0.97, 1.03) / households.mean()
    households = np.clip(np.round(households), 24, 4000).astype(np.int64)
    area = np.round(households * rng.uniform(80, 110, n), 1)
    fee = np.where(old, rng.uniform(0.3, 0.9, n), 0.8 + 1.7 * rng.beta(1.6, 3.0, n))
    fee = np.round(fee, 2)
    smart_new = np.where(build_year >= 2015, rng.choice([2, 3, 4, 5], n, p=[.1, .3, .4, .2]),
                         rng.choice([0, 1, 2, 3, 4], n, p=[.15, .25, .3, .2, .1]))
    smart_old = rng.choice([0, 1, 2, 3], n, p=[.68, .14, .1, .08])
    smart = np.where(old, smart_old, smart_new).astype(np.int64)
    party = rng.random(n) < 0.60

    # Names, codes, addresses, positions.
    names = _estate_names(rng, old)
    comm_codes = geo.communities["code"].to_numpy()[community_index]
    codes = np.array([f"E{c}{k:03d}" for c, k in zip(comm_codes, within)], dtype=object)
    roads = road_names(rng, 6 * n_streets)
    road = street * 6 + rng.integers(0, 6, n)
    number = rng.integers(1, 400, n)
    district_names = geo.districts["name"].to_numpy()
    street_names = geo.streets["name"].to_numpy()
    address = np.array([f"威海市{district_names[d]}{street_names[s]}{roads[r]}{k}号"
                        for d, s, r, k in zip(district, street, road, number)], dtype=object)
    sigma = np.where(geo.street_urban[street], 280.0, 550.0)
    lon, lat = place_estates(rng, geo, community_index, sigma)

    frame = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "code": codes,
        "name": names,
        "address": address,
        "longitude": np.round(lon, 6),
        "latitude": np.round(lat, 6),
        "households": households,
        "floor_area_m2": area,
        "build_year": build_year,
        "fee_yuan_m2_month": fee,
        "party_org": party,
        "smart_star": smart,
        "street_id": street + 1,
        "community_id": community_index + 1,
    })
    return _Estates(frame=frame, street=street, district=district, old=old,
                    households=households, area=area, fee=fee, smart=smart, party=party,
                    cluster=cluster, cluster_street=cluster_street)


def _committees(rng: np.random.Generator, scale: DemoScale, est: _Estates, months: list[str]
                ) -> np.ndarray:
    """Formation date (datetime.date or None) per estate."""
    n = len(est.old)
    score = 0.7 * (~est.old) + rng.normal(0, 1, n) - 0.8 * est.cluster
    order = np.lexsort((np.arange(n), -score))
    n_end = int(round(scale.committee_end * n))
    n_start = int(round(scale.committee_start * n))
    formed = order[:n_end]
    # Among them, those formed before 2019 lean towards newer estates.
    w = np.where(est.old[formed], 0.7, 1.3) * rng.lognormal(0, 0.4, len(formed))
    early = rng.choice(formed, n_start, replace=False, p=w / w.sum())
    is_early = np.zeros(n, dtype=bool)
    is_early[early] = True
    late = formed[~is_early[formed]]
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    first_year = np.maximum(est.frame["build_year"].to_numpy()[early] + 1, 2000)
    first_year = np.minimum(first_year, 2018)
    start = np.array([f"{y}-01-01" for y in first_year], dtype="datetime64[D]")
    span = (np.datetime64("2018-12-31") - start).astype(np.int64)
    dates[early] = start + (rng.random(len(early)) * span).astype(np.int64)
    t = np.arange(PROGRAMME_START, len(months))
    if len(t):
        w = np.exp(-(t - PROGRAMME_START) / 40.0)
        month_pick = rng.choice(t, len(late), p=w / w.sum())
        m_start, m_days = _month_dates(months)
        dates[late] = m_start[month_pick] + (rng.random(len(late)) * m_days[month_pick]
                                             ).astype(np.int64)
    out = np.empty(n, dtype=object)
    out[:] = None
    valid = ~np.isnat(dates)
    out[valid] = [d.item() for d in dates[valid]]
    return out


@dataclass
class _Management:
    contracts: pd.DataFrame
    company: np.ndarray    # N × T company row index + 1 (0 = none)
    mode: np.ndarray       # N × T mode code
    lagging: np.ndarray    # street row indices
    pilots: np.ndarray     # street row indices
    deteriorating: np.ndarray  # company row indices
    companies: pd.DataFrame
    quality: np.ndarray    # company quality, index 0 = no company


def _manage(rng: np.random.Generator, scale: DemoScale, geo: Geography, est: _Estates,
            months: list[str]) -> _Management:
    n = scale.estates
    T = len(months)
    n_streets = len(geo.streets)
    street = est.street
    urban = geo.street_urban[street]

    # Story streets: lagging streets and bundle pilots (never the cluster street).
    street_ids = np.arange(n_streets)
    per_street = np.bincount(street, minlength=n_streets)
    old_per_street = np.bincount(street, est.old.astype(float), minlength=n_streets)
    eligible = street_ids[(street_ids != est.cluster_street) & (per_street >= 8)]
    w = np.where(geo.street_urban[eligible], 0.6, 1.0)
    lagging = np.sort(rng.choice(eligible, min(scale.lagging_streets, len(eligible)),
                                 replace=False, p=w / w.sum()))
    eligible = np.setdiff1d(eligible, lagging)
    eligible = eligible[old_per_street[eligible] >= scale.bundle_size[1] + 2]
    w = old_per_street[eligible]
    pilots = np.sort(rng.choice(eligible, min(scale.pilot_streets, len(eligible)),
                                replace=False, p=w / w.sum())) if len(eligible) else eligible
    is_lagging = np.isin(street, lagging)

    # Status of each estate: cluster / self / bundle / managed before 2019 / taken over / none.
    status = np.full(n, -1)
    STATUS_CLUSTER, STATUS_SELF, STATUS_BUNDLE, STATUS_PRE, STATUS_TAKE, STATUS_NONE = range(6)
    status[est.cluster] = STATUS_CLUSTER
    n_self = int(round(scale.self_share * n))
    pool = np.flatnonzero(est.old & (status < 0))
    w = np.where(urban[pool], 0.6, 1.4)
    status[rng.choice(pool, n_self, replace=False, p=w / w.sum())] = STATUS_SELF
    manageability = (2.2 * (~est.old) + rng.normal(0, 1, n) - 0.9 * is_lagging + 0.3 * urban)
    bundle_start = np.full(n, -1)
    bundle_company_street = np.full(n, -1)
    for p in pilots:  # bundles take the least manageable old estates of the street
        cand = np.flatnonzero((street == p) & est.old & (status < 0))
        k = int(rng.integers(scale.bundle_size[0], scale.bundle_size[1] + 1))
        chosen = cand[np.argsort(manageability[cand], kind="stable")[:k]]
        status[chosen] = STATUS_BUNDLE
        start = _month_index(BUNDLE_START) + int(rng.integers(0, 16))  # .. 2024-06
        bundle_start[chosen] = start + rng.integers(0, 4, len(chosen))
        bundle_company_street[chosen] = p
    rest = np.flatnonzero(status < 0)
    n_pre = int(round(scale.coverage_start * n))
    n_none = max(0, int(round(scale.unmanaged_end * n)) - int(est.cluster.sum()))
    n_take = max(0, len(rest) - n_pre - n_none)
    order = rest[np.lexsort((rest, -manageability[rest]))]
    status[order[:n_pre]] = STATUS_PRE
    status[order[n_pre:n_pre + n_take]] = STATUS_TAKE
    status[order[n_pre + n_take:]] = STATUS_NONE

    # First managed month (index; negative = before 2019) for every contract holder.
    first = np.full(n, T + 1)
    pre = np.flatnonzero(status == STATUS_PRE)
    build_year = est.frame["build_year"].to_numpy()
    start_year = rng.integers(np.minimum(np.maximum(build_year[pre], 2003), 2018), 2019)
    start_month = rng.integers(1, 13, len(pre))
    first[pre] = (start_year - 2019) * 12 + start_month - 1
    take = np.flatnonzero(status == STATUS_TAKE)
    t = np.arange(PROGRAMME_START, max(T, PROGRAMME_START + 1))
    w_fast = np.exp(-(t - PROGRAMME_START) / 22.0)
    w_slow = np.exp(-(t - PROGRAMME_START) / 60.0) * np.clip((t - 12) / 24.0, 0.05, 1.0)
    lag_take = is_lagging[take]
    first[take[~lag_take]] = rng.choice(t, int((~lag_take).sum()), p=w_fast / w_fast.sum())
    first[take[lag_take]] = rng.choice(t, int(lag_take.sum()), p=w_slow / w_slow.sum())
    bundled = np.flatnonzero(status == STATUS_BUNDLE)
    first[bundled] = bundle_start[bundled]

    # Companies: heavy-tailed size, a home district.
    n_comp = scale.companies
    district_weight = np.bincount(est.district, minlength=len(geo.districts)).astype(float)
    home = rng.choice(len(geo.districts), n_comp, p=district_weight / district_weight.sum())
    size = rng.lognormal(0.0, 1.0, n_comp)
    quality = rng.normal(0.0, 1.0, n_comp)

    def pick(districts: np.ndarray, avoid: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros(len(districts), dtype=np.int64)
        for d in range(len(geo.districts)):
            rows = np.flatnonzero(districts == d)
            if not len(rows):
                continue
            p = size * np.where(home == d, 1.0, 0.04)
            out[rows] = rng.choice(n_comp, len(rows), p=p / p.sum())
        if avoid is not None:
            for _ in range(20):
                clash = np.flatnonzero(out == avoid)
                if not len(clash):
                    break
                out[clash] = pick(districts[clash])
            clash = out == avoid
            out[clash] = (out[clash] + 1) % n_comp
        return out

    # Professional contracts: a first segment, then up to two company changes.
    holders = np.flatnonzero(np.isin(status, (STATUS_PRE, STATUS_TAKE)) & (first < T))
    begin = np.maximum(first[holders], 0)
    months_managed = T - begin
    n_switch = np.minimum(rng.poisson(scale.switch_rate * months_managed / 12.0), 2)
    lo = begin + 6
    can = lo < T
    n_switch = np.where(can, n_switch, 0)
    sw = np.sort(lo[:, None] + (rng.random((len(holders), 2)) * np.maximum(T - lo, 1)[:, None]
                                ).astype(np.int64), axis=1)
    sw[:, 0] = np.where(n_switch >= 1, sw[:, 0], T)
    sw[:, 1] = np.where((n_switch >= 2) & (sw[:, 1] > sw[:, 0]), sw[:, 1], T)
    seg_estate, seg_start, seg_end, seg_company, seg_mode = [], [], [], [], []
    previous = None
    for j in range(3):
        if j == 0:
            starts = first[holders]
            has = np.ones(len(holders), dtype=bool)
        else:
            starts = sw[:, j - 1]
            has = starts < T
        ends = sw[:, j] - 1 if j < 2 else np.full(len(holders), T - 1)
        comp = pick(est.district[holders], avoid=previous)
        if previous is not None:
            comp = np.where(has, comp, previous)
        previous = comp
        rows = np.flatnonzero(has)
        seg_estate.append(holders[rows])
        seg_start.append(starts[rows])
        seg_end.append(ends[rows])
        seg_company.append(comp[rows])
        seg_mode.append(np.full(len(rows), MODE_PROFESSIONAL))
    # Bundle contracts: one company per pilot street, running to the end.
    bundle_rows = bundled[first[bundled] < T]
    pilot_company = {}
    for p in pilots:
        d = geo.street_district[p]
        weights = size * (home == d) + 1e-12
        pilot_company[int(p)] = int(rng.choice(n_comp, p=weights / weights.sum()))
    seg_estate.append(bundle_rows)
    seg_start.append(first[bundle_rows])
    seg_end.append(np.full(len(bundle_rows), T - 1))
    seg_company.append(np.array([pilot_company[int(s)] for s in
                                 bundle_company_street[bundle_rows]], dtype=np.int64))
    seg_mode.append(np.full(len(bundle_rows), MODE_BUNDLE))
    seg_estate = np.concatenate(seg_estate)
    seg_start = np.concatenate(seg_start)
    seg_end = np.concatenate(seg_end)
    seg_company = np.concatenate(seg_company)
    seg_mode = np.concatenate(seg_mode)
    order = np.lexsort((seg_start, seg_estate))
    seg_estate, seg_start, seg_end = seg_estate[order], seg_start[order], seg_end[order]
    seg_company, seg_mode = seg_company[order], seg_mode[order]

    # Month-by-estate state.
    company = np.zeros((n, T), dtype=np.int32)
    mode = np.zeros((n, T), dtype=np.int8)
    mode[status == STATUS_SELF, :] = MODE_SELF
    lo = np.maximum(seg_start, 0)
    length = seg_end - lo + 1
    cells_estate = np.repeat(seg_estate, length)
    cells_month = np.repeat(lo, length) + (np.arange(length.sum()) -
                                           np.repeat(np.cumsum(length) - length, length))
    company[cells_estate, cells_month] = np.repeat(seg_company + 1, length)
    mode[cells_estate, cells_month] = np.repeat(seg_mode, length)

    # Deteriorating companies: ≥ 5 professional estates held since before 2023 to the end.
    cutoff = min(_month_index("2023-01"), T - 1)
    steady = (seg_mode == MODE_PROFESSIONAL) & (seg_end == T - 1) & (seg_start <= cutoff)
    steady_count = np.bincount(seg_company[steady], minlength=n_comp)
    bundle_firms = np.array(sorted(set(pilot_company.values())), dtype=np.int64)
    ok = (steady_count >= 5) & ~np.isin(np.arange(n_comp), bundle_firms)
    middling = np.abs(quality - 0.2) < 0.9
    prefer = np.flatnonzero(ok & (steady_count <= 20) & middling)
    if len(prefer) < scale.deteriorating:
        prefer = np.flatnonzero(ok & (steady_count <= 20))
    if len(prefer) < scale.deteriorating:
        prefer = np.flatnonzero(ok)
    if len(prefer) < scale.deteriorating:
        prefer = np.argsort(-steady_count, kind="stable")[:scale.deteriorating]
    deteriorating = np.sort(rng.choice(prefer, min(scale.deteriorating, len(prefer)),
                                       replace=False))

    # Contract rows.
    def label(index: np.ndarray) -> np.ndarray:
        years = 2019 + np.floor_divide(index, 12)
        mons = np.mod(index, 12) + 1
        return np.array([f"{y:04d}-{m:02d}" for y, m in zip(years, mons)], dtype=object)

    end_label = label(seg_end)
    end_label[seg_end == T - 1] = None
    mode_names = MODE_NAMES[seg_mode]
    contracts = pd.DataFrame({
        "id": np.arange(1, len(seg_estate) + 1),
        "estate_id": seg_estate + 1,
        "company_id": seg_company + 1,
        "mode": mode_names,
        "start_month": label(seg_start),
        "end_month": end_label,
    })

    # Company rows: registered before their first contract.
    first_contract = np.full(n_comp, 10**6)
    np.minimum.at(first_contract, seg_company, seg_start)
    base_year = rng.integers(1996, 2019, n_comp)
    reg = np.array([f"{y}-01-01" for y in base_year], dtype="datetime64[D]") + rng.integers(
        0, 365, n_comp)
    has_first = first_contract < 10**6
    lead = rng.integers(3, 60, n_comp)
    first_idx = np.where(has_first, first_contract - lead, 0)
    first_date = np.array([f"{2019 + i // 12:04d}-{i % 12 + 1:02d}-01" for i in first_idx],
                          dtype="datetime64[D]")
    reg = np.where(has_first & (first_date < reg), first_date, reg)
    reg = np.maximum(reg, np.datetime64("1993-01-01"))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[np.argsort(-size, kind="stable")] = np.arange(n_comp)
    party_p = np.clip(0.45 + 0.08 * np.log(size) + 0.1, 0.2, 0.95)
    companies = pd.DataFrame({
        "id": np.arange(1, n_comp + 1),
        "code": [f"WHWY{i:04d}" for i in range(1, n_comp + 1)],
        "name": _company_names(rng, home, list(geo.districts["code"]), rank),
        "registered_on": [d.item() for d in reg],
        "party_org": rng.random(n_comp) < party_p,
    })
    return _Management(contracts=contracts, company=company, mode=mode, lagging=lagging,
                       pilots=pilots, deteriorating=deteriorating, companies=companies,
                       quality=np.r_[0.0, quality])


# --- facts ------------------------------------------------------------------------------

#: Complaint volume by calendar month: summer peak, winter (heating) secondary peak.
SEASON = np.array([1.15, 1.05, 0.85, 0.85, 0.95, 1.12, 1.40, 1.42, 1.05, 0.85, 0.90, 1.08])
_CATEGORY_BASE = {
    "cleaning": 0.16, "security": 0.08, "parking": 0.12, "elevators": 0.08,
    "fire_safety": 0.05, "ebike_charging": 0.06, "fees": 0.10, "public_income": 0.03,
    "greening": 0.06, "water_leaks": 0.09, "noise": 0.07, "other": 0.10,
}
_CATEGORY_MONTH = {  # multipliers by calendar month
    "greening": {3: 1.3, 4: 1.4, 5: 1.4, 6: 2.0, 7: 2.3, 8: 2.2, 9: 1.4},
    "noise": {6: 1.5, 7: 1.9, 8: 1.9, 9: 1.3},
    "water_leaks": {6: 1.4, 7: 1.8, 8: 1.8, 12: 1.3, 1: 1.4, 2: 1.3},
    "ebike_charging": {6: 1.3, 7: 1.4, 8: 1.4},
    "cleaning": {7: 1.2, 8: 1.2},
    "fire_safety": {11: 1.3, 12: 1.6, 1: 1.7, 2: 1.6},
    "fees": {12: 1.5, 1: 1.6, 2: 1.2},
    "parking": {1: 1.3, 2: 1.4},
}
_CATEGORY_UNMANAGED = {"cleaning": 1.8, "security": 1.5, "parking": 1.4, "fees": 0.25,
                       "public_income": 0.3, "elevators": 0.5}
_LEVELS_EARLY = np.array([0.33, 0.30, 0.23, 0.14])  # estate, community, street, district
_LEVELS_LATE = np.array([0.64, 0.24, 0.09, 0.03])
_ASSESSOR_BIAS = {"community": 1.5, "street": 0.5, "district": 0.0, "owners": -2.5,
                  "experts": 0.5}
_DIMENSION_OFFSET = {"service_quality": 0.0, "owner_satisfaction": -1.0,
                     "complaint_handling": 0.5, "disclosure": 3.5, "safety": 1.0,
                     "party_building": 0.0}


@dataclass
class _Calendar:
    months: list[str]
    years: np.ndarray       # calendar year per month
    year_idx: np.ndarray    # index into unique years per month
    unique_years: np.ndarray
    moy: np.ndarray         # 1..12
    starts: np.ndarray      # datetime64[D]
    days: np.ndarray
    story_t: int            # index of STORY_START (T when outside the history)


def _calendar(months: list[str]) -> _Calendar:
    years = np.array([int(m[:4]) for m in months])
    unique_years = np.unique(years)
    starts, days = _month_dates(months)
    return _Calendar(months=months, years=years,
                     year_idx=np.searchsorted(unique_years, years), unique_years=unique_years,
                     moy=np.array([int(m[5:7]) for m in months]), starts=starts, days=days,
                     story_t=months.index(STORY_START) if STORY_START in months else len(months))


@dataclass
class _Facts:
    fee: pd.DataFrame
    survey: pd.DataFrame
    complaints: pd.DataFrame
    assessment: pd.DataFrame


def _facts(rng: np.random.Generator, scale: DemoScale, est: _Estates, man: _Management,
           cal: _Calendar) -> _Facts:
    n, T = man.company.shape
    t = np.arange(T)
    managed = (man.mode == MODE_PROFESSIONAL) | (man.mode == MODE_BUNDLE)
    effects = _Effects(
        managed=managed,
        q=man.quality[man.company] * managed,
        u=rng.normal(0.0, 1.0, n)[:, None],
        old=est.old[:, None],
        lag=np.isin(est.street, man.lagging)[:, None],
        det=((man.company > 0) & np.isin(man.company - 1, man.deteriorating)
             & (t >= cal.story_t)[None, :])
        * np.clip((t - cal.story_t + 1) / 3.0, 0.0, 1.0)[None, :],
        year_cells=np.broadcast_to(cal.year_idx[None, :], (n, T)).ravel(),
    )
    survey, sat_logit = _survey(rng, scale, est, man, cal, effects)
    fee = _fees(rng, scale, est, man, cal, effects)
    counts = _complaint_counts(rng, scale, est, man, cal, effects)
    complaints = _complaints(rng, scale, man, cal, counts, effects)
    del counts
    assessment = _assessment(rng, scale, man, cal, sat_logit, effects.u[:, 0])
    return _Facts(fee=fee, survey=survey, complaints=complaints, assessment=assessment)


@dataclass
class _Effects:
    """Per estate-month drivers shared by every fact (arrays broadcast to N × T)."""

    managed: np.ndarray     # professional or bundle
    q: np.ndarray           # quality of the serving company (0 when none)
    u: np.ndarray           # estate latent (N × 1)
    old: np.ndarray         # built before 2006 (N × 1)
    lag: np.ndarray         # in a lagging street (N × 1)
    det: np.ndarray         # deteriorating-company story strength 0..1
    year_cells: np.ndarray  # year index of every cell, flattened


def _survey(rng: np.random.Generator, scale: DemoScale, est: _Estates, man: _Management,
            cal: _Calendar, fx: _Effects) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly satisfaction survey of every estate (unmanaged ones too)."""
    n, T = man.company.shape
    targets = _year_values(scale.satisfaction, cal.unique_years)
    path = _smooth_path(cal.year_idx, targets, _logit, _sigmoid) + rng.normal(0, 0.04, T)
    mode_effect = np.array([-1.7, 0.0, -0.35, -0.8])[man.mode]
    x = (0.45 * fx.q + 0.35 * fx.u + mode_effect + 0.08 * est.smart[:, None]
         + 0.1 * est.party[:, None] - 0.2 * fx.old - 0.4 * fx.lag - 1.6 * fx.det
         + rng.normal(0.0, 0.15, (n, T)) + path[None, :])
    respondents = np.minimum(est.households[:, None], rng.integers(10, 41, (n, T)))
    delta = _calibrate_logit(x.ravel(), fx.year_cells, respondents.ravel().astype(float),
                             targets)
    x += delta[cal.year_idx][None, :]
    satisfied = rng.binomial(respondents, _sigmoid(x))
    months = np.tile(np.array(cal.months, dtype=object), n)
    survey = pd.DataFrame({
        "estate_id": np.repeat(np.arange(1, n + 1), T),
        "period": months,
        "span": "month",
        "start_month": months,
        "end_month": months,
        "respondents": respondents.ravel(),
        "satisfied": satisfied.ravel(),
    })
    return survey, x


def _fees(rng: np.random.Generator, scale: DemoScale, est: _Estates, man: _Management,
          cal: _Calendar, fx: _Effects) -> pd.DataFrame:
    """One fee row per managed estate-month."""
    n, T = man.company.shape
    targets = _year_values(scale.payment, cal.unique_years)
    path = _smooth_path(cal.year_idx, targets, _logit, _sigmoid) + rng.normal(0, 0.03, T)
    y = (0.35 * fx.q + 0.25 * fx.u - 0.3 * fx.old - 0.45 * (man.mode == MODE_BUNDLE)
         - 0.3 * fx.lag - 0.75 * fx.det + rng.normal(0.0, 0.08, (n, T)) + path[None, :])
    households = est.households[:, None]
    weight = (households * fx.managed).astype(float)
    delta = _calibrate_logit(y.ravel(), fx.year_cells, weight.ravel(), targets)
    y += delta[cal.year_idx][None, :]
    paid = rng.binomial(np.broadcast_to(households, (n, T)), _sigmoid(y)).ravel()
    cells = np.flatnonzero(fx.managed.ravel())
    e_cell, t_cell = np.divmod(cells, T)
    billed_amount = np.round(est.fee * est.area, 2)[e_cell]
    return pd.DataFrame({
        "estate_id": e_cell + 1,
        "month": np.array(cal.months, dtype=object)[t_cell],
        "households_billed": est.households[e_cell],
        "households_paid": paid[cells],
        "amount_billed_yuan": billed_amount,
        "amount_collected_yuan": np.round(
            billed_amount * paid[cells] / est.households[e_cell], 2),
    })


def _complaint_counts(rng: np.random.Generator, scale: DemoScale, est: _Estates,
                      man: _Management, cal: _Calendar, fx: _Effects) -> np.ndarray:
    """Complaints per estate-month, Poisson around a calibrated annual rate."""
    n, T = man.company.shape
    targets = _year_values(scale.complaint_rate, cal.unique_years)
    path = np.exp(_smooth_path(cal.year_idx, targets, np.log, np.exp)
                  + rng.normal(0, 0.05, T))
    lam = (np.exp(-0.35 * fx.q - 0.3 * fx.u) * np.array([1.8, 1.0, 1.25, 1.2])[man.mode]
           * np.where(fx.old, 1.25, 1.0) * np.where(fx.lag, 2.0, 1.0) * (1.0 + 3.0 * fx.det)
           * rng.lognormal(0.0, 0.15, (n, T)))
    lam *= est.households[:, None] / 12.0 * (path * SEASON[cal.moy - 1])[None, :]
    months_per_year = np.bincount(cal.year_idx)
    wanted = targets * est.households.sum() * months_per_year / 12.0
    got = np.bincount(fx.year_cells, lam.ravel(), minlength=len(targets))
    lam *= (wanted / got)[cal.year_idx][None, :]
    return rng.poisson(lam)


def _category_table(cal: _Calendar) -> np.ndarray:
    """Category mix per (year, calendar month, unmanaged) group."""
    categories = list(schema.COMPLAINT_CATEGORIES)
    base = np.array([_CATEGORY_BASE[c] for c in categories])
    unmanaged = np.array([_CATEGORY_UNMANAGED.get(c, 1.0) for c in categories])
    table = np.zeros((len(cal.unique_years) * 12 * 2, len(categories)))
    for yi, year in enumerate(cal.unique_years):
        for m in range(1, 13):
            row = base * np.array([_CATEGORY_MONTH.get(c, {}).get(m, 1.0) for c in categories])
            row[categories.index("ebike_charging")] *= 1.0 + 0.12 * (year - 2019)
            row[categories.index("public_income")] *= 1.0 + 0.06 * (year - 2019)
            table[(yi * 12 + m - 1) * 2] = row
            table[(yi * 12 + m - 1) * 2 + 1] = row * unmanaged
    return table


def _complaints(rng: np.random.Generator, scale: DemoScale, man: _Management, cal: _Calendar,
                counts: np.ndarray, fx: _Effects) -> pd.DataFrame:
    """One row per complaint, ids and codes in order of receipt."""
    n, T = counts.shape
    e_idx, t_idx = np.divmod(np.repeat(np.arange(n * T), counts.ravel()), T)
    total = len(e_idx)

    # Channel: hotline about 55 %, the TV column 5 %, the app growing over time.
    assert schema.CHANNELS == ("hotline", "tv", "app", "walk_in", "street_office")
    app = np.clip(0.05 + 0.036 * (cal.unique_years - 2019), 0.05, 0.32)
    rest = 1.0 - 0.55 - 0.05 - app
    channel_table = np.column_stack([np.full(len(app), 0.55), np.full(len(app), 0.05), app,
                                     rest * 0.6, rest * 0.4])
    channel = _sample_categorical(rng, channel_table, cal.year_idx[t_idx]).astype(np.int8)

    # Receipt time: a day of the month and an hour that fits the channel.
    seconds = rng.uniform(8.5, 17.5, total) * 3600                 # walk-in, street office
    hotline = np.where(rng.random(total) < 0.6, rng.normal(10.0, 1.8, total),
                       rng.normal(19.5, 1.8, total))
    seconds = np.where(channel == 0, np.clip(hotline, 6.0, 23.5) * 3600, seconds)
    del hotline
    seconds = np.where(channel == 1, rng.uniform(17.5, 18.5, total) * 3600, seconds)  # TV
    seconds = np.where(channel == 2, np.clip(rng.normal(20.0, 3.0, total), 0.0, 23.99) * 3600,
                       seconds)
    day = (rng.random(total) * cal.days[t_idx]).astype(np.int64)
    received = (cal.starts[t_idx].astype("datetime64[s]") + day * 86400
                + seconds.astype(np.int64))
    del seconds, day
    order = np.lexsort((np.arange(total), e_idx, received))
    e_idx, t_idx, received, channel = e_idx[order], t_idx[order], received[order], channel[order]
    del order

    year_i = cal.year_idx[t_idx]
    years_since = (cal.years[t_idx] - 2019) + (cal.moy[t_idx] - 1) / 12.0
    unmanaged = ~fx.managed[e_idx, t_idx]
    q_c = fx.q[e_idx, t_idx]
    det_c = fx.det[e_idx, t_idx]
    company = man.company[e_idx, t_idx]

    # Category: seasonal mix; unmanaged estates complain about the basics.
    group = (year_i * 12 + cal.moy[t_idx] - 1) * 2 + unmanaged
    category = _sample_categorical(rng, _category_table(cal), group).astype(np.int8)
    del group

    # Codes: TS + yyyymm + 7-digit sequence within the month.
    sequence = np.arange(total) - np.searchsorted(t_idx, t_idx, side="left") + 1
    yyyymm = cal.years[t_idx] * 100 + cal.moy[t_idx]
    codes = "TS" + pd.Series(yyyymm * 10_000_000 + sequence).astype(str)
    del sequence, yyyymm

    frame = derive_complaint_fields(pd.DataFrame({
        "received_at": pd.Series(received.astype("datetime64[ns]")),
    }))
    due = frame["response_due_at"].to_numpy().astype("datetime64[s]")
    last_day = cal.starts[-1] + cal.days[-1] - 1
    cutoff = last_day.astype("datetime64[s]") + 86399

    # On-time response, calibrated per year; late answers come after the deadline.
    targets = _year_values(scale.on_time, cal.unique_years)
    path = _smooth_path(cal.year_idx, targets, _logit, _sigmoid)
    z = path[t_idx] + 0.5 * q_c + 1.2 * (channel == 1) - 1.0 * det_c - 0.3 * unmanaged
    z += _calibrate_logit(z, year_i, np.ones(total), targets)[year_i]
    on_time = rng.random(total) < _sigmoid(z)
    window = (due - received).astype(np.int64)
    del due
    lag = np.exp(rng.normal(np.log(4 * 3600), 1.1, total)).astype(np.int64)
    lag = np.where(lag >= window - 60, rng.uniform(0.2, 0.95, total) * window, lag)
    lag = np.where(channel == 1, rng.integers(300, 3600, total), lag)   # answered on air
    lag = np.maximum(lag, 120).astype(np.int64)
    late = window + np.exp(rng.normal(np.log(30 * 3600), 0.9, total)).astype(np.int64) + 60
    responded = received + np.where(on_time, lag, late)
    del lag, late, window, on_time
    responded_ok = responded <= cutoff

    # Resolution, calibrated per year; recent complaints may still be open.
    targets = _year_values(scale.resolved, cal.unique_years)
    path = _smooth_path(cal.year_idx, targets, _logit, _sigmoid)
    z = path[t_idx] + 0.4 * q_c - 0.8 * det_c - 0.3 * unmanaged
    z += _calibrate_logit(z, year_i, np.ones(total), targets)[year_i]
    will_resolve = rng.random(total) < _sigmoid(z)
    del z
    # Most cases close within days; a quarter (repairs, disputes) take weeks.
    long_case = rng.random(total) < 0.25
    median = np.where(long_case, 20.0 * 86400, 2.0 * 86400)
    resolved = responded + (np.exp(rng.normal(np.log(median), 0.9)).astype(np.int64) + 600)
    del long_case, median
    resolved_ok = will_resolve & responded_ok & (resolved <= cutoff)
    del will_resolve

    # Level at which it was settled: more and more inside the estate.
    w = np.clip(years_since / 4.0, 0.0, 1.0)[:, None]
    probs = (1 - w) * _LEVELS_EARLY[None, :] + w * _LEVELS_LATE[None, :]
    probs[unmanaged] *= np.array([0.3, 1.6, 1.4, 1.2])
    probs = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    level = (rng.random(total)[:, None] >= probs[:, :-1]).sum(axis=1)
    del w, probs
    level_names = np.array(schema.RESOLVED_LEVELS, dtype=object)[level]
    level_names[~resolved_ok] = None

    # Resident feedback after resolution (not everyone answers).
    asked = rng.random(total) < 0.85
    p_happy = np.clip(0.62 + 0.07 * years_since, 0.62, 0.92) - 0.25 * det_c - 0.1 * unmanaged
    happy = rng.random(total) < p_happy
    feedback = np.full(total, None, dtype=object)
    answer = resolved_ok & asked
    feedback[answer] = happy[answer]
    del asked, p_happy, happy, answer

    phones = (rng.choice(_PHONE_PREFIXES, total) * 100_000_000
              + rng.integers(0, 100_000_000, total))

    frame["id"] = np.arange(1, total + 1)
    frame["code"] = codes
    frame["estate_id"] = e_idx + 1
    frame["company_id"] = _object_or_none(company, company > 0)
    frame["responded_at"] = np.where(responded_ok, responded, np.datetime64("NaT")
                                     ).astype("datetime64[ns]")
    frame["resolved_at"] = np.where(resolved_ok, resolved, np.datetime64("NaT")
                                    ).astype("datetime64[ns]")
    frame["channel"] = np.array(schema.CHANNELS, dtype=object)[channel]
    frame["category"] = np.array(schema.COMPLAINT_CATEGORIES, dtype=object)[category]
    frame["resolved_level"] = level_names
    frame["resident_satisfied"] = feedback
    frame["complainant_phone"] = pd.Series(phones).astype(str)
    return frame[["id", "code", "estate_id", "company_id", "received_at", "received_month",
                  "response_due_at", "responded_at", "resolved_at", "channel", "category",
                  "resolved_level", "resident_satisfied", "complainant_phone"]]


def _assessment(rng: np.random.Generator, scale: DemoScale, man: _Management, cal: _Calendar,
                sat_logit: np.ndarray, u: np.ndarray) -> pd.DataFrame:
    """Quarterly scores by every assessor on six dimensions for managed estates."""
    n, T = man.company.shape
    quarters = list(dict.fromkeys(quarter_of_month(m) for m in cal.months))
    q_of_month = np.array([quarters.index(quarter_of_month(m)) for m in cal.months])
    last_month = np.array([np.flatnonzero(q_of_month == k)[-1] for k in range(len(quarters))])
    company = man.company[:, last_month]                    # n × Q
    mode = man.mode[:, last_month]
    managed = (mode == MODE_PROFESSIONAL) | (mode == MODE_BUNDLE)
    # Estate satisfaction relative to the city in the quarter (logit).
    sat_q = np.stack([sat_logit[:, q_of_month == k].mean(axis=1) for k in range(len(quarters))],
                     axis=1)
    city = np.array([sat_q[managed[:, k], k].mean() if managed[:, k].any() else 0.0
                     for k in range(len(quarters))])
    resid = sat_q - city[None, :]
    raw = (0.6 * man.quality[company] + 0.25 * u[:, None] + 0.5 * resid
           + rng.normal(0.0, 0.45, company.shape))
    story_q = (quarters.index(quarter_of_month(STORY_START))
               if quarter_of_month(STORY_START) in quarters else len(quarters))
    det = managed & np.isin(company - 1, man.deteriorating) & (np.arange(len(quarters)) >=
                                                               story_q)[None, :]
    normal = managed & ~det
    z = np.zeros_like(raw)
    for k in range(len(quarters)):
        rows = normal[:, k]
        if rows.sum() > 1:
            z[rows, k] = (raw[rows, k] - raw[rows, k].mean()) / raw[rows, k].std()
    years = np.array([int(s[:4]) for s in quarters]) + (np.array([int(s[-1]) for s in quarters])
                                                        - 1) / 4.0
    mean = np.interp(years, [2019.0, 2021.75, 2030.0], [76.0, 83.6, 84.0])
    sd = np.interp(years, [2019.0, 2021.75, 2030.0], [8.5, 7.3, 7.3])
    score = mean[None, :] + sd[None, :] * z + rng.normal(0, 0.6, len(quarters))[None, :]
    score = np.where(det, 67.0 + rng.normal(0.0, 2.0, det.shape), score)
    score = np.where(det, np.minimum(score, 72.0), score)

    e_idx, k_idx = np.nonzero(managed)
    base = score[e_idx, k_idx]
    comp_ids = company[e_idx, k_idx]
    company_party = man.companies["party_org"].to_numpy()[comp_ids - 1]
    party_offset = np.where(company_party, 2.0, -4.0)
    frames = []
    offsets = np.array([_DIMENSION_OFFSET[d] for d in schema.ASSESSMENT_DIMENSIONS])
    offsets = offsets - offsets.mean()
    for assessor in scale.assessors:
        columns = {}
        for j, dim in enumerate(schema.ASSESSMENT_DIMENSIONS):
            extra = party_offset if dim == "party_building" else 0.0
            if dim == "owner_satisfaction":
                extra = 6.0 * resid[e_idx, k_idx]
            value = (base + _ASSESSOR_BIAS[assessor] + offsets[j] + extra
                     + rng.normal(0.0, 3.0, len(base)))
            columns[dim] = np.round(np.clip(value, 0.0, 100.0), 1)
        frames.append(pd.DataFrame({
            "estate_id": e_idx + 1,
            "quarter": np.array(quarters, dtype=object)[k_idx],
            "assessor": assessor,
            "company_id": comp_ids,
            **columns,
        }))
    result = pd.concat(frames, ignore_index=True)
    return result.sort_values(["quarter", "estate_id", "assessor"], kind="stable",
                              ignore_index=True)


# --- the public entry point ---------------------------------------------------------------


def build_demo(engine: Engine, scale: str = "city", seed: int = 42, end_month: str | None = None,
               progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Empty the database and fill it with a synthetic history (2019-01 .. ``end_month``)."""
    started = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {sorted(SCALES)}")
    params = SCALES[scale]
    end_month = end_month or default_end_month()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(end_month)):
        raise ValueError(f"end_month must look like YYYY-MM, not {end_month!r}")
    if end_month < DATA_START:
        raise ValueError(f"end_month {end_month} is before the data start {DATA_START}")
    say = progress or (lambda _message: None)

    rng = np.random.default_rng(seed)
    months = month_range(DATA_START, end_month)
    cal = _calendar(months)
    say(f"demo {scale}: geography")
    geo = build_geography(rng, params.streets_per_district, params.communities_per_street)
    say(f"demo {scale}: estates, companies and contracts")
    est = _make_estates(rng, params, geo)
    committees = _committees(rng, params, est, months)
    man = _manage(rng, params, geo, est, months)
    estates = est.frame.copy()
    final_company = man.company[:, -1]
    estates["management_mode"] = MODE_NAMES[man.mode[:, -1]]
    estates["company_id"] = _object_or_none(final_company, final_company > 0)
    estates["owners_committee"] = np.array([d is not None for d in committees])
    estates["committee_formed_on"] = committees
    say(f"demo {scale}: monthly facts")
    facts = _facts(rng, params, est, man, cal)

    codes = geo.streets["code"].to_numpy()
    company_codes = man.companies["code"].to_numpy()
    stories = {
        "deteriorating_companies": [str(company_codes[c]) for c in man.deteriorating],
        "unmanaged_cluster_street": str(codes[est.cluster_street]),
        "lagging_streets": [str(codes[s]) for s in man.lagging],
        "bundle_pilot_streets": [str(codes[s]) for s in man.pilots],
    }
    last_day = cal.starts[-1] + cal.days[-1] - 1
    milestones = [m for m in MILESTONES if np.datetime64(m[0]) <= last_day]
    milestone_frame = pd.DataFrame({
        "id": np.arange(1, len(milestones) + 1),
        "on_date": [m[0] for m in milestones],
        "label_zh": [m[1] for m in milestones],
        "label_en": [m[2] for m in milestones],
    })
    meta = {
        "source": "demo",
        "scale": scale,
        "seed": str(seed),
        "end_month": end_month,
        "built_at": dt.datetime.now().isoformat(timespec="seconds"),
        "data_start": DATA_START,
        "data_end": end_month,
        "demo_stories": json.dumps(stories, ensure_ascii=False),
    }
    meta_frame = pd.DataFrame({"key": list(meta), "value": list(meta.values())})
    streets = geo.streets.drop(columns=["centre_lon", "centre_lat"])

    households = int(est.households.sum())
    n_complaints = len(facts.complaints)
    writes = [
        (schema.district, geo.districts), (schema.street, streets),
        (schema.community, geo.communities), (schema.company, man.companies),
        (schema.estate, estates), (schema.contract, man.contracts),
        (schema.fee_month, facts.fee), (schema.survey, facts.survey),
        (schema.complaint, facts.complaints), (schema.assessment, facts.assessment),
        (schema.milestone, milestone_frame), (schema.meta, meta_frame),
    ]
    # Only ``writes`` holds the frames from here, so each is freed once written.
    del facts, estates, man, est, geo, streets, milestone_frame, meta_frame
    with engine.begin() as conn:
        say(f"demo {scale}: emptying the database")
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(table.delete())
        while writes:
            table, frame = writes.pop(0)
            say(f"demo {scale}: writing {table.name} ({len(frame):,} rows)")
            bulk_insert(conn, table, frame)
            del frame
        say(f"demo {scale}: refreshing summaries")
        from data_access.summary import refresh_summaries
        refresh_summaries(conn)
    seconds = time.perf_counter() - started
    say(f"demo {scale}: done in {seconds:.1f} s")
    return DemoSummary(scale=scale, seed=seed, end_month=end_month, estates=params.estates,
                       households=households, companies=params.companies,
                       complaints=n_complaints, seconds=round(seconds, 2))
