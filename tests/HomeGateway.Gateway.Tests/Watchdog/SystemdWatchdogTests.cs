using System.Collections.Concurrent;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Gateway.Watchdog;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Watchdog;

/// <summary>
/// Invariant: systemd's watchdog is pinged only while every loop of the alert path beats — a stalled pipeline or
/// uplink supervisor stops the pings (so systemd restarts the gateway); dispatch being unreachable does not.
/// </summary>
public sealed class SystemdWatchdogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
    private readonly RecordingNotifier notifier = new();
    private readonly CapturingLoggerProvider logs = new();
    private readonly AlertPathHeartbeats heartbeats;
    private readonly SystemdWatchdog watchdog;

    public SystemdWatchdogTests()
    {
        heartbeats = new AlertPathHeartbeats(clock, TimeSpan.FromSeconds(20));
        watchdog = new SystemdWatchdog(notifier, heartbeats, clock, logs.CreateLogger<SystemdWatchdog>(), Timeout);
    }

    [Fact]
    public void Pings_while_every_loop_beats()
    {
        for (var round = 0; round < 10; round++)
        {
            clock.Advance(Timeout / 2);
            heartbeats.Pipeline.Beat();
            heartbeats.Uplink.Beat();
            Assert.True(watchdog.Check(Timeout));
        }

        Assert.Equal(Enumerable.Repeat("WATCHDOG=1", 10), notifier.States);
    }

    [Fact]
    public void A_stalled_pipeline_stops_the_pings_and_says_so_once_until_it_beats_again()
    {
        heartbeats.Pipeline.Beat();
        for (var round = 0; round < 6; round++)
        {
            clock.Advance(Timeout / 2);
            heartbeats.Uplink.Beat();
            watchdog.Check(Timeout);
        }

        // Beats at 0 s; pings at 15 and 30 s (within the 30 s allowed); none at 45, 60, 75, 90 s.
        Assert.Equal(2, notifier.States.Count);
        var stalled = Assert.Single(logs.WithEventId(2962));
        Assert.Contains("alert pipeline", stalled.Message, StringComparison.Ordinal);

        heartbeats.Pipeline.Beat();
        Assert.True(watchdog.Check(Timeout));
        Assert.Equal(3, notifier.States.Count);
        Assert.Single(logs.WithEventId(2963));
    }

    [Fact]
    public void A_stalled_uplink_supervisor_stops_the_pings_but_a_retired_one_does_not()
    {
        clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        heartbeats.Pipeline.Beat();
        Assert.False(watchdog.Check(Timeout));
        Assert.Contains("dispatch uplink", Assert.Single(logs.WithEventId(2962)).Message, StringComparison.Ordinal);

        // No dispatch configured: the uplink loop ends on purpose, and there is nothing left to watch.
        heartbeats.Uplink.Retire();
        Assert.True(watchdog.Check(Timeout));
        Assert.Single(notifier.States);
    }

    [Fact]
    public void A_loop_that_never_starts_counts_as_stalled()
    {
        clock.Advance(TimeSpan.FromSeconds(31));
        heartbeats.Uplink.Beat();

        Assert.False(watchdog.Check(Timeout));
        Assert.Empty(notifier.States);
    }

    [Fact]
    public async Task The_service_pings_at_half_the_timeout_and_never_more_often()
    {
        using var cancel = new CancellationTokenSource();
        await watchdog.StartAsync(cancel.Token);
        var started = clock.GetUtcNow();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (notifier.States.Count < 3)
        {
            guard.Token.ThrowIfCancellationRequested();
            heartbeats.Pipeline.Beat();
            heartbeats.Uplink.Beat();
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, guard.Token);
        }

        await watchdog.StopAsync(CancellationToken.None);
        // Pings at start, then one per 15 s: the third cannot come before 30 s.
        Assert.True(clock.GetUtcNow() - started >= TimeSpan.FromSeconds(30));
        Assert.NotEmpty(logs.WithEventId(2960));
    }

    [Fact]
    public async Task Without_a_watchdog_from_systemd_it_does_nothing()
    {
        using var off = new SystemdWatchdog(notifier, heartbeats, clock, logs.CreateLogger<SystemdWatchdog>(), watchdogTimeout: null);
        await off.StartAsync(CancellationToken.None);
        await off.ExecuteTask!;

        Assert.Empty(notifier.States);
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "4242", 30.0)]
    [InlineData("30000000", "1", null)]
    [InlineData(null, null, null)]
    [InlineData("0", null, null)]
    [InlineData("soon", null, null)]
    public void The_timeout_comes_from_WATCHDOG_USEC_when_it_is_meant_for_this_process(string? usec, string? pid, double? expectedSeconds)
    {
        var timeout = SystemdWatchdog.TimeoutFromEnvironment(
            name => name switch { "WATCHDOG_USEC" => usec, "WATCHDOG_PID" => pid, _ => null },
            processId: 4242);

        Assert.Equal(expectedSeconds, timeout?.TotalSeconds);
    }

    [Fact]
    public async Task A_quiet_pipeline_keeps_beating_without_any_sensor_event()
    {
        using var dir = new TempDirectory();
        var home = QuietHome;
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        using var pipeline = new AlertPipeline(new SensorEventInbox(), journal, new RulesEngine(home, clock.GetUtcNow()), [], clock,
            NullLogger<AlertPipeline>.Instance, heartbeats: heartbeats);
        await pipeline.StartAsync(CancellationToken.None);

        // Two quiet minutes, then the pipeline must have beaten within its last wake.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var quietUntil = clock.GetUtcNow() + TimeSpan.FromMinutes(2);
        while (clock.GetUtcNow() < quietUntil || heartbeats.Pipeline.Silence > AlertPathHeartbeats.PipelineWake)
        {
            guard.Token.ThrowIfCancellationRequested();
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, guard.Token);
        }

        Assert.True(heartbeats.Pipeline.IsHealthy);
        await pipeline.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_uplink_that_cannot_reach_dispatch_still_beats()
    {
        using var dir = new TempDirectory();
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var settings = new GatewayOptions { DataDirectory = dir.Path, Dispatch = { Url = "https://127.0.0.1:1" } };
        using var uplink = new DispatchUplink(journal, QuietHome, Options.Create(settings), clock, NullLogger<DispatchUplink>.Instance, heartbeats: heartbeats);
        await uplink.StartAsync(CancellationToken.None);

        // Not enrolled and nothing listening: five minutes of failed connects and backoff.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var downUntil = clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (clock.GetUtcNow() < downUntil || heartbeats.Uplink.Silence > TimeSpan.FromSeconds(30))
        {
            guard.Token.ThrowIfCancellationRequested();
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, guard.Token);
        }

        Assert.True(heartbeats.Uplink.IsHealthy);
        Assert.NotEqual(UplinkState.Connected, uplink.State);
        await uplink.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_uplink_without_dispatch_is_not_watched()
    {
        using var dir = new TempDirectory();
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        using var uplink = new DispatchUplink(journal, QuietHome, Options.Create(new GatewayOptions { DataDirectory = dir.Path }), clock,
            NullLogger<DispatchUplink>.Instance, heartbeats: heartbeats);
        await uplink.StartAsync(CancellationToken.None);
        await uplink.ExecuteTask!;

        clock.Advance(TimeSpan.FromHours(1));
        Assert.True(heartbeats.Uplink.IsHealthy);
    }

    private static HomeConfig QuietHome => new("home", "Europe/Helsinki",
        [new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) }],
        new RulesConfig { Help = new HelpRuleConfig() });

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        private readonly ConcurrentQueue<string> states = new();

        public bool IsEnabled => true;

        public IReadOnlyCollection<string> States => states;

        public void Notify(ServiceState state) => states.Enqueue(state.ToString());
    }
}
