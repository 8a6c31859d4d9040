/* Text normalisation of featurizer version 2 (docs/FORMAT.md, "From text to
 * ids", step 1), over code points: letters and marks kept (ș ț folded), NFKC,
 * the filter again, Python's str.lower with its final-sigma rule. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unicode_tables.h"

#define REPLACEMENT 0xFFFD
#define SPACE 0x20

/* The properties of unicode_tables.c's bitmaps, in tools/gen_unicode.py's order. */
enum { LETTER_OR_MARK, QUIET, LOWER_CHANGES, INERT };

/* The bitmaps of cp's block of 256 code points (cp <= 0x10FFFF). */
static const uint32_t *property_block(uint32_t cp) {
    return snlp_property_blocks + (size_t)snlp_property_stage1[cp >> 8] *
                                      (SNLP_PROPERTY_COUNT * 8);
}

static int block_has(const uint32_t *block, uint32_t cp, int property) {
    return (block[property * 8 + ((cp & 0xFF) >> 5)] >> (cp & 31)) & 1;
}

static int has_property(uint32_t cp, int property) {
    return cp <= 0x10FFFF && block_has(property_block(cp), cp, property);
}

int snlp_is_letter_or_mark(uint32_t cp) { return has_property(cp, LETTER_OR_MARK); }

/* Index of `cp` in a sorted table of `stride`-wide rows keyed by their first
 * value, or -1. */
static long find(const uint32_t *table, size_t count, size_t stride, uint32_t cp) {
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = (low + high) / 2;
        uint32_t key = table[middle * stride];
        if (key == cp) return (long)middle;
        if (key < cp) low = middle + 1;
        else high = middle;
    }
    return -1;
}

int snlp_in_ranges(const uint32_t *ranges, size_t count, uint32_t cp) {
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (cp < ranges[2 * middle]) high = middle;
        else if (cp > ranges[2 * middle + 1]) low = middle + 1;
        else return 1;
    }
    return 0;
}

static uint32_t combining_class(uint32_t cp) {
    long at = find(snlp_ccc, snlp_ccc_count, 2, cp);
    return at < 0 ? 0 : snlp_ccc[2 * at + 1];
}

static uint32_t fold(uint32_t cp) {
    switch (cp) { /* Ș ș Ț ț -> Ş ş Ţ ţ */
    case 0x0218: return 0x015E;
    case 0x0219: return 0x015F;
    case 0x021A: return 0x0162;
    case 0x021B: return 0x0163;
    default: return cp;
    }
}

/* Grow `buffer` to hold `count` code points. */
int snlp_reserve(snlp_codepoints *buffer, size_t count) {
    uint32_t *grown;
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    if (count <= buffer->capacity) return 0;
    while (capacity < count) {
        if (capacity > SIZE_MAX / 2 / sizeof *grown) return -1;
        capacity *= 2;
    }
    grown = realloc(buffer->data, capacity * sizeof *grown);
    if (!grown) return -1;
    buffer->data = grown;
    buffer->capacity = capacity;
    return 0;
}

static int push(snlp_codepoints *buffer, uint32_t cp) {
    if (buffer->count == buffer->capacity && snlp_reserve(buffer, buffer->count + 1)) return -1;
    buffer->data[buffer->count++] = cp;
    return 0;
}

/* The code point at s[*i] (of n bytes), *i moved past it: surrogates
 * included, an invalid sequence as one U+FFFD for the bytes read so far. */
uint32_t snlp_decode_next(const uint8_t *s, size_t n, size_t *i) {
    uint32_t c = s[*i], cp, minimum;
    size_t extra;
    if (c < 0x80) { extra = 0; cp = c; minimum = 0; }
    else if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1F; minimum = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0F; minimum = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07; minimum = 0x10000; }
    else { extra = 0; cp = REPLACEMENT; minimum = 0; }
    if (extra) {
        size_t k = 1;
        for (; k <= extra && *i + k < n && (s[*i + k] & 0xC0) == 0x80; k++)
            cp = (cp << 6) | (s[*i + k] & 0x3F);
        /* Surrogates pass as code points, as Python's "surrogatepass": a
         * lone surrogate in a str reaches C that way (module.c). */
        if (k <= extra || cp < minimum || cp > 0x10FFFF) {
            cp = REPLACEMENT; /* one replacement for the bytes read so far */
            extra = k - 1;
        }
    }
    *i += extra + 1;
    return cp;
}

