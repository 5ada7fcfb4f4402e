// HTTP API: GraphQL over every table, SQL over HTTP, and the treasury's analytics routes.
//   /graphql, /            GraphQL (Ponder)
//   /sql/*                 SQL over HTTP (@ponder/client)
//   /portfolio             positions, weights, caps and headroom, NAV, paused, last decision
//   /performance?from&to   TWR net of external flows, APY, vol, Sharpe, Sortino, drawdown, gas vs gains, daily series
//   /decisions?from&to     decisions joined to their transaction, NAV before/after, 1/7/30 days later vs holding still
//   /caught-up             200 once indexed up to the chain head (503 otherwise): wait on this, not /ready
// /portfolio, /performance and /decisions take ?safe=ADDRESS, the treasury asked about: 404 unless the
// indexer follows that Safe; required (400) when it follows more than one (INDEXER_DEPLOYMENTS).
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { hexToString } from "viem";
import { asc, eq } from "ponder";
import { client, graphql, replaceBigInts } from "ponder";
import { performance, type Point, type Flow, type GasCost } from "../../../lib/analytics/performance";
import { judge, score, METHOD as DECISION_METHOD, SCORE_HORIZON, type SnapshotRow } from "../../../lib/analytics/decisions";
import { twrIndex } from "../../../lib/analytics/performance";
import { readDeploymentFiles } from "../lib/deployment";

type Env = { Variables: { safe: `0x${string}` } };
const app = new Hono<Env>();

/** The Safes this indexer follows (one, or a list: docs/deploy.md "Many treasuries"), as their files spell them. */
const SAFES = readDeploymentFiles().map((f) => f.deployment.treasury.safe);

// ?safe=: the caller's Safe. A Safe the indexer does not follow is a 404 naming the followed ones, so
// a dashboard or script pointed at the wrong indexer never takes another treasury's figures for its
// own; with several followed, leaving it out is a 400 (no route mixes treasuries).
for (const route of ["/portfolio", "/performance", "/decisions"]) {
  app.use(route, async (c, next) => {
    const asked = c.req.query("safe");
    const list = SAFES.join(", ");
    if (asked === undefined && SAFES.length > 1)
      return c.json({ error: `this indexer follows ${SAFES.length} Safes (${list}): add ?safe=ADDRESS to say which treasury`, safes: SAFES }, 400);
    const safe = asked === undefined ? SAFES[0] : SAFES.find((s) => s.toLowerCase() === asked.toLowerCase());
    if (!safe) {
      return SAFES.length === 1
        ? c.json({ error: `this indexer follows the Safe ${SAFES[0]}, not ${asked}: point INDEXER_URL at that Safe's indexer`, safe: SAFES[0] }, 404)
        : c.json({ error: `this indexer follows the Safes ${list}, not ${asked}: point INDEXER_URL at that Safe's indexer`, safes: SAFES }, 404);
    }
    c.header("x-treasury-safe", safe);
    c.set("safe", safe.toLowerCase() as `0x${string}`);
    await next();
  });
}

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));
app.use("/", graphql({ db, schema }));

const json = (v: unknown) => replaceBigInts(v, (x) => x.toString());

/** from/to query parameters: unix seconds or an ISO date. Returns seconds, or an error message. */
function parseTime(v: string | undefined, name: string): number | undefined | string {
  if (v === undefined || v === "") return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return `${name}=${v} is neither unix seconds nor an ISO date (e.g. 2026-01-31)`;
  return Math.floor(t / 1000);
}

function window(c: { req: { query: (k: string) => string | undefined } }): { from: number; to: number } | { error: string } {
  const from = parseTime(c.req.query("from"), "from");
  const to = parseTime(c.req.query("to"), "to");
  if (typeof from === "string") return { error: from };
  if (typeof to === "string") return { error: to };
  const w = { from: from ?? 0, to: to ?? Number.MAX_SAFE_INTEGER };
  if (w.from > w.to) return { error: `from (${w.from}) is after to (${w.to})` };
  return w;
}

