"""Write src/unicode_tables.c: the character facts the featurizer needs, taken
from the Python that trains the models (its ``unicodedata`` and ``str.lower``),
so that C and Python make the same ids.

    python runtime/c/tools/gen_unicode.py   # rewrites runtime/c/src/unicode_tables.c
    python runtime/c/tools/gen_unicode.py --output FILE

The tables record ``unicodedata.unidata_version``; a model file whose
``featurizer.unicode`` differs may give other ids for rare characters.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "unicode_tables.c"
LAST = sys.maxunicode
BLOCK = 256


def is_letter_or_mark(cp: int) -> bool:
    return unicodedata.category(chr(cp))[0] in "LM"


def cased(cp: int) -> bool:
    """Python's own final-sigma rule decides: "xΣ" lowercases to a final sigma
    exactly when x is cased."""
    return (chr(cp) + "Σ").lower()[-1] == "ς"


def case_ignorable(cp: int) -> bool:
    return not cased(cp) and ("A" + chr(cp) + "Σ").lower()[-1] == "ς"


def ranges(predicate) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in range(LAST + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if predicate(cp):
            if out and out[-1][1] == cp - 1:
                out[-1] = (out[-1][0], cp)
            else:
                out.append((cp, cp))
    return out


def bitmap_tables(predicates) -> tuple[list[int], list[list[int]]]:
    """Two-level bitmaps of several properties: stage 1 maps a 256-code-point
    block to a unique block, which holds one 256-bit bitmap per property."""
    blocks: dict[tuple[int, ...], int] = {}
    stage1 = []
    unique: list[list[int]] = []
    for start in range(0, LAST + 1, BLOCK):
        words = [0] * (len(predicates) * BLOCK // 32)
        for number, predicate in enumerate(predicates):
            for cp in range(start, start + BLOCK):
                if predicate(cp):
                    bit = number * BLOCK + cp - start
                    words[bit // 32] |= 1 << (bit % 32)
        key = tuple(words)
        if key not in blocks:
            blocks[key] = len(unique)
            unique.append(words)
        stage1.append(blocks[key])
    return stage1, unique


HANGUL_SYLLABLES = range(0xAC00, 0xD7A4)  # decomposed by arithmetic, not a table
HANGUL_SECONDS = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # jamo V and T


def quiet(cp: int, seconds: set[int]) -> bool:
    """NFKC leaves the character alone and never composes it with the one
    before it, so NFKC(a + c + b) == NFKC(a) + NFKC(c + b): text.c copies
    runs of these as they are and normalises only what lies between."""
    c = chr(cp)
    return (unicodedata.combining(c) == 0 and unicodedata.normalize("NFKC", c) == c
            and cp not in seconds)


def inert(cp: int, seconds: set[int]) -> bool:
    """No decomposition and never the second of a composition: a run of these
    marks after a quiet character, in canonical order, is its own NFKC
    (text.c's in_normal_form skips normalising it)."""
    return unicodedata.normalize("NFKD", chr(cp)) == chr(cp) and cp not in seconds


def lower_changes(cp: int) -> bool:
    return not 0xD800 <= cp <= 0xDFFF and chr(cp).lower() != chr(cp)


def mapping_table(function) -> tuple[list[tuple[int, int, int]], list[int]]:
    """Code points whose mapping differs from themselves: (cp, start, length)
    into a pool of code points."""
    entries, pool = [], []
    for cp in range(LAST + 1):
        if 0xD800 <= cp <= 0xDFFF or (function is not str.lower and cp in HANGUL_SYLLABLES):
            continue
        mapped = function(chr(cp))
        if mapped != chr(cp):
            entries.append((cp, len(pool), len(mapped)))
            pool.extend(ord(c) for c in mapped)
    return entries, pool


def compositions() -> list[tuple[int, int, int]]:
    """Primary composites: (first, second) -> composed, as NFC composes them."""
    out = []
    for cp in range(LAST + 1):
        decomposition = unicodedata.decomposition(chr(cp))
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = [int(p, 16) for p in decomposition.split()]
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(parts[0]) + chr(parts[1])) == \
                chr(cp):
            out.append((parts[0], parts[1], cp))
    return sorted(out)


