using System.Net;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: the care manager reads the figures and records — the response-time report and its CSV, the homes, a home,
/// an alert — each view audited as for anyone, and changes nothing: every post is refused by the handler (403), whatever
/// the page offers; the queue's actions, the audit log, users, tokens and enrolment stay closed; the navigation shows
/// only what she may open.
/// </summary>
public sealed class CareManagerTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private DispatchServer server = null!;
    private ConsoleSession carol = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
        carol = await ConsoleSession.LogInAsync(server, "carol", await ConsoleSession.AddUserAsync(server, "carol", "care_manager"));
    }

    public async Task DisposeAsync()
    {
        carol.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task The_care_manager_reads_the_report_homes_and_an_alert_and_each_view_is_audited()
    {
        var day = Records.T0.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var report = await carol.PageAsync($"/reports/response-times?from={day}&to={day}");
        var csv = await carol.Web.GetAsync("/reports/response-times.csv");
        var homes = await carol.PageAsync("/homes");
        var home = await carol.PageAsync("/homes/home-1");
        var alert = await carol.PageAsync(FallPath);

        Assert.Contains(FallPath, report, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains("data-home-id=\"home-1\"", homes, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"register\"", homes, StringComparison.Ordinal);
        Assert.Contains("id=\"details\"", home, StringComparison.Ordinal);
        Assert.Contains("daughter 040 123 4567", home, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit\"", home, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"enrol\"", home, StringComparison.Ordinal);
        foreach (var form in new[] { "acknowledge", "assign", "note", "escalate", "resolve" })
        {
            Assert.DoesNotContain($"id=\"{form}\"", alert, StringComparison.Ordinal);
        }

        var audit = (await server.Store.ListAuditAsync(null, null)).Where(a => a.Actor == "carol").Select(a => a.Action).ToList();
        Assert.Contains("report_viewed", audit);
        Assert.Contains("report_exported", audit);
        Assert.Contains("home_viewed", audit);
        Assert.Contains("alert_viewed", audit);
    }

    [Fact]
    public async Task Every_post_of_the_care_manager_is_refused_and_changes_nothing()
    {
        await carol.PageAsync(FallPath);
        (string Path, (string, string)[] Fields)[] posts =
        [
            ("/acknowledge", [("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", "/")]),
            (FallPath + "/assign", [("assignee", "carol")]),
            (FallPath + "/notes", [("text", "seen")]),
            (FallPath + "/escalate", [("reason", "why")]),
            (FallPath + "/resolve", [("outcome", "visited_no_injury"), ("note", "")]),
            ("/homes", [("homeId", "home-9"), ("responseMinutes", "30"), ("keySafe", ""), ("contacts", ""), ("notes", "")]),
            ("/homes/home-1", [("responseMinutes", "5"), ("keySafe", ""), ("contacts", ""), ("notes", "")]),
            ("/gateways/enrol", [("gatewayId", "gw-9"), ("homeId", "home-1")]),
            ("/users", [("name", "mallory"), ("role", "admin"), ("language", "en")]),
            ("/users/carol/role", [("role", "admin"), ("language", "en")]),
            ("/users/carol/reset-password", []),
            ("/tokens", [("name", "mine"), ("days", "30")]),
        ];

        foreach (var (path, fields) in posts)
        {
            var response = await carol.PostAsync(path, fields);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {response.StatusCode}");
        }

        var alert = (await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert;
        Assert.Null(alert.AcknowledgedBy);
        Assert.Equal(30, (await server.Store.FindHomeAsync("home-1"))!.ResponseMinutes);
        Assert.Null(await server.Store.FindHomeAsync("home-9"));
        Assert.Null(await server.Store.FindUserAsync("mallory"));
        Assert.Equal("care_manager", (await server.Store.FindUserAsync("carol"))!.Role);
        Assert.Empty(await server.Store.ListApiTokensAsync());
    }

    [Theory]
    [InlineData("/audit")]
    [InlineData("/users")]
    [InlineData("/tokens")]
    [InlineData("/gateways")]
    [InlineData("/fleet")]
    public async Task The_care_manager_may_not_open_the_pages_that_are_not_hers(string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.Web.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task The_care_manager_starts_at_the_report_and_the_navigation_shows_only_her_pages()
    {
        var start = await carol.Web.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Equal("/reports/response-times", start.Headers.Location?.OriginalString);

        var nav = NavOf(await carol.PageAsync("/reports/response-times"));

        Assert.Equal(["/homes", "/reports/response-times", "/account"], nav);
    }

    [Fact]
    public async Task A_dispatcher_and_a_technician_see_no_users_in_the_navigation_and_an_admin_does()
    {
        using var dispatcher = await ConsoleSession.LogInAsync(server, "dan", await ConsoleSession.AddUserAsync(server, "dan", "dispatcher"));
        using var admin = await ConsoleSession.LogInAsync(server, "ada", await ConsoleSession.AddUserAsync(server, "ada", "admin"));

        Assert.DoesNotContain("/users", NavOf(await dispatcher.PageAsync("/account")));
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.Web.GetAsync("/users")).StatusCode);
        Assert.Contains("/users", NavOf(await admin.PageAsync("/account")));
    }

    [Fact]
    public async Task The_users_page_names_the_care_manager_in_each_language()
    {
        using var admin = await ConsoleSession.LogInAsync(server, "ada", await ConsoleSession.AddUserAsync(server, "ada", "admin"));
        foreach (var language in ConsoleLanguages.All)
        {
            await admin.PostAsync("/language", ("language", ConsoleLanguages.Code(language)), ("returnTo", "/users"));
            var page = WebUtility.HtmlDecode(await admin.PageAsync("/users"));
            Assert.Contains(ConsoleWords.Of<Dispatch.DispatcherConsole.Pages.UsersPage>("Role_care_manager", language), page, StringComparison.Ordinal);
        }
    }

    private static List<string> NavOf(string html)
    {
        var nav = html[html.IndexOf("<nav", StringComparison.Ordinal)..html.IndexOf("</nav>", StringComparison.Ordinal)];
        return [.. System.Text.RegularExpressions.Regex.Matches(nav, "href=\"([^\"]+)\"").Select(m => m.Groups[1].Value)];
    }
}