/* snlp_decode_next, with the sequences of one to three bytes that are valid
 * decoded here, without a call. */
static uint32_t decode_at(const uint8_t *s, size_t n, size_t *i) {
    uint32_t c = s[*i];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF && *i + 1 < n && (s[*i + 1] & 0xC0) == 0x80) {
        c = (c & 0x1F) << 6 | (s[*i + 1] & 0x3F);
        *i += 2;
        return c;
    }
    if ((c & 0xF0) == 0xE0 && *i + 2 < n && (s[*i + 1] & 0xC0) == 0x80 &&
        (s[*i + 2] & 0xC0) == 0x80) {
        uint32_t cp = (c & 0x0F) << 12 | (uint32_t)(s[*i + 1] & 0x3F) << 6 | (s[*i + 2] & 0x3F);
        if (cp >= 0x800) { /* surrogates pass, as in snlp_decode_next */
            *i += 3;
            return cp;
        }
    }
    return snlp_decode_next(s, n, i);
}

/* UTF-8 -> code points (snlp_decode_next), at most max_chars. */
int snlp_decode_utf8(const uint8_t *s, size_t n, size_t max_chars, snlp_codepoints *out) {
    size_t i = 0, w = 0;
    out->count = 0;
    while (i < n && w < max_chars) {
        size_t room;
        uint32_t *data;
        if (w == out->capacity && snlp_reserve(out, w + 1)) return -1;
        /* As many code points as the buffer holds (grown as push grows it),
         * without checking each. */
        room = out->capacity - w < max_chars - w ? out->capacity - w : max_chars - w;
        data = out->data;
        for (; room && i < n; room--)
            data[w++] = decode_at(s, n, &i);
    }
    out->count = w;
    return 0;
}

/* Replace every <...> span (no <, > or newline inside, at most 256 code
 * points between) by one space, as re.sub does, leftmost first. */
static void strip_markup(snlp_codepoints *text) {
    size_t w = 0;
    for (size_t i = 0; i < text->count; i++) {
        if (text->data[i] == '<') {
            size_t j = i + 1;
            while (j < text->count && j - i - 1 <= 256 && text->data[j] != '<' &&
                   text->data[j] != '>' && text->data[j] != '\n')
                j++;
            if (j < text->count && text->data[j] == '>' && j - i - 1 <= 256) {
                text->data[w++] = SPACE;
                i = j;
                continue;
            }
        }
        text->data[w++] = text->data[i];
    }
    text->count = w;
}

