// Response bodies, camelCase as the service renders them (v2: nonce, safeTxGas, baseGas as strings).
import type { SafeState, ExecutedTx } from "./chain";
import type { StoredTx } from "./store";

export function safeInfoBody(s: SafeState) {
  return {
    address: s.address, nonce: s.nonce.toString(), threshold: s.threshold, owners: s.owners, masterCopy: s.masterCopy, modules: s.modules,
    fallbackHandler: s.fallbackHandler, guard: s.guard, moduleGuard: "0x0000000000000000000000000000000000000000", version: s.version,
  };
}

export function txBody(tx: StoredTx, threshold: number, exec: ExecutedTx | undefined) {
  return {
    safe: tx.safe, to: tx.to, value: tx.value, data: tx.data, operation: tx.operation, gasToken: tx.gasToken,
    safeTxGas: tx.safeTxGas, baseGas: tx.baseGas, gasPrice: tx.gasPrice, refundReceiver: tx.refundReceiver, nonce: tx.nonce,
    executionDate: exec?.timestamp ?? null, submissionDate: tx.submissionDate, modified: tx.modified,
    blockNumber: exec ? Number(exec.blockNumber) : null, transactionHash: exec?.txHash ?? null, safeTxHash: tx.safeTxHash,
    proposer: tx.proposer, proposedByDelegate: tx.proposedByDelegate, executor: exec?.executor ?? null,
    isExecuted: !!exec, isSuccessful: exec ? exec.success : null,
    ethGasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null, gasUsed: null, fee: null, payment: null,
    origin: JSON.stringify(tx.origin ?? {}), dataDecoded: null, confirmationsRequired: threshold,
    confirmations: tx.confirmations.map((c) => ({ ...c, transactionHash: null })),
    trusted: tx.trusted, signatures: null,
  };
}

export function page<T>(all: T[], limit: number, offset: number, url: URL) {
  const results = all.slice(offset, offset + limit);
  const link = (o: number) => {
    const u = new URL(url);
    u.searchParams.set("limit", String(limit));
    u.searchParams.set("offset", String(o));
    return u.toString();
  };
  return {
    count: all.length,
    next: offset + limit < all.length ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    results,
  };
}
