// smallnlp for browsers and Node 18+: language ID and POS tagging with the
// same .snlp model files as the Python package, run by the C runtime built to
// WebAssembly (dist/smallnlp.wasm, `make -C runtime/js`).
//
//   import { LanguageIdentifier } from "smallnlp";
//   const lid = await LanguageIdentifier.load(modelBytes);  // ArrayBuffer or typed array
//   lid.identify("Das ist ein Test");  // { language: "de", probability: 0.99, reliable: true }
//   lid.dispose();

const ENOSYS = 52;
// libc links these three WASI calls (stdio) but the package never makes them:
// stubs that fail, so that no WASI host is needed.
const WASI_STUBS = {
  fd_close: () => ENOSYS,
  fd_seek: () => ENOSYS,
  fd_write: () => ENOSYS,
};

/** A probability at least this high counts as reliable (CLD3's threshold). */
export const RELIABLE_PROBABILITY = 0.7;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let runtime = null;

/**
 * Instantiate the WebAssembly module once, before the first load. Without an
 * argument it is read from dist/smallnlp.wasm beside this file (fetch in
 * browsers, the file system in Node); pass a URL, a Response, its bytes or a
 * compiled WebAssembly.Module to take it from elsewhere (a CDN, a bundler's
 * asset URL).
 */
export function init(source) {
  if (!runtime) {
    runtime = instantiate(source ?? new URL("../dist/smallnlp.wasm", import.meta.url));
    runtime.catch(() => { runtime = null; }); // a failed start may be retried
  }
  return runtime;
}

async function instantiate(source) {
  const imports = { wasi_snapshot_preview1: WASI_STUBS };
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, imports);
  } else {
    const bytes = await wasmBytes(source);
    ({ instance } = await WebAssembly.instantiate(bytes, imports));
  }
  instance.exports._initialize();
  return instance.exports;
}

async function wasmBytes(source) {
  if (typeof source === "string") source = new URL(source, import.meta.url);
  if (source instanceof URL) {
    if (source.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      return readFile(source);
    }
    source = await fetch(source);
  }
  if (typeof Response !== "undefined" && source instanceof Response) {
    if (!source.ok) throw new Error(`smallnlp: could not fetch the WebAssembly module (${source.status})`);
    return source.arrayBuffer();
  }
  return source;
}

function bytesOf(model) {
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (ArrayBuffer.isView(model)) return new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  throw new TypeError("smallnlp: a model is given as its bytes (ArrayBuffer or typed array), " +
                      `not ${model === null ? "null" : typeof model}`);
}

function cString(exports, pointer) {
  const memory = new Uint8Array(exports.memory.buffer);
  let end = pointer;
  while (memory[end]) end++;
  return decoder.decode(memory.subarray(pointer, end));
}

function checkText(text) {
  if (typeof text !== "string") {
    throw new TypeError(`smallnlp: text must be a string, not ${text === null ? "null" : typeof text}`);
  }
}

function checkThreshold(threshold) {
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`smallnlp: threshold must be a probability in 0..1, not ${threshold}`);
  }
}

// Frees what a model holds in WebAssembly memory if its owner forgot dispose().
const finalizer = typeof FinalizationRegistry === "undefined" ? null
  : new FinalizationRegistry(({ exports, handle }) => exports.snlpjs_close(handle));

class Model {
  #exports;
  #handle;

  constructor(exports, handle, task) {
    this.#exports = exports;
    this.#handle = handle;
    this.task = task;
    const count = exports.snlpjs_label_count(handle);
    this.labels = Object.freeze(Array.from({ length: count },
      (_, k) => cString(exports, exports.snlpjs_label(handle, k))));
    finalizer?.register(this, { exports, handle }, this);
  }

