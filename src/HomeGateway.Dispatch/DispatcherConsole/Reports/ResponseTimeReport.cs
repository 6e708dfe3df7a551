using System.Globalization;
using System.Text;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Frame;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Reports;

/// <summary>
/// The care manager's figures (pure: rows and "now" in, figures out). Per alert: time to acknowledge, to arrival (help at
/// the home) and to resolve, all from the gateway's raised-at, and a verdict against the home's contracted response time
/// (<see cref="ContractVerdict"/>; only care alerts are judged, see <see cref="AlertCategories"/>). Per home, team, alert
/// type and priority, care and technical apart: count, median and 90th percentile (nearest rank) of the three times over
/// the alerts that have them, and the share of judged alerts that saw help arrive within the contract.
/// </summary>
/// <param name="Alerts">Every alert of the range, care and technical, in the order raised.</param>
/// <param name="Breaches">The care alerts whose verdict is a breach, in the order raised.</param>
/// <param name="IncludesFalseAlarms">Whether false alarms and technical faults were judged like other alerts (else counted apart).</param>
public sealed record ResponseTimeReport(
    IReadOnlyList<ResponseTimeLine> Alerts, ResponseSection Care, ResponseSection Technical, IReadOnlyList<ResponseTimeLine> Breaches,
    bool IncludesFalseAlarms)
{
    /// <summary>The outcomes that say nobody needed help: left out of the contract figures unless asked for.</summary>
    public static bool IsFalseAlarm(ResolutionOutcome? outcome) => outcome is ResolutionOutcome.FalseAlarm or ResolutionOutcome.TechnicalFault;

    public static ResponseTimeReport Build(IEnumerable<ResponseTimeRow> rows, DateTimeOffset now, bool includeFalseAlarms = false)
    {
        var lines = rows.Select(row => ResponseTimeLine.Of(row, now, includeFalseAlarms)).ToList();
        return new ResponseTimeReport(
            lines,
            ResponseSection.Of(AlertCategory.Care, lines.Where(l => l.Category == AlertCategory.Care).ToList()),
            ResponseSection.Of(AlertCategory.Technical, lines.Where(l => l.Category == AlertCategory.Technical).ToList()),
            lines.Where(l => l.Breach).ToList(),
            includeFalseAlarms);
    }
}

/// <summary>
/// Where a care alert stands against its home's contracted response time (<c>response_minutes</c> after it was raised).
/// A breach is <see cref="Late"/>, <see cref="NoArrival"/> or <see cref="OpenPastContract"/>; the share within the contract
/// is <see cref="Within"/> over those four. <see cref="Pending"/>, <see cref="FalseAlarm"/> and <see cref="NotMeasured"/> are
/// in neither.
/// </summary>
public enum ContractVerdict
{
    /// <summary>Help arrived within the contracted time; or, with false alarms included, a false alarm closed without a visit.</summary>
    Within,

    /// <summary>Help arrived, later than the contracted time.</summary>
    Late,

    /// <summary>Resolved with a care outcome (anything but false alarm / technical fault) and no recorded arrival.</summary>
    NoArrival,

    /// <summary>Not resolved, nobody arrived, and the contracted time has passed.</summary>
    OpenPastContract,

    /// <summary>Not resolved, nobody arrived yet, and the contracted time has not passed: not judged yet.</summary>
    Pending,

    /// <summary>Resolved as a false alarm or technical fault, left out of the contract figures (the default).</summary>
    FalseAlarm,

    /// <summary>A technical alert: no contracted time applies.</summary>
    NotMeasured,
}