/* Letters and marks kept (folded), the rest made spaces; returns where the
 * first code point NFKC may change is (quiet() false), or the count if none:
 * the one table lookup a code point serves both. With `lower`, the same
 * pass also writes the result lowercased there, as snlp_lowercase would
 * (most text needs no NFKC, and then no second pass lowers it): *lowered
 * says whether it could, 0 when a letter lowers to more than one code
 * point or a capital sigma needs its neighbours. Inlined, so letters_only
 * (lower NULL) keeps no trace of it. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t filter_letters(snlp_codepoints *text, uint32_t *lower, int *lowered) {
    size_t loud = text->count;
    int simple = 1;
    for (size_t i = 0; i < text->count; i++) {
        uint32_t cp = text->data[i], kept;
        const uint32_t *block;
        if (cp < 0x80) { /* ASCII: the letters are A-Z and a-z, nothing folds, all quiet */
            int letter = (cp | 0x20) - 'a' < 26u;
            text->data[i] = letter ? cp : SPACE;
            if (lower) lower[i] = letter ? (cp | 0x20) : SPACE;
            continue;
        }
        if (cp > 0x10FFFF || !block_has(block = property_block(cp), cp, LETTER_OR_MARK)) {
            text->data[i] = SPACE;
            if (lower) lower[i] = SPACE;
            continue;
        }
        text->data[i] = kept = fold(cp);
        if (lower) {
            long at;
            if (!(kept == cp ? block_has(block, cp, LOWER_CHANGES)
                             : has_property(kept, LOWER_CHANGES)))
                lower[i] = kept;
            else if (kept != 0x03A3 && (at = find(snlp_lower, snlp_lower_count, 3, kept)) >= 0 &&
                     snlp_lower[3 * at + 2] == 1)
                lower[i] = snlp_lower_pool[snlp_lower[3 * at + 1]];
            else
                simple = 0;
        }
        if (loud == text->count &&
            !(kept == cp ? block_has(block, cp, QUIET) : has_property(kept, QUIET)))
            loud = i;
    }
    if (lowered) *lowered = simple;
    return loud;
}

static size_t letters_only(snlp_codepoints *text) { return filter_letters(text, NULL, NULL); }

#define HANGUL_S 0xAC00
#define HANGUL_L 0x1100
#define HANGUL_V 0x1161
#define HANGUL_T 0x11A7
#define HANGUL_V_COUNT 21
#define HANGUL_T_COUNT 28
#define HANGUL_N (HANGUL_V_COUNT * HANGUL_T_COUNT)
#define HANGUL_COUNT 11172

static uint32_t compose(uint32_t first, uint32_t second) {
    size_t low = 0, high = snlp_composition_count;
    if (second < 0x300) return 0; /* no composition has a second part below U+0300 */
    if (first >= HANGUL_L && first < HANGUL_L + 19 && second >= HANGUL_V &&
        second < HANGUL_V + HANGUL_V_COUNT)
        return HANGUL_S + ((first - HANGUL_L) * HANGUL_V_COUNT + (second - HANGUL_V)) *
               HANGUL_T_COUNT;
    if (first >= HANGUL_S && first < HANGUL_S + HANGUL_COUNT &&
        (first - HANGUL_S) % HANGUL_T_COUNT == 0 && second > HANGUL_T &&
        second < HANGUL_T + HANGUL_T_COUNT)
        return first + (second - HANGUL_T);
    while (low < high) {
        size_t middle = (low + high) / 2;
        const uint32_t *row = &snlp_compositions[3 * middle];
        if (row[0] == first && row[1] == second) return row[2];
        if (row[0] < first || (row[0] == first && row[1] < second)) low = middle + 1;
        else high = middle;
    }
    return 0;
}

/* NFKC of in[0 .. n) appended to out: full compatibility decomposition,
 * canonical order, then canonical composition in place. */
static int nfkc_append(const uint32_t *in, size_t n, snlp_codepoints *out) {
    size_t begin = out->count, end, starter = 0, w;
    uint32_t last_class = 256; /* 256: no starter yet */
    for (size_t i = 0; i < n; i++) { /* full compatibility decomposition */
        uint32_t cp = in[i];
        long at;
        if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_COUNT) {
            uint32_t index = cp - HANGUL_S, t = HANGUL_T + index % HANGUL_T_COUNT;
            if (push(out, HANGUL_L + index / HANGUL_N) ||
                push(out, HANGUL_V + (index % HANGUL_N) / HANGUL_T_COUNT) ||
                (t != HANGUL_T && push(out, t)))
                return -1;
        } else if ((at = find(snlp_nfkd, snlp_nfkd_count, 3, cp)) >= 0) {
            const uint32_t *row = &snlp_nfkd[3 * at];
            for (uint32_t k = 0; k < row[2]; k++)
                if (push(out, snlp_nfkd_pool[row[1] + k])) return -1;
        } else if (push(out, cp)) {
            return -1;
        }
    }
    end = out->count;
    for (size_t i = begin + 1; i < end; i++) { /* canonical order: stable by class within runs */
        uint32_t cp = out->data[i], cc = combining_class(cp);
        size_t j = i;
        if (!cc) continue;
        while (j > begin && combining_class(out->data[j - 1]) > cc) {
            out->data[j] = out->data[j - 1];
            j--;
        }
        out->data[j] = cp;
    }
    w = begin;
    for (size_t i = begin; i < end; i++) { /* canonical composition, written at w <= i */
        uint32_t cp = out->data[i], cc = combining_class(cp), composite;
        if (w > begin && last_class != 256 &&
            (last_class < cc || (last_class == 0 && starter == w - 1)) &&
            (composite = compose(out->data[starter], cp)) != 0) {
            out->data[starter] = composite;
            continue;
        }
        if (cc == 0) {
            starter = w;
            last_class = 0;
        } else if (last_class != 256) {
            last_class = cc;
        }
        out->data[w++] = cp;
    }
    out->count = w;
    return 0;
}

