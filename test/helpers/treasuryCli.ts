// Runs the `treasury` CLI in process with extra environment variables for that one call, capturing
// what it prints; the environment is restored afterwards (keys it added are removed).
import { main } from "../../agent/src/cli";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runTreasury(env: Record<string, string | undefined>, ...args: string[]): Promise<CliResult> {
  const saved = { ...process.env };
  let out = "";
  let err = "";
  Object.assign(process.env, env);
  try {
    const code = await main(["node", "treasury", ...args], { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
