"""UI strings of each product area, merged into :data:`dashboard.i18n.CATALOG`.

Each module here defines ``ENTRIES: dict[str, dict[str, str]]`` ({key: {"zh": …, "en": …}})
with keys prefixed by its area (``complaints.``, ``grades.``, …). A key defined twice is an
error, raised when the catalog is built.
"""

from __future__ import annotations

import importlib
import pkgutil


def area_entries() -> dict[str, dict[str, str]]:
    """All ENTRIES of the modules in this package, merged; duplicate keys raise."""
    merged: dict[str, dict[str, str]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for key, entry in getattr(module, "ENTRIES", {}).items():
            if key in merged:
                raise ValueError(f"i18n key {key!r} defined twice (in {module_info.name})")
            merged[key] = entry
    return merged
