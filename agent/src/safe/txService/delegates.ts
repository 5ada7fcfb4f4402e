// /v2/delegates/: an owner registers a delegate (a key that may propose but never confirm). The
// owner signs EIP-712 Delegate{delegateAddress, totp} under {name:"Safe Transaction Service",
// version:"1.0", chainId}; the current or previous hour's totp is accepted, as the service does.
import { hashTypedData, recoverAddress, type Address, type Hex } from "viem";
import { Fields } from "./fields";
import type { SafeChain } from "./chain";
import { NotASafeError } from "./chain";
import type { StoredDelegate, TxStore } from "./store";
import type { Answer } from "./proposal";

async function signedBy(signature: Hex, delegate: Address, chainId: number): Promise<Address[]> {
  const totpNow = Math.floor(Date.now() / 1000 / 3600);
  const out: Address[] = [];
  for (const totp of [totpNow, totpNow - 1]) {
    for (const domain of [{ name: "Safe Transaction Service", version: "1.0", chainId }, { name: "Safe Transaction Service", version: "1.0" }]) {
      const hash = hashTypedData({ domain, types: { Delegate: [{ name: "delegateAddress", type: "address" }, { name: "totp", type: "uint256" }] }, primaryType: "Delegate", message: { delegateAddress: delegate, totp: BigInt(totp) } });
      try {
        out.push(await recoverAddress({ hash, signature: signature.slice(0, 132) as Hex }));
      } catch {
        /* an unrecoverable signature matches nobody */
      }
    }
  }
  return out;
}

const bad = (msg: string): Answer => ({ status: 400, body: { nonFieldErrors: [msg] } });

async function checkSafe(chain: SafeChain, safe: Address | null, delegator: Address): Promise<Answer | undefined> {
  if (!safe) return undefined;
  let owners: Address[];
  try {
    owners = (await chain.safeState(safe)).owners;
  } catch (err) {
    if (err instanceof NotASafeError) return bad(`Safe=${safe} does not exist or it's still not indexed`);
    throw err;
  }
  if (!owners.includes(delegator)) return bad(`Provided delegator=${delegator} is not an owner of Safe=${safe}`);
}

export async function addDelegate(chain: SafeChain, store: TxStore, body: Record<string, unknown>): Promise<Answer> {
  const f = new Fields(body);
  const safe = f.address("safe", { nullable: true, required: false }) ?? null;
  const delegate = f.address("delegate");
  const delegator = f.address("delegator");
  const signature = f.hex("signature", { minBytes: 65 });
  const label = f.text("label", 50);
  if (!label) (f.errors.label ??= []).push("This field is required.");
  const expiryDate = typeof body.expiryDate === "string" ? body.expiryDate : null;
  if (expiryDate && !(new Date(expiryDate) > new Date())) (f.errors.expiryDate ??= []).push("`expiry_date` cannot be previous to the current timestamp");
  if (Object.keys(f.errors).length) return { status: 400, body: f.errors };
  const unsafe = await checkSafe(chain, safe, delegator!);
  if (unsafe) return unsafe;
  if (!(await signedBy(signature!, delegate!, await chain.chainId())).includes(delegator!)) return bad(`Signature does not match provided delegator=${delegator}`);
  const row: StoredDelegate = { safe, delegate: delegate!, delegator: delegator!, label: label!, expiryDate };
  store.delegates = [...store.delegates.filter((d) => !(d.safe === safe && d.delegate === delegate && d.delegator === delegator)), row];
  store.save();
  return { status: 201, body: row };
}

export async function removeDelegate(chain: SafeChain, store: TxStore, delegate: Address, body: Record<string, unknown>): Promise<Answer> {
  const f = new Fields(body);
  const delegator = f.address("delegator");
  const safe = f.address("safe", { nullable: true, required: false }) ?? null;
  const signature = f.hex("signature", { minBytes: 65 });
  if (Object.keys(f.errors).length) return { status: 400, body: f.errors };
  const signers = await signedBy(signature!, delegate, await chain.chainId());
  if (!signers.includes(delegator!) && !signers.includes(delegate)) return bad(`Signature does not match provided delegate=${delegate} or delegator=${delegator}`);
  const before = store.delegates.length;
  store.delegates = store.delegates.filter((d) => !(d.delegate === delegate && d.delegator === delegator && (safe === null || d.safe === safe)));
  if (store.delegates.length === before) return { status: 404, body: { detail: "No SafeContractDelegate matches the given query." } };
  store.save();
  return { status: 204 };
}

export function listDelegates(store: TxStore, q: URLSearchParams): StoredDelegate[] {
  return store.delegates.filter((d) =>
    (!q.get("safe") || d.safe === q.get("safe")) && (!q.get("delegate") || d.delegate === q.get("delegate")) &&
    (!q.get("delegator") || d.delegator === q.get("delegator")) && (!q.get("label") || d.label === q.get("label")));
}
