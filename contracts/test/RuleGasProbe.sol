// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "../rules/IRule.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";

/// @notice Test-only: the gas of one call rule or one policy check, measured inside the EVM (one eth_call
/// is one fresh transaction: every address and slot starts cold, as in a real guarded transaction).
contract RuleGasProbe {
    /// @notice Gas of `rule.check(...)` with the policy already warm (the guard or module just called it).
    function ruleGas(IRule rule, address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (uint256 used)
    {
        policy.safe(); // warm the policy's address, as in the real call path
        uint256 g = gasleft();
        rule.check(safe, target, data, policy);
        used = g - gasleft();
    }

    /// @notice Gas of `policy.checkTransaction(...)` as the guard or module calls it (policy cold).
    function checkGas(address policy, bytes calldata checkCall) external view returns (uint256 used) {
        uint256 g = gasleft();
        (bool ok, bytes memory ret) = policy.staticcall(checkCall);
        used = g - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
