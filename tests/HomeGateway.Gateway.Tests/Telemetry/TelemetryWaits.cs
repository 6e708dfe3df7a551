using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Telemetry;

internal static class TelemetryWaits
{
    /// <summary>
    /// Waits for a condition the writer reaches on its own loop; with a fake clock, moves it on meanwhile so flush
    /// intervals and backoffs pass. The 30 s limit is a guard against a hang, not a measurement.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, FakeTimeProvider? clock = null)
    {
        var guard = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < guard, $"gave up waiting: {what}");
            clock?.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(20);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, FakeTimeProvider? clock = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, clock);
}
