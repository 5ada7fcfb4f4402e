// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Effect} from "../libraries/PolicyTypes.sol";

/// @title IPolicyErrors
/// @notice Errors of the TreasuryPolicy: roles, timelock, configuration and call rules. Declared in an
/// interface the policy inherits, so they are part of its ABI even when another contract (a call rule
/// in contracts/rules, the guard, the module, the valuation) is the one that reverts with them.
interface IPolicyErrors {
    // ------------------------------------------------------------------ roles
    /// @notice Only the Safe (a threshold of owners) may do this.
    /// @param caller The refused caller.
    error NotSafe(address caller);
    /// @notice Only a guardian (an extra guardian or a Safe owner) may do this.
    /// @param caller The refused caller.
    error NotGuardian(address caller);
    /// @notice Only the bound guard or module (or, for binding, the deployer) may do this.
    /// @param caller The refused caller.
    error NotEntryPoint(address caller);
    /// @notice The guard and module are bound once; they already are.
    error AlreadyBound();
    /// @notice The caller is not a registered agent key.
    /// @param agent The refused caller.
    error AgentNotRegistered(address agent);
    /// @notice A guardian paused the agent; only the Safe unpauses.
    error AgentPaused();

    // ------------------------------------------------------------------ timelock
    /// @notice No change with this id is scheduled (never, cancelled, or already executed).
    /// @param id keccak256(abi.encode(target, data)) of the change.
    error NotScheduled(bytes32 id);
    /// @notice The change is scheduled but its delay has not passed.
    /// @param id The change id.
    /// @param readyAt When it becomes executable (unix seconds).
    error NotReady(bytes32 id, uint256 readyAt);
    /// @notice The change was not executed within GRACE_PERIOD after it became ready.
    /// @param id The change id.
    error ScheduleExpired(bytes32 id);
    /// @notice This key already vetoed this change once; only the Safe may cancel it again.
    /// @param id The change id.
    /// @param canceller The key whose veto is spent.
    error VetoSpent(bytes32 id, address canceller);

    // ------------------------------------------------------------------ configuration
    /// @notice An address that must be set is zero.
    error ZeroAddress();
    /// @notice A feed's maximum staleness must be positive.
    /// @param token The asset being registered.
    error ZeroStaleness(address token);
    /// @notice Prices are scaled up to 18 decimals: a feed with more would revert every valuation.
    /// @param feed The refused feed.
    /// @param decimals Its decimals.
    error FeedDecimalsUnsupported(address feed, uint8 decimals);
    /// @notice Token amounts are valued as amount * price / 10**decimals: at most 36 decimals.
    /// @param token The refused token.
    /// @param decimals Its decimals.
    error TokenDecimalsUnsupported(address token, uint8 decimals);
    /// @notice The token is registered as a position, so it cannot also be an asset.
    /// @param token The token.
    error TokenIsPosition(address token);
    /// @notice The token is registered as an asset, so it cannot also be a position.
    /// @param token The token.
    error TokenIsAsset(address token);
    /// @notice An asset cannot be removed while a position uses it as its underlying.
    /// @param token The asset.
    /// @param position A position over it.
    error AssetHasPositions(address token, address position);
    /// @notice A position needs a kind other than None.
    /// @param token The position token.
    error PositionKindNone(address token);
    /// @notice A position needs a protocol id (e.g. "aave-v3").
    /// @param token The position token.
    error ProtocolIdMissing(address token);
    /// @notice A position needs the venue the emergency exit unwinds it through.
    /// @param token The position token.
    error VenueMissing(address token);
    /// @notice An ERC-4626 position's vault asset must be its registered underlying.
    /// @param vault The vault.
    /// @param underlying The underlying given.
    error VaultAssetMismatch(address vault, address underlying);
    /// @notice A Pendle PT position needs its market and a TWAP duration.
    /// @param token The PT.
    error PendleMarketMissing(address token);
    /// @notice Pendle PT positions need the policy's Pendle oracle.
    error PendleOracleMissing();
    /// @notice The Pendle market's PT is not the token being registered.
    /// @param market The market.
    /// @param token The token given.
    error MarketPtMismatch(address market, address token);
    /// @notice A call rule must be a contract (an IRule).
    /// @param rule The address given.
    error RuleNotContract(address rule);
    /// @notice A cap or loss limit above 100% (10,000 bps).
    /// @param bps The value given.
    error BpsAboveMax(uint256 bps);
    /// @notice The autonomy limit (per batch) cannot exceed the daily budget.
    /// @param autonomyLimitUsd The limit given (USD, 18 decimals).
    /// @param dailyBudgetUsd The budget given (USD, 18 decimals).
    error AutonomyLimitAboveBudget(uint256 autonomyLimitUsd, uint256 dailyBudgetUsd);
    /// @notice The timelock delay must be within MIN_DELAY ... MAX_DELAY.
    /// @param delay The delay given (seconds).
    error DelayOutOfRange(uint256 delay);
    /// @notice The valuation registry would exceed the contract size limit.
    error RegistryTooLarge();
    /// @notice A guard or module was deployed with a valuation of another policy.
    /// @param valuation The valuation given.
    error ValuationOfAnotherPolicy(address valuation);