/* Append text[from .. to) to out unchanged. */
static int copy_run(const snlp_codepoints *text, size_t from, size_t to, snlp_codepoints *out) {
    if (to == from) return 0;
    if (snlp_reserve(out, out->count + (to - from))) return -1;
    memcpy(out->data + out->count, text->data + from, (to - from) * sizeof *out->data);
    out->count += to - from;
    return 0;
}

/* NFKC of `text`, in place (scratch: any buffer); *changed says whether it
 * may differ. Runs of quiet code points (gen_unicode.py) are copied as they
 * are; each stretch between them, with the quiet one before it (a starter
 * it may compose with), is normalised by itself. */
/* NFKC leaves cp alone and never composes it with the one before it
 * (tools/gen_unicode.py); all of ASCII is so, without a table. */
static int quiet(uint32_t cp) { return cp < 0x80 || has_property(cp, QUIET); }

/* Whether text[from .. to), a quiet code point (or the text's start) and
 * the loud ones after it, is its own NFKC: the loud ones are marks with no
 * decomposition that compose with nothing (INERT), in canonical order. Then
 * NFKC's reordering moves none of them, and they block no composition of
 * the quiet one's own parts. Most loud code points of Indic, Arabic, Thai or
 * Myanmar text are such marks (viramas, vowel signs, harakat), and
 * normalising their stretches in full was a twentieth of language ID's time. */
static int in_normal_form(const uint32_t *text, size_t from, size_t to) {
    uint32_t last_class = 0;
    for (size_t i = quiet(text[from]) ? from + 1 : from; i < to; i++) {
        uint32_t cp = text[i], cc;
        if (!has_property(cp, INERT)) return 0;
        if (to - i > 1 || last_class) { /* a lone mark is in order */
            cc = combining_class(cp);
            if (cc < last_class) return 0;
            last_class = cc;
        }
    }
    return 1;
}

/* Where the stretch of loud code points from `loud` ends (the next quiet one). */
static size_t loud_end(const snlp_codepoints *text, size_t loud) {
    size_t to = loud + 1;
    while (to < text->count && !quiet(text->data[to])) to++;
    return to;
}

/* The next loud code point from `from` (or the count). */
static size_t next_loud(const snlp_codepoints *text, size_t from) {
    while (from < text->count && quiet(text->data[from])) from++;
    return from;
}

/* Whether every stretch from the loud code point `loud` on is its own NFKC. */
static int all_in_normal_form(const snlp_codepoints *text, size_t loud) {
    while (loud < text->count) {
        size_t to = loud_end(text, loud);
        if (!in_normal_form(text->data, loud > 0 ? loud - 1 : loud, to)) return 0;
        loud = next_loud(text, to);
    }
    return 1;
}

