// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";
import {BaseGuard} from "@safe-global/safe-contracts/contracts/base/GuardManager.sol";
import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {TreasuryValuation} from "./TreasuryValuation.sol";
import {Actor, CapsMode, Effect, Outflow, capsModeOf} from "./libraries/PolicyTypes.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {IGuardErrors, IPolicyErrors} from "./interfaces/Errors.sol";

/// @title TreasuryGuard
/// @notice Safe v1.4.1 transaction guard: every owner-signed `execTransaction` of the treasury Safe
/// is checked against the TreasuryPolicy before it runs, and its outcome (NAV, caps) after.
/// @dev Never bricks the Safe: owner/threshold/module/guard/fallback-handler changes are refused
/// unless scheduled on the policy's timelock, and once the delay has passed such a change is
/// allowed before any check that depends on prices or protocols, so `setGuard(0)` always works.
/// The same holds for on-chain message signing (SignMessageLib), the only ERC-1271 path the
/// TreasuryFallbackHandler accepts. Any other Safe that sets this guard is ignored, not bricked.
contract TreasuryGuard is BaseGuard, IGuardErrors {
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;
    using SlotDerivation for bytes32;

    TreasuryPolicy public immutable policy;
    TreasuryValuation public immutable valuation;
    address public immutable safe;
    /// @notice Safe 1.4.1 SignMessageLib: delegatecalled only for a scheduled, ready message.
    address public immutable signMessageLib;

    // Transient slots (EIP-1153, OpenZeppelin's TransientSlot) carry what checkAfterExecution needs; the
    // pre-transaction valuation itself stays in the valuation (begin/finish).
    bytes32 private constant ACTIVE_SLOT = keccak256("treasury.guard.active"); // mode, see below
    bytes32 private constant OUTFLOW_SLOT = keccak256("treasury.guard.outflow"); // USD value of the payments
    bytes32 private constant PAYMENTS_SLOT = keccak256("treasury.guard.payments"); // count, then 3 words each
    bytes32 private constant TOKENS_SLOT = keccak256("treasury.guard.tokens"); // count, then one word each
    bytes32 private constant CAPS_SLOT = keccak256("treasury.guard.caps"); // CapsMode of a CHECKED transaction

    uint256 private constant NONE = 0;
    uint256 private constant CHECKED = 1; // outcome (NAV, health factor, caps as CAPS_SLOT says) checked after
    uint256 private constant UNPRICED = 2; // Safe configuration change: no outcome check
    uint256 private constant UNPRICED_HEALTH = 4; // de-risk-only: no valuation, the health factor floor holds

    /// @notice Emitted after every owner transaction the guard let through.
    event OwnerTransactionChecked(
        bytes32 indexed safeTxHash,
        bool success,
        uint256 navBefore,
        uint256 navAfter,
        uint256 outflowUsd,
        bool outcomeChecked
    );
    /// @notice A payment to a payee: an external outflow, not a loss.
    event ExternalOutflow(address indexed token, address indexed to, uint256 amount);
    /// @notice A scheduled Safe configuration change went through.
    event SafeConfigChange(bytes4 indexed selector, bytes data);

    /// @notice A scheduled message was signed on-chain (SignMessageLib.signMessage(data)).
    event MessageSigned(bytes data);

    // Safe 1.4.1 configuration functions (OwnerManager, ModuleManager, GuardManager, FallbackManager).
    bytes4 private constant ADD_OWNER = 0x0d582f13; // addOwnerWithThreshold(address,uint256)
    bytes4 private constant REMOVE_OWNER = 0xf8dc5dd9; // removeOwner(address,address,uint256)
    bytes4 private constant SWAP_OWNER = 0xe318b52b; // swapOwner(address,address,address)
    bytes4 private constant CHANGE_THRESHOLD = 0x694e80c3; // changeThreshold(uint256)
    bytes4 private constant ENABLE_MODULE = 0x610b5925; // enableModule(address)
    bytes4 private constant DISABLE_MODULE = 0xe009cfde; // disableModule(address,address)
    bytes4 private constant SET_GUARD = 0xe19a9dd9; // setGuard(address)
    bytes4 private constant SET_FALLBACK_HANDLER = 0xf08a0323; // setFallbackHandler(address)
    bytes4 private constant SIGN_MESSAGE = 0x85a5affe; // SignMessageLib.signMessage(bytes)

    constructor(TreasuryPolicy policy_, TreasuryValuation valuation_, address signMessageLib_) {
        if (valuation_.policy() != policy_) revert IPolicyErrors.ValuationOfAnotherPolicy(address(valuation_));
        if (signMessageLib_ == address(0)) revert IPolicyErrors.ZeroAddress();
        policy = policy_;
        valuation = valuation_;
        safe = policy_.safe();
        signMessageLib = signMessageLib_;
    }

    /// @notice Called by the Safe before an owner transaction: rules, hardened fields, timelock, and
    /// the pre-transaction valuation kept in transient storage for checkAfterExecution.
    function checkTransaction(
        address to,
        uint256 value,
        bytes memory data,
        Enum.Operation operation,
        uint256, // safeTxGas
        uint256, // baseGas
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory, // signatures
        address // msgSender
    ) external override {
        // Another Safe that set this guard gets no protection, but is not bricked either.
        if (msg.sender != safe) return;
        if (_tload(ACTIVE_SLOT) != NONE) revert NestedExecution();
        // Gas refunds pay the executor out of the Safe: a known drain vector.
        if (gasPrice != 0 || gasToken != address(0) || refundReceiver != address(0)) revert GasRefundNotAllowed();

        if (to == safe) {
            // The escape hatch comes first and depends on nothing but the timelock.
            _checkSafeConfigChange(value, data, operation);
            _tstore(ACTIVE_SLOT, UNPRICED);
            return;
        }
        if (to == signMessageLib && operation == Enum.Operation.DelegateCall && value == 0 && bytes4(data) == SIGN_MESSAGE) {
            // An on-chain message approval: what it authorises cannot be read here, so it is
            // timelocked like a Safe configuration change (and any guardian may veto it once).
            policy.consumeSafeChange(data);
            emit MessageSigned(data);
            _tstore(ACTIVE_SLOT, UNPRICED);
            return;
        }

        (Effect effect, Outflow[] memory outflows, address[] memory tokens) =
            policy.checkTransaction(to, value, data, uint8(operation), Actor.Owner);
        (bool healthy,, uint256 outflowUsd) = valuation.begin(outflows);
        if (!healthy) {
            if (!policy.allowedWhenPricesBroken(effect, Actor.Owner)) revert IPolicyErrors.DeriskOnly(effect);
            // Withdrawing collateral needs no price of ours but can still lower the health factor.
            _tstore(ACTIVE_SLOT, UNPRICED_HEALTH);
            return;
        }
        _tstore(OUTFLOW_SLOT, outflowUsd);
        _savePayments(outflows);
        _saveTokens(tokens);
        _tstore(CAPS_SLOT, uint256(capsModeOf(effect)));
        _tstore(ACTIVE_SLOT, CHECKED);
    }

    /// @notice Called by the Safe after an owner transaction: NAV within the loss limit (payments
    /// excluded), caps respected or improved.
    function checkAfterExecution(bytes32 txHash, bool success) external override {
        if (msg.sender != safe) return;
        uint256 mode = _tload(ACTIVE_SLOT);
        _tstore(ACTIVE_SLOT, NONE);
        if (mode != CHECKED) {
            if (mode == UNPRICED_HEALTH) valuation.finish(0, CapsMode.Off, new address[](0));
            emit OwnerTransactionChecked(txHash, success, 0, 0, 0, false);
            return;
        }
        uint256 outflowUsd = _tload(OUTFLOW_SLOT);
        // Only what the rules say the transaction can move is valued again (none listed: everything).
        (uint256 navBefore, uint256 navAfter,) = valuation.finish(outflowUsd, CapsMode(_tload(CAPS_SLOT)), _loadTokens());
        // Payments are reported only once they happened (a Safe tx with safeTxGas > 0 can fail without reverting).
        uint256 n = _tload(PAYMENTS_SLOT);
        if (n != 0) {
            _tstore(PAYMENTS_SLOT, 0);
            if (success) _emitPayments(n);
        }
        emit OwnerTransactionChecked(txHash, success, navBefore, navAfter, outflowUsd, true);
    }

    function _checkSafeConfigChange(uint256 value, bytes memory data, Enum.Operation operation) internal {
        bytes4 selector = data.length >= 4 ? bytes4(data) : bytes4(0);
        if (value != 0 || operation != Enum.Operation.Call || !_isSafeConfigSelector(selector)) {
            revert SafeSelfCallNotAllowed(selector);
        }
        policy.consumeSafeChange(data);
        emit SafeConfigChange(selector, data);
    }

    function _isSafeConfigSelector(bytes4 s) internal pure returns (bool) {
        return s == ADD_OWNER || s == REMOVE_OWNER || s == SWAP_OWNER || s == CHANGE_THRESHOLD || s == ENABLE_MODULE
            || s == DISABLE_MODULE || s == SET_GUARD || s == SET_FALLBACK_HANDLER;
    }

    // ------------------------------------------------------------------ transient storage
    function _tstore(bytes32 slot, uint256 v) private {
        slot.asUint256().tstore(v);
    }

    function _tload(bytes32 slot) private view returns (uint256) {
        return slot.asUint256().tload();
    }

    /// @dev Payments: count at PAYMENTS_SLOT, then (token, to, amount) at the following offsets.
    function _savePayments(Outflow[] memory outflows) private {
        if (outflows.length == 0) return;
        _tstore(PAYMENTS_SLOT, outflows.length);
        for (uint256 i; i < outflows.length; ++i) {
            _tstore(PAYMENTS_SLOT.offset(1 + 3 * i), uint160(outflows[i].token));
            _tstore(PAYMENTS_SLOT.offset(2 + 3 * i), uint160(outflows[i].to));
            _tstore(PAYMENTS_SLOT.offset(3 + 3 * i), outflows[i].amount);
        }
    }

    /// @dev The tokens the transaction's rules say it can move: count at TOKENS_SLOT, then one per word.
    function _saveTokens(address[] memory tokens) private {
        _tstore(TOKENS_SLOT, tokens.length);
        for (uint256 i; i < tokens.length; ++i) _tstore(TOKENS_SLOT.offset(1 + i), uint160(tokens[i]));
    }

    function _loadTokens() private returns (address[] memory tokens) {
        tokens = new address[](_tload(TOKENS_SLOT));
        for (uint256 i; i < tokens.length; ++i) tokens[i] = address(uint160(_tload(TOKENS_SLOT.offset(1 + i))));
        _tstore(TOKENS_SLOT, 0);
    }

    function _emitPayments(uint256 n) private {
        for (uint256 i; i < n; ++i) {
            emit ExternalOutflow(
                address(uint160(_tload(PAYMENTS_SLOT.offset(1 + 3 * i)))),
                address(uint160(_tload(PAYMENTS_SLOT.offset(2 + 3 * i)))),
                _tload(PAYMENTS_SLOT.offset(3 + 3 * i))
            );
        }
    }
}
