"""What each importable table looks like: columns, headers, coded values, natural keys.

Every column accepts its English header (``estate_code``) or its Chinese header
(``小区编码``); a header may carry both and a required mark, as the templates write them
(``estate_code* (小区编码)``). Coded values are accepted in English or Chinese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from data_access import schema

# --- coded values ---------------------------------------------------------------------

#: Accepted spellings of each coded value (the key itself is always accepted).
MANAGEMENT_MODE_NAMES = {
    "professional": ("专业物业", "专业物业服务", "专业化物业", "物业公司", "专业"),
    "bundle": ("大物业", "街道大物业", "片区大物业", "大物业模式"),
    "self": ("自管", "业主自管", "自行管理", "自治", "自管小区"),
    "unmanaged": ("无物业", "脱管", "脱管小区", "无人管理", "none"),
}
CHANNEL_NAMES = {
    "hotline": ("12345热线", "12345", "热线", "市民热线", "12345 hotline"),
    "tv": ("电视问政", "电视", "问政", "tv show"),
    "app": ("手机应用", "手机app", "小程序", "网络", "网上"),
    "walk_in": ("来访", "来访接待", "上门", "walk-in", "walkin", "visit"),
    "street_office": ("街道", "街道办", "街道办事处", "street office"),
}
RESOLVED_LEVEL_NAMES = {
    "estate": ("小区",),
    "community": ("社区",),
    "street": ("街道", "镇街", "乡镇", "街镇"),
    "district": ("区县", "区", "县", "区级"),
}
ASSESSOR_NAMES = {
    "community": ("社区",),
    "street": ("街道", "镇街", "乡镇", "街镇"),
    "district": ("区县", "区", "县", "区级", "住建局"),
    "owners": ("业主", "业主代表"),
    "experts": ("专家", "专家组"),
}
CATEGORY_NAMES = {
    "cleaning": ("保洁", "环境卫生", "卫生"),
    "security": ("安保", "治安", "安全"),
    "parking": ("停车",),
    "elevators": ("电梯",),
    "fire_safety": ("消防",),
    "ebike_charging": ("电动车充电", "电动车"),
    "fees": ("物业费", "收费"),
    "public_income": ("公共收益",),
    "greening": ("绿化",),
    "water_leaks": ("漏水", "渗漏"),
    "noise": ("噪音", "噪声"),
    "other": ("其他", "其它"),
}
#: Chinese display names of coded values (first spelling), for templates and exports.
CODE_SETS = {
    "management_mode": MANAGEMENT_MODE_NAMES,
    "channel": CHANNEL_NAMES,
    "resolved_level": RESOLVED_LEVEL_NAMES,
    "assessor": ASSESSOR_NAMES,
    "category": CATEGORY_NAMES,
}
assert set(MANAGEMENT_MODE_NAMES) == set(schema.MANAGEMENT_MODES)
assert set(CHANNEL_NAMES) == set(schema.CHANNELS)
assert set(RESOLVED_LEVEL_NAMES) == set(schema.RESOLVED_LEVELS)
assert set(ASSESSOR_NAMES) == set(schema.ASSESSORS)
assert set(CATEGORY_NAMES) == set(schema.COMPLAINT_CATEGORIES)

_LOOKUP_DROP = re.compile(r"[\s_\-·・]+")


def lookup_key(text: str) -> str:
    """The form a typed value or header is compared in: NFKC, lower case, no spaces,
    underscores or dashes (``Walk-In`` → ``walkin``)."""
    return _LOOKUP_DROP.sub("", unicodedata.normalize("NFKC", str(text)).strip().lower())


def code_lookup(code_set: str) -> dict[str, str]:
    """{lookup form of every accepted spelling: key} for one coded-value set."""
    result: dict[str, str] = {}
    for key, names in CODE_SETS[code_set].items():
        for name in (key, *names):
            result[lookup_key(name)] = key
    return result


def code_label_zh(code_set: str, key: str) -> str:
    return CODE_SETS[code_set][key][0]


def accepted_values(code_set: str) -> str:
    """'professional/专业物业, bundle/大物业, …' for messages and templates."""
    return ", ".join(f"{key}/{names[0]}" for key, names in CODE_SETS[code_set].items())


# --- columns and tables -----------------------------------------------------------------

#: Value kinds the parser knows (see data_access.importing.values).
KINDS = ("text", "int", "float", "bool", "month", "period", "quarter", "date", "datetime",
         "code", "category", "phone")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import file."""

    name: str                   # English header, also the key used in code
    zh: str                     # Chinese header
    kind: str                   # one of KINDS
    required: bool = False
    code_set: str | None = None  # for kind "code"
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    template: bool = True        # shown in the template (False: accepted extra column)
    note_en: str = ""
    note_zh: str = ""
    example: str = ""

    def header(self) -> str:
        """Template header: ``estate_code* (小区编码)``."""
        return f"{self.name}{'*' if self.required else ''} ({self.zh})"


