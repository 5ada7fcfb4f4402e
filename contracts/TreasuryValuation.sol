// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IPositionAdapter} from "./adapters/IPositionAdapter.sol";
import {Holdings} from "./libraries/Holdings.sol";
import {FeedPrice} from "./libraries/FeedPrice.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {IPolicyErrors, IValuationErrors} from "./interfaces/Errors.sol";
import {
    AssetClass,
    AssetConfig,
    PositionConfig,
    Caps,
    CapsMode,
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
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;
    using SlotDerivation for bytes32;

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
            return FeedPrice.usd(a, answer, updatedAt);
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
        for (uint256 j; j < nP; ++j) {
            _position(cfg, j, s);
        }
        s.nav = s.nav > s.debt ? s.nav - s.debt : 0;
        s.healthFactor = _healthFactor(cfg);
    }

    /// @dev Values position j into `s` through its adapter.
    function _position(ValuationConfig memory cfg, uint256 j, Snapshot memory s) internal view {
        PositionConfig memory c = cfg.positions[j].config;
        (uint256 amount, bool liability, bool okAmount) =
            IPositionAdapter(c.adapter).value(cfg.positions[j].token, cfg.safe, c);
        if (liability) s.liabilities |= 1 << j;
        if (okAmount && amount == 0) return;
        uint256 ai = _assetIndex(cfg, c.underlying);
        (uint256 v, bool ok) = okAmount ? _value(cfg, ai, amount, s.prices) : (0, false);
        if (!ok) {
            s.healthy = false;
            return;
        }
        s.values[cfg.assets.length + j] = v;
        // Gross volatile exposure: a volatile debt is a short, never netted against a long.
        if (cfg.assets[ai].config.assetClass == AssetClass.Volatile) s.volatileValue += v;
        if (liability) {
            s.debt += v;
        } else {
            s.nav += v;
            s.protocolValues[_protocolIndex(cfg, c.protocol)] += v;
        }
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
    /// @notice The Safe's lowest lending health factor (1e18 = 1.0) over the lending venues of its registered
    /// positions, as each venue reports it: type(uint256).max where it owes nothing. Needs none of our prices:
    /// the guard and the module use it in de-risk-only mode, where no snapshot can be valued.
    /// @dev Read from the venue for every position there, held or not, asset or liability: the venue's own
    /// account data is the truth about debt, so removing or never listing a debt token cannot hide a loan
    /// from the floor. One read per venue.
    function healthFactor() external view returns (uint256) {
        return _healthFactor(config());
    }

    function _healthFactor(ValuationConfig memory cfg) internal view returns (uint256 hf) {
        hf = type(uint256).max;
        uint256 nP = cfg.positions.length;
        address[] memory seen = new address[](nP);
        for (uint256 j; j < nP; ++j) {
            PositionConfig memory c = cfg.positions[j].config;
            bool again;
            for (uint256 k; k < j && !again; ++k) again = seen[k] == c.venue;
            seen[j] = c.venue;
            if (again) continue;
            // A venue that cannot compute the account's data (Aave, when its own oracle fails) also refuses,
            // by the same computation, every borrow and collateral withdrawal of an account with debt: nothing
            // can lower the health factor there, and exits and repayments must stay possible (no brick).
            try IPositionAdapter(c.adapter).healthFactor(cfg.safe, c) returns (uint256 h) {
                if (h < hf) hf = h;
            } catch {}
        }
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

    // ------------------------------------------------------------------ checked transactions
    // The guard and the agent module check a transaction in two (module: more) calls: begin() values
    // the Safe and keeps that valuation here, in transient storage (EIP-1153, OpenZeppelin's
    // TransientSlot) under the caller's key; finish() values it again at the same prices and judges the
    // outcome. Nothing but a few words crosses the contract boundary, and transient storage is gone at
    // the end of the transaction. Any caller only ever reads its own valuation.

    uint256 private constant IDLE = 0;
    uint256 private constant PRICED = 1; // begin() valued the Safe
    uint256 private constant UNPRICED = 2; // a held asset had no price: de-risk only, health factor kept
    // Word offsets under the caller's key.
    uint256 private constant T_STATE = 0;
    uint256 private constant T_VERSION = 1;
    uint256 private constant T_NAV = 2;
    uint256 private constant T_VOLATILE = 3;
    uint256 private constant T_DEBT = 4;
    uint256 private constant T_HF = 5;
    uint256 private constant T_LIABILITIES = 6;
    uint256 private constant T_LENGTHS = 7; // values | protocols << 64 | prices << 128
    uint256 private constant T_STEPPED = 8; // step() stored the holdings of its measurement at T_LAST
    uint256 private constant T_VALUES = 0x100;
    uint256 private constant T_PROTOCOLS = 0x200;
    uint256 private constant T_PRICES = 0x300;
    uint256 private constant T_LAST = 0x400;
    /// @dev erc7201("treasury.valuation.check")
    bytes32 private constant CHECK_NAMESPACE = 0xc4c80855a947e5147e124858def0f984cfdc5a01236de4173665b89fb27ff800;

    /// @notice Starts the check of a transaction for the caller: values the Safe and keeps the valuation
    /// for step() and finish(); values `outflows` (payments to payees) at the same prices.
    /// @param outflows Payments the transaction makes (from the policy's rules).
    /// @return healthy False when a held asset has no usable price: then only de-risking may follow and
    /// finish() checks the health factor floor alone.
    /// @return navBefore NAV (as far as priced when not healthy).
    /// @return outflowUsd USD value of `outflows` (0 when not healthy).
    function begin(Outflow[] calldata outflows) external returns (bool healthy, uint256 navBefore, uint256 outflowUsd) {
        bytes32 base = _base();
        if (_t(base, T_STATE).tload() != IDLE) revert CheckOutOfOrder();
        ValuationConfig memory cfg = config();
        Snapshot memory s = _snapshot(cfg, new uint256[](0));
        if (!s.healthy) {
            _t(base, T_STATE).tstore(UNPRICED);
            _t(base, T_HF).tstore(s.healthFactor); // the snapshot read it from the venues already
            return (false, s.nav, 0);
        }
        for (uint256 i; i < outflows.length; ++i) {
            (uint256 v, bool ok) = _value(cfg, _assetIndex(cfg, outflows[i].token), outflows[i].amount, s.prices);
            if (!ok) revert PriceUnavailable(outflows[i].token);
            outflowUsd += v;
        }
        _t(base, T_STATE).tstore(PRICED);
        _t(base, T_VERSION).tstore(s.version);
        _t(base, T_NAV).tstore(s.nav);
        _t(base, T_VOLATILE).tstore(s.volatileValue);
        _t(base, T_DEBT).tstore(s.debt);
        _t(base, T_HF).tstore(s.healthFactor);
        _t(base, T_LIABILITIES).tstore(s.liabilities);
        _t(base, T_LENGTHS).tstore(s.values.length | (s.protocolValues.length << 64) | (s.prices.length << 128));
        _tstoreArray(base, T_VALUES, s.values);
        _tstoreArray(base, T_PROTOCOLS, s.protocolValues);
        _tstoreArray(base, T_PRICES, s.prices);
        return (true, s.nav, outflowUsd);
    }

    /// @notice Between the calls of an agent batch: values the Safe again at begin()'s prices and returns
    /// the value moved since the last measurement (drops of holdings, rises of debts), so a round trip
    /// inside one batch counts both legs. Reverts if a held asset lost its price meanwhile.
    function step() external returns (uint256 movedUsd) {
        bytes32 base = _base();
        if (_t(base, T_STATE).tload() != PRICED) revert CheckOutOfOrder();
        Snapshot memory before = _loadBefore(base);
        ValuationConfig memory cfg = config();
        Snapshot memory mid = _snapshot(cfg, before.version == cfg.version ? before.prices : new uint256[](0));
        if (!mid.healthy) revert PriceUnavailable(address(0));
        movedUsd = _movedSinceLast(base, before, mid);
        _tstoreArray(base, T_LAST, mid.values);
        _t(base, T_STEPPED).tstore(1);
    }

    /// @notice Ends the caller's check: values the Safe at begin()'s prices and reverts unless the outcome
    /// is acceptable (see checkOutcome; the health factor floor alone when begin() found no prices).
    /// @param outflowUsd Payments made (begin()'s figure), excluded from the loss.
    /// @param caps How the allocation caps judge the outcome (see checkOutcome).
    /// @param touched Every token whose balance the transaction can change, as its rules say: of the spot
    /// assets only these are valued again (the others' balances, so their values at begin()'s prices,
    /// cannot have moved); positions listed or held before are valued again (a held one's rate can move
    /// with its balance unchanged), warm by then. Empty = value all.
    /// A listed token the valuation does not value must not be held afterwards (TokenNotValued): e.g.
    /// the debt of an asset whose debt token is not registered.
    /// @return navBefore NAV at begin().
    /// @return navAfter NAV now.
    /// @return movedUsd Value moved since the last measurement (begin() or step()).
    function finish(uint256 outflowUsd, CapsMode caps, address[] calldata touched)
        external
        returns (uint256 navBefore, uint256 navAfter, uint256 movedUsd)
    {
        bytes32 base = _base();
        uint256 state = _t(base, T_STATE).tload();
        _t(base, T_STATE).tstore(IDLE);
        ValuationConfig memory cfg = config();
        if (state == UNPRICED) {
            _checkHealth(_t(base, T_HF).tload(), _healthFactor(cfg), cfg.limits.minHealthFactor);
            return (0, _snapshot(cfg, new uint256[](0)).nav, 0);
        }
        if (state != PRICED) revert CheckOutOfOrder();
        Snapshot memory before = _loadBefore(base);
        // Values of untouched holdings carry over only under the same registry, with holdings net of debt
        // (NAV is clamped at 0 otherwise, so it cannot be adjusted by differences).
        Snapshot memory afterTx = touched.length != 0 && before.version == cfg.version && before.nav != 0
            ? _revalue(cfg, before, touched)
            : _snapshot(cfg, before.version == cfg.version ? before.prices : new uint256[](0));
        // A price that broke during the transaction cannot be checked against: refuse.
        if (!afterTx.healthy) revert PriceUnavailable(address(0));
        _checkOutcome(cfg, before, afterTx, outflowUsd, caps);
        movedUsd = _movedSinceLast(base, before, afterTx);
        _t(base, T_STEPPED).tstore(0);
        return (before.nav, afterTx.nav, movedUsd);
    }

    /// @dev `before` with the holdings of `touched` valued again (at its prices); totals adjusted by
    /// differences; the health factor read again from the venues (collateral moves change it).
    function _revalue(ValuationConfig memory cfg, Snapshot memory before, address[] calldata touched)
        internal
        view
        returns (Snapshot memory a)
    {
        // A new struct: `before` must stay as it was for the outcome check.
        a = Snapshot({
            healthy: true,
            version: before.version,
            nav: before.nav,
            volatileValue: before.volatileValue,
            values: _copy(before.values),
            protocolValues: _copy(before.protocolValues),
            prices: _copy(before.prices),
            debt: before.debt,
            healthFactor: before.healthFactor,
            liabilities: before.liabilities
        });
        uint256 gross = before.nav + before.debt;
        uint256 nA = cfg.assets.length;
        uint256 listed; // bit j: position j is listed
        bool ok;
        // Spot assets: only those listed (value = balance x begin()'s price: unchanged unless the balance is).
        for (uint256 k; k < touched.length; ++k) {
            (bool found, uint256 i) = _holdingIndex(cfg, touched[k]);
            if (!found) {
                if (IERC20Metadata(touched[k]).balanceOf(cfg.safe) != 0) revert TokenNotValued(touched[k]);
                continue;
            }
            if (i >= nA) {
                listed |= 1 << (i - nA);
                continue;
            }
            (gross, ok) = _apply(cfg, a, i, gross);
            if (!ok) return a;
        }
        // Positions: those listed and every one held before. A held position's value can move without its
        // balance moving (a vault's share price, when the transaction deposits into what the vault holds),
        // so it is read again; one not held can only gain value by a balance change, which is listed.
        for (uint256 i = nA; i < a.values.length; ++i) {
            if (before.values[i] == 0 && (listed >> (i - nA)) & 1 == 0) continue;
            (gross, ok) = _apply(cfg, a, i, gross);
            if (!ok) return a;
        }
        a.nav = gross > a.debt ? gross - a.debt : 0;
        // Read again whatever the registry says of debt: the venues' account data is the truth.
        a.healthFactor = _healthFactor(cfg);
    }

    /// @dev Values holding i again into `a` (totals adjusted by the difference). Returns the new gross
    /// holdings, and false (a.healthy = false) when it has no price.
    function _apply(ValuationConfig memory cfg, Snapshot memory a, uint256 i, uint256 gross)
        internal
        view
        returns (uint256, bool)
    {
        Snapshot memory one = _valueOne(cfg, i, a.prices);
        if (!one.healthy) {
            a.healthy = false;
            return (gross, false);
        }
        uint256 old = a.values[i];
        a.values[i] = one.nav;
        (uint256 ai, bool liability, bytes32 protocol) = _holdingInfo(cfg, i, one.liabilities);
        if (cfg.assets[ai].config.assetClass == AssetClass.Volatile) a.volatileValue = a.volatileValue + one.nav - old;
        if (liability) {
            a.debt = a.debt + one.nav - old;
        } else {
            gross = gross + one.nav - old;
            if (i >= cfg.assets.length) {
                uint256 pi = _protocolIndex(cfg, protocol);
                a.protocolValues[pi] = a.protocolValues[pi] + one.nav - old;
            }
        }
        return (gross, true);
    }

    /// @dev Value of holding `i` alone (in `nav`; `liabilities` = 1 for a debt; healthy = priced).
    function _valueOne(ValuationConfig memory cfg, uint256 i, uint256[] memory prices)
        internal
        view
        returns (Snapshot memory one)
    {
        uint256 nA = cfg.assets.length;
        one.healthy = true;
        uint256 amount;
        uint256 ai = i;
        bool ok = true;
        if (i < nA) {
            amount = IERC20Metadata(cfg.assets[i].token).balanceOf(cfg.safe);
        } else {
            PositionConfig memory c = cfg.positions[i - nA].config;
            bool liability;
            (amount, liability, ok) = IPositionAdapter(c.adapter).value(cfg.positions[i - nA].token, cfg.safe, c);
            if (liability) one.liabilities = 1;
            ai = _assetIndex(cfg, c.underlying);
        }
        if (ok && amount == 0) return one;
        (uint256 v, bool priced) = ok ? _value(cfg, ai, amount, prices) : (0, false);
        one.healthy = priced;
        one.nav = v;
    }

    /// @dev Asset index of holding i's pricing asset, whether it is a liability (`owed` from _valueOne),
    /// and its protocol (positions).
    function _holdingInfo(ValuationConfig memory cfg, uint256 i, uint256 owed)
        internal
        pure
        returns (uint256 ai, bool liability, bytes32 protocol)
    {
        uint256 nA = cfg.assets.length;
        if (i < nA) return (i, false, bytes32(0));
        PositionConfig memory c = cfg.positions[i - nA].config;
        return (_assetIndex(cfg, c.underlying), owed == 1, c.protocol);
    }

    function _holdingIndex(ValuationConfig memory cfg, address token) internal pure returns (bool, uint256) {
        uint256 nA = cfg.assets.length;
        for (uint256 i; i < nA; ++i) {
            if (cfg.assets[i].token == token) return (true, i);
        }
        for (uint256 j; j < cfg.positions.length; ++j) {
            if (cfg.positions[j].token == token) return (true, nA + j);
        }
        return (false, 0);
    }

    function _copy(uint256[] memory a) internal pure returns (uint256[] memory b) {
        b = new uint256[](a.length);
        for (uint256 i; i < a.length; ++i) b[i] = a[i];
    }

    function _movedSinceLast(bytes32 base, Snapshot memory before, Snapshot memory now_) internal view returns (uint256) {
        uint256[] memory last = _t(base, T_STEPPED).tload() == 1 ? _tloadArray(base, T_LAST, before.values.length) : before.values;
        return Holdings.moved(last, now_.values, before.liabilities | now_.liabilities, before.values.length - before.prices.length);
    }

    function _loadBefore(bytes32 base) internal view returns (Snapshot memory s) {
        uint256 lengths = _t(base, T_LENGTHS).tload();
        s.healthy = true;
        s.version = _t(base, T_VERSION).tload();
        s.nav = _t(base, T_NAV).tload();
        s.volatileValue = _t(base, T_VOLATILE).tload();
        s.debt = _t(base, T_DEBT).tload();
        s.healthFactor = _t(base, T_HF).tload();
        s.liabilities = _t(base, T_LIABILITIES).tload();
        s.values = _tloadArray(base, T_VALUES, uint64(lengths));
        s.protocolValues = _tloadArray(base, T_PROTOCOLS, uint64(lengths >> 64));
        s.prices = _tloadArray(base, T_PRICES, uint64(lengths >> 128));
    }

    function _base() internal view returns (bytes32) {
        return CHECK_NAMESPACE.deriveMapping(msg.sender);
    }

    function _t(bytes32 base, uint256 i) internal pure returns (TransientSlot.Uint256Slot) {
        return base.offset(i).asUint256();
    }

    function _tstoreArray(bytes32 base, uint256 at, uint256[] memory a) internal {
        for (uint256 i; i < a.length; ++i) _t(base, at + i).tstore(a[i]);
    }

    function _tloadArray(bytes32 base, uint256 at, uint256 n) internal view returns (uint256[] memory a) {
        a = new uint256[](n);
        for (uint256 i; i < n; ++i) a[i] = _t(base, at + i).tload();
    }

    // ------------------------------------------------------------------ outcome
    /// @notice Reverts unless the transaction that moved the Safe from `before` to `afterTx` kept NAV
    /// within the loss limit (payments excluded), kept the health factor at or above the floor (or
    /// raised it), and left every cap respected or, for a weight already over its cap: strictly lower
    /// (`CapsMode.Reduce`, a transaction that takes risk) or not higher (`CapsMode.NoRise`, one whose
    /// calls only de-risk: a CoW pre-signature moves nothing in its own transaction, and a sale that a
    /// price-caused breach makes necessary must never be refused for it).
    /// If the transaction changed the registry, weights cannot be compared: then caps must simply hold.
    /// @param caps `Off` for transactions that only approve, configure or exit positions back to the
    /// Safe: withdrawals must never be blocked by a cap, and they add no risk.
    function checkOutcome(Snapshot memory before, Snapshot memory afterTx, uint256 outflowUsd, CapsMode caps)
        external
        view
    {
        _checkOutcome(config(), before, afterTx, outflowUsd, caps);
    }

    function _checkOutcome(
        ValuationConfig memory cfg,
        Snapshot memory before,
        Snapshot memory afterTx,
        uint256 outflowUsd,
        CapsMode mode
    ) internal pure {
        uint256 minNav = before.nav * (BPS - cfg.limits.maxLossBps) / BPS;
        if (afterTx.nav + outflowUsd < minNav) revert NavLoss(before.nav, afterTx.nav, outflowUsd, minNav);
        _checkHealth(before.healthFactor, afterTx.healthFactor, cfg.limits.minHealthFactor);
        if (mode == CapsMode.Off || afterTx.nav == 0) return;
        bool sameConfig = before.version == afterTx.version && before.values.length == afterTx.values.length
            && before.protocolValues.length == afterTx.protocolValues.length;
        bool mayStay = mode == CapsMode.NoRise;
        Caps memory c = cfg.caps;
        if (_refused(before.volatileValue, before.nav, afterTx.volatileValue, afterTx.nav, c.maxVolatileBps, sameConfig, mayStay))
        {
            revert VolatileCapExceeded(
                _bps(before.volatileValue, before.nav), _bps(afterTx.volatileValue, afterTx.nav), c.maxVolatileBps
            );
        }
        for (uint256 i; i < afterTx.protocolValues.length; ++i) {
            uint256 b = sameConfig ? before.protocolValues[i] : 0;
            if (_refused(b, before.nav, afterTx.protocolValues[i], afterTx.nav, c.maxProtocolBps, sameConfig, mayStay)) {
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
            if (_refused(b, before.nav, afterTx.values[i], afterTx.nav, c.maxPositionBps, sameConfig, mayStay)) {
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
    /// before, or, with `mayStay`, not higher (weights compared as after/navAfter against
    /// before/navBefore, cross-multiplied: no division, no rounding).
    function _refused(uint256 b, uint256 navB, uint256 a, uint256 navA, uint256 capBps, bool comparable, bool mayStay)
        internal
        pure
        returns (bool)
    {
        if (a * BPS <= capBps * navA) return false;
        if (!comparable) return true;
        return mayStay ? a * navB > b * navA : a * navB >= b * navA;
    }

    function _bps(uint256 value, uint256 navUsd) internal pure returns (uint256) {
        return navUsd == 0 ? 0 : value * BPS / navUsd;
    }
}
