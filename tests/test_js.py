"""The JavaScript package (runtime/js): its node:test suite, the same labels as
Python on dev lines in Node and in the demo page driven in headless Chromium,
and the README's Node and page examples. Skipped, saying why, without
clang/lld/wasi-libc, node, Chromium or the package's node modules
(`npm ci --prefix runtime/js`); .ci/run installs them."""
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from .conftest import REPO, app_example, shipped_langid_answers

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


def test_the_typescript_declarations_describe_the_package():
    """test/types.ts uses every declared name as an app would; tsc checks it."""
    tsc = JS / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("typescript is not installed (npm ci --prefix runtime/js)")
    result = subprocess.run([str(tsc), "-p", str(JS)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


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


def _chromium() -> str:
    """Chromium's path, after skipping where it or playwright-core is missing."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (Debian: chromium)")
    if not (JS / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed (npm ci --prefix runtime/js)")
    return chromium


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of a folder, and /build/NAME from the build folder if one is given."""

    def __init__(self, *args, folder: Path, build: Path | None, **kwargs):
        self.build = build
        super().__init__(*args, directory=str(folder), **kwargs)

    def translate_path(self, path: str) -> str:
        if self.build and path.startswith("/build/"):
            return str(self.build / Path(path).name)
        return super().translate_path(path)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def _served(folder: Path, build: Path | None = None):
    """The address of a local HTTP server of ``folder`` while the block runs."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, folder=folder, build=build))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_the_demo_page_in_chromium_answers_as_python(wasm, binding_dev_lines, tmp_path):
    """Types each dev line into the demo page's text box in headless Chromium
    and reads the language the page shows. SMALLNLP_SCREENSHOT=docs/js-demo.png
    keeps the picture of the page (README, "In your app")."""
    chromium = _chromium()
    texts = binding_dev_lines + ["Ein kleiner Test, mit dem die Seite zeigt, was sie kann."]
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    screenshot = os.environ.get("SMALLNLP_SCREENSHOT", str(tmp_path / "demo.png"))
    with _served(REPO, build=wasm.parent) as address:
        url = f"{address}/runtime/js/demo/index.html?wasm=/build/{wasm.name}"
        result = subprocess.run(["node", str(JS / "demo" / "drive_chromium.mjs"), url,
                                 str(tmp_path / "texts.json"), screenshot],
                                capture_output=True, text=True, timeout=600,
                                env={**os.environ, "CHROMIUM": chromium})
    assert result.returncode == 0, result.stderr[-3000:]
    page = json.loads(result.stdout)
    assert page["errors"] == []
    assert page["shown"] == [label for label, _ in shipped_langid_answers(texts)]
    assert Path(screenshot).stat().st_size > 10_000


@pytest.fixture(scope="module")
def installed(wasm, tmp_path_factory) -> Path:
    """A folder whose node_modules/smallnlp holds what the package publishes
    (package.json's "files", with the .wasm built above)."""
    root = tmp_path_factory.mktemp("app")
    package = root / "node_modules" / "smallnlp"
    manifest = json.loads((JS / "package.json").read_text())
    for name in ["package.json", *manifest["files"]]:
        source = wasm if name == "dist/smallnlp.wasm" else JS / name
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, package / name)
    return root


def test_the_readme_node_example_prints_what_it_says(installed):
    (installed / "example.mjs").write_text(app_example("js"), encoding="utf-8")
    result = subprocess.run(["node", str(installed / "example.mjs")], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["de", "3"]


def test_the_readme_page_example_shows_the_language_in_chromium(installed):
    chromium = _chromium()
    (installed / "index.html").write_text(app_example("html"), encoding="utf-8")
    (installed / "smallnlp").symlink_to(installed / "node_modules" / "smallnlp")
    (installed / "models").symlink_to(REPO / "models")
    with _served(installed) as address:
        result = subprocess.run(["node", str(JS / "demo" / "drive_chromium.mjs"),
                                 f"{address}/index.html"], capture_output=True, text=True,
                                timeout=300, env={**os.environ, "CHROMIUM": chromium})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == {"body": "fr", "errors": []}
