// The owner path end to end on the local world: the local Safe Transaction Service, api-kit 5 against
// it, a batch proposed by one owner, confirmed by a second, executed through the guard; and the
// service's validation answering with the real service's status codes and bodies.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createPublicClient, createWalletClient, encodeFunctionData, getAddress, http, parseAbi, parseUnits, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { contractNetworksFor } from "../../../scripts/world";
import { confirmProposed, executeProposed, originFor, proposeBatch, protocolKitFor, startTxService, type SafeClientConfig, type TxService } from "../../../agent/src/safe";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";

const ERC20 = parseAbi(["function approve(address spender, uint256 amount) returns (bool)", "function balanceOf(address) view returns (uint256)"]);
const POOL = parseAbi(["function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)"]);
const [OWNER1, OWNER2, AGENT, OUTSIDER] = [1, 2, 4, 6].map(testKey);
const ROOT = path.resolve(__dirname, "..", "..", "..");

/** api-kit's HttpError: statusCode, message (from the body's envelope keys) and the body in data. */
async function httpError(p: Promise<unknown>): Promise<{ statusCode: number; message: string; data: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode: number; message: string; data: unknown };
  }
  throw new Error("expected the service to refuse");
}

describe("agent/safe: local Safe Transaction Service + api-kit on the local world", function () {
  this.timeout(360_000); // a loaded 2-core machine can take minutes to deploy the world
  let chain: LocalChain;
  let svc: TxService;
  let cfg: SafeClientConfig;
  let api: SafeApiKit;
  let client: PublicClient;
  let safe: Address, usdc: Address, aUsdc: Address, pool: Address;
  const amount = parseUnits("1000", 6);
  const supplyBatch = () => [
    { to: usdc, value: "0", data: encodeFunctionData({ abi: ERC20, functionName: "approve", args: [pool, amount] }) },
    { to: pool, value: "0", data: encodeFunctionData({ abi: POOL, functionName: "supply", args: [usdc, amount, safe, 0] }) },
  ];
  let proposed: { safeTxHash: Hex; nonce: number };
  let executedTx: Hex;

  before(async () => {
    chain = await startLocalChain("i9-txservice");
    const d = chain.deployment;
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    safe = getAddress(d.treasury!.safe);
    usdc = getAddress(d.tokens.USDC!);
    aUsdc = getAddress(d.aave.aTokens.USDC!);
    pool = getAddress(d.aave.pool);
    cfg = { rpcUrl: chain.rpcUrl, safeAddress: safe, chainId: BigInt(d.chainId), txServiceUrl: svc.url, contractNetworks: contractNetworksFor(d.safe, d.chainId) };
    api = new SafeApiKit({ chainId: cfg.chainId, txServiceUrl: svc.url });
    client = createPublicClient({ transport: http(chain.rpcUrl) });
  });
  after(async () => {
    await svc?.close();
    await chain?.stop();
  });

  it("serves the Safe's on-chain state (getSafeInfo, getNextNonce)", async () => {
    const info = await api.getSafeInfo(safe);
    expect(info.owners).to.deep.equal(chain.deployment.treasury!.owners.map((o) => getAddress(o)));
    expect(info.threshold).to.equal(2);
    expect(info.version).to.equal("1.4.1");
    expect(info.singleton).to.equal(getAddress(chain.deployment.safe.safeL2));
    expect(info.guard).to.equal(getAddress((chain.deployment.guardrails as Record<string, string>).guard));
    expect(info.nonce).to.equal((await client.readContract({ address: safe, abi: parseAbi(["function nonce() view returns (uint256)"]), functionName: "nonce" })).toString());
    expect(await api.getNextNonce(safe)).to.equal(info.nonce);
  });

  it("owner 1 proposes approve + Aave supply through MultiSendCallOnly; api-kit reads it back", async () => {
    const rationale = "drift 6% above the band: move 1,000 idle USDC into Aave v3 (decision 0xabc)";
    proposed = await proposeBatch(cfg, { calls: supplyBatch(), proposerKey: OWNER1, rationale });
    const tx = await api.getTransaction(proposed.safeTxHash);
    expect(tx.safeTxHash).to.equal(proposed.safeTxHash);
    expect(tx.to).to.equal(getAddress(chain.deployment.safe.multiSendCallOnly));
    expect(tx.operation).to.equal(1);
    expect(tx.nonce).to.equal(String(proposed.nonce));
    expect(tx.proposer).to.equal(privateKeyToAccount(OWNER1).address);
    expect(tx.confirmationsRequired).to.equal(2);
    expect(tx.confirmations!.map((c) => [c.owner, c.signatureType])).to.deep.equal([[privateKeyToAccount(OWNER1).address, "EOA"]]);
    expect(tx.isExecuted).to.equal(false);
    expect(JSON.parse(tx.origin).name).to.equal(`treasury-agent: ${rationale}`);
    const pending = await api.getPendingTransactions(safe);
    expect(pending.results.map((r) => r.safeTxHash)).to.deep.equal([proposed.safeTxHash]);
    expect((pending as unknown as { countUniqueNonce: number }).countUniqueNonce).to.equal(1);
    expect(await api.getNextNonce(safe)).to.equal(String(proposed.nonce + 1));
  });

  it("owner 2 confirms; owner 1 executes through the guard; the Safe's USDC is in Aave", async () => {
    const before = { usdc: await client.readContract({ address: usdc, abi: ERC20, functionName: "balanceOf", args: [safe] }), a: await client.readContract({ address: aUsdc, abi: ERC20, functionName: "balanceOf", args: [safe] }) };
    // One confirmation of two: execution by a non-owner is refused locally before sending anything.
    const early = await executeProposed(cfg, proposed.safeTxHash, OUTSIDER).catch((e: Error) => e.message);
    expect(early).to.match(/1 of 2 confirmations: more owners must confirm first/);

    expect(await confirmProposed(cfg, proposed.safeTxHash, OWNER2)).to.deep.equal({ owner: privateKeyToAccount(OWNER2).address, alreadyConfirmed: false });
    expect((await api.getTransactionConfirmations(proposed.safeTxHash)).count).to.equal(2);
    const done = await executeProposed(cfg, proposed.safeTxHash, OWNER1);
    executedTx = done.txHash;

    const after = { usdc: await client.readContract({ address: usdc, abi: ERC20, functionName: "balanceOf", args: [safe] }), a: await client.readContract({ address: aUsdc, abi: ERC20, functionName: "balanceOf", args: [safe] }) };
    expect(before.usdc - after.usdc).to.equal(amount);
    expect(after.a - before.a >= amount - 1n, `aUSDC ${before.a} -> ${after.a}`).to.equal(true);
    // It went through the guard: the call trace shows the Safe calling its guard.
    const guard = (chain.deployment.guardrails as Record<string, string>).guard.toLowerCase();
    type Frame = { from: string; to?: string; calls?: Frame[] };
    const trace = (await client.request({ method: "debug_traceTransaction" as never, params: [done.txHash, { tracer: "callTracer" }] as never })) as Frame;
    const calls = (f: Frame): Frame[] => [f, ...(f.calls ?? []).flatMap(calls)];
    expect(calls(trace).some((f) => f.from.toLowerCase() === safe.toLowerCase() && f.to?.toLowerCase() === guard), "the Safe calls its guard").to.equal(true);

    const tx = await api.getTransaction(proposed.safeTxHash);
    expect(tx.isExecuted).to.equal(true);
    expect(tx.isSuccessful).to.equal(true);
    expect(tx.transactionHash).to.equal(done.txHash);
    expect(tx.executor).to.equal(privateKeyToAccount(OWNER1).address);
    expect((await api.getPendingTransactions(safe)).results).to.deep.equal([]);
  });

  it("refuses a wrong safeTxHash, a non-owner sender or signer, a non-checksummed address, a stale nonce (422, the service's bodies)", async () => {
    const { kit, signer } = await protocolKitFor(cfg, OWNER1);
    const tx = await kit.createTransaction({ transactions: supplyBatch(), onlyCalls: true, options: { nonce: Number(await api.getNextNonce(safe)) } });
    const hash = (await kit.getTransactionHash(tx)) as Hex;
    const sig = (await kit.signTransaction(tx)).getSignature(signer)!.data;
    const propose = (over: Partial<Parameters<SafeApiKit["proposeTransaction"]>[0]> = {}) =>
      api.proposeTransaction({ safeAddress: safe, safeTransactionData: tx.data, safeTxHash: hash, senderAddress: signer, senderSignature: sig, origin: originFor("test"), ...over });

    const wrongHash = ("0x" + "11".repeat(32)) as Hex;
    let e = await httpError(propose({ safeTxHash: wrongHash }));
    expect(e.statusCode).to.equal(422);
    expect(e.data).to.deep.equal({ nonFieldErrors: [`Contract-transaction-hash=${hash} does not match provided contract-tx-hash=${wrongHash}`] });

    // protocol-kit refuses to sign for a non-owner; a raw ECDSA signature of the hash is what it would send.
    const outsiderAccount = privateKeyToAccount(OUTSIDER);
    const outsider = { signer: outsiderAccount.address };
    const outsiderSig = await outsiderAccount.sign({ hash });
    const owners = (await api.getSafeInfo(safe)).owners;
    const pyOwners = `[${owners.map((o) => `'${o}'`).join(", ")}]`;
    e = await httpError(propose({ senderAddress: outsider.signer, senderSignature: outsiderSig }));
    expect(e.statusCode).to.equal(422);
    expect(e.message).to.equal(`Sender=${outsider.signer} is not an owner or delegate. Current owners=${pyOwners}. Delegates=set()`);
    e = await httpError(propose({ senderSignature: outsiderSig }));
    expect(e.message).to.equal(`Signer=${outsider.signer} is not an owner or delegate. Current owners=${pyOwners}. Delegates=set()`);

    e = await httpError(propose({ safeAddress: safe.toLowerCase() }));
    expect(e.statusCode).to.equal(422);
    expect(e.data).to.deep.equal({ code: 1, message: "Checksum address validation failed", arguments: [safe.toLowerCase()] });
    e = await httpError(propose({ safeTransactionData: { ...tx.data, to: tx.data.to.toLowerCase() } }));
    expect(e.statusCode).to.equal(422);
    expect(e.data).to.deep.equal({ to: [`Address ${tx.data.to.toLowerCase()} is not checksumed`] });

    // The executed nonce again: the same tx, then a different one.
    const executed = await api.getTransaction(proposed.safeTxHash);
    e = await httpError(api.proposeTransaction({ safeAddress: safe, safeTransactionData: { to: executed.to, value: executed.value, data: executed.data ?? "0x", operation: executed.operation, safeTxGas: executed.safeTxGas, baseGas: executed.baseGas, gasPrice: executed.gasPrice, gasToken: executed.gasToken, refundReceiver: executed.refundReceiver!, nonce: Number(executed.nonce) }, safeTxHash: executed.safeTxHash, senderAddress: signer, senderSignature: executed.confirmations![0].signature }));
    expect(e.data).to.deep.equal({ nonFieldErrors: [`Tx with safe-tx-hash=${executed.safeTxHash} for safe=${safe} was already executed in tx-hash=${executedTx}`] });
    const stale = await kit.createTransaction({ transactions: supplyBatch().slice(0, 1), onlyCalls: true, options: { nonce: proposed.nonce } });
    const staleHash = (await kit.getTransactionHash(stale)) as Hex;
    e = await httpError(api.proposeTransaction({ safeAddress: safe, safeTransactionData: stale.data, safeTxHash: staleHash, senderAddress: signer, senderSignature: (await kit.signTransaction(stale)).getSignature(signer)!.data }));
    expect(e.statusCode).to.equal(422);
    expect(e.message).to.equal(`Tx with nonce=${proposed.nonce} for safe=${safe} already executed in tx-hash=${executedTx}`);

    // Nothing refused was stored.
    expect((await api.getPendingTransactions(safe)).results).to.deep.equal([]);
  });

  it("confirmations: unknown tx 404, executed tx 400, non-owner 400", async () => {
    const unknown = ("0x" + "22".repeat(32)) as Hex;
    const sig = ("0x" + "33".repeat(64) + "1b") as Hex;
    let e = await httpError(api.confirmTransaction(unknown, sig));
    expect(e.statusCode).to.equal(404);
    expect(e.message).to.equal(`Multisig transaction with safe-tx-hash=${unknown} was not found`);
    e = await httpError(api.getTransaction(unknown));
    expect(e.statusCode).to.equal(404);
    expect(e.message).to.equal("No MultisigTransaction matches the given query.");
    e = await httpError(api.confirmTransaction(proposed.safeTxHash, sig));
    expect(e.statusCode).to.equal(400);
    expect(e.data).to.deep.equal({ signature: [`Transaction with safe-tx-hash=${proposed.safeTxHash} was already executed`] });

    const p = await proposeBatch(cfg, { calls: supplyBatch(), proposerKey: OWNER1, rationale: "second" });
    const outsider = privateKeyToAccount(OUTSIDER);
    e = await httpError(api.confirmTransaction(p.safeTxHash, await outsider.sign({ hash: p.safeTxHash })));
    expect(e.statusCode).to.equal(400);
    expect((e.data as { signature: string[] }).signature[0]).to.match(new RegExp(`^Signer=${outsider.address} is not an owner\\. Current owners=\\[`));
  });

  it("a delegate registered by an owner may propose: visible (trusted) but no confirmation; the proposer is its delegator", async () => {
    const agent = privateKeyToAccount(AGENT);
    const owner1 = createWalletClient({ account: privateKeyToAccount(OWNER1), chain: foundry, transport: http(chain.rpcUrl) });
    const before = await httpError(proposeBatch(cfg, { calls: supplyBatch(), proposerKey: AGENT, rationale: "as delegate", nonce: 99 }));
    // Through proposeBatch the error names the service, the call and the status (kits.ts), the service's message after it.
    expect(before.message).to.match(new RegExp(`^Safe Transaction Service \\(${svc.url}\\) proposal: HTTP 422 Sender=${agent.address} is not an owner or delegate`));
    expect(before.statusCode).to.equal(422);

    await api.addSafeDelegate({ safeAddress: safe, delegateAddress: agent.address, delegatorAddress: owner1.account.address, label: "treasury agent", signer: owner1 });
    const { results } = await api.getSafeDelegates({ safeAddress: safe });
    expect(results.map((r) => [r.delegate, r.delegator])).to.deep.equal([[agent.address, owner1.account.address]]);
    const p = await proposeBatch(cfg, { calls: supplyBatch(), proposerKey: AGENT, rationale: "as delegate", nonce: 99 });
    const tx = await api.getTransaction(p.safeTxHash);
    expect(tx.proposer).to.equal(owner1.account.address);
    expect(tx.proposedByDelegate).to.equal(agent.address);
    expect(tx.confirmations).to.deep.equal([]);
    expect(tx.trusted).to.equal(true);
    // A delegate never confirms.
    const e = await httpError(api.confirmTransaction(p.safeTxHash, await agent.sign({ hash: p.safeTxHash })));
    expect(e.statusCode).to.equal(400);
  });

  it("an unsigned proposal is stored untrusted: hidden from the queue, listed with trusted=false", async () => {
    const { kit } = await protocolKitFor(cfg, OWNER1);
    const tx = await kit.createTransaction({ transactions: supplyBatch().slice(0, 1), onlyCalls: true, options: { nonce: 120 } });
    const hash = (await kit.getTransactionHash(tx)) as Hex;
    const res = await fetch(`${svc.url}/v2/safes/${safe}/multisig-transactions/`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...tx.data, contractTransactionHash: hash, sender: privateKeyToAccount(OWNER1).address }),
    });
    expect(res.status).to.equal(201);
    expect(await res.text()).to.equal("");
    const listed = async (q: string) => ((await (await fetch(`${svc.url}/v2/safes/${safe}/multisig-transactions/?${q}`)).json()) as { results: { safeTxHash: string }[] }).results.map((r) => r.safeTxHash);
    expect(await listed("executed=false")).to.not.include(hash);
    expect(await listed("executed=false&trusted=false")).to.deep.equal([hash]);
    const badFilter = await fetch(`${svc.url}/v2/safes/${safe}/multisig-transactions/?nonce__gte=abc`);
    expect(badFilter.status).to.equal(400);
    expect(await badFilter.json()).to.deep.equal({ nonce__gte: ["Enter a number."] });

    // Re-posting the same safeTxHash is idempotent; with an owner's signature it becomes trusted.
    const owner1 = await protocolKitFor(cfg, OWNER1);
    const signature = (await owner1.kit.signTransaction(tx)).getSignature(owner1.signer)!.data;
    for (let i = 0; i < 2; i++) {
      await api.proposeTransaction({ safeAddress: safe, safeTransactionData: tx.data, safeTxHash: hash, senderAddress: owner1.signer, senderSignature: signature });
    }
    expect(await listed("executed=false&nonce=120")).to.deep.equal([hash]);
    expect((await api.getTransaction(hash)).confirmations).to.have.length(1);
  });

  it("runs standalone (npm run tx-service), keeps proposals in its JSON store across a restart, stops on SIGINT; a tampered tx is refused by signers", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tx-service-"));
    const store = path.join(dir, "store.json");
    const start = async () => {
      const child = spawn(process.execPath, [path.join(ROOT, "node_modules", ".bin", "ts-node"), "--swc", "agent/src/safe/txServiceMain.ts", "--rpc", chain.rpcUrl, "--store", store, "--quiet"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const url = await new Promise<string>((resolve, reject) => {
        const poll = setInterval(() => {
          const m = / at (http:\/\/\S+\/api) /.exec(out);
          if (m) (clearInterval(poll), resolve(m[1]));
        }, 50);
        child.once("exit", (code) => (clearInterval(poll), reject(new Error(`tx-service exited (${code}): ${out}`))));
      });
      const stop = async () => {
        const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
        child.kill("SIGINT");
        return exited;
      };
      return { url, stop };
    };
    try {
      const first = await start();
      const p = await proposeBatch({ ...cfg, txServiceUrl: first.url }, { calls: supplyBatch(), proposerKey: OWNER2, rationale: "persisted", nonce: 130 });
      expect(await first.stop()).to.equal(0);
      const second = await start();
      try {
        const tx = await new SafeApiKit({ chainId: cfg.chainId, txServiceUrl: second.url }).getTransaction(p.safeTxHash);
        expect(tx.proposer).to.equal(privateKeyToAccount(OWNER2).address);
        expect(tx.confirmations).to.have.length(1);
      } finally {
        expect(await second.stop()).to.equal(0);
      }
      // A service that serves a different transaction under the hash: owners refuse to sign or execute it.
      const data = JSON.parse(fs.readFileSync(store, "utf8"));
      data.txs.find((t: { safeTxHash: string }) => t.safeTxHash === p.safeTxHash).value = "1";
      fs.writeFileSync(store, JSON.stringify(data));
      const third = await start();
      try {
        const lied = { ...cfg, txServiceUrl: third.url };
        for (const act of [() => confirmProposed(lied, p.safeTxHash, OWNER1), () => executeProposed(lied, p.safeTxHash, OWNER1)]) {
          const err = await act().catch((e: Error) => e.message);
          expect(err).to.match(/hashes to 0x[0-9a-f]{64}, not 0x[0-9a-f]{64}: refusing to sign or execute it/);
        }
      } finally {
        expect(await third.stop()).to.equal(0);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
