// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only batch reader, so the invariant test reads a whole step's state in one eth_call.
/// Each 160-byte calldata entry is (target, selector, arg0, arg1, word): it staticcalls
/// target.selector(arg0, arg1) and returns word `word` of the answer, or max uint if the call failed.
contract StaticBatchReader {
    fallback(bytes calldata data) external returns (bytes memory out) {
        uint256 n = data.length / 160;
        out = new bytes(n * 32);
        for (uint256 i; i < n; ++i) {
            (address target, bytes32 sel, uint256 a0, uint256 a1, uint256 word) =
                abi.decode(data[i * 160:(i + 1) * 160], (address, bytes32, uint256, uint256, uint256));
            (bool ok, bytes memory r) = target.staticcall(abi.encodePacked(bytes4(sel), a0, a1));
            uint256 v = type(uint256).max;
            if (ok && r.length >= (word + 1) * 32) {
                assembly {
                    v := mload(add(r, add(32, mul(word, 32))))
                }
            }
            assembly {
                mstore(add(out, add(32, mul(i, 32))), v)
            }
        }
    }
}
