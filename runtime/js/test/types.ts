// The TypeScript declarations (src/index.d.ts) used as an app would use them;
// `tsc --noEmit` on this file fails if they do not describe the package.
import { init, LanguageIdentifier, PosTagger, RELIABLE_PROBABILITY, type Identification,
         type LanguageSpan } from "../src/index.js";

export async function example(modelBytes: ArrayBuffer, taggerBytes: Uint8Array): Promise<string[]> {
  await init(new URL("../dist/smallnlp.wasm", import.meta.url));
  const lid: LanguageIdentifier = await LanguageIdentifier.load(modelBytes);
  const answer: Identification = lid.identify("Das ist ein Test", { threshold: 0.5 });
  const sure: boolean = answer.reliable && answer.probability >= RELIABLE_PROBABILITY;
  const top: string[] = lid.topK("Das ist ein Test", 3).map((guess) => guess.language);
  const spans: LanguageSpan[] = lid.setLanguages(["de", "en"]).spans("Das ist ein Test. This is a test.");
  const languages: string[] = lid.languages;
  lid.dispose();
  const tagger = await PosTagger.load(taggerBytes);
  const tags: string[] = tagger.tag(["The", "cat"]);
  tagger.dispose();
  return [...top, ...languages, ...tags, String(sure), String(spans.length)];
}