  static async open(model, task) {
    const bytes = bytesOf(model);
    const exports = await init();
    const file = exports.snlpjs_file_buffer(bytes.length);
    if (!file) throw new Error("smallnlp: out of memory for the model file");
    new Uint8Array(exports.memory.buffer, file, bytes.length).set(bytes);
    const handle = exports.snlpjs_open(file, bytes.length);
    if (!handle) throw new Error(`smallnlp: not a usable model file: ${cString(exports, exports.snlpjs_message())}`);
    const found = cString(exports, exports.snlpjs_task(handle));
    if (found !== task) {
      exports.snlpjs_close(handle);
      throw new Error(`smallnlp: this is a ${found} model, not a ${task} model`);
    }
    return { exports, handle };
  }

  /** The runtime and the model's handle, or an error after dispose(). */
  get _live() {
    if (!this.#handle) throw new Error("smallnlp: the model was disposed");
    return [this.#exports, this.#handle];
  }

  /** Error with the runtime's message for a failed call. */
  _failed() {
    return new Error(`smallnlp: ${cString(this.#exports, this.#exports.snlpjs_message())}`);
  }

  /** Writes `text` as UTF-8 into the model's buffer: its size in bytes. */
  _write(text) {
    const [exports, handle] = this._live;
    const room = 3 * text.length; // UTF-8 bytes per UTF-16 unit, at most
    const pointer = exports.snlpjs_text(handle, room);
    if (!pointer) throw this._failed();
    return encoder.encodeInto(text, new Uint8Array(exports.memory.buffer, pointer, room)).written;
  }

  /** Frees the model's WebAssembly memory; safe to call twice. */
  dispose() {
    if (!this.#handle) return;
    finalizer?.unregister(this);
    this.#exports.snlpjs_close(this.#handle);
    this.#handle = 0;
  }
}
// `using lid = await LanguageIdentifier.load(...)` where the engine has it.
if (Symbol.dispose) Model.prototype[Symbol.dispose] = Model.prototype.dispose;

export class LanguageIdentifier extends Model {
  #maxUnits;
  #subset = null;

  /** Opens a language-ID model from its file's bytes. */
  static async load(model) {
    const { exports, handle } = await Model.open(model, "langid");
    return new LanguageIdentifier(exports, handle);
  }

  constructor(exports, handle) {
    super(exports, handle, "langid");
    // The runtime reads a text's first max_chars code points: 2 UTF-16 units
    // each at most, so nothing past them needs encoding.
    this.#maxUnits = 2 * exports.snlpjs_max_chars(handle);
  }

  /** The language codes the model knows (or those setLanguages kept). */
  get languages() {
    return this.#subset ? [...this.#subset] : [...this.labels];
  }

  /** Answer only among `codes` (null: all of them again), as ML Kit's and
   * lingua's language subsets. */
  setLanguages(codes) {
    const [exports, handle] = this._live;
    if (codes === null || codes === undefined) {
      exports.snlpjs_use_subset(handle, 0);
      this.#subset = null;
      return this;
    }
    const wanted = new Set(codes);
    const unknown = [...wanted].filter((code) => !this.labels.includes(code));
    if (unknown.length) throw new RangeError(`smallnlp: unknown language codes: ${unknown.join(", ")}`);
    if (!wanted.size) throw new RangeError("smallnlp: setLanguages needs at least one language");
    const allowed = new Uint8Array(exports.memory.buffer, exports.snlpjs_allowed(handle), this.labels.length);
    this.labels.forEach((code, k) => { allowed[k] = wanted.has(code) ? 1 : 0; });
    exports.snlpjs_use_subset(handle, 1);
    this.#subset = this.labels.filter((code) => wanted.has(code));
    return this;
  }

  #run(text) {
    checkText(text);
    const [exports, handle] = this._live;
    const size = this._write(text.length > this.#maxUnits ? text.slice(0, this.#maxUnits) : text);
    const best = exports.snlpjs_identify(handle, size);
    if (best < 0) throw this._failed();
    return best;
  }

  #probabilities() {
    const [exports, handle] = this._live;
    return new Float64Array(exports.memory.buffer, exports.snlpjs_probabilities(handle), this.labels.length);
  }

  /**
   * The language of `text`: { language, probability, reliable }. "und" (with
   * probability 0) for text without letters, and for a best probability below
   * `threshold`; reliable when the probability is at least 0.7.
   */
  identify(text, { threshold = 0 } = {}) {
    checkThreshold(threshold);
    const best = this.#run(text);
    const probability = best < this.labels.length ? this.#probabilities()[best] : 0;
    const known = best < this.labels.length && probability >= threshold;
    return {
      language: known ? this.labels[best] : "und",
      probability,
      reliable: known && probability >= RELIABLE_PROBABILITY,
    };
  }

  /** The `k` most likely languages, most likely first: [{ language,
   * probability }]; [{ language: "und", ... }] as identify says "und". */
  topK(text, k = 3, { threshold = 0 } = {}) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`smallnlp: k must be a positive integer, not ${k}`);
    checkThreshold(threshold);
    const best = this.#run(text);
    const probabilities = this.#probabilities();
    if (best >= this.labels.length || probabilities[best] < threshold) {
      return [{ language: "und", probability: best < this.labels.length ? probabilities[best] : 0 }];
    }
    const [exports, handle] = this._live;
    const count = exports.snlpjs_top_k(handle, k);
    const order = new Uint32Array(exports.memory.buffer, exports.snlpjs_order(handle), count);
    return Array.from(order, (index) => ({ language: this.labels[index], probability: probabilities[index] }));
  }

