using System.Net.Sockets;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;

namespace HomeGateway.Gateway.Uplink;

/// <summary>
/// The gRPC channel to dispatch over mutual TLS. The credentials are read when a connection is made and again
/// whenever <c>homegateway enroll</c> has replaced them, so a re-enrolled gateway reconnects with its new
/// certificate without a restart, and a gateway with missing or expired credentials keeps running locally.
/// </summary>
internal sealed class DispatchChannel(GatewayOptions settings) : IDisposable
{
    private DispatchCredentials? credentials;
    private GrpcChannel? channel;
    private GatewayUplink.GatewayUplinkClient? client;
    private DateTime loadedStamp;

    /// <summary>A client on the current credentials; <see cref="DispatchCredentialsException"/> says in words what is missing.</summary>
    public GatewayUplink.GatewayUplinkClient Client()
    {
        var stamp = Stamp();
        if (client is not null && stamp == loadedStamp)
        {
            return client;
        }

        Release();
        credentials = DispatchCredentials.Load(settings.DataDirectory);
        loadedStamp = stamp;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // HTTP/2 pings find a dead path (4G gone) even while nothing is being sent.
            KeepAlivePingDelay = TimeSpan.FromSeconds(settings.Dispatch.HeartbeatSeconds),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // Our own connect, so that each attempt of the uplink loop really connects, on UplinkBackoff's schedule only.
            // With a plain SocketsHttpHandler, Grpc.Net.Client keeps its own connection in the background with its own
            // backoff (1 s growing to 120 s): an attempt made while that backoff runs fails at once with the last error
            // ("Error connecting to subchannel"), even when dispatch is back. A handler with a ConnectCallback makes it
            // leave connecting to the handler.
            ConnectCallback = ConnectAsync,
        };
        credentials.Apply(handler);
        channel = GrpcChannel.ForAddress(settings.Dispatch.Url!, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 1024 * 1024,
        });
        client = new GatewayUplink.GatewayUplinkClient(channel);
        return client;
    }

    public void Dispose() => Release();

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        // What SocketsHttpHandler does by default: every address of the name in turn, IPv4 or IPv6; no Nagle delay.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private DateTime Stamp()
    {
        var certificate = new FileInfo(DispatchCredentials.CertificatePath(settings.DataDirectory));
        return certificate.Exists ? certificate.LastWriteTimeUtc : DateTime.MinValue;
    }

    private void Release()
    {
        channel?.Dispose();
        credentials?.Dispose();
        channel = null;
        credentials = null;
        client = null;
    }
}
