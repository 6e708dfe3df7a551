using System.Net.Sockets;
using Grpc.Core;
using HomeGateway.Dispatch.Ingest;
using Microsoft.Extensions.Configuration;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: at most <c>Admission:MaxConcurrentHandshakes</c> TLS handshakes run at once on the gateway endpoint; a
/// connection beyond it waits before TLS at most 5 s and is then closed (cheap), and the slot is free again as soon as a
/// handshake ends, well or not.
/// </summary>
public sealed class HandshakeAdmissionTests
{
    [Fact]
    public async Task A_connection_beyond_the_limit_is_closed_before_TLS_and_one_after_the_handshake_ends_is_served()
    {
        await using var server = await DispatchServer.StartAsync(builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dispatch:Admission:MaxConcurrentHandshakes"] = "1" }));
        var certificate = await server.AddGatewayAsync("gw-hs-1");
        var handshakes = server.Service<HandshakeAdmission>();

        // A client that connected and has not said ClientHello holds the one handshake slot.
        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(server.Running.GrpcUri.Host, server.Running.GrpcUri.Port);
            await WaitAsync(() => handshakes.InHandshake == 1);

            using var refused = await server.ConnectAsync(certificate);
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => refused.HelloAsync("gw-hs-1"));
            Assert.True(failure is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal } or IOException, failure.ToString());
        }

        // The silent client left: its slot is free, and a handshake done gives its slot back before the stream is served.
        await WaitAsync(() => handshakes.InHandshake == 0);
        using var served = await server.ConnectAsync(certificate);
        await served.HelloAsync("gw-hs-1");
        Assert.Equal(0, handshakes.InHandshake);
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
