// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// @title IConsortiumRegistry
/// @notice Who belongs to the kycnet consortium: member banks (their signing account, libp2p peer
/// id and P-256 transport key) and read-only auditors. Every change is an M-of-N proposal approved
/// by active members. Other kycnet contracts ask `isActiveMember` before letting anyone write.
///
/// A member has a stable `memberId`; its signing `account` can be rotated. Every account a member
/// ever used stays bound to that member (so attestations it anchored stay attributable) but is
/// active only for the interval `[activeSince, activeUntil)`. An account is bound to one member,
/// once: a removed bank that rejoins does so with a new account.
interface IConsortiumRegistry {
    /// @notice ACTIVE from admission; REMOVED for good (a bank that rejoins is a new member).
    enum MemberStatus {
        NONE,
        ACTIVE,
        REMOVED
    }

    /// @notice The change a proposal makes when it executes; each has its own `propose…` function.
    enum ProposalKind {
        NONE,
        ADMIT_MEMBER,
        REMOVE_MEMBER,
        ROTATE_ACCOUNT,
        UPDATE_ENDPOINT,
        ADD_AUDITOR,
        REMOVE_AUDITOR,
        CHANGE_THRESHOLD
    }

    /// @notice A member bank as the registry knows it now.
    struct Member {
        uint32 id;
        address account; // current signing account
        MemberStatus status;
        uint64 activeSince; // admission time
        uint64 removedAt; // 0 while not removed
        string name;
        bytes peerId; // libp2p peer id, binary form
        bytes transportKey; // P-256 public key, SEC1 (33 bytes compressed or 65 uncompressed)
    }

    /// @notice A member to admit at deployment, or by an ADMIT_MEMBER proposal.
    struct MemberInput {
        address account;
        string name;
        bytes peerId;
        bytes transportKey;
    }

    /// @notice The interval during which an account signed for its member.
    struct AccountRecord {
        uint32 memberId; // 0 when the account was never a member's
        uint64 activeSince;
        uint64 activeUntil; // 0 while still active
    }

    /// @notice A proposed change, open for approvals until `expiresAt`.
    struct Proposal {
        ProposalKind kind;
        address proposer;
        uint64 createdAt;
        uint64 expiresAt;
        bool executed;
        uint32[] approvers; // member ids, in approval order
        bytes payload; // abi-encoded arguments of the action, see each `propose…` function
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice A bank became a member, at deployment or by an ADMIT_MEMBER proposal.
    /// @param memberId its new stable id (1, 2, …).
    /// @param account its signing account.
    /// @param name its display name.
    /// @param peerId its libp2p peer id, binary form.
    /// @param transportKey its P-256 public key (SEC1), which records are sealed to.
    event MemberAdmitted(
        uint32 indexed memberId,
        address indexed account,
        string name,
        bytes peerId,
        bytes transportKey
    );

    /// @notice A member was removed; its account is no longer active from this block on.
    /// @param memberId the removed member.
    /// @param account its signing account at removal.
    event MemberRemoved(uint32 indexed memberId, address indexed account);

    /// @notice A member's signing account was replaced; the old one stays bound to the member but
    /// is no longer active.
    /// @param memberId the member.
    /// @param oldAccount the account it signed with until now.
    /// @param newAccount the account it signs with from now on.
    event MemberAccountRotated(uint32 indexed memberId, address indexed oldAccount, address indexed newAccount);

    /// @notice A member announced a new libp2p peer id and transport key.
    /// @param memberId the member.
    /// @param peerId its new libp2p peer id, binary form.
    /// @param transportKey its new P-256 public key (SEC1).
    event MemberEndpointUpdated(uint32 indexed memberId, bytes peerId, bytes transportKey);

    /// @notice An auditor was added, at deployment or by an ADD_AUDITOR proposal.
    /// @param account the auditor's account.
    event AuditorAdded(address indexed account);

    /// @notice An auditor was removed by a REMOVE_AUDITOR proposal.
    /// @param account the auditor's account.
    event AuditorRemoved(address indexed account);

    /// @notice The number of approvals a proposal needs changed (also at deployment, from 0).
    /// @param oldThreshold the previous threshold.
    /// @param newThreshold the threshold from now on.
    event ThresholdChanged(uint16 oldThreshold, uint16 newThreshold);

    /// @notice A proposal was opened; the proposer's approval follows at once (`ProposalApproved`).
    /// @param proposalId its id, the index in proposal order (0, 1, …).
    /// @param kind the change it makes.
    /// @param proposer the member account that proposed it.
    /// @param payload the abi-encoded arguments of the change, see each `propose…` function.
    /// @param expiresAt the first second at which it can no longer be approved or executed.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind indexed kind,
        address indexed proposer,
        bytes payload,
        uint64 expiresAt
    );

    /// @notice A member approved a proposal.
    /// @param proposalId the proposal.
    /// @param memberId the approving member.
    /// @param approver the account it approved with.
    /// @param approvals the approvals of members still active, this one included.
    event ProposalApproved(uint256 indexed proposalId, uint32 indexed memberId, address indexed approver, uint256 approvals);

