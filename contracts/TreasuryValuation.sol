// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IPositionAdapter} from "./adapters/IPositionAdapter.sol";
import {Holdings} from "./libraries/Holdings.sol";
import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {IPolicyErrors, IValuationErrors} from "./interfaces/Errors.sol";
import {
    AssetClass,
    AssetConfig,
    PositionConfig,
    Caps,
    Snapshot,
    Outflow,
    ValuationConfig
} from "./libraries/PolicyTypes.sol";

/// @title TreasuryValuation
/// @notice Values the treasury Safe at oracle prices (`nav()`, `allocation()`, `snapshot()`) and
/// judges the outcome of a transaction (loss limit, allocation caps). The guard, the module, the
/// agent and the indexer all read the same numbers from here.
/// @dev Stateless: the registry, caps and limits are read from the TreasuryPolicy in one call.
/// Prices: Chainlink-style USD feeds with a staleness limit and a positive answer. Positions are
/// valued through their underlying by their adapter (contracts/adapters: Aave aTokens and debt 1:1,
/// ERC-4626 shares by convertToAssets, Pendle PT by Pendle's TWAP oracle). Debt counts negatively in
/// NAV; while the Safe has debt, its lending health factor must stay above Limits.minHealthFactor.
contract TreasuryValuation is IValuationErrors {
    uint256 public constant BPS = 10_000;

    TreasuryPolicy public immutable policy;

    constructor(TreasuryPolicy policy_) {
        policy = policy_;
    }

    /// @notice The registry, caps and limits, as published by the policy.
    function config() public view returns (ValuationConfig memory) {
        address ptr = policy.registry();
        bytes memory data;
        assembly {
            let size := sub(extcodesize(ptr), 1)
            data := mload(0x40)
            mstore(data, size)
            extcodecopy(ptr, add(data, 32), 1, size)
            mstore(0x40, add(add(data, 32), and(add(size, 31), not(31))))
        }
        return _decodeRegistry(data);
    }

    /// @dev Equivalent to abi.decode(data, (ValuationConfig)) for the bytes the policy itself wrote
    /// (abi.encode of a ValuationConfig), without abi.decode's validation: about 20k gas less per
    /// read, paid twice in every checked transaction. Encoding of the tuple: safe, pendleOracle,
    /// offsets of assets / positions / protocols, caps (3 words), limits (4 words), version; asset
    /// records are 7 static words (token + 6-word config), position records 8 (token + 7-word config),
    /// protocols are bytes32.
    /// Memory layout built: structs hold pointers to sub-structs and arrays, as Solidity expects.
    function _decodeRegistry(bytes memory data) internal pure returns (ValuationConfig memory v) {
        assembly ("memory-safe") {
            // Copies an array of records {token, config of `cfgSize` bytes} at `src` into memory at
            // `fp`: an array of pointers to {token, pointer to the config}. Returns (array, new fp).
            function records(src, fp, cfgSize) -> arr, next {
                let n := mload(src)
                arr := fp
                mstore(arr, n)
                next := add(arr, add(0x20, mul(n, 0x20)))
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let rec := add(add(src, 0x20), mul(i, add(cfgSize, 0x20)))
                    let view_ := next
                    let cfg := add(next, 0x40)
                    mstore(view_, mload(rec))
                    mstore(add(view_, 0x20), cfg)
                    mcopy(cfg, add(rec, 0x20), cfgSize)
                    mstore(add(add(arr, 0x20), mul(i, 0x20)), view_)
                    next := add(cfg, cfgSize)
                }
            }
            let t := add(add(data, 0x20), mload(add(data, 0x20))) // the tuple
            let fp := mload(0x40)
            mstore(v, mload(t)) // safe
            mstore(add(v, 0x20), mload(add(t, 0x20))) // pendleOracle
            let arr
            arr, fp := records(add(t, mload(add(t, 0x40))), fp, 192)
            mstore(add(v, 0x40), arr) // assets
            arr, fp := records(add(t, mload(add(t, 0x60))), fp, 224)
            mstore(add(v, 0x60), arr) // positions
            let pr := add(t, mload(add(t, 0x80)))
            let size := add(0x20, mul(mload(pr), 0x20))
            mcopy(fp, pr, size)
            mstore(add(v, 0x80), fp) // protocols
            fp := add(fp, size)
            mcopy(fp, add(t, 0xa0), 96)
            mstore(add(v, 0xa0), fp) // caps
            fp := add(fp, 96)
            mcopy(fp, add(t, 0x100), 128)
            mstore(add(v, 0xc0), fp) // limits
            fp := add(fp, 128)
            mstore(add(v, 0xe0), mload(add(t, 0x180))) // version
            mstore(0x40, fp)
        }
    }

    // ------------------------------------------------------------------ prices
    /// @notice Price of a registered asset in USD, 18 decimals. ok = false if stale, zero, negative,
    /// from the future, failing, or the asset is not registered.
    function priceOf(address token) public view returns (uint256 price, bool ok) {
        AssetConfig memory a = policy.asset(token);
        if (!a.registered) return (0, false);
        return _price(a);
    }

    /// @dev Configuration of a registered asset from the published registry.
    function _assetOf(ValuationConfig memory cfg, address token) internal pure returns (AssetConfig memory a) {
        for (uint256 i; i < cfg.assets.length; ++i) {
            if (cfg.assets[i].token == token) return cfg.assets[i].config;
        }
    }

    function _price(AssetConfig memory a) internal view returns (uint256, bool) {
        try AggregatorV3Interface(a.feed).latestRoundData() returns (
            uint80, int256 answer, uint256, uint256 updatedAt, uint80
        ) {
            if (answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) return (0, false);
            if (block.timestamp - updatedAt > a.maxStaleness) return (0, false);
            return (uint256(answer) * 10 ** (18 - a.feedDecimals), true);
        } catch {
            return (0, false);
        }
    }

    // ------------------------------------------------------------------ snapshot
    /// @notice Values the Safe's holdings. Prices are fetched only for held assets, so a broken feed
    /// for an asset the Safe does not hold changes nothing; a broken one for a held asset makes the
    /// snapshot unhealthy (de-risk-only mode).
    function snapshot() public view returns (Snapshot memory s) {
        return _snapshot(config(), new uint256[](0));
    }

    /// @notice Values the Safe's holdings reusing `knownPrices` (0 = fetch), e.g. the prices of a
    /// snapshot taken earlier in the same transaction. The agent module measures between calls with it.
    /// @param knownPrices Per registered asset, USD 18 decimals, as in Snapshot.prices.
    function snapshotAt(uint256[] memory knownPrices) external view returns (Snapshot memory) {
        return _snapshot(config(), knownPrices);
    }

    /// @param knownPrices Prices already fetched in this transaction (0 = not fetched); reused so the
    /// before and after valuations of one transaction use the same prices.
    function _snapshot(ValuationConfig memory cfg, uint256[] memory knownPrices) internal view returns (Snapshot memory s) {
        uint256 nA = cfg.assets.length;
        uint256 nP = cfg.positions.length;
        s.healthy = true;
        s.version = cfg.version;
        s.values = new uint256[](nA + nP);
        s.protocolValues = new uint256[](cfg.protocols.length);
        s.prices = knownPrices.length == nA ? knownPrices : new uint256[](nA); // 0 = not fetched yet
        for (uint256 i; i < nA; ++i) {
            uint256 bal = IERC20Metadata(cfg.assets[i].token).balanceOf(cfg.safe);
            if (bal == 0) continue;
            (uint256 v, bool ok) = _value(cfg, i, bal, s.prices);
            if (!ok) {
                s.healthy = false;
                continue;
            }
            s.values[i] = v;
            s.nav += v;
            if (cfg.assets[i].config.assetClass == AssetClass.Volatile) s.volatileValue += v;
        }
        s.healthFactor = type(uint256).max;
        address hfVenue;
        for (uint256 j; j < nP; ++j) {
            hfVenue = _position(cfg, j, s, hfVenue);
        }
        s.nav = s.nav > s.debt ? s.nav - s.debt : 0;
    }

    /// @dev Values position j into `s` through its adapter. `hfVenue` is the last venue whose health
    /// factor was read (the health factor is per account and pool: read once per venue).
    function _position(ValuationConfig memory cfg, uint256 j, Snapshot memory s, address hfVenue)
        internal
        view
        returns (address)
    {
        PositionConfig memory c = cfg.positions[j].config;
        (uint256 amount, bool liability, bool okAmount) =
            IPositionAdapter(c.adapter).value(cfg.positions[j].token, cfg.safe, c);
        if (liability) s.liabilities |= 1 << j;
        if (okAmount && amount == 0) return hfVenue;
        uint256 ai = _assetIndex(cfg, c.underlying);
        (uint256 v, bool ok) = okAmount ? _value(cfg, ai, amount, s.prices) : (0, false);
        if (!ok) {
            s.healthy = false;
            return hfVenue;
        }
        s.values[cfg.assets.length + j] = v;
        // Gross volatile exposure: a volatile debt is a short, never netted against a long.
        if (cfg.assets[ai].config.assetClass == AssetClass.Volatile) s.volatileValue += v;
        if (!liability) {
            s.nav += v;
            s.protocolValues[_protocolIndex(cfg, c.protocol)] += v;
            return hfVenue;
        }
        s.debt += v;
        if (c.venue != hfVenue) {
            uint256 hf = IPositionAdapter(c.adapter).healthFactor(cfg.safe, c);
            if (hf < s.healthFactor) s.healthFactor = hf;
        }
        return c.venue;
    }

    function _value(ValuationConfig memory cfg, uint256 i, uint256 amount, uint256[] memory prices)
        internal
        view
        returns (uint256, bool)
    {
        uint256 p = prices[i];
        if (p == 0) {
            (uint256 fetched, bool ok) = _price(cfg.assets[i].config);
            if (!ok) return (0, false);
            prices[i] = p = fetched;
        }
        return (amount * p / 10 ** cfg.assets[i].config.decimals, true);
    }

    function _assetIndex(ValuationConfig memory cfg, address token) internal pure returns (uint256) {
        for (uint256 i; i < cfg.assets.length; ++i) {
            if (cfg.assets[i].token == token) return i;
        }
        revert IPolicyErrors.TokenNotRegistered(token);
    }

    function _protocolIndex(ValuationConfig memory cfg, bytes32 p) internal pure returns (uint256) {
        for (uint256 i; i < cfg.protocols.length; ++i) {
            if (cfg.protocols[i] == p) return i;
        }
        revert UnknownProtocol(p);
    }

    // ------------------------------------------------------------------ health factor without prices
    /// @notice The Safe's lowest lending health factor over its held debt positions (1e18 = 1.0),
    /// type(uint256).max without debt. Needs none of our prices: the guard and the module use it in
    /// de-risk-only mode, where no snapshot can be valued.
    function healthFactor() public view returns (uint256 hf) {
        ValuationConfig memory cfg = config();
        hf = type(uint256).max;
        for (uint256 j; j < cfg.positions.length; ++j) {
            PositionConfig memory c = cfg.positions[j].config;
            (uint256 amount, bool liability,) = IPositionAdapter(c.adapter).value(cfg.positions[j].token, cfg.safe, c);
            if (!liability || amount == 0) continue;
            uint256 h = IPositionAdapter(c.adapter).healthFactor(cfg.safe, c);
            if (h < hf) hf = h;
        }
    }

    /// @notice Reverts (HealthFactorBelowFloor) unless the Safe's health factor is at or above the floor,
    /// or above `healthFactorBefore`: the leverage check of a transaction that could not be valued.
    /// @param healthFactorBefore healthFactor() before the transaction.
    function checkHealth(uint256 healthFactorBefore) external view {
        _checkHealth(healthFactorBefore, healthFactor(), config().limits.minHealthFactor);
    }

    // ------------------------------------------------------------------ public views
    /// @notice Net asset value of the Safe in USD (18 decimals). Reverts if a held asset has no price.
    function nav() external view returns (uint256) {
        Snapshot memory s = snapshot();
        if (!s.healthy) revert PriceUnavailable(_firstUnpriced());
        return s.nav;
    }

    function _firstUnpriced() internal view returns (address) {
        ValuationConfig memory cfg = config();
        for (uint256 i; i < cfg.assets.length; ++i) {
            (, bool ok) = _price(cfg.assets[i].config);
            if (!ok) return cfg.assets[i].token;
        }
        return address(0);
    }

    /// @notice Current weights in basis points of NAV.
    /// @return volatileBps Share in volatile assets (spot and positions over volatile underlyings).
    /// @return protocolIds Protocol ids, as registered in the policy.
    /// @return protocolBps Share of each protocol.
    /// @return holdings Assets then positions, as registered in the policy.
    /// @return holdingBps Share of each holding.
    function allocation()
        external
        view
        returns (
            uint256 volatileBps,
            bytes32[] memory protocolIds,
            uint256[] memory protocolBps,
            address[] memory holdings,
            uint256[] memory holdingBps
        )
    {
        ValuationConfig memory cfg = config();
        Snapshot memory s = _snapshot(cfg, new uint256[](0));
        if (!s.healthy) revert PriceUnavailable(_firstUnpriced());
        protocolIds = cfg.protocols;
        holdings = new address[](s.values.length);
        for (uint256 i; i < cfg.assets.length; ++i) holdings[i] = cfg.assets[i].token;
        for (uint256 j; j < cfg.positions.length; ++j) holdings[cfg.assets.length + j] = cfg.positions[j].token;
        protocolBps = new uint256[](s.protocolValues.length);
        holdingBps = new uint256[](s.values.length);
        if (s.nav == 0) return (0, protocolIds, protocolBps, holdings, holdingBps);
        volatileBps = s.volatileValue * BPS / s.nav;
        for (uint256 i; i < protocolBps.length; ++i) protocolBps[i] = s.protocolValues[i] * BPS / s.nav;
        for (uint256 i; i < holdingBps.length; ++i) holdingBps[i] = s.values[i] * BPS / s.nav;
    }

    /// @notice USD value (18 decimals) of payments, at current prices.
    function outflowValue(Outflow[] memory outflows) external view returns (uint256 usd) {
        ValuationConfig memory cfg = config();
        for (uint256 i; i < outflows.length; ++i) {
            AssetConfig memory a = _assetOf(cfg, outflows[i].token);
            (uint256 p, bool ok) = a.registered ? _price(a) : (0, false);
            if (!ok) revert PriceUnavailable(outflows[i].token);
            usd += outflows[i].amount * p / 10 ** a.decimals;
        }
    }

    // ------------------------------------------------------------------ outcome
    /// @notice Values the Safe after a transaction (at the prices of `before`) and reverts unless the
    /// outcome is acceptable (see checkOutcome). One registry read for both steps.
    /// @return afterTx The valuation after the transaction.
    /// @return turnoverUsd USD value that left holdings (sold, supplied, withdrawn): the size of the
    /// transaction, measured from balances, so no calldata encoding can understate it.
    function snapshotAndCheck(Snapshot memory before, uint256 outflowUsd, bool capsApply)
        external
        view
        returns (Snapshot memory afterTx, uint256 turnoverUsd)
    {
        ValuationConfig memory cfg = config();
        afterTx = _snapshot(cfg, before.version == cfg.version ? before.prices : new uint256[](0));
        // A price that broke during the transaction cannot be checked against: refuse.
        if (!afterTx.healthy) revert PriceUnavailable(address(0));
        _checkOutcome(cfg, before, afterTx, outflowUsd, capsApply);
        turnoverUsd = _turnover(before, afterTx);
    }

    /// @notice Reverts unless the transaction that moved the Safe from `before` to `afterTx` kept NAV
    /// within the loss limit (payments excluded) and, when `capsApply`, left every cap either respected
    /// or strictly closer to it (so a breach that prices caused never blocks de-risking).
    /// If the transaction changed the registry, weights cannot be compared: then caps must simply hold.
    /// @param capsApply False for transactions that only approve, configure or exit positions back to
    /// the Safe: withdrawals must never be blocked by a cap, and they add no risk.
    function checkOutcome(Snapshot memory before, Snapshot memory afterTx, uint256 outflowUsd, bool capsApply)
        external
        view
    {
        _checkOutcome(config(), before, afterTx, outflowUsd, capsApply);
    }

    function _checkOutcome(
        ValuationConfig memory cfg,
        Snapshot memory before,
        Snapshot memory afterTx,
        uint256 outflowUsd,
        bool capsApply
    ) internal pure {
        uint256 minNav = before.nav * (BPS - cfg.limits.maxLossBps) / BPS;
        if (afterTx.nav + outflowUsd < minNav) revert NavLoss(before.nav, afterTx.nav, outflowUsd, minNav);
        _checkHealth(before.healthFactor, afterTx.healthFactor, cfg.limits.minHealthFactor);
        if (!capsApply || afterTx.nav == 0) return;
        bool sameConfig = before.version == afterTx.version && before.values.length == afterTx.values.length
            && before.protocolValues.length == afterTx.protocolValues.length;
        Caps memory c = cfg.caps;
        if (_refused(before.volatileValue, before.nav, afterTx.volatileValue, afterTx.nav, c.maxVolatileBps, sameConfig))
        {
            revert VolatileCapExceeded(
                _bps(before.volatileValue, before.nav), _bps(afterTx.volatileValue, afterTx.nav), c.maxVolatileBps
            );
        }
        for (uint256 i; i < afterTx.protocolValues.length; ++i) {
            uint256 b = sameConfig ? before.protocolValues[i] : 0;
            if (_refused(b, before.nav, afterTx.protocolValues[i], afterTx.nav, c.maxProtocolBps, sameConfig)) {
                revert ProtocolCapExceeded(
                    cfg.protocols[i], _bps(b, before.nav), _bps(afterTx.protocolValues[i], afterTx.nav), c.maxProtocolBps
                );
            }
        }
        uint256 nA = cfg.assets.length;
        uint256 owed = before.liabilities | afterTx.liabilities;
        for (uint256 i; i < afterTx.values.length; ++i) {
            // Stablecoins held as cash are exempt from the single-position cap; a debt is not a holding
            // (it is capped by the health factor floor and, through NAV, by every other cap).
            if (i < nA ? cfg.assets[i].config.assetClass == AssetClass.Stable : (owed >> (i - nA)) & 1 == 1) continue;
            uint256 b = sameConfig ? before.values[i] : 0;
            if (_refused(b, before.nav, afterTx.values[i], afterTx.nav, c.maxPositionBps, sameConfig)) {
                address token = i < nA ? cfg.assets[i].token : cfg.positions[i - nA].token;
                revert PositionCapExceeded(
                    token, _bps(b, before.nav), _bps(afterTx.values[i], afterTx.nav), c.maxPositionBps
                );
            }
        }
    }

    /// @notice USD turnover between two valuations: the total value that left holdings.
    function turnover(Snapshot memory before, Snapshot memory afterTx) external pure returns (uint256) {
        return _turnover(before, afterTx);
    }

    /// @dev What left holdings plus what was borrowed (a liability that grew): a borrow moves value
    /// as much as a sale does.
    function _turnover(Snapshot memory before, Snapshot memory afterTx) internal pure returns (uint256 usd) {
        return Holdings.moved(
            before.values, afterTx.values, before.liabilities | afterTx.liabilities, before.values.length - before.prices.length
        );
    }

    /// @dev While there is debt, the health factor must end at or above the floor, or at least above
    /// where it was: repaying part of a debt when prices already pushed it below is never refused.
    function _checkHealth(uint256 hfBefore, uint256 hfAfter, uint256 floor) internal pure {
        if (hfAfter < floor && hfAfter <= hfBefore) revert HealthFactorBelowFloor(hfBefore, hfAfter, floor);
    }

    /// @dev A weight over its cap after the transaction is refused unless it is strictly lower than
    /// before (weights compared as after/navAfter < before/navBefore, without division).
    function _refused(uint256 b, uint256 navB, uint256 a, uint256 navA, uint256 capBps, bool comparable)
        internal
        pure
        returns (bool)
    {
        if (a * BPS <= capBps * navA) return false;
        return !comparable || a * navB >= b * navA;
    }

    function _bps(uint256 value, uint256 navUsd) internal pure returns (uint256) {
        return navUsd == 0 ? 0 : value * BPS / navUsd;
    }
}
