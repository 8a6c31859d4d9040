"""The JavaScript package (runtime/js): its node:test suite, and the same labels
as Python on dev lines, in Node and in the demo page driven in headless
Chromium. Skipped, saying why, without clang/lld/wasi-libc, node, Chromium or
the package's node modules (`npm ci --prefix runtime/js`); .ci/run installs them."""
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from .conftest import REPO, shipped_langid_answers

JS = REPO / "runtime" / "js"
@pytest.fixture(scope="module")
def wasm(tmp_path_factory) -> Path:
    """dist/smallnlp.wasm built by the package's own command, in a temp folder."""
    if not (shutil.which("clang") and shutil.which("node")):
        pytest.skip("clang or node is not installed")
    build = tmp_path_factory.mktemp("js")
    probe = build / "probe.c"
    probe.write_text("#include <stdlib.h>\nint main(void) { return 0; }\n")
    if subprocess.run(["clang", "--target=wasm32-wasi", "--sysroot=/usr", "-fuse-ld=lld",
                       str(probe), "-o", str(build / "probe.wasm")],
                      capture_output=True).returncode:
        pytest.skip("no wasm32-wasi toolchain here (Debian: clang, lld, wasi-libc, "
                    "libclang-rt-14-dev-wasm32)")
    result = subprocess.run(["make", "-C", str(JS), f"DIST={build}"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return build / "smallnlp.wasm"


def test_the_package_passes_its_node_tests(wasm):
    result = subprocess.run(["node", "--test", "test/"], cwd=JS, capture_output=True,
                            text=True, timeout=600, env={**os.environ, "SMALLNLP_WASM": str(wasm)})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_the_module_needs_no_wasi_host(wasm):
    """A browser instantiates it with the three stubs index.js gives."""
    script = ("const m = new WebAssembly.Module(require('fs').readFileSync(process.argv[1]));"
              "console.log(JSON.stringify(WebAssembly.Module.imports(m)))")
    imports = json.loads(subprocess.run(["node", "-e", script, str(wasm)], capture_output=True,
                                        text=True, check=True).stdout)
    assert {(i["module"], i["name"]) for i in imports} <= {
        ("wasi_snapshot_preview1", name) for name in ("fd_close", "fd_seek", "fd_write")}


def test_node_answers_as_python_on_dev_lines(wasm, binding_dev_lines, tmp_path):
    (tmp_path / "texts.json").write_text(json.dumps(binding_dev_lines))
    script = """
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
const [wasm, texts, model] = process.argv.slice(1);
const { init, LanguageIdentifier } = await import(process.env.SMALLNLP_JS);
await init(pathToFileURL(wasm));
const lid = await LanguageIdentifier.load(await readFile(model));
const lines = JSON.parse(await readFile(texts, "utf8"));
console.log(JSON.stringify(lines.map((line) => {
  const { language, probability } = lid.identify(line);
  return [language, probability];
})));
"""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script, str(wasm), str(tmp_path / "texts.json"),
         str(REPO / "models" / "langid.snlp")], capture_output=True, text=True, timeout=600,
        env={**os.environ, "SMALLNLP_JS": (JS / "src" / "index.js").as_uri()})
    assert result.returncode == 0, result.stderr
    node = json.loads(result.stdout)
    python = shipped_langid_answers(binding_dev_lines)
    assert [label for label, _ in node] == [label for label, _ in python]
    # The same C code; the Python extension may take AVX2 paths, tested equal
    # to the portable ones by runtime/c/tests/test_model.c.
    assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(node, python))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The repository, with /build/ served from the test's build folder."""

    def __init__(self, *args, build: Path, **kwargs):
        self.build = build
        super().__init__(*args, directory=str(REPO), **kwargs)

    def translate_path(self, path: str) -> str:
        if path.startswith("/build/"):
            return str(self.build / Path(path).name)
        return super().translate_path(path)

    def log_message(self, *args) -> None:
        pass


def test_the_demo_page_in_chromium_answers_as_python(wasm, binding_dev_lines, tmp_path):
    """Types each dev line into the demo page's text box in headless Chromium
    and reads the language the page shows. SMALLNLP_SCREENSHOT=docs/js-demo.png
    keeps the picture of the page (README, "In your app")."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (Debian: chromium)")
    if not (JS / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed (npm ci --prefix runtime/js)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, build=wasm.parent))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    texts = binding_dev_lines + ["Ein kleiner Test, mit dem die Seite zeigt, was sie kann."]
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    screenshot = os.environ.get("SMALLNLP_SCREENSHOT", str(tmp_path / "demo.png"))
    try:
        url = f"http://127.0.0.1:{server.server_port}/runtime/js/demo/index.html?wasm=/build/{wasm.name}"
        result = subprocess.run(["node", str(JS / "demo" / "drive_chromium.mjs"), url,
                                 str(tmp_path / "texts.json"), screenshot],
                                capture_output=True, text=True, timeout=600,
                                env={**os.environ, "CHROMIUM": chromium})
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    page = json.loads(result.stdout)
    assert page["errors"] == []
    assert page["shown"] == [label for label, _ in shipped_langid_answers(texts)]
    assert Path(screenshot).stat().st_size > 10_000
