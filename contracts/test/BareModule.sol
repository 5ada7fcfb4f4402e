// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";
import {ISafe} from "../interfaces/ISafe.sol";
import {Call} from "../libraries/PolicyTypes.sol";

/// @title BareModule
/// @notice Gas-benchmark baseline (scripts/bench/gas.ts): a minimal Safe module that forwards a batch
///         of calls with `execTransactionFromModule` and checks nothing about them. It measures what
///         a module batch costs without any policy, so AgentModule's overhead can be isolated.
/// @dev Test infrastructure only. `execute` has the same ABI as AgentModule.execute, so both
///      benchmarks send byte-identical calldata. The one caller check (an immutable, no storage
///      read) keeps the module from being an open door on any Safe it is enabled on.
contract BareModule {
    ISafe public immutable safe;
    address public immutable operator;

    error NotOperator(address caller);
    error CallFailed(uint256 index);

    constructor(ISafe safe_, address operator_) {
        safe = safe_;
        operator = operator_;
    }

    /// @param calls CALLs to run from the Safe, in order; the batch reverts if one fails.
    /// @dev The bytes32 argument is ignored: it only keeps the calldata identical to AgentModule's.
    function execute(Call[] calldata calls, bytes32) external {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        for (uint256 i; i < calls.length; ++i) {
            if (!safe.execTransactionFromModule(calls[i].to, calls[i].value, calls[i].data, Enum.Operation.Call)) {
                revert CallFailed(i);
            }
        }
    }
}
