using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: a Finnish admin reads the audit log in Finnish: the actions, and the details dispatch's own code writes
/// (in English, the record) as well; only what a person typed stays as typed.
/// </summary>
public sealed partial class FinnishAuditTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private const string Typed = "call the daughter first, she has the key";
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("fall-1", homeId: "koti-7"));
        await server.Store.UpdateHomeAsync(new HomeDetails("koti-7", 30, "ovenpielessä", "tytär 040 123 4567", ""), "asennus");
        await server.Store.UpdateHomeAsync(new HomeDetails("koti-7", 20, "autotallissa", "tytär 040 123 4567", ""), "asennus");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Every_action_and_every_console_written_detail_is_finnish()
    {
        var password = await ConsoleSession.AddUserAsync(server, "maija", "admin", language: "fi");
        using var maija = await ConsoleSession.LogInAsync(server, "maija", password, acceptLanguage: "en-GB");
        await maija.PageAsync(FallPath);
        foreach (var _ in new[] { 1, 2 })
        {
            Assert.Equal(HttpStatusCode.Redirect, (await maija.PostAsync("/acknowledge", ("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", FallPath))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await maija.PostAsync(FallPath + "/notes", ("text", "Soitettu tyttärelle."))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await maija.PostAsync(FallPath + "/assign", ("assignee", "maija"))).StatusCode);
        foreach (var _ in new[] { 1, 2 })
        {
            await maija.PostAsync(FallPath + "/resolve", ("outcome", "false_alarm"), ("note", ""));
        }

        await maija.PageAsync("/reports/response-times?from=2026-03-01&to=2026-03-07");
        await maija.PageAsync("/gateways");
        Assert.Equal(HttpStatusCode.OK, (await maija.PostAsync("/gateways/enrol", ("gatewayId", "gw-1"), ("homeId", ""))).StatusCode);
        await maija.PageAsync("/account");
        Assert.Equal(HttpStatusCode.OK, (await maija.PostAsync("/account", ("current", password), ("password", "kotihoito-yövuoro-2026"), ("repeat", "kotihoito-yövuoro-2026"))).StatusCode);
        await server.Store.RecordAuditAsync("maija", "note_added", "gw-1", Typed);

        var audit = await maija.PageAsync("/audit");

        var rows = Rows().Matches(audit).Select(row => (Action: row.Groups[1].Value, Cells: Cells().Matches(row.Groups[2].Value).Select(c => Text(c.Groups[1].Value)).ToList())).ToList();
        var actions = rows.Select(r => r.Action).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(
            new HashSet<string>(["logged_in", "alert_viewed", "acknowledged", "acknowledge_repeated", "note_added", "assigned", "resolved", "resolve_repeated",
                "report_viewed", "enrolment_code_issued", "password_changed", "home_updated"], StringComparer.Ordinal),
            actions);
        foreach (var (action, cells) in rows)
        {
            var detail = cells[6];
            if (detail == Typed)
            {
                continue;
            }

            Assert.DoesNotMatch(English(), cells[2]);
            Assert.DoesNotMatch(English(), detail);
            Assert.NotEqual(action, cells[2]);
        }

        // Typed by a person: as typed.
        Assert.Contains(rows, r => r.Cells[6] == Typed);
        // A range in Finnish dates, a resolution's outcome in words.
        Assert.Contains(rows, r => r.Action == "report_viewed" && r.Cells[6] == "1.3.2026–7.3.2026 (kunkin kodin omat päivät)");
        Assert.Contains(rows, r => r.Action == "resolved" && r.Cells[6].StartsWith("lopputulos: Virhehälytys; ratkaisuaika ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Action == "home_updated" && r.Cells[6] == "muutettu: vasteaika 30 → 20 min, avainsäilö");
    }

    private static string Text(string html) => WebUtility.HtmlDecode(Tags().Replace(html, "")).Trim();

    [GeneratedRegex("""<tr data-action="([^"]+)"[^>]*>(.*?)</tr>""", RegexOptions.Singleline)]
    private static partial Regex Rows();

    [GeneratedRegex("<td[^>]*>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cells();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    /// <summary>Words of the English details and action names (ids here are Finnish or neutral: koti-7, gw-1, maija).</summary>
    [GeneratedRegex(@"\b(from|the|console|to|time|outcome|characters|assigned|changed|expires|home|reason|dates|already|nothing|acknowledged|resolved|response|key|safe|own|password|viewed|issued|code|logged|UTC)\b", RegexOptions.IgnoreCase)]
    private static partial Regex English();
}
