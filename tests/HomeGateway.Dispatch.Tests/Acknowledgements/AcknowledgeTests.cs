using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Cli;
using AlertType = HomeGateway.Core.Alerts.AlertType;

namespace HomeGateway.Dispatch.Tests.Acknowledgements;

public sealed class SqliteAcknowledgeTests() : AcknowledgeTests(StoreProvider.Sqlite);

public sealed class PostgresAcknowledgeTests() : AcknowledgeTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: an alert is acknowledged once, by someone authorised, with an audit row for every attempt; every
/// console sees it, and the gateway gets it on its stream — at once, or at its next connect when it was away.
/// </summary>
public abstract partial class AcknowledgeTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;
    private X509Certificate2 gatewayToken = null!;
    private string apiToken = "";

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider);
        gatewayToken = await server.AddGatewayAsync("gw-1");
        apiToken = await server.AddApiTokenAsync("ops-centre");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task StoreHelpAlertAsync(string alertId = "help-1", long seq = 1)
    {
        using var uplink = await server.ConnectAsync(gatewayToken);
        await uplink.HelloAsync("gw-1");
        await uplink.SendRecordAsync(Records.Wire(seq, Records.Alert(alertId, type: AlertType.Help)));
    }

    private HttpClient Api(string? token)
    {
        var web = server.WebClient();
        if (token is not null)
        {
            web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return web;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Theory]
    [InlineData(null)]
    [InlineData("hgd_wrong")]
    public async Task Acknowledging_needs_a_valid_token(string? token)
    {
        await StoreHelpAlertAsync();
        using var web = Api(token);

        var response = await web.PostAsync("/api/alerts/help-1/acknowledge", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null((await server.Store.ListAlertsAsync(null)).Single().AcknowledgedAt);
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), e => e.Action != "api_token_created");
    }

    [Fact]
    public async Task An_unknown_alert_is_404_and_changes_nothing()
    {
        using var web = Api(apiToken);

        var response = await web.PostAsync("/api/alerts/no-such-alert/acknowledge", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-alert", (await JsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), e => e.Action != "api_token_created");
    }

    [Fact]
    public async Task The_first_acknowledgement_counts_a_second_changes_nothing_and_both_are_audited()
    {
        await StoreHelpAlertAsync();
        using var web = Api(apiToken);

        var first = await web.PostAsync("/api/alerts/help-1/acknowledge", null);
        var second = await web.PostAsync("/api/alerts/help-1/acknowledge?gateway=gw-1", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstJson = await JsonAsync(first);
        Assert.Equal("acknowledged", firstJson.GetProperty("result").GetString());
        var ack = firstJson.GetProperty("acknowledgement");
        Assert.Equal("token:ops-centre", ack.GetProperty("acknowledgedBy").GetString());
        var acknowledgedAt = ack.GetProperty("acknowledgedAt").GetDateTimeOffset();
        // Raised at the gateway's T0; time-to-acknowledge is measured from there.
        Assert.Equal(Math.Round((acknowledgedAt - Records.T0).TotalSeconds, 3), ack.GetProperty("timeToAcknowledgeSeconds").GetDouble(), 3);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var secondJson = await JsonAsync(second);
        Assert.Equal("already_acknowledged", secondJson.GetProperty("result").GetString());
        Assert.Contains("nothing changed", secondJson.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(acknowledgedAt, secondJson.GetProperty("acknowledgement").GetProperty("acknowledgedAt").GetDateTimeOffset());

        var row = (await JsonAsync(await web.GetAsync("/api/alerts"))).EnumerateArray().Single();
        Assert.Equal(acknowledgedAt, row.GetProperty("acknowledgedAt").GetDateTimeOffset());
        Assert.Equal("token:ops-centre", row.GetProperty("acknowledgedBy").GetString());
        Assert.True(row.GetProperty("timeToAcknowledgeSeconds").GetDouble() > 0);

        var audit = await server.Store.ListAuditAsync("gw-1", "help-1");
        Assert.Equal(["acknowledged", "acknowledge_repeated"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("token:ops-centre", a.Actor));
        Assert.All(audit, a => Assert.Equal(TimeSpan.Zero, a.At.Offset));
    }

    [Fact]
    public async Task An_alert_id_two_gateways_share_must_name_the_gateway()
    {
        await StoreHelpAlertAsync();
        var otherToken = await server.AddGatewayAsync("gw-2");
        using (var other = await server.ConnectAsync(otherToken))
        {
            await other.HelloAsync("gw-2");
            await other.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));
        }

        using var web = Api(apiToken);
        var ambiguous = await web.PostAsync("/api/alerts/help-1/acknowledge", null);
        var named = await web.PostAsync("/api/alerts/help-1/acknowledge?gateway=gw-2", null);

        Assert.Equal(HttpStatusCode.Conflict, ambiguous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal("gw-2", (await JsonAsync(named)).GetProperty("acknowledgement").GetProperty("gatewayId").GetString());
    }

    [Fact]
    public async Task The_live_stream_announces_the_acknowledgement()
    {
        await StoreHelpAlertAsync();
        using var web = Api(apiToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream");
        using var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(": connected", await reader.ReadLineAsync(timeout.Token));

        using var acknowledger = Api(apiToken);
        Assert.Equal(HttpStatusCode.OK, (await acknowledger.PostAsync("/api/alerts/help-1/acknowledge", null, timeout.Token)).StatusCode);

        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && line != "event: acknowledged")
        {
        }

        var data = (await reader.ReadLineAsync(timeout.Token))!;
        var ack = JsonDocument.Parse(data["data: ".Length..]).RootElement;
        Assert.Equal("help-1", ack.GetProperty("alertId").GetString());
        Assert.Equal("token:ops-centre", ack.GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task A_connected_gateway_gets_the_acknowledgement_at_once_with_a_role_not_a_name()
    {
        using var uplink = await server.ConnectAsync(gatewayToken);
        await uplink.HelloAsync("gw-1");
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));

        using var web = Api(apiToken);
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync("/api/alerts/help-1/acknowledge", null)).StatusCode);

        var message = await uplink.ReadAsync();
        Assert.Equal(DispatchMessage.BodyOneofCase.AlertAcknowledged, message.BodyCase);
        Assert.Equal("help-1", message.AlertAcknowledged.AlertId);
        Assert.Equal(1UL, message.AlertAcknowledged.AckSeq);
        Assert.Equal("integration", message.AlertAcknowledged.By);
        Assert.NotNull(message.AlertAcknowledged.AcknowledgedAt);

        // Records and acks still flow on the same stream afterwards.
        Assert.Equal(2UL, await uplink.SendRecordAsync(Records.Wire(2, Records.Sensor())));
    }

    [Fact]
    public async Task A_gateway_that_was_away_gets_every_acknowledgement_it_has_not_applied_in_order_on_reconnect()
    {
        using (var uplink = await server.ConnectAsync(gatewayToken))
        {
            await uplink.HelloAsync("gw-1");
            await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));
            await uplink.SendRecordAsync(Records.Wire(2, Records.Alert("fall-1", type: AlertType.Fall, minutes: 1)));
        }

        using var web = Api(apiToken);
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync("/api/alerts/help-1/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync("/api/alerts/fall-1/acknowledge", null)).StatusCode);

        using (var back = await server.ConnectAsync(gatewayToken))
        {
            await back.HelloAsync("gw-1", appliedAckSeq: 0);
            var first = await back.ReadAsync();
            var second = await back.ReadAsync();
            Assert.Equal(("help-1", 1UL), (first.AlertAcknowledged.AlertId, first.AlertAcknowledged.AckSeq));
            Assert.Equal(("fall-1", 2UL), (second.AlertAcknowledged.AlertId, second.AlertAcknowledged.AckSeq));
        }

        // Having applied the first, it gets only the second; the next message after that is the record's ack.
        using var again = await server.ConnectAsync(gatewayToken);
        await again.HelloAsync("gw-1", appliedAckSeq: 1);
        Assert.Equal("fall-1", (await again.ReadAsync()).AlertAcknowledged.AlertId);
        await again.SendAsync(Records.Message(Records.Wire(3, Records.Sensor())));
        Assert.Equal(DispatchMessage.BodyOneofCase.Ack, (await again.ReadAsync()).BodyCase);
    }

    [Fact]
    public async Task The_console_button_needs_a_session_and_the_antiforgery_token_and_records_the_user()
    {
        await StoreHelpAlertAsync();
        var alicePassword = await AddUserAsync("alice", "dispatcher");
        var bobPassword = await AddUserAsync("bob", "technician");

        using (var anonymous = server.WebClient(new CookieContainer()))
        {
            var response = await anonymous.PostAsync("/acknowledge", Form(("gatewayId", "gw-1"), ("alertId", "help-1")));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
        }

        using (var bob = server.WebClient(new CookieContainer()))
        {
            var token = await LogInAsync(bob, "bob", bobPassword);
            var response = await bob.PostAsync("/acknowledge", Form(token, ("gatewayId", "gw-1"), ("alertId", "help-1")));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var alice = server.WebClient(new CookieContainer());
        var antiforgery = await LogInAsync(alice, "alice", alicePassword);

        var forged = await alice.PostAsync("/acknowledge", Form(("gatewayId", "gw-1"), ("alertId", "help-1")));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        // The API from a browser session needs the token too (the cookie alone could come from another site).
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsync("/api/alerts/help-1/acknowledge", null)).StatusCode);
        Assert.Empty(await server.Store.ListAuditAsync("gw-1", null));

        var unknown = await alice.PostAsync("/acknowledge", Form(antiforgery, ("gatewayId", "gw-1"), ("alertId", "nope")));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var accepted = await alice.PostAsync("/acknowledge", Form(antiforgery, ("gatewayId", "gw-1"), ("alertId", "help-1")));
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Equal("/", accepted.Headers.Location!.OriginalString);
        Assert.Equal("alice", (await server.Store.ListAlertsAsync(null)).Single().AcknowledgedBy);
        Assert.Equal("acknowledged", (await server.Store.ListAuditAsync("gw-1", null)).Single().Action);

        var page = await (await alice.GetAsync("/")).Content.ReadAsStringAsync();
        Assert.Contains("<th scope=\"col\">Acknowledged</th>", page, StringComparison.Ordinal);

        // The queue's script asks for JSON: the outcome, not a redirect; a second take changes nothing and says so.
        using var again = new HttpRequestMessage(HttpMethod.Post, "/acknowledge")
        {
            Content = Form(antiforgery, ("gatewayId", "gw-1"), ("alertId", "help-1"), ("returnTo", "/")),
        };
        again.Headers.Accept.ParseAdd("application/json");
        var answer = await alice.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"already_acknowledged\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("alice", (await server.Store.ListAlertsAsync(null)).Single().AcknowledgedBy);
    }

    private async Task<string> AddUserAsync(string name, string role)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(
            ["users", "add", name, "--role", role], server.Settings, stdout, new StringWriter()));
        return stdout.ToString().Trim();
    }

    /// <summary>Logs in through the form; returns the session's antiforgery field (name, value).</summary>
    private static async Task<(string, string)> LogInAsync(HttpClient web, string name, string password)
    {
        var login = AntiforgeryField().Match(await (await web.GetAsync("/login")).Content.ReadAsStringAsync());
        var response = await web.PostAsync("/login", Form(
            (login.Groups[1].Value, WebUtility.HtmlDecode(login.Groups[2].Value)), ("name", name), ("password", password)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // Every role has its account page (the queue sends a role that takes no alerts elsewhere).
        var queue = AntiforgeryField().Match(await (await web.GetAsync("/account")).Content.ReadAsStringAsync());
        Assert.True(queue.Success, "the account page carries an antiforgery token");
        return (queue.Groups[1].Value, WebUtility.HtmlDecode(queue.Groups[2].Value));
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static FormUrlEncodedContent Form((string Name, string Value) antiforgery, params (string Name, string Value)[] fields) =>
        Form([antiforgery, .. fields]);

    [GeneratedRegex("""<input type="hidden" name="(__antiforgery)" value="([^"]+)"\s*/?>""")]
    private static partial Regex AntiforgeryField();
}
