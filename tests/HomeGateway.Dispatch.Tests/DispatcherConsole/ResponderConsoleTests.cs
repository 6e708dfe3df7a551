using System.Net;
using System.Text.Json;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: a responder sees only the requests asked of them (every other page and the alert API answer 403), only a
/// dispatcher or an admin sends responders, only an admin organises teams, the care manager reads a cascade and changes
/// nothing; a form with an unknown team, a disabled responder or minutes out of range is refused with a clear reason.
/// </summary>
public sealed class ResponderConsoleTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private DispatchServer server = null!;
    private ConsoleSession anna = null!;
    private ConsoleSession dan = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
        anna = await ConsoleSession.LogInAsync(server, "anna", await ConsoleSession.AddUserAsync(server, "anna", "responder"));
        dan = await ConsoleSession.LogInAsync(server, "dan", await ConsoleSession.AddUserAsync(server, "dan", "dispatcher"));
        await server.Store.AddTeamAsync("night", "Night patrol", "setup");
        await server.Store.AddTeamMemberAsync("night", "anna", "setup");
    }

    public async Task DisposeAsync()
    {
        anna.Dispose();
        dan.Dispose();
        await server.DisposeAsync();
    }

    [Theory]
    [InlineData("/reports/response-times")]
    [InlineData("/homes")]
    [InlineData("/homes/home-1")]
    [InlineData("/homes/home-1/cascade")]
    [InlineData(FallPath)]
    [InlineData("/audit")]
    [InlineData("/users")]
    [InlineData("/tokens")]
    [InlineData("/gateways")]
    [InlineData("/fleet")]
    [InlineData("/teams")]
    [InlineData("/api/alerts")]
    [InlineData("/api/alerts/stream")]
    [InlineData("/api/alerts/fall-1")]
    [InlineData("/api/gateways")]
    [InlineData("/reports/response-times.csv")]
    public async Task A_responder_may_not_open_anything_but_the_responder_pages(string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await anna.Web.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_responder_starts_at_the_responder_page_and_may_not_act_on_alerts()
    {
        var start = await anna.Web.GetAsync("/");
        Assert.Equal("/responder", start.Headers.Location?.OriginalString);
        var page = await anna.PageAsync("/responder");
        Assert.Contains("href=\"/responder/manifest.webmanifest\"", page, StringComparison.Ordinal);

        (string Path, (string, string)[] Fields)[] posts =
        [
            ("/acknowledge", [("gatewayId", "gw-1"), ("alertId", "fall-1"), ("returnTo", "/")]),
            (FallPath + "/resolve", [("outcome", "visited_no_injury"), ("note", "")]),
            (FallPath + "/responders/ask", [("whom", "user:anna"), ("minutes", "10")]),
            ("/api/alerts/fall-1/acknowledge", []),
            ("/teams", [("teamId", "mine"), ("name", "Mine")]),
        ];
        foreach (var (path, fields) in posts)
        {
            var response = await anna.PostAsync(path, fields);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {response.StatusCode}");
        }

        Assert.Null((await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert.AcknowledgedBy);
    }

    [Fact]
    public async Task A_dispatcher_asks_the_team_the_responder_goes_through_every_step_and_the_dispatcher_resolves_with_the_proposal()
    {
        // The client record the responder will need: a key holder to call.
        await server.Store.UpdateHomeAsync(
            new HomeDetails("home-1", 30, "left of the front door", "", "hard of hearing")
            {
                KeyHolders = [new HomePerson("Liisa", "040 123 4567", "daughter")],
            },
            "setup");
        await dan.PageAsync(FallPath);
        var asked = await dan.PostAsync(FallPath + "/responders/ask", ("whom", "team:night"), ("minutes", "10"));
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        // Asking acknowledges through the usual path: the client's device hears that help is being organised.
        Assert.Equal("dan", (await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert.AcknowledgedBy);

        var page = WebUtility.HtmlDecode(await anna.PageAsync("/responder"));
        Assert.Contains("left of the front door", page, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:0401234567\"", page, StringComparison.Ordinal);
        var json = JsonDocument.Parse(await anna.Web.GetStringAsync("/responder/requests.json")).RootElement.GetProperty("requests");
        var id = Assert.Single(json.EnumerateArray()).GetProperty("id").GetInt64();

        foreach (var step in new[] { "accept", "on-the-way", "arrived" })
        {
            var response = await anna.PostAsync($"/responder/requests/{id}/{step}");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            await anna.PageAsync("/responder");
        }

        var noOutcome = await anna.PostAsync($"/responder/requests/{id}/done", ("outcome", ""), ("note", ""));
        Assert.Equal(HttpStatusCode.BadRequest, noOutcome.StatusCode);
        await anna.PageAsync("/responder");
        Assert.Equal(HttpStatusCode.Redirect, (await anna.PostAsync($"/responder/requests/{id}/done", ("outcome", "visited_no_injury"), ("note", "helped up"))).StatusCode);

        var alertPage = WebUtility.HtmlDecode(await dan.PageAsync(FallPath));
        Assert.Contains("id=\"responder-timeline\"", alertPage, StringComparison.Ordinal);
        Assert.Contains("<option value=\"visited_no_injury\" selected", alertPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await dan.PostAsync(FallPath + "/resolve", ("outcome", "visited_no_injury"), ("note", ""))).StatusCode);

        var trail = (await server.Store.ListAuditAsync("gw-1", "fall-1")).Select(a => a.Action).ToList();
        Assert.Equal(
            ["responder_asked", "responder_accepted", "responder_on_the_way", "responder_arrived", "responder_done", "resolved"],
            trail.Where(a => a.StartsWith("responder_", StringComparison.Ordinal) || a == "resolved"));
        Assert.Contains((await server.Store.ListAuditAsync("gw-1", "fall-1")),
            a => a is { Actor: "anna", Action: "alert_viewed", Detail: "from the responder page" });
    }

    [Theory]
    [InlineData("team:nope", "10", "NoSuchTeam")]
    [InlineData("user:ghost", "10", "NotAResponder")]
    [InlineData("user:dan", "10", "NotAResponder")]
    [InlineData("user:bert", "10", "ResponderDisabled")]
    [InlineData("team:night", "0", "AcceptMinutesRange")]
    [InlineData("team:night", "121", "AcceptMinutesRange")]
    [InlineData("team:night", "ten", "AcceptMinutesRange")]
    [InlineData("", "10", "ChooseWhom")]
    public async Task Asking_with_bad_input_is_refused_with_a_clear_reason_and_asks_nobody(string whom, string minutes, string reason)
    {
        await ConsoleSession.AddUserAsync(server, "bert", "responder");
        await server.Store.SetUserDisabledAsync("bert", true, "setup");
        await dan.PageAsync(FallPath);

        var response = await dan.PostAsync(FallPath + "/responders/ask", ("whom", whom), ("minutes", minutes));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        object[] args = reason == "AcceptMinutesRange" ? [CascadeStep.MinAcceptMinutes, CascadeStep.MaxAcceptMinutes] : [whom.Split(':')[^1]];
        Assert.Contains(ConsoleWords.Format<Dispatch.Responders.ResponderText>(reason, ConsoleLanguage.English, args), page, StringComparison.Ordinal);
        Assert.Empty(await server.Store.ListResponderRequestsAsync("gw-1", "fall-1"));
        Assert.Null((await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert.AcknowledgedBy);
    }

    [Fact]
    public async Task The_cascade_is_set_by_a_dispatcher_read_by_the_care_manager_and_started_from_the_alert()
    {
        // Without a cascade nothing is asked, and the alert is not acknowledged for a request that was never made.
        await dan.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Conflict, (await dan.PostAsync(FallPath + "/responders/cascade")).StatusCode);
        Assert.Null((await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Alert.AcknowledgedBy);

        var cascadePath = "/homes/home-1/cascade";
        await dan.PageAsync(cascadePath);
        var bad = await dan.PostAsync(cascadePath, ("whom", "team:night"), ("minutes", "500"), ("whom", ""), ("minutes", "10"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Empty(await server.Store.GetCascadeAsync("home-1"));

        await dan.PageAsync(cascadePath);
        var saved = await dan.PostAsync(cascadePath, ("whom", "team:night"), ("minutes", "5"), ("whom", ""), ("minutes", "10"), ("whom", "user:anna"), ("minutes", ""));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal([new CascadeStep("night", null, 5), new CascadeStep(null, "anna", 10)], await server.Store.GetCascadeAsync("home-1"));

        using var carol = await ConsoleSession.LogInAsync(server, "carol", await ConsoleSession.AddUserAsync(server, "carol", "care_manager"));
        var read = WebUtility.HtmlDecode(await carol.PageAsync(cascadePath));
        Assert.Contains("Night patrol", read, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"cascade-form\"", read, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.PostAsync(cascadePath, ("whom", ""), ("minutes", "10"))).StatusCode);
        await carol.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.PostAsync(FallPath + "/responders/cascade")).StatusCode);
        Assert.DoesNotContain("id=\"start-cascade\"", await carol.PageAsync(FallPath), StringComparison.Ordinal);

        await dan.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Redirect, (await dan.PostAsync(FallPath + "/responders/cascade")).StatusCode);
        var request = Assert.Single(await server.Store.ListResponderRequestsAsync("gw-1", "fall-1"));
        Assert.Equal((1, "night"), (request.CascadePosition, request.TeamId));

        // One open request at a time; withdrawing it ends it.
        await dan.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Conflict, (await dan.PostAsync(FallPath + "/responders/cascade")).StatusCode);
        await dan.PageAsync(FallPath);
        Assert.Equal(HttpStatusCode.Redirect, (await dan.PostAsync(FallPath + "/responders/withdraw", ("request", request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))).StatusCode);
        Assert.Equal("withdrawn", (await server.Store.FindResponderRequestAsync(request.Id))!.EndedReason);
    }

    [Fact]
    public async Task Only_an_admin_organises_teams_and_each_change_is_audited()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await dan.Web.GetAsync("/teams")).StatusCode);
        using var ada = await ConsoleSession.LogInAsync(server, "ada", await ConsoleSession.AddUserAsync(server, "ada", "admin"));
        await ada.PageAsync("/teams");
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync("/teams", ("teamId", "guards"), ("name", "Guard company"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.PostAsync("/teams", ("teamId", "bad id"), ("name", "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ada.PostAsync("/teams", ("teamId", "guards"), ("name", "Again"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.PostAsync("/teams/guards/add-member", ("user", "dan"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync("/teams/guards/add-member", ("user", "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync("/teams/guards/rename", ("name", "Guards north"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync("/teams/guards/remove-member", ("user", "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.PostAsync("/teams/guards/remove")).StatusCode);
        Assert.Contains("/teams", WebUtility.HtmlDecode(await ada.PageAsync("/teams")), StringComparison.Ordinal);

        var actions = (await server.Store.ListAuditPageAsync(new AuditQuery(null, null, "ada", null, 1, 50))).Rows.Select(r => r.Action).Reverse();
        Assert.Equal(["team_added", "team_member_added", "team_changed", "team_member_removed", "team_removed"],
            actions.Where(a => a.StartsWith("team_", StringComparison.Ordinal)));
        Assert.Null(await server.Store.FindTeamAsync("guards"));
    }

    [Fact]
    public async Task A_team_request_taken_by_one_member_is_refused_to_another_and_leaves_their_page()
    {
        using var bea = await ConsoleSession.LogInAsync(server, "bea", await ConsoleSession.AddUserAsync(server, "bea", "responder"));
        await server.Store.AddTeamMemberAsync("night", "bea", "setup");
        var asked = await server.Store.AskResponderAsync("gw-1", "fall-1", new CascadeStep("night", null, 10), "dan");

        await anna.PageAsync("/responder");
        Assert.Equal(HttpStatusCode.Redirect, (await anna.PostAsync($"/responder/requests/{asked.Request!.Id}/accept")).StatusCode);
        await bea.PageAsync("/responder");
        var late = await bea.PostAsync($"/responder/requests/{asked.Request.Id}/accept");

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("anna", WebUtility.HtmlDecode(await late.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.DoesNotContain($"data-request=\"{asked.Request.Id}\"", await bea.PageAsync("/responder"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_manifest_and_icon_are_served_without_a_session()
    {
        using var stranger = ConsoleSession.Anonymous(server);
        var manifest = await stranger.Web.GetAsync("/responder/manifest.webmanifest");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        var json = JsonDocument.Parse(await manifest.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("/responder", "standalone"), (json.GetProperty("start_url").GetString(), json.GetProperty("display").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await stranger.Web.GetAsync("/responder/icon.svg")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await stranger.Web.GetAsync("/responder/requests.json")).StatusCode);
    }
}
