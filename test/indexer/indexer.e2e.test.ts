// The indexer end to end: a local world on anvil, real treasury transactions (owner batch through
// the guard, agent batch through the module, time warps with yield and price moves, an external
// deposit, a payment, a refused transaction, a pause), then `ponder start` on a fresh database,
// checked against chain truth: NAV and allocation equal the valuation's at the same blocks, external
// flows are excluded from the return, every decision is joined, and the performance figures equal
// an independent calculation here. Then a restart (same answers, no duplicates) and a reorg; all of
// it once on the embedded database (PGlite) and once on a scratch PostgreSQL server (DATABASE_URL),
// which needs the PostgreSQL server binaries (scripts/scratchPostgres.ts says what to install).
// Last, startup errors for bad input.
import { expect } from "chai";
import { Client as PgClient } from "pg";
import fs from "node:fs";
import path from "node:path";
import { Contract, Interface, NonceManager, Signer, TransactionReceipt, id, parseUnits, zeroPadValue } from "ethers";
import { advanceTime, executeSafeTx, setPrice } from "../../scripts/world";
import { fundToken } from "../../scripts/world/tokens";
import { IFACE } from "../helpers/interfaces";
import { Indexer, LocalChain, indexerStartupFailure, startIndexer, startLocalChain, tmpDir } from "../helpers/indexer";
import { startPostgres } from "../../scripts/scratchPostgres";
import { AgentModule__factory, TreasuryPolicy__factory, TreasuryValuation__factory } from "../../typechain-types";

const DAY = 86_400;
const ERC20 = IFACE.erc20;

interface SnapRow {
  blockNumber: string;
  timestamp: string;
  healthy: boolean;
  navUsd18: string;
  volatileBps: number | null;
  holdings: { token: string; balance: string; valueUsd18: string; bps: number }[];
}
type Items<T> = { items: T[] };

/** Independent TWR / risk figures over (block, timestamp, nav) and flows, as documented. */
function expected(points: { block: number; ts: number; nav: number }[], flows: { block: number; usd: number }[]) {
  const idx = [1];
  let netFlows = 0;
  for (let i = 1; i < points.length; i++) {
    const f = flows.filter((x) => x.block > points[i - 1].block && x.block <= points[i].block).reduce((a, x) => a + x.usd, 0);
    netFlows += f;
    idx.push(idx[i - 1] * ((points[i].nav - f) / points[i - 1].nav));
  }
  const lastOfDay = new Map<number, number>();
  points.forEach((p, i) => lastOfDay.set(Math.floor(p.ts / DAY), i));
  const dayIdx = [...lastOfDay.values()];
  const daily = dayIdx.map((i, k) => idx[i] / (k === 0 ? 1 : idx[dayIdx[k - 1]]) - 1);
  const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
  const sd = Math.sqrt(daily.reduce((a, r) => a + (r - mean) ** 2, 0) / (daily.length - 1));
  const down = Math.sqrt(daily.reduce((a, r) => a + Math.min(0, r) ** 2, 0) / daily.length);
  let peak = 1;
  let mdd = 0;
  for (const v of idx) {
    peak = Math.max(peak, v);
    mdd = Math.max(mdd, 1 - v / peak);
  }
  const twr = idx[idx.length - 1] - 1;
  const elapsed = points[points.length - 1].ts - points[0].ts;
  return {
    twr,
    apy: Math.pow(1 + twr, (365 * DAY) / elapsed) - 1,
    volatility: sd * Math.sqrt(365),
    sharpe: (mean / sd) * Math.sqrt(365),
    sortino: (mean / down) * Math.sqrt(365),
    maxDrawdown: mdd,
    netFlowsUsd: netFlows,
    gainsUsd: points[points.length - 1].nav - points[0].nav - netFlows,
    days: daily.length,
  };
}

