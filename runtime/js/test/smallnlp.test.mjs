// The JavaScript package on the shipped models, with node:test:
//   make -C runtime/js && node --test runtime/js/test/
// SMALLNLP_WASM names another build of the module (the Python tests build one
// in a temporary folder).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

import { init, LanguageIdentifier, PosTagger, RELIABLE_PROBABILITY } from "../src/index.js";

const models = new URL("../../../models/", import.meta.url);
const runtime = await init(process.env.SMALLNLP_WASM ? pathToFileURL(process.env.SMALLNLP_WASM) : undefined);
const langidBytes = await readFile(new URL("langid.snlp", models));
const posBytes = await readFile(new URL("pos-en.snlp", models));
const lid = await LanguageIdentifier.load(langidBytes);
const tagger = await PosTagger.load(posBytes);

test("identify names the language, its probability and whether it is reliable", () => {
  const german = lid.identify("Das ist ein kleiner Test");
  assert.equal(german.language, "de");
  assert.ok(german.probability > RELIABLE_PROBABILITY && german.probability <= 1);
  assert.equal(german.reliable, true);
  assert.equal(lid.identify("Ceci n'est pas une pipe").language, "fr");
  assert.deepEqual(lid.identify(""), { language: "und", probability: 0, reliable: false });
  assert.deepEqual(lid.identify("1234 !?"), { language: "und", probability: 0, reliable: false });
  const unsure = lid.identify("Das ist ein kleiner Test", { threshold: 1 });
  assert.equal(unsure.language, "und");
  assert.equal(unsure.probability, german.probability);
});

test("topK lists the k likeliest languages, most likely first", () => {
  const top = lid.topK("Das ist ein kleiner Test", 3);
  assert.equal(top.length, 3);
  assert.equal(top[0].language, "de");
  assert.ok(top[0].probability >= top[1].probability && top[1].probability >= top[2].probability);
  assert.equal(lid.topK("Das ist ein kleiner Test", 1000).length, lid.labels.length);
  assert.deepEqual(lid.topK("!!!"), [{ language: "und", probability: 0 }]);
  assert.throws(() => lid.topK("x", 0), RangeError);
  assert.throws(() => lid.topK("x", 1.5), RangeError);
});

test("setLanguages answers among a subset, null restores all", () => {
  lid.setLanguages(["en", "fr"]);
  try {
    assert.deepEqual(lid.languages, ["en", "fr"]);
    assert.ok(["en", "fr"].includes(lid.identify("Das ist ein kleiner Test").language));
    assert.ok(lid.topK("Das ist ein kleiner Test", 5).length <= 2);
    assert.throws(() => lid.setLanguages(["xx"]), /unknown language codes: xx/);
    assert.throws(() => lid.setLanguages([]), RangeError);
  } finally {
    lid.setLanguages(null);
  }
  assert.equal(lid.languages.length, lid.labels.length);
  assert.equal(lid.identify("Das ist ein kleiner Test").language, "de");
});

test("spans cover the text in order, with UTF-16 offsets", () => {
  const text = "Das ist ein kleiner Test, und er geht weiter. 😀 This is an English sentence, and it goes on.";
  const spans = lid.spans(text);
  assert.deepEqual(spans.map((span) => span.language), ["de", "en"]);
  assert.equal(spans[0].start, 0);
  assert.equal(spans.at(-1).end, text.length);
  spans.slice(1).forEach((span, i) => assert.equal(span.start, spans[i].end));
  assert.ok(text.slice(spans[1].start, spans[1].end).startsWith("This"));
  const one = "Ceci n'est pas une pipe, c'est un tableau.";
  assert.deepEqual(lid.spans(one).map(({ start, end, language }) => [start, end, language]),
                   [[0, one.length, lid.identify(one).language]]);
  assert.deepEqual(lid.spans(""), [{ start: 0, end: 0, language: "und", probability: 0 }]);
});

