// Hand-kept `as const` ABIs of the protocol functions the treasury calls or reads (human-readable,
// parsed by viem so argument and return types are inferred). test/lib/abi.test.ts pins every
// function here to the selector in the protocol's own npm build artifact.
import { parseAbi } from "viem";

export const erc20Abi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function totalSupply() view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
]);

export const aavePoolAbi = parseAbi([
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
  "function withdraw(address asset, uint256 amount, address to) returns (uint256)",
  "function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)",
  "function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf) returns (uint256)",
  "function repayWithATokens(address asset, uint256 amount, uint256 interestRateMode) returns (uint256)",
  // A reserve's configuration bitmap: bits 0-15 LTV, 16-31 liquidation threshold (basis points).
  "struct ReserveConfigurationMap { uint256 data; }",
  "function getConfiguration(address asset) view returns (ReserveConfigurationMap)",
]);

export const erc4626Abi = parseAbi([
  "function asset() view returns (address)",
  "function deposit(uint256 assets, address receiver) returns (uint256 shares)",
  "function mint(uint256 shares, address receiver) returns (uint256 assets)",
  "function withdraw(uint256 assets, address receiver, address owner) returns (uint256 shares)",
  "function redeem(uint256 shares, address receiver, address owner) returns (uint256 assets)",
  "function convertToAssets(uint256 shares) view returns (uint256)",
  "function convertToShares(uint256 assets) view returns (uint256)",
  "function maxRedeem(address owner) view returns (uint256)",
]);

/** Uniswap v3 SwapRouter (the original periphery router: params carry a deadline). */
export const swapRouterAbi = parseAbi([
  "struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 deadline; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }",
  "struct ExactInputParams { bytes path; address recipient; uint256 deadline; uint256 amountIn; uint256 amountOutMinimum; }",
  "function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)",
  "function exactInput(ExactInputParams params) payable returns (uint256 amountOut)",
]);

export const uniswapV3PoolAbi = parseAbi([
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
  "function liquidity() view returns (uint128)",
]);

/** Uniswap SwapRouter02 (no deadline in the structs). */
export const swapRouter02Abi = parseAbi([
  "struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }",
  "struct ExactInputParams { bytes path; address recipient; uint256 amountIn; uint256 amountOutMinimum; }",
  "function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)",
  "function exactInput(ExactInputParams params) payable returns (uint256 amountOut)",
]);

const PENDLE_STRUCTS = [
  "struct ApproxParams { uint256 guessMin; uint256 guessMax; uint256 guessOffchain; uint256 maxIteration; uint256 eps; }",
  "struct SwapData { uint8 swapType; address extRouter; bytes extCalldata; bool needScale; }",
  "struct TokenInput { address tokenIn; uint256 netTokenIn; address tokenMintSy; address pendleSwap; SwapData swapData; }",
  "struct TokenOutput { address tokenOut; uint256 minTokenOut; address tokenRedeemSy; address pendleSwap; SwapData swapData; }",
  "struct Order { uint256 salt; uint256 expiry; uint256 nonce; uint8 orderType; address token; address YT; address maker; address receiver; uint256 makingAmount; uint256 lnImpliedRate; uint256 failSafeRate; bytes permit; }",
  "struct FillOrderParams { Order order; bytes signature; uint256 makingAmount; }",
  "struct LimitOrderData { address limitRouter; uint256 epsSkipMarket; FillOrderParams[] normalFills; FillOrderParams[] flashFills; bytes optData; }",
] as const;

/** PendleRouterV4 (V3 action facets). */
export const pendleRouterAbi = parseAbi([
  ...PENDLE_STRUCTS,
  "function swapExactTokenForPt(address receiver, address market, uint256 minPtOut, ApproxParams guessPtOut, TokenInput input, LimitOrderData limit) payable returns (uint256 netPtOut, uint256 netSyFee, uint256 netSyInterm)",
  "function swapExactPtForToken(address receiver, address market, uint256 exactPtIn, TokenOutput output, LimitOrderData limit) returns (uint256 netTokenOut, uint256 netSyFee, uint256 netSyInterm)",
  "function redeemPyToToken(address receiver, address YT, uint256 netPyIn, TokenOutput output) returns (uint256 netTokenOut, uint256 netSyInterm)",
]);

export const pendleMarketAbi = parseAbi([
  "function readTokens() view returns (address SY, address PT, address YT)",
  "function expiry() view returns (uint256)",
]);

export const pendleOracleAbi = parseAbi(["function getPtToAssetRate(address market, uint32 duration) view returns (uint256)"]);

export const aggregatorV3Abi = parseAbi([
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
]);

/** Safe 1.4.1 (the functions the treasury uses). */
export const safeAbi = parseAbi([
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function nonce() view returns (uint256)",
  "function isOwner(address owner) view returns (bool)",
  "function isModuleEnabled(address module) view returns (bool)",
  "function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool success)",
  // The configuration changes TreasuryGuard lets through only once scheduled (the watchers decode them).
  "function addOwnerWithThreshold(address owner, uint256 _threshold)",
  "function removeOwner(address prevOwner, address owner, uint256 _threshold)",
  "function swapOwner(address prevOwner, address oldOwner, address newOwner)",
  "function changeThreshold(uint256 _threshold)",
  "function enableModule(address module)",
  "function disableModule(address prevModule, address module)",
  "function setGuard(address guard)",
  "function setFallbackHandler(address handler)",
]);

export const multiSendAbi = parseAbi(["function multiSend(bytes transactions) payable"]);

/** CoW Protocol GPv2Settlement (@cowprotocol/contracts 1.8.0, mainnet deployment artifact). */
export const gpv2SettlementAbi = parseAbi([
  "struct TradeData { uint256 sellTokenIndex; uint256 buyTokenIndex; address receiver; uint256 sellAmount; uint256 buyAmount; uint32 validTo; bytes32 appData; uint256 feeAmount; uint256 flags; uint256 executedAmount; bytes signature; }",
  "struct InteractionData { address target; uint256 value; bytes callData; }",
  "function domainSeparator() view returns (bytes32)",
  "function vaultRelayer() view returns (address)",
  "function authenticator() view returns (address)",
  "function setPreSignature(bytes orderUid, bool signed)",
  "function preSignature(bytes) view returns (uint256)",
  "function filledAmount(bytes) view returns (uint256)",
  "function invalidateOrder(bytes orderUid)",
  "function settle(address[] tokens, uint256[] clearingPrices, TradeData[] trades, InteractionData[][3] interactions)",
  "event Trade(address indexed owner, address sellToken, address buyToken, uint256 sellAmount, uint256 buyAmount, uint256 feeAmount, bytes orderUid)",
  "event PreSignature(address indexed owner, bytes orderUid, bool signed)",
]);

/** CoW Protocol GPv2AllowListAuthentication (the solver allow-list; local world: the deployer manages it). */
export const gpv2AuthenticationAbi = parseAbi([
  "function manager() view returns (address)",
  "function addSolver(address solver)",
  "function removeSolver(address solver)",
  "function isSolver(address prospectiveSolver) view returns (bool)",
]);
