// The local Safe Transaction Service without a chain behind it: routes, error envelopes and the
// node-down answer api-kit sees.
import { expect } from "chai";
import SafeApiKit from "@safe-global/api-kit";
import { startTxService, type TxService } from "../../../agent/src/safe";
import { deadPort } from "../helpers/edges";


describe("agent/safe: tx service routes without a chain", () => {
  let svc: TxService;
  const SAFE = "0x5298A93734C3D979eF1f23F78eBB871879A21F22";
  before(async () => (svc = await startTxService({ rpcUrl: `http://127.0.0.1:${await deadPort()}` })));
  after(() => svc.close());

  it("answers 503 with the service's body when its node is down", async () => {
    const api = new SafeApiKit({ chainId: 31337n, txServiceUrl: svc.url });
    const err = await api.getSafeInfo(SAFE).catch((e) => e);
    expect(err.statusCode).to.equal(503);
    expect(err.data.exception).to.equal("Problem connecting to Ethereum network");
  });

  it("refuses a non-checksummed Safe address in the URL (422 code 1), before touching the chain", async () => {
    const res = await fetch(`${svc.url}/v1/safes/${SAFE.toLowerCase()}/`);
    expect(res.status).to.equal(422);
    expect(await res.json()).to.deep.equal({ code: 1, message: "Checksum address validation failed", arguments: [SAFE.toLowerCase()] });
  });

  it("answers field errors together (422) and bad JSON (400), unknown routes 404", async () => {
    const post = (body: string) => fetch(`${svc.url}/v2/safes/${SAFE}/multisig-transactions/`, { method: "POST", headers: { "content-type": "application/json" }, body });
    let res = await post(JSON.stringify({ to: SAFE.toLowerCase(), value: "-1", operation: 2, nonce: "x", contractTransactionHash: "0x12", sender: SAFE, safeTxGas: "0", baseGas: "0", gasPrice: "0", signature: "0x1234" }));
    expect(res.status).to.equal(422);
    expect(await res.json()).to.deep.equal({
      to: [`Address ${SAFE.toLowerCase()} is not checksumed`],
      value: ["Ensure this value is greater than or equal to 0."],
      operation: ["Operation CREATE not supported"],
      nonce: ["A valid integer is required."],
      contractTransactionHash: ["0x12 is not a 32-byte hash"],
      signature: ["Ensure this field has at least 65 bytes."],
    });
    res = await post("{not json");
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { detail: string }).detail).to.match(/^JSON parse error/);
    res = await fetch(`${svc.url}/v1/unknown/`);
    expect(res.status).to.equal(404);
  });
});
