// Mainnet-fork test: a fresh 2-of-3 Safe 1.4.1 drives the real Aave v3, Uniswap v3 and sDAI contracts.
//
// Runs only through `npm run test:fork` (FORK_TESTS=1 + MAINNET_RPC_URL, see hardhat.config.ts); plain
// `npx hardhat test` never loads test/fork. Every protocol address comes from deployments/mainnet.json.
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { aaveSupply, approve } from "../../lib/chain/encode";
import { ethers } from "hardhat";
import { mine, setBalance, setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, MaxUint256, Signer, getAddress, keccak256, parseEther, parseUnits } from "ethers";
import {
  Operation, PROXY_FACTORY_ABI, SAFE_ABI, buildSafeTx, encodeMultiSend, execSafeTx, execTransaction,
  mappingSlot, signSafeTx, uint256Word,
} from "./forkSafe";

const NEEDS_RPC =
  "The mainnet-fork tests need MAINNET_RPC_URL=<an archive-capable Ethereum mainnet RPC URL> " +
  "(optionally FORK_BLOCK=<n> to pin the block). Run them with `MAINNET_RPC_URL=https://... npm run test:fork`.";

// ---------------------------------------------------------------------------------------------------
// deployments/mainnet.json, validated (every address EIP-55, nothing missing)
// ---------------------------------------------------------------------------------------------------
type Tokens = { USDC: string; DAI: string; WETH: string; WBTC: string };
interface MainnetDeployment {
  chainId: number;
  block: number | null;
  safe: {
    safeL2: string; safe: string; safeProxyFactory: string; multiSend: string; multiSendCallOnly: string;
    fallbackHandler: string; signMessageLib: string; createCall: string; simulateTxAccessor: string; singletonFactory: string;
  };
  tokens: Tokens;
  feeds: Tokens;
  feedsAux: { WBTC_BTC: string };
  aave: {
    poolAddressesProvider: string; addressesProvider: string; pool: string; poolConfigurator: string; aclManager: string;
    oracle: string; dataProvider: string; aTokens: Tokens; variableDebtTokens: Tokens;
  };
  uniswap: {
    factory: string; swapRouter: string; router: string; swapRouter02: string; quoterV2: string; positionManager: string;
    pools: Record<"WETH_USDC" | "WBTC_USDC", { address: string; fee: number; token0: string; token1: string }>;
  };
  erc4626: { scrvUSD: string; sDAI: string; sUSDS: string };
  pendle: {
    router: string;
    markets: Record<string, unknown>;
    exampleMarkets: Record<string, { expiry: number; market: string; sy: string; pt: string; yt: string }>;
  };
}

const DEPLOYMENT_FILE = path.join(__dirname, "..", "..", "deployments", "mainnet.json");

function loadDeployment(): { d: MainnetDeployment; addresses: Map<string, string> } {
  const d = JSON.parse(fs.readFileSync(DEPLOYMENT_FILE, "utf8")) as MainnetDeployment;
  const addresses = new Map<string, string>();
  const walk = (o: unknown, at: string) => {
    if (typeof o === "string" && /^0x[0-9a-fA-F]{40}$/.test(o)) {
      if (getAddress(o) !== o) throw new Error(`${DEPLOYMENT_FILE}: ${at} is not EIP-55 checksummed (${o})`);
      addresses.set(at, o);
    } else if (o && typeof o === "object") {
      for (const [k, v] of Object.entries(o)) if (k !== "sources") walk(v, at ? `${at}.${k}` : k);
    }
  };
  walk(d, "");
  if (d.chainId !== 1) throw new Error(`${DEPLOYMENT_FILE}: chainId must be 1, is ${d.chainId}`);
  return { d, addresses };
}

// Runtime code hashes of the Safe 1.4.1 contracts (safe-global/safe-deployments, src/assets/v1.4.1/*.json,
// deployments.canonical.codeHash): proves the JSON points at exactly the audited 1.4.1 code.
const SAFE_CODE_HASHES: Record<string, string> = {
  safeL2: "0xb1f926978a0f44a2c0ec8fe822418ae969bd8c3f18d61e5103100339894f81ff",
  safe: "0x1fe2df852ba3299d6534ef416eefa406e56ced995bca886ab7a553e6d0c5e1c4",
  safeProxyFactory: "0x50c3cdc4074750a7a974204a716c999edd37482f907608d960b2b025ee0b3317",
  multiSend: "0x0e4f7fc66550a322d1e7688e181b75e217e662a4f3f4d6a29b22bc61217c4b77",
  multiSendCallOnly: "0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939",
  fallbackHandler: "0x7c6007a5d711cea8dfd5d91f5940ec29c7f200fe511eb1fc1397b367af3c42f9",
  signMessageLib: "0x525c754a46b79e05543a59bb61e8de3c9eee0d955a59352409cbe67ea1077528",
  createCall: "0x2b3060c55fcb8275653e99ad511a71f67ba76934ed66a7d74d6e68b52afff889",
  simulateTxAccessor: "0x91f82615581fc73b190b83d72e883608b25e392f72322035df1b13d51766cf8d",
};

