using System.Diagnostics;
using System.Text.Json;

namespace HomeGateway.Benchmarks.Suite.ConsoleLoad;

/// <summary>
/// One open console's live stream, read raw (no browser) with the console user's session cookie: every
/// <c>alert</c> and <c>outage_batch</c> event is parsed as it arrives and its gateway-health steps applied to the set of
/// offline alerts this console would show, with the arrival time of the first step and of the step that completed each
/// phase. A stream that ends while the bench still reads it is a console dispatch dropped (it would have to reload).
/// </summary>
internal sealed class ConsoleStreamRecorder : IAsyncDisposable
{
    private readonly HttpClient client;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly HashSet<string> offline = new(StringComparer.Ordinal);
    private readonly PhaseTally raised;
    private readonly PhaseTally cleared;
    private Task reading = Task.CompletedTask;

    private ConsoleStreamRecorder(HttpClient client, int expected)
    {
        this.client = client;
        raised = new PhaseTally(expected);
        cleared = new PhaseTally(expected);
    }

    /// <summary>Stopwatch timestamps (0 until it happened).</summary>
    public long FirstRaisedAt => raised.FirstAt;

    public long AllRaisedAt => raised.AllAt;

    public long FirstClearedAt => cleared.FirstAt;

    public long AllClearedAt => cleared.AllAt;

    /// <summary>Server-Sent Events received that carried gateway-health steps (one per step, or one per batch).</summary>
    public int Events { get; private set; }

    /// <summary>A step for an alert this console had already been told of in the same phase.</summary>
    public int Duplicates { get; private set; }

    public bool Dropped { get; private set; }

    public string? DropReason { get; private set; }

    public Task AllRaised => raised.All;

    public Task AllCleared => cleared.All;

    /// <summary>The offline alerts this console shows now.</summary>
    public IReadOnlySet<string> Offline
    {
        get
        {
            lock (gate)
            {
                return new HashSet<string>(offline, StringComparer.Ordinal);
            }
        }
    }

    public static async Task<ConsoleStreamRecorder> OpenAsync(Uri web, string sessionCookie, string path, int expected, CancellationToken ct)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = web, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add("Cookie", sessionCookie);
        var recorder = new ConsoleStreamRecorder(client, expected);
        var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var events = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        if (await events.ReadLineAsync(ct).ConfigureAwait(false) != ": connected")
        {
            throw new InvalidOperationException("the console stream did not start with ': connected'");
        }

        recorder.reading = recorder.ReadAsync(response, events);
        return recorder;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        client.Dispose();
        stop.Dispose();
    }

    private async Task ReadAsync(HttpResponseMessage response, StreamReader events)
    {
        using (response)
        using (events)
        {
            string? name = null;
            try
            {
                while (await events.ReadLineAsync(stop.Token).ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        name = line["event: ".Length..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is "alert" or "outage_batch")
                    {
                        Apply(name, line.AsMemory("data: ".Length), Stopwatch.GetTimestamp());
                    }
                }

                Drop("dispatch ended the stream");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The bench closed it.
            }
            catch (Exception e) when (e is IOException or HttpRequestException or JsonException)
            {
                Drop(e.Message);
            }
        }
    }

    private void Apply(string name, ReadOnlyMemory<char> data, long at)
    {
        using var json = JsonDocument.Parse(data);
        var steps = name == "outage_batch" ? json.RootElement.GetProperty("steps").EnumerateArray().ToList() : [json.RootElement];
        lock (gate)
        {
            var counted = false;
            foreach (var step in steps)
            {
                if (step.GetProperty("type").GetString() != "gateway_health")
                {
                    continue;
                }

                if (!counted)
                {
                    Events++;
                    counted = true;
                }

                var alertId = step.GetProperty("alertId").GetString()!;
                var isCleared = step.GetProperty("kind").GetString() == "cleared";
                Duplicates += (isCleared ? cleared : raised).Saw(alertId, at) ? 0 : 1;
                if (isCleared)
                {
                    offline.Remove(alertId);
                }
                else
                {
                    offline.Add(alertId);
                }
            }
        }
    }

    private void Drop(string reason)
    {
        Dropped = true;
        DropReason ??= reason;
        // Waiting for steps that will never come on this stream would only run into the timeout.
        raised.GiveUp();
        cleared.GiveUp();
    }

    /// <summary>One phase's steps (offline, or restored): which alerts were told, when the first and the last came.</summary>
    private sealed class PhaseTally(int expected)
    {
        private readonly HashSet<string> seen = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long FirstAt { get; private set; }

        public long AllAt { get; private set; }

        public Task All => all.Task;

        /// <summary>False when this alert was told already in this phase.</summary>
        public bool Saw(string alertId, long at)
        {
            var first = seen.Add(alertId);
            FirstAt = FirstAt == 0 ? at : FirstAt;
            if (seen.Count == expected && AllAt == 0)
            {
                AllAt = at;
                all.TrySetResult();
            }

            return first;
        }

        public void GiveUp() => all.TrySetResult();
    }
}
