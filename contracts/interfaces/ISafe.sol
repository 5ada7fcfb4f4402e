// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";

/// @notice The part of the Safe v1.4.1 interface the guardrails use.
interface ISafe {
    function isOwner(address owner) external view returns (bool);
    function getOwners() external view returns (address[] memory);
    function getThreshold() external view returns (uint256);
    function domainSeparator() external view returns (bytes32);
    function signedMessages(bytes32 messageHash) external view returns (uint256);
    function execTransactionFromModuleReturnData(address to, uint256 value, bytes memory data, Enum.Operation operation)
        external
        returns (bool success, bytes memory returnData);
    function execTransactionFromModule(address to, uint256 value, bytes memory data, Enum.Operation operation)
        external
        returns (bool success);
}