    /// @notice A proposal's change was applied (its own event, e.g. `MemberAdmitted`, comes first).
    /// @param proposalId the proposal.
    /// @param kind the change it made.
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind indexed kind);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice `account` is not an active member's current account.
    /// @param account the caller, or the account a proposal names.
    error NotActiveMember(address account);

    /// @notice Only the member itself may propose changing its own account or endpoint: its
    /// signature is required, so M-of-N governance cannot take over a member's identity.
    /// @param caller the proposer.
    /// @param account the member account the proposal would change.
    error NotOwnAccount(address caller, address account);

    /// @notice `account` never belonged to a member.
    /// @param account the account looked up (0 when a member id was looked up).
    error UnknownMember(address account);

    /// @notice `account` is already bound to a member (now or in the past).
    /// @param account the account to admit or rotate to.
    error AccountAlreadyBound(address account);

    /// @notice The zero address cannot be a member or auditor account.
    error ZeroAccount();

    /// @notice A member's name must be 1..64 bytes.
    /// @param name the name sent.
    error InvalidName(string name);

    /// @notice A peer id must be 1..128 bytes.
    /// @param peerId the peer id sent.
    error InvalidPeerId(bytes peerId);

    /// @notice A transport key must be a SEC1 P-256 key: 33 bytes starting 02 or 03, or 65 starting 04.
    /// @param transportKey the key sent.
    error InvalidTransportKey(bytes transportKey);

    /// @notice Another member already announces `peerId`.
    /// @param peerId the peer id sent.
    /// @param memberId the member that announces it.
    error PeerIdTaken(bytes peerId, uint32 memberId);

    /// @notice No member announces `peerId`.
    /// @param peerId the peer id looked up.
    error NoSuchPeerId(bytes peerId);

    /// @notice `account` is already an auditor.
    /// @param account the account to add.
    error AlreadyAuditor(address account);

    /// @notice `account` is not an auditor.
    /// @param account the account to remove.
    error NotAuditor(address account);

    /// @notice `threshold` is 0 or exceeds the number of active members it would apply to.
    /// @param threshold the threshold asked for, or the current one when a removal would leave
    /// fewer members than it.
    /// @param activeMembers the number of active members it would apply to.
    error InvalidThreshold(uint256 threshold, uint256 activeMembers);

    /// @notice No proposal has this id.
    /// @param proposalId the id sent.
    error UnknownProposal(uint256 proposalId);

    /// @notice The proposal's approval window has closed.
    /// @param proposalId the proposal.
    /// @param expiresAt the first second at which it was closed.
    error ProposalExpired(uint256 proposalId, uint64 expiresAt);

    /// @notice The proposal was already executed.
    /// @param proposalId the proposal.
    error ProposalAlreadyExecuted(uint256 proposalId);

    /// @notice The member already approved this proposal (with this or an earlier account).
    /// @param proposalId the proposal.
    /// @param memberId the member.
    error AlreadyApproved(uint256 proposalId, uint32 memberId);

    /// @notice Approvals of still-active members (`approvals`) are below `threshold`.
    /// @param proposalId the proposal.
    /// @param approvals its approvals that still count.
    /// @param threshold the approvals it needs.
    error ProposalNotApproved(uint256 proposalId, uint256 approvals, uint256 threshold);

    // ----------------------------------------------------------------------------------------
    // Proposals (each returns the new proposal id; the proposer's approval counts at once, so a
    // threshold of 1 executes immediately). Only an active member may propose, and each proposal
    // is checked when proposed and again when executed.
    // ----------------------------------------------------------------------------------------

    /// @notice Propose admitting a new member. Payload: `abi.encode(MemberInput)`.
    /// @param member the bank's account (never bound before), name, peer id and transport key.
    /// @return proposalId the new proposal's id.
    function proposeAdmitMember(MemberInput calldata member) external returns (uint256 proposalId);

    /// @notice Propose removing the member whose current account is `account`. Its account stops
    /// being active at execution. Payload: `abi.encode(account)`.
    /// @param account the member's current account.
    /// @return proposalId the new proposal's id.
    function proposeRemoveMember(address account) external returns (uint256 proposalId);

    /// @notice Propose replacing a member's signing account. `oldAccount` stops being active at
    /// execution; `newAccount` starts. Only the member itself (`msg.sender == oldAccount`) may
    /// propose it, else `NotOwnAccount`: a rotation decided by the others would hand them the
    /// member's endpoint too. Payload: `abi.encode(oldAccount, newAccount)`.
    /// @param oldAccount the member's current account.
    /// @param newAccount an account never bound to any member.
    /// @return proposalId the new proposal's id.
    function proposeRotateAccount(address oldAccount, address newAccount) external returns (uint256 proposalId);

    /// @notice Propose a member's new libp2p peer id and transport key. Only the member itself
    /// (`msg.sender == account`) may propose it, else `NotOwnAccount`; the consortium's approvals
    /// then apply as for any proposal. Payload: `abi.encode(account, peerId, transportKey)`.
    /// @param account the member's current account.
    /// @param peerId the new peer id, binary form, not announced by another member.
    /// @param transportKey the new P-256 public key (SEC1).
    /// @return proposalId the new proposal's id.
    function proposeUpdateEndpoint(
        address account,
        bytes calldata peerId,
        bytes calldata transportKey
    ) external returns (uint256 proposalId);

    /// @notice Propose adding a read-only auditor. Payload: `abi.encode(account)`.
    /// @param account the auditor's account.
    /// @return proposalId the new proposal's id.
    function proposeAddAuditor(address account) external returns (uint256 proposalId);

    /// @notice Propose removing an auditor. Payload: `abi.encode(account)`.
    /// @param account the auditor's account.
    /// @return proposalId the new proposal's id.
    function proposeRemoveAuditor(address account) external returns (uint256 proposalId);

    /// @notice Propose a new approval threshold. Payload: `abi.encode(uint16 newThreshold)`.
    /// @param newThreshold approvals a proposal will need, 1..active members.
    /// @return proposalId the new proposal's id.
    function proposeThreshold(uint16 newThreshold) external returns (uint256 proposalId);

    /// @notice Approve a pending proposal; executes it once approvals of members that are still
    /// active reach the threshold. Reverts with the action's own error when it can no longer be
    /// applied (for instance the account was admitted meanwhile).
    /// @param proposalId the proposal.
    function approve(uint256 proposalId) external;

    /// @notice Execute a proposal whose approvals already reach the threshold (after the threshold
    /// was lowered, or approvers were removed and the threshold with them).
    /// @param proposalId the proposal.
    function execute(uint256 proposalId) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice True when `account` is an active member's current signing account.
    /// @param account the account.
    /// @return whether the kycnet registries accept it as a member now.
    function isActiveMember(address account) external view returns (bool);

    /// @notice True when `account` signed for an active member at time `t` (for auditors:
    /// "was the issuer a member when it issued?").
    /// @param account the account.
    /// @param t the time, in unix seconds.
    /// @return whether `t` falls in the account's `[activeSince, activeUntil)`.
    function wasActiveMemberAt(address account, uint64 t) external view returns (bool);

    /// @notice The member `account` belongs (or belonged) to; reverts with `UnknownMember`.
    /// @param account any account the member ever signed with.
    /// @return the member as it is now.
    function memberOf(address account) external view returns (Member memory);

    /// @notice When the member `account` belongs (or belonged) to was removed; 0 while it is
    /// active or when the account was never a member's. The AttestationRegistry treats every
    /// attestation of a removed member as revoked from this time (ISSUER_LEFT_CONSORTIUM).
    /// @param account any account the member ever signed with.
    /// @return the removal time in unix seconds, or 0.
    function memberRemovedAt(address account) external view returns (uint64);

    /// @notice The member id `account` belongs (or belonged) to, 0 when none.
    /// @param account any account.
    /// @return the member id, 0 when the account was never a member's.
    function memberIdOf(address account) external view returns (uint32);

    /// @notice The id of the member `account` belongs (or belonged) to when that member is still
    /// active, whichever account it signs with now; 0 otherwise. Lets records that name an
    /// account (a consent's grantee) survive the member's key rotation.
    /// @param account any account.
    /// @return the active member's id, or 0.
    function activeMemberIdOf(address account) external view returns (uint32);

    /// @notice The member with id `memberId`; reverts with `UnknownMember(address(0))` if none.
    /// @param memberId the member id, 1..memberCount.
    /// @return the member as it is now.
    function memberById(uint32 memberId) external view returns (Member memory);

    /// @notice The member currently announcing `peerId`; reverts with `NoSuchPeerId`.
    /// @param peerId the libp2p peer id, binary form.
    /// @return the member as it is now (possibly REMOVED: a removed member keeps its peer id).
    function memberByPeerId(bytes calldata peerId) external view returns (Member memory);

    /// @notice When `account` was active for its member.
    /// @param account any account.
    /// @return its member id and active interval, all zero when it was never a member's.
    function accountRecord(address account) external view returns (AccountRecord memory);

    /// @notice True when `account` is an auditor.
    /// @param account the account.
    /// @return whether it is an auditor now.
    function isAuditor(address account) external view returns (bool);

    /// @notice Members ever admitted (ids run 1..memberCount).
    /// @return the number of members admitted, removed ones included.
    function memberCount() external view returns (uint256);

    /// @notice Members not removed.
    /// @return the number of active members.
    function activeMemberCount() external view returns (uint256);

    /// @notice Approvals of active members a proposal needs to execute.
    /// @return the threshold, 1..activeMemberCount.
    function threshold() external view returns (uint16);

    /// @notice A proposal; reverts with `UnknownProposal`.
    /// @param proposalId the proposal, 0..proposalCount-1.
    /// @return the proposal with its approvers.
    function proposal(uint256 proposalId) external view returns (Proposal memory);

    /// @notice Proposals ever made (ids run 0..proposalCount-1).
    /// @return the number of proposals.
    function proposalCount() external view returns (uint256);

    /// @notice How long a proposal stays open for approvals.
    /// @return the lifetime in seconds (7 days).
    function proposalLifetime() external view returns (uint64);
}