  /**
   * The runs of one language in `text`, in order and covering it whole:
   * [{ start, end, language, probability }], text.slice(start, end) being
   * the run (UTF-16 offsets, as JavaScript strings count). As the Python
   * package's LanguageIdentifier.spans.
   */
  spans(text, { threshold = 0 } = {}) {
    checkText(text);
    checkThreshold(threshold);
    const [exports, handle] = this._live;
    const count = exports.snlpjs_spans(handle, this._write(text), threshold);
    if (count < 0) throw this._failed();
    const rows = new Float64Array(exports.memory.buffer, exports.snlpjs_span_rows(handle), 4 * count);
    const spans = [];
    for (let i = 0; i < 4 * count; i += 4) {
      const label = rows[i + 2];
      spans.push({
        start: rows[i],
        end: rows[i + 1],
        language: label < this.labels.length ? this.labels[label] : "und",
        probability: rows[i + 3],
      });
    }
    return spans;
  }
}

export class PosTagger extends Model {
  /** Opens a tagger model from its file's bytes. */
  static async load(model) {
    const { exports, handle } = await Model.open(model, "pos");
    return new PosTagger(exports, handle, "pos");
  }

  /** The tags the model gives. */
  get tags() {
    return [...this.labels];
  }

  /** The tag of each token of one sentence (an array of strings). */
  tag(tokens) {
    if (!Array.isArray(tokens)) throw new TypeError("smallnlp: tokens must be an array of strings");
    tokens.forEach(checkText);
    const [exports, handle] = this._live;
    if (exports.snlpjs_tokens(handle, tokens.length) < 0) throw this._failed();
    // The sentence's tokens, one after another in one buffer, each encoded
    // alone (joined first, two halves of a surrogate pair would meet).
    const room = 3 * tokens.reduce((sum, token) => sum + token.length, 0);
    const pointer = exports.snlpjs_text(handle, room);
    if (!pointer) throw this._failed();
    const bytes = new Uint8Array(exports.memory.buffer, pointer, room);
    const sizes = new Uint32Array(exports.memory.buffer, exports.snlpjs_sizes(handle), tokens.length);
    let offset = 0;
    tokens.forEach((token, i) => {
      sizes[i] = encoder.encodeInto(token, bytes.subarray(offset)).written;
      offset += sizes[i];
    });
    if (exports.snlpjs_tag(handle, tokens.length) < 0) throw this._failed();
    const tags = new Uint32Array(exports.memory.buffer, exports.snlpjs_tags(handle), tokens.length);
    return Array.from(tags, (index) => this.labels[index]);
  }
}
