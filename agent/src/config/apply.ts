// `treasury config apply FILE`: the owners apply a config change (a whole config, or a config diff
// from `treasury insights --suggest`). The new config is validated exactly as the agent will load it
// (file + environment, agent/src/config/load.ts) before anything is written; the change is recorded
// in the journal (who, when, what changed) and the file replaced in one rename, so a refused or
// failed apply leaves the old config as it was.
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors";
import { loadAgentConfig } from "./load";

export interface Change {
  path: string;
  from: unknown;
  to: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Dotted paths whose value differs between `a` and `b` (objects walked, arrays and scalars compared whole). */
export function diffJson(a: unknown, b: unknown, prefix = ""): Change[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffJson(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix || "(root)", from: a ?? null, to: b ?? null }];
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`${what} ${file}: ${(e as Error).message}; pass an existing JSON file`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} ${file}: not valid JSON (${(e as Error).message}); fix the file`);
  }
}

function getPath(o: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = o;
  for (const p of dotted.split(".")) v = isObj(v) ? v[p] : undefined;
  return v;
}

function setPath(o: Record<string, unknown>, dotted: string, value: unknown) {
  const parts = dotted.split(".");
  let x = o;
  for (const p of parts.slice(0, -1)) {
    if (!isObj(x[p])) x[p] = {};
    x = x[p] as Record<string, unknown>;
  }
  x[parts[parts.length - 1]] = value;
}

/** The config `file` would hold after applying `source` (a whole config or a config diff), and the changes. */
export function nextConfig(target: string, source: string): { next: Record<string, unknown>; changes: Change[] } {
  const current = fs.existsSync(target) ? readJson(target, "config file") : {};
  if (!isObj(current)) throw new UserError(`config file ${target}: must hold one JSON object; fix it first`);
  const src = readJson(source, "change file");
  if (!isObj(src)) throw new UserError(`change file ${source}: must hold one JSON object (a config, or a config diff with "changes")`);
  let next: Record<string, unknown>;
  if (src.kind === "treasury-config-diff") {
    if (!Array.isArray(src.changes)) throw new UserError(`change file ${source}: a config diff needs a "changes" list`);
    next = structuredClone(current);
    for (const ch of src.changes as Change[]) {
      if (!isObj(ch) || typeof ch.path !== "string" || !ch.path) throw new UserError(`change file ${source}: each change needs a "path", "from" and "to"`);
      // The diff was made against a config: refuse it if that value has changed since.
      const now = getPath(current, ch.path);
      if (ch.from !== undefined && now !== undefined && JSON.stringify(now) !== JSON.stringify(ch.from))
        throw new UserError(`change file ${source}: ${ch.path} is ${JSON.stringify(now)} in ${target}, not ${JSON.stringify(ch.from)} as the diff expects; make the suggestion again`);
      setPath(next, ch.path, ch.to);
    }
  } else next = src;
  return { next, changes: diffJson(current, next) };
}

/** Validates `next` as the agent would load it (with `env`), without touching `target`. Returns the temp file written next to it. */
export function validateNext(target: string, next: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const tmp = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${process.pid}.new`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + "\n");
  } catch (e) {
    throw new UserError(`cannot write next to ${target}: ${(e as Error).message}; check the folder's permissions`);
  }
  try {
    loadAgentConfig({ env, file: tmp });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const msg = (e as Error).message.split("\n").join("; ").replaceAll(tmp, target);
    throw e instanceof UserError ? new UserError(`refused, ${target} unchanged: ${msg}`) : e;
  }
  return tmp;
}

export interface Applied {
  target: string;
  source: string;
  by: string;
  at: string;
  changes: Change[];
}

/** Validates, journals, then writes (one rename). Refused: a one-line UserError, the config untouched. */
export async function applyConfig(o: { source: string; target?: string; by: string; env: NodeJS.ProcessEnv; now?: () => Date }): Promise<Applied> {
  if (!o.target) throw new UserError("no config file to change: pass --config FILE or set AGENT_CONFIG");
  const { next, changes } = nextConfig(o.target, o.source);
  const at = (o.now ?? (() => new Date()))().toISOString();
  const applied: Applied = { target: o.target, source: o.source, by: o.by, at, changes };
  if (!changes.length) return applied;
  const tmp = validateNext(o.target, next, o.env);
  try {
    // Journaled before the file changes: a change is never in force without its record.
    const cfg = loadAgentConfig({ env: o.env, file: tmp });
    const { Journal } = await import("../journal");
    const j = await Journal.open({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
    try {
      await j.event("config", "config.apply", { by: o.by, at, target: path.resolve(o.target), source: path.resolve(o.source), changes });
    } finally {
      await j.close();
    }
    fs.renameSync(tmp, o.target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return applied;
}