@dataclass(frozen=True)
class TableSpec:
    """One importable table: its columns in template order and its natural key."""

    name: str            # estates, companies, fees, surveys, complaints, assessments
    zh: str
    db_table: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]  # natural key, as column names of this spec
    rank: int             # write order: companies, estates, then the rest
    note_en: str = ""
    note_zh: str = ""
    by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def template_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.template)


def _c(name, zh, kind, required=False, **kwargs) -> ColumnSpec:
    return ColumnSpec(name, zh, kind, required, **kwargs)


_SCORES = tuple(
    _c(dimension, zh, "float", minimum=0, maximum=100, example=example)
    for dimension, zh, example in zip(
        schema.ASSESSMENT_DIMENSIONS,
        ("服务质量", "业主满意", "投诉处理", "信息公开", "安全管理", "党建引领"),
        ("92", "88.5", "90", "100", "95", "85"),
    )
)

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec("companies", "物业企业", "company", (
        _c("company_code", "企业编码", "text", True, max_length=32, example="C001",
           note_en="unique code of the company", note_zh="企业唯一编码"),
        _c("company_name", "企业名称", "text", True, max_length=128,
           example="威海安居物业服务有限公司"),
        _c("registered_on", "注册日期", "date", example="2008-05-12"),
        _c("party_org", "党组织", "bool", example="是",
           note_en="has a party organisation: yes/no", note_zh="是否建立党组织：是/否"),
    ), key=("company_code",), rank=0),
    TableSpec("estates", "小区", "estate", (
        _c("estate_code", "小区编码", "text", True, max_length=32, example="E0001"),
        _c("estate_name", "小区名称", "text", True, max_length=128, example="海景花园"),
        _c("district", "区县", "text", True, max_length=64, example="环翠区",
           note_en="district name (created when new)", note_zh="区县名称（不存在时自动创建）"),
        _c("street", "街道", "text", True, max_length=64, example="海滨街道",
           note_en="street name (created when new)", note_zh="街道名称（不存在时自动创建）"),
        _c("community", "社区", "text", max_length=64, example="海滨社区"),
        _c("address", "地址", "text", max_length=256, example="海滨北路12号"),
        _c("longitude", "经度", "float", example="122.12",
           note_en="WGS84, 73–136", note_zh="WGS84坐标，73–136"),
        _c("latitude", "纬度", "float", example="37.51",
           note_en="WGS84, 3–54", note_zh="WGS84坐标，3–54"),
        _c("households", "户数", "int", True, minimum=1, example="320"),
        _c("floor_area_m2", "建筑面积", "float", minimum=0, example="28000",
           note_en="m²", note_zh="平方米"),
        _c("build_year", "建成年份", "int", minimum=1900, example="2003"),
        _c("fee_yuan_m2_month", "物业费标准", "float", minimum=0, example="1.2",
           note_en="yuan per m² per month", note_zh="元/平方米·月"),
        _c("management_mode", "管理模式", "code", True, code_set="management_mode",
           example="专业物业"),
        _c("company_code", "企业编码", "text", max_length=32, example="C001",
           note_en="required for professional and bundle estates",
           note_zh="专业物业、大物业必填"),
        _c("owners_committee", "业委会", "bool", example="是"),
        _c("committee_formed_on", "业委会成立日期", "date", example="2020-06-15"),
        _c("party_org", "党组织", "bool", example="否"),
        _c("smart_star", "智慧星级", "int", minimum=0, maximum=5, example="3"),
    ), key=("estate_code",), rank=1),
    TableSpec("fees", "物业费收缴", "fee_month", (
        _c("estate_code", "小区编码", "text", True, max_length=32, example="E0001"),
        _c("month", "月份", "month", True, example="2024-03"),
        _c("households_billed", "应缴户数", "int", True, minimum=0, example="320"),
        _c("households_paid", "实缴户数", "int", True, minimum=0, example="281"),
        _c("amount_billed_yuan", "应收金额", "float", minimum=0, example="34560"),
        _c("amount_collected_yuan", "实收金额", "float", minimum=0, example="30348"),
    ), key=("estate_code", "month"), rank=2),
    TableSpec("surveys", "满意度调查", "survey", (
        _c("estate_code", "小区编码", "text", True, max_length=32, example="E0001"),
        _c("period", "期间", "period", True, example="2024-Q1",
           note_en="a month (2024-03), a quarter (2024-Q1, 2024年一季度) or a year (2024)",
           note_zh="月（2024-03）、季度（2024-Q1、2024年一季度）或年（2024）"),
        _c("respondents", "受访户数", "int", True, minimum=0, example="40"),
        _c("satisfied", "满意户数", "int", True, minimum=0, example="36"),
    ), key=("estate_code", "period"), rank=2),
    TableSpec("complaints", "投诉", "complaint", (
        _c("complaint_id", "投诉编号", "text", True, max_length=64, example="TS2024030500012"),
        _c("estate_code", "小区编码", "text", True, max_length=32, example="E0001"),
        _c("received_at", "受理时间", "datetime", True, example="2024-03-05 14:20"),
        _c("channel", "渠道", "code", True, code_set="channel", example="12345热线"),
        _c("category", "类别", "category", True, max_length=64, example="电梯",
           note_en="known categories in English or Chinese; other text is kept as written",
           note_zh="已知类别可用中英文；其他文字按原样保存"),
        _c("responded_at", "回复时间", "datetime", example="2024-03-06 09:00"),
        _c("resolved_at", "办结时间", "datetime", example="2024-03-08 17:30"),
        _c("resolved_level", "办结层级", "code", code_set="resolved_level", example="小区"),
        _c("resident_satisfied", "是否满意", "bool", example="是"),
        _c("complainant_phone", "联系电话", "phone", max_length=32, example="13800000000",
           note_en="personal data: kept by the bureau, never shown or logged",
           note_zh="个人信息：仅主管部门保存，不公开、不记录日志"),
        _c("company_code", "企业编码", "text", max_length=32, template=False,
           note_en="optional; when the column is absent the estate's current company "
                   "is used for new complaints",
           note_zh="可选；无此列时新投诉取小区当前物业企业"),
    ), key=("complaint_id",), rank=2),
    TableSpec("assessments", "考核评分", "assessment", (
        _c("estate_code", "小区编码", "text", True, max_length=32, example="E0001"),
        _c("company_code", "企业编码", "text", True, max_length=32, example="C001"),
        _c("quarter", "季度", "quarter", True, example="2024-Q1",
           note_en="2024-Q1, 2024Q1, 2024年一季度 or 2024年第一季度",
           note_zh="2024-Q1、2024Q1、2024年一季度或2024年第一季度"),
        _c("assessor", "考核主体", "code", True, code_set="assessor", example="街道"),
        *_SCORES,
    ), key=("estate_code", "quarter", "assessor"), rank=2),
)}

