"""What a viewer may see (:class:`Scope`) and what they chose to look at (:class:`Filters`).

Both are frozen dataclasses: hashable (cache keys), comparable, and cheap to build. The
scope comes from who the viewer is (login comes later: today everyone sees everything);
the filters come from widgets and the URL. Every data-access query takes both and
applies them in SQL through :func:`area_clause`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, select, true

from data_access.periods import Period, PeriodError
from data_access.schema import district, street


@dataclass(frozen=True)
class Scope:
    """The districts and streets a viewer may see; ``None`` means no restriction.

    A street office's scope is ``Scope(street_codes=frozenset({"371002001"}))``; a
    leader's is :meth:`everything`.
    """

    district_codes: frozenset[str] | None = None
    street_codes: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> "Scope":
        return cls()

    @property
    def is_everything(self) -> bool:
        return self.district_codes is None and self.street_codes is None


@dataclass(frozen=True)
class Filters:
    """The viewer's choices: a period and optionally one district and one street (codes).

    ``period`` is a canonical period key (``2021``, ``2021-Q3``, ``2021-06``).
    """

    period: str
    district: str | None = None
    street: str | None = None

    URL_KEYS = ("period", "district", "street")

    def __post_init__(self) -> None:
        object.__setattr__(self, "period", Period.parse(self.period).key)

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)

    def with_period(self, period: Period | str) -> "Filters":
        return replace(self, period=str(period))

    def to_query_params(self) -> dict[str, str]:
        """The filters as URL query parameters (only those that are set)."""
        params = {"period": self.period}
        if self.district:
            params["district"] = self.district
        if self.street:
            params["street"] = self.street
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str], default_period: str) -> "Filters":
        """Filters from URL parameters; an unparseable period falls back to the default."""
        period = params.get("period") or default_period
        try:
            period = Period.parse(period).key
        except PeriodError:
            period = default_period
        return cls(period=period, district=params.get("district") or None,
                   street=params.get("street") or None)

    def describe(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        """Words for exports and captions: '2021年 · 环翠区 · 海滨街道' / '2021 · Huancui'.

        ``names`` maps district/street codes to display names in ``lang``.
        """
        names = names or {}
        everywhere = "全市" if lang == "zh" else "Whole city"
        parts = [self.period_obj.label(lang)]
        if self.district:
            parts.append(names.get(self.district, self.district))
        if self.street:
            parts.append(names.get(self.street, self.street))
        if not self.district and not self.street:
            parts.append(everywhere)
        return " · ".join(parts)


def area_clause(street_id_column, scope: Scope, filters: Filters | None = None) -> ColumnElement:
    """SQL condition restricting rows with ``street_id_column`` to scope ∩ filters.

    Uses sub-selects on the street and district tables with bound parameters, so it can
    be applied to any table that carries a street id.
    """
    conditions: list[ColumnElement] = []

    def streets_in_districts(codes):
        return select(street.c.id).join(district, district.c.id == street.c.district_id).where(
            district.c.code.in_(sorted(codes)))

    def streets_with_codes(codes):
        return select(street.c.id).where(street.c.code.in_(sorted(codes)))

    if scope.district_codes is not None:
        conditions.append(street_id_column.in_(streets_in_districts(scope.district_codes)))
    if scope.street_codes is not None:
        conditions.append(street_id_column.in_(streets_with_codes(scope.street_codes)))
    if filters is not None and filters.district:
        conditions.append(street_id_column.in_(streets_in_districts({filters.district})))
    if filters is not None and filters.street:
        conditions.append(street_id_column.in_(streets_with_codes({filters.street})))
    return and_(true(), *conditions)


def district_area_clause(district_id_column, scope: Scope, filters: Filters | None = None
                         ) -> ColumnElement:
    """SQL condition restricting rows with ``district_id_column`` to scope ∩ filters, for
    tables summed per district. Only for a scope and filters without streets (a street
    cannot be told apart in such a table): raises ValueError otherwise."""
    if scope.street_codes is not None or (filters is not None and filters.street):
        raise ValueError("a per-district table cannot be restricted to streets")

    def districts_with_codes(codes):
        return select(district.c.id).where(district.c.code.in_(sorted(codes)))

    conditions: list[ColumnElement] = []
    if scope.district_codes is not None:
        conditions.append(district_id_column.in_(districts_with_codes(scope.district_codes)))
    if filters is not None and filters.district:
        conditions.append(district_id_column.in_(districts_with_codes({filters.district})))
    return and_(true(), *conditions)
