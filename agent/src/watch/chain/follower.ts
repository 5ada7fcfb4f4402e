// Follows the guardrails' logs block range by block range (the policy, the module, the guard) from
// the persisted cursor to the head, decodes them and turns them into watch events. The edge of
// chain/detect.ts. The cursor moves only once the caller has delivered a range's events (commit()).
import { decodeEventLog, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { agentModuleAbi, treasuryGuardAbi, treasuryPolicyAbi } from "../../../../lib/chain/abi";
import type { WatchEvent } from "../events";
import { chainEvents, type ChainContext, type ChainLog } from "./detect";
import type { Cursor } from "./cursor";
import { schedulerOf, type Scheduler } from "./scheduler";

export interface FollowerOptions extends Omit<ChainContext, "schedulers" | "seenAt"> {
  client: PublicClient;
  cursor: Cursor;
  maxBlockRange: number;
  now: () => number;
}

export interface Range {
  from: bigint;
  to: bigint;
  events: WatchEvent[];
}

export class ChainFollower {
  private readonly abiOf: Map<string, Abi>;
  constructor(private readonly o: FollowerOptions) {
    this.abiOf = new Map([
      [o.policy.toLowerCase(), treasuryPolicyAbi as Abi],
      [o.module.toLowerCase(), agentModuleAbi as Abi],
      [o.guard.toLowerCase(), treasuryGuardAbi as Abi],
    ]);
  }

  /** The next range to read (at most maxBlockRange blocks up to the head), or undefined when caught up.
   * Never run before: starts at the head (history is the indexer's; the watch is about what comes). */
  async next(): Promise<Range | undefined> {
    const head = await this.o.client.getBlockNumber({ cacheTime: 0 });
    let done = this.o.cursor.read();
    if (done === undefined) {
      this.o.cursor.write(head);
      done = head;
    }
    if (done >= head) return undefined;
    const from = done + 1n;
    const to = head - from + 1n > BigInt(this.o.maxBlockRange) ? from + BigInt(this.o.maxBlockRange) - 1n : head;
    return { from, to, events: await this.read(from, to) };
  }

  commit(r: Range): void {
    this.o.cursor.write(r.to);
  }

  async read(from: bigint, to: bigint): Promise<WatchEvent[]> {
    const raw = await this.o.client.getLogs({ address: [this.o.policy, this.o.module, this.o.guard], fromBlock: from, toBlock: to });
    const times = new Map<bigint, number>();
    const logs: ChainLog[] = [];
    for (const l of raw) {
      const abi = this.abiOf.get(l.address.toLowerCase());
      if (!abi || l.blockNumber === null || l.transactionHash === null || l.logIndex === null) continue;
      let d;
      try {
        d = decodeEventLog({ abi, data: l.data, topics: l.topics });
      } catch {
        continue; // not one of ours (an event of a library the contract calls)
      }
      if (!times.has(l.blockNumber)) times.set(l.blockNumber, Number((await this.o.client.getBlock({ blockNumber: l.blockNumber })).timestamp) * 1000);
      logs.push({ address: l.address as Address, eventName: String(d.eventName), args: (d.args ?? {}) as Record<string, unknown>, blockNumber: l.blockNumber, logIndex: l.logIndex, txHash: l.transactionHash, blockTime: times.get(l.blockNumber)! });
    }
    const schedulers = new Map<Hex, Scheduler>();
    for (const l of logs) {
      if (l.eventName !== "ChangeScheduled" || schedulers.has(l.txHash)) continue;
      schedulers.set(l.txHash, await schedulerOf(this.o.client, l.txHash, this.o));
    }
    return chainEvents(logs, { ...this.o, schedulers, seenAt: this.o.now() });
  }
}
