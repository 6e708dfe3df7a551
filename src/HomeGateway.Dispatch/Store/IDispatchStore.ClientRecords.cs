namespace HomeGateway.Dispatch.Store;

/// <summary>The client record's retention (ETSI EN 303 645 provision 5.11) and the home's alert history.</summary>
public partial interface IDispatchStore
{
    /// <summary>
    /// Marks that the home's client left the service on <paramref name="leftOn"/>: the retention sweep anonymises the
    /// record once the retention time after that day has passed. Audited as <c>client_left</c> (the date only).
    /// Unchanged when it is already marked with that day; AlreadyAnonymised when there is nothing left to keep.
    /// </summary>
    Task<ClientRecordChange> MarkClientLeftAsync(string homeId, DateOnly leftOn, string actor, CancellationToken ct = default);

    /// <summary>Undoes <see cref="MarkClientLeftAsync"/> before the record is anonymised. Audited as <c>client_left_undone</c>.</summary>
    Task<ClientRecordChange> UndoClientLeftAsync(string homeId, string actor, CancellationToken ct = default);

    /// <summary>
    /// Anonymises the home's client record now (an admin's "delete the client record now"), whether or not the client
    /// was marked as left: see <see cref="AnonymiseDueHomesAsync"/> for what goes and what stays. Audited as
    /// <c>client_record_anonymised</c>; AlreadyAnonymised (nothing changes) the second time.
    /// </summary>
    Task<ClientRecordChange> AnonymiseHomeAsync(string homeId, string actor, CancellationToken ct = default);

    /// <summary>
    /// The retention sweep: anonymises each home whose client left on or before <paramref name="leftOnOrBefore"/> and
    /// that is not anonymised yet. The address, access instructions, key holders, contacts and notes are deleted; the
    /// home's alerts' notes, resolution notes and responders' notes are replaced with <see cref="ClientRecordRules.RemovedMarker"/>;
    /// the home id, the alerts' types, times and outcomes and the audit trail stay. Each home in its own transaction
    /// whose first step claims it, so two nodes sweeping at once anonymise (and audit) each home once. Returns the
    /// homes this call anonymised.
    /// </summary>
    Task<IReadOnlyList<string>> AnonymiseDueHomesAsync(DateOnly leftOnOrBefore, string actor, CancellationToken ct = default);

    /// <summary>The home's alerts, newest raised first, <paramref name="limit"/> from <paramref name="offset"/>, and whether more follow.</summary>
    Task<HomeAlertPage> ListHomeAlertsAsync(string homeId, int offset, int limit, CancellationToken ct = default);
}

/// <summary>A key holder or a contact of a client record.</summary>
/// <param name="Phone">Digits, spaces, +, - (see <see cref="ClientRecordRules.IsPhone"/>); empty when not known.</param>
/// <param name="Relation">Daughter, neighbour, home care team... ; may be empty.</param>
public sealed record HomePerson(string Name, string Phone, string Relation)
{
    /// <summary>"name (relation) phone", the parts that are there.</summary>
    public string Line =>
        string.Join(" ", new[] { Name, Relation.Length == 0 ? "" : "(" + Relation + ")", Phone }.Where(part => part.Length > 0));
}

public enum ClientRecordChange
{
    Done,
    Unchanged,
    NotFound,
    AlreadyAnonymised,
}

/// <summary>One page of a home's alert history.</summary>
public sealed record HomeAlertPage(IReadOnlyList<AlertView> Alerts, bool HasMore);

/// <summary>The client record's bounds and the words the retention rule leaves behind.</summary>
public static class ClientRecordRules
{
    public const int MaxAddressLength = 300;
    public const int MaxAccessInstructionsLength = 1000;
    public const int MaxNotesLength = 2000;
    public const int MaxNameLength = 200;
    public const int MaxPhoneLength = 30;
    public const int MaxRelationLength = 60;

    /// <summary>At most this many key holders, and as many contacts.</summary>
    public const int MaxPeople = 10;

    /// <summary>What replaces an alert's free-text notes when its home's client record is anonymised.</summary>
    public const string RemovedMarker = "[removed: client left]";

    /// <summary>A phone number as typed: digits, spaces, + and -, at least one digit, at most <see cref="MaxPhoneLength"/>.</summary>
    public static bool IsPhone(string phone) =>
        phone.Length is > 0 and <= MaxPhoneLength && phone.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-') && phone.Any(char.IsAsciiDigit);

    /// <summary>The <c>tel:</c> link of a phone number: the number without its spaces.</summary>
    public static string TelHref(string phone) => "tel:" + phone.Replace(" ", "", StringComparison.Ordinal);
}
