// Many treasuries, one indexer: two guarded Safes on one local chain (the world's Safe, and a second
// one from the world's Safe factory with the same owners and guardrails of its own), each traded
// differently (A: owners supply USDC to Aave and get an outside deposit; B: the agent puts DAI in
// the sDAI vault), then one `ponder start` on both deployments files (INDEXER_DEPLOYMENTS) and one
// PostgreSQL database (a scratch server, as a deployment's compose file runs it). Each Safe's NAV history equals its own valuation at every indexed block (so B's trade
// leaves A's figures as they are), its transfers, decisions and flows are its own, and the API
// needs ?safe= to say which treasury.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Contract, Interface, TransactionReceipt, id, parseUnits } from "ethers";
import { advanceTime, createSafeAtFreeNonce, executeSafeTx, worldToDeploymentJson, writeDeployment } from "../../scripts/world";
import { fundToken } from "../../scripts/world/tokens";
import { attachLocalGuardrails } from "../../scripts/guardrails/local";
import type { GuardrailAddresses } from "../../scripts/guardrails/deploy";
import { IFACE } from "../helpers/interfaces";
import { Indexer, LocalChain, indexerStartupFailure, startIndexer, startLocalChain, tmpDir } from "../helpers/indexer";
import { AgentModule__factory, TreasuryValuation__factory } from "../../typechain-types";
import { startPostgres, type ScratchPostgres } from "../../scripts/scratchPostgres";

const DAY = 86_400;
const ERC20 = IFACE.erc20;
type Items<T> = { items: T[] };

