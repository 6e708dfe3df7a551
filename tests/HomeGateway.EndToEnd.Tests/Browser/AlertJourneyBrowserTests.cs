using System.Globalization;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Gateway.Feedback;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The whole alarm journey the way a dispatcher works it: a fall arrives live, she takes it (the client's device shows
/// help is coming), notes and resolves it on its page; the response-time report and its CSV list it, and an admin finds
/// each of her steps in the audit log. A resolve form posted from another origin changes nothing.
/// </summary>
public sealed class AlertJourneyBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Admin = "aino";

    [Fact]
    public async Task A_fall_is_seen_live_acknowledged_noted_resolved_then_reported_and_audited()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Stack.AddUserAsync(Admin, "admin");
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await queue.MarkDocumentAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();
            Assert.True(await queue.IsSameDocumentAsync(), "the fall arrived by the live stream, without a reload");

            await queue.AcknowledgeAsync(fall);
            await queue.ExpectAcknowledgedByAsync(fall, ConsoleStack.Dispatcher);
            await QueueBrowserTests.UntilAsync(() => Stack.GatewayAppliedAckSeq == 1, timeout.Token);
            await QueueBrowserTests.UntilAsync(() => Stack.ClientLed == BlinkPattern.Steady, timeout.Token);
            var homeId = (await Stack.StoredAlertAsync(fall, timeout.Token))!.Value.GetProperty("homeId").GetString()!;

            // A second tab of hers keeps the live queue in view while she works the alert in the first.
            var watching = new QueuePage(await queue.Page.Context.NewPageAsync());
            await watching.OpenAsync();
            await watching.MarkDocumentAsync();
            await Expect(watching.Row(fall)).ToBeVisibleAsync();

            var detail = await queue.OpenDetailAsync(fall);
            await detail.AddNoteAsync("Called her daughter: on her way with the key.");
            await Expect(detail.Notes).ToContainTextAsync("on her way with the key");
            await detail.ResolveAsync("visited_no_injury", "Helped up, no injury; the evening carer looks in.");
            await Expect(detail.Resolution).ToHaveAttributeAsync("data-outcome", "visited_no_injury");
            await Expect(detail.Resolution).ToContainTextAsync("the evening carer looks in");
            await Expect(detail.ResolveForm).ToHaveCountAsync(0);

            // Resolved, it leaves the queue: live in the other tab, and in what dispatch lists as the queue.
            await Expect(watching.Row(fall)).ToHaveCountAsync(0);
            Assert.True(await watching.IsSameDocumentAsync(), "the row left the open queue live, without a reload");
            Assert.Null(await Stack.StoredAlertAsync(fall, timeout.Token));
            var resolved = (await Stack.StoredAlertAsync(fall, timeout.Token, status: "resolved"))!.Value;

            var report = new ReportPage(detail.Page);
            await report.OpenAsync();
            var row = report.AlertRow(fall);
            // Nobody recorded arriving at the home (no responder in this journey), so a care outcome without an arrival is
            // a breach of the contract (see "Response-time figures" in the dispatch README).
            await Expect(row).ToHaveAttributeAsync("data-breach", "true");
            await Expect(row).ToHaveAttributeAsync("data-verdict", "no_arrival");
            await Expect(row.Locator("td[data-outcome=\"visited_no_injury\"]")).ToBeVisibleAsync();
            // Raised, acknowledged and resolved: those three times are filled in, the last two with their durations.
            await Expect(row.Locator("time")).ToHaveCountAsync(3);
            await Expect(row.Locator(".after")).ToHaveCountAsync(2);
            await Expect(report.HomeRow(homeId)).ToBeVisibleAsync();

            var csv = CsvRow(await report.DownloadCsvAsync(), fall);
            Assert.Equal("visited_no_injury", csv["outcome"]);
            Assert.Equal("yes", csv["breach"]);
            Assert.Equal("no_arrival", csv["verdict"]);
            Assert.Equal(homeId, csv["home_id"]);
            AssertSeconds(resolved.GetProperty("timeToAcknowledgeSeconds").GetDouble(), csv["time_to_acknowledge_seconds"]);
            AssertSeconds(resolved.GetProperty("timeToResolveSeconds").GetDouble(), csv["time_to_resolve_seconds"]);

            // An admin at another desk reads who did what to the alert.
            var admin = await Stack.LogInAsync(session, Admin);
            var audit = new AuditPage(admin.Page);
            await audit.OpenForAlertAsync(fall);
            foreach (var action in new[] { "alert_viewed", "acknowledged", "note_added", "resolved" })
            {
                await Expect(audit.Rows(fall, action, ConsoleStack.Dispatcher).First).ToBeVisibleAsync();
            }
        });
    }

    [Fact]
    public async Task A_resolve_form_posted_from_another_origin_with_the_session_is_refused_and_the_alert_stays_unresolved()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();
            var resolve = new Uri(Stack.WebUri, AlertDetailPage.PathOf(await Stack.GatewayOfAsync(fall, timeout.Token), fall) + "/resolve");

            // 127.0.0.1 on another port: another origin of the same site, so the session cookie goes along.
            await using (var site = await ForeignSite.StartAsync(resolve, new Dictionary<string, string>
            {
                ["outcome"] = "false_alarm",
                ["note"] = "nothing happened",
            }))
            {
                var forged = await ForeignSite.VisitAsync(queue.Page, site.SameSiteOrigin, "/resolve");
                Assert.Equal(400, forged.Status);
            }

            Assert.NotNull(await Stack.StoredAlertAsync(fall, timeout.Token));
            await Expect(queue.Row(fall)).ToBeVisibleAsync();
            var detail = await queue.OpenDetailAsync(fall);
            Assert.Null(await detail.Resolution.GetAttributeAsync("data-outcome"));

            // The refusal was the defence, not a broken set-up: the page's own form resolves it.
            await detail.ResolveAsync("false_alarm", "The sensor was knocked over while cleaning.");
            await Expect(detail.Resolution).ToHaveAttributeAsync("data-outcome", "false_alarm");
        });
    }

    /// <summary>The CSV export's row for <paramref name="alertId"/>, by column name (the export has no quoted commas here).</summary>
    private static Dictionary<string, string> CsvRow(string csv, string alertId)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(',');
        Assert.Equal(ResponseTimeCsv.Header, header);
        var row = lines.Skip(1).Select(line => line.Split(',')).Single(cells => cells[Array.IndexOf(header, "alert_id")] == alertId);
        return header.Zip(row).ToDictionary(pair => pair.First, pair => pair.Second, StringComparer.Ordinal);
    }

    /// <summary>The CSV gives seconds to one decimal; the API the same duration unrounded.</summary>
    private static void AssertSeconds(double expected, string csvCell) =>
        Assert.InRange(double.Parse(csvCell, CultureInfo.InvariantCulture), expected - 0.051, expected + 0.051);
}
