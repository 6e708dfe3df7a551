using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Dispatch.IntegrationApi;
using V1 = HomeGateway.Contracts.V1;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using AlertPriority = HomeGateway.Core.Alerts.AlertPriority;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;

namespace HomeGateway.Dispatch.Tests.IntegrationApi;

/// <summary>
/// Invariant: the integration gRPC API answers only a valid API token; it shows the same queue as the console,
/// a watcher sees every change after its snapshot, and acknowledging through it is the same once-only,
/// audited acknowledgement that reaches the gateway.
/// </summary>
public sealed class SqliteDispatchApiTests() : DispatchApiTests(StoreProvider.Sqlite);

public sealed class PostgresDispatchApiTests() : DispatchApiTests(StoreProvider.PostgreSql);

public abstract class DispatchApiTests(StoreProvider provider) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private DispatchServer server = null!;
    private X509Certificate2 gateway = null!;
    private string token = "";

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider);
        gateway = await server.AddGatewayAsync("gw-1");
        token = await server.AddApiTokenAsync("alarm-centre");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task StoreAsync(params (long Seq, Core.Alerts.AlertEvent Alert)[] records)
    {
        using var uplink = await server.ConnectAsync(gateway);
        await uplink.HelloAsync("gw-1");
        foreach (var (seq, alert) in records)
        {
            await uplink.SendRecordAsync(Records.Wire(seq, alert));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hgd_not-a-token")]
    public async Task Every_call_needs_a_valid_api_token(string? badToken)
    {
        await StoreAsync((1, Records.Alert("fall-1")));
        var api = server.ApiClient(badToken);

        var list = await Assert.ThrowsAsync<RpcException>(() => api.ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        var ack = await Assert.ThrowsAsync<RpcException>(() => api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "fall-1" }).ResponseAsync);
        using var watch = api.WatchAlerts(new WatchAlertsRequest());
        var watching = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));

        Assert.All([list, ack, watching], e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));
        Assert.Null((await server.Store.ListAlertsAsync(null)).Single().AcknowledgedAt);
        // Only the token's own creation (set-up) is in the audit log.
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action != Dispatch.Store.ApiTokenAudit.Created);
    }

    [Fact]
    public async Task ListAlerts_pages_a_queue_far_past_the_send_limit_each_alert_once()
    {
        // 600 alerts of ~450 bytes: ~270 KB, four times dispatch's 64 KiB send limit (one response failed at ~450 alerts).
        var summary = "Fall detected in the bedroom; " + new string('ä', 270);
        var records = Enumerable.Range(1, 600)
            .Select(i => new HomeGateway.Dispatch.Store.IncomingRecord("gw-1", i, Records.T0, Records.Alert($"fall-{i}", summary: summary, minutes: i), null))
            .ToList();
        await server.Store.StoreAsync(records);
        var api = server.ApiClient(token);

        var seen = new List<string>();
        var pages = 0;
        var request = new ListAlertsRequest();
        do
        {
            var page = await api.ListAlertsAsync(request);
            Assert.True(page.CalculateSize() < 64 * 1024, $"page {pages + 1} is {page.CalculateSize()} bytes");
            Assert.True(page.Alerts.Count > 0);
            seen.AddRange(page.Alerts.Select(a => a.AlertId));
            request = new ListAlertsRequest { PageToken = page.NextPageToken };
            pages++;
        }
        while (request.PageToken.Length > 0 && pages < 100);

        Assert.Equal(600, seen.Distinct().Count());
        Assert.Equal(600, seen.Count);
        Assert.True(pages > 1);

        var seven = await api.ListAlertsAsync(new ListAlertsRequest { PageSize = 7 });
        Assert.Equal(7, seven.Alerts.Count);
        Assert.Equal(seen.Take(7), seven.Alerts.Select(a => a.AlertId));
        var next = await api.ListAlertsAsync(new ListAlertsRequest { PageSize = 7, PageToken = seven.NextPageToken });
        Assert.Equal(seen.Skip(7).Take(7), next.Alerts.Select(a => a.AlertId));

        var made = await Assert.ThrowsAsync<RpcException>(() => api.ListAlertsAsync(new ListAlertsRequest { PageToken = "not-a-token" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, made.StatusCode);
        var other = await Assert.ThrowsAsync<RpcException>(() =>
            api.ListAlertsAsync(new ListAlertsRequest { Status = AlertStatusFilter.All, PageToken = seven.NextPageToken }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, other.StatusCode);
        Assert.Contains("page_token", other.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAlerts_is_the_queue_most_urgent_first_and_is_audited()
    {
        await StoreAsync(
            (1, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal, minutes: 0)),
            (2, Records.Alert("fall-1", minutes: 5)),
            (3, Records.Alert("door-1", AlertEventKind.Cleared, AlertType.DoorLeftOpen, AlertPriority.Normal, minutes: 6)));

        var response = await server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest());

        Assert.Equal(["fall-1", "door-1"], response.Alerts.Select(a => a.AlertId));
        var fall = response.Alerts[0];
        Assert.Equal(V1.AlertType.Fall, fall.Type);
        Assert.Equal(V1.AlertPriority.Critical, fall.Priority);
        Assert.Equal(AlertState.Open, fall.State);
        Assert.Equal("gw-1", fall.GatewayId);
        Assert.Equal(Records.T0.AddMinutes(5), fall.RaisedAt.ToDateTimeOffset());
        Assert.Null(fall.Acknowledgement);
        Assert.Equal(AlertState.Cleared, response.Alerts[1].State);
        var cleared = await server.ApiClient(token).ListAlertsAsync(new ListAlertsRequest { Status = AlertStatusFilter.Cleared });
        Assert.Equal(["door-1"], cleared.Alerts.Select(a => a.AlertId));

        var audit = (await server.Store.ListAuditAsync(null, null)).Where(a => a.Action != Dispatch.Store.ApiTokenAudit.Created).ToList();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, row => Assert.Equal(("token:alarm-centre", DispatchApiService.ListedAction), (row.Actor, row.Action)));
    }

    [Fact]
    public async Task A_watcher_gets_the_snapshot_then_every_new_step_and_acknowledgement()
    {
        await StoreAsync((1, Records.Alert("fall-1")));
        var api = server.ApiClient(token);
        using var cancel = new CancellationTokenSource(Patience * 3);
        using var watch = api.WatchAlerts(new WatchAlertsRequest(), cancellationToken: cancel.Token);

        var snapshot = await NextAsync(watch);
        Assert.Equal("fall-1", snapshot.Snapshot.AlertId);
        Assert.Equal(1u, (await NextAsync(watch)).SnapshotComplete.Alerts);

        await StoreAsync((2, Records.Alert("help-1", type: AlertType.Help, minutes: 1)));
        var step = (await NextAsync(watch)).Step;
        Assert.Equal(("help-1", 2ul, V1.AlertEventKind.Raised, V1.AlertType.Help), (step.AlertId, step.Seq, step.Kind, step.Type));

        await api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "help-1" });
        var acknowledged = (await NextAsync(watch)).Acknowledged;
        Assert.Equal(("help-1", "gw-1", "token:alarm-centre"), (acknowledged.AlertId, acknowledged.GatewayId, acknowledged.AcknowledgedBy));

        Assert.Contains(await server.Store.ListAuditAsync(null, null), row => row.Action == DispatchApiService.WatchedAction);
    }

    [Fact]
    public async Task Acknowledge_takes_the_alert_once_and_the_gateway_hears_it()
    {
        await StoreAsync((1, Records.Alert("fall-1")));
        var api = server.ApiClient(token);

        var first = await api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "fall-1" });
        var second = await api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "fall-1", GatewayId = "gw-1" });

        Assert.True(first.Acknowledged);
        Assert.False(second.Acknowledged);
        Assert.Equal(first.Acknowledgement, second.Acknowledgement);
        Assert.Equal("token:alarm-centre", first.Acknowledgement.AcknowledgedBy);
        Assert.Equal(["acknowledged", "acknowledge_repeated"], (await server.Store.ListAuditAsync("gw-1", "fall-1")).Select(a => a.Action));

        using var uplink = await server.ConnectAsync(gateway);
        await uplink.HelloAsync("gw-1");
        var delivered = await uplink.ReadAsync();
        Assert.Equal(("fall-1", "integration", 1ul), (delivered.AlertAcknowledged.AlertId, delivered.AlertAcknowledged.By, delivered.AlertAcknowledged.AckSeq));
    }

    [Fact]
    public async Task Acknowledge_names_what_is_wrong_with_the_request()
    {
        var other = await server.AddGatewayAsync("gw-2", "home-2");
        await StoreAsync((1, Records.Alert("fall-1")));
        using (var uplink = await server.ConnectAsync(other))
        {
            await uplink.HelloAsync("gw-2", "home-2");
            await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1", homeId: "home-2")));
        }

        var api = server.ApiClient(token);

        var missing = await Assert.ThrowsAsync<RpcException>(() => api.AcknowledgeAsync(new AcknowledgeRequest()).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "nope" }).ResponseAsync);
        var ambiguous = await Assert.ThrowsAsync<RpcException>(() => api.AcknowledgeAsync(new AcknowledgeRequest { AlertId = "fall-1" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'nope'", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, ambiguous.StatusCode);
        Assert.Contains("gw-1, gw-2", ambiguous.Status.Detail, StringComparison.Ordinal);
        Assert.All(await server.Store.ListAlertsAsync(null), row => Assert.Null(row.AcknowledgedAt));
    }

    [Fact]
    public async Task New_evidence_on_a_resolved_alert_is_live_again_for_ListAlerts_and_WatchAlerts()
    {
        await StoreAsync((1, Records.Alert("help-1", type: AlertType.Help)));
        var api = server.ApiClient(token);
        await api.ResolveAsync(new ResolveRequest { AlertId = "help-1", Outcome = Outcome.FalseAlarm });
        using var cancel = new CancellationTokenSource(Patience * 3);
        using var watch = api.WatchAlerts(new WatchAlertsRequest(), cancellationToken: cancel.Token);
        Assert.Equal(0u, (await NextAsync(watch)).SnapshotComplete.Alerts);

        // The client pressed again before the resolution reached the gateway (it has applied nothing yet).
        using (var uplink = await server.ConnectAsync(gateway))
        {
            await uplink.HelloAsync("gw-1", appliedAckSeq: 2);
            await uplink.SendRecordAsync(Records.Wire(2, Records.Alert("help-1", AlertEventKind.Repeated, AlertType.Help, count: 2, minutes: 1)));
        }

        Assert.Equal(("help-1", V1.AlertEventKind.Repeated), (await NextAsync(watch)).Step is var step ? (step.AlertId, step.Kind) : default);
        var changed = (await NextAsync(watch)).Changed;
        Assert.Equal(("reopened", "help-1"), (changed.Change, changed.Alert.AlertId));
        Assert.Null(changed.Alert.Resolution);
        Assert.Null(changed.Alert.Acknowledgement);

        var live = (await api.ListAlertsAsync(new ListAlertsRequest())).Alerts.Single();
        Assert.Equal(("help-1", 2u), (live.AlertId, live.Count));
        Assert.Empty((await api.ListAlertsAsync(new ListAlertsRequest { Status = AlertStatusFilter.Resolved })).Alerts);
    }

    [Fact]
    public async Task Resolve_acknowledges_first_records_the_outcome_once_and_the_alert_leaves_the_queue()
    {
        await StoreAsync((1, Records.Alert("fall-1")), (2, Records.Alert("help-1", type: AlertType.Help, minutes: 1)));
        var api = server.ApiClient(token);
        using var cancel = new CancellationTokenSource(Patience * 3);
        using var watch = api.WatchAlerts(new WatchAlertsRequest(), cancellationToken: cancel.Token);
        while ((await NextAsync(watch)).ChangeCase != AlertChange.ChangeOneofCase.SnapshotComplete)
        {
        }

        var first = await api.ResolveAsync(new ResolveRequest { AlertId = "fall-1", Outcome = Outcome.VisitedNoInjury, Note = "Helped up, no injury." });
        var again = await api.ResolveAsync(new ResolveRequest { AlertId = "fall-1", Outcome = Outcome.FalseAlarm });

        Assert.True(first.Resolved);
        Assert.False(again.Resolved);
        Assert.Equal(first.Resolution, again.Resolution);
        Assert.Equal((Outcome.VisitedNoInjury, "Helped up, no injury.", "token:alarm-centre"),
            (first.Resolution.Outcome, first.Resolution.Note, first.Resolution.ResolvedBy));
        Assert.Equal((first.Resolution.ResolvedAt.ToDateTimeOffset() - Records.T0).TotalSeconds, first.Resolution.TimeToResolveSeconds, 3);

        // Watchers see the acknowledgement the resolve made, then the resolution.
        Assert.Equal("fall-1", (await NextAsync(watch)).Acknowledged.AlertId);
        var changed = (await NextAsync(watch)).Changed;
        Assert.Equal(("resolved", "fall-1", Outcome.VisitedNoInjury), (changed.Change, changed.Alert.AlertId, changed.Alert.Resolution.Outcome));

        Assert.Equal(["help-1"], (await api.ListAlertsAsync(new ListAlertsRequest())).Alerts.Select(a => a.AlertId));
        var resolved = (await api.ListAlertsAsync(new ListAlertsRequest { Status = AlertStatusFilter.Resolved })).Alerts.Single();
        Assert.Equal(("fall-1", "token:alarm-centre"), (resolved.AlertId, resolved.Acknowledgement.AcknowledgedBy));

        // The gateway hears the acknowledgement the resolve made: the client is told help came.
        using var uplink = await server.ConnectAsync(gateway);
        await uplink.HelloAsync("gw-1");
        Assert.Equal("fall-1", (await uplink.ReadAsync()).AlertAcknowledged.AlertId);
    }

    [Fact]
    public async Task Resolve_names_what_is_wrong_with_the_request()
    {
        await StoreAsync((1, Records.Alert("fall-1")));
        var api = server.ApiClient(token);

        var noOutcome = await Assert.ThrowsAsync<RpcException>(() => api.ResolveAsync(new ResolveRequest { AlertId = "fall-1" }).ResponseAsync);
        var unknownOutcome = await Assert.ThrowsAsync<RpcException>(() =>
            api.ResolveAsync(new ResolveRequest { AlertId = "fall-1", Outcome = (Outcome)99 }).ResponseAsync);
        var longNote = await Assert.ThrowsAsync<RpcException>(() =>
            api.ResolveAsync(new ResolveRequest { AlertId = "fall-1", Outcome = Outcome.Other, Note = new string('x', 2001) }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            api.ResolveAsync(new ResolveRequest { AlertId = "nope", Outcome = Outcome.Other }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, noOutcome.StatusCode);
        Assert.Contains("visited_no_injury", noOutcome.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, unknownOutcome.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, longNote.StatusCode);
        Assert.Contains("2000", longNote.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var row = (await server.Store.ListAlertsAsync(null)).Single();
        Assert.Null(row.AcknowledgedAt);
    }

    [Fact]
    public async Task The_api_is_served_only_on_its_own_endpoint()
    {
        await StoreAsync((1, Records.Alert("fall-1")));

        // The gateway endpoint trusts the same CA, so only the routing can refuse it.
        var onGatewayEndpoint = await Assert.ThrowsAsync<RpcException>(() =>
            server.ApiClient(token, server.Running.GrpcUri).ListAlertsAsync(new ListAlertsRequest()).ResponseAsync);
        var uplinkOnApiEndpoint = new V1.GatewayUplink.GatewayUplinkClient(Grpc.Net.Client.GrpcChannel.ForAddress(
            server.Running.ApiUri!, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = server.GatewayHandler(gateway) }));
        using var call = uplinkOnApiEndpoint.Connect();
        // Refused by routing as soon as the call's headers arrive, so nothing is written: a write racing the refusal
        // fails as Cancelled (seen once), which would hide the status the endpoint answered with.
        var uplinkRefused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Unimplemented, onGatewayEndpoint.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, uplinkRefused.StatusCode);
    }

    [Fact]
    public void Wire_outcomes_are_the_stored_outcomes_by_number_and_name()
    {
        var wire = DispatchApiReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("Outcome");

        foreach (var outcome in HomeGateway.Dispatch.Store.ResolutionOutcomes.All)
        {
            Assert.Equal("OUTCOME_" + HomeGateway.Dispatch.Store.ResolutionOutcomes.ToName(outcome).ToUpperInvariant(), wire.FindValueByNumber((int)outcome).Name);
        }

        Assert.Equal(HomeGateway.Dispatch.Store.ResolutionOutcomes.All.Count + 1, wire.Values.Count);
    }

    private static async Task<AlertChange> NextAsync(AsyncServerStreamingCall<AlertChange> watch)
    {
        using var timeout = new CancellationTokenSource(Patience);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token), "the watch ended");
        return watch.ResponseStream.Current;
    }
}
