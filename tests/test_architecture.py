"""The import rules of docs/ARCHITECTURE.md, read from every module's source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "smallnlp"
# docs/ARCHITECTURE.md's table: each module's layer (a package stands for its modules).
LAYERS = {
    0: ("errors", "records", "text", "hashing", "parallel", "version", "files"),
    1: ("features", "lexicon", "tag_dictionary", "datasets"),
    2: ("embeddings", "network", "train", "augment", "calibration", "evaluation"),
    3: ("modelfile", "fileformat", "budget", "config", "backends"),
    4: ("model", "langid", "langid_records", "identification", "spans", "pos", "pos_records",
        "tagging", "silver"),
    5: ("cli", "distributed", "registry", "__init__", "__main__"),
}
LAYER_OF = {name: layer for layer, names in LAYERS.items() for name in names}
COMMAND_LINE = {"cli"}
# What the command line may import of smallnlp: the public API (__init__.py), the
# errors it reports, the readers of labelled data, atomic files and --jobs.
CLI_MAY_IMPORT = {"__init__", "cli", "errors", "datasets", "files", "parallel"}


def top_name(path: Path) -> str:
    """``features`` for smallnlp/features/kinds.py, ``langid`` for smallnlp/langid.py."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(smallnlp modules, other top-level packages) that ``path`` imports, as
    top-level names; ``from . import x`` counts as importing module ``x``, or
    ``__init__`` if ``x`` is a name defined there."""
    inner, outer = set(), set()
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 1 inside smallnlp/features/
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "smallnlp":
                    inner.add(parts[1] if len(parts) > 1 else "__init__")
                else:
                    outer.add(parts[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "smallnlp":
                    outer.add(parts[0])
                    continue
                relative = parts[1:]
            elif node.level > depth + 1:
                continue  # outside the package: impossible here
            else:
                here = list(path.relative_to(PACKAGE).parts[:-1])
                base = here[:len(here) - (node.level - 1)]
                relative = base + (node.module.split(".") if node.module else [])
            if relative:
                inner.add(relative[0])
                continue
            for alias in node.names:  # from . import x: a module, or a name of __init__.py
                if alias.name == "_runtime":
                    continue  # the C extension (backends.py), built beside the modules
                module = PACKAGE / alias.name
                is_module = module.is_dir() or module.with_suffix(".py").exists()
                inner.add(alias.name if is_module else "__init__")
    return inner, outer


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {top_name(p) for p in modules()} <= set(LAYER_OF), \
        "add the new module to docs/ARCHITECTURE.md's table and LAYERS"


def test_modules_import_only_their_layer_or_lower_ones():
    breaks = []
    for path in modules():
        name = top_name(path)
        for other in imports_of(path)[0] - {name}:
            if LAYER_OF[other] > LAYER_OF[name]:
                breaks.append(f"{path.relative_to(PACKAGE.parent)} (layer {LAYER_OF[name]}) "
                              f"imports {other} (layer {LAYER_OF[other]})")
    assert not breaks, "\n".join(breaks)


def test_only_the_command_line_imports_click():
    users = {str(p.relative_to(PACKAGE.parent)) for p in modules()
             if "click" in imports_of(p)[1] and top_name(p) not in COMMAND_LINE}
    assert not users


def test_the_command_line_uses_only_the_public_api():
    breaks = {f"{p.relative_to(PACKAGE.parent)} imports {sorted(imports_of(p)[0] - CLI_MAY_IMPORT)}"
              for p in modules()
              if top_name(p) in COMMAND_LINE and imports_of(p)[0] - CLI_MAY_IMPORT}
    assert not breaks, "\n".join(sorted(breaks))


def test_the_product_imports_no_benchmark_or_tool():
    users = {str(p.relative_to(PACKAGE.parent)) for p in modules()
             if imports_of(p)[1] & {"benchmarks", "tools", "common"}}
    assert not users


def test_the_rules_see_imports():
    """The reader finds relative, absolute and package imports (else every rule passes)."""
    layered: dict[str, set[str]] = {}
    for path in modules():
        layered.setdefault(top_name(path), set()).update(imports_of(path)[0])
    assert {"fileformat", "modelfile", "backends"} <= layered["model"]
    assert "network" in layered["fileformat"]
    assert "text" in layered["features"]  # from ..text import (in features/)
    assert "click" in imports_of(PACKAGE / "cli" / "__init__.py")[1]
    assert "__init__" in imports_of(PACKAGE / "cli" / "langid.py")[0]  # from .. import X
    assert "datasets" in imports_of(PACKAGE / "cli" / "pos.py")[0]  # from .. import datasets
    assert "langid" in imports_of(PACKAGE / "distributed" / "ray.py")[0]  # from ..langid import