/* As nfkc, given where the first code point that is not quiet is (or the count). */
static int nfkc_from(snlp_codepoints *text, snlp_codepoints *scratch, size_t loud,
                     int *changed) {
    size_t n = text->count, done = 0;
    *changed = !all_in_normal_form(text, loud);
    if (!*changed) return 0;
    scratch->count = 0;
    while (loud < n) {
        size_t from = loud > done ? loud - 1 : loud, to = loud_end(text, loud);
        if (copy_run(text, done, from, scratch) ||
            nfkc_append(text->data + from, to - from, scratch))
            return -1;
        done = to;
        loud = next_loud(text, to);
    }
    if (copy_run(text, done, n, scratch)) return -1;
    {
        snlp_codepoints swap = *text;
        *text = *scratch;
        *scratch = swap;
    }
    return 0;
}

static int nfkc(snlp_codepoints *text, snlp_codepoints *scratch, int *changed) {
    return nfkc_from(text, scratch, next_loud(text, 0), changed);
}

/* Python's str.lower of text into out. The capacity stays at least what is
 * written plus what is left to read, so that a code point lowered to one needs
 * no check; the few lowered to more grow it first. */
int snlp_lowercase(const snlp_codepoints *text, snlp_codepoints *out) {
    size_t n = text->count, w = 0;
    if (snlp_reserve(out, n)) return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = text->data[i];
        long at;
        if (cp < 0x80) { /* ASCII: A-Z alone change, by 0x20 */
            out->data[w++] = cp - 'A' < 26u ? cp + 0x20 : cp;
        } else if (cp == 0x03A3) { /* Python's final-sigma rule */
            size_t j = i;
            int final = 0;
            while (j > 0 && snlp_in_ranges(snlp_case_ignorable, snlp_case_ignorable_count,
                                      text->data[j - 1]))
                j--;
            if (j > 0 && snlp_in_ranges(snlp_cased, snlp_cased_count, text->data[j - 1])) {
                j = i + 1;
                while (j < n && snlp_in_ranges(snlp_case_ignorable,
                                               snlp_case_ignorable_count, text->data[j]))
                    j++;
                final = j == n || !snlp_in_ranges(snlp_cased, snlp_cased_count, text->data[j]);
            }
            out->data[w++] = final ? 0x03C2 : 0x03C3;
        } else if (has_property(cp, LOWER_CHANGES) &&
                   (at = find(snlp_lower, snlp_lower_count, 3, cp)) >= 0) {
            const uint32_t *row = &snlp_lower[3 * at];
            if (snlp_reserve(out, w + row[2] + (n - i - 1))) return -1;
            for (uint32_t k = 0; k < row[2]; k++) out->data[w++] = snlp_lower_pool[row[1] + k];
        } else {
            out->data[w++] = cp;
        }
    }
    out->count = w;
    return 0;
}

int snlp_normalize(snlp_codepoints *text, snlp_codepoints *scratch) {
    int changed, lowered;
    size_t loud;
    strip_markup(text);
    if (snlp_reserve(scratch, text->count)) return -1;
    loud = filter_letters(text, scratch->data, &lowered);
    if (nfkc_from(text, scratch, loud, &changed)) return -1;
    if (changed) letters_only(text); /* (scratch was NFKC's: lower it again) */
    if (changed || !lowered) {
        if (snlp_lowercase(text, scratch)) return -1;
    } else {
        scratch->count = text->count;
    }
    { /* the result back into text */
        snlp_codepoints swap = *text;
        *text = *scratch;
        *scratch = swap;
    }
    return 0;
}

/* Most text in Latin script is ASCII, where decoding, the filter and
 * lowering (every other step leaves ASCII alone) come to one table: each
 * byte's letter lowercased, or a space. Markup (a '<') takes the full path. */