// Balance mappings, for funding by storage write (verified after every write; see writeBalance).
const USDC_BALANCES_SLOT = 9n; // FiatTokenV2_x (behind the FiatTokenProxy): balanceAndBlacklistStates
const DAI_BALANCES_SLOT = 2n; // Dai.sol: wards(0), totalSupply(1), balanceOf(2)

// ---------------------------------------------------------------------------------------------------
// Minimal ABIs
// ---------------------------------------------------------------------------------------------------
const ERC20 = [
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function decimals() view returns (uint8)",
];
const WETH9 = [...ERC20, "function deposit() payable"];
const AAVE_PROVIDER = [
  "function getPool() view returns (address)",
  "function getPoolConfigurator() view returns (address)",
  "function getACLManager() view returns (address)",
  "function getPriceOracle() view returns (address)",
  "function getPoolDataProvider() view returns (address)",
];
const AAVE_POOL = [
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
  "function withdraw(address asset, uint256 amount, address to) returns (uint256)",
];
const AAVE_DATA_PROVIDER = [
  "function getReserveTokensAddresses(address asset) view returns (address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress)",
  "function getReserveCaps(address asset) view returns (uint256 borrowCap, uint256 supplyCap)",
  "function getATokenTotalSupply(address asset) view returns (uint256)",
  "function getReserveConfigurationData(address asset) view returns (uint256 decimals, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus, uint256 reserveFactor, bool usageAsCollateralEnabled, bool borrowingEnabled, bool stableBorrowRateEnabled, bool isActive, bool isFrozen)",
  "function getPaused(address asset) view returns (bool)",
];
const AAVE_ORACLE = ["function getAssetPrice(address asset) view returns (uint256)"];
const FEED = [
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];
const UNI_FACTORY = ["function getPool(address tokenA, address tokenB, uint24 fee) view returns (address)"];
const UNI_POOL = [
  "function token0() view returns (address)",
  "function token1() view returns (address)",
  "function fee() view returns (uint24)",
  "function liquidity() view returns (uint128)",
];
const HAS_FACTORY = ["function factory() view returns (address)"];
const SWAP_ROUTER02 = [
  ...HAS_FACTORY,
  "function WETH9() view returns (address)",
  "function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params) payable returns (uint256 amountOut)",
];
const QUOTER_V2 = [
  ...HAS_FACTORY,
  "function quoteExactInputSingle((address tokenIn, address tokenOut, uint256 amountIn, uint24 fee, uint160 sqrtPriceLimitX96) params) returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)",
];
const ERC4626 = [
  ...ERC20,
  "function asset() view returns (address)",
  "function convertToAssets(uint256 shares) view returns (uint256)",
  "function deposit(uint256 assets, address receiver) returns (uint256 shares)",
  "function redeem(uint256 shares, address receiver, address owner) returns (uint256 assets)",
];
const PENDLE_MARKET = [
  "function readTokens() view returns (address SY, address PT, address YT)",
  "function expiry() view returns (uint256)",
];

const DAY = 24 * 60 * 60;