async function loadSeries(safe: `0x${string}`) {
  const snaps = await db.select().from(schema.navSnapshot).where(eq(schema.navSnapshot.safe, safe)).orderBy(asc(schema.navSnapshot.blockNumber));
  const flows = await db.select().from(schema.transfer).where(eq(schema.transfer.safe, safe)).orderBy(asc(schema.transfer.blockNumber));
  const healthy = snaps.filter((s) => s.healthy);
  const points: Point[] = healthy.map((s) => ({ block: s.blockNumber, timestamp: Number(s.timestamp), nav: s.nav }));
  const flowRows: Flow[] = flows.filter((f) => f.external && f.flowUsd18 !== null).map((f) => ({ block: f.blockNumber, usd: Number(f.flowUsd18) / 1e18 }));
  return { healthy, points, flows: flowRows };
}

app.get("/portfolio", async (c) => {
  const safe = c.get("safe");
  const [latest] = await db.select().from(schema.navSnapshot).where(eq(schema.navSnapshot.safe, safe)).orderBy(asc(schema.navSnapshot.blockNumber)).then((r) => r.slice(-1));
  const [state] = await db.select().from(schema.treasuryState).where(eq(schema.treasuryState.safe, safe));
  if (!latest || !state) return c.json({ error: "nothing indexed yet: wait for /caught-up" }, 503);
  const positions = state.positions as { token: string; protocol: string }[];
  const holdings = (latest.holdings as { token: string; balance: string; valueUsd18: string; bps: number }[]).map((h) => {
    const isPosition = positions.some((p) => p.token === h.token);
    return {
      ...h,
      valueUsd: Number(h.valueUsd18) / 1e18,
      kind: isPosition ? "position" : "asset",
      capBps: isPosition ? state.maxPositionBps : null,
      headroomBps: isPosition && state.maxPositionBps !== null ? state.maxPositionBps - h.bps : null,
    };
  });
  return c.json(
    json({
      block: latest.blockNumber,
      timestamp: latest.timestamp,
      healthy: latest.healthy,
      navUsd18: latest.navUsd18,
      navUsd: latest.nav,
      paused: state.paused,
      volatile: { bps: latest.volatileBps, capBps: state.maxVolatileBps, headroomBps: state.maxVolatileBps !== null && latest.volatileBps !== null ? state.maxVolatileBps - latest.volatileBps : null },
      protocols: (latest.protocols as { id: `0x${string}`; bps: number }[]).map((p) => ({ ...p, name: hexToString(p.id, { size: 32 }).replace(/\0+$/, ""), capBps: state.maxProtocolBps, headroomBps: state.maxProtocolBps !== null ? state.maxProtocolBps - p.bps : null })),
      holdings,
      lastDecision: state.lastDecisionHash ? { decisionHash: state.lastDecisionHash, txHash: state.lastDecisionTx, block: state.lastDecisionBlock } : null,
    }),
  );
});

app.get("/performance", async (c) => {
  const w = window(c);
  if ("error" in w) return c.json({ error: w.error }, 400);
  const rf = Number(c.req.query("riskFree") ?? 0);
  if (!Number.isFinite(rf)) return c.json({ error: "riskFree must be an annual rate, e.g. 0.04" }, 400);
  const safe = c.get("safe");
  const { points, flows } = await loadSeries(safe);
  const inWindow = points.filter((p) => p.timestamp >= w.from && p.timestamp <= w.to);
  const gas: GasCost[] = (await db.select().from(schema.txCost).where(eq(schema.txCost.safe, safe))).map((g) => ({ block: g.blockNumber, usd: g.costUsd, eth: g.costEth }));
  const perf = performance(inWindow, flows, gas, rf);
  if (!perf) return c.json({ error: "no NAV snapshot in the window" }, 404);
  return c.json(json(perf));
});

