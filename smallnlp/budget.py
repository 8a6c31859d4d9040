"""Memory budgets: parse them and plan a model shape that fits.

The budget is a hard limit on the saved file and on what a loaded model holds:
the file's bytes (its arrays are views of them) plus the Python objects around
them, which the caller counts in ``metadata_bytes`` (``model.TaskModel._plan``).

Planning rule, after Botha et al. (2017), who found that at small budgets more
buckets and wider rows at 8 bits beat fewer at 32 bits:

1. Embedding width: ``dims`` from the config (16), halved to 8 below
   ``SMALL_BUDGET`` bytes, where buckets matter more than width.
2. Hidden size: the largest of ``HIDDEN_LADDER`` whose float32 hidden and
   output layers take at most ``DENSE_SHARE`` of the budget (at least the
   smallest rung).
3. Everything left after the dense layers, the fixed-size groups (scripts,
   shapes, tags) and the metadata goes to 8-bit embedding rows (``dims`` + 4
   bytes each), split between the hashed groups by their configured ``share``;
   a group's ``max_buckets`` caps it and the surplus goes to the others.
4. If a share would leave a hashed group fewer than ``MIN_BUCKETS`` rows, first
   narrower rows (8) and smaller hidden layers are tried; if that is not enough,
   every hashed group gets ``MIN_BUCKETS`` rows first and the rest is shared.
5. A budget below that smallest model is refused; the message states the minimum.

A tagger's known-word bitmap comes off the top, before all this: the configured
size, but at most ``KNOWN_WORDS_SHARE`` of the budget (``known_word_bits``).

A tagger's budget of ``k`` × ``MEMBER_BYTES`` or more holds ``k`` members
(``members_for``): networks of the same features, trained from different
seeds, whose tag probabilities are averaged. They share the featurizer's
arrays and the metadata; each is planned as above in an even share of the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .config import GroupTemplate
from .embeddings import QUANT_ROW_OVERHEAD
from .errors import BudgetError
from .features import GroupSpec, KindContext, kind_of
from .fileformat import array_count

SMALL_BUDGET = 128_000
# A tagger gets one member (a network; members' tag probabilities are
# averaged) per this many bytes. Measured (README's memory-accuracy curve,
# benchmarks/budget_curve.py pos --members): one network gains nothing past
# about 1 MB, while members of the same budget gain 0.3-0.5 points; two
# members already win at 1 MB, but tag at half the speed, so budgets under
# 2 MB (the default 1 MB among them) keep one fast network.
MEMBER_BYTES = 1_000_000
# The most members the planner chooses: each costs its share of the time.
MAX_PLANNED_MEMBERS = 4
HIDDEN_LADDER = (256, 192, 128, 96, 64, 48, 32)
DENSE_SHARE = 0.25
MIN_BUCKETS = 64
FLOAT_BYTES = 4
KNOWN_WORDS_SHARE = 0.04
# Fixed parts of the file: prefix, the metadata's alignment padding, CRC.
FILE_OVERHEAD = 32

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "K": 10**3, "M": 10**6}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str | int) -> int:
    """``"200KB"`` -> 200000, ``"2.5MiB"`` -> 2621440, ``"1234"`` -> 1234.

    KB/MB/GB are decimal (1000), KiB/MiB/GiB binary (1024).
    """
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    unit = match and match.group(2).upper()
    if not match or unit not in _UNITS:
        raise BudgetError(f"cannot read memory budget {text!r}: use e.g. 200KB, 1MB, "
                          "2.5MiB or a number of bytes")
    if _UNITS[unit] == 1 and "." in match.group(1):  # "1.5" is no typo for 1 byte
        raise BudgetError(f"memory budget {text!r}: a number of bytes is a whole number "
                          "(give a unit, e.g. 1.5MB)")
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Plan:
    """A model shape that fits the budget: sized groups and a hidden size."""

    groups: tuple[GroupSpec, ...]
    hidden: int
    n_labels: int


def known_word_bits(budget: int, requested: int) -> int:
    """Bits of the known-word bitmap: ``requested``, capped so that it takes at
    most ``KNOWN_WORDS_SHARE`` of the budget (a whole number of bytes)."""
    return 8 * min(requested // 8, int(budget * KNOWN_WORDS_SHARE))


def members_for(budget: int) -> int:
    """How many members a tagger of ``budget`` bytes has: one per
    ``MEMBER_BYTES``, at least one, at most ``MAX_PLANNED_MEMBERS``."""
    return max(1, min(MAX_PLANNED_MEMBERS, budget // MEMBER_BYTES))


def dense_bytes(input_dims: int, hidden: int, n_labels: int, dense_int8: bool = False) -> int:
    """The dense layers' bytes in a file: float32 weights and biases, or int8
    weights with float32 biases and a float32 scale per output unit."""
    if dense_int8:
        return (input_dims * hidden + hidden * n_labels) + 2 * FLOAT_BYTES * (hidden + n_labels)
    return FLOAT_BYTES * ((input_dims + 1) * hidden + (hidden + 1) * n_labels)


def plan(budget: int, templates: Sequence[GroupTemplate], context: KindContext, *,
         dims: int = 16, metadata_bytes: int = 4096, hidden: int | None = None,
         dense_int8: bool = False) -> Plan:
    """Choose buckets, dims and hidden size so the model file fits ``budget``;
    the kinds fix some groups' buckets (``context``: the labels, two passes).
    ``metadata_bytes``: the metadata section with its array table, at its
    widest (``fileformat.metadata_bytes``), plus any arrays beside the network's.
    ``hidden`` fixes the hidden size the plan starts from (rule 2's choice
    otherwise); the fallbacks of rule 4 may still go below it. ``dense_int8``:
    the dense layers are stored as 8-bit (a quarter of the bytes)."""
    if dims < 8:
        raise BudgetError("embedding dims must be at least 8")
    n_labels = context.n_labels
    minimum = minimum_budget(templates, context, metadata_bytes=metadata_bytes,
                             dense_int8=dense_int8)
    if budget < minimum:
        raise too_small(budget, minimum, n_labels, len(templates))
    width = 8 if budget < SMALL_BUDGET else dims
    hidden = hidden or next((h for h in HIDDEN_LADDER
                             if dense_bytes(_input_dims(templates, width), h, n_labels,
                                            dense_int8) <= DENSE_SHARE * budget),
                            HIDDEN_LADDER[-1])
    # Fall back to narrower rows, then smaller hidden layers, until every hashed
    # group's share gives it MIN_BUCKETS rows; failing that, give each hashed
    # group MIN_BUCKETS first and share the rest (this fits any budget >= minimum).
    shapes = [(width, hidden), (8, hidden)]
    shapes += [(8, h) for h in HIDDEN_LADDER if h < hidden]
    fixed = _fixed_buckets(templates, context)
    for reserve_minimum in (False, True):
        for shape_width, shape_hidden in shapes:
            result = _allocate(budget, templates, fixed, n_labels, shape_width, shape_hidden,
                               metadata_bytes, reserve_minimum, dense_int8)
            if result is not None:
                return result
    raise AssertionError("minimum_budget admitted a budget no shape fits")


def training_bytes(shape: Plan) -> int:
    """Memory the float32 network takes in training: its parameters, their
    gradients, Adam's two moments and the best epoch's copy."""
    input_dims = sum(g.dims for g in shape.groups)
    parameters = (sum(g.buckets * g.dims for g in shape.groups)
                  + dense_bytes(input_dims, shape.hidden, shape.n_labels) // FLOAT_BYTES)
    return 5 * FLOAT_BYTES * parameters


def available_memory() -> int | None:
    """Memory the system can give this process now (Linux), if known."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_training_memory(shape: Plan) -> None:
    """Refuse a plan whose network alone would not fit in memory to train."""
    needed, available = training_bytes(shape), available_memory()
    if available is not None and needed > available:
        raise BudgetError(f"training this model takes about {needed / 1e9:.1f} GB for the "
                          f"network alone, and {available / 1e9:.1f} GB of memory is "
                          "available: use a smaller memory budget")


