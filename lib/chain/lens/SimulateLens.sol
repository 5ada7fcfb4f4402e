// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Never deployed. Its runtime code is placed at the agent's own address through an eth_call
/// state override, so one eth_call runs AgentModule.execute exactly as the agent would send it
/// (msg.sender = the agent) and then reads the valuation after it: the outcome of the real bytecode
/// against current state, without sending anything.
contract SimulateLens {
    function run(address module, address valuation, bytes calldata executeCall)
        external
        returns (bool ok, bytes memory ret, uint256 gasUsed, bytes memory snapshotAfter)
    {
        uint256 g = gasleft();
        (ok, ret) = module.call(executeCall);
        gasUsed = g - gasleft();
        if (ok) (, snapshotAfter) = valuation.staticcall(abi.encodeWithSignature("snapshot()"));
    }
}
