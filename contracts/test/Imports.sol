// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
// Compile third-party sources that ship without bytecode, so tests and the local world can deploy them.
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