    // ------------------------------------------------------------------ call rules
    /// @notice No rule allows this (target, selector).
    /// @param target The called contract.
    /// @param selector The function selector.
    error TargetNotAllowed(address target, bytes4 selector);
    /// @notice The guardrails and the Safe itself may not be called this way.
    /// @param target The protected address.
    error ProtectedTarget(address target);
    /// @notice A receiver, `onBehalfOf`, `to` or recipient that is not the Safe.
    /// @param receiver The address given.
    error ReceiverNotSafe(address receiver);
    /// @notice The token is not a registered asset (or position, for approvals).
    /// @param token The token.
    error TokenNotRegistered(address token);
    /// @notice The Safe owes this liability position: removing it would hide the debt from NAV and
    /// from the health factor floor. Repay it first.
    /// @param token The debt token.
    /// @param owed What the Safe owes, in the underlying (its decimals).
    error LiabilityHeld(address token, uint256 owed);
    /// @notice The vault, market or PT is not a registered position.
    /// @param token The address given.
    error PositionNotRegistered(address token);
    /// @notice Approvals only go to allowlisted spenders.
    /// @param spender The spender given.
    error SpenderNotAllowed(address spender);
    /// @notice Payments only go to registered payees.
    /// @param to The recipient given.
    error PayeeNotAllowed(address to);
    /// @notice Only the owners pay; the agent never transfers out.
    error PaymentsOwnerOnly();
    /// @notice ETH may only be sent as a plain payment to a payee.
    /// @param to The called address.
    /// @param value The ETH value.
    error ValueNotAllowed(address to, uint256 value);
    /// @notice Delegatecall only to MultiSendCallOnly (and, timelocked, SignMessageLib).
    /// @param to The delegatecall target.
    error DelegateCallNotAllowed(address to);
    /// @notice A batch may not contain another batch.
    error NestedBatch();
    /// @notice Calldata that does not decode as the rule expects (including a swap path that
    /// returns to its first token: a round trip inside one call would hide the gross value traded).
    error MalformedCalldata();
    /// @notice Aave debt is variable rate only (interestRateMode 2).
    /// @param mode The interest rate mode given.
    error InterestRateModeNotAllowed(uint256 mode);
    /// @notice Pendle aggregator swaps and limit-order fills call arbitrary contracts: refused.
    error ExternalSwapNotAllowed();
    /// @notice A held asset has no usable price: only de-risking effects pass.
    /// @param effect The effect that was refused.
    error DeriskOnly(Effect effect);
    /// @notice The health factor floor is below 1.0: it would allow positions Aave may liquidate.
    /// @param minHealthFactor The floor given (1e18 = 1.0).
    error HealthFactorFloorTooLow(uint256 minHealthFactor);
    /// @notice A CoW order the Safe pre-signs must be its own (uid owner = the Safe).
    /// @param owner The owner in the order uid.
    error OrderOwnerNotSafe(address owner);
    /// @notice The order appended to setPreSignature is not the one the uid names.
    error OrderUidMismatch();
    /// @notice Only sell orders (exact input) may be pre-signed.
    /// @param kind The order kind (keccak256 of "sell" / "buy").
    error OrderKindNotAllowed(bytes32 kind);
    /// @notice Only fill-or-kill orders: a partial fill would leave an open allowance and order behind.
    error OrderPartialFillNotAllowed();
    /// @notice Only plain ERC-20 balances (no Balancer vault balances) on both sides.
    /// @param balance The balance kind (keccak256 of "erc20" / "external" / "internal").
    error OrderBalanceNotAllowed(bytes32 balance);
    /// @notice The order is valid for longer than the rule allows.
    /// @param validTo The order's validTo.
    /// @param maxValidTo The latest validTo allowed now.
    error OrderValidToTooFar(uint256 validTo, uint256 maxValidTo);
    /// @notice Orders carry no fee in the order itself (modern CoW takes fees from surplus).
    /// @param feeAmount The order's feeAmount.
    error OrderFeeNotAllowed(uint256 feeAmount);
    /// @notice The order's limit price is worse than the oracle price less the loss limit.
    /// @param buyValueUsd The USD value of buyAmount at oracle prices (18 decimals).
    /// @param minBuyValueUsd The USD value of sellAmount less maxLossBps (18 decimals).
    error OrderLimitBelowOracle(uint256 buyValueUsd, uint256 minBuyValueUsd);
    /// @notice A token of the order has no fresh, positive price: its limit cannot be checked.
    /// @param token The token.
    error OrderPriceUnavailable(address token);
}

