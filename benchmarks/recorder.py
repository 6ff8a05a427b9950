"""Which data-access queries the pages really call: a recorder wrapped around the
data-access functions while pages run, so the query benchmark times exactly the calls a
page (or a filter change) makes, with the same arguments.

A *query* is a public function of one of :data:`MODULES` whose first parameter is the
engine. Only the outermost call is recorded (``queries.kpis`` calls
``queries.monthly_sums``; the page called ``kpis``). Calls are kept once per function and
*shape* of their arguments (which filter levels are set, grain, breakdown, …), tagged
with the page and the step (page load or filter change) that first made them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

MODULES = ("queries", "complaints", "coverage", "bundles", "estates", "trends", "grades",
           "import_history")


@dataclass
class RecordedCall:
    module: str
    name: str
    args: tuple
    kwargs: dict
    page: str
    step: str                     # "page load" or "filter change"
    label: str = field(default="")

    def replay(self, engine):
        """Call the query again (uncached) against ``engine``."""
        function = getattr(importlib.import_module(f"data_access.{self.module}"), self.name)
        return function(engine, *self.args, **self.kwargs)


def _shape(value) -> str:
    """Short, data-independent description of an argument (for labels and dedup)."""
    from data_access.filters import Filters, Scope

    if isinstance(value, Filters):
        level = "street" if value.street else "district" if value.district else "city"
        return f"{value.period_obj.kind} {level}"
    if isinstance(value, Scope):
        return "" if value.is_everything else "scoped"
    if value is None:
        return ""
    if isinstance(value, (str, int, float, bool)):
        text = str(value)
        return text if len(text) <= 12 and not text.isdigit() else "…"
    if isinstance(value, pd.DataFrame):
        return "frame"
    if hasattr(value, "__dataclass_fields__"):
        set_fields = [k for k in value.__dataclass_fields__ if getattr(value, k, None)]
        return f"{type(value).__name__}({','.join(set_fields)})"
    return type(value).__name__


class QueryRecorder:
    """Wraps the data-access queries while installed; ``page``/``step`` say who calls."""

    def __init__(self) -> None:
        self.calls: dict[tuple, RecordedCall] = {}
        self.page = ""
        self.step = "page load"
        self._depth = threading.local()
        self._originals: list[tuple[object, str, object]] = []

    def _wrap(self, module_name: str, name: str, function):
        @functools.wraps(function)
        def recorded(engine, *args, **kwargs):
            depth = getattr(self._depth, "value", 0)
            self._depth.value = depth + 1
            try:
                return function(engine, *args, **kwargs)
            finally:
                self._depth.value = depth
                if depth == 0:
                    self._record(module_name, name, args, kwargs)
        return recorded

    def _record(self, module: str, name: str, args: tuple, kwargs: dict) -> None:
        shapes = [s for s in (_shape(a) for a in (*args, *kwargs.values())) if s]
        key = (module, name, *shapes)
        if key not in self.calls:
            label = f"{module}.{name}({', '.join(shapes)})"
            self.calls[key] = RecordedCall(module, name, args, kwargs, self.page, self.step,
                                           label)

    @contextlib.contextmanager
    def installed(self) -> Iterator["QueryRecorder"]:
        for module_name in MODULES:
            module = importlib.import_module(f"data_access.{module_name}")
            for name, function in list(vars(module).items()):
                if (inspect.isfunction(function) and function.__module__ == module.__name__
                        and not name.startswith("_")
                        and next(iter(inspect.signature(function).parameters), "") == "engine"):
                    self._originals.append((module, name, function))
                    setattr(module, name, self._wrap(module_name, name, function))
        try:
            yield self
        finally:
            for module, name, function in self._originals:
                setattr(module, name, function)
            self._originals.clear()
