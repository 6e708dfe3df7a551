using System.Text.Json;
using System.Threading.Channels;
using HomeGateway.Dispatch.Ingest;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HomeGateway.Dispatch.LiveFeed;

/// <summary>
/// The live feed across dispatch nodes on one PostgreSQL: a change is delivered to this node's subscribers at once
/// and sent to the other nodes with NOTIFY (after the commit, as <see cref="IAlertFeed.Publish"/> is called); each
/// node's one listening connection feeds its own subscribers and ignores its own notices, so every subscriber on
/// every node sees a change exactly once. The same channel carries the node-to-node signals of the gateway streams:
/// an acknowledgement wakes the gateway's stream wherever it is, and a gateway's new stream on one node ends its
/// older stream on another.
///
/// A listening connection that breaks may have missed notices: after reconnecting, every local subscription is
/// completed, which tells consoles to reload (the feed's contract).
/// </summary>
internal sealed class PostgresAlertFeed : BackgroundService, IAlertFeed
{
    internal const string Channel = "homegateway_dispatch";

    // NOTIFY payloads must stay under 8000 bytes; a larger change is announced as "reload" instead.
    private const int MaxPayloadBytes = 7900;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly InProcessAlertFeed local;
    private readonly NpgsqlDataSource dataSource;
    private readonly GatewaySessions sessions;
    private readonly TimeProvider time;
    private readonly ILogger<PostgresAlertFeed> logger;
    private readonly string node = Guid.NewGuid().ToString("N");
    private readonly Channel<Notice> outgoing = System.Threading.Channels.Channel.CreateUnbounded<Notice>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgresAlertFeed(
        InProcessAlertFeed local, PostgresDialect dialect, GatewaySessions sessions, TimeProvider time, ILogger<PostgresAlertFeed> logger)
    {
        this.local = local;
        dataSource = dialect.DataSource;
        this.sessions = sessions;
        this.time = time;
        this.logger = logger;
        sessions.StreamOpened += (gatewayId, openedAt) => outgoing.Writer.TryWrite(new Notice(node, NoticeKind.StreamOpened, GatewayId: gatewayId, At: openedAt));
    }

    /// <summary>Completes when the listening connection first listens (tests and start-up wait for it).</summary>
    public Task Listening => listening.Task;

    public void Publish(QueueChange change)
    {
        local.Publish(change);
        if (change is OutageBatch batch)
        {
            foreach (var part in Split(batch))
            {
                outgoing.Writer.TryWrite(part);
            }

            return;
        }

        var notice = change switch
        {
            StoredAlertStep step => new Notice(node, NoticeKind.Step, Step: step),
            AlertAcknowledgement ack => new Notice(node, NoticeKind.Acknowledgement, Acknowledgement: ack),
            // A resolution may wait for the gateway, whose stream may be on another node.
            AlertChanged changed => new Notice(node, NoticeKind.Reload, GatewayId: changed.Alert.Alert.GatewayId),
            _ => new Notice(node, NoticeKind.Reload),
        };
        outgoing.Writer.TryWrite(notice);
    }

    public AlertSubscription Subscribe() => local.Subscribe();

    /// <summary>
    /// An outage batch in notices that each fit a NOTIFY payload (a few dozen steps each): announcing a mass outage as
    /// "reload" would make every console on the other nodes reload thousands of rows at once, the storm batching avoids.
    /// </summary>
    internal IEnumerable<Notice> Split(OutageBatch batch)
    {
        var part = new List<StoredAlertStep>();
        var bytes = 0;
        foreach (var step in batch.Steps)
        {
            // The step's own size plus a separator; the envelope (node, kind) is well inside the margin below.
            var size = System.Text.Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(step, Json)) + 1;
            if (part.Count > 0 && bytes + size > MaxPayloadBytes - 200)
            {
                yield return new Notice(node, NoticeKind.OutageBatch, Batch: new OutageBatch(batch.Kind, part));
                part = [];
                bytes = 0;
            }

            part.Add(step);
            bytes += size;
        }

        if (part.Count > 0)
        {
            yield return new Notice(node, NoticeKind.OutageBatch, Batch: new OutageBatch(batch.Kind, part));
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        // Start serving only once other nodes' changes reach this node: a console attached now must not miss one.
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), time, cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(SendAsync(stoppingToken), ListenAsync(stoppingToken));

    private async Task SendAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var notice in outgoing.Reader.ReadAllAsync(ct))
            {
                var payload = JsonSerializer.Serialize(notice, Json);
                if (System.Text.Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
                {
                    payload = JsonSerializer.Serialize(new Notice(node, NoticeKind.Reload), Json);
                }

                await SendWithRetryAsync(payload, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SendWithRetryAsync(string payload, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var cmd = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                cmd.Parameters.AddWithValue("channel", Channel);
                cmd.Parameters.AddWithValue("payload", payload);
                await cmd.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && attempt < 5)
            {
                // The change is committed; only the other nodes' live view waits. They reload after their own outage.
                LiveFeedLog.NotifyFailed(logger, attempt, ex);
                await Task.Delay(Backoff(attempt), time, ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LiveFeedLog.NotifyGaveUp(logger, ex);
                return;
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                if (failures > 0)
                {
                    // Notices sent while this node was not listening are lost: consoles reload from the store.
                    local.ReloadAll();
                    LiveFeedLog.Relistening(logger, failures);
                }

                failures = 0;
                listening.TrySetResult();
                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                failures++;
                LiveFeedLog.ListenFailed(logger, failures, ex);
                local.ReloadAll();
                await Task.Delay(Backoff(failures), time, ct);
            }
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(attempt, 10))));

    private void Receive(string payload)
    {
        Notice? notice;
        try
        {
            notice = JsonSerializer.Deserialize<Notice>(payload, Json);
        }
        catch (JsonException ex)
        {
            LiveFeedLog.UnreadableNotice(logger, ex);
            local.ReloadAll();
            return;
        }

        if (notice is null || notice.Node == node)
        {
            return;
        }

        switch (notice.Kind)
        {
            case NoticeKind.Step when notice.Step is { } step:
                local.Publish(step);
                break;
            case NoticeKind.OutageBatch when notice.Batch is { } batch:
                local.Publish(batch.Steps.Count == 1 ? batch.Steps[0] : batch);
                break;
            case NoticeKind.Acknowledgement when notice.Acknowledgement is { } ack:
                local.Publish(ack);
                if (ack.AckSeq is not null)
                {
                    sessions.WakeAcknowledgements(ack.GatewayId);
                }

                break;
            case NoticeKind.StreamOpened when notice is { GatewayId: { } gatewayId, At: { } openedAt }:
                sessions.ReplacedElsewhere(gatewayId, openedAt);
                break;
            default:
                local.ReloadAll();
                if (notice.GatewayId is { } changedGateway)
                {
                    sessions.WakeAcknowledgements(changedGateway);
                }

                break;
        }
    }

    internal enum NoticeKind
    {
        Reload,
        Step,
        Acknowledgement,
        StreamOpened,

        // Appended: a node of the previous version reads an unknown kind as "reload", which is still correct.
        OutageBatch,
    }

    internal sealed record Notice(
        string Node,
        NoticeKind Kind,
        StoredAlertStep? Step = null,
        AlertAcknowledgement? Acknowledgement = null,
        string? GatewayId = null,
        DateTimeOffset? At = null,
        OutageBatch? Batch = null);
}
