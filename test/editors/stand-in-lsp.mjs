// A minimal language server for the extension's tests while `vcm lsp` is not on this branch:
// JSON-RPC over stdio (Content-Length framing), syntax diagnostics from VCM's parser and
// formatting from formatVcm (both from dist/). It insists on being started as `... lsp --stdio`,
// as the extension must start the real one. Not a substitute for the real server's tests.
import { parseSource } from "../../dist/src/syntax/parse.js";
import { formatVcm } from "../../dist/src/format/index.js";

const args = process.argv.slice(2);
if (args[0] !== "lsp" || !args.includes("--stdio")) {
  process.stderr.write(`stand-in: expected 'lsp --stdio', got '${args.join(" ")}'\n`);
  process.exit(2);
}

const documents = new Map();
let buffer = Buffer.alloc(0);

function send(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

function publish(uri) {
  const text = documents.get(uri) ?? "";
  const diagnostics = parseSource(text, uri).diagnostics.map((d) => ({
    range: {
      start: { line: d.span.line - 1, character: d.span.column - 1 },
      end: { line: d.span.endLine - 1, character: d.span.endColumn - 1 },
    },
    severity: d.severity === "error" ? 1 : 2,
    code: d.check,
    source: "vcm",
    message: d.message,
  }));
  send({ method: "textDocument/publishDiagnostics", params: { uri, diagnostics } });
}

function handle(m) {
  switch (m.method) {
    case "initialize":
      return send({
        id: m.id,
        result: {
          capabilities: { textDocumentSync: 1, documentFormattingProvider: true },
          serverInfo: { name: "vcm stand-in" },
        },
      });
    case "textDocument/didOpen":
      documents.set(m.params.textDocument.uri, m.params.textDocument.text);
      return publish(m.params.textDocument.uri);
    case "textDocument/didChange":
      documents.set(m.params.textDocument.uri, m.params.contentChanges.at(-1).text);
      return publish(m.params.textDocument.uri);
    case "textDocument/formatting": {
      const text = documents.get(m.params.textDocument.uri) ?? "";
      let edits = [];
      try {
        const formatted = formatVcm(text);
        const lines = text.split("\n");
        if (formatted !== text) {
          edits = [
            {
              range: {
                start: { line: 0, character: 0 },
                end: { line: lines.length - 1, character: lines.at(-1).length },
              },
              newText: formatted,
            },
          ];
        }
      } catch {
        edits = [];
      }
      return send({ id: m.id, result: edits });
    }
    case "shutdown":
      return send({ id: m.id, result: null });
    case "exit":
      return process.exit(0);
    default:
      if (m.id !== undefined && m.method) {
        send({ id: m.id, error: { code: -32601, message: `not handled: ${m.method}` } });
      }
  }
}

process.stdin.on("data", (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const length = Number(
      /Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())[1],
    );
    if (buffer.length < headerEnd + 4 + length) return;
    const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
    buffer = buffer.subarray(headerEnd + 4 + length);
    handle(JSON.parse(body));
  }
});
