// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISafe} from "./interfaces/ISafe.sol";
import {IPositionAdapter} from "./adapters/IPositionAdapter.sol";
import {IOrderRule} from "./rules/IRule.sol";
import {IGPv2Settlement} from "./interfaces/IProtocols.sol";
import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {TreasuryValuation} from "./TreasuryValuation.sol";
import {Actor, CapsMode, Effect, Call, Outflow, PositionConfig, capsModeOf} from "./libraries/PolicyTypes.sol";
import {IOrderKeeper} from "./interfaces/IOrderKeeper.sol";
import {IModuleErrors, IPolicyErrors, IValuationErrors} from "./interfaces/Errors.sol";

/// @title AgentModule
/// @notice Safe module through which registered agent keys execute small rebalances without owner
/// signatures. Safe 1.4.1 guards do not see module transactions, so this module applies the same
/// TreasuryPolicy itself, plus the agent's limits: the autonomy limit per batch, a rolling 24 h USD
/// turnover budget and a rolling 24 h loss budget. Anything larger must go to the owners as a Safe
/// transaction.
/// @dev Size is the GROSS value moved: the value that left holdings is measured after every call that
/// can move value (not after approvals), so a round trip counts both legs; a CoW pre-signed order
/// counts its sell amount at oracle prices (the fill happens later, outside the module), and what its
/// limit may lose against the oracle counts toward the loss budget when it is signed. The module keeps
/// the agent's open orders (at most MAX_OPEN_ORDERS) so that a guardian's pause and the emergency exit
/// withdraw them at once: a pause leaves nothing of the agent's fillable. Batches that only exit
/// positions back into the Safe's own balance are never refused by size or budget (they are
/// reported in AgentExecuted.sizeUsd and consume no budget): exits have no AMM leg to sandwich (the
/// policy refuses Pendle aggregator swaps), the per-transaction loss check still applies, and any
/// re-entry is a metered batch. Also hosts the guardian's emergency
/// exit, which unwinds every position back into the Safe and works while paused and with every
/// price feed dead.
contract AgentModule is IModuleErrors, IValuationErrors, IOrderKeeper {
    TreasuryPolicy public immutable policy;
    TreasuryValuation public immutable valuation;
    ISafe public immutable safe;

    uint256 private constant BPS = 10_000;
    uint256 private constant HOUR = 1 hours;
    /// @dev 25 hourly buckets: an amount recorded in hour h counts until hour h + 25 starts, so it
    /// stays in the "24 h" window for at least 24 h (and at most 25 h), never less.
    uint256 private constant BUCKETS = 25;
    uint256 private constant U32 = type(uint32).max;
    uint256 private constant U48 = type(uint48).max;
    uint256 private constant U112 = type(uint112).max;
    uint256 private constant U128 = type(uint128).max;
    /// @notice The rolling 24 h loss budget is this many times the per-transaction loss limit
    /// (`maxLossBps` of NAV before the batch): a sandwiched agent cannot lose 1% batch after batch.
    uint256 public constant LOSS_BUDGET_MULTIPLE = 2;
    /// @notice Most orders the agent may have signed and not expired at once: a pause withdraws them
    /// all in one transaction, so their number (and its gas) is bounded.
    uint256 public constant MAX_OPEN_ORDERS = 8;

    /// @dev An order the agent pre-signed: its uid is (digest, the Safe, validTo).
    struct OpenOrder {
        bytes32 digest;
        address settlement;
        uint32 validTo;
    }

    /// @dev Ring of hourly buckets indexed by hour % 25, two per word; each 128-bit bucket is
    /// hour (32 bits) | turnover in whole USD (48) | loss in whole USD (48), amounts rounded up.
    uint256[13] private ring;
    /// @dev Running totals of the window as of the last recorded hour: hour (32) | turnover (112) |
    /// loss (112), whole USD. A batch reads this word and only the buckets that left the window
    /// since, instead of the whole ring.
    uint256 private head;
    /// @dev The agent's signed orders that may still be open (expired ones are dropped when an order is added).
    OpenOrder[] private openOrders;
    /// @notice Decisions executed through this module: each decision hash goes through at most once.
    /// @dev The journal's unique (chain, Safe, day) key is the first guard against double execution;
    /// this is the backstop that holds when the journal does not (an older backup restored, two
    /// agent processes with two journals on one Safe). A reverted batch does not mark its hash.
    mapping(bytes32 => bool) public executedDecision;

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
    /// @notice The agent signed an order a third party may fill until validTo (uid = digest ++ Safe ++ validTo).
    event OrderKept(bytes32 indexed digest, address settlement, uint32 validTo);
    /// @notice An open order of the agent's was withdrawn (pause, emergency exit or a guardian).
    event OrderWithdrawn(bytes32 indexed digest, address settlement, uint32 validTo, bool success);

    constructor(TreasuryPolicy policy_, TreasuryValuation valuation_) {
        if (valuation_.policy() != policy_) revert IPolicyErrors.ValuationOfAnotherPolicy(address(valuation_));
        policy = policy_;
        valuation = valuation_;
        safe = ISafe(policy_.safe());
    }

    /// @notice Executes a batch of calls from the Safe on behalf of a registered agent.
    /// @param calls The calls (CALL only), each checked by the policy's allowlist and argument rules.
    /// @param decisionHash Hash of the agent's full decision record, emitted for the indexer; each hash
    /// is executed at most once (DecisionAlreadyExecuted).
    /// @return sizeUsd Gross USD value that left holdings across the batch's calls.
    function execute(Call[] calldata calls, bytes32 decisionHash) external returns (uint256 sizeUsd) {
        policy.requireActiveAgent(msg.sender);
        if (calls.length == 0) revert NoCalls();
        if (executedDecision[decisionHash]) revert DecisionAlreadyExecuted(decisionHash);
        executedDecision[decisionHash] = true;
        (Effect worst, uint256 lastMoving, address[] memory tokens) = _checkCalls(calls);
        (bool healthy, uint256 navBefore,) = valuation.begin(new Outflow[](0));
        uint256 navAfter;
        uint256 used;
        if (!healthy) {
            if (!policy.allowedWhenPricesBroken(worst, Actor.Agent)) revert IPolicyErrors.DeriskOnly(worst);
            for (uint256 i; i < calls.length; ++i) _runCall(calls, i);
            (, navAfter,) = valuation.finish(0, CapsMode.Off, new address[](0)); // the health factor floor still holds
        } else {
            uint256 loss;
            (navAfter, sizeUsd, loss) = _runMetered(calls, lastMoving, capsModeOf(worst), tokens, navBefore);
            // Exits into the Safe's own balance are de-risking: never refused by size.
            if (worst > Effect.Exit) used = _meter(navBefore, sizeUsd, loss);
            else (used,) = _window();
        }
        _report(decisionHash, [navBefore, navAfter, sizeUsd, used, calls.length], healthy);
    }

    /// @param f navBefore, navAfter, sizeUsd, usedLast24hUsd, calls (an array: fewer stack slots).
    function _report(bytes32 decisionHash, uint256[5] memory f, bool healthy) internal {
        emit AgentExecuted(msg.sender, decisionHash, f[0], f[1], f[2], f[3], f[4], healthy);
    }

    /// @dev Runs the calls; after each value-moving call but the last one, asks the valuation what moved
    /// since its last measurement (it keeps the holdings, at begin()'s prices), then checks the outcome.
    /// @return navAfter NAV after the batch.
    /// @return gross Value moved across the batch (a round trip counts both legs).
    /// @return loss NAV lost by the batch, plus what its signed orders may lose against the oracle when
    /// filled (booked now: the fill may come after the window has moved on).
    function _runMetered(Call[] calldata calls, uint256 lastMoving, CapsMode caps, address[] memory tokens, uint256 navBefore)
        internal
        returns (uint256 navAfter, uint256 gross, uint256 loss)
    {
        for (uint256 i; i < calls.length; ++i) {
            _runCall(calls, i);
            // Approvals move nothing; the value-moving call after them is measured.
            if (i < lastMoving && _moves(calls[i])) gross += valuation.step();
            (uint256 sellUsd, uint256 lossUsd) = _order(calls[i]);
            gross += sellUsd;
            loss += lossUsd;
        }
        uint256 moved;
        (, navAfter, moved) = valuation.finish(0, caps, tokens);
        gross += moved;
        if (navBefore > navAfter) loss += navBefore - navAfter;
    }

    /// @return worst The riskiest effect among the calls.
    /// @return lastMoving Index of the last call that can move value (anything but an approval).
    /// @return tokens Every token the calls can move, as their rules say (repeats allowed).
    function _checkCalls(Call[] calldata calls)
        internal
        view
        returns (Effect worst, uint256 lastMoving, address[] memory tokens)
    {
        address[][] memory each = new address[][](calls.length);
        uint256 n;
        for (uint256 i; i < calls.length; ++i) {
            Effect e;
            (e,, each[i]) = policy.checkTransaction(calls[i].to, calls[i].value, calls[i].data, 0, Actor.Agent);
            if (e > worst) worst = e;
            if (e != Effect.Neutral) lastMoving = i;
            n += each[i].length;
        }
        tokens = new address[](n);
        n = 0;
        for (uint256 i; i < each.length; ++i) {
            for (uint256 j; j < each[i].length; ++j) tokens[n++] = each[i][j];
        }
    }

    /// @dev A CoW pre-signature moves nothing now but sells later, outside the module: metered like a
    /// swap of the order's sell amount, its worst-case loss booked now, as its rule values them (zeros
    /// for anything else); a signed order is kept so that a pause can withdraw it.
    function _order(Call calldata c) internal returns (uint256 sellUsd, uint256 lossUsd) {
        bytes4 presign = IGPv2Settlement.setPreSignature.selector;
        if (c.data.length < 4 || bytes4(c.data[:4]) != presign) return (0, 0);
        (sellUsd, lossUsd) = IOrderRule(address(policy.ruleOf(c.to, presign))).orderUsd(address(safe), c.to, c.data, policy);
        // The rule has checked the canonical layout: signed flag at [36:68], the 56-byte uid at [100:156].
        if (uint256(bytes32(c.data[36:68])) == 1) _keepOrder(c.to, bytes32(c.data[100:132]), uint32(bytes4(c.data[152:156])));
    }

    function _keepOrder(address settlement, bytes32 digest, uint32 validTo) internal {
        uint256 n = openOrders.length;
        for (uint256 i; i < n;) {
            // Past validTo the settlement refuses the order: nothing left to withdraw.
            if (openOrders[i].validTo < block.timestamp) {
                openOrders[i] = openOrders[--n];
                openOrders.pop();
            } else {
                ++i;
            }
        }
        if (n >= MAX_OPEN_ORDERS) revert TooManyOpenOrders(n);
        openOrders.push(OpenOrder(digest, settlement, validTo));
        emit OrderKept(digest, settlement, validTo);
    }

    /// @notice Orders the agent signed that may still be open (some may be filled or expired already).
    function openOrderCount() external view returns (uint256) {
        return openOrders.length;
    }

    /// @inheritdoc IOrderKeeper
    /// @dev Unsigning only removes power, so any guardian may do it at once; the policy calls it on every
    /// pause. A withdrawal that fails (e.g. the order was already filled: harmless) is reported, not fatal.
    function withdrawOrders() external {
        if (msg.sender != address(policy) && !policy.isGuardian(msg.sender)) revert NotGuardianOrPolicy(msg.sender);
        _withdrawOrders();
    }

    function _withdrawOrders() internal {
        for (uint256 n = openOrders.length; n > 0; --n) {
            OpenOrder memory o = openOrders[n - 1];
            openOrders.pop();
            if (o.validTo < block.timestamp) continue;
            bytes memory uid = abi.encodePacked(o.digest, address(safe), o.validTo);
            bool ok = _run(o.settlement, abi.encodeCall(IGPv2Settlement.setPreSignature, (uid, false)));
            emit OrderWithdrawn(o.digest, o.settlement, o.validTo, ok);
        }
    }

    /// @dev Everything the agent may call except ERC-20 approve moves value (the policy refuses the rest).
    function _moves(Call calldata c) internal pure returns (bool) {
        return c.data.length < 4 || bytes4(c.data[:4]) != IERC20.approve.selector;
    }

    function _runCall(Call[] calldata calls, uint256 i) internal {
        (bool ok, bytes memory ret) =
            safe.execTransactionFromModuleReturnData(calls[i].to, calls[i].value, calls[i].data, Enum.Operation.Call);
        if (!ok) revert CallFailed(i, ret);
    }

    /// @dev The agent's limits on a batch that takes risk: autonomy limit, turnover and loss budgets.
    /// @param loss The batch's loss (NAV, plus its orders' worst case; see _runMetered).
    function _meter(uint256 navBefore, uint256 sizeUsd, uint256 loss) internal returns (uint256) {
        (uint16 maxLossBps, uint128 autonomyLimit, uint128 dailyBudget,) = policy.limits();
        if (sizeUsd > autonomyLimit) revert AutonomyLimitExceeded(sizeUsd, autonomyLimit);
        uint256 nowHour = block.timestamp / HOUR;
        (uint256 usedWhole, uint256 lostWhole) = _windowWhole(nowHour);
        uint256 used = usedWhole * 1e18;
        if (used + sizeUsd > dailyBudget) revert DailyBudgetExceeded(used, sizeUsd, dailyBudget);
        uint256 lossBudget = navBefore * maxLossBps * LOSS_BUDGET_MULTIPLE / BPS;
        if (lostWhole * 1e18 + loss > lossBudget) revert DailyLossBudgetExceeded(lostWhole * 1e18, loss, lossBudget);
        // Whole dollars, rounded up: never understate.
        uint256 addT = (sizeUsd + 1e18 - 1) / 1e18;
        uint256 addL = (loss + 1e18 - 1) / 1e18;
        _record(nowHour, addT, addL, usedWhole + addT, lostWhole + addL);
        return used + sizeUsd;
    }

    /// @notice Turnover (gross USD value moved, 18 decimals) the agent used in the rolling window.
    function usedLast24h() public view returns (uint256 usd) {
        (usd,) = _window();
    }

    /// @notice NAV the agent's batches lost in the rolling window (USD, 18 decimals).
    function lossLast24h() external view returns (uint256 usd) {
        (, usd) = _window();
    }

    /// @notice Budget left for the agent now (USD, 18 decimals).
    function remainingBudget() external view returns (uint256) {
        (,, uint128 dailyBudget,) = policy.limits();
        uint256 used = usedLast24h();
        return used >= dailyBudget ? 0 : dailyBudget - used;
    }

    /// @dev Turnover and loss recorded in the window (hours nowHour - 24 ... nowHour), USD 18 decimals.
    function _window() internal view returns (uint256 turnover, uint256 loss) {
        (turnover, loss) = _windowWhole(block.timestamp / HOUR);
        (turnover, loss) = (turnover * 1e18, loss * 1e18);
    }

    /// @dev Whole-USD totals of the buckets of hours (nowHour - 25, nowHour]: the head's totals (hours
    /// (last - 25, last]) minus the buckets of hours last - 24 ... nowHour - 25, which left the window.
    /// Such a bucket is intact: its slot is only reused 25 hours later, after `last`.
    function _windowWhole(uint256 nowHour) internal view returns (uint256 t, uint256 l) {
        uint256 h = head;
        uint256 last = h & U32;
        if (h == 0 || last + BUCKETS <= nowHour) return (0, 0);
        t = (h >> 32) & U112;
        l = (h >> 144) & U112;
        for (uint256 hour = last + 1; hour <= nowHour; ++hour) {
            if (hour < BUCKETS) continue;
            uint256 gone = hour - BUCKETS;
            uint256 b = _bucket(gone % BUCKETS);
            if ((b & U32) == gone) (t, l) = (t - ((b >> 32) & U48), l - ((b >> 80) & U48));
        }
    }

    function _bucket(uint256 idx) private view returns (uint256) {
        return (ring[idx / 2] >> ((idx % 2) * 128)) & U128;
    }

    /// @dev Adds to this hour's bucket and moves the head to this hour with the window's new totals.
    function _record(uint256 nowHour, uint256 addT, uint256 addL, uint256 totalT, uint256 totalL) internal {
        uint256 idx = nowHour % BUCKETS;
        uint256 shift = (idx % 2) * 128;
        uint256 word = ring[idx / 2];
        uint256 b = (word >> shift) & U128;
        // A bucket of an older hour in this slot is 25 hours old: already out of the window.
        (uint256 t, uint256 l) = (b & U32) == nowHour ? ((b >> 32) & U48, (b >> 80) & U48) : (0, 0);
        (t, l) = (t + addT, l + addL);
        if (t > U48 || l > U48) revert DailyBudgetExceeded(totalT * 1e18, addT * 1e18, totalT * 1e18);
        ring[idx / 2] = (word & ~(U128 << shift)) | ((nowHour | (t << 32) | (l << 80)) << shift);
        head = nowHour | (totalT << 32) | (totalL << 144);
    }

    // ------------------------------------------------------------------ emergency
    /// @notice Withdraws the agent's open orders, unwinds every registered position back into the Safe's
    /// own balance in one transaction and pauses the agent. Any guardian; works while paused and without prices.
    /// @dev Each position's adapter says how (IPositionAdapter.unwind). Debts are repaid first (from the
    /// Safe's balance of the borrowed asset, then from its aTokens of it), so collateral can be withdrawn
    /// after. Each unwind is attempted independently: one failing protocol does not stop the others.
    /// A position with nothing to do now (e.g. Pendle PT before maturity: no exit without a price) stays
    /// in the Safe and is reported with success = false.
    function emergencyExit() external {
        if (!policy.isGuardian(msg.sender)) revert IPolicyErrors.NotGuardian(msg.sender);
        emit EmergencyExitStarted(msg.sender);
        _withdrawOrders();
        if (!policy.paused()) policy.pause();
        address[] memory tokens = policy.positions();
        PositionConfig[] memory configs = new PositionConfig[](tokens.length);
        bool[] memory owed = new bool[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            configs[i] = policy.position(tokens[i]);
            try IPositionAdapter(configs[i].adapter).value(tokens[i], address(safe), configs[i]) returns (
                uint256, bool liability, bool
            ) {
                owed[i] = liability;
            } catch {} // a broken adapter must not stop the exit of the other positions

        }
        // Pass 0: liabilities; pass 1: everything else.
        for (uint256 pass; pass < 2; ++pass) {
            for (uint256 i; i < tokens.length; ++i) {
                if (owed[i] != (pass == 0)) continue;
                uint256 bal = IERC20(tokens[i]).balanceOf(address(safe));
                if (bal == 0) continue;
                bool ok = _unwind(tokens[i], configs[i]);
                emit PositionExited(tokens[i], ok, bal, IERC20(tokens[i]).balanceOf(address(safe)));
            }
        }
    }

    /// @dev Runs the adapter's calls until one fails; false if there was nothing to run or a call failed.
    function _unwind(address token, PositionConfig memory c) internal returns (bool) {
        Call[] memory calls;
        try IPositionAdapter(c.adapter).unwind(token, address(safe), c) returns (Call[] memory cs) {
            calls = cs;
        } catch {
            return false;
        }
        if (calls.length == 0) return false;
        for (uint256 i; i < calls.length; ++i) {
            if (!_run(calls[i].to, calls[i].data)) return false;
        }
        return true;
    }

    function _run(address to, bytes memory data) internal returns (bool) {
        return safe.execTransactionFromModule(to, 0, data, Enum.Operation.Call);
    }
}
