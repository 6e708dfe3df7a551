using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// The pipeline's deadline timer is kept while the engine's next deadline stays the same (a timer per loop turn woke the
/// runtime's timer thread per sensor event), replaced when it moves, and fires at the deadline on the pipeline's clock.
/// </summary>
public sealed class DeadlineWakeTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 6, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_same_deadline_keeps_its_timer_and_it_fires_then()
    {
        using var wake = new DeadlineWake(time, CancellationToken.None);
        var due = time.GetUtcNow().AddMinutes(10);

        var first = wake.Until(due);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Same(first, wake.Until(due));
        Assert.False(first!.IsCompleted);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(first.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_moved_deadline_replaces_the_timer_and_the_old_one_never_fires()
    {
        using var wake = new DeadlineWake(time, CancellationToken.None);
        var later = wake.Until(time.GetUtcNow().AddMinutes(10))!;

        var sooner = wake.Until(time.GetUtcNow().AddMinutes(1))!;
        Assert.NotSame(later, sooner);
        Assert.True(later.IsCanceled);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(sooner.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_passed_deadline_wakes_at_once_and_none_gives_no_timer()
    {
        using var wake = new DeadlineWake(time, CancellationToken.None);

        Assert.True(wake.Until(time.GetUtcNow().AddSeconds(-1))!.IsCompletedSuccessfully);
        Assert.Null(wake.Until(null));
    }

    [Fact]
    public void A_fired_timer_is_not_handed_out_again_for_the_same_deadline()
    {
        using var wake = new DeadlineWake(time, CancellationToken.None);
        var due = time.GetUtcNow().AddMinutes(1);
        var first = wake.Until(due)!;
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(first.IsCompleted);

        // The engine has not moved its deadline (it was reached): the loop is woken again at once, as before this timer.
        var again = wake.Until(due)!;
        Assert.True(again.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task On_the_system_clock_a_deadline_wakes_the_loop_a_few_times_at_most_not_until_it_passes()
    {
        // The pipeline's loop as it runs: wait for the wake, look whether the deadline has passed, ask again. The runtime's
        // timers may fire a little early; what is left then must be waited for, not turned into a spin of zero waits.
        using var wake = new DeadlineWake(TimeProvider.System, CancellationToken.None);
        var turnsBeforeDue = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var due = DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1.5 + i);
            var turns = 0;
            while (DateTimeOffset.UtcNow < due)
            {
                await wake.Until(due)!;
                turns++;
            }

            turnsBeforeDue.Add(turns);
        }

        Assert.All(turnsBeforeDue, turns => Assert.InRange(turns, 1, 6));
    }
}
