// `npm run tx-service -- --rpc URL [--port N] [--host H] [--store FILE]`: the local Safe Transaction
// Service for a local chain (e.g. the one `npm start` runs). api-kit: txServiceUrl = the printed URL.
import { parseArgs } from "node:util";
import { startTxService } from "./txService/server";

const USAGE = `Usage: npm run tx-service -- --rpc URL [--port N] [--host 127.0.0.1] [--store FILE] [--quiet]
  --rpc URL     JSON-RPC of the chain whose Safes it serves (required; e.g. the RPC \`npm start\` prints)
  --port N      port to listen on (default: a free port, printed at start)
  --store FILE  keep proposals and delegates in this JSON file across restarts (default: memory only)
  --quiet       do not log each request
SIGINT/SIGTERM stops it.`;

async function main() {
  const { values } = parseArgs({
    options: { rpc: { type: "string" }, port: { type: "string" }, host: { type: "string", default: "127.0.0.1" }, store: { type: "string" }, quiet: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  if (!values.rpc) throw new Error(`--rpc is required\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const res = await fetch(values.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) }).catch((err) => {
    throw new Error(`cannot reach --rpc ${values.rpc} (${(err as Error).message}): is the chain running (npm start)?`);
  });
  const chainId = Number(((await res.json()) as { result?: string }).result);
  const svc = await startTxService({ rpcUrl: values.rpc, port, host: values.host, storeFile: values.store, log: values.quiet ? undefined : (l) => console.log(`[tx-service] ${l}`) });
  console.log(`Safe Transaction Service (local) for chain ${chainId} at ${svc.url}  (api-kit: new SafeApiKit({ chainId: ${chainId}n, txServiceUrl: "${svc.url}" }))`);
  const stop = (sig: string) => {
    console.log(`${sig}: stopping the tx service`);
    svc.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err) => {
  console.error(`tx-service: ${(err as Error).message}`);
  process.exit(1);
});
