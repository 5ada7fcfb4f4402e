// Gas attribution from an opcode trace (debug_traceTransaction with Hardhat's default struct
// logger, which the in-process Hardhat network supports). The trace is turned into a call tree:
// for every CALL/STATICCALL/DELEGATECALL/CALLCODE we know the gas the caller lost across the call
// ("inclusive": the call opcode's own cost, i.e. cold/warm account access and memory expansion, plus
// everything the callee used) and the gas the callee itself used. Opcode counts (SLOAD cold/warm,
// calls cold/warm, EXTCODECOPY, TSTORE/TLOAD, LOG, ...) are kept per frame, "self" (this frame's own
// opcodes) and "total" (including sub-calls).

export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export interface RawTrace {
  failed: boolean;
  gas: number;
  returnValue: string;
  structLogs: StructLog[];
}

export type OpCounts = Record<string, number>;

export interface Frame {
  /** Label given by the caller of analyzeTrace (contract name), or the address. */
  name: string;
  /** Code address (for DELEGATECALL: the library/singleton whose code runs). */
  address: string;
  kind: "ROOT" | "CALL" | "STATICCALL" | "DELEGATECALL" | "CALLCODE";
  depth: number;
  /** Gas the caller lost across the call (call opcode cost incl. cold access + callee's gas used). */
  inclusive: number;
  /** Gas used by the callee (its opcodes and its sub-calls). */
  used: number;
  /** Cost of the call opcode itself: inclusive - used (2,600 cold / 100 warm access + memory expansion). */
  callCost: number;
  /** used - sum of the children's inclusive gas: this frame's own opcodes. */
  self: number;
  selfOps: OpCounts;
  totalOps: OpCounts;
  children: Frame[];
  /** Calls that did not open a frame (precompiles such as ecrecover, accounts without code). */
  leafCalls: { address: string; kind: string; gas: number }[];
  reverted: boolean;
  /**
   * This frame's own gas between its sub-calls: segments[k] = own opcodes before the k-th sub-call
   * (precompile calls included), the last entry = after the last one. Sums to `self`.
   */
  segments: { gas: number; topOps: [string, number][] }[];
  /** Every call opcode of this frame in order (sub-frames and leaf calls). */
  callOrder: { name: string; leaf: boolean }[];
  /** Whose storage this frame's SLOADs read: the code address, or the caller's for a DELEGATECALL. */
  storage: string;
  /** EIP-2929 cold accesses made by this frame's own opcodes: an account (call, EXTCODE*) at 2,600
   * gas or a storage slot (SLOAD) at 2,100; `address` = the account, or the storage owner. */
  coldAccesses: ColdAccess[];
}

export interface ColdAccess {
  address: string;
  kind: "account" | "slot";
}

/** EIP-2929 cost of a cold access: the whole opcode cost, not only the surcharge over a warm one. */
export const COLD_GAS = { account: 2_600, slot: 2_100 } as const;

const CALL_OPS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);
const ACCOUNT_OPS = new Set(["EXTCODESIZE", "EXTCODECOPY", "EXTCODEHASH", "BALANCE"]);
/** Opcodes worth counting for a gas discussion. */
const COUNTED = new Set([
  "SLOAD", "SSTORE", "TLOAD", "TSTORE", "KECCAK256", "EXTCODECOPY", "EXTCODESIZE", "LOG0", "LOG1", "LOG2", "LOG3", "LOG4",
  "MCOPY", "CALLDATACOPY", "RETURNDATACOPY", "CODECOPY",
]);

function addrFromWord(word: string): string {
  return "0x" + word.slice(-40).toLowerCase();
}

function bump(c: OpCounts, k: string, n = 1): void {
  c[k] = (c[k] ?? 0) + n;
}

function mergeInto(into: OpCounts, from: OpCounts): void {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
}

/**
 * Build the call tree of a traced transaction.
 * @param warm addresses warm at the start of the transaction (sender, recipient, coinbase; the
 *             precompiles 0x01..0x0a are added here), used to tell cold from warm account accesses.
 * @param names lower-case address -> label.
 */
