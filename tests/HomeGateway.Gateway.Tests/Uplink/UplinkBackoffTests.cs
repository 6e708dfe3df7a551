using Grpc.Core;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Uplink;

/// <summary>
/// Invariant: alerts queued during a dispatch outage flow within a few seconds of dispatch being healthy again, whatever
/// the outage's length, and a fleet that lost dispatch together does not come back in one synchronised burst. The
/// fleet is played on a <see cref="FakeTimeProvider"/> with the uplink's own <see cref="UplinkBackoff"/>: each gateway
/// tries, fails at once while dispatch is down (the connect is refused), sleeps what the policy says, tries again.
/// </summary>
public sealed class UplinkBackoffTests
{
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(60)]
    [InlineData(24 * 60)]
    public void After_an_outage_of_minutes_every_gateway_tries_within_a_few_seconds_of_dispatch_being_back(int outageMinutes)
    {
        var lateness = Fleet(1000, TimeSpan.FromMinutes(outageMinutes), seed: outageMinutes);

        Assert.True(lateness.Max() <= FewSeconds,
            $"after a {outageMinutes} min outage the last gateway tried {lateness.Max().TotalSeconds:0.0} s after dispatch was back (p50 {Percentile(lateness, 50).TotalSeconds:0.0} s)");
        Assert.True(Percentile(lateness, 50) <= FewSeconds / 2, $"p50 {Percentile(lateness, 50).TotalSeconds:0.0} s");
    }

    [Fact]
    public void A_fleet_that_lost_dispatch_together_comes_back_spread_over_seconds_not_in_one_instant()
    {
        const int gateways = 5000;
        var lateness = Fleet(gateways, TimeSpan.FromMinutes(10), seed: 14);

        // Uniform over the cap would put 2 % of the fleet in any 100 ms; a synchronised fleet puts it all in one.
        var busiest = lateness.GroupBy(l => (long)(l.TotalMilliseconds / 100)).Max(g => g.Count());
        Assert.True(busiest <= gateways * 5 / 100, $"{busiest} of {gateways} gateways came back in the same 100 ms");
        var spread = Percentile(lateness, 95) - Percentile(lateness, 5);
        Assert.True(spread >= TimeSpan.FromSeconds(3), $"the middle 90 % of the fleet came back within {spread.TotalSeconds:0.00} s");
    }

    [Fact]
    public void While_dispatch_is_down_a_gateway_tries_at_most_about_once_every_two_seconds()
    {
        // The price of the low cap: what a down dispatch (or the load balancer in front of it) sees from each gateway.
        var time = new FakeTimeProvider();
        var backoff = new UplinkBackoff(new Random(6).NextDouble);
        var start = time.GetUtcNow();
        var attempts = 0;
        while (time.GetUtcNow() - start < TimeSpan.FromHours(1))
        {
            attempts++;
            time.Advance(backoff.AfterFailure());
        }

        Assert.InRange(attempts, 1, 3600 / 2);
    }

    [Fact]
    public void The_first_retry_after_losing_a_welcomed_stream_comes_within_a_second_and_is_jittered()
    {
        var waits = Enumerable.Range(0, 200).Select(seed =>
        {
            var backoff = new UplinkBackoff(new Random(seed).NextDouble);
            backoff.AfterFailure();
            backoff.AfterFailure();
            backoff.Reset();
            return backoff.AfterFailure();
        }).ToList();

        Assert.All(waits, w => Assert.InRange(w, UplinkBackoff.Base, TimeSpan.FromSeconds(1)));
        Assert.True(waits.Distinct().Count() > 100, "a fleet losing dispatch together must not retry in the same instant");
    }

    [Theory]
    [InlineData(0.0, 2000)]
    [InlineData(1.0, 3000)]
    public void A_pushback_hint_is_honoured_between_the_hint_and_one_and_a_half_times_it(double random, int expectedMs)
    {
        var backoff = new UplinkBackoff(() => random);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), backoff.AfterPushback(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_hint_beyond_a_minute_is_taken_as_a_minute_and_a_zero_hint_still_waits_a_little()
    {
        var top = new UplinkBackoff(() => 1.0);
        Assert.Equal(UplinkBackoff.MaxPushback * 1.5, top.AfterPushback(TimeSpan.FromHours(5)));
        var bottom = new UplinkBackoff(() => 0.0);
        Assert.Equal(UplinkBackoff.Base, bottom.AfterPushback(TimeSpan.Zero));
    }

    [Fact]
    public void A_refused_credential_is_retried_between_15_and_30_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), new UplinkBackoff(() => 0.0).AfterRefusal());
        Assert.Equal(TimeSpan.FromSeconds(30), new UplinkBackoff(() => 1.0).AfterRefusal());
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "1500", 1500)]
    [InlineData(StatusCode.ResourceExhausted, "250", 250)]
    [InlineData(StatusCode.Unavailable, "999999999", 60_000)]
    [InlineData(StatusCode.Unavailable, "-5", null)]
    [InlineData(StatusCode.Unavailable, "soon", null)]
    [InlineData(StatusCode.Unavailable, null, null)]
    [InlineData(StatusCode.Internal, "1500", null)]
    [InlineData(StatusCode.PermissionDenied, "1500", null)]
    public void The_hint_is_read_from_the_trailer_of_an_unavailable_or_exhausted_refusal_only(StatusCode status, string? trailer, int? expectedMs)
    {
        var trailers = new Metadata();
        if (trailer is not null)
        {
            trailers.Add(UplinkBackoff.PushbackTrailer, trailer);
        }

        var hint = UplinkBackoff.PushbackOf(new RpcException(new Grpc.Core.Status(status, "busy"), trailers));

        // The name gRPC's own retry reads, and dispatch's StreamAdmission.PushbackTrailer (frozen on both sides).
        Assert.Equal("grpc-retry-pushback-ms", UplinkBackoff.PushbackTrailer);
        Assert.Equal(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, hint);
    }

    /// <summary>
    /// Each gateway of the fleet held a stream until dispatch went away at the start, then retried on the shared fake
    /// clock until dispatch was back after <paramref name="outage"/>. Returns, per gateway, how long after dispatch was
    /// back its first attempt came (which then succeeds).
    /// </summary>
    private static List<TimeSpan> Fleet(int gateways, TimeSpan outage, int seed)
    {
        var random = new Random(seed);
        var lateness = new List<TimeSpan>(gateways);
        for (var g = 0; g < gateways; g++)
        {
            var time = new FakeTimeProvider();
            var healthyAt = time.GetUtcNow() + outage;
            var backoff = new UplinkBackoff(random.NextDouble);
            backoff.Reset();
            // Lost the stream at the start of the outage; every attempt before healthyAt is refused at once.
            time.Advance(backoff.AfterFailure());
            while (time.GetUtcNow() < healthyAt)
            {
                time.Advance(backoff.AfterFailure());
            }

            lateness.Add(time.GetUtcNow() - healthyAt);
        }

        return lateness;
    }

    private static TimeSpan Percentile(List<TimeSpan> values, double percent)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
