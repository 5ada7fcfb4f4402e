// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISafe} from "./interfaces/ISafe.sol";
import {IAaveV3Pool, IERC4626Minimal} from "./interfaces/IProtocols.sol";
import {IPMarket, IPYieldToken} from "@pendle/core-v2/contracts/interfaces/IPMarket.sol";
import {TokenOutput} from "@pendle/core-v2/contracts/interfaces/IPAllActionTypeV3.sol";
import {SwapData, SwapType} from "@pendle/core-v2/contracts/router/swap-aggregator/IPSwapAggregator.sol";
import {IPActionMiscV3} from "@pendle/core-v2/contracts/interfaces/IPActionMiscV3.sol";
import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {TreasuryValuation} from "./TreasuryValuation.sol";
import {Actor, Effect, Snapshot, Call, PositionConfig, PositionKind} from "./libraries/PolicyTypes.sol";

/// @title AgentModule
/// @notice Safe module through which registered agent keys execute small rebalances without owner
/// signatures. Safe 1.4.1 guards do not see module transactions, so this module applies the same
/// TreasuryPolicy itself, plus the agent's limits: the autonomy limit per batch and a rolling 24 h
/// USD turnover budget. Anything larger must go to the owners as a Safe transaction.
/// @dev Also hosts the guardian's emergency exit, which unwinds every position back into the Safe
/// and works while paused and with every price feed dead.
contract AgentModule {
    TreasuryPolicy public immutable policy;
    TreasuryValuation public immutable valuation;
    ISafe public immutable safe;

    uint256 private constant HOUR = 1 hours;
    uint256 private constant WINDOW_HOURS = 24;
    uint256 private constant BUCKETS_PER_SLOT = 8; // 8 x uint32 whole-USD hourly buckets per word

    /// @dev Hourly turnover buckets (whole USD, rounded up), ring-indexed by hour % 24.
    uint256[3] private buckets;
    /// @dev The hour each ring position was last written, packed 8 x uint32 per word.
    uint256[3] private bucketHours;

    /// @notice One agent batch went through.
    event AgentExecuted(
        address indexed agent,
        bytes32 indexed decisionHash,
        uint256 navBefore,
        uint256 navAfter,
        uint256 sizeUsd,
        uint256 usedLast24hUsd,
        uint256 calls,
        bool outcomeChecked
    );
    event EmergencyExitStarted(address indexed guardian);
    event PositionExited(address indexed token, bool success, uint256 balanceBefore, uint256 balanceAfter);

    error NoCalls();
    error CallFailed(uint256 index, bytes reason);
    error AutonomyLimitExceeded(uint256 sizeUsd, uint256 limitUsd);
    error DailyBudgetExceeded(uint256 usedUsd, uint256 sizeUsd, uint256 budgetUsd);

    constructor(TreasuryPolicy policy_, TreasuryValuation valuation_) {
        if (valuation_.policy() != policy_) revert TreasuryPolicy.InvalidConfig("valuation of another policy");
        policy = policy_;
        valuation = valuation_;
        safe = ISafe(policy_.safe());
    }

    /// @notice Executes a batch of calls from the Safe on behalf of a registered agent.
    /// @param calls The calls (CALL only), each checked by the policy's allowlist and argument rules.
    /// @param decisionHash Hash of the agent's full decision record, emitted for the indexer.
    function execute(Call[] calldata calls, bytes32 decisionHash) external returns (uint256 sizeUsd) {
        policy.requireActiveAgent(msg.sender);
        if (calls.length == 0) revert NoCalls();
        Effect worst = _checkCalls(calls);
        Snapshot memory before = valuation.snapshot();
        if (!before.healthy && !policy.allowedWhenPricesBroken(worst, Actor.Agent)) {
            revert TreasuryPolicy.DeriskOnly(worst);
        }
        _runCalls(calls);
        Snapshot memory afterTx;
        uint256 used;
        if (before.healthy) (afterTx, sizeUsd, used) = _settle(before, worst > Effect.Exit);
        else afterTx = valuation.snapshot();
        emit AgentExecuted(
            msg.sender, decisionHash, before.nav, afterTx.nav, sizeUsd, used, calls.length, before.healthy
        );
    }

    function _checkCalls(Call[] calldata calls) internal view returns (Effect worst) {
        for (uint256 i; i < calls.length; ++i) {
            (Effect e,) = policy.checkTransaction(calls[i].to, calls[i].value, calls[i].data, 0, Actor.Agent);
            if (e > worst) worst = e;
        }
    }

    function _runCalls(Call[] calldata calls) internal {
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = safe.execTransactionFromModuleReturnData(
                calls[i].to, calls[i].value, calls[i].data, Enum.Operation.Call
            );
            if (!ok) revert CallFailed(i, ret);
        }
    }

    /// @dev Outcome check (NAV, caps), then the agent's size limits on the measured turnover.
    function _settle(Snapshot memory before, bool capsApply)
        internal
        returns (Snapshot memory afterTx, uint256 sizeUsd, uint256 used)
    {
        (afterTx, sizeUsd) = valuation.snapshotAndCheck(before, 0, capsApply);
        (, uint128 autonomyLimit, uint128 dailyBudget) = policy.limits();
        if (sizeUsd > autonomyLimit) revert AutonomyLimitExceeded(sizeUsd, autonomyLimit);
        used = _spend(sizeUsd, dailyBudget);
    }

    /// @notice Turnover (USD, 18 decimals) the agent used in the last 24 hours (hour granularity).
    function usedLast24h() public view returns (uint256 usd) {
        uint256 nowHour = block.timestamp / HOUR;
        // Each storage word read once; a word with no amounts needs no hours.
        for (uint256 w; w < WINDOW_HOURS / BUCKETS_PER_SLOT; ++w) {
            uint256 amounts = buckets[w];
            if (amounts == 0) continue;
            uint256 hours_ = bucketHours[w];
            for (uint256 k; k < BUCKETS_PER_SLOT; ++k) {
                uint256 shift = k * 32;
                if (((hours_ >> shift) & type(uint32).max) + WINDOW_HOURS > nowHour) {
                    usd += (amounts >> shift) & type(uint32).max;
                }
            }
        }
        usd *= 1e18;
    }

    /// @notice Budget left for the agent now (USD, 18 decimals).
    function remainingBudget() external view returns (uint256) {
        (,, uint128 dailyBudget) = policy.limits();
        uint256 used = usedLast24h();
        return used >= dailyBudget ? 0 : dailyBudget - used;
    }

    function _spend(uint256 sizeUsd, uint256 budgetUsd) internal returns (uint256 usedAfter) {
        uint256 used = usedLast24h();
        if (used + sizeUsd > budgetUsd) revert DailyBudgetExceeded(used, sizeUsd, budgetUsd);
        uint256 nowHour = block.timestamp / HOUR;
        uint256 idx = nowHour % WINDOW_HOURS;
        (uint256 hourOf, uint256 amount) = _bucket(idx);
        if (hourOf != nowHour) amount = 0;
        uint256 whole = (sizeUsd + 1e18 - 1) / 1e18; // round up: never understate
        amount += whole;
        if (amount > type(uint32).max) revert DailyBudgetExceeded(used, sizeUsd, budgetUsd);
        _setBucket(idx, nowHour, amount);
        usedAfter = used + sizeUsd;
    }

    function _bucket(uint256 idx) private view returns (uint256 hourOf, uint256 amount) {
        uint256 shift = (idx % BUCKETS_PER_SLOT) * 32;
        amount = (buckets[idx / BUCKETS_PER_SLOT] >> shift) & type(uint32).max;
        hourOf = (bucketHours[idx / BUCKETS_PER_SLOT] >> shift) & type(uint32).max;
    }

    function _setBucket(uint256 idx, uint256 hourOf, uint256 amount) private {
        uint256 shift = (idx % BUCKETS_PER_SLOT) * 32;
        uint256 mask = ~(uint256(type(uint32).max) << shift);
        uint256 w = idx / BUCKETS_PER_SLOT;
        buckets[w] = (buckets[w] & mask) | (amount << shift);
        bucketHours[w] = (bucketHours[w] & mask) | (hourOf << shift);
    }

    // ------------------------------------------------------------------ emergency
    /// @notice Unwinds every registered position back into the Safe's own balance in one transaction
    /// and pauses the agent. Any guardian; works while paused and without prices.
    /// @dev Each unwind is attempted independently: one failing protocol does not stop the others.
    /// Pendle PT before maturity has no exit without a price (it would be a blind sale); it stays in
    /// the Safe and is reported with success = false.
    function emergencyExit() external {
        if (!policy.isGuardian(msg.sender)) revert TreasuryPolicy.NotGuardian(msg.sender);
        emit EmergencyExitStarted(msg.sender);
        if (!policy.paused()) policy.pause();
        address[] memory tokens = policy.positions();
        for (uint256 i; i < tokens.length; ++i) {
            uint256 bal = IERC20(tokens[i]).balanceOf(address(safe));
            if (bal == 0) continue;
            bool ok = _exit(tokens[i], policy.position(tokens[i]), bal);
            emit PositionExited(tokens[i], ok, bal, IERC20(tokens[i]).balanceOf(address(safe)));
        }
    }

    function _exit(address token, PositionConfig memory c, uint256 bal) internal returns (bool) {
        if (c.kind == PositionKind.AaveAToken) {
            return _run(c.venue, abi.encodeCall(IAaveV3Pool.withdraw, (c.underlying, type(uint256).max, address(safe))));
        }
        if (c.kind == PositionKind.ERC4626) {
            uint256 shares = IERC4626Minimal(token).maxRedeem(address(safe));
            if (shares == 0) return false;
            return _run(token, abi.encodeCall(IERC4626Minimal.redeem, (shares, address(safe), address(safe))));
        }
        if (c.kind == PositionKind.PendlePT) {
            if (IPMarket(c.market).expiry() > block.timestamp) return false;
            (,, IPYieldToken yt) = IPMarket(c.market).readTokens();
            TokenOutput memory out = TokenOutput({
                tokenOut: c.underlying,
                minTokenOut: 0,
                tokenRedeemSy: c.underlying,
                pendleSwap: address(0),
                swapData: SwapData({swapType: SwapType.NONE, extRouter: address(0), extCalldata: "", needScale: false})
            });
            if (!_run(token, abi.encodeCall(IERC20.approve, (c.venue, bal)))) return false;
            return _run(c.venue, abi.encodeCall(IPActionMiscV3.redeemPyToToken, (address(safe), address(yt), bal, out)));
        }
        return false;
    }

    function _run(address to, bytes memory data) internal returns (bool) {
        return safe.execTransactionFromModule(to, 0, data, Enum.Operation.Call);
    }
}
