using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: the alert page keeps the dispatcher on the alert and says what she just did; it offers only the actions
/// her role and the alert's state allow; a Finnish page has no English words from the code (only what people typed
/// and raw ids); and text people typed comes out encoded, never as markup.
/// </summary>
public sealed partial class AlertAndHomePagesTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private static readonly string[] ActionForms = ["acknowledge", "assign", "note", "escalate", "resolve"];
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
        await server.Store.StoreAsync(new IncomingRecord("gw-1", 3, Records.T0,
            null, new SensorEvent("home-1", "bedroom_radar", SensorKind.Fall, SensorStates.Fall, Records.T0.AddMinutes(-1), "zigbee") { BatteryPercent = 80 }));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<ConsoleSession> LogInAsync(string name, string role, string language = "en") =>
        await ConsoleSession.LogInAsync(server, name, await ConsoleSession.AddUserAsync(server, name, role, language));

    [Fact]
    public async Task Acknowledging_on_the_alert_page_returns_to_the_alert_which_says_it_was_done()
    {
        using var anna = await LogInAsync("anna", "dispatcher");
        // A link with ?done= confirms nothing that did not happen.
        Assert.DoesNotContain("role=\"status\"", await anna.PageAsync(FallPath + "?done=acknowledged"), StringComparison.Ordinal);
        Assert.DoesNotContain("role=\"status\"", await anna.PageAsync(FallPath + "?done=resolved"), StringComparison.Ordinal);
        var page = await anna.PageAsync(FallPath);
        var returnTo = WebUtility.HtmlDecode(AcknowledgeReturnTo().Match(page).Groups[1].Value);

        var acknowledged = await anna.PostAsync("/acknowledge", ("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", returnTo));

        Assert.Equal(HttpStatusCode.Redirect, acknowledged.StatusCode);
        Assert.Equal(FallPath + "?done=acknowledged", acknowledged.Headers.Location?.OriginalString);
        var after = WebUtility.HtmlDecode(await anna.PageAsync(FallPath + "?done=acknowledged"));
        Assert.Contains("<p id=\"done\" class=\"done\" role=\"status\">" + ConsoleWords.Of<AlertDetailPage>("Done_acknowledged", ConsoleLanguage.English) + "</p>",
            after, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"acknowledge\"", after, StringComparison.Ordinal);
        Assert.Equal("anna", (await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert.AcknowledgedBy);

        // Someone else who had the page open and acknowledges late is told who was first, not that she did it.
        using var bert = await LogInAsync("bert", "dispatcher");
        var late = WebUtility.HtmlDecode(await bert.PageAsync(FallPath + "?done=acknowledged"));
        Assert.Contains(ConsoleWords.Format<AlertDetailPage>("AcknowledgedEarlierBy", ConsoleLanguage.English, "anna"), late, StringComparison.Ordinal);
        // A page opened without ?done (or with one it does not know) confirms nothing.
        Assert.DoesNotContain("role=\"status\"", await bert.PageAsync(FallPath + "?done=<b>x</b>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_action_of_the_page_comes_back_to_the_alert_with_its_confirmation()
    {
        using var anna = await LogInAsync("anna", "dispatcher", "fi");
        await anna.PageAsync(FallPath);

        foreach (var (action, field, done) in new[]
        {
            ("assign", ("assignee", "anna"), "assigned"),
            ("notes", ("text", "soitin tyttärelle"), "noted"),
            ("escalate", ("reason", "ei vastausta"), "escalated"),
            ("resolve", ("outcome", "false_alarm"), "resolved"),
        })
        {
            var response = await anna.PostAsync(FallPath + "/" + action, field);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(FallPath + "?done=" + done, response.Headers.Location?.OriginalString);
            var page = WebUtility.HtmlDecode(await anna.PageAsync(FallPath + "?done=" + done));
            Assert.Contains("role=\"status\">" + ConsoleWords.Of<AlertDetailPage>("Done_" + done, ConsoleLanguage.Finnish) + "</p>", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_refused_post_gives_back_what_was_typed_beside_the_problem()
    {
        using var anna = await LogInAsync("anna", "dispatcher");
        await anna.PageAsync(FallPath);
        var longNote = "Soitettu tyttärelle. " + new string('x', 2000);

        var tooLong = await anna.PostAsync(FallPath + "/notes", ("text", longNote));
        var noOutcome = await anna.PostAsync(FallPath + "/resolve", ("outcome", ""), ("note", "helped <up>"));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var tooLongPage = await tooLong.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", tooLongPage, StringComparison.Ordinal);
        Assert.Contains(">" + longNote + "</textarea>", tooLongPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noOutcome.StatusCode);
        Assert.Contains(">helped &lt;up&gt;</textarea>", await noOutcome.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_actions_the_role_and_the_alerts_state_allow_are_offered()
    {
        using var tess = await LogInAsync("tess", "technician");
        using var anna = await LogInAsync("anna", "dispatcher");

        // A technician does not work alerts: the page refuses her, with no form on it.
        var refused = await tess.Web.GetAsync(FallPath);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var refusal = await refused.Content.ReadAsStringAsync();
        Assert.All(ActionForms, form => Assert.DoesNotContain($"id=\"{form}\"", refusal, StringComparison.Ordinal));
        Assert.False(AlertActionRules.MayAct(User("technician")));
        Assert.True(AlertActionRules.MayAct(User("dispatcher")));

        var open = await anna.PageAsync(FallPath);
        Assert.All(ActionForms, form => Assert.Contains($"id=\"{form}\"", open, StringComparison.Ordinal));

        // Escalated: not escalated twice. Resolved: closed for everything but a note.
        await anna.PostAsync(FallPath + "/escalate", ("reason", "no answer"));
        var escalated = await anna.PageAsync(FallPath);
        Assert.DoesNotContain("id=\"escalate\"", escalated, StringComparison.Ordinal);
        Assert.Contains("id=\"resolve\"", escalated, StringComparison.Ordinal);
        await anna.PostAsync(FallPath + "/resolve", ("outcome", "other"));
        var resolved = await anna.PageAsync(FallPath);
        Assert.Contains("id=\"note\"", resolved, StringComparison.Ordinal);
        Assert.All(ActionForms.Where(f => f != "note"), form => Assert.DoesNotContain($"id=\"{form}\"", resolved, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_finnish_page_of_a_resolved_alert_with_its_history_has_no_english_words_from_the_code()
    {
        using var maija = await LogInAsync("maija", "admin", "fi");
        await maija.PageAsync(FallPath);
        await server.Store.EscalateAsync("gw-1", "fall-1", "critical and not acknowledged within 5 min", CriticalEscalation.Actor, onlyIfUnacknowledged: true);
        await maija.PostAsync("/acknowledge", ("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", FallPath));
        await maija.PostAsync("/acknowledge", ("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", FallPath));
        await maija.PostAsync(FallPath + "/assign", ("assignee", "maija"));
        await maija.PostAsync(FallPath + "/assign", ("assignee", ""));
        await maija.PostAsync(FallPath + "/notes", ("text", "tytär tulossa"));
        await maija.PostAsync(FallPath + "/resolve", ("outcome", "visited_no_injury"), ("note", "ei vammoja"));
        await maija.PostAsync(FallPath + "/resolve", ("outcome", "other"));

        var page = await maija.PageAsync(FallPath + "?done=resolved");
        var text = WebUtility.HtmlDecode(Tags().Replace(page, " "));

        Assert.Contains("data-outcome=\"visited_no_injury\"", page, StringComparison.Ordinal);
        Assert.Contains("Kotikäynti – ei vammoja", text, StringComparison.Ordinal);
        Assert.Contains("kriittinen eikä kuitattu 5 min kuluessa", text, StringComparison.Ordinal);
        Assert.Contains("KÄYNNISSÄ: saapunut", text, StringComparison.Ordinal);
        // The timeline in words, the raw sensor, source and state beside them.
        Assert.Contains("bedroom_radar: kaatuminen", text, StringComparison.Ordinal);
        Assert.Contains("kaatumisanturi · zigbee · paristo 80 %", text, StringComparison.Ordinal);
        Assert.Contains("hälytys alkoi (korkea, ×1)", text, StringComparison.Ordinal);
        foreach (var action in new[] { "alert_viewed", "escalated", "acknowledged", "acknowledge_repeated", "assigned", "unassigned", "note_added", "resolved", "resolve_repeated" })
        {
            Assert.Contains($"<tr data-action=\"{action}\">", page, StringComparison.Ordinal);
        }

        // What the English page and the code's audit details said, none of which may be left on a Finnish page.
        string[] english =
        [
            "from the console", "time to acknowledge", "time to resolve", "outcome", "assigned to", "was assigned", "characters", "already",
            "nothing changed", "critical", "not acknowledged within", "automatic escalation", "viewed the alert", "added a note", "acknowledged",
            "resolved", "escalated", "unassigned", "again", "no change", "Visited", "injury", "False alarm", "raised", "repeated", "cleared",
            "alert", "priority", "high", "checked in", "check-out", "carer", "door sensor", "battery", "open", "Contracted", "Key safe",
            "Contacts", "Notes", "History", "Timeline", "Actions", "Summary", "Sensor", "gateway", "Acknowledge", "Assign", "Escalate",
            "Resolve", "When", "Who", "What", "Detail", "On the device", "not yet", "nobody", "after the alert", "Log out", "Language",
        ];
        Assert.All(english, word => Assert.DoesNotMatch(new Regex($@"\b{Regex.Escape(word)}\b", RegexOptions.IgnoreCase), text));
    }

    [Fact]
    public async Task Hostile_text_in_notes_and_home_fields_comes_out_encoded()
    {
        const string hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
        await server.Store.UpdateHomeAsync(new HomeDetails("home-1", 30, hostile, hostile, hostile), "setup");
        using var ada = await LogInAsync("ada", "admin");
        await ada.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Redirect, (await ada.PostAsync(FallPath + "/notes", ("text", hostile))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await ada.PostAsync(FallPath + "/escalate", ("reason", hostile))).StatusCode);

        var alert = await ada.PageAsync(FallPath);
        var home = await ada.PageAsync("/homes/home-1");
        var badForm = await (await ada.PostAsync("/homes", ("homeId", hostile), ("responseMinutes", "x"))).Content.ReadAsStringAsync();

        foreach (var page in new[] { alert, home, badForm })
        {
            Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        }

        Assert.Contains("&lt;script&gt;", alert, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", home, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", badForm, StringComparison.Ordinal);
        // In a value attribute the quote is encoded, so it cannot close the attribute.
        Assert.Contains("value=\"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&gt;", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_field_error_on_the_home_form_is_announced_beside_its_field_and_tied_to_it()
    {
        using var ada = await LogInAsync("ada", "admin");
        await ada.PageAsync("/homes");

        var bad = await (await ada.PostAsync("/homes", ("homeId", "kotka 42"), ("responseMinutes", "4"))).Content.ReadAsStringAsync();

        Assert.Matches("<input id=\"register-homeId\" name=\"homeId\"[^>]* aria-invalid=\"true\" aria-describedby=\"register-homeId-error\"\\s*/?>", bad);
        Assert.Matches("<span id=\"register-homeId-error\" class=\"error field-error\" role=\"alert\">", bad);
        Assert.Matches("aria-describedby=\"register-responseMinutes-error\"", bad);
        Assert.DoesNotContain("register-keySafe-error", bad, StringComparison.Ordinal);
        Assert.Contains("<label for=\"register-keySafe\">", bad, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_stored_audit_action_and_the_codes_details_have_words_in_every_language()
    {
        string[] actions =
        [
            "acknowledged", "acknowledge_repeated", "assigned", "unassigned", "note_added", "escalated", "resolved", "resolve_repeated", "reopened",
            "alert_viewed", "home_viewed", "home_registered", "home_updated", "report_viewed", "report_exported", "logged_in", "logged_out",
            "session_ended", ConsoleGatewaysAction, ConsoleAccountAction, HomeGateway.Dispatch.IntegrationApi.DispatchApiService.ListedAction, HomeGateway.Dispatch.IntegrationApi.DispatchApiService.WatchedAction,
        ];
        // English words may equal the stored names ("acknowledged"); Finnish and Swedish must not.
        foreach (var language in new[] { ConsoleLanguage.Finnish, ConsoleLanguage.Swedish })
        {
            var culture = ConsoleLanguages.Culture(language);
            Assert.All(actions, action => Assert.NotEqual(action, AuditActions.Word(action, culture)));
        }

        // The details the code writes, as a sentence quoting them reads them (times in the home's zone).
        var fi = ConsoleLanguage.Finnish;
        Assert.Equal("kuittausaika 12,5 s", AuditDetails.Text("time to acknowledge 12.5 s", fi, null));
        Assert.Equal("lopputulos: Virhehälytys; ratkaisuaika 60,0 s", AuditDetails.Text("outcome false_alarm; time to resolve 60.0 s", fi, null));
        Assert.Equal("anna kuittasi jo 2.3.2026 0.00.00; mitään ei muutettu",
            AuditDetails.Text("already acknowledged by anna at 2026-03-01T22:00:00.0000000Z; nothing changed", fi, "Europe/Helsinki"));
        // A person's words stay as written, braces and all.
        Assert.Equal("called {0} twice", AuditDetails.Text("called {0} twice", fi, null));
    }

    private const string ConsoleGatewaysAction = HomeGateway.Dispatch.DispatcherConsole.ConsoleGateways.AuditAction;
    private const string ConsoleAccountAction = HomeGateway.Dispatch.DispatcherConsole.ConsoleAccount.AuditAction;

    private static ClaimsPrincipal User(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone"), new Claim(ClaimTypes.Role, role)], "test"));

    [GeneratedRegex("<form method=\"post\" action=\"/acknowledge\" id=\"acknowledge\">.*?name=\"returnTo\" value=\"([^\"]*)\"", RegexOptions.Singleline)]
    private static partial Regex AcknowledgeReturnTo();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
