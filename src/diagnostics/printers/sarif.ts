/** SARIF 2.1.0 output, for code-scanning services. One run; one rule per check definition. */
import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";
import type { CatalogueEntry } from "../catalogue.js";
import type { Diagnostic, Severity } from "../diagnostic.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  note: "note",
};

/** Relative paths stay relative (resolved against %SRCROOT%); absolute ones become file URIs. */
function artifactUri(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split("\\").join("/"), uriBaseId: "%SRCROOT%" };
}

function location(span: NonNullable<Diagnostic["span"]>) {
  return {
    physicalLocation: {
      artifactLocation: artifactUri(span.file),
      region: {
        startLine: span.line,
        startColumn: span.column,
        endLine: span.endLine,
        endColumn: span.endColumn,
      },
    },
  };
}

/** A note saying a check was skipped (a prerequisite failed or was disabled): not a finding, no SARIF result. */
export function isSkippedCheckNote(d: Diagnostic): boolean {
  return d.severity === "note" && /^check '[^']+' skipped: /.test(d.message);
}

export interface SarifOptions {
  /** The directory `%SRCROOT%` stands for (relative paths are relative to it); default cwd. */
  srcRoot?: string;
}

export function formatSarif(
  diagnostics: readonly Diagnostic[],
  rules: readonly Pick<CatalogueEntry, "code" | "name" | "phase" | "severity" | "description">[],
  toolVersion: string,
  options: SarifOptions = {},
): string {
  const index = new Map(rules.map((r, i) => [r.code, i]));
  const srcRoot = pathToFileURL(resolve(options.srcRoot ?? process.cwd())).href.replace(
    /\/?$/,
    "/",
  );
  const results = diagnostics
    .filter((d) => !isSkippedCheckNote(d))
    .map((d) => {
      const result: Record<string, unknown> = {
        ruleId: d.code,
        level: LEVEL[d.severity],
        message: { text: d.hint ? `${d.message} (${d.hint})` : d.message },
      };
      const ruleIndex = index.get(d.code);
      if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
      if (d.span) result.locations = [location(d.span)];
      if (d.related && d.related.length > 0) {
        result.relatedLocations = d.related.map((r, i) => ({
          id: i,
          message: { text: r.message },
          ...location(r.span),
        }));
      }
      return result;
    });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "vcm",
            version: toolVersion,
            rules: rules.map((r) => ({
              id: r.code,
              name: r.name,
              shortDescription: { text: r.description },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { uri: srcRoot } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
