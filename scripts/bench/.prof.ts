// scratch profiler (not committed)
import hre from "hardhat";
import { guardedWorldFixture } from "../../test/helpers/guarded";
import { aaveSupply, approve } from "../../lib/chain/encode";
import { parseUnits } from "ethers";
async function main() {
  const g = await guardedWorldFixture();
  const w = g.world;
  const amt = parseUnits("10000", 6);
  const calls = [approve(w.tokens.USDC as never, w.aave.pool as never, amt), aaveSupply(w.aave.pool as never, w.tokens.USDC as never, amt, w.treasury.safe as never)];
  await (await g.module.connect(g.agent).execute(calls, hre.ethers.id("a"))).wait();
  const rc = await (await g.module.connect(g.agent).execute(calls, hre.ethers.id("b"))).wait();
  console.log("gasUsed", rc!.gasUsed);
  const t = await hre.network.provider.send("debug_traceTransaction", [rc!.hash, { disableStorage: true, disableMemory: true }]);
  const names: Record<string, string> = { [g.addresses.valuation.toLowerCase()]: "valuation", [g.addresses.module.toLowerCase()]: "module", [g.addresses.policy.toLowerCase()]: "policy" };
  for (const [k, v] of Object.entries(g.addresses)) names[(v as string).toLowerCase()] = names[(v as string).toLowerCase()] ?? k;
  const stack: string[] = [g.addresses.module.toLowerCase()];
  const agg: Record<string, Record<string, number>> = {};
  let prevDepth = 1;
  const logs = t.structLogs;
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    while (stack.length > l.depth) stack.pop();
    const who = names[stack[stack.length - 1]] ?? "other";
    let cost = l.gasCost;
    if (["CALL", "STATICCALL", "DELEGATECALL"].includes(l.op)) {
      const next = logs[i + 1];
      if (next && next.depth === l.depth + 1) {
        const raw = l.stack[l.stack.length - 2]; const to = "0x" + BigInt(raw.startsWith("0x") ? raw : "0x" + raw).toString(16).padStart(40, "0");
        stack.push(l.op === "DELEGATECALL" ? stack[stack.length - 1] : to);
        // call cost = gas before - gas at callee start... approximate: use l.gas - next.gas - (callee budget) unknown; keep only access part
        cost = 0;
      }
    }
    agg[who] = agg[who] ?? {};
    agg[who][l.op] = (agg[who][l.op] ?? 0) + cost;
    prevDepth = l.depth;
  }
  void prevDepth;
  for (const [who, ops] of Object.entries(agg)) {
    const tot = Object.values(ops).reduce((a, b) => a + b, 0);
    const top = Object.entries(ops).sort((a, b) => b[1] - a[1]).slice(0, 14).map(([o, gg]) => `${o}:${gg}`).join(" ");
    console.log(who, tot, top);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