describe("mainnet fork: Safe 1.4.1 + Aave v3 + Uniswap v3 + sDAI (deployments/mainnet.json)", function () {
  this.timeout(30 * 60 * 1000); // remote RPC: every cold storage slot is a round trip

  let d: MainnetDeployment;
  let addresses: Map<string, string>;
  let chainId: bigint;
  let owners: Signer[];
  let safe: Contract;
  let safeAddress: string;
  let usdc: Contract, dai: Contract, weth: Contract;

  const c = (address: string, abi: string[]) => new Contract(address, abi, ethers.provider);
  const bal = (token: Contract, who = safeAddress): Promise<bigint> => token.balanceOf(who);
  const exec = (call: { to: string; data: string; value?: bigint; operation?: number }) =>
    execSafeTx(safe, call, [owners[0], owners[1]], chainId);
  const batch = (calls: { to: string; data: string; value?: bigint }[]) =>
    exec({ to: d.safe.multiSendCallOnly, data: encodeMultiSend(calls), operation: Operation.DelegateCall });

  /** Sets `holder`'s balance by writing the token's balance mapping, then proves the write landed. */
  async function writeBalance(token: Contract, label: string, slot: bigint, holder: string, amount: bigint) {
    const tokenAddress = await token.getAddress();
    await setStorageAt(tokenAddress, mappingSlot(holder, slot), uint256Word(amount));
    const got: bigint = await token.balanceOf(holder);
    if (got !== amount) {
      throw new Error(
        `${label} (${tokenAddress}): wrote ${amount} at keccak256(abi.encode(holder, ${slot})) but balanceOf(holder) = ${got}. ` +
          `The balance mapping is not at slot ${slot} in the current implementation (upgraded proxy?). ` +
          `Find the new slot and update ${label}_BALANCES_SLOT in test/fork/protocols.fork.test.ts.`,
      );
    }
  }

  before(async function () {
    if (!process.env.MAINNET_RPC_URL) {
      throw new Error(`${NEEDS_RPC} MAINNET_RPC_URL is not set, so Hardhat is running an empty local chain, not a mainnet fork.`);
    }
    chainId = (await ethers.provider.getNetwork()).chainId;
    if (chainId !== 1n) {
      throw new Error(`${NEEDS_RPC} Expected the forked hardhat network with chainId 1, got ${chainId} (is FORK_TESTS=1 set?).`);
    }
    ({ d, addresses } = loadDeployment());

    // Every address in the JSON must hold code at the fork block (catches a non-mainnet RPC, a too-old
    // FORK_BLOCK, or a typo).
    const missing: string[] = [];
    for (const [key, address] of addresses) {
      if ((await ethers.provider.getCode(address)) === "0x") missing.push(`${key}=${address}`);
    }
    if (missing.length) {
      throw new Error(`No code at the fork block for: ${missing.join(", ")}. Is MAINNET_RPC_URL an Ethereum mainnet node and FORK_BLOCK recent enough?`);
    }

    owners = (await ethers.getSigners()).slice(0, 3);
    usdc = c(d.tokens.USDC, ERC20);
    dai = c(d.tokens.DAI, ERC20);
    weth = c(d.tokens.WETH, WETH9);

    // A fresh 2-of-3 SafeL2 proxy through the real SafeProxyFactory 1.4.1.
    const ownerAddresses = await Promise.all(owners.map((o) => o.getAddress()));
    const factory = new Contract(d.safe.safeProxyFactory, PROXY_FACTORY_ABI, owners[0]);
    const initializer = new Contract(d.safe.safeL2, SAFE_ABI).interface.encodeFunctionData("setup", [
      ownerAddresses, 2, ethers.ZeroAddress, "0x", d.safe.fallbackHandler, ethers.ZeroAddress, 0, ethers.ZeroAddress,
    ]);
    const saltNonce = BigInt(keccak256(ethers.toUtf8Bytes(`treasury-manager fork test ${Date.now()}`)));
    safeAddress = await factory.createProxyWithNonce.staticCall(d.safe.safeL2, initializer, saltNonce);
    const receipt = await (await factory.createProxyWithNonce(d.safe.safeL2, initializer, saltNonce)).wait();
    const created = receipt!.logs
      .map((l: { topics: string[]; data: string }) => factory.interface.parseLog(l))
      .find((e: { name: string } | null) => e?.name === "ProxyCreation");
    expect(created?.args.proxy).to.equal(safeAddress);
    safe = new Contract(safeAddress, SAFE_ABI, owners[0]);
  });

  it("the JSON matches the chain: Safe code hashes, Aave wiring, aTokens, feeds, Uniswap, ERC-4626, Pendle", async function () {
    // Safe 1.4.1 contracts are exactly the canonical bytecode.
    for (const [key, hash] of Object.entries(SAFE_CODE_HASHES)) {
      const address = (d.safe as Record<string, string>)[key];
      expect(keccak256(await ethers.provider.getCode(address)), `safe.${key} code hash`).to.equal(hash);
    }

    // Aave v3: the addresses provider points at the same pool, configurator, ACL, oracle and data provider.
    expect(d.aave.addressesProvider, "aave.addressesProvider is an alias").to.equal(d.aave.poolAddressesProvider);
    const provider = c(d.aave.poolAddressesProvider, AAVE_PROVIDER);
    expect(await provider.getPool(), "aave.pool").to.equal(d.aave.pool);
    expect(await provider.getPoolConfigurator(), "aave.poolConfigurator").to.equal(d.aave.poolConfigurator);
    expect(await provider.getACLManager(), "aave.aclManager").to.equal(d.aave.aclManager);
    expect(await provider.getPriceOracle(), "aave.oracle").to.equal(d.aave.oracle);
    expect(
      await provider.getPoolDataProvider(),
      "aave.dataProvider (Aave replaces the data provider on upgrades; update mainnet.json)",
    ).to.equal(d.aave.dataProvider);
    const dataProvider = c(d.aave.dataProvider, AAVE_DATA_PROVIDER);
    const oracle = c(d.aave.oracle, AAVE_ORACLE);
    for (const sym of ["USDC", "DAI", "WETH", "WBTC"] as const) {
      const t = await dataProvider.getReserveTokensAddresses(d.tokens[sym]);
      expect(t.aTokenAddress, `aave.aTokens.${sym}`).to.equal(d.aave.aTokens[sym]);
      expect(t.variableDebtTokenAddress, `aave.variableDebtTokens.${sym}`).to.equal(d.aave.variableDebtTokens[sym]);
      expect(await oracle.getAssetPrice(d.tokens[sym]), `Aave oracle price of ${sym}`).to.be.gt(0n);
    }

    // Chainlink: the right pair, 8 decimals, positive and fresh.
    const now = BigInt(await time.latest());
    const feeds: [string, string][] = [
      [d.feeds.USDC, "USDC/USD"], [d.feeds.DAI, "DAI/USD"], [d.feeds.WETH, "ETH/USD"], [d.feeds.WBTC, "BTC/USD"],
      [d.feedsAux.WBTC_BTC, "WBTC/BTC"],
    ];
    for (const [address, pair] of feeds) {
      const feed = c(address, FEED);
      expect(((await feed.description()) as string).replace(/\s+/g, ""), `${address} description`).to.equal(pair);
      expect(await feed.decimals(), `${pair} decimals`).to.equal(8n);
      const round = await feed.latestRoundData();
      expect(round.answer, `${pair} answer`).to.be.gt(0n);
      expect(now - round.updatedAt, `${pair} age (s)`).to.be.lt(BigInt(2 * DAY));
    }

    // Uniswap v3: periphery bound to the factory, pools are what the factory returns.
    expect(d.uniswap.router, "uniswap.router is an alias of swapRouter (SwapRouter v1)").to.equal(d.uniswap.swapRouter);
    for (const key of ["swapRouter", "swapRouter02", "quoterV2", "positionManager"] as const) {
      expect(await c(d.uniswap[key], HAS_FACTORY).factory(), `uniswap.${key}.factory()`).to.equal(d.uniswap.factory);
    }
    expect(await c(d.uniswap.swapRouter02, SWAP_ROUTER02).WETH9()).to.equal(d.tokens.WETH);
    const uniFactory = c(d.uniswap.factory, UNI_FACTORY);
    for (const [key, a, b] of [["WETH_USDC", d.tokens.WETH, d.tokens.USDC], ["WBTC_USDC", d.tokens.WBTC, d.tokens.USDC]] as const) {
      const { address, fee, token0, token1 } = d.uniswap.pools[key];
      expect(await uniFactory.getPool(a, b, fee), `uniswap.pools.${key}`).to.equal(address);
      const pool = c(address, UNI_POOL);
      expect(await pool.fee()).to.equal(BigInt(fee));
      expect([await pool.token0(), await pool.token1()], `${key} token0/token1`).to.deep.equal([token0, token1]);
      expect(await pool.liquidity(), `${key} liquidity`).to.be.gt(0n);
    }

    // ERC-4626 vaults: sDAI wraps DAI; all three price a share at > 0.
    expect(await c(d.erc4626.sDAI, ERC4626).asset()).to.equal(d.tokens.DAI);
    for (const key of ["scrvUSD", "sDAI", "sUSDS"] as const) {
      const vault = c(d.erc4626[key], ERC4626);
      expect(await ethers.provider.getCode(await vault.asset()), `${key}.asset() has code`).to.not.equal("0x");
      expect(await vault.convertToAssets(parseEther("1")), `${key} share price`).to.be.gt(0n);
    }

    // Pendle: example markets are what they claim to be (markets roll; these are examples only).
    for (const [name, m] of Object.entries(d.pendle.exampleMarkets)) {
      const market = c(m.market, PENDLE_MARKET);
      const [sy, pt, yt] = await market.readTokens();
      expect([sy, pt, yt], `pendle.exampleMarkets.${name}`).to.deep.equal([m.sy, m.pt, m.yt]);
      expect(await market.expiry()).to.equal(BigInt(m.expiry));
    }
  });

  it("creates a 2-of-3 SafeL2 1.4.1 proxy and funds it (ETH→WETH by Safe tx, USDC/DAI by storage write)", async function () {
    const ownerAddresses = await Promise.all(owners.map((o) => o.getAddress()));
    expect(await safe.VERSION()).to.equal("1.4.1");
    expect(await safe.getThreshold()).to.equal(2n);
    expect([...(await safe.getOwners())].sort()).to.deep.equal([...ownerAddresses].sort());
    const singleton = getAddress("0x" + (await ethers.provider.getStorage(safeAddress, 0)).slice(26));
    expect(singleton, "proxy singleton (slot 0)").to.equal(d.safe.safeL2);

    // ETH in, then wrap through a Safe transaction.
    await setBalance(await owners[0].getAddress(), parseEther("1000"));
    await (await owners[0].sendTransaction({ to: safeAddress, value: parseEther("10") })).wait();
    expect(await ethers.provider.getBalance(safeAddress)).to.equal(parseEther("10"));
    const wethBefore = await bal(weth);
    await exec({ to: d.tokens.WETH, value: parseEther("5"), data: weth.interface.encodeFunctionData("deposit") });
    expect(await bal(weth) - wethBefore).to.equal(parseEther("5"));
    expect(await ethers.provider.getBalance(safeAddress)).to.equal(parseEther("5"));

    await writeBalance(usdc, "USDC", USDC_BALANCES_SLOT, safeAddress, parseUnits("100000", 6));
    await writeBalance(dai, "DAI", DAI_BALANCES_SLOT, safeAddress, parseUnits("20000", 18));
    expect(await bal(usdc)).to.equal(parseUnits("100000", 6));
    expect(await bal(dai)).to.equal(parseUnits("20000", 18));
  });

  it("Aave v3: approve+supply USDC in one MultiSendCallOnly batch, accrue 30 days, withdraw more than supplied", async function () {
    const amount = parseUnits("50000", 6);
    const pool = c(d.aave.pool, AAVE_POOL);
    const dataProvider = c(d.aave.dataProvider, AAVE_DATA_PROVIDER);
    const aUsdc = c(d.aave.aTokens.USDC, ERC20);

    const cfg = await dataProvider.getReserveConfigurationData(d.tokens.USDC);
    if (!cfg.isActive || cfg.isFrozen || (await dataProvider.getPaused(d.tokens.USDC))) {
      throw new Error("Aave v3 USDC reserve is inactive, frozen or paused at the fork block: pick another FORK_BLOCK.");
    }
    const [, supplyCap] = await dataProvider.getReserveCaps(d.tokens.USDC);
    const supplied: bigint = await dataProvider.getATokenTotalSupply(d.tokens.USDC);
    if (supplyCap > 0n && supplied + amount > supplyCap * 10n ** 6n) {
      throw new Error(`Aave v3 USDC supply cap (${supplyCap} USDC) leaves no room for ${amount / 10n ** 6n} USDC at the fork block: pick another FORK_BLOCK.`);
    }

    const usdcStart = await bal(usdc);
    await batch([
      approve(d.tokens.USDC as Hex, d.aave.pool as Hex, amount),
      aaveSupply(d.aave.pool as Hex, d.tokens.USDC as Hex, amount, safeAddress as Hex),
    ]);
    expect(await bal(usdc)).to.equal(usdcStart - amount);
    const aStart = await bal(aUsdc);
    expect(aStart).to.be.closeTo(amount, 1n); // ray rounding of the scaled balance
    expect(await usdc.allowance(safeAddress, d.aave.pool), "exact approval fully used").to.equal(0n);

    await time.increase(30 * DAY);
    await mine();
    const aAfter = await bal(aUsdc);
    expect(aAfter, "aUSDC accrued interest").to.be.gt(aStart);

    await exec({ to: d.aave.pool, data: pool.interface.encodeFunctionData("withdraw", [d.tokens.USDC, MaxUint256, safeAddress]) });
    expect(await bal(aUsdc)).to.equal(0n);
    const usdcEnd = await bal(usdc);
    expect(usdcEnd, "withdrew more USDC than supplied").to.be.gt(usdcStart);
    expect(usdcEnd - usdcStart).to.be.gte(aAfter - amount - 1n);
  });

  it("Uniswap v3: WETH→USDC exactInputSingle on SwapRouter02 with a QuoterV2 minimum (0.5% slippage)", async function () {
    const amountIn = parseEther("1");
    const fee = d.uniswap.pools.WETH_USDC.fee;
    const quoter = c(d.uniswap.quoterV2, QUOTER_V2);
    const router = c(d.uniswap.swapRouter02, SWAP_ROUTER02);

    const [quoted] = await quoter.quoteExactInputSingle.staticCall({
      tokenIn: d.tokens.WETH, tokenOut: d.tokens.USDC, amountIn, fee, sqrtPriceLimitX96: 0,
    });
    const minOut = (quoted * 9950n) / 10000n;
    expect(minOut).to.be.gt(0n);

    const wethBefore = await bal(weth);
    const usdcBefore = await bal(usdc);
    await batch([
      { to: d.tokens.WETH, data: weth.interface.encodeFunctionData("approve", [d.uniswap.swapRouter02, amountIn]) },
      {
        to: d.uniswap.swapRouter02,
        data: router.interface.encodeFunctionData("exactInputSingle", [{
          tokenIn: d.tokens.WETH, tokenOut: d.tokens.USDC, fee, recipient: safeAddress, amountIn,
          amountOutMinimum: minOut, sqrtPriceLimitX96: 0,
        }]),
      },
    ]);
    expect(await bal(weth)).to.equal(wethBefore - amountIn);
    const received = (await bal(usdc)) - usdcBefore;
    expect(received, "USDC out >= quoted minimum").to.be.gte(minOut);
    expect(received, "USDC out equals the quote (same pool state)").to.equal(quoted);

    // The pool price agrees with Chainlink ETH/USD within 3%.
    const [, ethUsd] = await c(d.feeds.WETH, FEED).latestRoundData(); // 8 decimals
    const poolUsd = received * 100n; // 6 → 8 decimals, for 1 WETH in
    const diff = poolUsd > ethUsd ? poolUsd - ethUsd : ethUsd - poolUsd;
    expect(diff * 100n, `pool ${poolUsd} vs Chainlink ${ethUsd}`).to.be.lt(ethUsd * 3n);
  });

  it("sDAI (ERC-4626): deposit DAI, 30 days later redeem all shares for at least the deposit", async function () {
    const amount = parseUnits("10000", 18);
    const sDai = c(d.erc4626.sDAI, ERC4626);

    const daiBefore = await bal(dai);
    await batch([
      { to: d.tokens.DAI, data: dai.interface.encodeFunctionData("approve", [d.erc4626.sDAI, amount]) },
      { to: d.erc4626.sDAI, data: sDai.interface.encodeFunctionData("deposit", [amount, safeAddress]) },
    ]);
    expect(await bal(dai)).to.equal(daiBefore - amount);
    const shares = await bal(sDai);
    expect(shares).to.be.gt(0n);
    expect(await sDai.convertToAssets(shares), "shares are worth the deposit").to.be.closeTo(amount, parseUnits("0.01", 18));
    expect(await dai.allowance(safeAddress, d.erc4626.sDAI), "exact approval fully used").to.equal(0n);

    await time.increase(30 * DAY);
    await mine();

    await exec({ to: d.erc4626.sDAI, data: sDai.interface.encodeFunctionData("redeem", [shares, safeAddress, safeAddress]) });
    expect(await bal(sDai)).to.equal(0n);
    const daiAfter = await bal(dai);
    expect(daiAfter - (daiBefore - amount), "DAI redeemed >= DAI deposited").to.be.gte(amount);
  });

  it("a transaction signed by only one owner reverts with GS020 and moves nothing", async function () {
    const to = await owners[2].getAddress();
    const tx = buildSafeTx({ to: d.tokens.WETH, data: weth.interface.encodeFunctionData("transfer", [to, 1n]) }, await safe.nonce());
    const signatures = await signSafeTx(safeAddress, chainId, tx, [owners[0]]);
    const nonceBefore: bigint = await safe.nonce();
    const safeWeth = await bal(weth);
    const toWeth = await bal(weth, to);

    await expect(execTransaction(safe, tx, signatures)).to.be.revertedWith("GS020");

    expect(await safe.nonce()).to.equal(nonceBefore);
    expect(await bal(weth)).to.equal(safeWeth);
    expect(await bal(weth, to)).to.equal(toWeth);
  });
});