describe("indexer: one indexer follows two Safes (INDEXER_DEPLOYMENTS), their figures kept apart", function () {
  this.timeout(600_000);
  let dir: string;
  let chain: LocalChain;
  let indexer: Indexer | undefined;
  let pg: ScratchPostgres | undefined;
  let safeA: string;
  let safeB: string;
  let guardB: GuardrailAddresses;
  let fileB: string;
  const tx: Record<string, TransactionReceipt> = {};

  before(async () => {
    dir = tmpDir("indexer-many-");
    chain = await startLocalChain(dir, "e2e-a");
    const w = chain.world;
    safeA = w.treasury.safe;
    const owners = w.signers.owners.slice(0, 2);
    const deployer = w.signers.deployer;

    // Treasury B: a second Safe with the same owners, funded, with guardrails of its own.
    safeB = (await createSafeAtFreeNonce(deployer, w.safe, w.treasury.owners, w.treasury.threshold, w.config.saltNonce + 1n)).address;
    await fundToken(deployer, w, "USDC", safeB, parseUnits("60000", 6));
    await fundToken(deployer, w, "DAI", safeB, parseUnits("40000", 18));
    const worldB = { ...w, treasury: { ...w.treasury, safe: safeB } };
    guardB = (await attachLocalGuardrails(worldB, { guardian: chain.signers[7], payee: chain.signers[8] })).addresses;
    fileB = writeDeployment({ ...worldToDeploymentJson(worldB, "e2e-b", { ...guardB }), rpcUrl: chain.rpcUrl }, dir);

    const call = (to: string, iface: Interface, fn: string, args: unknown[]) => ({ to, data: iface.encodeFunctionData(fn, args) });
    const policyIface = new Interface(["function recordDecision(bytes32)"]);
    // A: owners supply USDC to Aave, with a decision receipt.
    tx.ownerA = await executeSafeTx({
      safe: safeA, owners, infra: w.safe, label: "A: supply USDC to Aave",
      tx: [
        call(chain.guardrails.policy, policyIface, "recordDecision", [id("decision of A")]),
        call(w.tokens.USDC, ERC20, "approve", [w.aave.pool, parseUnits("50000", 6)]),
        call(w.aave.pool, IFACE.aavePool, "supply", [w.tokens.USDC, parseUnits("50000", 6), safeA, 0]),
      ],
    });
    await advanceTime(w, DAY);
    // B: the agent puts DAI in the sDAI vault through B's module.
    const dai = parseUnits("30000", 18);
    tx.agentB = (await (await AgentModule__factory.connect(guardB.module, w.signers.agent).execute([
      { to: w.tokens.DAI, value: 0n, data: ERC20.encodeFunctionData("approve", [w.erc4626.sDAI, dai]) },
      { to: w.erc4626.sDAI, value: 0n, data: IFACE.erc4626.encodeFunctionData("deposit", [dai, safeB]) },
    ], id("decision of B"))).wait())!;
    await advanceTime(w, DAY);
    // A: a deposit from outside (an external flow of A only).
    await fundToken(deployer, w, "USDC", await w.signers.outsider.getAddress(), parseUnits("10000", 6));
    tx.depositA = (await (await new Contract(w.tokens.USDC, ERC20, w.signers.outsider).transfer(safeA, parseUnits("10000", 6))).wait())!;
    await advanceTime(w, 3 * DAY);

    pg = await startPostgres();
    indexer = await startIndexer({ INDEXER_DEPLOYMENTS: `${chain.file},${fileB}`, NAV_INTERVAL_BLOCKS: "5", DATABASE_URL: pg.url });
    await indexer.waitCaughtUp(300_000);
  });

  after(async () => {
    await indexer?.stop();
    await pg?.stop();
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rows = async <T>(table: string, fields: string, safe: string): Promise<T[]> => {
    const d = await indexer!.graphql<Record<string, Items<T>>>(`{ ${table}(where: { safe: "${safe.toLowerCase()}" }, limit: 1000) { items { ${fields} } } }`);
    return d[table].items;
  };

  it("keeps each Safe's NAV history equal to its own valuation at every indexed block", async () => {
    for (const [safe, valuation] of [[safeA, chain.guardrails.valuation], [safeB, guardB.valuation]] as const) {
      const snaps = await rows<{ blockNumber: string; navUsd18: string; safe: string }>("navSnapshots", "blockNumber navUsd18 safe", safe);
      expect(snaps.length, safe).to.be.greaterThan(5);
      const v = TreasuryValuation__factory.connect(valuation, chain.provider);
      for (const s of snaps) {
        expect(s.safe).to.equal(safe.toLowerCase());
        const onChain = await v.snapshot({ blockTag: Number(s.blockNumber) });
        expect(s.navUsd18, `${safe} at block ${s.blockNumber}`).to.equal(onChain.nav.toString());
      }
    }
    // Both NAVs at B's trade block, each its own: A's is not B's.
    const at = String(tx.agentB.blockNumber);
    const [a] = (await rows<{ blockNumber: string; navUsd18: string }>("navSnapshots", "blockNumber navUsd18", safeA)).filter((s) => s.blockNumber === at);
    const [b] = (await rows<{ blockNumber: string; navUsd18: string }>("navSnapshots", "blockNumber navUsd18", safeB)).filter((s) => s.blockNumber === at);
    expect(b, "B has a snapshot at its trade").to.not.equal(undefined);
    if (a) expect(a.navUsd18).to.not.equal(b.navUsd18);
  });

  it("keeps transfers, executions and decisions with their own Safe", async () => {
    const txsOf = async (table: string, safe: string) => new Set((await rows<{ txHash: string }>(table, "txHash", safe)).map((r) => r.txHash));
    const transfersA = await txsOf("transfers", safeA);
    const transfersB = await txsOf("transfers", safeB);
    expect(transfersA.has(tx.ownerA.hash) && transfersA.has(tx.depositA.hash)).to.equal(true);
    expect(transfersA.has(tx.agentB.hash)).to.equal(false);
    expect(transfersB.has(tx.agentB.hash)).to.equal(true);
    expect(transfersB.has(tx.ownerA.hash) || transfersB.has(tx.depositA.hash)).to.equal(false);
    expect([...(await txsOf("agentExecutions", safeA))]).to.deep.equal([]);
    expect([...(await txsOf("agentExecutions", safeB))]).to.deep.equal([tx.agentB.hash]);
    expect([...(await txsOf("ownerChecks", safeB))].some((h) => h === tx.ownerA.hash)).to.equal(false);

    const decisions = async (safe: string) => (await indexer!.getJson<{ decisions: { decisionHash: string; tx: { hash: string } }[] }>(`/decisions?safe=${safe}`)).decisions;
    expect((await decisions(safeA)).map((d) => [d.decisionHash, d.tx.hash])).to.deep.equal([[id("decision of A"), tx.ownerA.hash]]);
    expect((await decisions(safeB)).map((d) => [d.decisionHash, d.tx.hash])).to.deep.equal([[id("decision of B"), tx.agentB.hash]]);
  });

  it("serves each Safe's portfolio and performance, and needs ?safe= to say which", async () => {
    type Portfolio = { navUsd18: string; block: string; holdings: { token: string; balance: string }[] };
    const w = chain.world;
    const held = (p: Portfolio, token: string) => BigInt(p.holdings.find((h) => h.token === token.toLowerCase())?.balance ?? "0");
    const pa = await indexer!.getJson<Portfolio>(`/portfolio?safe=${safeA}`);
    const pb = await indexer!.getJson<Portfolio>(`/portfolio?safe=${safeB.toLowerCase()}`);
    expect(held(pa, w.aave.aTokens.USDC) > 0n && held(pa, w.erc4626.sDAI) === 0n).to.equal(true);
    expect(held(pb, w.erc4626.sDAI) > 0n && held(pb, w.aave.aTokens.USDC) === 0n).to.equal(true);
    const navB = await TreasuryValuation__factory.connect(guardB.valuation, chain.provider).snapshot({ blockTag: Number(pb.block) });
    expect(pb.navUsd18).to.equal(navB.nav.toString());

    type Perf = { netFlowsUsd: number };
    expect((await indexer!.getJson<Perf>(`/performance?safe=${safeA}`)).netFlowsUsd).to.be.closeTo(10_000, 1e-6);
    expect((await indexer!.getJson<Perf>(`/performance?safe=${safeB}`)).netFlowsUsd).to.equal(0);

    for (const route of ["/portfolio", "/performance", "/decisions"]) {
      const r = await fetch(indexer!.url() + route);
      const body = (await r.json()) as { error: string; safes: string[] };
      expect(r.status, route).to.equal(400);
      expect(body.error).to.include(safeA).and.include(safeB).and.include("?safe=");
      expect(body.safes).to.deep.equal([safeA, safeB]);
    }
    const stranger = await w.signers.outsider.getAddress();
    const r = await fetch(`${indexer!.url()}/portfolio?safe=${stranger}`);
    expect(r.status).to.equal(404);
    expect(((await r.json()) as { error: string }).error).to.include(safeA).and.include(safeB);
  });

  it("refuses a list that names one treasury twice, with an error naming the fix", async () => {
    const r = await indexerStartupFailure({ INDEXER_DEPLOYMENTS: `${chain.file},${chain.file}`, PONDER_PGLITE_DIR: path.join(dir, "pglite-bad") });
    expect(r.code, r.output).to.not.equal(0);
    expect(r.code, r.output).to.not.equal(null);
    expect(r.output.replace(/\n/g, " ")).to.match(/INDEXER_DEPLOYMENTS: the Safe 0x[0-9a-fA-F]{40} of \S+e2e-a\.json is also in \S+e2e-a\.json: each file must be a treasury of its own/);
  });
});