def too_small(budget: int, minimum: int, n_labels: int, n_groups: int,
              members: int = 1) -> BudgetError:
    holding = f", {members} networks averaged," if members > 1 else ""
    return BudgetError(f"memory budget of {budget:,} bytes is too small for a sensible model "
                       f"with {n_labels} labels and {n_groups} feature groups{holding}: the "
                       f"minimum is {minimum:,} bytes ({minimum / 1000:.1f} KB)")


def minimum_budget(templates: Sequence[GroupTemplate], context: KindContext, *,
                   metadata_bytes: int = 4096, dense_int8: bool = False) -> int:
    """The smallest budget ``plan`` accepts: width 8, the smallest hidden layer
    and MIN_BUCKETS rows for every hashed group."""
    fixed = _fixed_buckets(templates, context)
    hashed = [t for t in templates if not fixed[t.name]]
    return (FILE_OVERHEAD + metadata_bytes
            + 8 * array_count(len(templates), dense_int8=dense_int8)
            + dense_bytes(_input_dims(templates, 8), HIDDEN_LADDER[-1], context.n_labels,
                          dense_int8)
            + MIN_BUCKETS * len(hashed) * _row_bytes(max((t.width(8) for t in hashed),
                                                         default=8))
            + sum(fixed[t.name] * _row_bytes(t.width(8)) for t in templates if fixed[t.name]))


