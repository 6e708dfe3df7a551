using Grpc.Core;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: a fleet reconnecting at once is paced, never queued without bound: at most
/// <c>Admission:MaxConcurrentSetups</c> streams are in set-up at once, at most 5 s worth of them wait for a slot, and every
/// other one is refused at once with UNAVAILABLE and a retry hint that spreads the refused over the time dispatch needs to
/// take them (never beyond 30 s).
/// </summary>
public sealed class StreamAdmissionTests
{
    [Fact]
    public async Task Beyond_the_limit_a_short_queue_waits_and_the_rest_are_refused_with_hints_at_the_rate_set_ups_complete()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T04:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var admission = Admission(limit: 10, time);
        var slots = Enumerable.Range(0, 10).Select(_ => Enter(admission)).ToList();
        Assert.Equal(10, admission.InSetup);

        // 19 set-ups complete within one second.
        foreach (var slot in slots.Take(10))
        {
            slot.Complete();
        }

        slots = Enumerable.Range(0, 10).Select(_ => Enter(admission)).ToList();
        for (var i = 0; i < 9; i++)
        {
            slots[i].Complete();
            slots[i] = Enter(admission);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        // A queue that drains in 5 s at 19 a second waits for its turn (its TLS handshake is paid)...
        var waiting = Enumerable.Range(0, 19 * 5).Select(_ => admission.EnterAsync(CancellationToken.None)).ToList();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        // ...beyond it, streams are refused at once, each given its own later moment 1/19 s apart, never beyond 30 s.
        var hints = Enumerable.Range(0, 700).Select(_ => Refused(admission)).ToList();
        Assert.Equal(StreamAdmission.MinHint, hints[0]);
        Assert.True(hints.SequenceEqual(hints.Order()), "later refusals get later moments");
        Assert.InRange(hints[200], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        Assert.Equal(StreamAdmission.MaxHint, hints[^1]);

        // A finished set-up hands its slot to the longest waiting stream.
        slots[0].Complete();
        var (handed, _) = await waiting[0].WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(handed);
        Assert.False(waiting[1].IsCompleted);
    }

    [Fact]
    public async Task A_stream_that_waited_its_longest_is_refused_with_a_hint()
    {
        var time = new FakeTimeProvider();
        var admission = Admission(limit: 1, time);
        using var held = Enter(admission);
        var waiting = admission.EnterAsync(CancellationToken.None);

        time.Advance(StreamAdmission.MaxQueueWait);
        var (slot, hint) = await waiting;

        Assert.Null(slot);
        Assert.True(hint >= StreamAdmission.MinHint);
        Assert.Equal(1, admission.InSetup);
    }

    [Fact]
    public void A_slot_is_given_back_at_welcome_or_after_the_set_up_timeout_and_only_once()
    {
        var time = new FakeTimeProvider();
        var admission = Admission(limit: 1, time);
        var first = Enter(admission);

        first.Complete();
        first.Dispose();
        Assert.Equal(0, admission.InSetup);

        using var silent = Enter(admission);
        time.Advance(StreamAdmission.SetupTimeout);
        Assert.Equal(0, admission.InSetup);
        using var next = Enter(admission);
        Assert.Equal(1, admission.InSetup);
    }

    [Fact]
    public async Task A_real_stream_beyond_the_limit_gets_UNAVAILABLE_with_the_hint_in_the_trailer_and_a_later_one_is_welcomed()
    {
        await using var server = await DispatchServer.StartAsync(builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dispatch:Admission:MaxConcurrentSetups"] = "1" }));
        var certificate = await server.AddGatewayAsync("gw-adm-1");
        var admission = server.Service<StreamAdmission>();

        // A stream that has not said Hello yet is in set-up and holds the one slot.
        using var holding = await server.ConnectAsync(certificate);
        await WaitAsync(() => admission.InSetup == 1);

        using var refused = await server.ConnectAsync(certificate);
        var failure = await refused.FailureAsync();
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.True(long.TryParse(failure.Trailers.GetValue(StreamAdmission.PushbackTrailer), out var ms) && ms >= 250,
            $"trailers: {string.Join(", ", failure.Trailers.Select(t => t.Key + "=" + t.Value))}");
        // The name gRPC's own retry reads, and the gateway's UplinkBackoff.PushbackTrailer (frozen on both sides).
        Assert.Equal("grpc-retry-pushback-ms", StreamAdmission.PushbackTrailer);

        await holding.HelloAsync("gw-adm-1");
        // The slot is given back just after Welcome is written, which the client may read first.
        await WaitAsync(() => admission.InSetup == 0);
        using var later = await server.ConnectAsync(certificate);
        await later.HelloAsync("gw-adm-1");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void A_limit_outside_1_to_10000_is_refused_at_start(int limit)
    {
        var options = new DispatchOptions { DataDirectory = "/tmp/x", Admission = { MaxConcurrentSetups = limit, MaxConcurrentHandshakes = limit } };
        var result = new DispatchOptionsValidator().Validate(null, options);
        Assert.Contains("Admission:MaxConcurrentSetups", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Admission:MaxConcurrentHandshakes", result.FailureMessage, StringComparison.Ordinal);
    }

    private static StreamAdmission Admission(int limit, TimeProvider time) =>
        new(Options.Create(new DispatchOptions { Admission = { MaxConcurrentSetups = limit } }), time, NullLogger<StreamAdmission>.Instance);

    private static StreamAdmission.SetupSlot Enter(StreamAdmission admission)
    {
        var entered = admission.EnterAsync(CancellationToken.None);
        Assert.True(entered.IsCompletedSuccessfully && entered.Result.Slot is not null, "a slot was expected to be free");
        return entered.Result.Slot!;
    }

    private static TimeSpan Refused(StreamAdmission admission)
    {
        var entered = admission.EnterAsync(CancellationToken.None);
        Assert.True(entered.IsCompletedSuccessfully && entered.Result.Slot is null, "a refusal at once was expected");
        return entered.Result.RetryAfter;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
