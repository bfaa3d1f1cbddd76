/** What the main thread and a verification worker thread send each other (structured clone). */
import type { LeafCounts } from "../lowering/compiled.js";
import type { SystemState } from "../model/system-state.js";
import type { SinkEvent } from "./recording-sink.js";
import type { EndpointReport } from "./report.js";
import type { RunArrays } from "./run-list.js";
import type { SharedFrames } from "./shared-frames.js";

/** The state to prove without what cannot cross threads (plugin code, the memory object). */
export type PlainCompiled = Omit<SystemState, "plugins" | "memory">;

export interface WorkerPlugin {
  name: string;
  /** `built-in`, or the module path the plugin was loaded from. */
  origin: string;
}

export interface WorkerInput {
  /** Filled by the main thread after the worker starts: read only after the `go` message. */
  frames: SharedFrames;
  compiled: PlainCompiled;
  plugins: WorkerPlugin[];
  /** This worker's endpoints, in report order. */
  endpoints: string[];
  /** Endpoints whose table reaches the main thread needs afterwards (for `expect` lines). */
  reachFor: string[];
  maxFailures: number;
}

export interface ReachProof {
  /** `proofKey` of the table path. */
  key: string;
  reach: RunArrays;
  leaves: LeafCounts;
  error?: string;
}

export type WorkerMessage =
  | { kind: "endpoint"; report: EndpointReport; events: SinkEvent[] }
  | { kind: "done"; proofs: ReachProof[] }
  | { kind: "failed"; message: string };

/** Main thread to worker: the shared frames are filled, prove. */
export interface WorkerGo {
  kind: "go";
}
