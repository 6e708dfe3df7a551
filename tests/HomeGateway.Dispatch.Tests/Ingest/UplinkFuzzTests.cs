using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Testing;
using Xunit.Abstractions;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: whatever frames an enrolled gateway sends, dispatch's uplink answers with a store and an ack, or ends that
/// one call with a reasoned refusal (InvalidArgument or PermissionDenied with a short, escaped status that names the field
/// or says the frame was unreadable) — never a crash (UNKNOWN, INTERNAL), never a hang — and keeps serving other gateways
/// throughout. Mutated valid Hello and GatewayMessage frames, as bytes and as fields, through a real dispatch (Kestrel,
/// mutual TLS, SQLite).
/// </summary>
public sealed class UplinkFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    [Trait("Category", "Fuzz")]
    public async Task Fuzz_mutated_uplink_frames_get_a_store_or_a_reasoned_refusal_and_other_gateways_keep_being_served()
    {
        var fuzzing = await server.AddGatewayAsync("gw-fuzz");
        var other = await server.AddGatewayAsync("gw-other");
        using var channel = GrpcChannel.ForAddress(server.Running.GrpcUri, new GrpcChannelOptions { HttpHandler = server.GatewayHandler(fuzzing) });
        var tried = 0;
        ulong otherSeq = 0;

        var report = await Fuzzer.RunAsync(
            "uplink-frames",
            1_500,
            Generate,
            async frames =>
            {
                var status = await UplinkBoundsTests.RawStreamAsync(channel, frames);
                if (++tried % 40 == 0)
                {
                    // Another gateway is served in the middle of it all.
                    using var good = await server.ConnectAsync(other);
                    await good.HelloAsync("gw-other");
                    otherSeq++;
                    Assert.Equal(otherSeq, await good.SendRecordAsync(Records.Wire((long)otherSeq, Records.Sensor())));
                }

                return status.StatusCode switch
                {
                    StatusCode.OK => FuzzVerdict.Accept,
                    StatusCode.InvalidArgument or StatusCode.PermissionDenied when Reasoned(status.Detail) => FuzzVerdict.Refuse(status.Detail),
                    _ => throw new InvalidOperationException($"the call ended {status.StatusCode}: {status.Detail}"),
                };
            },
            frames => string.Join(" | ", frames.Select(f => Convert.ToHexString(f.AsSpan(0, Math.Min(f.Length, 48))))),
            output);

        foreach (var (reason, count) in report.Reasons.OrderByDescending(r => r.Value).Take(15))
        {
            output.WriteLine($"  {count,5} × {reason}");
        }

        Assert.True(report.Accepted > 0 && report.Refused > 0, report.ToString());
        Assert.True(report.Reasons.Count > 5, $"only {report.Reasons.Count} distinct refusals: {string.Join("; ", report.Reasons.Keys)}");
    }

    /// <summary>A refusal a person can act on: it says something, briefly, and carries no raw control character.</summary>
    private static bool Reasoned(string detail) =>
        detail.Length is > 10 and < 400 && !detail.Any(char.IsControl);

    /// <summary>A valid stream (Hello, records, a heartbeat) with one frame damaged as bytes or one field damaged as text.</summary>
    private static List<byte[]> Generate(Random random)
    {
        var seq = (ulong)random.Next(1, 50);
        var messages = new List<GatewayMessage> { Records.Hello("gw-fuzz") };
        for (var i = 0; i < random.Next(1, 4); i++)
        {
            messages.Add(random.Next(3) switch
            {
                0 => Records.Message(Records.Wire((long)seq + i, Records.Sensor())),
                1 => new GatewayMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(Records.T0), LastSeq = seq } },
                _ => Records.Message(Records.Wire((long)seq + i, Records.Alert($"fall-{random.Next(5)}"))),
            });
        }

        var target = random.Next(messages.Count);
        if (random.Next(2) == 0)
        {
            var frames = messages.Select(m => m.ToByteArray()).ToList();
            frames[target] = Mutate.Bytes(random, frames[target]);
            return frames;
        }

        var message = messages[target];
        switch (message.BodyCase)
        {
            case GatewayMessage.BodyOneofCase.Hello:
                if (random.Next(2) == 0)
                {
                    message.Hello.HomeId = Mutate.Text(random, message.Hello.HomeId);
                }
                else
                {
                    message.Hello.SoftwareVersion = Mutate.Text(random, message.Hello.SoftwareVersion);
                }

                break;

            case GatewayMessage.BodyOneofCase.Record when message.Record.AlertEvent is { } alert:
                switch (random.Next(3))
                {
                    case 0:
                        alert.AlertId = Mutate.Text(random, alert.AlertId);
                        break;
                    case 1:
                        alert.SensorId = Mutate.Text(random, alert.SensorId);
                        break;
                    default:
                        alert.Summary = Mutate.Text(random, alert.Summary);
                        break;
                }

                break;

            case GatewayMessage.BodyOneofCase.Record when message.Record.SensorEvent is { } e:
                switch (random.Next(3))
                {
                    case 0:
                        e.State = Mutate.Text(random, e.State);
                        break;
                    case 1:
                        e.Source = Mutate.Text(random, e.Source);
                        break;
                    default:
                        e.Detail = Mutate.Text(random, "code=jam");
                        break;
                }

                break;

            default:
                message.Heartbeat.LastSeq = (ulong)random.NextInt64();
                break;
        }

        return [.. messages.Select(m => m.ToByteArray())];
    }
}
