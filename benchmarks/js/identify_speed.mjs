// identify() in Node, smallnlp's package (with each MODEL) against cld3-asm,
// on the same texts: load time (the WebAssembly start, then the model; its
// bytes already read) and seconds per call, every pass timed once a round in
// interleaved rounds, its fastest kept. Prints JSON. Run by
// benchmarks/app_bindings.py:
//   node identify_speed.mjs SMALLNLP_WASM TEXTS.json ROUNDS MODEL.snlp...
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { argv } from "node:process";
import { pathToFileURL } from "node:url";

const [wasm, textsPath, rounds, ...models] = argv.slice(2);
const texts = JSON.parse(await readFile(textsPath, "utf8"));
const results = {};
const passes = {};

let start = performance.now();
const { init, LanguageIdentifier } = await import("../../runtime/js/src/index.js");
await init(pathToFileURL(wasm));
results.smallnlp_start_ms = performance.now() - start;
for (const model of models) {
  const bytes = await readFile(model);
  start = performance.now();
  const lid = await LanguageIdentifier.load(bytes);
  const name = basename(model, ".snlp");
  results[name] = { load_ms: performance.now() - start };
  passes[name] = (text) => lid.identify(text).language;
}

start = performance.now();
const { loadModule } = await import("cld3-asm");
const cld3 = (await loadModule()).create();
results.cld3 = { load_ms: performance.now() - start };
passes.cld3 = (text) => cld3.findLanguage(text).language;

for (let round = 0; round < Number(rounds); round++) {
  for (const [name, identify] of Object.entries(passes)) {
    start = performance.now();
    for (const text of texts) identify(text);
    const seconds = (performance.now() - start) / 1000 / texts.length;
    results[name].seconds_per_call = Math.min(results[name].seconds_per_call ?? Infinity, seconds);
  }
}
console.log(JSON.stringify(results));
