"""The README's tables that the program itself can state, regenerated from it.

The README marks each such table::

    <!-- generated: NAME -->
    ...
    <!-- end: NAME -->

and this script rewrites what lies between from the shipped models and the
command line's own definitions: ``models`` (every shipped model: task, labels,
bytes, budget, dev accuracy recorded at training, data licences),
``calibration`` (the language identifier's recorded calibration error) and
``cli`` (every verb's options and defaults). ``--check`` changes nothing and
exits 1, showing the difference, when the README no longer says what the
program reports (tests/test_readme.py runs it)::

    python tools/readme_figures.py           # rewrite the tables
    python tools/readme_figures.py --check   # fail if any is stale
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)"
                   r"(<!-- end: (?P=name) -->)", re.S)


def models_table() -> str:
    import smallnlp

    rows = ["| model | task | labels | file bytes | budget | dev accuracy at training | "
            "training data licences |", "|---|---|---:|---:|---:|---:|---|"]
    for name in smallnlp.shipped_models():
        facts = smallnlp.load(name, backend="numpy").describe()
        training = facts["training"]
        licences = sorted(set(facts["data_licences"].values()))
        if facts["task"] == "langid":
            restricted = any("NC" in licence for licence in licences)
            licence = (f"{len(licences)} kinds, per language (`smallnlp langid "
                       f"--list-languages`){'; some non-commercial' if restricted else ''}")
        else:
            licence = "; ".join(licences)
        # A file of several networks answers with their average: its accuracy is theirs.
        dev = training.get("ensemble_dev_accuracy", training["dev_accuracy_8bit"])
        rows.append(f"| `{name}` | {facts['task']} | {len(facts['labels'])} | "
                    f"{facts['bytes']:,} | {training['memory_budget']:,} | "
                    f"{100 * dev:.2f}% | {licence} |")
    return "\n".join(rows) + "\n"


def calibration_table() -> str:
    import smallnlp

    calibration = smallnlp.load("langid", backend="numpy").describe()["calibration"]
    rows = [f"Temperature {calibration['temperature']:g}, fitted on "
            f"{calibration['fitted_on']}; expected calibration error (15 bins) on held-out "
            "text:", "", "| held-out text | texts | ECE at T = 1 | ECE at the fitted T |",
            "|---|---:|---:|---:|"]
    for key, what in (("held_out_lines", "odd dev lines"),
                      ("held_out_word_pairs", "a word pair cut from each")):
        record = calibration[key]
        rows.append(f"| {what} | {record['examples']:,} | {100 * record['ece_before']:.2f}% | "
                    f"{100 * record['ece_after']:.2f}% |")
    return "\n".join(rows) + "\n"


def cli_table() -> str:
    """Options (rows) against verbs (columns): each cell the default, or ✓
    where the verb takes the option without one."""
    import click

    from smallnlp.cli import main

    verbs: dict[str, click.Command] = {}

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*path, name])
        else:
            verbs[" ".join(path)] = command

    walk(main, [])
    order = ["langid", "pos", "train langid", "train pos", "eval langid", "eval pos", "info"]
    assert sorted(order) == sorted(verbs), f"new verb: add it to the table's order: {verbs}"
    cells: dict[str, dict[str, str]] = {}
    for verb in order:
        for param in verbs[verb].params:
            if isinstance(param, click.Argument):
                name = param.human_readable_name
            elif param.name == "help" or not param.opts:
                continue
            else:
                name = max(param.opts, key=len)
            # click 8.3 marks "no default" with a sentinel object, older versions with None.
            unset = param.default in (None, ()) or type(param.default).__name__ == "Sentinel"
            if isinstance(param, click.Option) and param.is_flag:
                cell = "flag"
            elif not unset and not param.required:
                cell = f"`{param.default}`"
            elif param.required:
                cell = "required"
            else:
                cell = "✓"
            cells.setdefault(name, {})[verb] = cell
    rows = ["| option | " + " | ".join(order) + " |", "|---|" + "---|" * len(order)]
    for name in sorted(cells, key=lambda n: (not n.isupper(), n)):
        rows.append(f"| `{name}` | " + " | ".join(cells[name].get(v, "") for v in order) + " |")
    return "\n".join(rows) + "\n"


TABLES = {"models": models_table, "calibration": calibration_table, "cli": cli_table}


def regenerated(text: str) -> str:
    seen = set()

    def replace(match: re.Match) -> str:
        name = match["name"]
        if name not in TABLES:
            raise SystemExit(f"README.md: unknown generated table {name!r}")
        seen.add(name)
        return match.group(1) + TABLES[name]() + match.group(4)

    out = BLOCK.sub(replace, text)
    missing = set(TABLES) - seen
    if missing:
        raise SystemExit(f"README.md has no generated table {', '.join(sorted(missing))}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a table is stale")
    check = parser.parse_args().check
    text = README.read_text(encoding="utf-8")
    new = regenerated(text)
    if new == text:
        return 0
    if check:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                   "README.md", "regenerated"))
        return 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
