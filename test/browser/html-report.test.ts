/**
 * The HTML run report in a real browser: Debian's chromium driven by playwright-core (nothing is
 * downloaded; the browser is the installed one). Every sample's report and a failing one (a
 * corrupted --tables dump) are opened from disk: no console errors, no request leaves the file,
 * the failure list is shown, and the address search finds the right endpoint. Screenshots go to
 * test-output/browser/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { reachRows, type ReachRow } from "../../src/pictures/index.js";
import { ROOT, vcm } from "../cli/helpers.js";

const CHROMIUM = process.env.VCM_CHROMIUM ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === "true" || process.env.CI === "1";
if (!available && !inCi) {
  const line = "!".repeat(78);
  process.stderr.write(
    `\n${line}\n!! SKIPPING the browser tests of the HTML report: no chromium at ${CHROMIUM}.\n` +
      `!! Install it with: apt-get install -y chromium   (CI installs it and never skips)\n${line}\n\n`,
  );
}

const SAMPLES = ["video-pipeline", "default-domains", "p2p-revoke", "spapr-v2", "spapr-owners"];
const SHOTS = join(ROOT, "test-output", "browser");
const work = mkdtempSync(join(tmpdir(), "vcm-browser-"));

interface Opened {
  errors: string[];
  requests: string[];
}

describe.skipIf(!available && !inCi)("HTML report in chromium", () => {
  let context: BrowserContext;

  beforeAll(async () => {
    expect(available, `chromium is required in CI: none at ${CHROMIUM}`).toBe(true);
    mkdirSync(SHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "vcm-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1200, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
  });

  async function open(file: string) {
    const page = await context.newPage();
    const seen: Opened = { errors: [], requests: [] };
    page.on("console", (m) => {
      if (m.type() === "error") seen.errors.push(m.text());
    });
    page.on("pageerror", (e) => seen.errors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) seen.requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    return { page, seen };
  }

  async function searchFinds(page: Awaited<ReturnType<typeof open>>["page"], row: ReachRow) {
    const pa = row.pa + (row.size > 0x10n ? 0x10n : 0n);
    await page.fill("#search-address", "0x" + pa.toString(16));
    await page.click("#search-form button");
    const hit = page.locator(`#search-results li[data-endpoint="${row.endpoint}"]`).first();
    await expect.poll(() => hit.count()).toBeGreaterThan(0);
    expect(await hit.textContent()).toContain(row.memory);
  }

  it.each(SAMPLES)(
    "opens the %s report: no errors, no failures, the search finds who reaches",
    async (name) => {
      const checked = await checkTopology(join(ROOT, "samples", `${name}.vcm`), {});
      const compiled = lower(checked.ir!, checked.registry).compiled!;
      const html = join(work, `${name}.html`);
      const r = vcm(["run", `samples/${name}.vcm`, "--html", html]);
      expect(r.code, r.stderr).toBe(0);
      const { page, seen } = await open(html);
      expect(await page.locator("#no-failures").isVisible()).toBe(true);
      expect(await page.locator("#summary-table tbody tr").count()).toBe(
        checked.ir!.endpoints.length,
      );
      expect(await page.locator("svg.vcm-graph").isVisible()).toBe(true);
      expect(await page.locator("svg.vcm-layout").isVisible()).toBe(true);
      const row = reachRows(compiled).find((x) => x.via === "table")!;
      await searchFinds(page, row);
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      expect(seen.errors).toEqual([]);
      expect(seen.requests).toEqual([]);
      await page.close();
    },
  );

  it("follows a dark page and prints black on white", async () => {
    const html = join(work, "video-pipeline-theme.html");
    expect(vcm(["run", "samples/video-pipeline.vcm", "--html", html]).code).toBe(0);
    const { page, seen } = await open(html);
    // Expressions as strings: the test is type-checked without the DOM library.
    const background = () =>
      page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    const nodeFill = () =>
      page.evaluate<string>(
        "getComputedStyle(document.querySelector('svg.vcm-graph rect.k-endpoint')).fill",
      );
    await page.emulateMedia({ colorScheme: "light" });
    expect(await background()).toBe("rgb(255, 255, 255)");
    const lightFill = await nodeFill();
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background()).toBe("rgb(13, 17, 23)");
    expect(await nodeFill()).not.toBe(lightFill);
    await page.screenshot({ path: join(SHOTS, "video-pipeline-dark.png"), fullPage: true });
    await page.emulateMedia({ media: "print", colorScheme: "dark" });
    expect(await background()).toBe("rgb(255, 255, 255)");
    expect(await page.locator("#search").isVisible()).toBe(false);
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it("opens the report of a corrupted --tables dump: the failures with their walks are listed", async () => {
    const out = join(work, "p2p-tables");
    expect(vcm(["compile", "samples/p2p-revoke.vcm", "-o", out]).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const pool = manifest.pools[0];
    const table = manifest.tables.find((t: { name: string }) => t.name === "gpu_dom");
    const last = table.tablePages[table.tablePages.length - 1];
    const image = join(out, pool.image);
    const bytes = readFileSync(image);
    const offset = Number(BigInt(last.pa) - BigInt(pool.base));
    let entry = -1;
    for (let i = offset; i < offset + 4096; i += 8) {
      if (bytes.readBigUInt64LE(i) !== 0n) {
        entry = i;
        break;
      }
    }
    expect(entry).toBeGreaterThanOrEqual(0);
    // A stray copy of a leaf one slot further: the gpu reaches memory nobody declared.
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(entry), entry + 8);
    writeFileSync(image, bytes);
    const html = join(work, "corrupted.html");
    const r = vcm([
      "run",
      "samples/p2p-revoke.vcm",
      "--tables",
      out,
      "--no-scenarios",
      "--html",
      html,
    ]);
    expect(r.code).toBe(1);
    const { page, seen } = await open(html);
    expect(await page.locator("#status").textContent()).toContain("FAILED");
    const failures = page.locator("#failure-list li.failure");
    expect(await failures.count()).toBeGreaterThan(0);
    expect(await failures.first().isVisible()).toBe(true);
    const text = (await failures.first().textContent()) ?? "";
    expect(text).toContain("gpu");
    expect(text).toContain("walk:");
    // The same walk text as the terminal report.
    expect(r.stdout).toContain(text.split("\n")[0]!);
    await page.fill("#search-address", "0xffff_ffff_ffff_0000");
    await page.click("#search-form button");
    expect(await page.locator("#search-results").textContent()).toContain("No endpoint reaches");
    await page.screenshot({ path: join(SHOTS, "corrupted-tables.png"), fullPage: true });
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([]);
    await page.close();
  });
});