app.get("/decisions", async (c) => {
  const w = window(c);
  if ("error" in w) return c.json({ error: w.error }, 400);
  const safe = c.get("safe");
  const { healthy, points, flows } = await loadSeries(safe);
  const { index } = twrIndex(points, flows);
  const snaps: SnapshotRow[] = healthy.map((s, i) => ({
    block: s.blockNumber, timestamp: Number(s.timestamp), nav: s.nav, index: index[i],
    holdings: s.holdings as SnapshotRow["holdings"], prices: s.prices as Record<string, string>,
  }));
  const [state] = await db.select().from(schema.treasuryState).where(eq(schema.treasuryState.safe, safe));
  const assets = (state?.assets ?? []) as { token: string; decimals: number }[];
  const positions = (state?.positions ?? []) as { token: string; underlying: string }[];
  const decimalsOf = (t: string) => assets.find((a) => a.token === t)?.decimals;
  const underlyingOf = (t: string) => positions.find((p) => p.token === t)?.underlying;

  const decisions = (await db.select().from(schema.decision).where(eq(schema.decision.safe, safe)).orderBy(asc(schema.decision.blockNumber)))
    .filter((d) => Number(d.timestamp) >= w.from && Number(d.timestamp) <= w.to);
  const agentRows = await db.select().from(schema.agentExecution).where(eq(schema.agentExecution.safe, safe));
  const ownerRows = await db.select().from(schema.ownerCheck).where(eq(schema.ownerCheck.safe, safe));
  const gasRows = await db.select().from(schema.txCost).where(eq(schema.txCost.safe, safe));
  const out = decisions.map((d) => {
    const agent = agentRows.find((a) => a.txHash === d.txHash);
    const owner = ownerRows.find((o) => o.txHash === d.txHash);
    const gas = gasRows.find((g) => g.txHash === d.txHash);
    const j = judge({ id: d.id, txHash: d.txHash, block: d.blockNumber, timestamp: Number(d.timestamp), decisionHash: d.decisionHash, recordedBy: d.recordedBy }, snaps, decimalsOf, underlyingOf);
    const ev = agent ?? owner;
    return {
      decisionHash: d.decisionHash,
      block: d.blockNumber,
      timestamp: d.timestamp,
      tx: {
        hash: d.txHash,
        kind: agent ? "module" : owner ? "owner" : "unknown",
        from: gas?.from ?? null,
        agent: agent?.agent ?? null,
        safeTxHash: owner?.safeTxHash ?? null,
        sizeUsd: agent ? Number(agent.sizeUsd18) / 1e18 : null,
        outflowUsd: owner ? Number(owner.outflowUsd18) / 1e18 : null,
        gasUsd: gas?.costUsd ?? null,
      },
      navBefore: ev ? Number(ev.navBeforeUsd18) / 1e18 : (j.before?.nav ?? null),
      navAfter: ev ? Number(ev.navAfterUsd18) / 1e18 : (j.after?.nav ?? null),
      snapshotBefore: j.before ? { block: j.before.block, nav: j.before.nav } : null,
      snapshotAfter: j.after ? { block: j.after.block, nav: j.after.nav } : null,
      later: j.later,
    };
  });
  const s = score(out.map((d) => d.later[`${SCORE_HORIZON}d`]?.excess ?? null));
  return c.json(json({ count: out.length, ...s, scoreHorizonDays: SCORE_HORIZON, method: DECISION_METHOD, decisions: out }));
});

/** 200 when indexing is complete up to the chain head; /ready alone excludes the unfinalized tip. */
app.get("/caught-up", async (c) => {
  const base = new URL(c.req.url).origin;
  const ready = (await fetch(`${base}/ready`)).status === 200;
  const status = (await (await fetch(`${base}/status`)).json()) as Record<string, { block: { number: number } }>;
  const [name, st] = Object.entries(status)[0] ?? [];
  const client = Object.values(publicClients)[0];
  const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
  const indexed = st?.block.number ?? 0;
  const caughtUp = ready && indexed >= head;
  return c.json({ caughtUp, ready, chain: name ?? null, indexedBlock: indexed, headBlock: head }, caughtUp ? 200 : 503);
});

export default app;
