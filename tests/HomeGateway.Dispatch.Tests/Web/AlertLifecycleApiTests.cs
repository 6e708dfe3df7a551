using System.Net;
using System.Net.Http.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Tests.DispatcherConsole;
using static HomeGateway.Dispatch.Tests.DispatcherConsole.LifecycleSession;

namespace HomeGateway.Dispatch.Tests.Web;

/// <summary>
/// Invariant: the lifecycle API answers only someone authorised (token, or session + antiforgery; dispatchers, admins,
/// integrations), says 404/409/400 in words, resolves once (acknowledging first, so the gateway hears help is coming),
/// and keeps the existing alert JSON while adding the lifecycle fields.
/// </summary>
public sealed class SqliteAlertLifecycleApiTests() : AlertLifecycleApiTests(StoreProvider.Sqlite);

public sealed class PostgresAlertLifecycleApiTests() : AlertLifecycleApiTests(StoreProvider.PostgreSql);

public abstract class AlertLifecycleApiTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;
    private string token = "";

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider);
        token = await server.AddApiTokenAsync("ops-centre");
        // High, not critical: on the real clock these alerts are long past the automatic escalation of critical ones.
        await StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("fall-1", priority: AlertPriority.High));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Resolving_acknowledges_first_so_the_gateway_hears_it_then_resolves_once()
    {
        using var api = Api(server, token);

        var first = await api.PostAsJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "visited_no_injury", note = "helped up" });
        var second = await api.PostAsJsonAsync("/api/alerts/fall-1/resolve?gateway=gw-1", new { outcome = "false_alarm" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var alert = (await JsonAsync(first)).GetProperty("alert");
        Assert.Equal("resolved", (await JsonAsync(first)).GetProperty("result").GetString());
        Assert.Equal("visited_no_injury", alert.GetProperty("outcome").GetString());
        Assert.Equal("helped up", alert.GetProperty("resolutionNote").GetString());
        Assert.Equal("token:ops-centre", alert.GetProperty("resolvedBy").GetString());
        Assert.True(alert.GetProperty("timeToResolveSeconds").GetDouble() > 0);
        Assert.Equal("token:ops-centre", alert.GetProperty("acknowledgedBy").GetString());

        // The acknowledgement went the usual way: numbered for the gateway's stream.
        var ack = Assert.Single(await server.Store.ListAcknowledgementsAfterAsync("gw-1", 0, 10));
        Assert.Equal(("fall-1", 1L, "integration"), (ack.AlertId, ack.AckSeq!.Value, ack.ByRole));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var again = await JsonAsync(second);
        Assert.Equal("already_resolved", again.GetProperty("result").GetString());
        Assert.Contains("visited_no_injury", again.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["acknowledged", "resolved", "resolve_repeated"], (await server.Store.ListAuditAsync("gw-1", "fall-1")).Select(a => a.Action));

        // It left the live queue and is listed as resolved.
        Assert.Equal(0, (await JsonAsync(await api.GetAsync("/api/alerts"))).GetArrayLength());
        var resolved = (await JsonAsync(await api.GetAsync("/api/alerts?status=resolved"))).EnumerateArray().Single();
        Assert.Equal("fall-1", resolved.GetProperty("alertId").GetString());
    }

    [Fact]
    public async Task A_connected_gateway_hears_the_acknowledgement_that_resolving_makes()
    {
        var certificate = await server.AddGatewayAsync("gw-live", "home-live");
        using var uplink = await server.ConnectAsync(certificate);
        await uplink.HelloAsync("gw-live", "home-live");
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("help-9", type: AlertType.Help, homeId: "home-live")));
        using var api = Api(server, token);

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/alerts/help-9/resolve", new { outcome = "visited_no_injury" })).StatusCode);

        var message = await uplink.ReadAsync();
        Assert.Equal(HomeGateway.Contracts.V1.DispatchMessage.BodyOneofCase.AlertAcknowledged, message.BodyCase);
        Assert.Equal(("help-9", 1UL), (message.AlertAcknowledged.AlertId, message.AlertAcknowledged.AckSeq));
    }

    [Fact]
    public async Task The_live_stream_announces_each_change_with_the_alert_as_it_is_now()
    {
        using var api = Api(server, token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream");
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(": connected", await reader.ReadLineAsync(timeout.Token));

        using var resolver = Api(server, token);
        Assert.Equal(HttpStatusCode.OK, (await resolver.PostAsJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "false_alarm" }, timeout.Token)).StatusCode);

        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && line != "event: changed")
        {
        }

        var data = System.Text.Json.JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!["data: ".Length..]).RootElement;
        Assert.Equal("resolved", data.GetProperty("change").GetString());
        Assert.Equal("false_alarm", data.GetProperty("alert").GetProperty("outcome").GetString());
        Assert.Equal("fall-1", data.GetProperty("alert").GetProperty("alertId").GetString());
    }

    [Fact]
    public async Task The_alert_json_keeps_its_fields_and_adds_the_lifecycle()
    {
        using var api = Api(server, token);
        await api.PostAsJsonAsync("/api/alerts/fall-1/escalate", new { reason = "no answer on the phone" });

        var row = (await JsonAsync(await api.GetAsync("/api/alerts"))).EnumerateArray().Single();

        foreach (var field in new[]
        {
            "alertId", "gatewayId", "homeId", "type", "priority", "status", "sensorId", "summary", "count", "raisedAt", "evidenceAt",
            "firstReceivedAt", "lastEventAt", "origin", "acknowledgedAt", "acknowledgedBy", "timeToAcknowledgeSeconds",
            "displayPriority", "assignedTo", "escalated", "escalatedAt", "escalatedBy", "escalationReason", "resolvedAt", "resolvedBy",
            "outcome", "resolutionNote", "timeToResolveSeconds",
        })
        {
            Assert.True(row.TryGetProperty(field, out _), field);
        }

        Assert.True(row.GetProperty("escalated").GetBoolean());
        Assert.Equal("no answer on the phone", row.GetProperty("escalationReason").GetString());
        Assert.Equal("high", row.GetProperty("priority").GetString());
        Assert.Equal("critical", row.GetProperty("displayPriority").GetString());
    }

    [Fact]
    public async Task Assign_notes_escalate_and_the_detail_work_with_a_token_and_are_published_live()
    {
        using var session = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");
        using var api = Api(server, token);
        using var subscription = server.Service<IAlertFeed>().Subscribe();

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/alerts/fall-1/assign", new { assignee = "anna" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/alerts/fall-1/notes", new { text = "daughter on her way" })).StatusCode);
        var escalated = await api.PostAsJsonAsync("/api/alerts/fall-1/escalate", new { reason = "no answer" });
        var again = await api.PostAsJsonAsync("/api/alerts/fall-1/escalate", new { reason = "still no answer" });

        Assert.Equal("escalated", (await JsonAsync(escalated)).GetProperty("result").GetString());
        Assert.Equal("already_escalated", (await JsonAsync(again)).GetProperty("result").GetString());
        var changes = new List<string>();
        while (subscription.Reader.TryRead(out var change))
        {
            changes.Add(((AlertChanged)change).Change);
        }

        Assert.Equal(["assigned", "noted", "escalated"], changes);

        var detail = await api.GetAsync("/api/alerts/fall-1");
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        Assert.Contains("no-store", detail.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var json = await JsonAsync(detail);
        Assert.Equal("anna", json.GetProperty("alert").GetProperty("assignedTo").GetString());
        Assert.Equal("daughter on her way", json.GetProperty("notes")[0].GetProperty("text").GetString());
        Assert.Equal(60, json.GetProperty("home").GetProperty("responseMinutes").GetInt32());
        Assert.Equal("raised", json.GetProperty("steps")[0].GetProperty("kind").GetString());
        Assert.Contains(await server.Store.ListAuditAsync("gw-1", "fall-1"), a => a.Action == "alert_viewed" && a.Actor == "token:ops-centre");
    }

    [Theory]
    [InlineData("/api/alerts/fall-1/resolve", """{"outcome":"fixed"}""", "outcome must be one of visited_no_injury")]
    [InlineData("/api/alerts/fall-1/resolve", """not json""", "JSON")]
    [InlineData("/api/alerts/fall-1/notes", """{"text":"  "}""", "must not be empty")]
    [InlineData("/api/alerts/fall-1/escalate", """{}""", "must not be empty")]
    [InlineData("/api/alerts/fall-1/assign", """{"assignee":"nobody"}""", "There is no console user 'nobody'")]
    public async Task Bad_requests_are_400_in_words_and_change_nothing(string path, string body, string error)
    {
        using var api = Api(server, token);

        var response = await api.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, (await JsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
        // Only the token's own creation (set-up) is in the audit log.
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action != Dispatch.Store.ApiTokenAudit.Created);
    }

    [Fact]
    public async Task A_note_longer_than_the_limit_is_refused()
    {
        using var api = Api(server, token);

        var response = await api.PostAsJsonAsync("/api/alerts/fall-1/notes", new { text = new string('x', 2001) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 2000", (await JsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_technician_cannot_be_assigned_and_unknown_or_shared_ids_are_404_and_409()
    {
        using var technician = await LifecycleSession.LogInAsync(server, "tess", "technician");
        await StoreAlertAsync(server.Store, "gw-2", 1, Records.Alert("fall-1", priority: AlertPriority.High, homeId: "home-2"));
        using var api = Api(server, token);

        var assign = await api.PostAsJsonAsync("/api/alerts/fall-1/assign?gateway=gw-1", new { assignee = "tess" });
        var unknown = await api.PostAsJsonAsync("/api/alerts/nope/resolve", new { outcome = "other" });
        var shared = await api.PostAsJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "other" });
        var sharedDetail = await api.GetAsync("/api/alerts/fall-1");

        Assert.Equal(HttpStatusCode.BadRequest, assign.StatusCode);
        Assert.Contains("dispatchers and admins", (await JsonAsync(assign)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No alert 'nope'", (await JsonAsync(unknown)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, shared.StatusCode);
        Assert.Contains("?gateway=", (await JsonAsync(shared)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, sharedDetail.StatusCode);
    }

    [Fact]
    public async Task A_resolved_alert_cannot_be_assigned_or_escalated_409()
    {
        using var api = Api(server, token);
        await api.PostAsJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "false_alarm" });

        var escalate = await api.PostAsJsonAsync("/api/alerts/fall-1/escalate", new { reason = "late" });

        Assert.Equal(HttpStatusCode.Conflict, escalate.StatusCode);
        Assert.Contains("is resolved", (await JsonAsync(escalate)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hgd_wrong")]
    public async Task Without_a_valid_token_nothing_answers(string? bearer)
    {
        using var api = Api(server, bearer);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/alerts/fall-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "other" })).StatusCode);
        Assert.Null((await server.Store.FindAlertAsync(null, "fall-1")).Alert!.Resolution);
    }

    [Fact]
    public async Task A_console_session_needs_the_antiforgery_token_and_a_role_that_takes_alerts()
    {
        using var dispatcher = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");
        using var technician = await LifecycleSession.LogInAsync(server, "tess", "technician");

        var forged = await dispatcher.PostJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "other" }, withAntiforgery: false);
        var technicianResolve = await technician.PostJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "other" });
        var technicianDetail = await technician.Web.GetAsync("/api/alerts/fall-1");
        var allowed = await dispatcher.PostJsonAsync("/api/alerts/fall-1/resolve", new { outcome = "other" });

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, technicianResolve.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, technicianDetail.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("anna", (await JsonAsync(allowed)).GetProperty("alert").GetProperty("resolvedBy").GetString());
    }

    [Fact]
    public async Task An_unknown_status_filter_is_400()
    {
        using var api = Api(server, token);

        var response = await api.GetAsync("/api/alerts?status=closed");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(AlertType.Fall, (await server.Store.FindAlertAsync(null, "fall-1")).Alert!.Alert.Type);
    }
}