/// <param name="TimeToAcknowledge">Null while nobody acknowledged it.</param>
/// <param name="TimeToArrival">Null while nobody arrived at the home.</param>
/// <param name="TimeToResolve">Null while unresolved.</param>
/// <param name="Lateness">How far past the contracted time help arrived (<see cref="ContractVerdict.Late"/>) or the alert has
/// stayed open so far (<see cref="ContractVerdict.OpenPastContract"/>); null otherwise.</param>
public sealed record ResponseTimeLine(
    ResponseTimeRow Row, TimeSpan? TimeToAcknowledge, TimeSpan? TimeToArrival, TimeSpan? TimeToResolve, AlertCategory Category,
    ContractVerdict Verdict, TimeSpan? Lateness)
{
    public bool Breach => Verdict is ContractVerdict.Late or ContractVerdict.NoArrival or ContractVerdict.OpenPastContract;

    /// <summary>Judged against the contract: within it or a breach.</summary>
    public bool Judged => Breach || Verdict == ContractVerdict.Within;

    public TimeSpan Contracted => TimeSpan.FromMinutes(Row.ResponseMinutes);

    /// <summary>The date the alert was raised on in its home's zone.</summary>
    public DateOnly LocalDate => ConsoleTime.LocalDate(Row.RaisedAt, Row.TimeZone);

    public static ResponseTimeLine Of(ResponseTimeRow row, DateTimeOffset now, bool includeFalseAlarms)
    {
        var contracted = TimeSpan.FromMinutes(row.ResponseMinutes);
        var toArrival = row.ArrivedAt - row.RaisedAt;
        var category = AlertCategories.Of(row.Type);
        var falseAlarm = row.ResolvedAt is not null && ResponseTimeReport.IsFalseAlarm(row.Outcome);
        TimeSpan? lateness = null;
        ContractVerdict verdict;
        if (category == AlertCategory.Technical)
        {
            verdict = ContractVerdict.NotMeasured;
        }
        else if (falseAlarm && !includeFalseAlarms)
        {
            verdict = ContractVerdict.FalseAlarm;
        }
        else if (toArrival is { } arrival)
        {
            verdict = arrival <= contracted ? ContractVerdict.Within : ContractVerdict.Late;
            lateness = arrival > contracted ? arrival - contracted : null;
        }
        else if (row.ResolvedAt is not null)
        {
            // Nobody was needed at the home for a false alarm, so closing one without a visit keeps the contract.
            verdict = falseAlarm ? ContractVerdict.Within : ContractVerdict.NoArrival;
        }
        else if (now - row.RaisedAt > contracted)
        {
            verdict = ContractVerdict.OpenPastContract;
            lateness = now - row.RaisedAt - contracted;
        }
        else
        {
            verdict = ContractVerdict.Pending;
        }

        return new ResponseTimeLine(row, row.AcknowledgedAt - row.RaisedAt, toArrival, row.ResolvedAt - row.RaisedAt, category, verdict, lateness);
    }
}

/// <summary>One category's figures: in total and per home, team, alert type and priority (each ordered by its key).</summary>
public sealed record ResponseSection(
    AlertCategory Category, ResponseGroup Total, IReadOnlyList<ResponseGroup> Homes, IReadOnlyList<ResponseGroup> Teams,
    IReadOnlyList<ResponseGroup> Types, IReadOnlyList<ResponseGroup> Priorities)
{
    /// <summary>The key of the team group of alerts no team answered for (nobody accepted, or one person did).</summary>
    public const string NoTeam = "";

    public static ResponseSection Of(AlertCategory category, IReadOnlyList<ResponseTimeLine> lines) =>
        new(category,
            ResponseGroup.Of("", lines),
            Group(lines, l => l.Row.HomeId),
            lines.GroupBy(l => l.Row.TeamId ?? NoTeam, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => ResponseGroup.Of(g.Key, g.ToList(), g.Select(l => l.Row.TeamName).FirstOrDefault(n => n is not null))).ToList(),
            Group(lines, l => AlertTypeNames.ToName(l.Row.Type)),
            lines.GroupBy(l => l.Row.Priority).OrderBy(g => g.Key).Select(g => ResponseGroup.Of(AlertTypeNames.ToName(g.Key), g.ToList())).ToList());

    private static List<ResponseGroup> Group(IReadOnlyList<ResponseTimeLine> lines, Func<ResponseTimeLine, string> key) =>
        lines.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => ResponseGroup.Of(g.Key, g.ToList())).ToList();
}

