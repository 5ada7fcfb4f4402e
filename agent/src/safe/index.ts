export { apiKitFor, askTxService, pendingTransactions, txServiceError, TX_SERVICE_ERROR, protocolKitFor, originFor, type SafeClientConfig } from "./kits";
export { proposeBatch, type ProposeParams, type Proposal } from "./propose";
export { confirmProposed, fetchVerified } from "./confirm";
export { executeProposed, type Executed } from "./execute";
export { safeTxHash, type SafeTxFields } from "./safeTxHash";
export { startTxService, TxServiceApp, type TxService, type TxServiceOptions } from "./txService/server";