def _fixed_buckets(templates: Sequence[GroupTemplate], context: KindContext
                   ) -> dict[str, int | None]:
    """Each group's bucket count as its kind fixes it (None: hashed, planned)."""
    return {t.name: kind_of(t.kind, t.name).fixed_buckets(context) for t in templates}


def _input_dims(templates: Sequence[GroupTemplate], width: int) -> int:
    return sum(t.width(width) for t in templates)


def _row_bytes(width: int) -> int:
    return width + QUANT_ROW_OVERHEAD


def _allocate(budget: int, templates: Sequence[GroupTemplate], fixed: dict[str, int | None],
              n_labels: int, width: int, hidden: int, metadata_bytes: int,
              reserve_minimum: bool, dense_int8: bool = False) -> Plan | None:
    """Buckets per group for one (width, hidden) shape, or None if a hashed group
    would get fewer than MIN_BUCKETS. With ``reserve_minimum`` every hashed group
    first gets MIN_BUCKETS and only the rest is shared."""
    hashed = [t for t in templates if not fixed[t.name]]
    # Each array may need up to 7 bytes of alignment padding.
    spare = (budget - FILE_OVERHEAD - metadata_bytes
             - 8 * array_count(len(templates), dense_int8=dense_int8)
             - dense_bytes(_input_dims(templates, width), hidden, n_labels, dense_int8)
             - sum(fixed[t.name] * _row_bytes(t.width(width)) for t in templates
                   if fixed[t.name]))
    # Hashed groups share rows of the widest hashed width (a narrower group's
    # rows cost less, so this never overspends).
    rows_left = spare // _row_bytes(max((t.width(width) for t in hashed), default=width))
    base = MIN_BUCKETS if reserve_minimum else 0
    rows_left -= base * len(hashed)
    if rows_left < 0:
        return None
    buckets: dict[str, int] = {}
    open_groups = list(hashed)
    while open_groups:
        total_share = sum(t.share for t in open_groups) or len(open_groups)
        capped = [t for t in open_groups if t.max_buckets
                  and t.max_buckets <= base + rows_left * _share(t, total_share)]
        if not capped:
            for t in open_groups:
                buckets[t.name] = base + int(rows_left * _share(t, total_share))
            break
        for t in capped:
            buckets[t.name] = t.max_buckets
            rows_left -= t.max_buckets - base
            open_groups.remove(t)
    if any(buckets[t.name] < MIN_BUCKETS for t in hashed):
        return None
    groups = tuple(t.sized(fixed[t.name] or buckets[t.name], width) for t in templates)
    return Plan(groups, hidden, n_labels)


def _share(template: GroupTemplate, total_share: float) -> float:
    return (template.share or 1.0) / total_share
