// The swap venue's configuration: SWAP_VENUE / COW_API_URL / COW_ORDER_VALIDITY_SECONDS into the one
// config schema with the fix named on a bad value; `auto` = CoW on mainnet where the deployments file
// has its contracts, Uniswap v3 elsewhere; CoW without its contracts or (off mainnet) without an order
// book URL is a clear error.
import path from "node:path";
import { expect } from "chai";
import { loadAgentConfig } from "../../../agent/src/config";
import { userErrorOf } from "../helpers/edges";
import { COW_MAINNET_API, cowOrderBookOf, swapVenueOf } from "../../../agent/src/cow/orders";
import { readDeployment, type Deployment } from "../../../lib/chain/deployments";

const mainnet = readDeployment(path.join(__dirname, "..", "..", "..", "deployments", "mainnet.json"));
const local: Deployment = { ...mainnet, chainId: 31337, network: "local" };
const noCow: Deployment = { ...mainnet, cow: undefined };
const base = { RPC_URL: "http://127.0.0.1:8545" };

describe("agent config: swap venue (CoW Protocol)", () => {
  it("defaults: auto, the mainnet API on chain 1, orders valid 30 minutes", () => {
    const cfg = loadAgentConfig({ env: base });
    expect(cfg.swap).to.deep.equal({ venue: "auto", cowValiditySeconds: 1800 });
    expect(swapVenueOf(cfg, mainnet)).to.equal("cow");
    expect(swapVenueOf(cfg, local)).to.equal("uniswap-v3");
    expect(swapVenueOf(cfg, noCow)).to.equal("uniswap-v3");
    expect(cowOrderBookOf(cfg, mainnet).baseUrl).to.equal(COW_MAINNET_API);
  });

  it("from the environment, with the fix named on a bad value", () => {
    const cfg = loadAgentConfig({ env: { ...base, SWAP_VENUE: "cow", COW_API_URL: "http://127.0.0.1:9999/", COW_ORDER_VALIDITY_SECONDS: "600" } });
    expect(cfg.swap).to.deep.equal({ venue: "cow", cowApiUrl: "http://127.0.0.1:9999/", cowValiditySeconds: 600 });
    expect(swapVenueOf(cfg, local)).to.equal("cow");
    expect(cowOrderBookOf(cfg, local).baseUrl).to.equal("http://127.0.0.1:9999");
    expect(userErrorOf(() => loadAgentConfig({ env: { ...base, SWAP_VENUE: "1inch" } }))).to.match(/config swap\.venue \(env SWAP_VENUE\).*set SWAP_VENUE to auto, uniswap-v3 or cow/);
    expect(userErrorOf(() => loadAgentConfig({ env: { ...base, COW_ORDER_VALIDITY_SECONDS: "7200" } }))).to.match(/COW_ORDER_VALIDITY_SECONDS to 120 … 3600/);
  });

  it("CoW without its contracts, or off mainnet without an order book URL, is refused with the fix", () => {
    const cow = loadAgentConfig({ env: { ...base, SWAP_VENUE: "cow" } });
    expect(userErrorOf(() => swapVenueOf(cow, noCow))).to.match(/has no `cow` key .* set SWAP_VENUE=uniswap-v3/);
    expect(userErrorOf(() => cowOrderBookOf(cow, local))).to.match(/COW_API_URL.*required for CoW on chain 31337/);
  });
});
