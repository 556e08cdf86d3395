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
    enum MemberStatus {
        NONE,
        ACTIVE,
        REMOVED
    }

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

    event MemberAdmitted(
        uint32 indexed memberId,
        address indexed account,
        string name,
        bytes peerId,
        bytes transportKey
    );
    event MemberRemoved(uint32 indexed memberId, address indexed account);
    event MemberAccountRotated(uint32 indexed memberId, address indexed oldAccount, address indexed newAccount);
    event MemberEndpointUpdated(uint32 indexed memberId, bytes peerId, bytes transportKey);
    event AuditorAdded(address indexed account);
    event AuditorRemoved(address indexed account);
    event ThresholdChanged(uint16 oldThreshold, uint16 newThreshold);
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind indexed kind,
        address indexed proposer,
        bytes payload,
        uint64 expiresAt
    );
    event ProposalApproved(uint256 indexed proposalId, uint32 indexed memberId, address indexed approver, uint256 approvals);
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind indexed kind);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice `account` is not an active member's current account.
    error NotActiveMember(address account);
    /// @notice `account` never belonged to a member.
    error UnknownMember(address account);
    /// @notice `account` is already bound to a member (now or in the past).
    error AccountAlreadyBound(address account);
    /// @notice The zero address cannot be a member or auditor account.
    error ZeroAccount();
    error InvalidName(string name);
    error InvalidPeerId(bytes peerId);
    error InvalidTransportKey(bytes transportKey);
    /// @notice Another member already announces `peerId`.
    error PeerIdTaken(bytes peerId, uint32 memberId);
    error NoSuchPeerId(bytes peerId);
    error AlreadyAuditor(address account);
    error NotAuditor(address account);
    /// @notice `threshold` is 0 or exceeds the number of active members it would apply to.
    error InvalidThreshold(uint256 threshold, uint256 activeMembers);
    error UnknownProposal(uint256 proposalId);
    error ProposalExpired(uint256 proposalId, uint64 expiresAt);
    error ProposalAlreadyExecuted(uint256 proposalId);
    error AlreadyApproved(uint256 proposalId, uint32 memberId);
    /// @notice Approvals of still-active members (`approvals`) are below `threshold`.
    error ProposalNotApproved(uint256 proposalId, uint256 approvals, uint256 threshold);

    // ----------------------------------------------------------------------------------------
    // Proposals (each returns the new proposal id; the proposer's approval counts at once, so a
    // threshold of 1 executes immediately)
    // ----------------------------------------------------------------------------------------

    /// @notice Propose admitting a new member. Payload: `abi.encode(MemberInput)`.
    function proposeAdmitMember(MemberInput calldata member) external returns (uint256 proposalId);

    /// @notice Propose removing the member whose current account is `account`. Its account stops
    /// being active at execution. Payload: `abi.encode(account)`.
    function proposeRemoveMember(address account) external returns (uint256 proposalId);

    /// @notice Propose replacing a member's signing account. `oldAccount` stops being active at
    /// execution; `newAccount` starts. Payload: `abi.encode(oldAccount, newAccount)`.
    function proposeRotateAccount(address oldAccount, address newAccount) external returns (uint256 proposalId);

    /// @notice Propose a member's new libp2p peer id and transport key.
    /// Payload: `abi.encode(account, peerId, transportKey)`.
    function proposeUpdateEndpoint(
        address account,
        bytes calldata peerId,
        bytes calldata transportKey
    ) external returns (uint256 proposalId);

    /// @notice Payload: `abi.encode(account)`.
    function proposeAddAuditor(address account) external returns (uint256 proposalId);

    /// @notice Payload: `abi.encode(account)`.
    function proposeRemoveAuditor(address account) external returns (uint256 proposalId);

    /// @notice Payload: `abi.encode(uint16 newThreshold)`.
    function proposeThreshold(uint16 newThreshold) external returns (uint256 proposalId);

    /// @notice Approve a pending proposal; executes it once approvals of members that are still
    /// active reach the threshold. Reverts with the action's own error when it can no longer be
    /// applied (for instance the account was admitted meanwhile).
    function approve(uint256 proposalId) external;

    /// @notice Execute a proposal whose approvals already reach the threshold (after the threshold
    /// was lowered, or approvers were removed and the threshold with them).
    function execute(uint256 proposalId) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice True when `account` is an active member's current signing account.
    function isActiveMember(address account) external view returns (bool);

    /// @notice True when `account` signed for an active member at time `t` (for auditors:
    /// "was the issuer a member when it issued?").
    function wasActiveMemberAt(address account, uint64 t) external view returns (bool);

    /// @notice The member `account` belongs (or belonged) to; reverts with `UnknownMember`.
    function memberOf(address account) external view returns (Member memory);

    /// @notice The member id `account` belongs (or belonged) to, 0 when none.
    function memberIdOf(address account) external view returns (uint32);

    /// @notice The id of the member `account` belongs (or belonged) to when that member is still
    /// active, whichever account it signs with now; 0 otherwise. Lets records that name an
    /// account (a consent's grantee) survive the member's key rotation.
    function activeMemberIdOf(address account) external view returns (uint32);

    /// @notice The member with id `memberId`; reverts with `UnknownMember(address(0))` if none.
    function memberById(uint32 memberId) external view returns (Member memory);

    /// @notice The member currently announcing `peerId`; reverts with `NoSuchPeerId`.
    function memberByPeerId(bytes calldata peerId) external view returns (Member memory);

    /// @notice When `account` was active for its member.
    function accountRecord(address account) external view returns (AccountRecord memory);

    function isAuditor(address account) external view returns (bool);

    /// @notice Members ever admitted (ids run 1..memberCount).
    function memberCount() external view returns (uint256);

    function activeMemberCount() external view returns (uint256);

    function threshold() external view returns (uint16);

    function proposal(uint256 proposalId) external view returns (Proposal memory);

    function proposalCount() external view returns (uint256);

    /// @notice How long a proposal stays open for approvals.
    function proposalLifetime() external view returns (uint64);
}