export function analyzeTrace(trace: RawTrace, root: { address: string; name?: string }, warm: string[], names: Map<string, string>): Frame {
  const logs = trace.structLogs;
  if (!logs.length) throw new Error("analyzeTrace: empty trace (was the transaction a plain transfer?)");
  const warmSet = new Set(warm.map((a) => a.toLowerCase()));
  for (let i = 1; i <= 10; i++) warmSet.add("0x" + i.toString(16).padStart(40, "0"));
  const label = (a: string) => names.get(a.toLowerCase()) ?? a;

  const newFrame = (address: string, kind: Frame["kind"], depth: number, storage: string): Frame => ({
    name: label(address), address, kind, depth, inclusive: 0, used: 0, callCost: 0, self: 0,
    selfOps: {}, totalOps: {}, children: [], leafCalls: [], reverted: false, segments: [], callOrder: [],
    storage, coldAccesses: [],
  });
  // Per open frame: gas by opcode in the current segment.
  const segOps = new Map<Frame, Map<string, number>>();
  const segAdd = (f: Frame, op: string, g: number) => {
    let m = segOps.get(f);
    if (!m) segOps.set(f, (m = new Map()));
    m.set(op, (m.get(op) ?? 0) + g);
  };
  const segClose = (f: Frame) => {
    const m = segOps.get(f) ?? new Map<string, number>();
    const gas = [...m.values()].reduce((a, b) => a + b, 0);
    const topOps = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
    f.segments.push({ gas, topOps });
    segOps.delete(f);
  };
  const top = newFrame(root.address.toLowerCase(), "ROOT", 1, root.address.toLowerCase());
  if (root.name) top.name = root.name;
  // Stack of open frames with the gas the caller had at the call opcode.
  const open: { frame: Frame; gasAtCall: number; firstGas: number; callIndex: number }[] = [
    { frame: top, gasAtCall: logs[0].gas, firstGas: logs[0].gas, callIndex: -1 },
  ];

  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const cur = open[open.length - 1];
    if (l.depth !== cur.frame.depth) throw new Error(`analyzeTrace: depth ${l.depth} at step ${i}, expected ${cur.frame.depth}`);
    const f = cur.frame;
    if (COUNTED.has(l.op)) bump(f.selfOps, l.op);
    if (l.op === "SLOAD") {
      bump(f.selfOps, l.gasCost >= 2100 ? "SLOAD_cold" : "SLOAD_warm");
      if (l.gasCost >= 2100) f.coldAccesses.push({ address: f.storage, kind: "slot" });
    }
    if (l.op === "SSTORE") bump(f.selfOps, l.gasCost >= 20_000 ? "SSTORE_set" : l.gasCost >= 2_900 ? "SSTORE_update" : "SSTORE_noop_or_warm");
    if (ACCOUNT_OPS.has(l.op) && l.stack) {
      const a = addrFromWord(l.stack[l.stack.length - 1]);
      bump(f.selfOps, warmSet.has(a) ? "ACCOUNT_warm" : "ACCOUNT_cold");
      if (!warmSet.has(a)) f.coldAccesses.push({ address: a, kind: "account" });
      warmSet.add(a);
    }
    if (!CALL_OPS.has(l.op)) segAdd(f, l.op, l.gasCost);
    if (CALL_OPS.has(l.op)) {
      segClose(f);
      if (!l.stack) throw new Error("analyzeTrace: the trace has no stack (disableStack must be false)");
      const a = addrFromWord(l.stack[l.stack.length - 2]);
      bump(f.selfOps, l.op);
      bump(f.selfOps, warmSet.has(a) ? "CALL_cold_access=0" : "CALL_cold_access=1");
      if (!warmSet.has(a)) f.coldAccesses.push({ address: a, kind: "account" });
      warmSet.add(a);
      const next = logs[i + 1];
      if (next && next.depth === l.depth + 1) {
        const delegated = l.op === "DELEGATECALL" || l.op === "CALLCODE";
        const child = newFrame(a, l.op as Frame["kind"], l.depth + 1, delegated ? f.storage : a);
        f.children.push(child);
        f.callOrder.push({ name: child.name, leaf: false });
        open.push({ frame: child, gasAtCall: l.gas, firstGas: next.gas, callIndex: i });
      } else if (next) {
        // Precompile or account without code: no frame; the caller lost gasAtCall - next.gas.
        f.leafCalls.push({ address: a, kind: l.op, gas: l.gas - next.gas });
        f.callOrder.push({ name: label(a), leaf: true });
      }
      continue;
    }
    const next = logs[i + 1];
    const ends = !next || next.depth < l.depth;
    if (ends) {
      // Gas left when the frame ends: gas before the final opcode minus its own cost.
      const remaining = l.gas - l.gasCost;
      f.used = cur.firstGas - remaining;
      segClose(f);
      f.reverted = l.op === "REVERT" || (l.op !== "RETURN" && l.op !== "STOP" && l.op !== "SELFDESTRUCT");
      if (open.length > 1) {
        if (!next) throw new Error("analyzeTrace: trace ended inside a sub-call");
        f.inclusive = cur.gasAtCall - next.gas;
        f.callCost = f.inclusive - f.used;
      } else {
        f.inclusive = f.used;
      }
      open.pop();
    }
  }
  finalize(top);
  return top;
}

function finalize(f: Frame): void {
  let children = 0;
  for (const c of f.children) {
    finalize(c);
    children += c.inclusive;
  }
  for (const c of f.leafCalls) children += c.gas;
  f.self = f.used - children;
  // Normalise the call-access counters into readable keys.
  const cold = f.selfOps["CALL_cold_access=1"] ?? 0;
  const warmCalls = f.selfOps["CALL_cold_access=0"] ?? 0;
  delete f.selfOps["CALL_cold_access=1"];
  delete f.selfOps["CALL_cold_access=0"];
  if (cold) f.selfOps.CALLS_cold = cold;
  if (warmCalls) f.selfOps.CALLS_warm = warmCalls;
  f.totalOps = { ...f.selfOps };
  for (const c of f.children) mergeInto(f.totalOps, c.totalOps);
}