#: Import and write order.
TABLE_ORDER = tuple(sorted(TABLES, key=lambda name: (TABLES[name].rank,
                                                     list(TABLES).index(name))))

_TABLE_ALIASES = {lookup_key(alias): name for name, spec in TABLES.items()
                  for alias in (name, spec.zh, spec.db_table, name.rstrip("s"))}


def table_named(text: str) -> str | None:
    """The table for a name as a user may give it (``complaints``, ``投诉``, ``fee_month``)."""
    return _TABLE_ALIASES.get(lookup_key(text))


# --- headers -------------------------------------------------------------------------------

_HEADER_SPLIT = re.compile(r"[()（）\[\]【】/|｜,，;；:：]+")


def _header_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for spec in TABLES.values():
        for column in spec.columns:
            for alias in (column.name, column.zh):
                names.setdefault(lookup_key(alias), set()).add(column.name)
    return names


_HEADER_NAMES = _header_names()


def header_column(header: object) -> str | None:
    """The column name a header cell stands for, or None.

    Accepts ``estate_code``, ``小区编码``, ``estate_code* (小区编码)``, ``*小区编码`` and
    the like: the whole header, or any of its parts split at brackets and slashes.
    """
    if header is None:
        return None
    text = unicodedata.normalize("NFKC", str(header)).replace("*", " ").strip()
    if not text:
        return None
    candidates = [text, *_HEADER_SPLIT.split(text)]
    for candidate in candidates:
        key = lookup_key(candidate)
        if key in _HEADER_NAMES:
            # every column name maps to itself; shared names (estate_code) are one column
            return next(iter(_HEADER_NAMES[key]))
    return None