/// @title IValuationErrors
/// @notice Errors of the TreasuryValuation's outcome checks.
interface IValuationErrors {
    /// @notice The transaction lost more than maxLossBps of NAV (payments excluded).
    /// @param navBefore NAV before (USD, 18 decimals).
    /// @param navAfter NAV after.
    /// @param outflowUsd Payments to payees in the transaction.
    /// @param minNavAfter The least NAV after allowed.
    error NavLoss(uint256 navBefore, uint256 navAfter, uint256 outflowUsd, uint256 minNavAfter);
    /// @notice The volatile share is over its cap and did not decrease.
    /// @param bpsBefore Share before.
    /// @param bpsAfter Share after.
    /// @param capBps The cap.
    error VolatileCapExceeded(uint256 bpsBefore, uint256 bpsAfter, uint256 capBps);
    /// @notice A protocol's share is over its cap and did not decrease.
    /// @param protocol The protocol id.
    /// @param bpsBefore Share before.
    /// @param bpsAfter Share after.
    /// @param capBps The cap.
    error ProtocolCapExceeded(bytes32 protocol, uint256 bpsBefore, uint256 bpsAfter, uint256 capBps);
    /// @notice A position's (or volatile asset's) share is over its cap and did not decrease.
    /// @param token The holding.
    /// @param bpsBefore Share before.
    /// @param bpsAfter Share after.
    /// @param capBps The cap.
    error PositionCapExceeded(address token, uint256 bpsBefore, uint256 bpsAfter, uint256 capBps);
    /// @notice A held asset has no usable price (address(0): a price broke during the transaction).
    /// @param asset The asset.
    error PriceUnavailable(address asset);
    /// @notice A position's protocol id is not in the published registry.
    /// @param protocol The protocol id.
    error UnknownProtocol(bytes32 protocol);
    /// @notice While the Safe has debt, its lending health factor ended below the floor and did not improve.
    /// @param healthFactorBefore Before the transaction (1e18 = 1.0; type(uint256).max = no debt).
    /// @param healthFactorAfter After it.
    /// @param minHealthFactor The floor (Limits.minHealthFactor).
    error HealthFactorBelowFloor(uint256 healthFactorBefore, uint256 healthFactorAfter, uint256 minHealthFactor);
    /// @notice A transaction may change the balance of a token the valuation does not value (not a
    /// registered asset or position): its outcome could not be measured, so it is refused.
    /// @param token The token.
    error TokenNotValued(address token);
    /// @notice begin() / step() / finish() called out of order by the same caller in one transaction
    /// (begin twice, or step/finish without begin).
    error CheckOutOfOrder();
}

