import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, Interface } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import {
  ABI, ART, DEPLOYMENT_KEYS, TOKEN_SYMBOLS, World, createSafe, createSafeAtFreeNonce, poolPriceFromSqrt, readDeployment, worldToDeploymentJson, writeDeployment, tokenUnitsToUsd8,
} from "../../scripts/world";
import { erc20, worldFixture } from "../helpers/world";

// Literal canonical Safe 1.4.1 addresses (safe-deployments v1.4.1), deliberately not imported from the library.
const CANONICAL = {
  singletonFactory: "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7",
  safeL2: "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762",
  safe: "0x41675C099F32341bf84BFc5382aF534df5C7461a",
  safeProxyFactory: "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67",
  multiSend: "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
  multiSendCallOnly: "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
  fallbackHandler: "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99",
  signMessageLib: "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
  createCall: "0x9b35Af71d77eaf8d7e40252370304687390A1A52",
  simulateTxAccessor: "0x3d4BA2E0884aa488718476ca2FB8Efc291A46199",
};

describe("local world: deployment", () => {
  let world: World;
  beforeEach(async () => {
    world = await loadFixture(worldFixture);
  });

  it("reports its in-process deploy time", async () => {
    // Informational (the target is < 2 s; speed is for `npm run bench`): printed, never bounded, so a
    // loaded machine cannot fail it.
    console.log(`      deployWorld in-process: ${world.deployMs} ms, blocks ${world.deployBlock}..${world.readyBlock}`);
    expect(world.deployMs).to.be.greaterThan(0);
    expect(world.readyBlock).to.be.greaterThan(world.deployBlock);
    expect(world.chainId).to.equal(31337);
  });

  it("puts Safe 1.4.1 at the canonical addresses and creates a 2-of-3 SafeL2 treasury", async () => {
    expect(world.safe).to.deep.equal(CANONICAL);
    for (const a of Object.values(CANONICAL)) expect(await world.provider.getCode(a)).to.not.equal("0x");
    const safe = new Contract(world.treasury.safe, ABI.safe(), world.provider);
    expect(await safe.VERSION()).to.equal("1.4.1");
    expect(await safe.getThreshold()).to.equal(2n);
    const signers = await hre.ethers.getSigners();
    expect(await safe.getOwners()).to.deep.equal([signers[1].address, signers[2].address, signers[3].address]);
    // The proxy points at the SafeL2 singleton (storage slot 0) and uses the canonical fallback handler.
    const slot0 = await world.provider.getStorage(world.treasury.safe, 0);
    expect("0x" + slot0.slice(26).toLowerCase()).to.equal(CANONICAL.safeL2.toLowerCase());
    const handlerSlot = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5"; // keccak("fallback_manager.handler.address")
    expect("0x" + (await world.provider.getStorage(world.treasury.safe, handlerSlot)).slice(26).toLowerCase()).to.equal(
      CANONICAL.fallbackHandler.toLowerCase(),
    );
  });

  it("createSafeAtFreeNonce takes the next free salt nonce when the treasury's address is already used", async () => {
    const { deployer } = world.signers;
    const again = await createSafeAtFreeNonce(deployer, world.safe, world.treasury.owners, 2);
    expect(again.saltNonce).to.equal(world.config.saltNonce + 1n);
    expect(again.address).to.not.equal(world.treasury.safe);
    expect(await new Contract(again.address, ABI.safe(), world.provider).getOwners()).to.deep.equal(world.treasury.owners);
    await expect(createSafe(deployer, world.safe, world.treasury.owners, 2, world.config.saltNonce)).to.be.rejectedWith(/already exists/);
    await expect(createSafe(deployer, world.safe, world.treasury.owners, 4)).to.be.rejectedWith(/threshold 4/);
  });

  it("funds the treasury with $400k: $240k stablecoins, $80k WETH, $80k WBTC at the feed prices", async () => {
    const expected = { USDC: 140_000n * 10n ** 6n, DAI: 100_000n * 10n ** 18n, WETH: 26_666_666_666_666_666_666n, WBTC: 133_333_333n };
    let totalUsd8 = 0n;
    for (const sym of TOKEN_SYMBOLS) {
      const bal: bigint = await erc20(world, world.tokens[sym]).balanceOf(world.treasury.safe);
      expect(bal, sym).to.equal(expected[sym]);
      expect(world.treasury.funding[sym], sym).to.equal(expected[sym]);
      const [, answer] = await new Contract(world.feeds[sym], ABI.feed(), world.provider).latestRoundData();
      totalUsd8 += tokenUnitsToUsd8(bal, answer, world.decimals[sym]);
    }
    // Floor rounding of WETH/WBTC amounts loses less than a cent.
    expect(totalUsd8).to.be.within(400_000n * 10n ** 8n - 10n ** 6n, 400_000n * 10n ** 8n);
    expect(await world.provider.getBalance(world.treasury.safe)).to.equal(0n);
  });

  it("deploys tokens with the right decimals, real WETH9 and owner-only minting", async () => {
    const expectDec = { USDC: 6n, DAI: 18n, WETH: 18n, WBTC: 8n };
    for (const sym of TOKEN_SYMBOLS) {
      expect(await erc20(world, world.tokens[sym]).decimals(), sym).to.equal(expectDec[sym]);
      expect(await erc20(world, world.tokens[sym]).symbol(), sym).to.equal(sym);
    }
    expect(await world.provider.getCode(world.tokens.WETH)).to.equal(
      "0x" + (ART.tokens.WETH9() as unknown as { deployedBytecode: string }).deployedBytecode.slice(2),
    );
    const usdc = erc20(world, world.tokens.USDC, world.signers.outsider);
    await expect(usdc.mint(world.accounts.outsider, 1n)).to.be.revertedWithCustomError(usdc, "OwnableUnauthorizedAccount");
  });

  it("feeds are 8-decimal Chainlink aggregators at the configured prices, and AaveOracle reads them", async () => {
    const oracle = new Contract(world.aave.oracle, ABI.aaveOracle(), world.provider);
    const want = { USDC: 1n, DAI: 1n, WETH: 3000n, WBTC: 60000n };
    for (const sym of TOKEN_SYMBOLS) {
      const feed = new Contract(world.feeds[sym], ABI.feed(), world.provider);
      expect(await feed.decimals()).to.equal(8n);
      const [roundId, answer, , updatedAt] = await feed.latestRoundData();
      expect(roundId).to.equal(1n);
      expect(answer, sym).to.equal(want[sym] * 10n ** 8n);
      expect(updatedAt).to.be.greaterThan(0n);
      expect(await oracle.getSourceOfAsset(world.tokens[sym])).to.equal(world.feeds[sym]);
      expect(await oracle.getAssetPrice(world.tokens[sym])).to.equal(answer);
    }
  });

  it("Aave v3 lists the four reserves and the stablecoins are borrowed at the target utilization", async () => {
    const pool = new Contract(world.aave.pool, ABI.aavePool(), world.provider);
    expect(await pool.getReservesList()).to.deep.equal(TOKEN_SYMBOLS.map((s) => world.tokens[s]));
    for (const sym of ["USDC", "DAI"] as const) {
      const rd = await pool.getReserveData(world.tokens[sym]);
      expect(rd.aTokenAddress).to.equal(world.aave.aTokens[sym]);
      const supplied: bigint = await erc20(world, world.aave.aTokens[sym]).totalSupply();
      const borrowed: bigint = await erc20(world, world.aave.variableDebtTokens[sym]).totalSupply();
      expect(Number(borrowed) / Number(supplied), sym).to.be.closeTo(0.8, 0.001);
      // Supply APR: borrow rate 0.07 * 0.8/0.9 = 6.2%, times utilization and (1 - 10% reserve factor) = 4.5%.
      expect(Number(rd.currentLiquidityRate) / 1e27, sym).to.be.closeTo(0.0448, 0.001);
    }
    const [collateral, debt, , , , healthFactor] = await pool.getUserAccountData(world.accounts.borrower);
    expect(collateral).to.equal((2000n * 3000n + 100n * 60000n) * 10n ** 8n);
    expect(debt).to.be.greaterThan(0n);
    expect(healthFactor).to.be.greaterThan(3n * 10n ** 18n);
  });

  it("Uniswap v3 pools trade at the feed prices with deep full-range liquidity", async () => {
    for (const [key, base, quote, fee] of [["WETH_USDC", "WETH", "USDC", 500], ["WBTC_USDC", "WBTC", "USDC", 3000]] as const) {
      const info = world.uniswap.pools[key];
      expect(info.fee).to.equal(fee);
      const pool = new Contract(info.address, ABI.uniswapPool(), world.provider);
      expect(await pool.fee()).to.equal(BigInt(fee));
      expect([await pool.token0(), await pool.token1()]).to.have.members([world.tokens[base], world.tokens[quote]]);
      expect(await pool.liquidity()).to.be.greaterThan(0n);
      // Reserves are worth ~$9M per side (the position manager rounds liquidity down by a few wei).
      const baseBal: bigint = await erc20(world, world.tokens[base]).balanceOf(info.address);
      const wantBase = base === "WETH" ? 3000n * 10n ** 18n : 150n * 10n ** 8n;
      expect(baseBal).to.be.within(wantBase - wantBase / 10n ** 9n, wantBase);
      const { sqrtPriceX96 } = await pool.slot0();
      const price = poolPriceFromSqrt(sqrtPriceX96, info, world.decimals, world.tokens);
      expect(price).to.be.closeTo(base === "WETH" ? 3000 : 60000, base === "WETH" ? 3000e-8 : 60000e-8);
    }
  });

  it("ERC-4626 vaults wrap USDC and DAI and hold everything in Aave", async () => {
    for (const [key, sym] of [["scrvUSD", "USDC"], ["sDAI", "DAI"]] as const) {
      const vault = new Contract(world.erc4626[key], ABI.erc4626(), world.provider);
      expect(await vault.asset()).to.equal(world.tokens[sym]);
      expect(await vault.symbol()).to.equal(key);
      expect(await vault.aToken()).to.equal(world.aave.aTokens[sym]);
      expect(await vault.aavePool()).to.equal(world.aave.pool);
      const aBal: bigint = await erc20(world, world.aave.aTokens[sym]).balanceOf(world.erc4626[key]);
      expect(aBal).to.be.greaterThan(0n);
      expect(await vault.totalAssets()).to.equal(aBal);
      expect(await erc20(world, world.tokens[sym]).balanceOf(world.erc4626[key])).to.equal(0n);
    }
  });

  it("Pendle: SY over scrvUSD, PT/YT expiring on a day boundary ~180 days out, a funded market and a wired router", async () => {
    const p = world.pendle;
    expect(p.expiry % 86400).to.equal(0);
    const deployTs = (await world.provider.getBlock(world.deployBlock))!.timestamp;
    expect(p.expiry - deployTs).to.be.within(180 * 86400, 181 * 86400);
    const market = new Contract(p.market, ABI.pendleMarket(), world.provider);
    const [sy, pt, yt] = await market.readTokens();
    expect([sy, pt, yt]).to.deep.equal([p.sy, p.pt, p.yt]);
    expect(await market.expiry()).to.equal(BigInt(p.expiry));
    const syC = new Contract(p.sy, ABI.pendleSy(), world.provider);
    expect(await syC.yieldToken()).to.equal(world.erc4626.scrvUSD);
    // Both sides of the pool are funded (~$500k each).
    expect(await erc20(world, p.pt).balanceOf(p.market)).to.be.greaterThan(400_000n * 10n ** 6n);
    expect(await erc20(world, p.sy).balanceOf(p.market)).to.be.greaterThan(400_000n * 10n ** 6n);
    // Every facet selector resolves through the router proxy; the router is owned by the deployer.
    const router = new Contract(p.router, ABI.pendleRouter(), world.provider);
    expect(await router.owner()).to.equal(world.accounts.deployer);
    const selectors = ["swapExactTokenForPt", "redeemPyToToken", "swapExactPtForToken", "addLiquiditySingleToken", "swapCallback"];
    const iface = new Interface(ABI.pendleRouter());
    for (const name of selectors) expect(await router.selectorToFacet(iface.getFunction(name)!.selector), name).to.not.equal(hre.ethers.ZeroAddress);
  });

  it("writes a deployments JSON whose addresses all hold code", async () => {
    const json = worldToDeploymentJson(world, "unit-test", { policy: world.accounts.outsider });
    expect(Object.keys(json)).to.deep.equal([...DEPLOYMENT_KEYS.slice(0, -1), "cow", "guardrails"]);
    expect(json.cow).to.deep.equal({ settlement: world.cow.settlement, vaultRelayer: world.cow.vaultRelayer, authenticator: world.cow.authenticator });
    expect(json.chainId).to.equal(31337);
    expect(json.block).to.equal(world.deployBlock);
    expect(json.pendle.markets.scrvUSD).to.deep.include({ market: world.pendle.market, pt: world.pendle.pt, expiry: world.pendle.expiry });
    expect(json.uniswap.pools.WETH_USDC!.address).to.equal(world.uniswap.pools.WETH_USDC.address);
    expect(json.guardrails).to.deep.equal({ policy: world.accounts.outsider });

    // Every contract address in the file has code (EOAs live only under treasury.owners, accounts and guardrails here).
    const contracts: string[] = [];
    const walk = (v: unknown, keyPath: string) => {
      if (typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v)) contracts.push(`${keyPath}=${v}`);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${keyPath}.${k}`);
    };
    const { treasury, accounts, guardrails, ...rest } = json;
    walk(rest, "");
    walk(treasury!.safe, ".treasury.safe");
    expect(contracts.length).to.be.greaterThan(40);
    for (const c of contracts) expect(await world.provider.getCode(c.split("=")[1]), c).to.not.equal("0x");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "world-"));
    const file = writeDeployment(json, dir);
    expect(path.basename(file)).to.equal("unit-test.json");
    expect(readDeployment(file)).to.deep.equal(json);
    fs.rmSync(dir, { recursive: true });
    expect(accounts.agent).to.equal(world.accounts.agent);
    expect(guardrails).to.have.keys("policy");
  });

  it("deployments/mainnet.json (written separately) uses the same key structure as a local world file", async () => {
    const local = worldToDeploymentJson(world, "local");
    const mainnet = readDeployment(path.join(__dirname, "..", "..", "deployments", "mainnet.json"));
    expect(mainnet.chainId).to.equal(1);
    // Same sub-keys wherever both files have an object; mainnet may only add extras.
    for (const group of ["safe", "tokens", "feeds", "aave", "uniswap", "erc4626"] as const) {
      expect(Object.keys(mainnet[group]), group).to.include.members(Object.keys(local[group]));
    }
    expect(Object.keys(mainnet.aave.aTokens)).to.include.members(Object.keys(local.aave.aTokens));
    expect(Object.keys(mainnet.uniswap.pools)).to.include.members(Object.keys(local.uniswap.pools));
    expect(mainnet.uniswap.pools.WETH_USDC).to.have.all.keys("address", "fee", "token0", "token1");
    expect(mainnet.pendle).to.include.keys("router", "markets");
    expect(Object.keys(mainnet.cow!)).to.deep.equal(Object.keys(local.cow!));
    expect(mainnet.safe).to.deep.equal(local.safe); // canonical Safe 1.4.1 everywhere
  });
});