@dataclass(frozen=True)
class HeaderMatch:
    """How a header row maps onto one table."""

    table: str | None
    columns: dict[str, int]             # column name → position in the row
    headers: dict[str, str]             # column name → header as written
    unknown: tuple[tuple[int, str], ...]  # (position, header) not recognised for the table
    duplicates: tuple[tuple[str, str], ...]  # (column name, header) seen twice
    candidates: tuple[str, ...] = ()     # tables tied for best, when ambiguous


def match_headers(row: list[object], table: str | None = None) -> HeaderMatch:
    """Map a header row to a table (the given one, or the best match)."""
    positions: dict[str, list[int]] = {}
    texts: dict[int, str] = {}
    for position, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        texts[position] = text
        column = header_column(text)
        if column:
            positions.setdefault(column, []).append(position)
    if table is None:
        scored = []
        for name, spec in TABLES.items():
            matched = sum(1 for column in spec.by_name if column in positions)
            missing = sum(1 for column in spec.required if column not in positions)
            scored.append((matched - missing, matched, name))
        scored.sort(reverse=True)
        best_score, best_matched, best = scored[0]
        tied = tuple(name for score, matched, name in scored
                     if (score, matched) == (best_score, best_matched))
        if best_matched < 2:
            return HeaderMatch(None, {}, {}, (), (), ())
        if len(tied) > 1:
            return HeaderMatch(None, {}, {}, (), (), tied)
        table = best
    spec = TABLES[table]
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    duplicates = []
    for column, found in positions.items():
        if column not in spec.by_name:
            continue
        columns[column] = found[0]
        headers[column] = texts[found[0]]
        duplicates.extend((column, texts[p]) for p in found[1:])
    used = {p for p in columns.values()} | {p for c, found in positions.items()
                                            if c in spec.by_name for p in found}
    unknown = tuple((p, texts[p]) for p in sorted(texts) if p not in used and texts[p])
    return HeaderMatch(table, columns, headers, unknown, tuple(duplicates))


def header_score(row: list[object]) -> int:
    """How many cells of a row are known headers (to find the header row)."""
    return sum(1 for cell in row if header_column(cell) is not None)
