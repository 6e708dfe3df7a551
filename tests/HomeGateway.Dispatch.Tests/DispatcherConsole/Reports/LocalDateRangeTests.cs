using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: a report's dates are each home's own dates: an alert is in the range when it was raised on one of those
/// dates in its home's time zone (UTC for a home whose zone dispatch does not know), and the UTC window the store is asked
/// for holds every such alert in any zone.
/// </summary>
public sealed class LocalDateRangeTests
{
    private static readonly DateOnly March1 = new(2026, 3, 1);

    private static readonly IReadOnlyDictionary<string, string> Zones = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["helsinki"] = "Europe/Helsinki",
        ["kiritimati"] = "Pacific/Kiritimati",
        ["baker"] = "Etc/GMT+12",
    };

    private static ResponseTimeRow Raised(string alertId, string homeId, string utc) =>
        new("gw-1", alertId, homeId, AlertType.Fall, AlertPriority.Critical, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture),
            null, null, null, 30);

    [Fact]
    public void An_alert_counts_on_its_homes_local_date_not_the_utc_date()
    {
        var rows = new[]
        {
            // 1 March 23:30 in Helsinki (UTC+2) is 21:30 UTC: in. 2 March 00:30 Helsinki is 1 March 22:30 UTC: out.
            Raised("hel-late-evening", "helsinki", "2026-03-01T21:30:00Z"),
            Raised("hel-after-midnight", "helsinki", "2026-03-01T22:30:00Z"),
            // 1 March 00:30 Helsinki is 28 February 22:30 UTC: in, though its UTC date is not.
            Raised("hel-just-after-midnight", "helsinki", "2026-02-28T22:30:00Z"),
            // A home without a known zone is counted in UTC.
            Raised("utc-in", "unknown-zone", "2026-03-01T23:59:59Z"),
            Raised("utc-out", "unknown-zone", "2026-02-28T23:59:59Z"),
        };

        var kept = LocalDateRange.Filter(rows, Zones, March1, March1);

        Assert.Equal(["hel-late-evening", "hel-just-after-midnight", "utc-in"], kept.Select(r => r.AlertId));
    }

    [Fact]
    public void The_utc_window_holds_the_range_in_the_zones_furthest_from_utc()
    {
        var (from, to) = LocalDateRange.UtcWindow(March1, March1);
        // The first second of 1 March at UTC+14 and the last of 1 March at UTC−12.
        var earliest = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(14));
        var latest = new DateTimeOffset(2026, 3, 1, 23, 59, 59, TimeSpan.FromHours(-12));

        Assert.True(from <= earliest && earliest < to);
        Assert.True(from <= latest && latest < to);
        var rows = new[] { Raised("kiritimati", "kiritimati", earliest.ToString("O")), Raised("baker", "baker", latest.ToString("O")) };
        Assert.Equal(2, LocalDateRange.Filter(rows, Zones, March1, March1).Count);
    }

    [Fact]
    public void The_csv_gives_the_homes_zone_and_its_local_times_after_the_columns_integrators_already_read()
    {
        var report = ResponseTimeReport.Build([Raised("fall-1", "helsinki", "2026-03-01T21:30:00Z")], DateTimeOffset.Parse("2026-03-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var lines = ResponseTimeCsv.Write(report, Zones).Split("\r\n");

        Assert.Contains(",time_zone,raised_at_local,acknowledged_at_local,resolved_at_local,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("home_id,gateway_id,alert_id,type,priority,raised_at,acknowledged_at,resolved_at,outcome,", lines[0], StringComparison.Ordinal);
        Assert.Contains(",2026-03-01T21:30:00Z,,,,,,30,yes,Europe/Helsinki,2026-03-01T23:30:00+02:00,,,care,", lines[1], StringComparison.Ordinal);
    }
}
