/**
 * The language server as an editor feels it (issue 11): the real `vcm lsp --stdio` in a child
 * process, driven over JSON-RPC. A 5,000-line generated topology is split into a root document
 * and four imported files that are never opened (hidden imports). Timed from the client:
 * - one-character edits to the root (a name broken, then mended: the diagnostics change every
 *   time) until the server publishes that version's diagnostics, over EDITS edits;
 *   target p95 < 50 ms;
 * - hover on a buffer name and completion after `->` (names of the whole topology), each over
 *   EDITS requests; target p95 < 20 ms;
 * - hover on a `map` line (IOVA and leaves: the first one lowers the whole topology).
 * BENCH_LSP_EDITS changes the count; BENCH_LSP_PROFILE=DIR has the server write a CPU profile.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { PublishDiagnosticsParams } from "vscode-languageserver";
import { generateTopology } from "./generate-topology.js";
import { fmt, median, percentile } from "./stats.js";

const LINES = 5000;
const IMPORTS = 4;
const EDITS = Number(process.env["BENCH_LSP_EDITS"] ?? 200);
const BIN = fileURLToPath(new URL("../../bin/vcm.js", import.meta.url));

/** Root and imported files of about `LINES` lines; the root keeps a fifth of the body. */
export function lspBenchProject(dir: string): { root: string; rootText: string } {
  const lines = generateTopology(LINES).trimEnd().split("\n");
  const head = lines.slice(0, 21); // header, memory, pool and the mappers
  let body = lines.slice(21);
  const per = Math.ceil((body.length * 0.8) / IMPORTS);
  const imports: string[] = [];
  for (let i = 0; i < IMPORTS; i++) {
    writeFileSync(join(dir, `part${i}.vcm`), body.slice(0, per).join("\n") + "\n");
    body = body.slice(per);
    imports.push(`import "part${i}.vcm"`);
  }
  const rootText = [...head, ...imports, ...body].join("\n") + "\n";
  const root = join(dir, "root.vcm");
  writeFileSync(root, rootText);
  return { root, rootText };
}

/** CPU time (user + system) a process has used, in ms, from /proc; undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (USER_HZ = 100).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function report(what: string, ms: readonly number[], target?: number): void {
  const p95 = percentile(ms, 95);
  console.log(
    `  ${what.padEnd(34)} p50 ${fmt(median(ms), 1).padStart(6)} ms   p95 ${fmt(p95, 1).padStart(6)} ms` +
      (target !== undefined
        ? `   (target p95 < ${target} ms: ${p95 < target ? "met" : "MISSED"})`
        : ""),
  );
}

export async function lspBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-bench-"));
  mkdirSync(join(dir, ".git"));
  const { root, rootText } = lspBenchProject(dir);
  const uri = pathToFileURL(root).href;
  const lines = rootText.split("\n");
  console.log(
    `language server: ${rootText.split("\n").length - 1} lines in the root + ${IMPORTS} hidden imports, ${LINES.toLocaleString("en-US")} lines in all`,
  );

  // BENCH_LSP_PROFILE=DIR: the server writes a CPU profile there (node --cpu-prof).
  const profile = process.env["BENCH_LSP_PROFILE"];
  const node = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...node, BIN, "lsp", "--stdio"], { cwd: dir });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  let published: { version?: number; at: number; count: number } = { at: 0, count: 0 };
  let wake: (() => void) | undefined;
  connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    if (p.uri !== uri) return;
    published = {
      ...(p.version !== undefined ? { version: p.version } : {}),
      at: performance.now(),
      count: p.diagnostics.length,
    };
    wake?.();
  });
  connection.onRequest("workspace/configuration", () => [null]);
  connection.listen();
  const waitVersion = async (version: number) => {
    while (published.version !== version) await new Promise<void>((r) => (wake = r));
  };

  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "bench" }],
    capabilities: {},
  });
  await connection.sendNotification("initialized", {});
  const t0 = performance.now();
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "vcm", version: 1, text: rootText },
  });
  await waitVersion(1);
  console.log(
    `  open to first diagnostics (cold):  ${fmt(published.at - t0, 0)} ms, ${published.count} diagnostics`,
  );

  // The last `map NAME ->` line of the root: its name gets a character and loses it again.
  const lastLine = (prefix: string) => {
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith(prefix)) return i;
    throw new Error(`no '${prefix}' line in the root`);
  };
  const mapLine = lastLine("map ");
  const nameEnd = lines[mapLine]!.indexOf(" ->");
  const edits: number[] = [];
  let version = 1;
  const counts = new Set<number>();
  const cpuBefore = cpuMs(child.pid);
  for (let i = 0; i < EDITS; i++) {
    version++;
    const insert = i % 2 === 0;
    const change = insert
      ? {
          range: {
            start: { line: mapLine, character: nameEnd },
            end: { line: mapLine, character: nameEnd },
          },
          text: "x",
        }
      : {
          range: {
            start: { line: mapLine, character: nameEnd },
            end: { line: mapLine, character: nameEnd + 1 },
          },
          text: "",
        };
    const start = performance.now();
    await connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: [change],
    });
    await waitVersion(version);
    edits.push(published.at - start);
    counts.add(published.count);
  }
  report(`edit -> diagnostics (${EDITS} edits)`, edits, 50);
  const cpuAfter = cpuMs(child.pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined)
    console.log(
      `  server CPU time per edit (mean; less load-dependent): ${fmt((cpuAfter - cpuBefore) / EDITS, 1)} ms`,
    );
  if (counts.size < 2) console.log("  warning: the edits did not change the diagnostics");

  const position = (line: number, character: number) => ({
    textDocument: { uri },
    position: { line, character },
  });
  const bufferLine = lastLine("buffer ");
  const timeRequests = async (method: string, params: object) => {
    const out: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const s = performance.now();
      await connection.sendRequest(method, params);
      out.push(performance.now() - s);
    }
    return out;
  };
  report(
    "hover on a buffer name",
    await timeRequests("textDocument/hover", position(bufferLine, 8)),
    20,
  );
  const arrow = lines[mapLine]!.indexOf("-> ") + 3;
  report(
    "completion after `->`",
    await timeRequests("textDocument/completion", position(mapLine, arrow)),
    20,
  );
  const cold = performance.now();
  await connection.sendRequest("textDocument/hover", position(mapLine, 1));
  console.log(`  hover on a map line, first (lowers): ${fmt(performance.now() - cold, 0)} ms`);
  report(
    "hover on a map line, then",
    await timeRequests("textDocument/hover", position(mapLine, 1)),
  );

  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  await new Promise((r) => child.on("exit", r));
  connection.dispose();
}