/** Where the indexer stores its tables: the environment that selects it, and how to read a table's row count there directly. */
interface Database {
  name: string;
  open: (dir: string) => Promise<{ env: Record<string, string>; stop: () => Promise<void>; count?: (table: string) => Promise<number> }>;
}
const DATABASES: Database[] = [
  { name: "PGlite (embedded)", open: async (dir) => ({ env: { PONDER_PGLITE_DIR: path.join(dir, "pglite") }, stop: async () => undefined }) },
  {
    name: "PostgreSQL (DATABASE_URL)",
    open: async () => {
      const pg = await startPostgres();
      console.log(`      scratch ${pg.version} at ${pg.url}`);
      return {
        env: { DATABASE_URL: pg.url },
        stop: pg.stop,
        count: async (table) => {
          const client = new PgClient({ connectionString: pg.url });
          await client.connect();
          try {
            return Number((await client.query(`select count(*) as n from e2e.${table}`)).rows[0].n);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).to.be.lessThan(1e-9 * Math.max(1, Math.abs(b)));

describe("indexer: Ponder app against the local world (anvil)", function () {
  this.timeout(300_000);
  let dir: string;
  let chain: LocalChain;
  const receipts: Record<string, TransactionReceipt> = {};
  const flows: { block: number; usd: number }[] = [];
  /** Transactions with an external flow (the reorg test adds its canonical deposit). */
  const externalTxs: string[] = [];
  let refusedError = "";

  before(async () => {
    dir = tmpDir("indexer-e2e-");
    chain = await startLocalChain(dir);
    const w = chain.world;
    const safe = w.treasury.safe;
    const owners = w.signers.owners.slice(0, 2);
    const [agent, outsider, guardian, payee] = [w.signers.agent, w.signers.outsider, chain.signers[7], chain.signers[8]];
    const policy = TreasuryPolicy__factory.connect(chain.guardrails.policy, guardian);
    const module = AgentModule__factory.connect(chain.guardrails.module, agent);
    const call = (to: string, iface: Interface, fn: string, args: unknown[]) => ({ to, data: iface.encodeFunctionData(fn, args) });
    const policyIface = policy.interface as unknown as Interface;
    const owner = (label: string, tx: { to: string; data: string }[]) => executeSafeTx({ safe, owners, tx, infra: w.safe, label });
    const deposit = async (usd: number, from: Signer = outsider) => {
      const amount = parseUnits(String(usd), 6);
      await fundToken(w.signers.deployer, w, "USDC", await from.getAddress(), amount);
      const r = (await (await new Contract(w.tokens.USDC, ERC20, from).transfer(safe, amount)).wait())!;
      return r;
    };

    // Owner batch through the guard, with a decision receipt.
    receipts.owner = await owner("owner: supply USDC to Aave", [
      call(chain.guardrails.policy, policyIface, "recordDecision", [id("owner decision 1")]),
      call(w.tokens.USDC, ERC20, "approve", [w.aave.pool, parseUnits("50000", 6)]),
      call(w.aave.pool, IFACE.aavePool, "supply", [w.tokens.USDC, parseUnits("50000", 6), safe, 0]),
    ]);
    // Agent batch through the module.
    const dai = parseUnits("30000", 18);
    receipts.agent = (await (await module.execute([
      { to: w.tokens.DAI, value: 0n, data: ERC20.encodeFunctionData("approve", [w.erc4626.sDAI, dai]) },
      { to: w.erc4626.sDAI, value: 0n, data: IFACE.erc4626.encodeFunctionData("deposit", [dai, safe]) },
    ], id("agent decision 1"))).wait())!;
    // Nine days: yield accrues (Aave, vault), WETH moves, a deposit from outside and a payment.
    for (let day = 1; day <= 9; day++) {
      await advanceTime(w, DAY);
      if (day === 2) await setPrice(w, "WETH", 2700);
      if (day === 6) await setPrice(w, "WETH", 3150);
      if (day === 4) {
        receipts.deposit = await deposit(10_000);
        flows.push({ block: receipts.deposit.blockNumber, usd: 10_000 });
      }
      if (day === 5) {
        receipts.payment = await owner("owner: pay a payee", [call(w.tokens.USDC, ERC20, "transfer", [await payee.getAddress(), parseUnits("5000", 6)])]);
        flows.push({ block: receipts.payment.blockNumber, usd: -5_000 });
      }
    }
    // A transaction the guard refuses (payment to a non-payee): it never lands on chain.
    try {
      await owner("owner: pay a stranger", [call(w.tokens.USDC, ERC20, "transfer", [await outsider.getAddress(), parseUnits("1000", 6)])]);
    } catch (err) {
      refusedError = (err as Error).message;
    }
    receipts.pause = (await (await policy.pause()).wait())!;
    await advanceTime(w, 30 * DAY);
    externalTxs.push(receipts.deposit.hash, receipts.payment.hash);
  });

  after(async () => {
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start on bad input with an error naming the fix", async () => {
    const bad = path.join(dir, "bad");
    fs.mkdirSync(bad);
    const malformed = path.join(bad, "malformed.json");
    fs.writeFileSync(malformed, JSON.stringify({ ...chain.deployment, treasury: { safe: "0x1234" } }));
    const notJson = path.join(bad, "notjson.json");
    fs.writeFileSync(notJson, "{ not json");
    const unreachable = path.join(bad, "down.json");
    fs.writeFileSync(unreachable, JSON.stringify({ ...chain.deployment, rpcUrl: "http://127.0.0.1:9" }));
    const cases: [Record<string, string>, RegExp][] = [
      [{ NETWORK: "nosuchchain" }, /Unknown chain "nosuchchain".*Known networks: /],
      [{ DEPLOYMENTS_FILE: path.join(bad, "missing.json") }, /missing\.json does not exist: point it at a deployments JSON file/],
      [{ DEPLOYMENTS_FILE: malformed }, /malformed\.json is malformed: treasury\.safe: expected a 0x-prefixed 20-byte address.*Regenerate it/],
      [{ DEPLOYMENTS_FILE: notJson }, /notjson\.json is not valid JSON.*regenerate it/],
      [{ DEPLOYMENTS_FILE: unreachable }, /The RPC at http:\/\/127\.0\.0\.1:9 is unreachable.*start the chain.*PONDER_RPC_URL_31337/],
      [{ DEPLOYMENTS_FILE: chain.file, NAV_READ_CONCURRENCY: "many" }, /NAV_READ_CONCURRENCY=many is not a positive integer: set it to a whole number or unset it \(default 16\)/],
    ];
    for (const [env, re] of cases) {
      const r = await indexerStartupFailure({ PONDER_PGLITE_DIR: path.join(bad, "db"), ...env });
      expect(r.code, r.output).to.not.equal(0);
      expect(r.code, r.output).to.not.equal(null);
      expect(r.output.replace(/\n/g, " ")).to.match(re);
    }
  });

  for (const database of DATABASES) {
    describe(`indexed into ${database.name}`, function () {
      let indexer: Indexer | undefined;
      let db: Awaited<ReturnType<Database["open"]>>;

      before(async () => {
        db = await database.open(dir);
        const t0 = Date.now();
        indexer = await startIndexer({ DEPLOYMENTS_FILE: chain.file, NAV_INTERVAL_BLOCKS: "1", ...db.env });
        await indexer.waitCaughtUp();
        console.log(`      indexer caught up ${Date.now() - t0} ms after start (head ${await chain.provider.getBlockNumber()})`);
      });

      after(async () => {
        await indexer?.stop();
        await db?.stop();
      });

      if (database.name.startsWith("PostgreSQL")) {
        it("keeps its tables in that PostgreSQL database (the rows GraphQL serves are there)", async () => {
          const served = await indexer!.graphql<Record<string, { totalCount: number }>>(`{ navSnapshots { totalCount } transfers { totalCount } decisions { totalCount } txCosts { totalCount } }`);
          expect(served.navSnapshots.totalCount).to.be.greaterThan(40);
          expect(await db.count!("nav_snapshot")).to.equal(served.navSnapshots.totalCount);
          expect(await db.count!("transfer")).to.equal(served.transfers.totalCount);
          expect(await db.count!("decision")).to.equal(served.decisions.totalCount);
          expect(await db.count!("tx_cost")).to.equal(served.txCosts.totalCount);
        });
      }
      it("serves SQL over HTTP (/sql/db, the endpoint @ponder/client uses)", async () => {
        const served = await indexer!.graphql<{ navSnapshots: { totalCount: number } }>(`{ navSnapshots { totalCount } }`);
        const query = encodeURIComponent(JSON.stringify({ json: { sql: "select count(*) as n from nav_snapshot", params: [] } }));
        const r = await fetch(`${indexer!.url()}/sql/db?sql=${query}`);
        const body = (await r.json()) as { rows: { n: number | string }[] };
        expect(r.status, JSON.stringify(body)).to.equal(200);
        expect(Number(body.rows[0].n)).to.equal(served.navSnapshots.totalCount);
      });

      async function snapshots(): Promise<SnapRow[]> {
        const d = await indexer!.graphql<{ navSnapshots: Items<SnapRow> }>(
          `{ navSnapshots(limit: 1000, orderBy: "blockNumber", orderDirection: "asc") { items { blockNumber timestamp healthy navUsd18 volatileBps holdings } } }`,
        );
        return d.navSnapshots.items;
      }

      it("NAV and allocation equal the valuation's nav() and allocation() at every snapshot block", async () => {
        const valuation = TreasuryValuation__factory.connect(chain.guardrails.valuation, chain.provider);
        const rows = await snapshots();
        expect(rows.length).to.be.greaterThan(40);
        let healthy = 0;
        for (const s of rows) {
          const blockTag = Number(s.blockNumber);
          if (!s.healthy) {
            // Right after a time warp the feeds are stale: nav() itself refuses to value the Safe.
            await expect(valuation.nav({ blockTag })).to.be.rejected;
            continue;
          }
          healthy++;
          expect(BigInt(s.navUsd18), `nav at ${blockTag}`).to.equal(await valuation.nav({ blockTag }));
          const a = await valuation.allocation({ blockTag });
          expect(s.volatileBps).to.equal(Number(a.volatileBps));
          expect(s.holdings.map((h) => h.token)).to.deep.equal(a.holdings.map((x: string) => x.toLowerCase()));
          expect(s.holdings.map((h) => h.bps)).to.deep.equal(a.holdingBps.map(Number));
        }
        expect(healthy).to.be.greaterThan(20);
        // The yield positions exist and accrued: the sDAI and aUSDC holdings are worth more at the end.
        const sdai = chain.world.erc4626.sDAI.toLowerCase();
        const first = rows.find((r) => r.healthy && r.holdings.some((h) => h.token === sdai && BigInt(h.balance) > 0n))!;
        const last = [...rows].reverse().find((r) => r.healthy)!;
        const v = (r: SnapRow) => BigInt(r.holdings.find((h) => h.token === sdai)!.valueUsd18);
        expect(v(last)).to.be.greaterThan(v(first));
      });

      it("serves the current portfolio: positions, weights, caps and headroom, paused, last decision", async () => {
        const p = await indexer!.getJson<{
          navUsd18: string; paused: boolean; block: string; volatile: { bps: number; capBps: number; headroomBps: number };
          holdings: { token: string; bps: number; kind: string; headroomBps: number | null }[]; lastDecision: { txHash: string } | null;
        }>("/portfolio");
        const valuation = TreasuryValuation__factory.connect(chain.guardrails.valuation, chain.provider);
        const head = await chain.provider.getBlockNumber();
        expect(Number(p.block)).to.equal(head);
        expect(BigInt(p.navUsd18)).to.equal(await valuation.nav({ blockTag: head }));
        expect(p.paused).to.equal(true);
        expect(p.volatile.capBps).to.equal(4000);
        expect(p.volatile.headroomBps).to.equal(4000 - p.volatile.bps);
        const ausdc = p.holdings.find((h) => h.token === chain.world.aave.aTokens.USDC.toLowerCase())!;
        expect(ausdc.kind).to.equal("position");
        expect(ausdc.headroomBps).to.equal(5000 - ausdc.bps);
        expect(p.lastDecision!.txHash).to.equal(receipts.agent.hash);
      });

      it("one indexer per Safe: ?safe= of the Safe it follows answers as without; another Safe is a 404 naming both", async () => {
        const safe = chain.world.treasury.safe;
        for (const route of ["/portfolio", "/performance", "/decisions"]) {
          const mine = await fetch(`${indexer!.url()}${route}?safe=${safe.toLowerCase()}`);
          expect(mine.status, route).to.equal(200);
          expect(mine.headers.get("x-treasury-safe")?.toLowerCase()).to.equal(safe.toLowerCase());
          expect(await mine.json()).to.deep.equal(await indexer!.getJson(route));
          const other = await fetch(`${indexer!.url()}${route}?safe=0x000000000000000000000000000000000000dEaD`);
          expect(other.status, route).to.equal(404);
          expect(((await other.json()) as { error: string }).error.toLowerCase()).to.equal(`this indexer follows the Safe ${safe}, not 0x000000000000000000000000000000000000dEaD: point INDEXER_URL at that Safe's indexer`.toLowerCase());
        }
      });

      it("classifies transfers: deposits and payments are external flows, protocol moves are internal; refused txs leave nothing", async () => {
        const d = await indexer!.graphql<{ transfers: Items<{ txHash: string; external: boolean; flowUsd18: string | null; direction: string }> }>(
          `{ transfers(limit: 1000) { items { txHash external flowUsd18 direction } } }`,
        );
        const ext = d.transfers.items.filter((t) => t.external);
        expect(ext.map((t) => t.txHash).sort()).to.deep.equal([...externalTxs].sort());
        expect(BigInt(ext.find((t) => t.txHash === receipts.deposit.hash)!.flowUsd18!)).to.equal(10_000n * 10n ** 18n);
        expect(BigInt(ext.find((t) => t.txHash === receipts.payment.hash)!.flowUsd18!)).to.equal(-5_000n * 10n ** 18n);
        const internal = d.transfers.items.filter((t) => t.txHash === receipts.owner.hash || t.txHash === receipts.agent.hash);
        expect(internal.length).to.be.greaterThan(3);
        expect(internal.every((t) => !t.external && t.flowUsd18 === null)).to.equal(true);
        // The guard refused the payment to a stranger: it reverted before landing, so no row anywhere.
        expect(refusedError).to.match(/PayeeNotAllowed|revert/i);
        const safeTopic = zeroPadValue(chain.world.treasury.safe, 32);
        const success = await chain.provider.getLogs({ address: chain.world.treasury.safe, topics: [id("ExecutionSuccess(bytes32,uint256)")], fromBlock: 0 });
        const e = await indexer!.graphql<{ safeExecutions: Items<{ txHash: string; kind: string }> }>(`{ safeExecutions(limit: 1000) { items { txHash kind } } }`);
        expect(e.safeExecutions.items.filter((x) => x.kind === "owner").map((x) => x.txHash).sort()).to.deep.equal(success.map((l) => l.transactionHash).sort());
        expect(safeTopic).to.have.length(66);
      });

      it("records gas per treasury transaction in ETH and USD", async () => {
        const d = await indexer!.graphql<{ txCosts: Items<{ txHash: string; costWei: string; costUsd: number; ethUsd: number }> }>(`{ txCosts(limit: 1000) { items { txHash costWei costUsd ethUsd } } }`);
        for (const r of [receipts.owner, receipts.agent, receipts.payment, receipts.pause]) {
          const row = d.txCosts.items.find((x) => x.txHash === r.hash)!;
          expect(row, r.hash).to.not.equal(undefined);
          expect(BigInt(row.costWei)).to.equal(r.gasUsed * r.gasPrice);
          close(row.costUsd, (Number(row.costWei) / 1e18) * row.ethUsd, "costUsd");
        }
      });

      it("performance equals an independent calculation on the same series, net of external flows", async () => {
        const valuation = TreasuryValuation__factory.connect(chain.guardrails.valuation, chain.provider);
        const rows = (await snapshots()).filter((s) => s.healthy);
        // NAV from the chain at the indexer's snapshot blocks (not the indexer's numbers).
        const points = [];
        for (const s of rows) points.push({ block: Number(s.blockNumber), ts: Number(s.timestamp), nav: Number(await valuation.nav({ blockTag: Number(s.blockNumber) })) / 1e18 });
        const want = expected(points, flows);
        const got = await indexer!.getJson<Record<string, number>>("/performance");
        for (const k of ["twr", "apy", "volatility", "sharpe", "sortino", "maxDrawdown", "netFlowsUsd", "gainsUsd"] as const) close(got[k], want[k], k);
        expect((got as unknown as { daily: unknown[] }).daily).to.have.length(want.days);
        expect(want.maxDrawdown).to.be.greaterThan(0); // the WETH drop shows
        // Flows are not return: a naive NAV ratio would count the net $5k deposited as gain.
        const naive = points[points.length - 1].nav / points[0].nav - 1;
        expect(Math.abs(naive - got.twr)).to.be.greaterThan(0.01);
        expect(got.gasUsd).to.be.greaterThan(0);
        // A window: from the deposit day on.
        const from = points.find((p) => p.block >= receipts.deposit.blockNumber)!.ts;
        const sub = await indexer!.getJson<Record<string, number>>(`/performance?from=${from}`);
        close(sub.twr, expected(points.filter((p) => p.ts >= from), flows).twr, "twr from the deposit");
        expect((await fetch(`${indexer!.url()}/performance?from=yesterday`)).status).to.equal(400);
      });

      it("joins every decision to its transaction, with NAV before/after and later outcomes vs holding still", async () => {
        const d = await indexer!.getJson<{
          count: number; winRate: number | null; qualityScore: number | null; method: string;
          decisions: { decisionHash: string; tx: { hash: string; kind: string }; navBefore: number; navAfter: number; later: Record<string, { actual: number; holding: number; excess: number } | null> }[];
        }>("/decisions");
        expect(d.count).to.equal(2);
        const byHash = Object.fromEntries(d.decisions.map((x) => [x.decisionHash, x]));
        expect(byHash[id("owner decision 1")].tx).to.include({ hash: receipts.owner.hash, kind: "owner" });
        expect(byHash[id("agent decision 1")].tx).to.include({ hash: receipts.agent.hash, kind: "module" });
        const agentEvent = AgentModule__factory.createInterface().parseLog(receipts.agent.logs.find((l) => l.address === chain.guardrails.module)!)!;
        close(byHash[id("agent decision 1")].navBefore, Number(agentEvent.args.navBefore) / 1e18, "navBefore");
        close(byHash[id("agent decision 1")].navAfter, Number(agentEvent.args.navAfter) / 1e18, "navAfter");
        for (const x of d.decisions) for (const h of ["1d", "7d", "30d"]) expect(x.later[h], `${x.decisionHash} ${h}`).to.not.equal(null);
        expect(d.winRate).to.be.a("number");
        expect(d.qualityScore).to.be.within(0, 100);
        expect(d.method).to.include("holding still");
      });

      it("restarts on the same database without duplicates and with the same answers", async () => {
        const q = `{ navSnapshots { totalCount } transfers { totalCount } safeExecutions { totalCount } decisions { totalCount } txCosts { totalCount } treasuryEvents { totalCount } }`;
        const before = await indexer!.graphql(q);
        const perf = await indexer!.getJson("/performance");
        const dec = await indexer!.getJson("/decisions");
        await indexer!.stop();
        indexer = await startIndexer({ DEPLOYMENTS_FILE: chain.file, NAV_INTERVAL_BLOCKS: "1", ...db.env });
        await indexer.waitCaughtUp();
        expect(await indexer.graphql(q)).to.deep.equal(before);
        expect(await indexer.getJson("/performance")).to.deep.equal(perf);
        expect(await indexer.getJson("/decisions")).to.deep.equal(dec);
      });

      it("follows the canonical chain through a reorg (evm_snapshot / evm_revert)", async () => {
        const w = chain.world;
        const outsider = w.signers.outsider;
        const send = async (usd: number) => {
          const amount = parseUnits(String(usd), 6);
          await fundToken(w.signers.deployer, w, "USDC", await outsider.getAddress(), amount);
          return (await (await new Contract(w.tokens.USDC, ERC20, outsider).transfer(w.treasury.safe, amount)).wait())!;
        };
        const hashes = async () =>
          (await indexer!.graphql<{ transfers: Items<{ txHash: string; blockNumber: string }> }>(`{ transfers(limit: 1000, where: { external: true }) { items { txHash blockNumber } } }`)).transfers.items;
        const waitFor = async (cond: () => Promise<boolean>, what: string) => {
          for (let i = 0; i < 150; i++) {
            if (await cond()) return;
            await new Promise((r) => setTimeout(r, 200));
          }
          throw new Error(`timeout: ${what}\n${indexer!.output().slice(-2000)}`);
        };
        const snap = await chain.rpc("evm_snapshot");
        const orphan = await send(1_000);
        await waitFor(async () => (await hashes()).some((t) => t.txHash === orphan.hash), "the orphan deposit indexed");
        expect(await chain.rpc("evm_revert", [snap])).to.equal(true);
        // The signers' nonce managers counted the reverted transactions: re-read nonces from the chain.
        for (const s of [w.signers.deployer, outsider]) (s as NonceManager).reset();
        const canonical = await send(2_000);
        flows.push({ block: canonical.blockNumber, usd: 2_000 });
        externalTxs.push(canonical.hash);
        await chain.rpc("anvil_mine", ["0x3"]);
        await waitFor(async () => {
          const t = await hashes();
          return t.some((x) => x.txHash === canonical.hash) && !t.some((x) => x.txHash === orphan.hash);
        }, "the reorg followed");
        await indexer!.waitCaughtUp();
        const rows = await snapshots();
        const at = rows.find((r) => Number(r.blockNumber) === canonical.blockNumber)!;
        const valuation = TreasuryValuation__factory.connect(chain.guardrails.valuation, chain.provider);
        expect(BigInt(at.navUsd18)).to.equal(await valuation.nav({ blockTag: canonical.blockNumber }));
      });
    });
  }
});
