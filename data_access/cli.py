"""Command line: ``python -m data_access COMMAND``.

Commands: ``init`` (empty database), ``migrate`` (upgrade the schema to this version's,
keeping the data), ``demo`` (build the synthetic demo city),
``ensure-demo`` (build it only when the database has no data), ``refresh`` (rebuild the
summary tables), ``kpis`` (headline metrics for a period and area), ``info``,
``templates DIR`` (blank import templates), ``import FILE...`` (validate and load the
bureau's CSV/XLSX files in one transaction), ``export`` (a table in the import format).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Sequence

from sqlalchemy import Engine, func, select

from data_access import metrics as metric_registry
from data_access import milestones
from data_access import queries
from data_access.config import database_url
from data_access.engine import make_engine
from data_access.filters import Filters, Scope
from data_access.migrations import SchemaError, migrate, schema_revision
from data_access.periods import Period, PeriodError
from data_access.schema import district, estate, street


class CliError(Exception):
    """A user error: printed without a traceback, exit code 2."""


def _safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _resolve_area(engine: Engine, district_name: str | None,
                  street_name: str | None) -> tuple[str | None, str | None, dict]:
    """District/street codes for names (Chinese or English names, or codes)."""
    district_code = street_code = None
    scope_out = {"district": None, "street": None}
    with engine.connect() as conn:
        if district_name:
            row = conn.execute(select(district.c.code, district.c.name).where(
                (district.c.name == district_name) | (district.c.name_en == district_name)
                | (district.c.code == district_name))).first()
            if row is None:
                known = ", ".join(conn.execute(select(district.c.name).order_by(
                    district.c.code)).scalars())
                raise CliError(f"unknown district {district_name!r}; known: {known}")
            district_code, scope_out["district"] = row.code, row.name
        if street_name:
            statement = select(street.c.code, street.c.name, district.c.code.label("dcode"),
                               district.c.name.label("dname")).join(
                district, district.c.id == street.c.district_id).where(
                (street.c.name == street_name) | (street.c.name_en == street_name)
                | (street.c.code == street_name))
            if district_code:
                statement = statement.where(district.c.code == district_code)
            rows = conn.execute(statement).all()
            if not rows:
                raise CliError(f"unknown street {street_name!r}"
                               + (f" in district {scope_out['district']}" if district_code else ""))
            if len(rows) > 1:
                raise CliError(f"street name {street_name!r} is ambiguous; add --district")
            street_code, scope_out["street"] = rows[0].code, rows[0].name
            district_code, scope_out["district"] = rows[0].dcode, rows[0].dname
    return district_code, street_code, scope_out


def _json_value(metric: metric_registry.Metric, value):
    """Counts as integers, rates as fractions rounded to 6 places, None as null."""
    if value is None:
        return None
    if metric.format == "count":
        return int(round(value))
    if isinstance(value, float):
        return round(value, 6)
    return value


def _pad(text: str, width: int) -> str:
    """Left-justify ``text`` to ``width`` terminal columns (CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 0)


def cmd_kpis(args: argparse.Namespace) -> int:
    try:
        period = Period.parse(args.period)
    except PeriodError as error:
        raise CliError(str(error)) from None
    engine = make_engine(args.db)
    district_code, street_code, scope_out = _resolve_area(engine, args.district, args.street)
    filters = Filters(period.key, district_code, street_code)
    result = queries.kpis(engine, Scope.everything(), filters)
    notes = []
    if not result.has_data:
        notes.append(f"no data for {period.key} in this area")
    if result.calendar_fallback_years:
        years = ", ".join(str(y) for y in result.calendar_fallback_years)
        notes.append(f"on-time response for {years} uses weekends only: the official "
                     f"holiday calendar does not cover these years")
    if args.json:
        payload = {
            "period": period.key,
            "scope": scope_out,
            "months": [result.first_month, result.last_month] if result.has_data else None,
            "metrics": {metric.key: _json_value(metric, result.values[metric.key])
                        for metric in metric_registry.METRICS},
            "notes": notes,
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    lang = args.lang
    area = " · ".join(v for v in (scope_out["district"], scope_out["street"]) if v) or (
        "全市" if lang == "zh" else "whole city")
    print(f"{period.label(lang)} · {area}")
    if result.has_data:
        print(f"({result.first_month} – {result.last_month})")
    width = 34
    for metric in metric_registry.METRICS:
        value = metric_registry.format_value(metric, result.values[metric.key], lang)
        target = metric_registry.format_target(metric, lang) or ""
        print(f"  {_pad(metric.label(lang), width)}{_pad(value, 10)} {target}")
    for note in notes:
        print(f"note: {note}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the schema to ``--to`` (default: this version's); ``init`` is the same."""
    engine = make_engine(args.db, create=False)
    result = migrate(engine, args.to)
    engine.dispose()
    print(result.describe())
    print(f"database ready: {_safe_url(args.db or database_url())}")
    return 0


def _has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(estate)).scalar())