def c_array(name: str, ctype: str, values: list[int], per_line: int = 12) -> str:
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    return f"const {ctype} {name}[{len(values)}] = {{\n" + "\n".join(lines) + "\n};\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUT)
    output = parser.parse_args().output
    nfkd, nfkd_pool = mapping_table(lambda c: unicodedata.normalize("NFKD", c))
    lower, lower_pool = mapping_table(str.lower)
    ccc = [(cp, unicodedata.combining(chr(cp))) for cp in range(LAST + 1)
           if not 0xD800 <= cp <= 0xDFFF and unicodedata.combining(chr(cp))]
    pairs = compositions()
    # text.c's compose() relies on this to skip most lookups.
    assert min(second for _, second, _ in pairs) >= 0x300
    seconds = {second for _, second, _ in pairs} | HANGUL_SECONDS
    # In text.c's order: LETTER_OR_MARK, QUIET, LOWER_CHANGES, INERT.
    stage1, blocks = bitmap_tables([is_letter_or_mark, lambda cp: quiet(cp, seconds),
                                    lower_changes, lambda cp: inert(cp, seconds)])
    cased_ranges = ranges(cased)
    ignorable_ranges = ranges(case_ignorable)
    # Python's str predicates, for a tagger's word shapes (batch.shape_id).
    predicates = {name: ranges(lambda cp, m=method: m(chr(cp))) for name, method in
                  (("alpha", str.isalpha), ("upper", str.isupper), ("digit", str.isdigit),
                   ("alnum", str.isalnum))}
    flat = lambda rows: [v for row in rows for v in row]  # noqa: E731
    sys.path.insert(0, str(OUT.parents[3]))
    from smallnlp.text import _SCRIPT_RANGES, SCRIPTS

    script_starts = [start for start, _ in _SCRIPT_RANGES]
    script_ids = [SCRIPTS.index(name) for _, name in _SCRIPT_RANGES]
    text = [
        "/* Generated by tools/gen_unicode.py from Python "
        f"{sys.version.split()[0]}'s unicodedata (Unicode {unicodedata.unidata_version}).",
        " * Do not edit: rerun the script. */",
        "#include \"unicode_tables.h\"",
        "",
        f"const char SNLP_UNICODE_VERSION[] = \"{unicodedata.unidata_version}\";",
        "",
        c_array("snlp_property_stage1", "uint16_t", stage1),
        c_array("snlp_property_blocks", "uint32_t", flat(blocks), 8),
        f"const size_t snlp_nfkd_count = {len(nfkd)};",
        c_array("snlp_nfkd", "uint32_t", flat(nfkd), 9),
        c_array("snlp_nfkd_pool", "uint32_t", nfkd_pool),
        f"const size_t snlp_lower_count = {len(lower)};",
        c_array("snlp_lower", "uint32_t", flat(lower), 9),
        c_array("snlp_lower_pool", "uint32_t", lower_pool),
        f"const size_t snlp_ccc_count = {len(ccc)};",
        c_array("snlp_ccc", "uint32_t", flat(ccc), 12),
        f"const size_t snlp_composition_count = {len(pairs)};",
        c_array("snlp_compositions", "uint32_t", flat(pairs), 9),
        f"const size_t snlp_cased_count = {len(cased_ranges)};",
        c_array("snlp_cased", "uint32_t", flat(cased_ranges), 12),
        f"const size_t snlp_case_ignorable_count = {len(ignorable_ranges)};",
        c_array("snlp_case_ignorable", "uint32_t", flat(ignorable_ranges), 12),
        *[line for name, found in predicates.items() for line in (
            f"const size_t snlp_is_{name}_count = {len(found)};",
            c_array(f"snlp_is_{name}", "uint32_t", flat(found), 12))],
        f"const size_t snlp_script_range_count = {len(script_starts)};",
        c_array("snlp_script_starts", "uint32_t", script_starts),
        c_array("snlp_script_ids", "uint8_t", script_ids),
    ]
    output.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {output}: {len(blocks)} property blocks, {len(nfkd)} NFKD mappings, "
          f"{len(lower)} lowercase mappings, {len(ccc)} combining classes, {len(pairs)} "
          f"compositions, {len(cased_ranges)} cased and {len(ignorable_ranges)} "
          "case-ignorable ranges")


if __name__ == "__main__":
    main()