/// <summary>
/// The figures of a group of alerts. <see cref="Alerts"/> counts every alert, <see cref="FalseAlarms"/> those left out as
/// false alarms; the times and the contract counts are over the others.
/// </summary>
/// <param name="Name">What the group is (a team's name; else the key).</param>
/// <param name="ResponseMinutes">The contracted time of the group's first alert: the home's own in a per-home group (the
/// only place it is shown; other groups mix homes).</param>
public sealed record ResponseGroup(
    string Key, string Name, int Alerts, int FalseAlarms, Figures Acknowledge, Figures Arrival, Figures Resolve, int Within, int Breaches,
    int Pending, int ResponseMinutes)
{
    public int Judged => Within + Breaches;

    /// <summary>Within / judged, 0..1; null when no alert was judged.</summary>
    public double? ShareWithin => Judged == 0 ? null : (double)Within / Judged;

    public static ResponseGroup Of(string key, IReadOnlyCollection<ResponseTimeLine> lines, string? name = null)
    {
        var counted = lines.Where(l => l.Verdict != ContractVerdict.FalseAlarm).ToList();
        return new ResponseGroup(
            key,
            name ?? key,
            lines.Count,
            lines.Count - counted.Count,
            Figures.Of(counted.Where(l => l.TimeToAcknowledge is not null).Select(l => l.TimeToAcknowledge!.Value)),
            Figures.Of(counted.Where(l => l.TimeToArrival is not null).Select(l => l.TimeToArrival!.Value)),
            Figures.Of(counted.Where(l => l.TimeToResolve is not null).Select(l => l.TimeToResolve!.Value)),
            counted.Count(l => l.Verdict == ContractVerdict.Within),
            counted.Count(l => l.Breach),
            counted.Count(l => l.Verdict == ContractVerdict.Pending),
            lines.Select(l => l.Row.ResponseMinutes).FirstOrDefault());
    }
}

/// <summary>
/// Which alerts a range of dates holds: those raised on those dates in their own home's time zone (a care manager's
/// "1 March" in Helsinki is not the UTC day). The store is asked for a UTC window wide enough for every zone on earth
/// (UTC−12 to UTC+14), then each alert is kept or dropped by its home's local date.
/// </summary>
public static class LocalDateRange
{
    /// <summary>How far a local date can lie from the UTC date of the same instant, at most, either way.</summary>
    public static readonly TimeSpan Widening = TimeSpan.FromHours(14);

    /// <summary>The UTC window [from, to) to query: the UTC dates [<paramref name="from"/>, <paramref name="to"/>] widened by <see cref="Widening"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) UtcWindow(DateOnly from, DateOnly to) =>
        (new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) - Widening,
            new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + Widening);

    /// <summary>
    /// Today as the report's default range ends it: the latest local date of any home's zone (<paramref name="zones"/>:
    /// home → IANA id), UTC's when no home has one. Just after midnight in Helsinki it is already the new day there, still
    /// the old one in UTC, and tonight's alerts belong to the new day.
    /// </summary>
    public static DateOnly Today(DateTimeOffset now, IReadOnlyDictionary<string, string> zones) =>
        zones.Values.Distinct(StringComparer.Ordinal).Select(zone => ConsoleTime.LocalDate(now, zone))
            .DefaultIfEmpty(ConsoleTime.LocalDate(now, ConsoleTime.Utc)).Max();

    /// <summary>The rows raised on a date in [<paramref name="from"/>, <paramref name="to"/>] of their home's zone (<paramref name="zones"/>: home → IANA id; UTC for a home not in it).</summary>
    public static IReadOnlyList<ResponseTimeRow> Filter(
        IEnumerable<ResponseTimeRow> rows, IReadOnlyDictionary<string, string> zones, DateOnly from, DateOnly to) =>
        rows.Where(row => ConsoleTime.LocalDate(row.RaisedAt, zones.GetValueOrDefault(row.HomeId)) is var date && date >= from && date <= to)
            .ToList();
}

/// <summary>Median, 90th percentile (nearest rank) and maximum of a set of durations; all null when it is empty.</summary>
public sealed record Figures(int Count, TimeSpan? Median, TimeSpan? Percentile90, TimeSpan? Max)
{
    public static Figures Of(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return new Figures(0, null, null, null);
        }

        var n = sorted.Count;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        // Nearest rank: the smallest value with at least 90 % of the values at or below it.
        var p90 = sorted[(int)Math.Ceiling(0.9 * n) - 1];
        return new Figures(n, median, p90, sorted[^1]);
    }
}

