using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Tests.DispatcherConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Acknowledgements;

/// <summary>
/// Invariant: a critical alert nobody acknowledged is escalated visibly at exactly raise + N minutes — not before, once,
/// never when someone took it in time — audited as <c>dispatch</c> and published live.
/// </summary>
public sealed class CriticalEscalationTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider clock = new(Records.T0);
    private DispatchServer server = null!;

    private CriticalEscalation Escalation => server.Service<CriticalEscalation>();

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(builder =>
    {
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Configuration["Dispatch:Escalation:CriticalUnacknowledgedMinutes"] = "5";
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<AlertView> ViewAsync(string alertId) => (await server.Store.FindAlertAsync(null, alertId)).Alert!;

    [Fact]
    public async Task A_critical_alert_is_escalated_exactly_at_the_limit_and_only_once()
    {
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("fall-1"));
        using var subscription = server.Service<IAlertFeed>().Subscribe();

        clock.Advance(Limit - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Records.T0 + Limit, await Escalation.EscalateDueAsync(CancellationToken.None));
        Assert.Null((await ViewAsync("fall-1")).Escalation);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Escalation.EscalateDueAsync(CancellationToken.None));
        var escalation = (await ViewAsync("fall-1")).Escalation!;
        Assert.Equal((Records.T0 + Limit, CriticalEscalation.Actor), (escalation.At, escalation.By));
        Assert.Contains("5 min", escalation.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(10));
        await Escalation.EscalateDueAsync(CancellationToken.None);
        var audit = Assert.Single(await server.Store.ListAuditAsync("gw-1", "fall-1"));
        Assert.Equal(("dispatch", "escalated"), (audit.Actor, audit.Action));

        // Every console hears of it (the loop may have escalated it first; either way it was published once).
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        QueueChange change;
        do
        {
            change = await subscription.Reader.ReadAsync(patience.Token);
        }
        while (change is not AlertChanged);
        Assert.Equal("escalated", ((AlertChanged)change).Change);
    }

    [Fact]
    public async Task An_alert_acknowledged_in_time_or_not_critical_is_never_escalated()
    {
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("fall-1"));
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 2, Records.Alert("bed-1", type: AlertType.BedNotReturned, priority: AlertPriority.High));
        clock.Advance(Limit - TimeSpan.FromSeconds(1));
        await server.Store.AcknowledgeAsync(null, "fall-1", "anna", "dispatcher");

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Null(await Escalation.EscalateDueAsync(CancellationToken.None));
        Assert.Null((await ViewAsync("fall-1")).Escalation);
        Assert.Null((await ViewAsync("bed-1")).Escalation);
    }

    [Fact]
    public async Task The_loop_escalates_on_its_own_when_the_clock_reaches_the_limit()
    {
        await LifecycleSession.StoreAlertAsync(server.Store, "gw-1", 1, Records.Alert("help-1", type: AlertType.Help));
        // The ingest publishes every stored step; the loop wakes on it and sleeps until the limit.
        server.Service<IAlertFeed>().Publish(new StoredAlertStep("gw-1", 1, Records.Alert("help-1", type: AlertType.Help), Records.T0));

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await ViewAsync("help-1")).Escalation is null)
        {
            // Advance in small steps until the loop's timer has fired; the mark carries the exact due time regardless.
            if (clock.GetUtcNow() < Records.T0 + Limit)
            {
                clock.Advance(TimeSpan.FromSeconds(30));
            }

            await Task.Delay(20, patience.Token);
        }

        Assert.Equal(Records.T0 + Limit, (await ViewAsync("help-1")).Escalation!.At);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1441")]
    public async Task Limits_outside_one_minute_to_a_day_are_refused_at_start(string minutes)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DispatchServer.StartAsync(builder =>
            builder.Configuration["Dispatch:Escalation:CriticalUnacknowledgedMinutes"] = minutes));

        Assert.Contains("Dispatch:Escalation:CriticalUnacknowledgedMinutes must be between 1 and 1440", failure.Message, StringComparison.Ordinal);
    }
}
