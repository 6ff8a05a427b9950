"""Markdown tables from the JSON files of benchmarks.run, side by side (for docs/).

    .venv/bin/python -m benchmarks.report var/bench-city-sqlite.json \\
        var/bench-city-postgresql.json ... > /tmp/tables.md

One table per section (build, pages, queries, raw, browser, memory) with a column per
file: the median (and p95 where measured), **bold** when it misses its target (the target
column lists each scale's target, city first when both apply); then the load test of
every file that ran one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _cell(row: dict | None) -> str:
    if row is None:
        return ""
    value = f"{row['median']:,.1f}" if row["median"] < 100 else f"{row['median']:,.0f}"
    if "p95" in row and row.get("n", 1) > 1:
        p95 = row["p95"]
        value += f" ({p95:,.1f})" if p95 < 100 else f" ({p95:,.0f})"
    return f"**{value}** MISS" if row.get("status") == "MISS" else value


def tables(runs: list[dict]) -> str:
    names = [f"{run['scale']} · {run['database'].split(' ')[0]}" for run in runs]
    lines = []
    sections: list[str] = []
    for run in runs:
        for row in run["results"]:
            if row["section"] not in sections:
                sections.append(row["section"])
    for section in sections:
        order: list[tuple[str, str]] = []
        by_run = []
        for run in runs:
            rows = {}
            for row in run["results"]:
                if row["section"] == section:
                    key = (row["what"], row["unit"])
                    rows[key] = row
                    if key not in order:
                        order.append(key)
            by_run.append(rows)
        lines.append(f"### {section}\n")
        targets: dict[tuple[str, str], list[str]] = {}
        for rows in by_run:
            for key, row in rows.items():
                wanted = targets.setdefault(key, [])
                if row.get("target") and row["target"] not in wanted:
                    wanted.append(row["target"])
        lines.append("| measure | unit | target | " + " | ".join(names) + " |")
        lines.append("|---|---|---|" + "---|" * len(runs))
        for key in order:
            what, unit = key
            cells = [_cell(rows.get(key)) for rows in by_run]
            lines.append(f"| {what} | {unit} | {' / '.join(targets[key])} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    loads = [(name, run["load"]) for name, run in zip(names, runs) if "load" in run]
    if loads:
        lines.append("### load test\n")
        lines.append("| run | sessions × s | think s | requests | script runs | errors | "
                     "p50 ms | p95 ms | max ms | server peak MB |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for name, load in loads:
            page = load["page_ms"] or {"median": 0, "p95": 0, "max": 0}
            lines.append(f"| {name} | {load['sessions']} × {load['seconds']:.0f} | "
                         f"{load['think_s']} | {load['requests']} | {load['script_runs']} | "
                         f"{load['errors']} | {page['median']:.0f} | {page['p95']:.0f} | "
                         f"{page['max']:.0f} | {load['server_peak_mb']:.0f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    runs = [json.loads(path.read_text()) for path in paths]
    for path, run in zip(paths, runs):
        demo = run.get("demo") or {}
        size = (f" — {demo['estates']:,} estates, {demo['complaints']:,} complaints"
                if demo.get("estates") else "")
        print(f"- `{path.name}`: {run['title']}{size}")
    print()
    print(tables(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
