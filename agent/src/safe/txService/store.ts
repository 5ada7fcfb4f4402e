// The service's state: proposed transactions with their confirmations, and delegates. In memory,
// optionally persisted to a JSON file (rewritten atomically on every change) so a restart keeps it.
import fs from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import type { SignatureType } from "./signatures";

export interface StoredConfirmation {
  owner: Address;
  submissionDate: string;
  signature: Hex;
  signatureType: SignatureType;
}

export interface StoredTx {
  safe: Address;
  to: Address;
  value: string;
  data: Hex | null;
  operation: number;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: Address;
  refundReceiver: Address;
  nonce: string;
  safeTxHash: Hex;
  proposer: Address;
  proposedByDelegate: Address | null;
  /** Parsed JSON when the origin was JSON (as the service stores it), else the raw string. */
  origin: unknown;
  trusted: boolean;
  submissionDate: string;
  modified: string;
  confirmations: StoredConfirmation[];
}

export interface StoredDelegate {
  safe: Address | null;
  delegate: Address;
  delegator: Address;
  label: string;
  expiryDate: string | null;
}

interface Data {
  version: 1;
  txs: StoredTx[];
  delegates: StoredDelegate[];
}

export class TxStore {
  private txs = new Map<Hex, StoredTx>();
  delegates: StoredDelegate[] = [];

  constructor(private readonly file?: string) {
    if (file && fs.existsSync(file)) {
      let data: Data;
      try {
        data = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch (err) {
        throw new Error(`tx-service store ${file} is not valid JSON (${(err as Error).message}): move it away to start empty`, { cause: err });
      }
      if (data.version !== 1 || !Array.isArray(data.txs)) throw new Error(`tx-service store ${file} has an unknown format (expected {"version":1,"txs":[…]})`);
      for (const tx of data.txs) this.txs.set(tx.safeTxHash, tx);
      this.delegates = data.delegates ?? [];
    }
  }

  get(hash: Hex): StoredTx | undefined {
    return this.txs.get(hash.toLowerCase() as Hex);
  }

  forSafe(safe: Address): StoredTx[] {
    return [...this.txs.values()].filter((t) => t.safe === safe);
  }

  put(tx: StoredTx) {
    this.txs.set(tx.safeTxHash.toLowerCase() as Hex, tx);
    this.save();
  }

  /** Undo a store (a test fault): back to `previous`, or gone. */
  remove(hash: Hex, previous?: StoredTx) {
    if (previous) this.txs.set(hash.toLowerCase() as Hex, previous);
    else this.txs.delete(hash.toLowerCase() as Hex);
    this.save();
  }

  save() {
    if (!this.file) return;
    const data: Data = { version: 1, txs: [...this.txs.values()], delegates: this.delegates };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data, null, 2));
    fs.renameSync(tmp, this.file);
  }
}
