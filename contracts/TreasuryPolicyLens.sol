// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TreasuryPolicy} from "./TreasuryPolicy.sol";
import {IRule} from "./rules/IRule.sol";
import {AssetView, PositionView, RuleView, Caps, Limits} from "./libraries/PolicyTypes.sol";

/// @title TreasuryPolicyLens
/// @notice Read-only: a TreasuryPolicy's whole configuration in one call, for the agent, the scripts
/// and people. Kept out of the policy so the policy stays well under EIP-170; stateless, so one lens
/// serves any number of policies.
contract TreasuryPolicyLens {
    /// @notice Everything a policy is configured with.
    struct ConfigView {
        address safe;
        address guard;
        address module;
        address multiSendCallOnly;
        AssetView[] assets;
        PositionView[] positions;
        RuleView[] rules;
        address[] spenders;
        address[] payees;
        address[] agents;
        address[] guardians;
        Caps caps;
        Limits limits;
        uint256 delay;
        bool paused;
        uint256 configVersion;
    }

    /// @notice The whole configuration of `policy`.
    /// @param policy The policy to read.
    function getConfig(TreasuryPolicy policy) external view returns (ConfigView memory v) {
        v.safe = policy.safe();
        v.guard = policy.guard();
        v.module = policy.module();
        v.multiSendCallOnly = policy.multiSendCallOnly();
        address[] memory a = policy.assets();
        v.assets = new AssetView[](a.length);
        for (uint256 i; i < a.length; ++i) v.assets[i] = AssetView(a[i], policy.asset(a[i]));
        address[] memory p = policy.positions();
        v.positions = new PositionView[](p.length);
        for (uint256 i; i < p.length; ++i) v.positions[i] = PositionView(p[i], policy.position(p[i]));
        v.rules = _rules(policy);
        (v.spenders, v.payees, v.agents, v.guardians) = policy.members();
        (v.caps.maxVolatileBps, v.caps.maxProtocolBps, v.caps.maxPositionBps) = policy.caps();
        (v.limits.maxLossBps, v.limits.autonomyLimitUsd, v.limits.dailyBudgetUsd, v.limits.minHealthFactor) = policy.limits();
        v.delay = policy.delay();
        v.paused = policy.paused();
        v.configVersion = policy.configVersion();
    }

    function _rules(TreasuryPolicy policy) internal view returns (RuleView[] memory out) {
        bytes32[] memory keys = policy.ruleKeys();
        out = new RuleView[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            address target = address(bytes20(keys[i]));
            bytes4 selector = bytes4(keys[i] << 160);
            IRule rule = policy.ruleOf(target, selector);
            out[i] = RuleView(target, selector, address(rule), rule.ruleId());
        }
    }
}
