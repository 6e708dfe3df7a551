using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: the alert detail, homes, report and audit pages speak the user's language in the same frame as every
/// other page (one header, the role's whole navigation, the language switch back to the page), and keep the stable
/// hooks browser tests and user scripts find them by, whatever the language.
/// </summary>
public sealed partial class TranslatedPagesTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private const string ReportPath = "/reports/response-times?from=2026-03-01&to=2026-03-01";
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("fall-1", priority: AlertPriority.High));
        await server.Store.UpdateHomeAsync(new HomeDetails("home-1", 30, "left of the front door", "daughter 040 123 4567", ""), "setup");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<ConsoleSession> LogInAsync(string name, string role, string language) =>
        await ConsoleSession.LogInAsync(server, name, await ConsoleSession.AddUserAsync(server, name, role, language), acceptLanguage: "en-GB");

    [Fact]
    public async Task A_finnish_admin_gets_the_alert_homes_report_and_audit_pages_in_finnish_in_the_common_frame()
    {
        using var maija = await LogInAsync("maija", "admin", "fi");

        var detail = await maija.PageAsync(FallPath);
        var homes = await maija.PageAsync("/homes");
        var home = await maija.PageAsync("/homes/home-1");
        var report = await maija.PageAsync(ReportPath);
        var audit = await maija.PageAsync("/audit");

        foreach (var page in new[] { detail, homes, home, report, audit })
        {
            Assert.Contains("<html lang=\"fi\">", page, StringComparison.Ordinal);
            Assert.Contains(">Kirjaudu ulos</button>", page, StringComparison.Ordinal);
            Assert.Single(Headers().Matches(page));
            // An admin's navigation: every page of the console, once.
            foreach (var link in new[] { "/", "/fleet", "/gateways", "/homes", "/reports/response-times", "/audit", "/account" })
            {
                // The current page's link also carries aria-current.
                Assert.Single(Regex.Matches(page, $"<a href=\"{Regex.Escape(link)}\"[ >]"));
            }
        }

        Assert.Contains("<h1>Hälytys: kaatuminen, koti home-1</h1>", detail, StringComparison.Ordinal);
        Assert.Contains("Sopimuksen mukainen vasteaika", detail, StringComparison.Ordinal);
        Assert.Contains("Sisäänpääsyohjeet", detail, StringComparison.Ordinal);
        Assert.Contains(">Kuittaa</button>", detail, StringComparison.Ordinal);
        Assert.Contains(">Virhehälytys</option>", detail, StringComparison.Ordinal);
        // Acknowledging returns to the alert's page, which says so.
        Assert.Contains("name=\"returnTo\" value=\"/alerts/gw-1/fall-1?done=acknowledged\"", detail, StringComparison.Ordinal);
        Assert.Contains("<h1>Kodit</h1>", homes, StringComparison.Ordinal);
        Assert.Contains("Rekisteröi koti", homes, StringComparison.Ordinal);
        Assert.Contains("<h1>Koti home-1</h1>", home, StringComparison.Ordinal);
        Assert.Contains("<h1>Vasteajat</h1>", report, StringComparison.Ordinal);
        Assert.Contains("YLITYS", report, StringComparison.Ordinal);
        Assert.Contains("name=\"returnTo\" value=\"/reports/response-times?from=2026-03-01&amp;to=2026-03-01\"", report, StringComparison.Ordinal);
        Assert.Contains("<h1>Tapahtumaloki</h1>", audit, StringComparison.Ordinal);
        Assert.Contains(">katsoi hälytystä</td>", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_swedish_dispatcher_gets_the_pages_and_the_form_errors_in_swedish_while_the_json_api_stays_english()
    {
        using var sven = await LogInAsync("sven", "dispatcher", "sv");

        var detail = await sven.PageAsync(FallPath);
        var report = await sven.PageAsync(ReportPath);
        var noOutcome = await sven.PostAsync(FallPath + "/resolve", ("outcome", ""));
        var emptyNote = await sven.PostAsync(FallPath + "/notes", ("text", " "));
        var nobody = await sven.PostAsync(FallPath + "/assign", ("assignee", "ingen-sadan"));

        Assert.Contains("<html lang=\"sv\">", detail, StringComparison.Ordinal);
        Assert.Contains("<h1>Larm: fall i hem home-1</h1>", detail, StringComparison.Ordinal);
        Assert.Contains("Avtalad responstid", detail, StringComparison.Ordinal);
        Assert.Contains("Instruktioner för att komma in", detail, StringComparison.Ordinal);
        Assert.Contains(">Hembesök – ingen skada</option>", detail, StringComparison.Ordinal);
        Assert.Contains(">Logga ut</button>", detail, StringComparison.Ordinal);
        // A dispatcher's navigation: the homes (read-only), no audit.
        Assert.Contains("<a href=\"/homes\">Hem</a>", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("<a href=\"/audit\">", detail, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/reports/response-times\">Responstider</a>", detail, StringComparison.Ordinal);
        Assert.Contains("<h1>Responstider</h1>", report, StringComparison.Ordinal);
        Assert.Contains("ÖVERSKRIDEN", report, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, noOutcome.StatusCode);
        Assert.Contains("Välj utfall.", await noOutcome.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, emptyNote.StatusCode);
        Assert.Contains("Anteckningen får inte vara tom.", await emptyNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
        Assert.Contains("Det finns ingen konsolanvändare", await nobody.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("<html lang=\"sv\">", await nobody.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Integrations read English errors whatever language their owner's console speaks.
        Assert.Equal("The note must not be empty.", AlertLifecycle.TextProblem(" ", "note", 10));
    }

    [Fact]
    public async Task The_detail_report_and_audit_pages_carry_the_hooks_browser_tests_find_them_by()
    {
        using var ada = await LogInAsync("ada", "admin", "fi");

        var open = await ada.PageAsync(FallPath);

        foreach (var form in new[] { "acknowledge", "assign", "note", "escalate", "resolve" })
        {
            Assert.Matches($"<form method=\"post\" action=\"[^\"]+\" id=\"{form}\">", open);
        }

        var resolveForm = ResolveForm().Match(open).Value;
        Assert.Contains("<select id=\"resolve-outcome\" name=\"outcome\" required>", resolveForm, StringComparison.Ordinal);
        Assert.Contains("<label for=\"resolve-outcome\">", resolveForm, StringComparison.Ordinal);
        Assert.Contains("<textarea id=\"resolve-note\" name=\"note\"", resolveForm, StringComparison.Ordinal);
        Assert.Contains("<button type=\"submit\">", resolveForm, StringComparison.Ordinal);
        foreach (var outcome in new[] { "visited_no_injury", "visited_injury", "ambulance_called", "false_alarm", "technical_fault", "client_not_home", "other" })
        {
            Assert.Contains($"<option value=\"{outcome}\">", resolveForm, StringComparison.Ordinal);
        }

        Assert.Matches("<form method=\"post\" action=\"/alerts/gw-1/fall-1/notes\" id=\"note\">", open);
        Assert.DoesNotContain("data-outcome=", open, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await ada.PostAsync(FallPath + "/resolve", ("outcome", "false_alarm"), ("note", "pressed by mistake"))).StatusCode);
        var resolved = await ada.PageAsync(FallPath);
        var report = await ada.PageAsync(ReportPath);
        var audit = await ada.PageAsync("/audit");

        Assert.Contains("<dd id=\"resolution\" data-outcome=\"false_alarm\">Virhehälytys", resolved, StringComparison.Ordinal);
        Assert.Matches("<table id=\"alerts\"[ >]", report);
        Assert.Matches("<table id=\"homes\"[ >]", report);
        Assert.Matches("<a id=\"csv\" href=\"/reports/response-times.csv", report);
        // Resolved as a false alarm: left out of the contract figures (not a breach), on the row as data.
        Assert.Contains("<tr data-alert-id=\"fall-1\" data-gateway-id=\"gw-1\" data-breach=\"false\" data-category=\"care\" data-verdict=\"false_alarm_excluded\"", report, StringComparison.Ordinal);
        Assert.Matches("<td data-outcome=\"false_alarm\"[^>]*>Virhehälytys</td>", report);
        Assert.Contains("<tr data-home-id=\"home-1\"", report, StringComparison.Ordinal);
        Assert.Matches("<table id=\"audit\"[ >]", audit);
        Assert.Contains("<tr data-action=\"resolved\" data-alert-id=\"fall-1\" data-actor=\"ada\">", audit, StringComparison.Ordinal);
        Assert.Contains("<tr data-action=\"report_viewed\" data-alert-id=\"\" data-actor=\"ada\">", audit, StringComparison.Ordinal);
    }

    [GeneratedRegex("<header[ >]")]
    private static partial Regex Headers();

    [GeneratedRegex("<form method=\"post\" action=\"[^\"]+/resolve\" id=\"resolve\">.*?</form>", RegexOptions.Singleline)]
    private static partial Regex ResolveForm();
}
