"""Milestones drawn on every time chart (programme launch, policy dates).

A small table (``milestone``: date, Chinese and English label). The demo seeds its own;
a real database gets the defaults with ``milestones seed`` and is edited from the CLI:

    python -m data_access milestones list
    python -m data_access milestones add 2024-05-01 "物业条例修订实施" "Revised regulation in force"
    python -m data_access milestones remove 3
    python -m data_access milestones seed

:func:`register_cli` adds those subcommands to the ``python -m data_access`` parser.
"""

from __future__ import annotations

import argparse
import datetime as dt

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from data_access.schema import milestone

#: Seeded by ``milestones seed`` (the same dates the demo uses).
DEFAULT_MILESTONES: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(2019, 4, 1), "红色物业工作启动", "Red Property programme launched"),
    (dt.date(2020, 7, 1), "物业服务企业红黑榜首次发布",
     "First red/black list of property companies published"),
    (dt.date(2021, 1, 1), "物业服务项目分级管理考核实施",
     "Graded assessment of property service projects begins"),
    (dt.date(2023, 3, 1), "大物业模式试点", "Big-property bundle pilots begin"),
)


class MilestoneError(ValueError):
    """A milestone that cannot be added or removed (message for the user)."""


def list_milestones(engine: Engine) -> pd.DataFrame:
    """Every milestone: id, on_date, label_zh, label_en, oldest first."""
    statement = select(milestone.c.id, milestone.c.on_date, milestone.c.label_zh,
                       milestone.c.label_en).order_by(milestone.c.on_date, milestone.c.id)
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return pd.DataFrame(rows, columns=["id", "on_date", "label_zh", "label_en"])


def _parse_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise MilestoneError(f"date {value!r} is not YYYY-MM-DD") from None


def add_milestone(engine: Engine, on_date: dt.date | str, label_zh: str,
                  label_en: str | None = None) -> int:
    """Add a milestone; returns its id. The English label defaults to the Chinese one."""
    day = _parse_date(on_date)
    label_zh = (label_zh or "").strip()
    label_en = (label_en or "").strip() or label_zh
    if not label_zh:
        raise MilestoneError("the Chinese label is required")
    if len(label_zh) > 128 or len(label_en) > 128:
        raise MilestoneError("labels are at most 128 characters")
    with engine.begin() as conn:
        exists = conn.execute(select(func.count()).select_from(milestone).where(
            (milestone.c.on_date == day) & (milestone.c.label_zh == label_zh))).scalar()
        if exists:
            raise MilestoneError(f"milestone {day} {label_zh!r} exists already")
        result = conn.execute(insert(milestone).values(on_date=day, label_zh=label_zh,
                                                       label_en=label_en))
        return int(result.inserted_primary_key[0])


def remove_milestone(engine: Engine, milestone_id: int) -> None:
    """Remove the milestone with ``milestone_id``; MilestoneError when there is none."""
    with engine.begin() as conn:
        result = conn.execute(delete(milestone).where(milestone.c.id == int(milestone_id)))
        if result.rowcount == 0:
            raise MilestoneError(f"no milestone with id {milestone_id}")


def seed_defaults(engine: Engine) -> int:
    """Add the :data:`DEFAULT_MILESTONES` that are missing; returns how many were added."""
    existing = {(pd.Timestamp(row.on_date).date(), row.label_zh)
                for row in list_milestones(engine).itertuples(index=False)}
    added = 0
    for day, label_zh, label_en in DEFAULT_MILESTONES:
        if (day, label_zh) not in existing:
            add_milestone(engine, day, label_zh, label_en)
            added += 1
    return added


# --- command line -------------------------------------------------------------------------

def _engine(args: argparse.Namespace) -> Engine:
    from data_access.engine import make_engine

    return make_engine(getattr(args, "db", None))


def _user_error(message: str) -> Exception:
    from data_access.cli import CliError

    return CliError(message)


def cmd_list(args: argparse.Namespace) -> int:
    frame = list_milestones(_engine(args))
    if frame.empty:
        print("no milestones (python -m data_access milestones seed adds the defaults)")
        return 0
    for row in frame.itertuples(index=False):
        print(f"{row.id:>4}  {pd.Timestamp(row.on_date).date()}  {row.label_zh}  |  {row.label_en}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    try:
        new_id = add_milestone(_engine(args), args.date, args.label_zh, args.label_en)
    except MilestoneError as error:
        raise _user_error(str(error)) from None
    print(f"added milestone {new_id}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    try:
        remove_milestone(_engine(args), args.id)
    except MilestoneError as error:
        raise _user_error(str(error)) from None
    print(f"removed milestone {args.id}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    added = seed_defaults(_engine(args))
    print(f"added {added} default milestone(s)")
    return 0


def register_cli(subparsers) -> None:
    """Add ``milestones list|add|remove|seed`` to the ``python -m data_access`` parser
    (``subparsers`` is the object ``add_subparsers`` returned)."""
    parser = subparsers.add_parser("milestones", help="list, add or remove chart milestones")
    actions = parser.add_subparsers(dest="milestone_action", required=True)
    actions.add_parser("list", help="every milestone with its id").set_defaults(handler=cmd_list)
    add = actions.add_parser("add", help="add a milestone")
    add.add_argument("date", help="YYYY-MM-DD")
    add.add_argument("label_zh", help="Chinese label")
    add.add_argument("label_en", nargs="?", help="English label (default: the Chinese one)")
    add.set_defaults(handler=cmd_add)
    remove = actions.add_parser("remove", help="remove a milestone by id")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=cmd_remove)
    actions.add_parser("seed", help="add the default milestones that are missing"
                       ).set_defaults(handler=cmd_seed)