def _build_demo(args: argparse.Namespace, engine: Engine) -> None:
    from data_access import demo

    started = time.perf_counter()
    summary = demo.build_demo(engine, scale=args.scale, seed=args.seed, end_month=args.end,
                              progress=lambda message: print(f"  {message}", flush=True))
    print(f"demo city built ({summary.scale}, seed {summary.seed}, through {summary.end_month}): "
          f"{summary.estates:,} estates, {summary.households:,} households, "
          f"{summary.companies:,} companies, {summary.complaints:,} complaints "
          f"in {time.perf_counter() - started:.1f} s")


def cmd_demo(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    if args.end:
        try:
            if Period.parse(args.end).kind != "month":
                raise PeriodError(args.end)
        except PeriodError:
            raise CliError(f"--end {args.end!r} is not a month like 2026-10") from None
    _build_demo(args, engine)
    return 0


def cmd_ensure_demo(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    if _has_data(engine):
        print(f"database already has data: {_safe_url(args.db or database_url())}")
        return 0
    _build_demo(args, engine)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from data_access.summary import refresh_summaries

    engine = make_engine(args.db)
    started = time.perf_counter()
    with engine.begin() as conn:
        result = refresh_summaries(conn)
    print(f"summary tables refreshed ({result.describe()} rebuild) in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    info = queries.get_meta(engine)
    span = queries.data_months(engine)
    with engine.connect() as conn:
        revision = schema_revision(conn)
    print(f"database: {_safe_url(args.db or database_url())}")
    print(f"schema revision: {revision}")
    print(f"data: {span[0]} – {span[1]}" if span else "data: none")
    for key in sorted(info):
        if key != "demo_stories":
            print(f"  {key}: {info[key]}")
    return 0


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table whose columns line up with CJK text."""
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([width(h)] + [width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(v, w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _import_table_name(name: str | None) -> str | None:
    from data_access.importing import TABLES, table_named

    if name is None:
        return None
    table = table_named(name)
    if table is None:
        raise CliError(f"unknown table {name!r}; choose one of {', '.join(TABLES)}")
    return table


def cmd_templates(args: argparse.Namespace) -> int:
    from data_access.importing import write_all_templates

    paths = write_all_templates(args.directory)
    for path in paths:
        print(path)
    print(f"{len(paths)} templates written to {args.directory}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from data_access.importing import import_files

    table = _import_table_name(args.table)
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise CliError(f"no such file: {', '.join(missing)}")
    engine = make_engine(args.db)
    last = [-1.0]

    def progress(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            last[0] = fraction
            print(f"  {fraction * 100:5.1f}%  {message}", file=sys.stderr, flush=True)

    report = import_files(engine, args.files, dry_run=args.dry_run, table=table,
                          user=args.user, progress=None if args.quiet else progress)
    lang = args.lang
    if report.results:
        print(_table(("file", "sheet", "table", "rows", "inserted", "updated", "unchanged",
                      "rejected"),
                     [(r.file, r.sheet or "", r.table, r.rows, r.inserted, r.updated,
                       r.unchanged, r.rejected) for r in report.results]))
    if report.created:
        print("created: " + ", ".join(f"{count} {name}" for name, count in
                                      sorted(report.created.items())))
    if report.problems:
        print()
        print(_table(("severity", "file", "sheet", "row", "column", "value", "reason"),
                     [(p.severity, p.file, p.sheet or "", "" if p.row is None else p.row,
                       p.column or "", p.value or "", p.reason(lang))
                      for p in report.problems]))
    print()
    if not report.ok:
        print(f"import rejected: {report.error_count} error(s); nothing was written")
        return 1
    if args.dry_run:
        print(f"dry run: no errors; nothing was written ({report.seconds:.1f} s)")
    else:
        print(f"imported in {report.seconds:.1f} s")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from data_access.importing import write_export

    table = _import_table_name(args.table)
    engine = make_engine(args.db)
    with open(args.out, "wb") as handle:
        count = write_export(engine, table, args.format, handle, lang=args.lang)
    print(f"{count:,} {table} rows written to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_access",
                                     description="Red Property dashboard data tools")
    parser.add_argument("--db", help="SQLAlchemy URL (default: DASHBOARD_DB_URL, "
                        ".streamlit/secrets.toml, then var/dashboard.sqlite)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="create an empty database (schema only)").set_defaults(
        handler=cmd_migrate, to="head")
    migrator = commands.add_parser(
        "migrate", help="upgrade the schema to this version's, keeping the data",
        description="Upgrade the database's schema (Alembic revisions) to this version's, "
                    "in one transaction, keeping the data. A database made before "
                    "migrations existed is recognised and upgraded too. Back it up first.")
    migrator.add_argument("--to", default="head", metavar="REVISION",
                          help="revision to upgrade or downgrade to (default: head)")
    migrator.set_defaults(handler=cmd_migrate)
    for name, handler, help_text in (
        ("demo", cmd_demo, "build the synthetic demo city (replaces all data)"),
        ("ensure-demo", cmd_ensure_demo, "build the demo city only if the database is empty"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--scale", choices=("test", "city", "province"), default="city")
        sub.add_argument("--seed", type=int, default=42)
        sub.add_argument("--end", help="last month YYYY-MM (default: last complete month)")
        sub.set_defaults(handler=handler)
    commands.add_parser("refresh", help="rebuild every summary table (imports "
                        "refresh only what they change)").set_defaults(
        handler=cmd_refresh)
    commands.add_parser("info", help="what the database holds").set_defaults(handler=cmd_info)

    kpis = commands.add_parser("kpis", help="headline metrics for a period and area")
    kpis.add_argument("--period", required=True, help="2021, 2021-Q3 or 2021-06")
    kpis.add_argument("--district", help="district name (中文 or English) or code")
    kpis.add_argument("--street", help="street name or code")
    kpis.add_argument("--json", action="store_true", help="print one JSON object")
    kpis.add_argument("--lang", choices=("zh", "en"), default="zh")
    kpis.set_defaults(handler=cmd_kpis)

    tables = "estates, companies, fees, surveys, complaints, assessments"
    templates = commands.add_parser(
        "templates", help="write blank CSV and XLSX import templates, one per table")
    templates.add_argument("directory", metavar="DIR")
    templates.set_defaults(handler=cmd_templates)

    importer = commands.add_parser(
        "import", help="validate and import CSV/XLSX files in one transaction",
        description="Import files given together (companies, then estates, then the rest) "
                    "in one transaction. Any error: the located problems are printed, "
                    "nothing is written and the exit code is 1.")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--dry-run", action="store_true",
                          help="validate and count, write nothing")
    importer.add_argument("--table", help=f"table of every file ({tables}); "
                          "default: recognised from the headers")
    importer.add_argument("--user", help="who imports (recorded in the import log)")
    importer.add_argument("--lang", choices=("zh", "en"), default="zh",
                          help="language of the problem reasons")
    importer.add_argument("--quiet", action="store_true", help="no progress on stderr")
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser(
        "export", help="write a table in the import format (imports back unchanged)",
        description="Write a table as CSV or XLSX in the import format. This is the "
                    "bureau's own data: the complaints export includes complainant_phone "
                    "(personal data) - keep it inside the bureau, never publish it.")
    exporter.add_argument("--table", required=True, help=tables)
    exporter.add_argument("--format", choices=("csv", "xlsx"), required=True)
    exporter.add_argument("--lang", choices=("en", "zh"), default="en",
                          help="headers and coded values in English (default) or Chinese")
    exporter.add_argument("out", metavar="OUT")
    exporter.set_defaults(handler=cmd_export)
    milestones.register_cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CliError, SchemaError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