int snlp_normalize_utf8(const uint8_t *s, size_t n, size_t max_chars, snlp_codepoints *text,
                        snlp_codepoints *scratch) {
    size_t count = n < max_chars ? n : max_chars;
    uint8_t bits = 0, markup = 0;
    for (size_t i = 0; i < count; i++) {
        bits |= s[i];
        markup |= s[i] == '<';
    }
    if (bits >= 0x80 || markup)
        return snlp_decode_utf8(s, n, max_chars, text) || snlp_normalize(text, scratch) ? -1
                                                                                        : 0;
    if (snlp_reserve(text, count)) return -1;
    for (size_t i = 0; i < count; i++) {
        uint32_t lower = s[i] | 0x20u;
        text->data[i] = lower - 'a' < 26u ? lower : SPACE;
    }
    text->count = count;
    return 0;
}

int snlp_text_valid(const snlp_text *text) {
    size_t unit = text->encoding == SNLP_UTF8 ? 1 : (size_t)text->encoding;
    return (text->encoding == SNLP_UTF8 || text->encoding == SNLP_LATIN1 ||
            text->encoding == SNLP_UCS2 || text->encoding == SNLP_UTF32) &&
           (text->data || !text->count) && (uintptr_t)text->data % unit == 0;
}

/* The code points are widened as they are (no decoding: each unit is one),
 * then normalised as decoded UTF-8 is; past U+10FFFF, U+FFFD, as for an
 * invalid UTF-8 sequence. */
int snlp_normalize_code_points(const snlp_text *in, size_t max_chars, snlp_codepoints *text,
                               snlp_codepoints *scratch) {
    size_t n = in->count < max_chars ? in->count : max_chars;
    if (snlp_reserve(text, n)) return -1;
    if (in->encoding == SNLP_LATIN1) {
        const uint8_t *units = in->data;
        for (size_t i = 0; i < n; i++) text->data[i] = units[i];
    } else if (in->encoding == SNLP_UCS2) {
        const uint16_t *units = in->data;
        for (size_t i = 0; i < n; i++) text->data[i] = units[i];
    } else {
        const uint32_t *units = in->data;
        for (size_t i = 0; i < n; i++)
            text->data[i] = units[i] <= 0x10FFFF ? units[i] : REPLACEMENT;
    }
    text->count = n;
    return snlp_normalize(text, scratch);
}

int snlp_normalize_token(snlp_codepoints *token, snlp_codepoints *scratch) {
    return snlp_token_form(token, scratch, 1, 0);
}

/* `in` with every Hangul syllable as its conjoining jamo (Unicode's
 * arithmetic decomposition: text.hangul_jamo) into `out`. */
static int hangul_jamo(const snlp_codepoints *in, snlp_codepoints *out) {
    size_t w = 0;
    if (snlp_reserve(out, 3 * in->count)) return -1;
    for (size_t i = 0; i < in->count; i++) {
        uint32_t cp = in->data[i], index = cp - 0xAC00;
        if (index < 11172) {
            out->data[w++] = 0x1100 + index / 588;
            out->data[w++] = 0x1161 + index % 588 / 28;
            if (index % 28) out->data[w++] = 0x11A7 + index % 28;
        } else {
            out->data[w++] = cp;
        }
    }
    out->count = w;
    return 0;
}

int snlp_token_form(snlp_codepoints *token, snlp_codepoints *scratch, int lowercase_it,
                    int jamo) {
    int changed;
    snlp_codepoints *form = token;
    if (nfkc(token, scratch, &changed)) return -1;
    for (size_t i = 0; i < token->count; i++) token->data[i] = fold(token->data[i]);
    if (lowercase_it) {
        if (snlp_lowercase(token, scratch)) return -1;
        form = scratch;
    }
    for (size_t i = 0; i < form->count; i++) {
        uint32_t cp = form->data[i];
        form->data[i] = cp >= '1' && cp <= '9' ? '0' : cp == '^' ? 0x01 : cp == '$' ? 0x02 : cp;
    }
    if (jamo) {
        if (hangul_jamo(form, form == scratch ? token : scratch)) return -1;
        form = form == scratch ? token : scratch;
    }
    if (form == scratch) { /* the result back into token */
        snlp_codepoints swap = *token;
        *token = *scratch;
        *scratch = swap;
    }
    return 0;
}