/** Depth-first list of frames. */
export function flatten(f: Frame, out: Frame[] = []): Frame[] {
  out.push(f);
  for (const c of f.children) flatten(c, out);
  return out;
}

/** Frames whose code address is `address` (lower case compare), in execution order. */
export function framesAt(root: Frame, address: string): Frame[] {
  const a = address.toLowerCase();
  return flatten(root).filter((f) => f.address === a);
}

/** A compact JSON view of a frame (children down to `maxDepth` levels, tiny calls folded). */
export function frameSummary(f: Frame, maxDepth = 3, minGas = 500): unknown {
  const kids = f.children.filter((c) => c.inclusive >= minGas);
  const folded = f.children.filter((c) => c.inclusive < minGas);
  return {
    name: f.name,
    kind: f.kind,
    inclusive: f.inclusive,
    used: f.used,
    callCost: f.callCost,
    self: f.self,
    ops: f.totalOps,
    ...(maxDepth > 0 && kids.length
      ? {
          calls: kids.map((c) => frameSummary(c, maxDepth - 1, minGas)),
          ...(folded.length ? { smallCalls: { count: folded.length, gas: folded.reduce((s, c) => s + c.inclusive, 0) } } : {}),
        }
      : {}),
    ...(f.leafCalls.length ? { precompileOrCodelessCalls: f.leafCalls.length, precompileGas: f.leafCalls.reduce((s, c) => s + c.gas, 0) } : {}),
  };
}

/** Indented text tree (for the console). */
export function frameTree(f: Frame, maxDepth = 4, minGas = 1_000, indent = ""): string[] {
  const ops = f.totalOps;
  const tag = [
    ops.SLOAD_cold ? `${ops.SLOAD_cold} cold SLOAD` : "",
    ops.CALLS_cold ? `${ops.CALLS_cold} cold calls` : "",
    ops.EXTCODECOPY ? `${ops.EXTCODECOPY} EXTCODECOPY` : "",
  ].filter(Boolean).join(", ");
  const lines = [`${indent}${f.name} ${f.kind === "ROOT" ? "" : f.kind.toLowerCase() + " "}${f.inclusive.toLocaleString("en-US")} (self ${f.self.toLocaleString("en-US")}${tag ? "; " + tag : ""})`];
  if (maxDepth > 0) {
    for (const c of f.children) {
      if (c.inclusive >= minGas) lines.push(...frameTree(c, maxDepth - 1, minGas, indent + "  "));
    }
    const small = f.children.filter((c) => c.inclusive < minGas);
    if (small.length) lines.push(`${indent}  (${small.length} smaller calls: ${small.reduce((s, c) => s + c.inclusive, 0).toLocaleString("en-US")})`);
  }
  return lines;
}

/** A frame's own gas between its sub-calls, labelled "before X" / "after X" (checks that they sum to self). */
export function labeledSegments(f: Frame): { at: string; gas: number; topOps: string }[] {
  const total = f.segments.reduce((s, x) => s + x.gas, 0);
  if (total !== f.self) throw new Error(`labeledSegments(${f.name}): segments ${total} != self ${f.self}`);
  // Sub-calls in execution order: frames and precompile/codeless calls are interleaved; the
  // segments are split at every call opcode, so rebuild the order from the frame children and leaf calls.
  const order = f.callOrder.map((c) => (c.leaf ? `${c.name} (precompile/codeless)` : c.name));
  return f.segments.map((s, k) => ({
    at: k < order.length ? `before ${order[k]}` : order.length ? `after ${order[order.length - 1]}` : "whole frame",
    gas: s.gas,
    topOps: s.topOps.map(([op, g]) => `${op} ${g}`).join(", "),
  }));
}

/** Every cold access made inside `frames` (their own opcodes and all their sub-calls). */
export function coldAccessesIn(frames: Frame[]): ColdAccess[] {
  return frames.flatMap((f) => flatten(f).flatMap((x) => x.coldAccesses));
}

/** Cold accesses grouped by account label: accounts and slots counted, gas at the full cold cost. */
export function coldAccessTable(accesses: ColdAccess[], label: (a: string) => string): { gas: number; byAccount: Record<string, { accounts: number; slots: number; gas: number }> } {
  const byAccount: Record<string, { accounts: number; slots: number; gas: number }> = {};
  let gas = 0;
  for (const x of accesses) {
    const row = (byAccount[label(x.address)] ??= { accounts: 0, slots: 0, gas: 0 });
    if (x.kind === "account") row.accounts++;
    else row.slots++;
    row.gas += COLD_GAS[x.kind];
    gas += COLD_GAS[x.kind];
  }
  return { gas, byAccount };
}
