// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ISafe} from "./interfaces/ISafe.sol";
import {IPolicyErrors, IAdapterErrors} from "./interfaces/Errors.sol";
import {IPolicyView} from "./interfaces/IPolicyView.sol";
import {IRule} from "./rules/IRule.sol";
import {MultiSendUnwrapper} from "./libraries/MultiSendUnwrapper.sol";
import {SSTORE2} from "solady/src/utils/SSTORE2.sol";
import {IPositionAdapter} from "./adapters/IPositionAdapter.sol";
import {IOrderKeeper} from "./interfaces/IOrderKeeper.sol";
import {ICreditDelegationToken} from "@aave/core-v3/contracts/interfaces/ICreditDelegationToken.sol";
import {IPPYLpOracle} from "@pendle/core-v2/contracts/interfaces/IPPYLpOracle.sol";
import {
    AssetClass,
    PositionKind,
    Effect,
    Actor,
    AssetConfig,
    PositionConfig,
    Caps,
    Limits,
    Outflow,
    AssetView,
    PositionView,
    ValuationConfig
} from "./libraries/PolicyTypes.sol";

/// @title TreasuryPolicy
/// @notice The treasury's configuration and the entry point of its call rules. The transaction guard
/// (owner transactions) and the agent module (agent transactions) both ask this contract whether a
/// call is allowed; the TreasuryValuation judges outcomes from the registry this contract publishes.
/// @dev Configured only by the Safe itself. Loosening (new asset, position, call rule, spender, payee,
/// agent, guardian; higher caps or limits; shorter delay) must be scheduled first and takes effect
/// after the timelock; tightening takes effect at once. Every change emits an event.
/// Calldata is judged by call rules (contracts/rules, one IRule per protocol) registered per
/// (target, selector); address(0) as target means "any target" (ERC20Rule's approve and transfer).
/// Adding a protocol is deploying a rule and registering it: this contract does not change. Positions
/// are valued and unwound by their adapters (contracts/adapters), which validate them at registration.
contract TreasuryPolicy is IPolicyErrors, IAdapterErrors, IPolicyView {
    using EnumerableSet for EnumerableSet.AddressSet;

    uint256 public constant BPS = 10_000;
    /// @notice A scheduled change can be executed during this window after it becomes ready.
    uint256 public constant GRACE_PERIOD = 14 days;
    uint256 public constant MIN_DELAY = 1 hours;
    uint256 public constant MAX_DELAY = 30 days;
    /// @dev EIP-170: the registry data contract's code (a STOP byte + the data) must fit.
    uint256 internal constant MAX_CODE_SIZE = 24_576;

    /// @notice The target of a rule registered for a selector on any contract (ERC-20 calls).
    address public constant ANY_TARGET = address(0);

    // ------------------------------------------------------------------ immutable wiring
    /// @notice The Safe whose funds this policy protects.
    address public immutable safe;
    /// @notice The only delegatecall target allowed (Safe's MultiSendCallOnly 1.4.1).
    address public immutable multiSendCallOnly;
    /// @notice Pendle's PT/YT/LP TWAP oracle (PendlePYLpOracle), used to value PT positions.
    IPPYLpOracle public immutable pendleOracle;
    address private immutable deployer;
    /// @notice The guard and module bound to this policy (set once, by the deployer, before use).
    address public guard;
    address public module;
    /// @dev guard | the low 96 bits of module << 160: the call check reads one slot, not two, to tell
    /// whether a call targets either (the full module address is read only when those bits match).
    uint256 private entryPoints;

    // ------------------------------------------------------------------ configuration
    mapping(address => AssetConfig) internal assetConfig;
    mapping(address => PositionConfig) internal positionConfig;
    address[] internal assetList;
    address[] internal positionList;
    bytes32[] internal protocolList;

    mapping(address target => mapping(bytes4 selector => IRule)) internal rules;
    bytes32[] internal ruleKeyList; // abi.encodePacked(target, selector) left-aligned, for the lens
    /// @dev Position tokens by (venue, underlying), for the rules' `tokens` (aToken and debt token of an asset).
    mapping(address venue => mapping(address underlying => address[])) internal venueTokens;

    EnumerableSet.AddressSet internal spenders;
    EnumerableSet.AddressSet internal payees;
    EnumerableSet.AddressSet internal agents;
    EnumerableSet.AddressSet internal guardians;

    Caps public caps;
    Limits public limits;
    uint256 public delay;
    bool public paused;
    /// @notice Bumped by every configuration change, so a check can tell if a transaction changed it.
    uint256 public configVersion;
    /// @notice Data contract holding abi.encode(ValuationConfig): what the valuation reads on every
    /// check. Republished whenever assets, positions, caps or limits change, so one EXTCODECOPY
    /// replaces ~50 cold storage reads.
    address public registry;

    /// @notice Scheduled changes: id => timestamp when executable (0 = not scheduled).
    mapping(bytes32 => uint256) public readyAt;
    /// @notice Whether `canceller` has used its one veto on change `id` (see cancel()).
    mapping(bytes32 id => mapping(address canceller => bool)) public vetoed;

    // ------------------------------------------------------------------ events
    event EntryPointsBound(address guard, address module);
    event AssetSet(address indexed token, address feed, uint32 maxStaleness, AssetClass class, uint8 decimals);
    event AssetRemoved(address indexed token);
    /// @dev The position's adapter is not in the event (its signature is what the indexer decodes):
    /// read it with position(token) or the lens.
    event PositionSet(
        address indexed token,
        PositionKind kind,
        address underlying,
        bytes32 protocol,
        address venue,
        address market,
        uint32 twapDuration
    );
    event PositionRemoved(address indexed token);
    /// @notice A call rule was registered for (target, selector) (`rule` = 0: removed). Replaces v1's
    /// RuleSet(target, selector, RuleKind): rules are contracts now.
    event CallRuleSet(address indexed target, bytes4 indexed selector, address rule);
    event SpenderSet(address indexed spender, bool allowed);
    event PayeeSet(address indexed payee, bool allowed);
    event AgentSet(address indexed agent, bool allowed);
    event GuardianSet(address indexed guardian, bool allowed);
    event CapsSet(uint16 maxVolatileBps, uint16 maxProtocolBps, uint16 maxPositionBps);
    event LimitsSet(uint16 maxLossBps, uint128 autonomyLimitUsd, uint128 dailyBudgetUsd);
    /// @notice The health factor floor (Limits.minHealthFactor, 1e18 = 1.0), emitted with LimitsSet.
    event HealthFactorFloorSet(uint64 minHealthFactor);
    event DelaySet(uint256 delay);
    event ChangeScheduled(bytes32 indexed id, address indexed target, bytes data, uint256 readyAt);
    event ChangeCancelled(bytes32 indexed id, address by);
    event ChangeExecuted(bytes32 indexed id);
    event Paused(address indexed by);
    event Unpaused();
    event DecisionRecorded(bytes32 indexed decisionHash, address indexed by);

    // Errors: IPolicyErrors (contracts/interfaces/Errors.sol).

    // ------------------------------------------------------------------ construction
    struct AssetInit {
        address token;
        address feed;
        uint32 maxStaleness;
        AssetClass assetClass;
    }

    struct PositionInit {
        address token;
        PositionConfig config;
    }

    struct RuleInit {
        address target; // ANY_TARGET: any contract
        bytes4 selector;
        IRule rule;
    }

    /// @notice Initial configuration. Everything after this goes through the Safe (and the timelock
    /// when it loosens the rules), so the deployer holds no power once the contracts are deployed.
    struct InitConfig {
        AssetInit[] assets;
        PositionInit[] positions;
        RuleInit[] rules;
        address[] spenders;
        address[] payees;
        address[] agents;
        address[] guardians;
        Caps caps;
        Limits limits;
        uint256 delay;
    }

    constructor(address safe_, address multiSendCallOnly_, IPPYLpOracle pendleOracle_, InitConfig memory init) {
        if (safe_ == address(0) || multiSendCallOnly_ == address(0)) revert ZeroAddress();
        safe = safe_;
        multiSendCallOnly = multiSendCallOnly_;
        pendleOracle = pendleOracle_;
        deployer = msg.sender;
        for (uint256 i; i < init.assets.length; ++i) {
            AssetInit memory a = init.assets[i];
            _setAsset(a.token, a.feed, a.maxStaleness, a.assetClass);
        }
        for (uint256 i; i < init.positions.length; ++i) {
            _setPosition(init.positions[i].token, init.positions[i].config);
        }
        for (uint256 i; i < init.rules.length; ++i) {
            _setRule(init.rules[i].target, init.rules[i].selector, init.rules[i].rule);
        }
        for (uint256 i; i < init.spenders.length; ++i) _setInSet(spenders, init.spenders[i], true);
        for (uint256 i; i < init.payees.length; ++i) {
            if (init.payees[i] == safe_) revert ProtectedTarget(safe_);
            _setInSet(payees, init.payees[i], true);
        }
        for (uint256 i; i < init.agents.length; ++i) _setInSet(agents, init.agents[i], true);
        for (uint256 i; i < init.guardians.length; ++i) _setInSet(guardians, init.guardians[i], true);
        _setCaps(init.caps);
        _setLimits(init.limits);
        _setDelay(init.delay);
        _publishRegistry();
    }

    /// @notice Binds the guard and the module that may consume scheduled changes and pause.
    /// @dev Callable once, by the deployer, right after deployment (the owners verify the addresses
    /// before they attach the guard and enable the module).
    function bindEntryPoints(address guard_, address module_) external {
        if (msg.sender != deployer) revert NotEntryPoint(msg.sender);
        if (guard != address(0) || module != address(0)) revert AlreadyBound();
        if (guard_ == address(0) || module_ == address(0)) revert ZeroAddress();
        guard = guard_;
        module = module_;
        entryPoints = uint160(guard_) | (uint256(uint96(uint160(module_))) << 160);
        emit EntryPointsBound(guard_, module_);
    }

    // ------------------------------------------------------------------ modifiers
    // Modifier bodies are inlined into every function that uses them: keep them to one internal call.
    modifier onlySafe() {
        _onlySafe();
        _;
    }

    /// @dev Loosening changes must have been scheduled with exactly this calldata.
    modifier timelockedIf(bool loosening) {
        _timelocked(loosening);
        _;
        ++configVersion;
    }

    function _onlySafe() internal view {
        if (msg.sender != safe) revert NotSafe(msg.sender);
    }

    function _timelocked(bool loosening) internal {
        if (loosening) _consume(keccak256(abi.encode(address(this), msg.data)));
    }

    /// @dev For changes to what the valuation reads (assets, positions, caps, limits): publish a new
    /// registry after the change (and after timelockedIf's version bump, so list this modifier first).
    modifier republishes() {
        _;
        _publishRegistry();
    }

    // ------------------------------------------------------------------ timelock
    /// @notice Schedules a change (a call of `data` on `target`), executable after `delay`.
    /// @dev `target` is this policy for loosening policy changes, or the Safe for owner, threshold,
    /// module, guard and fallback-handler changes (the guard consumes those).
    /// @return id keccak256(abi.encode(target, data))
    function schedule(address target, bytes calldata data) external onlySafe returns (bytes32 id) {
        id = keccak256(abi.encode(target, data));
        uint256 at = block.timestamp + delay;
        readyAt[id] = at;
        emit ChangeScheduled(id, target, data, at);
    }

    /// @notice Cancels a scheduled change. The Safe (the quorum) may always cancel. Any guardian or
    /// single owner may veto a change once: the veto gives the honest keys a whole delay to react
    /// to a compromised quorum, but a key cannot hold it against the quorum forever (a compromised
    /// owner could otherwise cancel its own removal, or `setGuard(0)`, again and again). Rescheduled
    /// with the same calldata, the change runs after at most one more delay per distinct vetoing key.
    /// @dev A bounded veto rather than a quorum override after a delay: it keeps one honest key's
    /// alarm bell, needs no second timer, and the bound holds per key, so vetoes by other ids or by
    /// the same key on other changes do not add up on this one.
    function cancel(bytes32 id) external {
        if (msg.sender != safe) {
            if (!isGuardian(msg.sender)) revert NotGuardian(msg.sender);
            if (vetoed[id][msg.sender]) revert VetoSpent(id, msg.sender);
            vetoed[id][msg.sender] = true;
        }
        if (readyAt[id] == 0) revert NotScheduled(id);
        delete readyAt[id];
        emit ChangeCancelled(id, msg.sender);
    }

    /// @notice Consumes a ready scheduled Safe configuration change. Only the bound guard calls this.
    function consumeSafeChange(bytes calldata data) external {
        if (msg.sender != guard) revert NotEntryPoint(msg.sender);
        _consume(keccak256(abi.encode(safe, data)));
    }

    function _consume(bytes32 id) internal {
        uint256 at = readyAt[id];
        if (at == 0) revert NotScheduled(id);
        if (block.timestamp < at) revert NotReady(id, at);
        if (block.timestamp > at + GRACE_PERIOD) revert ScheduleExpired(id);
        delete readyAt[id];
        emit ChangeExecuted(id);
    }

    // ------------------------------------------------------------------ configuration (by the Safe)
    /// @notice Registers or updates an asset. Timelocked (a new feed could misprice the treasury).
    function setAsset(address token, address feed, uint32 maxStaleness, AssetClass assetClass)
        external
        onlySafe
        republishes
        timelockedIf(true)
    {
        _setAsset(token, feed, maxStaleness, assetClass);
    }

    /// @notice Removes an asset (immediate). Its balance stops counting towards NAV, so sell it first.
    function removeAsset(address token) external onlySafe republishes timelockedIf(false) {
        if (!assetConfig[token].registered) revert TokenNotRegistered(token);
        for (uint256 i; i < positionList.length; ++i) {
            if (positionConfig[positionList[i]].underlying == token) revert AssetHasPositions(token, positionList[i]);
        }
        delete assetConfig[token];
        _removeFromList(assetList, token);
        emit AssetRemoved(token);
    }

    /// @notice Registers or updates a position token. Timelocked.
    function setPosition(address token, PositionConfig calldata config)
        external
        onlySafe
        republishes
        timelockedIf(true)
    {
        _setPosition(token, config);
    }

    /// @notice Removes a position token (immediate: it tightens). A liability the Safe owes cannot be
    /// removed (LiabilityHeld): the debt would vanish from NAV and from the health factor floor. Repay first.
    function removePosition(address token) external onlySafe republishes timelockedIf(false) {
        PositionConfig storage c = positionConfig[token];
        if (c.kind == PositionKind.None) revert PositionNotRegistered(token);
        _requireNotOwed(token, c);
        _removeFromList(venueTokens[c.venue][c.underlying], token);
        delete positionConfig[token];
        _removeFromList(positionList, token);
        _rebuildProtocols();
        emit PositionRemoved(token);
    }

    /// @notice Allows calls of `selector` on `target` (ANY_TARGET: on any contract) under the call
    /// rule `rule`; address(0) removes it. Adding or changing is timelocked; removing is immediate.
    function setRule(address target, bytes4 selector, IRule rule)
        external
        onlySafe
        timelockedIf(address(rule) != address(0))
    {
        _setRule(target, selector, rule);
    }

    /// @notice Approve-able spenders (protocol contracts). Adding is timelocked.
    function setSpender(address spender, bool allowed) external onlySafe timelockedIf(allowed) {
        _setInSet(spenders, spender, allowed);
        emit SpenderSet(spender, allowed);
    }

    /// @notice Addresses the owners may pay. Adding is timelocked.
    function setPayee(address payee, bool allowed) external onlySafe timelockedIf(allowed) {
        // A "payment" to the Safe would count as an outflow without leaving: it would hide a loss.
        if (payee == safe) revert ProtectedTarget(payee);
        _setInSet(payees, payee, allowed);
        emit PayeeSet(payee, allowed);
    }

    /// @notice Agent keys allowed to call the module. Adding is timelocked.
    function setAgent(address agent, bool allowed) external onlySafe timelockedIf(allowed) {
        _setInSet(agents, agent, allowed);
        emit AgentSet(agent, allowed);
    }

    /// @notice Guardians (besides the Safe's owners) who may pause and trigger the emergency exit.
    function setGuardian(address guardian_, bool allowed) external onlySafe timelockedIf(allowed) {
        _setInSet(guardians, guardian_, allowed);
        emit GuardianSet(guardian_, allowed);
    }

    /// @notice Sets allocation caps. Raising any cap is timelocked.
    function setCaps(Caps calldata c)
        external
        onlySafe
        republishes
        timelockedIf(
            c.maxVolatileBps > caps.maxVolatileBps || c.maxProtocolBps > caps.maxProtocolBps
                || c.maxPositionBps > caps.maxPositionBps
        )
    {
        _setCaps(c);
    }

    /// @notice Sets loss and agent limits. Raising any limit is timelocked.
    function setLimits(Limits calldata l)
        external
        onlySafe
        republishes
        timelockedIf(
            l.maxLossBps > limits.maxLossBps || l.autonomyLimitUsd > limits.autonomyLimitUsd
                || l.dailyBudgetUsd > limits.dailyBudgetUsd || l.minHealthFactor < limits.minHealthFactor
        )
    {
        _setLimits(l);
    }

    /// @notice Sets the timelock delay. Shortening it is itself timelocked.
    function setDelay(uint256 newDelay) external onlySafe timelockedIf(newDelay < delay) {
        _setDelay(newDelay);
    }

    /// @notice Stops the agent at once, and withdraws the orders it left open (a third party could
    /// still fill them). Any guardian or Safe owner (or the module's emergency exit, which withdraws
    /// them itself).
    /// @dev The withdrawal cannot stop the pause: if the module fails, the agent is paused all the same
    /// and any guardian can call the module's withdrawOrders() directly.
    function pause() external {
        if (msg.sender != module && msg.sender != safe && !isGuardian(msg.sender)) revert NotGuardian(msg.sender);
        paused = true;
        ++configVersion;
        emit Paused(msg.sender);
        if (msg.sender != module && module != address(0)) {
            try IOrderKeeper(module).withdrawOrders() {} catch {}
        }
    }

    /// @notice Resumes the agent. Only the Safe (a threshold of owners).
    function unpause() external onlySafe {
        paused = false;
        ++configVersion;
        emit Unpaused();
    }

    /// @notice Decision receipt: put this call in any Safe batch to link it to an off-chain decision record.
    function recordDecision(bytes32 decisionHash) external onlySafe {
        emit DecisionRecorded(decisionHash, msg.sender);
    }

    // ------------------------------------------------------------------ internal config helpers
    function _setAsset(address token, address feed, uint32 maxStaleness, AssetClass assetClass) internal {
        if (token == address(0) || feed == address(0)) revert ZeroAddress();
        if (maxStaleness == 0) revert ZeroStaleness(token);
        if (positionConfig[token].kind != PositionKind.None) revert TokenIsPosition(token);
        uint8 dec = IERC20Metadata(token).decimals();
        uint8 feedDec = AggregatorV3Interface(feed).decimals();
        // Prices are scaled up to 18 decimals: a feed with more would revert every valuation.
        if (feedDec > 18) revert FeedDecimalsUnsupported(feed, feedDec);
        if (dec > 36) revert TokenDecimalsUnsupported(token, dec);
        // Only a liability position (AaveDebtAdapter) may value a debt token.
        _requireNotDebt(token);
        if (!assetConfig[token].registered) assetList.push(token);
        assetConfig[token] = AssetConfig(feed, maxStaleness, dec, feedDec, assetClass, true);
        emit AssetSet(token, feed, maxStaleness, assetClass, dec);
    }

    function _setPosition(address token, PositionConfig memory c) internal {
        if (token == address(0)) revert ZeroAddress();
        if (c.kind == PositionKind.None) revert PositionKindNone(token);
        if (!assetConfig[c.underlying].registered) revert TokenNotRegistered(c.underlying);
        if (assetConfig[token].registered) revert TokenIsAsset(token);
        if (c.protocol == bytes32(0)) revert ProtocolIdMissing(token);
        if (c.venue == address(0)) revert VenueMissing(token);
        if (c.adapter == address(0)) revert AdapterMissing(token);
        // The adapter checks what only it knows (kind, venue, market, underlying): no kind switch here.
        IPositionAdapter(c.adapter).validate(token, c);
        // Whatever the adapter and the venue say, a debt token may only be registered as a liability:
        // a venue that merely claims to list it as an aToken would make the debt count as an asset.
        (, bool liability,) = IPositionAdapter(c.adapter).value(token, safe, c);
        if (!liability) _requireNotDebt(token);
        PositionConfig storage prev = positionConfig[token];
        if (prev.kind == PositionKind.None) positionList.push(token);
        else _removeFromList(venueTokens[prev.venue][prev.underlying], token);
        venueTokens[c.venue][c.underlying].push(token);
        positionConfig[token] = c;
        _rebuildProtocols();
        emit PositionSet(token, c.kind, c.underlying, c.protocol, c.venue, c.market, c.twapDuration);
    }

    /// @dev Reverts if the Safe owes `token` (a liability its adapter reports with a balance). An adapter
    /// that cannot answer is no liability it knows: removing a broken position must stay possible.
    function _requireNotOwed(address token, PositionConfig memory c) internal view {
        try IPositionAdapter(c.adapter).value(token, safe, c) returns (uint256 owed, bool liability, bool) {
            if (liability && owed != 0) revert LiabilityHeld(token, owed);
        } catch {}
    }

    /// @dev A lending debt token valued as a holding would count a debt as wealth. Debt tokens answer
    /// borrowAllowance (credit delegation); nothing else we value does.
    function _requireNotDebt(address token) internal view {
        try ICreditDelegationToken(token).borrowAllowance(address(this), address(this)) {
            revert TokenIsDebt(token);
        } catch {}
    }

    function _setRule(address target, bytes4 selector, IRule rule) internal {
        // guard and module are unset (zero) while the constructor runs: only compare to them after.
        if (target == safe || target == address(this) || (target != ANY_TARGET && (target == guard || target == module)))
        {
            revert ProtectedTarget(target);
        }
        if (address(rule) != address(0) && address(rule).code.length == 0) revert RuleNotContract(address(rule));
        IRule prev = rules[target][selector];
        rules[target][selector] = rule;
        bytes32 key = bytes32(abi.encodePacked(target, selector));
        if (address(prev) == address(0) && address(rule) != address(0)) {
            ruleKeyList.push(key);
        } else if (address(prev) != address(0) && address(rule) == address(0)) {
            for (uint256 i; i < ruleKeyList.length; ++i) {
                if (ruleKeyList[i] == key) {
                    ruleKeyList[i] = ruleKeyList[ruleKeyList.length - 1];
                    ruleKeyList.pop();
                    break;
                }
            }
        }
        emit CallRuleSet(target, selector, address(rule));
    }

    function _setCaps(Caps memory c) internal {
        _requireBps(c.maxVolatileBps);
        _requireBps(c.maxProtocolBps);
        _requireBps(c.maxPositionBps);
        caps = c;
        emit CapsSet(c.maxVolatileBps, c.maxProtocolBps, c.maxPositionBps);
    }

    function _setLimits(Limits memory l) internal {
        _requireBps(l.maxLossBps);
        if (l.autonomyLimitUsd > l.dailyBudgetUsd) revert AutonomyLimitAboveBudget(l.autonomyLimitUsd, l.dailyBudgetUsd);
        if (l.minHealthFactor < 1e18) revert HealthFactorFloorTooLow(l.minHealthFactor);
        limits = l;
        emit LimitsSet(l.maxLossBps, l.autonomyLimitUsd, l.dailyBudgetUsd);
        emit HealthFactorFloorSet(l.minHealthFactor);
    }

    function _setDelay(uint256 d) internal {
        if (d < MIN_DELAY || d > MAX_DELAY) revert DelayOutOfRange(d);
        delay = d;
        emit DelaySet(d);
    }

    function _requireBps(uint256 bps) internal pure {
        if (bps > BPS) revert BpsAboveMax(bps);
    }

    function _setInSet(EnumerableSet.AddressSet storage set, address a, bool allowed) internal {
        if (a == address(0)) revert ZeroAddress();
        if (allowed) set.add(a);
        else set.remove(a);
    }

    function _removeFromList(address[] storage list, address a) internal {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == a) {
                list[i] = list[list.length - 1];
                list.pop();
                return;
            }
        }
    }

    function _rebuildProtocols() internal {
        delete protocolList;
        for (uint256 i; i < positionList.length; ++i) {
            bytes32 p = positionConfig[positionList[i]].protocol;
            if (_protocolIndex(p) == type(uint256).max) protocolList.push(p);
        }
    }

    function _protocolIndex(bytes32 p) internal view returns (uint256) {
        for (uint256 i; i < protocolList.length; ++i) {
            if (protocolList[i] == p) return i;
        }
        return type(uint256).max;
    }

    // ------------------------------------------------------------------ roles
    /// @notice Guardians: the Safe's owners and any extra guardian the Safe registered.
    function isGuardian(address a) public view returns (bool) {
        return guardians.contains(a) || ISafe(safe).isOwner(a);
    }

    /// @notice Reverts unless `agent` is a registered agent and the agent is not paused.
    function requireActiveAgent(address agent) external view {
        if (!agents.contains(agent)) revert AgentNotRegistered(agent);
        if (paused) revert AgentPaused();
    }

    // ------------------------------------------------------------------ call rules
    /// @notice Checks one Safe transaction (a CALL, or a DELEGATECALL to MultiSendCallOnly whose inner
    /// calls are each checked) for `actor`. Reverts with the rule that refused it.
    /// @return effect The riskiest effect among the calls.
    /// @return outflows Token payments to payees in the transaction.
    /// @return tokens Every token whose Safe balance the calls can change, as the rules report them
    /// (in call order, possibly repeated).
    function checkTransaction(address to, uint256 value, bytes calldata data, uint8 operation, Actor actor)
        external
        view
        returns (Effect effect, Outflow[] memory outflows, address[] memory tokens)
    {
        if (operation == 1) {
            if (to != multiSendCallOnly) revert DelegateCallNotAllowed(to);
            if (value != 0) revert ValueNotAllowed(to, value);
            return _checkBatch(MultiSendUnwrapper.transactions(data), actor);
        }
        if (operation != 0) revert MalformedCalldata();
        return _checkCall(to, value, data, actor);
    }

    function _checkBatch(bytes calldata txs, Actor actor)
        internal
        view
        returns (Effect effect, Outflow[] memory outflows, address[] memory tokens)
    {
        MultiSendUnwrapper.count(txs); // validates the entry lengths before any is read
        for (uint256 i; i < txs.length;) {
            Effect e;
            Outflow[] memory o;
            address[] memory t;
            (e, o, t, i) = _checkBatchEntry(txs, i, actor);
            if (e > effect) effect = e;
            if (o.length != 0) outflows = _concatOutflows(outflows, o);
            if (t.length != 0) tokens = _concatAddresses(tokens, t);
        }
    }

    function _checkBatchEntry(bytes calldata txs, uint256 i, Actor actor)
        internal
        view
        returns (Effect e, Outflow[] memory o, address[] memory t, uint256 next)
    {
        (uint8 operation, address to, uint256 value, bytes calldata data, uint256 n) = MultiSendUnwrapper.entry(txs, i);
        if (operation != 0) revert DelegateCallNotAllowed(to);
        if (to == multiSendCallOnly) revert NestedBatch();
        (e, o, t) = _checkCall(to, value, data, actor);
        next = n;
    }

    function _checkCall(address to, uint256 value, bytes calldata data, Actor actor)
        internal
        view
        returns (Effect effect, Outflow[] memory outflows, address[] memory tokens)
    {
        // Configuration and receipts: owners only. The agent may never touch the guardrails.
        if (to == address(this) || to == safe || _isEntryPoint(to)) {
            if (actor == Actor.Owner && to == address(this) && value == 0) return (Effect.Neutral, outflows, tokens);
            revert ProtectedTarget(to);
        }
        if (data.length == 0) {
            // Plain ETH: only a payment to a payee, by the owners.
            if (actor != Actor.Owner) revert PaymentsOwnerOnly();
            if (!payees.contains(to)) revert PayeeNotAllowed(to);
            return (Effect.Payment, outflows, tokens); // ETH is not part of NAV
        }
        if (data.length < 4) revert MalformedCalldata();
        if (value != 0) revert ValueNotAllowed(to, value);
        bytes4 selector = bytes4(data[:4]);
        IRule rule = rules[to][selector];
        if (address(rule) == address(0)) {
            rule = rules[ANY_TARGET][selector];
            if (address(rule) == address(0)) revert TargetNotAllowed(to, selector);
        }
        (effect, tokens, outflows) = rule.check(safe, to, data, this);
        if (effect == Effect.Payment || outflows.length != 0) {
            // Who may pay and to whom is the policy's, not a rule's: owners only, payees only, and
            // in priced assets, so the outflow can be valued and excluded from the loss.
            if (actor != Actor.Owner) revert PaymentsOwnerOnly();
            for (uint256 i; i < outflows.length; ++i) {
                if (!payees.contains(outflows[i].to)) revert PayeeNotAllowed(outflows[i].to);
                if (!assetConfig[outflows[i].token].registered) revert TokenNotRegistered(outflows[i].token);
            }
            if (effect < Effect.Payment) effect = Effect.Payment;
        }
    }

    /// @dev a ++ b for arrays of one-word elements (addresses, or pointers to Outflow structs).
    /// @dev Whether `to` is the bound guard or module (never true before binding).
    function _isEntryPoint(address to) internal view returns (bool) {
        uint256 p = entryPoints;
        if (p == 0) return false;
        if (to == address(uint160(p))) return true;
        return uint96(uint160(to)) == uint96(p >> 160) && to == module;
    }

    function _concat(uint256[] memory a, uint256[] memory b) internal pure returns (uint256[] memory c) {
        c = new uint256[](a.length + b.length);
        for (uint256 i; i < a.length; ++i) c[i] = a[i];
        for (uint256 i; i < b.length; ++i) c[a.length + i] = b[i];
    }

    function _concatOutflows(Outflow[] memory a, Outflow[] memory b) internal pure returns (Outflow[] memory c) {
        uint256[] memory w;
        assembly {
            w := a
        }
        uint256[] memory v;
        assembly {
            v := b
        }
        w = _concat(w, v);
        assembly {
            c := w
        }
    }

    function _concatAddresses(address[] memory a, address[] memory b) internal pure returns (address[] memory c) {
        uint256[] memory w;
        assembly {
            w := a
        }
        uint256[] memory v;
        assembly {
            v := b
        }
        w = _concat(w, v);
        assembly {
            c := w
        }
    }

    // ------------------------------------------------------------------ what the rules read (IPolicyView)
    /// @inheritdoc IPolicyView
    function positionOf(address token) external view returns (PositionKind kind, address underlying) {
        PositionConfig storage c = positionConfig[token];
        return (c.kind, c.underlying);
    }

    /// @inheritdoc IPolicyView
    function isRegisteredToken(address token) external view returns (bool) {
        return assetConfig[token].registered || positionConfig[token].kind != PositionKind.None;
    }

    /// @inheritdoc IPolicyView
    function isSpender(address spender) external view returns (bool) {
        return spenders.contains(spender);
    }

    /// @inheritdoc IPolicyView
    function isPayee(address payee) external view returns (bool) {
        return payees.contains(payee);
    }

    /// @inheritdoc IPolicyView
    function requireAssetPositions(address venue, address asset_) external view returns (address[] memory) {
        if (!assetConfig[asset_].registered) revert TokenNotRegistered(asset_);
        return venueTokens[venue][asset_];
    }

    /// @notice Whether `effect` may run while a held asset has no usable price (de-risk-only mode).
    /// @dev Owners may exit positions and sell volatile for stable; the agent may only exit positions:
    /// it never trades without a price to check the outcome against.
    function allowedWhenPricesBroken(Effect effect, Actor actor) public pure returns (bool) {
        if (actor == Actor.Agent) return effect <= Effect.Exit;
        return effect <= Effect.Derisk;
    }

    // ------------------------------------------------------------------ reading the configuration
    // The whole configuration in one call is TreasuryPolicyLens.getConfig(policy): it lives in its own
    // contract so this one stays small (EIP-170). These are the raw lists it reads.

    /// @notice Registered assets, in registry order.
    function assets() external view returns (address[] memory) {
        return assetList;
    }

    /// @notice Registered position tokens, in registry order.
    function positions() external view returns (address[] memory) {
        return positionList;
    }

    /// @notice Every call-rule registration, as abi.encodePacked(target, selector) (left-aligned).
    function ruleKeys() external view returns (bytes32[] memory) {
        return ruleKeyList;
    }

    /// @notice The call rule registered for (target, selector) (ANY_TARGET: for any contract), or 0.
    function ruleOf(address target, bytes4 selector) external view returns (IRule) {
        return rules[target][selector];
    }

    /// @notice Spenders, payees, agents and extra guardians (the Safe's owners are guardians too).
    function members()
        external
        view
        returns (address[] memory spenders_, address[] memory payees_, address[] memory agents_, address[] memory guardians_)
    {
        return (spenders.values(), payees.values(), agents.values(), guardians.values());
    }

    /// @dev Writes the valuation's view of the configuration into a fresh data contract (Solady
    /// SSTORE2: runtime code = 0x00 (STOP, so it cannot be called) ++ abi.encode(ValuationConfig)).
    function _publishRegistry() internal {
        ValuationConfig memory v;
        v.safe = safe;
        v.pendleOracle = address(pendleOracle);
        v.assets = _assetViews();
        v.positions = _positionViews();
        v.protocols = protocolList;
        v.caps = caps;
        v.limits = limits;
        v.version = configVersion;
        bytes memory data = abi.encode(v);
        if (data.length + 1 > MAX_CODE_SIZE) revert RegistryTooLarge();
        registry = SSTORE2.write(data);
    }

    function _assetViews() internal view returns (AssetView[] memory out) {
        out = new AssetView[](assetList.length);
        for (uint256 i; i < assetList.length; ++i) out[i] = AssetView(assetList[i], assetConfig[assetList[i]]);
    }

    function _positionViews() internal view returns (PositionView[] memory out) {
        out = new PositionView[](positionList.length);
        for (uint256 i; i < positionList.length; ++i) {
            out[i] = PositionView(positionList[i], positionConfig[positionList[i]]);
        }
    }

    /// @inheritdoc IPolicyView
    function asset(address token) external view returns (AssetConfig memory) {
        return assetConfig[token];
    }

    /// @inheritdoc IPolicyView
    function position(address token) external view returns (PositionConfig memory) {
        return positionConfig[token];
    }

}
