// Types of smallnlp's JavaScript package (src/index.js).

/** A probability at least this high counts as reliable (CLD3's threshold). */
export declare const RELIABLE_PROBABILITY: number;

/** Where the WebAssembly module comes from; default: dist/smallnlp.wasm beside the package. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module;

/** Instantiates the WebAssembly module (once); load() calls it for you. */
export declare function init(source?: WasmSource): Promise<unknown>;

/** A model file's bytes: `await (await fetch(url)).arrayBuffer()`, or `readFile(path)` in Node. */
export type ModelBytes = ArrayBuffer | ArrayBufferView;

export interface Identification {
  /** ISO 639 code, or "und" for text without letters or below the threshold. */
  language: string;
  probability: number;
  /** probability >= RELIABLE_PROBABILITY and a language was named */
  reliable: boolean;
}

export interface LanguageProbability {
  language: string;
  probability: number;
}

export interface LanguageSpan {
  /** UTF-16 offsets: text.slice(start, end) is the run. */
  start: number;
  end: number;
  language: string;
  probability: number;
}

export interface Options {
  /** Below this best probability the answer is "und" (default 0). */
  threshold?: number;
}

declare class Model {
  readonly task: "langid" | "pos";
  readonly labels: readonly string[];
  /** Frees the model's WebAssembly memory; calls after it throw; safe to call twice. */
  dispose(): void;
}

export declare class LanguageIdentifier extends Model {
  static load(model: ModelBytes): Promise<LanguageIdentifier>;
  /** The language codes the model answers with (after setLanguages, those kept). */
  readonly languages: string[];
  /** Answer only among these codes; null: all of them again. */
  setLanguages(codes: Iterable<string> | null): this;
  identify(text: string, options?: Options): Identification;
  topK(text: string, k?: number, options?: Options): LanguageProbability[];
  spans(text: string, options?: Options): LanguageSpan[];
}

export declare class PosTagger extends Model {
  static load(model: ModelBytes): Promise<PosTagger>;
  /** The tags the model gives (Universal POS tags for the shipped taggers). */
  readonly tags: string[];
  /** One tag per token of one sentence. */
  tag(tokens: readonly string[]): string[];
}
