namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Responders (home-care night patrol, a guard company's staff): their teams, each home's cascade (whom to ask first,
/// then next when nobody accepts in time) and every request to go to an alert, with its steps. Every change is audited;
/// every step of a request is an alert change, answered with the alert as it is afterwards (for the live feed).
/// </summary>
public partial interface IDispatchStore
{
    /// <summary>Every team with its members, by id.</summary>
    Task<IReadOnlyList<ResponderTeam>> ListTeamsAsync(CancellationToken ct = default);

    Task<ResponderTeam?> FindTeamAsync(string teamId, CancellationToken ct = default);

    /// <summary>Adds a team; <see cref="TeamChangeResult.Exists"/> when the id is taken. Audited as <c>team_added</c>.</summary>
    Task<TeamChangeResult> AddTeamAsync(string teamId, string name, string actor, CancellationToken ct = default);

    /// <summary>Renames a team. Audited as <c>team_changed</c>.</summary>
    Task<TeamChangeResult> RenameTeamAsync(string teamId, string name, string actor, CancellationToken ct = default);

    /// <summary>
    /// Removes a team with its memberships; refused while a request to it is open (<see cref="TeamChangeResult.OpenRequest"/>)
    /// or a home's cascade names it (<see cref="TeamChangeResult.InCascade"/>). Audited as <c>team_removed</c>.
    /// </summary>
    Task<TeamChangeResult> RemoveTeamAsync(string teamId, string actor, CancellationToken ct = default);

    /// <summary>Adds a user with the role responder to a team. Audited as <c>team_member_added</c>.</summary>
    Task<TeamChangeResult> AddTeamMemberAsync(string teamId, string userName, string actor, CancellationToken ct = default);

    /// <summary>Removes a member. Audited as <c>team_member_removed</c>.</summary>
    Task<TeamChangeResult> RemoveTeamMemberAsync(string teamId, string userName, string actor, CancellationToken ct = default);

    /// <summary>The home's cascade in order (position 1 first); empty when none is set.</summary>
    Task<IReadOnlyList<CascadeStep>> GetCascadeAsync(string homeId, CancellationToken ct = default);

    /// <summary>
    /// Replaces the home's cascade (the caller checked each step: <see cref="CascadeStep"/>); false when the home is not
    /// registered. Audited as <c>cascade_changed</c> with the steps.
    /// </summary>
    Task<bool> SetCascadeAsync(string homeId, IReadOnlyList<CascadeStep> steps, string actor, CancellationToken ct = default);

    /// <summary>
    /// Asks a team or one responder (<paramref name="step"/>) to go to the alert. One request per alert is open at a
    /// time (<see cref="ResponderResult.AlreadyOpen"/>); a resolved alert gets none. Audited as <c>responder_asked</c>.
    /// </summary>
    Task<ResponderOutcome> AskResponderAsync(string gatewayId, string alertId, CascadeStep step, string actor, CancellationToken ct = default);

    /// <summary>
    /// Asks the first step of the alert's home's cascade (<see cref="ResponderResult.NoCascade"/> when it has none).
    /// Audited as <c>responder_asked</c>.
    /// </summary>
    Task<ResponderOutcome> StartCascadeAsync(string gatewayId, string alertId, string actor, CancellationToken ct = default);

    /// <summary>
    /// A responder's step on a request: accept, decline, on the way, arrived, done. Only the asked user or a member of
    /// the asked team may accept or decline; only the one who accepted takes the later steps, in order (a step again is
    /// <see cref="ResponderResult.Unchanged"/>, one skipped or backwards <see cref="ResponderResult.OutOfOrder"/>). A
    /// decline ends the request and asks the cascade's next step at once. Audited as <c>responder_STEP</c>.
    /// </summary>
    Task<ResponderOutcome> RecordResponderStepAsync(
        long requestId, ResponderStep step, string userName, ResolutionOutcome? outcome, string? note, CancellationToken ct = default);

    /// <summary>A dispatcher withdraws an open request. Audited as <c>responder_withdrawn</c>.</summary>
    Task<ResponderOutcome> WithdrawResponderAsync(long requestId, string actor, CancellationToken ct = default);

    /// <summary>
    /// Ends the request when its accept deadline has passed and nobody accepted it, and in the same transaction asks
    /// the cascade's next step when it came from the cascade. The end is conditional on the row still being open and
    /// unaccepted, so of two nodes running this at once only one changes anything (the other gets Unchanged).
    /// Audited as <c>responder_not_accepted</c> (and <c>responder_asked</c> for the next step, by <c>dispatch</c>).
    /// </summary>
    Task<ResponderOutcome> ExpireResponderAsync(long requestId, CancellationToken ct = default);

    /// <summary>Open requests nobody accepted yet, with their accept deadlines, earliest first.</summary>
    Task<IReadOnlyList<ResponderDeadline>> ListAcceptDeadlinesAsync(CancellationToken ct = default);

    /// <summary>Every request about the alert, oldest first.</summary>
    Task<IReadOnlyList<ResponderRequest>> ListResponderRequestsAsync(string gatewayId, string alertId, CancellationToken ct = default);

    Task<ResponderRequest?> FindResponderRequestAsync(long requestId, CancellationToken ct = default);

    /// <summary>
    /// What a responder's phone shows: the open requests asked of them or of a team they are in, not accepted by
    /// someone else, newest first, each with its alert and home.
    /// </summary>
    Task<IReadOnlyList<ResponderAssignment>> ListAssignmentsAsync(string userName, CancellationToken ct = default);
}

/// <summary>A team of responders (a home-care night patrol, a guard company's shift).</summary>
public sealed record ResponderTeam(string TeamId, string Name, IReadOnlyList<string> Members, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public enum TeamChangeResult
{
    Done,
    Unchanged,
    NotFound,
    Exists,

    /// <summary>The user does not exist or is not a responder.</summary>
    NotAResponder,

    OpenRequest,
    InCascade,
}

/// <summary>One step of a home's cascade, or whom a dispatcher asks: a team or one responder, never both.</summary>
/// <param name="AcceptMinutes">How long they have to accept before the next step is asked.</param>
public sealed record CascadeStep(string? TeamId, string? UserName, int AcceptMinutes)
{
    public const int DefaultAcceptMinutes = 10;
    public const int MinAcceptMinutes = 1;
    public const int MaxAcceptMinutes = 120;

    /// <summary>How the audit trail and the command line write it: <c>team:ID:MINUTES</c> or <c>user:NAME:MINUTES</c>.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{(TeamId is not null ? "team:" + TeamId : "user:" + UserName)}:{AcceptMinutes}");
}

/// <summary>A responder's steps on a request, in order after the acceptance.</summary>
public enum ResponderStep
{
    Accept,
    Decline,
    OnTheWay,
    Arrive,
    Done,
}

public enum ResponderResult
{
    Done,
    Unchanged,
    NotFound,

    /// <summary>Not asked of this user (or of a team they are in), or accepted by someone else.</summary>
    NotYours,

    /// <summary>The step skips one, or goes back.</summary>
    OutOfOrder,

    /// <summary>The request has ended (withdrawn, not accepted in time, declined, done, the alert resolved).</summary>
    Ended,

    AlreadyResolved,

    /// <summary>Another request for the alert is open: withdraw it first.</summary>
    AlreadyOpen,

    /// <summary>The home has no cascade.</summary>
    NoCascade,
}

/// <param name="Request">The request as it is after the call (for the cascade's next step: the new one).</param>
/// <param name="Alert">The alert as it is after the call, for the live feed.</param>
public sealed record ResponderOutcome(ResponderResult Result, ResponderRequest? Request, AlertView? Alert);

/// <summary>One request to go to an alert (<c>alert_dispatches</c>) with its time-stamped steps.</summary>
/// <param name="TeamName">The asked team's name (null for a user, or a team since removed).</param>
/// <param name="EndedReason">not_accepted, withdrawn, declined, done or alert_resolved; null while open.</param>
public sealed record ResponderRequest(
    long Id,
    string GatewayId,
    string AlertId,
    int? CascadePosition,
    string? TeamId,
    string? TeamName,
    string? UserName,
    DateTimeOffset AskedAt,
    string AskedBy,
    DateTimeOffset AcceptDeadline,
    DateTimeOffset? AcceptedAt,
    string? AcceptedBy,
    DateTimeOffset? OnTheWayAt,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? DoneAt,
    ResolutionOutcome? ProposedOutcome,
    string? DoneNote,
    DateTimeOffset? EndedAt,
    string? EndedReason)
{
    public bool IsOpen => EndedAt is null;

    /// <summary>Whom it was asked of, as people read it: the team's name (or id), or the user's name.</summary>
    public string Asked => TeamId is not null ? TeamName ?? TeamId : UserName!;

    /// <summary>
    /// Where it stands, for the queue and the pages: asked, accepted, on_the_way, arrived, done, or how it ended
    /// (not_accepted, withdrawn, declined, alert_resolved).
    /// </summary>
    public string State =>
        DoneAt is not null ? "done"
        : EndedReason is { } reason ? reason
        : ArrivedAt is not null ? "arrived"
        : OnTheWayAt is not null ? "on_the_way"
        : AcceptedAt is not null ? "accepted"
        : "asked";
}

/// <summary>An open request nobody accepted yet and when its time to accept ends.</summary>
public sealed record ResponderDeadline(long RequestId, string GatewayId, string AlertId, DateTimeOffset AcceptDeadline);

/// <summary>A request as the responder's phone shows it: the alert and the home to go to.</summary>
public sealed record ResponderAssignment(ResponderRequest Request, QueuedAlert Alert, HomeRecord? Home);
