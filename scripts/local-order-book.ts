// `npm run order-book -- --rpc URL --deployment FILE [--port N] [--solve-every S]`: the local CoW
// order book for a local chain (e.g. the one `npm start` runs) with the local world's solver (account
// #0, the allow-listed deployer) settling every open pre-signed order every S seconds at the oracle
// price, as CoW's autopilot and solvers would. The agent: COW_API_URL = the printed URL, SWAP_VENUE=cow.
import { parseArgs } from "node:util";
import { readDeployment } from "../lib/chain/deployments";
import { startLocalOrderBook } from "../agent/src/cow/localOrderBook";
import { connectRpc } from "./world/rpc";
import { solveCowOrder } from "./world/cow";

const USAGE = `Usage: npm run order-book -- --rpc URL --deployment FILE [--port N] [--host 127.0.0.1] [--solve-every 15] [--quiet]
  --rpc URL          JSON-RPC of the local chain (required)
  --deployment FILE  its deployments file (tokens, feeds, cow.settlement; required)
  --port N           port to listen on (default: a free port, printed at start)
  --solve-every S    seconds between the local solver's rounds (default 15; 0 = never: settle by hand)
  --quiet            do not log each request
SIGINT/SIGTERM stops it.`;

async function main() {
  const { values } = parseArgs({
    options: { rpc: { type: "string" }, deployment: { type: "string" }, port: { type: "string" }, host: { type: "string", default: "127.0.0.1" }, "solve-every": { type: "string", default: "15" }, quiet: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  if (!values.rpc || !values.deployment) throw new Error(`--rpc and --deployment are required\n${USAGE}`);
  const d = readDeployment(values.deployment);
  if (!d.cow) throw new Error(`${values.deployment} has no \`cow\` key: deploy the local world with npm start`);
  const port = values.port === undefined ? 0 : Number(values.port);
  const every = Number(values["solve-every"]);
  if (!Number.isFinite(every) || every < 0) throw new Error(`--solve-every must be a number of seconds ≥ 0, got ${values["solve-every"]}`);
  const log = values.quiet ? undefined : (l: string) => console.log(`[order-book] ${l}`);
  const book = await startLocalOrderBook({ rpcUrl: values.rpc, deployment: d, port, host: values.host, log });
  const { signers, provider } = await connectRpc(values.rpc, { count: 1 });
  const solver = signers[0];
  console.log(`CoW order book (local) for chain ${d.chainId} at ${book.url}  (agent: COW_API_URL=${book.url} SWAP_VENUE=cow); solver ${await solver.getAddress()}${every ? ` every ${every} s` : " off"}`);
  let busy = false;
  const timer = every
    ? setInterval(() => {
        if (busy) return;
        busy = true;
        book.app
          .settleOpen((s) => solveCowOrder(solver, d as never, d, d.cow!, s.order, s.owner), (l) => console.log(`[order-book] ${l}`))
          .then((uids) => uids.forEach((u) => console.log(`[order-book] settled ${u}`)))
          .catch((e) => console.log(`[order-book] solver round failed: ${(e as Error).message.split("\n")[0]}`))
          .finally(() => (busy = false));
      }, every * 1000)
    : undefined;
  const stop = (sig: string) => {
    console.log(`${sig}: stopping the order book`);
    if (timer) clearInterval(timer);
    provider.destroy();
    book.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err) => {
  console.error(`order-book: ${(err as Error).message}`);
  process.exit(1);
});
