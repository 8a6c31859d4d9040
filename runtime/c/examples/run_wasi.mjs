// Runs the WebAssembly build of a demo under node's WASI, with the model's
// folder as the only directory it may read. stdin and stdout are the process's;
// OPTIONS go to the demo as they are (langid: -k K, -l CODES, -s).
//   node examples/run_wasi.mjs build/wasm/langid.wasm [OPTIONS...] MODEL.snlp < texts.txt
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { argv, exit } from "node:process";
import { WASI } from "node:wasi";

const [wasmPath, ...rest] = argv.slice(2);
const modelPath = rest.pop();
if (!wasmPath || !modelPath) {
  console.error("usage: node run_wasi.mjs DEMO.wasm [OPTIONS...] MODEL.snlp < texts.txt");
  exit(2);
}
const wasi = new WASI({
  version: "preview1",
  args: [basename(wasmPath), ...rest, `/model/${basename(modelPath)}`],
  preopens: { "/model": dirname(resolve(modelPath)) },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