test("tag gives one tag per token", () => {
  assert.deepEqual(tagger.tag(["The", "cat", "sat", "on", "the", "mat", "."]),
                   ["DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"]);
  assert.deepEqual(tagger.tag([]), []);
  assert.ok(tagger.tags.includes("NOUN"));
  const long = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? "dog" : "the"));
  assert.equal(tagger.tag(long).length, long.length);
  // Halves of a surrogate pair in two tokens stay two tokens.
  assert.equal(tagger.tag(["a\uD83D", "\uDE00b"]).length, 2);
});

test("bad input: a clear error or a documented result, never a crash", () => {
  for (const bad of [null, undefined, 42, {}]) {
    assert.throws(() => lid.identify(bad), TypeError);
    assert.throws(() => lid.spans(bad), TypeError);
  }
  assert.throws(() => tagger.tag("not an array"), TypeError);
  assert.throws(() => tagger.tag(["ok", null]), TypeError);
  assert.throws(() => lid.identify("x", { threshold: 2 }), RangeError);
  assert.throws(() => lid.identify("x", { threshold: NaN }), RangeError);
  // Lone surrogates read as U+FFFD, as TextEncoder writes them.
  assert.equal(lid.identify("\uD800Das ist ein kleiner Test\uDFFF").language, "de");
  const spans = lid.spans("\uD800 Das ist ein kleiner Test \uDC00");
  assert.equal(spans.at(-1).end, "\uD800 Das ist ein kleiner Test \uDC00".length);
  // 10 MB: only the first max_chars characters are read for identify.
  const huge = "Das ist ein kleiner Test. ".repeat(400_000);
  assert.equal(lid.identify(huge).language, "de");
  assert.equal(lid.spans(huge.slice(0, 1_000_000)).at(-1).end, 1_000_000);
});

test("a bad model file is refused with the runtime's reason", async () => {
  await assert.rejects(LanguageIdentifier.load(langidBytes.subarray(0, 1000)), /not a usable model file: /);
  await assert.rejects(LanguageIdentifier.load(new Uint8Array(0)), /not a usable model file: /);
  await assert.rejects(LanguageIdentifier.load(new TextEncoder().encode("{\"not\": \"a model\"}")),
                       /not a usable model file: /);
  await assert.rejects(LanguageIdentifier.load(posBytes), /this is a pos model, not a langid model/);
  await assert.rejects(PosTagger.load(langidBytes), /this is a langid model, not a pos model/);
  await assert.rejects(LanguageIdentifier.load(null), TypeError);
  await assert.rejects(LanguageIdentifier.load("models/langid.snlp"), TypeError);
});

test("dispose frees the model; twice is safe; calls after it throw", async () => {
  const before = runtime.memory.buffer.byteLength;
  for (let i = 0; i < 20; i++) {
    const model = await LanguageIdentifier.load(langidBytes);
    model.dispose();
    model.dispose();
    assert.throws(() => model.identify("x"), /disposed/);
  }
  assert.equal(runtime.memory.buffer.byteLength, before);
});

test("100,000 calls do not grow WebAssembly memory", () => {
  const texts = ["Das ist ein kleiner Test", "Ceci n'est pas une pipe", "", "日本語のテキストです",
                 "Привет, как дела?", "x".repeat(3000), "😀 emoji \uD800 and more"];
  const warm = () => texts.forEach((text) => { lid.identify(text); lid.topK(text, 3); lid.spans(text); });
  warm();
  tagger.tag(["The", "cat", "sat"]);
  const before = runtime.memory.buffer.byteLength;
  for (let i = 0; i < 100_000; i++) {
    const text = texts[i % texts.length];
    lid.identify(text);
    if (i % 10 === 0) lid.spans(text);
    if (i % 10 === 5) tagger.tag(["The", "cat", "sat", String(i)]);
  }
  assert.equal(runtime.memory.buffer.byteLength, before);
});