/// @title IAdapterErrors
/// @notice Errors of the position adapters (contracts/adapters), raised when a position is registered
/// with a configuration that does not match its token. The policy inherits them for its ABI.
interface IAdapterErrors {
    /// @notice The position has no adapter.
    /// @param token The position token.
    error AdapterMissing(address token);
    /// @notice The position's kind is not the one this adapter handles.
    /// @param token The position token.
    /// @param kind The kind given (PositionKind).
    error AdapterKindMismatch(address token, uint8 kind);
    /// @notice The lending pool (venue) lists another token for this underlying and kind.
    /// @param token The position token given.
    /// @param expected The token the pool lists.
    error LendingTokenMismatch(address token, address expected);
    /// @notice The token is a lending pool debt token: it can only be registered as a liability
    /// position, never as a spot asset (it would count a debt as a holding).
    /// @param token The token.
    error TokenIsDebt(address token);
    /// @notice The lending token belongs to another pool or underlying than the position names.
    /// @param token The position token given.
    /// @param pool The pool the token itself names (POOL()), 0 if it names none.
    error LendingPoolMismatch(address token, address pool);
}

/// @title IGuardErrors
/// @notice Errors of the TreasuryGuard (owner transactions).
interface IGuardErrors {
    /// @notice Gas refunds pay the executor out of the Safe: gasPrice, gasToken, refundReceiver must be zero.
    error GasRefundNotAllowed();
    /// @notice A Safe self-call that is not one of the eight configuration functions, or is one made by
    /// delegatecall or with value.
    /// @param selector The selector.
    error SafeSelfCallNotAllowed(bytes4 selector);
    /// @notice A guarded transaction started inside another one.
    error NestedExecution();
}

/// @title IModuleErrors
/// @notice Errors of the AgentModule (agent batches).
interface IModuleErrors {
    /// @notice An empty batch.
    error NoCalls();
    /// @notice This decision already went through the module once: a restored journal backup or a
    /// second agent process on the same Safe must not execute it again.
    /// @param decisionHash The decision's hash.
    error DecisionAlreadyExecuted(bytes32 decisionHash);
    /// @notice A call of the batch reverted.
    /// @param index Its position in the batch.
    /// @param reason Its revert data.
    error CallFailed(uint256 index, bytes reason);
    /// @notice The gross value the batch moved is over the autonomy limit.
    /// @param sizeUsd Gross USD moved (18 decimals).
    /// @param limitUsd The autonomy limit.
    error AutonomyLimitExceeded(uint256 sizeUsd, uint256 limitUsd);
    /// @notice The batch would take the agent's turnover in the rolling 24 h window over the budget.
    /// @param usedUsd Turnover already in the window.
    /// @param sizeUsd This batch's gross size.
    /// @param budgetUsd The daily budget.
    error DailyBudgetExceeded(uint256 usedUsd, uint256 sizeUsd, uint256 budgetUsd);
    /// @notice The batch's NAV loss would take the agent's losses of the rolling window over the budget.
    /// @param lostUsd Losses recorded in the window (USD, 18 decimals, whole dollars rounded up).
    /// @param lossUsd This batch's NAV loss.
    /// @param budgetUsd LOSS_BUDGET_MULTIPLE x maxLossBps of the NAV before the batch.
    error DailyLossBudgetExceeded(uint256 lostUsd, uint256 lossUsd, uint256 budgetUsd);
    /// @notice The agent already has MAX_OPEN_ORDERS orders signed and not expired: a pause or an exit
    /// must be able to withdraw every one of them in one transaction, so their number is bounded.
    /// @param open Open orders.
    error TooManyOpenOrders(uint256 open);
    /// @notice Only a guardian (or the policy, when pausing) may withdraw the agent's open orders.
    /// @param caller The caller.
    error NotGuardianOrPolicy(address caller);
}

/// @title IFallbackHandlerErrors
/// @notice Errors of the TreasuryFallbackHandler.
interface IFallbackHandlerErrors {
    /// @notice The message was not approved on-chain, or signatures were passed (refused).
    /// @param messageHash The Safe message hash (EIP-712 SafeMessage of the data).
    error MessageNotApproved(bytes32 messageHash);
    /// @notice The CompatibilityFallbackHandler address is zero.
    error ZeroHandler();
}
