/**
 * The language server as an editor feels it (issue 11): the real `vcm lsp --stdio` in a child
 * process, driven over JSON-RPC. A 5,000-line generated topology is split into a root document
 * and four imported files that are never opened (hidden imports). Timed from the client:
 * - one-character edits to the root (a name broken, then mended: the diagnostics change every
 *   time) until the server publishes that version's diagnostics, over EDITS edits, on two
 *   servers in the same run taking turns in blocks of 20: one checking each change from
 *   scratch with every check (initializationOptions.incremental false) and one incremental
 *   (cheap checks first, the last resolution reused); target p95 < 50 ms;
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

/** One server, spawned and initialized, with the root document open. */
interface Server {
  connection: ReturnType<typeof createMessageConnection>;
  child: ReturnType<typeof spawn>;
  published: { version?: number; at: number; count: number };
  waitVersion(version: number): Promise<void>;
  version: number;
}

async function startServer(
  dir: string,
  uri: string,
  rootText: string,
  initializationOptions: object,
): Promise<Server & { openMs: number }> {
  // BENCH_LSP_PROFILE=DIR: the server writes a CPU profile there (node --cpu-prof).
  const profile = process.env["BENCH_LSP_PROFILE"];
  const node = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...node, BIN, "lsp", "--stdio"], { cwd: dir });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  let wake: (() => void) | undefined;
  const server: Server = {
    connection,
    child,
    published: { at: 0, count: 0 },
    version: 1,
    async waitVersion(version: number) {
      while (server.published.version !== version) await new Promise<void>((r) => (wake = r));
    },
  };
  connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    if (p.uri !== uri) return;
    server.published = {
      ...(p.version !== undefined ? { version: p.version } : {}),
      at: performance.now(),
      count: p.diagnostics.length,
    };
    wake?.();
  });
  connection.onRequest("workspace/configuration", () => [null]);
  connection.listen();
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "bench" }],
    capabilities: {},
    initializationOptions,
  });
  await connection.sendNotification("initialized", {});
  const t0 = performance.now();
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "vcm", version: 1, text: rootText },
  });
  await server.waitVersion(1);
  return Object.assign(server, { openMs: server.published.at - t0 });
}

async function stopServer(server: Server): Promise<void> {
  await server.connection.sendRequest("shutdown");
  await server.connection.sendNotification("exit");
  await new Promise((r) => server.child.on("exit", r));
  server.connection.dispose();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function lspBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-bench-"));
  mkdirSync(join(dir, ".git"));
  const { root, rootText } = lspBenchProject(dir);
  const uri = pathToFileURL(root).href;
  const lines = rootText.split("\n");
  console.log(
    `language server: ${rootText.split("\n").length - 1} lines in the root + ${IMPORTS} hidden imports, ${LINES.toLocaleString("en-US")} lines in all`,
  );

  // Two servers in the same run: "from scratch" checks every change with every check and
  // resolves it anew (initializationOptions.incremental false, as before incremental checking);
  // "incremental" publishes the cheap checks first and reuses the last resolution.
  const scratch = await startServer(dir, uri, rootText, { incremental: false });
  const server = await startServer(dir, uri, rootText, {});
  console.log(
    `  open to first diagnostics (cold):  ${fmt(server.openMs, 0)} ms, ${server.published.count} diagnostics`,
  );

  // The last `map NAME ->` line of the root: its name gets a character and loses it again.
  const lastLine = (prefix: string) => {
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith(prefix)) return i;
    throw new Error(`no '${prefix}' line in the root`);
  };
  const mapLine = lastLine("map ");
  const nameEnd = lines[mapLine]!.indexOf(" ->");
  const counts = new Set<number>();
  const editOnce = async (s: Server, i: number): Promise<number> => {
    s.version++;
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
    await s.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: s.version },
      contentChanges: [change],
    });
    await s.waitVersion(s.version);
    counts.add(s.published.count);
    return s.published.at - start;
  };
  // Blocks of edits, the two servers taking turns (so load changes hit both alike); between
  // blocks, time for the debounced full check, so it does not run during the other's block.
  const BLOCK = 20;
  const times = new Map<Server, number[]>([
    [scratch, []],
    [server, []],
  ]);
  const cpu = new Map<Server, number>([
    [scratch, 0],
    [server, 0],
  ]);
  for (let b = 0; b * BLOCK < EDITS; b++) {
    const order = b % 2 === 0 ? [scratch, server] : [server, scratch];
    for (const s of order) {
      const before = cpuMs(s.child.pid) ?? 0;
      for (let i = 0; i < BLOCK && b * BLOCK + i < EDITS; i++)
        times.get(s)!.push(await editOnce(s, i));
      cpu.set(s, cpu.get(s)! + (cpuMs(s.child.pid) ?? 0) - before);
      await sleep(600); // the incremental server's full check runs here
    }
  }
  report(`edit -> diagnostics, from scratch`, times.get(scratch)!, 50);
  report(`edit -> diagnostics, incremental`, times.get(server)!, 50);
  if (cpuMs(server.child.pid) !== undefined)
    console.log(
      `  server CPU time per edit (mean; less load-dependent): from scratch ${fmt(cpu.get(scratch)! / EDITS, 1)} ms, incremental ${fmt(cpu.get(server)! / EDITS, 1)} ms (its full checks, between blocks, not counted)`,
    );
  if (counts.size < 2) console.log("  warning: the edits did not change the diagnostics");
  await stopServer(scratch);
  const { connection } = server;

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
  await stopServer(server);
}
