/**
 * A small shared-memory board where a compile worker writes which plugin call is active (and
 * for what, where in the source) and its watchdog, on the main thread, reads it. Shared memory
 * because a worker stuck in a plugin's synchronous loop can post no message.
 */
import type { Span } from "../diagnostics/span.js";
import type { CallWatch } from "../lowering/plugin-guard.js";

const SEQ = 0;
const IN_CALL = 1;
const CALL_LEN = 2;
const SUBJECT_LEN = 3;
/** Set by the main thread: a signal number asking the write to stop. */
const ABORT = 4;
/** 1 while the worker writes the output directory (a stop is then clean, not a kill). */
const WRITING = 5;
const HEADER_BYTES = 32;
const CALL_BYTES = 1024;
const SUBJECT_BYTES = 2048;
export const BOARD_BYTES = HEADER_BYTES + CALL_BYTES + SUBJECT_BYTES;

export interface ActiveCall {
  plugin: string;
  origin: string;
  call: string;
  what?: string;
  span?: Span;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class CallBoard {
  private readonly header: Int32Array;
  private readonly callBytes: Uint8Array;
  private readonly subjectBytes: Uint8Array;
  private readonly encoded = new Map<string, Uint8Array>();
  /** The worker's side: the phase a finished call returns to (loading and checking). */
  private phaseCall: [string, string, string] | undefined;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.callBytes = new Uint8Array(buffer, HEADER_BYTES, CALL_BYTES);
    this.subjectBytes = new Uint8Array(buffer, HEADER_BYTES + CALL_BYTES, SUBJECT_BYTES);
  }

  static create(): CallBoard {
    return new CallBoard(new SharedArrayBuffer(BOARD_BYTES));
  }

  private put(target: Uint8Array, lenSlot: number, bytes: Uint8Array): void {
    const n = Math.min(bytes.byteLength, target.byteLength);
    target.set(bytes.subarray(0, n));
    Atomics.store(this.header, lenSlot, n);
  }

  /** Record a call (plugin, origin, call) as active; the worker's side. */
  enter(plugin: string, origin: string, call: string): void {
    const key = `${plugin}\u0000${origin}\u0000${call}`;
    let bytes = this.encoded.get(key);
    if (!bytes) this.encoded.set(key, (bytes = encoder.encode(key)));
    this.put(this.callBytes, CALL_LEN, bytes);
    Atomics.add(this.header, SEQ, 1);
    Atomics.store(this.header, IN_CALL, 1);
  }

  /**
   * A stretch of work that runs third-party code without being one plugin call (loading the
   * modules, checking): watched like a call, and what a finished call inside it returns to, so
   * the budget applies to each call and to each stretch between calls.
   */
  beginPhase(plugin: string, origin: string, call: string): void {
    this.phaseCall = [plugin, origin, call];
    this.enter(plugin, origin, call);
  }

  endPhase(): void {
    this.phaseCall = undefined;
    Atomics.store(this.header, IN_CALL, 0);
  }

  leave(): void {
    if (this.phaseCall) this.enter(...this.phaseCall);
    else Atomics.store(this.header, IN_CALL, 0);
  }

  subject(what: string, span?: Span): void {
    const plain = span
      ? {
          file: span.file,
          line: span.line,
          column: span.column,
          endLine: span.endLine,
          endColumn: span.endColumn,
          offset: span.offset,
          endOffset: span.endOffset,
        }
      : undefined;
    this.put(this.subjectBytes, SUBJECT_LEN, encoder.encode(JSON.stringify({ what, span: plain })));
  }

  /** The watch the lowering reports to. */
  watch(): CallWatch {
    return {
      enter: (p, o, c) => this.enter(p, o, c),
      leave: () => this.leave(),
      subject: (w, s) => this.subject(w, s),
    };
  }

  /** The main thread's side: the call sequence number and whether a call is active. */
  state(): { seq: number; inCall: boolean } {
    return {
      seq: Atomics.load(this.header, SEQ),
      inCall: Atomics.load(this.header, IN_CALL) === 1,
    };
  }

  active(): ActiveCall | undefined {
    const n = Atomics.load(this.header, CALL_LEN);
    if (n === 0) return undefined;
    const [plugin = "?", origin = "?", call = "?"] = decoder
      .decode(this.callBytes.slice(0, n))
      .split("\u0000");
    const out: ActiveCall = { plugin, origin, call };
    const m = Atomics.load(this.header, SUBJECT_LEN);
    if (m > 0) {
      try {
        const s = JSON.parse(decoder.decode(this.subjectBytes.slice(0, m))) as {
          what: string;
          span?: Span;
        };
        out.what = s.what;
        if (s.span) out.span = s.span;
      } catch {
        // A subject cut at the board's size: the call alone still names the plugin.
      }
    }
    return out;
  }

  requestAbort(signal: number): void {
    Atomics.store(this.header, ABORT, signal);
  }

  abortRequested(): number {
    return Atomics.load(this.header, ABORT);
  }

  setWriting(on: boolean): void {
    Atomics.store(this.header, WRITING, on ? 1 : 0);
  }

  writing(): boolean {
    return Atomics.load(this.header, WRITING) === 1;
  }
}
