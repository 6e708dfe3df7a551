using System.Globalization;
using System.Text;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Frame;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Reports;

/// <summary>
/// The care manager's figures (pure: rows and "now" in, figures out). Per alert: time to acknowledge and time to resolve
/// (time to help), both from the gateway's raised-at; a breach is an alert resolved later than its home's contracted
/// response time after it was raised, or still unresolved past it. Per home: count, median / 90th percentile / max of
/// both times over the alerts that have them (nearest-rank percentile), and breaches.
/// </summary>
public sealed record ResponseTimeReport(IReadOnlyList<ResponseTimeLine> Alerts, IReadOnlyList<HomeResponseFigures> Homes)
{
    public static ResponseTimeReport Build(IEnumerable<ResponseTimeRow> rows, DateTimeOffset now)
    {
        var lines = rows.Select(row =>
        {
            var contracted = TimeSpan.FromMinutes(row.ResponseMinutes);
            var toAck = row.AcknowledgedAt - row.RaisedAt;
            var toResolve = row.ResolvedAt - row.RaisedAt;
            var breach = toResolve is { } resolved ? resolved > contracted : now - row.RaisedAt > contracted;
            return new ResponseTimeLine(row, toAck, toResolve, breach);
        }).ToList();
        var homes = lines.GroupBy(l => l.Row.HomeId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new HomeResponseFigures(
                g.Key,
                g.First().Row.ResponseMinutes,
                g.Count(),
                Figures.Of(g.Where(l => l.TimeToAcknowledge is not null).Select(l => l.TimeToAcknowledge!.Value)),
                Figures.Of(g.Where(l => l.TimeToResolve is not null).Select(l => l.TimeToResolve!.Value)),
                g.Count(l => l.Breach)))
            .ToList();
        return new ResponseTimeReport(lines, homes);
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

    /// <summary>The rows raised on a date in [<paramref name="from"/>, <paramref name="to"/>] of their home's zone (<paramref name="zones"/>: home → IANA id; UTC for a home not in it).</summary>
    public static IReadOnlyList<ResponseTimeRow> Filter(
        IEnumerable<ResponseTimeRow> rows, IReadOnlyDictionary<string, string> zones, DateOnly from, DateOnly to) =>
        rows.Where(row => ConsoleTime.LocalDate(row.RaisedAt, zones.GetValueOrDefault(row.HomeId)) is var date && date >= from && date <= to)
            .ToList();
}

/// <param name="TimeToAcknowledge">Null while nobody acknowledged it.</param>
/// <param name="TimeToResolve">Null while unresolved: the time to help.</param>
public sealed record ResponseTimeLine(ResponseTimeRow Row, TimeSpan? TimeToAcknowledge, TimeSpan? TimeToResolve, bool Breach);

public sealed record HomeResponseFigures(string HomeId, int ResponseMinutes, int AlertCount, Figures Acknowledge, Figures Resolve, int Breaches);

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
    ];

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
        string Local(DateTimeOffset? at) =>
            at is { } value ? TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "";
        return [zone == TimeZoneInfo.Utc ? ConsoleTime.Utc : zone.Id, Local(row.RaisedAt), Local(row.AcknowledgedAt), Local(row.ResolvedAt)];
    }

    private static string Seconds(TimeSpan? span) =>
        span is { } value ? Math.Round(value.TotalSeconds, 1).ToString("0.0", CultureInfo.InvariantCulture) : "";
}
