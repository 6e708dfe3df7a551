using System.Net;
using System.Text.Json;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: each role sees exactly its part of the client record (ClientRecordAccess) on the home page, the alert
/// page and the alert JSON; every view is audited without record text; bad input is refused beside its field in the
/// user's language; phones are tel: links; and only an admin marks "client left", undoes it or deletes a record now.
/// </summary>
public sealed class ClientRecordConsoleTests : IAsyncLifetime
{
    private const string HomePath = "/homes/home-1";
    private const string FallPath = "/alerts/gw-1/fall-1";
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
        await server.Store.UpdateHomeAsync(new HomeDetails("home-1", 30, "Key safe left of the front door, code 1234", "", "Hard of hearing")
        {
            Address = "Kotikatu 1 A 2\n00100 Helsinki",
            KeyHolders = [new HomePerson("Liisa Virtanen", "+358 40 123 4567", "daughter")],
            ContactPeople = [new HomePerson("Matti Virtanen", "050-765 4321", "son")],
        }, "setup");
    }

    public Task DisposeAsync() => server.DisposeAsync().AsTask();

    [Theory]
    [InlineData("admin", true)]
    [InlineData("dispatcher", true)]
    [InlineData("care_manager", true)]
    [InlineData("technician", false)]
    public async Task Each_role_sees_its_part_of_the_record_on_the_home_page_and_the_view_is_audited(string role, bool whole)
    {
        using var user = await LifecycleSession.LogInAsync(server, "user-" + role, role);

        var home = await user.PageAsync(HomePath);

        Assert.Contains("Kotikatu 1 A 2", home, StringComparison.Ordinal);
        Assert.Contains("Key safe left of the front door, code 1234", home, StringComparison.Ordinal);
        Assert.Equal(whole, home.Contains("Liisa Virtanen", StringComparison.Ordinal));
        Assert.Equal(whole, home.Contains("Matti Virtanen", StringComparison.Ordinal));
        Assert.Equal(whole, home.Contains("Hard of hearing", StringComparison.Ordinal));
        Assert.Equal(whole, home.Contains("href=\"tel:+358401234567\"", StringComparison.Ordinal));
        var viewed = Assert.Single(await Audit("home_viewed"), a => a.Actor == "user-" + role);
        Assert.Equal(whole ? "client record: whole" : "client record: address and access", viewed.Detail);
        Assert.Equal("home-1", viewed.HomeId);
    }

    [Fact]
    public async Task The_alert_page_shows_the_record_with_tel_links_to_the_dispatcher_and_the_care_manager_and_the_view_is_audited()
    {
        using var dora = await LifecycleSession.LogInAsync(server, "dora", "dispatcher");
        using var carol = await LifecycleSession.LogInAsync(server, "carol", "care_manager");

        foreach (var page in new[] { await dora.PageAsync(FallPath), await carol.PageAsync(FallPath) })
        {
            Assert.Contains("id=\"client-record\"", page, StringComparison.Ordinal);
            Assert.Contains("<a class=\"phone\" href=\"tel:+358401234567\">+358 40 123 4567</a>", page, StringComparison.Ordinal);
            Assert.Contains("<a class=\"phone\" href=\"tel:050-7654321\">050-765 4321</a>", page, StringComparison.Ordinal);
            Assert.Contains("Hard of hearing", page, StringComparison.Ordinal);
            Assert.Contains("href=\"/homes/home-1\"", page, StringComparison.Ordinal);
        }

        Assert.Equal(["carol", "dora"], (await Audit("alert_viewed")).Select(a => a.Actor).Order());
        Assert.All(await server.Store.ListAuditAsync(null, null), a => Assert.DoesNotContain("Virtanen", a.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_alert_api_gives_the_whole_record_to_dispatchers_and_tokens_and_still_refuses_other_roles()
    {
        var token = await server.AddApiTokenAsync("municipality");
        using var api = LifecycleSession.Api(server, token);
        using var tom = await LifecycleSession.LogInAsync(server, "tom", "technician");
        using var carol = await LifecycleSession.LogInAsync(server, "carol", "care_manager");

        var json = await LifecycleSession.JsonAsync(await api.GetAsync("/api/alerts/fall-1"));
        var home = json.GetProperty("home");

        Assert.Equal("Kotikatu 1 A 2\n00100 Helsinki", home.GetProperty("address").GetString());
        Assert.Equal("Key safe left of the front door, code 1234", home.GetProperty("accessInstructions").GetString());
        Assert.Equal(home.GetProperty("accessInstructions").GetString(), home.GetProperty("keySafe").GetString());
        var holder = home.GetProperty("keyHolders")[0];
        Assert.Equal(("Liisa Virtanen", "+358 40 123 4567", "daughter", "tel:+358401234567"),
            (holder.GetProperty("name").GetString(), holder.GetProperty("phone").GetString(), holder.GetProperty("relation").GetString(), holder.GetProperty("tel").GetString()));
        Assert.Equal("Matti Virtanen (son) 050-765 4321", home.GetProperty("contacts").GetString());
        Assert.Equal(JsonValueKind.Null, home.GetProperty("anonymisedAt").ValueKind);
        Assert.Equal(HttpStatusCode.Forbidden, (await tom.Web.GetAsync("/api/alerts/fall-1")).StatusCode);
        // Nor does a technician open the alert page: the record reaches him only as address and access, on the home page.
        Assert.Equal(HttpStatusCode.Forbidden, (await tom.Web.GetAsync(FallPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.Web.GetAsync("/api/alerts/fall-1")).StatusCode);
        Assert.Single(await Audit("alert_viewed"), a => a.Actor == "token:municipality" && a.Detail == "from the API");
    }

    [Fact]
    public async Task An_admin_fills_the_record_with_rows_and_blank_rows_are_dropped()
    {
        using var ada = await LifecycleSession.LogInAsync(server, "ada", "admin");

        var saved = await ada.PostFormAsync(HomePath,
            ("responseMinutes", "20"), ("address", "Uusi katu 5\r\n00200 Espoo"), ("keySafe", "Door code 4321"), ("notes", "Uses a walker"),
            ("keyHoldersName", "Liisa Virtanen"), ("keyHoldersPhone", "+358 40 123 4567"), ("keyHoldersRelation", "daughter"),
            ("keyHoldersName", ""), ("keyHoldersPhone", ""), ("keyHoldersRelation", ""),
            ("keyHoldersName", "Pekka Naapuri"), ("keyHoldersPhone", "040 555 1212"), ("keyHoldersRelation", "neighbour"),
            ("contactsName", "Matti Virtanen"), ("contactsPhone", "050 765 4321"), ("contactsRelation", "son"));

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var home = (await server.Store.FindHomeAsync("home-1"))!;
        Assert.Equal("Uusi katu 5\n00200 Espoo", home.Address);
        Assert.Equal([new HomePerson("Liisa Virtanen", "+358 40 123 4567", "daughter"), new HomePerson("Pekka Naapuri", "040 555 1212", "neighbour")], home.KeyHolders);
        var page = await ada.PageAsync(HomePath);
        // The rows there are, and two blank ones to add.
        Assert.Contains("id=\"edit-keyHolders-3-name\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit-keyHolders-4-name\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"Pekka Naapuri\"", page, StringComparison.Ordinal);
        var updated = Assert.Single(await Audit("home_updated"), a => a.Actor == "ada");
        Assert.Equal("changed: response time 30 → 20 min, address, key safe, key holders, contacts, notes", updated.Detail);
    }

    [Fact]
    public async Task Bad_input_is_refused_beside_its_field_in_the_users_language_and_nothing_changes()
    {
        using var aino = await ConsoleSession.LogInAsync(server, "aino", await ConsoleSession.AddUserAsync(server, "aino", "admin", "fi"));
        using var ada = await LifecycleSession.LogInAsync(server, "eve", "admin");
        var eleven = Enumerable.Range(1, 11).SelectMany(i => new[] { ("contactsName", $"Contact {i}"), ("contactsPhone", "040 1"), ("contactsRelation", "") });

        var bad = await ada.PostFormAsync(HomePath,
            [("responseMinutes", "30"), ("address", new string('a', 301)), ("keySafe", ""), ("notes", ""),
             ("keyHoldersName", "Liisa"), ("keyHoldersPhone", "040 abc"), ("keyHoldersRelation", ""),
             ("keyHoldersName", ""), ("keyHoldersPhone", "040 123"), ("keyHoldersRelation", "neighbour"),
             .. eleven]);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var html = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        Assert.Contains("<span id=\"edit-address-error\" class=\"error field-error\" role=\"alert\">At most 300 characters (this is 301).</span>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"edit-keyHolders-0-phone-error\"", html, StringComparison.Ordinal);
        Assert.Contains("only digits, spaces, + and -", html, StringComparison.Ordinal);
        Assert.Contains("id=\"edit-keyHolders-1-name-error\"", html, StringComparison.Ordinal);
        Assert.Contains("At most 10 rows (this is 11).", html, StringComparison.Ordinal);
        Assert.Matches("<input id=\"edit-keyHolders-0-phone\" name=\"keyHoldersPhone\"[^>]* aria-invalid=\"true\" aria-describedby=\"edit-keyHolders-0-phone-error\"", html);
        Assert.Equal("Kotikatu 1 A 2\n00100 Helsinki", (await server.Store.FindHomeAsync("home-1"))!.Address);

        var finnish = await aino.PostAsync(HomePath, ("responseMinutes", "30"), ("keyHoldersName", "Liisa"), ("keyHoldersPhone", "+358 (40) 123"));
        Assert.Equal(HttpStatusCode.BadRequest, finnish.StatusCode);
        Assert.Contains("Puhelinnumerossa saa olla vain numeroita", WebUtility.HtmlDecode(await finnish.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_technician_edits_only_the_address_and_access_instructions_whatever_the_post_says()
    {
        using var tom = await LifecycleSession.LogInAsync(server, "tom", "technician");

        var page = await tom.PageAsync(HomePath);
        var saved = await tom.PostFormAsync(HomePath, ("responseMinutes", "30"), ("address", "Kotikatu 1 B 3\n00100 Helsinki"),
            ("keySafe", "Key safe moved to the garage"), ("notes", "forged"), ("contactsName", "Forged Person"), ("contactsPhone", "040 1"));

        Assert.Contains("id=\"edit-address\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit-notes\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("keyHoldersName", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"retention\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var home = (await server.Store.FindHomeAsync("home-1"))!;
        Assert.Equal(("Kotikatu 1 B 3\n00100 Helsinki", "Key safe moved to the garage", "Hard of hearing"), (home.Address, home.KeySafe, home.Notes));
        Assert.Equal(["Matti Virtanen"], home.ContactPeople.Select(c => c.Name));
        Assert.Equal(["Liisa Virtanen"], home.KeyHolders.Select(c => c.Name));
    }

    [Fact]
    public async Task Dispatchers_and_care_managers_read_the_record_but_change_nothing()
    {
        using var dora = await LifecycleSession.LogInAsync(server, "dora", "dispatcher");
        using var carol = await LifecycleSession.LogInAsync(server, "carol", "care_manager");

        foreach (var user in new[] { dora, carol })
        {
            var page = await user.PageAsync(HomePath);
            Assert.Contains("id=\"client-record\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"edit\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"retention\"", page, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await user.PostFormAsync(HomePath, ("responseMinutes", "5"))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await user.PostFormAsync(HomePath + "/client-left", ("leftOn", "2026-03-01"))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await user.PostFormAsync(HomePath + "/anonymise", ("confirm", "home-1"))).StatusCode);
        }

        using var tom = await LifecycleSession.LogInAsync(server, "tom", "technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await tom.PostFormAsync(HomePath + "/client-left/undo")).StatusCode);
        var home = (await server.Store.FindHomeAsync("home-1"))!;
        Assert.Equal((30, null, null), (home.ResponseMinutes, home.ClientLeftOn, home.AnonymisedAt));
    }

    [Fact]
    public async Task The_home_page_lists_the_homes_alerts_newest_first_with_links_and_a_more_link()
    {
        for (var i = 1; i <= 21; i++)
        {
            await server.Store.StoreAsync(new IncomingRecord("gw-1", 10 + i, Records.T0, Records.Alert($"help-{i:00}", type: HomeGateway.Core.Alerts.AlertType.Help, minutes: i), null));
        }

        using var dora = await LifecycleSession.LogInAsync(server, "dora", "dispatcher");

        var first = await dora.PageAsync(HomePath);
        var second = await dora.PageAsync(HomePath + "?alerts=2");

        Assert.Contains("data-alert-id=\"help-21\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("data-alert-id=\"fall-1\"", first, StringComparison.Ordinal);
        Assert.True(first.IndexOf("help-21", StringComparison.Ordinal) < first.IndexOf("help-20", StringComparison.Ordinal));
        Assert.Contains("href=\"/alerts/gw-1/help-21\"", first, StringComparison.Ordinal);
        Assert.Contains("id=\"more-alerts\" href=\"/homes/home-1?alerts=2#alerts\"", first, StringComparison.Ordinal);
        Assert.Contains("data-alert-id=\"help-01\"", second, StringComparison.Ordinal);
        Assert.Contains("data-alert-id=\"fall-1\"", second, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"more-alerts\"", second, StringComparison.Ordinal);
        Assert.Contains("id=\"newer-alerts\"", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_marks_the_client_left_sees_the_deletion_day_undoes_it_and_deletes_the_record_now_with_confirmation()
    {
        using var ada = await LifecycleSession.LogInAsync(server, "ada", "admin");

        var badDay = await ada.PostFormAsync(HomePath + "/client-left", ("leftOn", "yesterday"));
        var left = await ada.PostFormAsync(HomePath + "/client-left", ("leftOn", "2026-03-01"));
        var banner = await ada.PageAsync(HomePath);
        using var dora = await LifecycleSession.LogInAsync(server, "dora", "dispatcher");
        var dispatcherBanner = await dora.PageAsync(HomePath);
        var undone = await ada.PostFormAsync(HomePath + "/client-left/undo");
        var afterUndo = await ada.PageAsync(HomePath);
        var unconfirmed = await ada.PostFormAsync(HomePath + "/anonymise", ("confirm", "home-2"));
        var anonymised = await ada.PostFormAsync(HomePath + "/anonymise", ("confirm", "home-1"));
        var gone = await ada.PageAsync(HomePath);
        var editAfter = await ada.PostFormAsync(HomePath, ("responseMinutes", "30"), ("address", "new client"));

        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
        Assert.Contains("id=\"left-on-error\"", await badDay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, left.StatusCode);
        // Left on 1 March 2026, 30 days of retention (the default): deleted on 31 March.
        Assert.Contains("The client left the service on 01/03/2026. The client record will be deleted on 31/03/2026.", banner, StringComparison.Ordinal);
        Assert.Contains("id=\"client-left-undo-form\"", banner, StringComparison.Ordinal);
        Assert.Contains("The client record will be deleted on 31/03/2026.", dispatcherBanner, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, undone.StatusCode);
        Assert.DoesNotContain("id=\"client-left\"", afterUndo, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("Type the home id exactly", WebUtility.HtmlDecode(await unconfirmed.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, anonymised.StatusCode);
        Assert.Contains("The client record was anonymised on", gone, StringComparison.Ordinal);
        Assert.DoesNotContain("Kotikatu", gone, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit\"", gone, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"retention\"", gone, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, editAfter.StatusCode);
        var alert = await ada.PageAsync(FallPath);
        Assert.Contains("The client record was anonymised on", alert, StringComparison.Ordinal);
        Assert.DoesNotContain("Liisa", alert, StringComparison.Ordinal);

        var actions = (await server.Store.ListAuditPageAsync(new AuditQuery(null, "home-1", "ada", null, 1, 50))).Rows
            .Where(r => r.Action.StartsWith("client", StringComparison.Ordinal)).Select(r => r.Action);
        Assert.Equal(["client_record_anonymised", "client_left_undone", "client_left"], actions);
        // The audit page says these in words.
        var auditPage = await ada.PageAsync("/audit?home=home-1");
        Assert.Contains("anonymised the client record", auditPage, StringComparison.Ordinal);
        Assert.Contains("at once, not waiting for the retention time", auditPage, StringComparison.Ordinal);
        Assert.Contains("the whole client record shown", auditPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_left_day_counts_from_the_homes_own_date_not_the_utc_one()
    {
        // 22:30 UTC on 7 December is 00:30 on 8 December in Helsinki, where the home is.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 22, 30, 0, TimeSpan.Zero));
        await using var helsinki = await DispatchServer.StartAsync(clock);
        await LifecycleSession.StoreFallAtHomeAsync(helsinki.Store);
        await helsinki.Store.StoreGatewayProfileAsync("gw-1", new GatewayProfile("Europe/Helsinki", []));
        using var ada = await LifecycleSession.LogInAsync(helsinki, "ada", "admin");

        var page = await ada.PageAsync(HomePath);
        // A month ahead of the home's day is 8 January; of the UTC date it would be 7 January, and this day refused.
        var monthAhead = await ada.PostFormAsync(HomePath + "/client-left", ("leftOn", "2027-01-08"));
        var pastThat = await ada.PostFormAsync(HomePath + "/client-left", ("leftOn", "2027-01-09"));

        Assert.Contains("id=\"left-on\" name=\"leftOn\" type=\"date\" value=\"2026-12-08\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, pastThat.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, monthAhead.StatusCode);
        Assert.Equal(new DateOnly(2027, 1, 8), (await helsinki.Store.FindHomeAsync("home-1"))!.ClientLeftOn);
    }

    private async Task<IReadOnlyList<AuditRecord>> Audit(string action) =>
        (await server.Store.ListAuditPageAsync(new AuditQuery(null, null, null, action, 1, 100))).Rows;
}
