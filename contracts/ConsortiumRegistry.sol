// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";

/// @title ConsortiumRegistry
/// @notice Member banks and auditors of kycnet, changed only by M-of-N proposals of active
/// members. See {IConsortiumRegistry} for the model (stable member id, rotating account).
contract ConsortiumRegistry is IConsortiumRegistry {
    uint256 private constant MAX_NAME_BYTES = 64;
    uint256 private constant MAX_PEER_ID_BYTES = 128;

    // Named like a function, not a constant: its getter `proposalLifetime()` is part of the ABI.
    /// @inheritdoc IConsortiumRegistry
    uint64 public constant proposalLifetime = 7 days; // solhint-disable-line const-name-snakecase

    /// @inheritdoc IConsortiumRegistry
    uint16 public threshold;
    uint32 private _activeMembers;
    uint32 private _memberCount;

    mapping(uint32 memberId => Member) private _members;
    mapping(address account => AccountRecord) private _accounts;
    mapping(bytes32 peerIdHash => uint32 memberId) private _memberIdByPeerId;
    mapping(address account => bool) private _auditors;
    Proposal[] private _proposals;
    mapping(uint256 proposalId => mapping(uint32 memberId => bool)) private _approved;

    /// @notice Admits the founding members and auditors and sets the first threshold, with the
    /// same checks and events as the proposals that change them later.
    /// @param genesisMembers the founding banks, active at deployment.
    /// @param genesisAuditors the founding auditors.
    /// @param initialThreshold approvals a proposal needs, 1..genesisMembers.length.
    constructor(MemberInput[] memory genesisMembers, address[] memory genesisAuditors, uint16 initialThreshold) {
        for (uint256 i = 0; i < genesisMembers.length; ++i) {
            _admit(genesisMembers[i]);
        }
        for (uint256 i = 0; i < genesisAuditors.length; ++i) {
            _addAuditor(genesisAuditors[i]);
        }
        _setThreshold(initialThreshold, _activeMembers);
    }

    modifier onlyActiveMember() {
        if (!isActiveMember(msg.sender)) revert NotActiveMember(msg.sender);
        _;
    }

    // ----------------------------------------------------------------------------------------
    // Proposals
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsortiumRegistry
    function proposeAdmitMember(MemberInput calldata member) external onlyActiveMember returns (uint256) {
        _checkAdmissible(member);
        return _propose(ProposalKind.ADMIT_MEMBER, abi.encode(member));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeRemoveMember(address account) external onlyActiveMember returns (uint256) {
        _checkRemovable(account);
        return _propose(ProposalKind.REMOVE_MEMBER, abi.encode(account));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeRotateAccount(address oldAccount, address newAccount) external onlyActiveMember returns (uint256) {
        _checkOwnAccount(oldAccount);
        _checkRotatable(oldAccount, newAccount);
        return _propose(ProposalKind.ROTATE_ACCOUNT, abi.encode(oldAccount, newAccount));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeUpdateEndpoint(
        address account,
        bytes calldata peerId,
        bytes calldata transportKey
    ) external onlyActiveMember returns (uint256) {
        _checkOwnAccount(account);
        _checkEndpointUpdate(account, peerId, transportKey);
        return _propose(ProposalKind.UPDATE_ENDPOINT, abi.encode(account, peerId, transportKey));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeAddAuditor(address account) external onlyActiveMember returns (uint256) {
        _checkAuditorAddable(account);
        return _propose(ProposalKind.ADD_AUDITOR, abi.encode(account));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeRemoveAuditor(address account) external onlyActiveMember returns (uint256) {
        if (!_auditors[account]) revert NotAuditor(account);
        return _propose(ProposalKind.REMOVE_AUDITOR, abi.encode(account));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeThreshold(uint16 newThreshold) external onlyActiveMember returns (uint256) {
        _checkThreshold(newThreshold, _activeMembers);
        return _propose(ProposalKind.CHANGE_THRESHOLD, abi.encode(newThreshold));
    }

    /// @inheritdoc IConsortiumRegistry
    function approve(uint256 proposalId) external onlyActiveMember {
        if (proposalId >= _proposals.length) revert UnknownProposal(proposalId);
        _approve(proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function execute(uint256 proposalId) external onlyActiveMember {
        if (proposalId >= _proposals.length) revert UnknownProposal(proposalId);
        Proposal storage p = _proposals[proposalId];
        if (p.executed) revert ProposalAlreadyExecuted(proposalId);
        if (block.timestamp >= p.expiresAt) revert ProposalExpired(proposalId, p.expiresAt);
        uint256 approvals = _countActiveApprovals(p.approvers);
        if (approvals < threshold) revert ProposalNotApproved(proposalId, approvals, threshold);
        _executeProposal(proposalId, p);
    }

    function _propose(ProposalKind kind, bytes memory payload) private returns (uint256 proposalId) {
        proposalId = _proposals.length;
        Proposal storage p = _proposals.push();
        p.kind = kind;
        p.proposer = msg.sender;
        p.createdAt = uint64(block.timestamp);
        p.expiresAt = uint64(block.timestamp) + proposalLifetime;
        p.payload = payload;
        emit ProposalCreated(proposalId, kind, msg.sender, payload, p.expiresAt);
        _approve(proposalId);
    }

    function _approve(uint256 proposalId) private {
        Proposal storage p = _proposals[proposalId];
        if (p.executed) revert ProposalAlreadyExecuted(proposalId);
        if (block.timestamp >= p.expiresAt) revert ProposalExpired(proposalId, p.expiresAt);
        uint32 memberId = _accounts[msg.sender].memberId;
        if (_approved[proposalId][memberId]) revert AlreadyApproved(proposalId, memberId);
        _approved[proposalId][memberId] = true;
        p.approvers.push(memberId);

        uint256 approvals = _countActiveApprovals(p.approvers);
        emit ProposalApproved(proposalId, memberId, msg.sender, approvals);
        if (approvals >= threshold) _executeProposal(proposalId, p);
    }

    function _executeProposal(uint256 proposalId, Proposal storage p) private {
        p.executed = true;
        _execute(p.kind, p.payload);
        emit ProposalExecuted(proposalId, p.kind);
    }

    /// @dev Approvals of members removed since they approved no longer count. The consortium is
    /// small (tens of banks), so recounting on each approval is cheap and always correct.
    function _countActiveApprovals(uint32[] storage approvers) private view returns (uint256 count) {
        for (uint256 i = 0; i < approvers.length; ++i) {
            if (_members[approvers[i]].status == MemberStatus.ACTIVE) ++count;
        }
    }

    function _execute(ProposalKind kind, bytes memory payload) private {
        if (kind == ProposalKind.ADMIT_MEMBER) {
            _admit(abi.decode(payload, (MemberInput)));
        } else if (kind == ProposalKind.REMOVE_MEMBER) {
            address account = abi.decode(payload, (address));
            _checkRemovable(account);
            _remove(account);
        } else if (kind == ProposalKind.ROTATE_ACCOUNT) {
            (address oldAccount, address newAccount) = abi.decode(payload, (address, address));
            _checkRotatable(oldAccount, newAccount);
            _rotate(oldAccount, newAccount);
        } else if (kind == ProposalKind.UPDATE_ENDPOINT) {
            (address account, bytes memory peerId, bytes memory transportKey) = abi.decode(
                payload,
                (address, bytes, bytes)
            );
            _checkEndpointUpdate(account, peerId, transportKey);
            _updateEndpoint(account, peerId, transportKey);
        } else if (kind == ProposalKind.ADD_AUDITOR) {
            _addAuditor(abi.decode(payload, (address)));
        } else if (kind == ProposalKind.REMOVE_AUDITOR) {
            address account = abi.decode(payload, (address));
            if (!_auditors[account]) revert NotAuditor(account);
            _auditors[account] = false;
            emit AuditorRemoved(account);
        } else {
            _setThreshold(abi.decode(payload, (uint16)), _activeMembers);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Checks (run when proposing and again when executing: the state may have moved meanwhile)
    // ----------------------------------------------------------------------------------------

    function _checkAdmissible(MemberInput memory member) private view {
        if (member.account == address(0)) revert ZeroAccount();
        if (_accounts[member.account].memberId != 0) revert AccountAlreadyBound(member.account);
        uint256 nameLength = bytes(member.name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES) revert InvalidName(member.name);
        _checkEndpoint(member.peerId, member.transportKey, 0);
    }

    function _checkRemovable(address account) private view {
        if (!isActiveMember(account)) revert NotActiveMember(account);
        // The threshold must stay reachable by the members left.
        if (threshold > _activeMembers - 1) revert InvalidThreshold(threshold, _activeMembers - 1);
    }

    /// @dev The proposer must be `account` itself: the proposal then carries the member's own
    /// signature (the transaction's), and the proposer's approval counts like any other.
    function _checkOwnAccount(address account) private view {
        if (msg.sender != account) revert NotOwnAccount(msg.sender, account);
    }

    function _checkRotatable(address oldAccount, address newAccount) private view {
        if (!isActiveMember(oldAccount)) revert NotActiveMember(oldAccount);
        if (newAccount == address(0)) revert ZeroAccount();
        if (_accounts[newAccount].memberId != 0) revert AccountAlreadyBound(newAccount);
    }

    function _checkEndpointUpdate(address account, bytes memory peerId, bytes memory transportKey) private view {
        if (!isActiveMember(account)) revert NotActiveMember(account);
        _checkEndpoint(peerId, transportKey, _accounts[account].memberId);
    }

    /// @dev `self` is the member allowed to already own `peerId` (0 for a newcomer).
    function _checkEndpoint(bytes memory peerId, bytes memory transportKey, uint32 self) private view {
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_BYTES) revert InvalidPeerId(peerId);
        uint32 owner = _memberIdByPeerId[keccak256(peerId)];
        if (owner != 0 && owner != self) revert PeerIdTaken(peerId, owner);
        if (!_isSec1P256Key(transportKey)) revert InvalidTransportKey(transportKey);
    }

    /// @dev Shape check only (length and SEC1 prefix); the curve point is checked off chain by
    /// every peer that uses the key.
    function _isSec1P256Key(bytes memory key) private pure returns (bool) {
        if (key.length == 33) return key[0] == 0x02 || key[0] == 0x03;
        if (key.length == 65) return key[0] == 0x04;
        return false;
    }

    function _checkAuditorAddable(address account) private view {
        if (account == address(0)) revert ZeroAccount();
        if (_auditors[account]) revert AlreadyAuditor(account);
    }

    function _checkThreshold(uint256 newThreshold, uint256 activeMembers) private pure {
        if (newThreshold == 0 || newThreshold > activeMembers) revert InvalidThreshold(newThreshold, activeMembers);
    }

    // ----------------------------------------------------------------------------------------
    // Effects
    // ----------------------------------------------------------------------------------------

    function _admit(MemberInput memory input) private {
        _checkAdmissible(input);
        uint32 memberId = ++_memberCount;
        uint64 now_ = uint64(block.timestamp);
        Member storage m = _members[memberId];
        m.id = memberId;
        m.account = input.account;
        m.status = MemberStatus.ACTIVE;
        m.activeSince = now_;
        m.name = input.name;
        m.peerId = input.peerId;
        m.transportKey = input.transportKey;
        _accounts[input.account] = AccountRecord({memberId: memberId, activeSince: now_, activeUntil: 0});
        _memberIdByPeerId[keccak256(input.peerId)] = memberId;
        ++_activeMembers;
        emit MemberAdmitted(memberId, input.account, input.name, input.peerId, input.transportKey);
    }

    function _remove(address account) private {
        uint32 memberId = _accounts[account].memberId;
        Member storage m = _members[memberId];
        m.status = MemberStatus.REMOVED;
        m.removedAt = uint64(block.timestamp);
        _accounts[account].activeUntil = uint64(block.timestamp);
        // The peer id stays bound to the removed member so lookups show who it was; a successor
        // bank uses its own peer id.
        --_activeMembers;
        emit MemberRemoved(memberId, account);
    }

    function _rotate(address oldAccount, address newAccount) private {
        uint32 memberId = _accounts[oldAccount].memberId;
        uint64 now_ = uint64(block.timestamp);
        _accounts[oldAccount].activeUntil = now_;
        _accounts[newAccount] = AccountRecord({memberId: memberId, activeSince: now_, activeUntil: 0});
        _members[memberId].account = newAccount;
        emit MemberAccountRotated(memberId, oldAccount, newAccount);
    }

    function _updateEndpoint(address account, bytes memory peerId, bytes memory transportKey) private {
        uint32 memberId = _accounts[account].memberId;
        Member storage m = _members[memberId];
        delete _memberIdByPeerId[keccak256(m.peerId)];
        _memberIdByPeerId[keccak256(peerId)] = memberId;
        m.peerId = peerId;
        m.transportKey = transportKey;
        emit MemberEndpointUpdated(memberId, peerId, transportKey);
    }

    function _addAuditor(address account) private {
        _checkAuditorAddable(account);
        _auditors[account] = true;
        emit AuditorAdded(account);
    }

    function _setThreshold(uint16 newThreshold, uint256 activeMembers) private {
        _checkThreshold(newThreshold, activeMembers);
        emit ThresholdChanged(threshold, newThreshold);
        threshold = newThreshold;
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsortiumRegistry
    function isActiveMember(address account) public view returns (bool) {
        AccountRecord storage r = _accounts[account];
        return r.memberId != 0 && r.activeUntil == 0;
    }

    /// @inheritdoc IConsortiumRegistry
    function wasActiveMemberAt(address account, uint64 t) external view returns (bool) {
        AccountRecord storage r = _accounts[account];
        return r.memberId != 0 && r.activeSince <= t && (r.activeUntil == 0 || t < r.activeUntil);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberOf(address account) external view returns (Member memory) {
        uint32 memberId = _accounts[account].memberId;
        if (memberId == 0) revert UnknownMember(account);
        return _members[memberId];
    }

    /// @inheritdoc IConsortiumRegistry
    function memberRemovedAt(address account) external view returns (uint64) {
        return _members[_accounts[account].memberId].removedAt;
    }

    /// @inheritdoc IConsortiumRegistry
    function memberIdOf(address account) external view returns (uint32) {
        return _accounts[account].memberId;
    }

    /// @inheritdoc IConsortiumRegistry
    function activeMemberIdOf(address account) external view returns (uint32) {
        uint32 memberId = _accounts[account].memberId;
        return _members[memberId].status == MemberStatus.ACTIVE ? memberId : 0;
    }

    /// @inheritdoc IConsortiumRegistry
    function memberById(uint32 memberId) external view returns (Member memory) {
        if (memberId == 0 || memberId > _memberCount) revert UnknownMember(address(0));
        return _members[memberId];
    }

    /// @inheritdoc IConsortiumRegistry
    function memberByPeerId(bytes calldata peerId) external view returns (Member memory) {
        uint32 memberId = _memberIdByPeerId[keccak256(peerId)];
        if (memberId == 0) revert NoSuchPeerId(peerId);
        return _members[memberId];
    }

    /// @inheritdoc IConsortiumRegistry
    function accountRecord(address account) external view returns (AccountRecord memory) {
        return _accounts[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function isAuditor(address account) external view returns (bool) {
        return _auditors[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /// @inheritdoc IConsortiumRegistry
    function activeMemberCount() external view returns (uint256) {
        return _activeMembers;
    }

    /// @inheritdoc IConsortiumRegistry
    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        if (proposalId >= _proposals.length) revert UnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsortiumRegistry
    function proposalCount() external view returns (uint256) {
        return _proposals.length;
    }
}