/// <summary>
/// The per-alert rows as CSV (RFC 4180: comma, CRLF, fields with a comma, quote or line break quoted, quotes doubled).
/// A text cell that a spreadsheet would take for a formula (=, +, -, @, tab, CR at its start) gets a leading apostrophe:
/// home and alert ids come from gateways and must not run as formulas on a care manager's computer.
/// </summary>
public static class ResponseTimeCsv
{
    public static readonly string[] Header =
    [
        "home_id", "gateway_id", "alert_id", "type", "priority", "raised_at", "acknowledged_at", "resolved_at", "outcome",
        "time_to_acknowledge_seconds", "time_to_resolve_seconds", "contracted_minutes", "breach",
        // Appended (integrators read the columns above by position too): the home's zone and the same times in it.
        "time_zone", "raised_at_local", "acknowledged_at_local", "resolved_at_local",
        // Appended for arrival at the home (issue 17). "breach" above follows the verdict: late, no arrival, open past the contract.
        "category", "first_asked_at", "accepted_at", "arrived_at", "arrived_at_local", "team_id", "team_name", "minutes_to_arrival",
        "within_contract", "verdict", "minutes_late",
    ];

    /// <summary>The CSV word of each verdict.</summary>
    public static string VerdictName(ContractVerdict verdict) => verdict switch
    {
        ContractVerdict.Within => "within",
        ContractVerdict.Late => "late",
        ContractVerdict.NoArrival => "no_arrival",
        ContractVerdict.OpenPastContract => "open_past_contract",
        ContractVerdict.Pending => "pending",
        ContractVerdict.FalseAlarm => "false_alarm_excluded",
        _ => "not_measured",
    };

    /// <summary>The rows; <paramref name="zones"/> (home → IANA id) gives each home's zone, UTC for a home not in it.</summary>
    public static string Write(ResponseTimeReport report, IReadOnlyDictionary<string, string>? zones = null)
    {
        var csv = new StringBuilder();
        Line(csv, Header);
        foreach (var line in report.Alerts)
        {
            var row = line.Row;
            Line(csv,
            [
                Text(row.HomeId), Text(row.GatewayId), Text(row.AlertId), AlertTypeNames.ToName(row.Type), AlertTypeNames.ToName(row.Priority),
                Time(row.RaisedAt), Time(row.AcknowledgedAt), Time(row.ResolvedAt),
                row.Outcome is { } outcome ? ResolutionOutcomes.ToName(outcome) : "",
                Seconds(line.TimeToAcknowledge), Seconds(line.TimeToResolve),
                row.ResponseMinutes.ToString(CultureInfo.InvariantCulture), line.Breach ? "yes" : "no",
                .. LocalTimes(row, zones?.GetValueOrDefault(row.HomeId)),
                AlertCategories.ToName(line.Category), Time(row.FirstAskedAt), Time(row.AcceptedAt), Time(row.ArrivedAt),
                Local(row.ArrivedAt, zones?.GetValueOrDefault(row.HomeId)), Text(row.TeamId ?? ""), Text(row.TeamName ?? ""),
                Minutes(line.TimeToArrival), line.Judged ? (line.Breach ? "no" : "yes") : "", VerdictName(line.Verdict), Minutes(line.Lateness),
            ]);
        }

        return csv.ToString();
    }

    /// <summary>Neutralises a cell a spreadsheet would evaluate as a formula.</summary>
    public static string Text(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    /// <summary>One field, quoted when RFC 4180 requires it.</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static void Line(StringBuilder csv, IEnumerable<string> fields) =>
        csv.Append(string.Join(',', fields.Select(Field))).Append("\r\n");

    private static string Time(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    /// <summary>The zone's id (UTC when unknown) and the times as local ISO 8601 with their offset (2026-03-01T23:00:00+02:00).</summary>
    private static string[] LocalTimes(ResponseTimeRow row, string? timeZone)
    {
        var zone = ConsoleTime.Zone(timeZone);
        return [zone == TimeZoneInfo.Utc ? ConsoleTime.Utc : zone.Id, Local(row.RaisedAt, timeZone), Local(row.AcknowledgedAt, timeZone), Local(row.ResolvedAt, timeZone)];
    }

    private static string Local(DateTimeOffset? at, string? timeZone) =>
        at is { } value ? TimeZoneInfo.ConvertTime(value, ConsoleTime.Zone(timeZone)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "";

    private static string Minutes(TimeSpan? span) =>
        span is { } value ? Math.Round(value.TotalMinutes, 1).ToString("0.0", CultureInfo.InvariantCulture) : "";

    private static string Seconds(TimeSpan? span) =>
        span is { } value ? Math.Round(value.TotalSeconds, 1).ToString("0.0", CultureInfo.InvariantCulture) : "";
}
