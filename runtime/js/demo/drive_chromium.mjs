// Opens a page in headless Chromium (playwright-core). With TEXTS.json, the
// demo page: types each text into its text box, reads the language the page
// shows, and prints them as JSON; with SCREENSHOT, saves a picture of the page
// with the last text typed. Without, any page: prints the text its body shows
// once it shows one. Used by tests/test_js.py and tests/test_readme.py.
//   node demo/drive_chromium.mjs PAGE_URL [TEXTS.json [SCREENSHOT.png]]
import { readFile } from "node:fs/promises";
import { argv, env, exit } from "node:process";
import { chromium } from "playwright-core";

const [url, textsPath, screenshot] = argv.slice(2);
if (!url) {
  console.error("usage: node drive_chromium.mjs PAGE_URL [TEXTS.json [SCREENSHOT.png]]");
  exit(2);
}
const browser = await chromium.launch({
  executablePath: env.CHROMIUM ?? "/usr/bin/chromium",
  // No sandbox for root in CI; no background connections on a closed network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 760, height: 520 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  if (textsPath) {
    console.log(JSON.stringify({ shown: await typeInto(page, textsPath, errors), errors }));
  } else {
    await page.waitForFunction(() => document.body.innerText.trim(), null, { timeout: 30_000 })
      .catch((error) => { throw new Error(`the page showed nothing: ${errors.join("; ") || error}`); });
    console.log(JSON.stringify({ body: await page.innerText("body"), errors }));
  }
} finally {
  await browser.close();
}

async function typeInto(page, textsPath, errors) {
  const texts = JSON.parse(await readFile(textsPath, "utf8"));
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 }).catch((error) => {
    throw new Error(`the page did not start: ${errors.join("; ") || error}`);
  });
  const shown = [];
  for (const text of texts) {
    await page.fill("#text", text); // fires the input event the page listens to
    shown.push(await page.getAttribute("#answer", "data-language"));
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  return shown;
}
