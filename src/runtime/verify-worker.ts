/**
 * A verification worker thread (started by `verifyParallel`): proves its share of the endpoints
 * from the shared table memory and posts each endpoint's report and sink events as it finishes.
 */
import { dirname } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import type { SystemState } from "../model/system-state.js";
import { BUILTIN_PLUGINS } from "../plugin-host/builtins.js";
import { loadPlugins } from "../plugin-host/load.js";
import { PluginRegistry } from "../plugin-host/registry.js";
import { Prover, proofKey } from "./prover.js";
import { RecordingSink } from "./recording-sink.js";
import { SharedFrameMemory } from "./shared-frames.js";
import type { ReachProof, WorkerInput, WorkerMessage, WorkerPlugin } from "./worker-protocol.js";

/** The plugins of the run: built-ins by name, the others from their module, as the CLI loads them. */
async function registryOf(plugins: readonly WorkerPlugin[]): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const { name, origin } of plugins) {
    if (origin === "built-in") {
      const plugin = BUILTIN_PLUGINS.find((p) => p.name === name);
      if (!plugin) throw new Error(`no built-in plugin named '${name}'`);
      registry.register(plugin, origin);
      continue;
    }
    const problems = await loadPlugins([{ specifier: origin, baseDir: dirname(origin) }], registry);
    if (problems.length > 0) throw new Error(problems.map((d) => d.message).join("; "));
    if (!registry.get(name)) throw new Error(`${origin} does not provide plugin '${name}'`);
  }
  return registry;
}

async function main(input: WorkerInput, post: (m: WorkerMessage) => void): Promise<void> {
  const plugins = await registryOf(input.plugins);
  await new Promise((go) => parentPort!.once("message", go)); // the frames are filled
  const memory = new SharedFrameMemory(input.frames);
  const view: SystemState = { ...input.compiled, plugins, memory };
  const sink = new RecordingSink(input.maxFailures);
  const prover = new Prover(view, sink, {
    limit: 64,
    deferTablePages: (ref, pages) => sink.tablePages(ref, pages),
  });
  for (const name of input.endpoints) {
    const path = prover.path(name);
    if (!path) throw new Error(`no endpoint named '${name}' in the compiled topology`);
    const report = prover.proveEndpoint(path);
    post({ kind: "endpoint", report, events: sink.takeForPosting() });
  }
  const proofs: ReachProof[] = [];
  for (const name of input.reachFor) {
    for (const tp of prover.path(name)?.tables ?? []) {
      const proof = prover.proofOf(tp);
      proofs.push({
        key: proofKey(tp),
        reach: proof.reach.toArrays(),
        leaves: proof.leaves,
        ...(proof.error !== undefined ? { error: proof.error } : {}),
      });
    }
  }
  post({ kind: "done", proofs });
}

const port = parentPort;
if (port) {
  const post = (m: WorkerMessage) => port.postMessage(m);
  main(workerData as WorkerInput, post).catch((e: unknown) =>
    post({ kind: "failed", message: e instanceof Error ? e.message : String(e) }),
  );
}
