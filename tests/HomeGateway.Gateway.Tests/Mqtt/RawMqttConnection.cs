using System.Net.Sockets;
using System.Text;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>
/// MQTT bytes on a plain socket, for what a well-behaved client library will not send: an empty client id, a packet
/// declaring 255 MB, a QoS 0 message followed at once by another connection with the same client id.
/// </summary>
internal sealed class RawMqttConnection : IDisposable
{
    private readonly TcpClient _tcp;

    private RawMqttConnection(TcpClient tcp)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
    }

    public NetworkStream Stream { get; }

    public static async Task<RawMqttConnection> OpenAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawMqttConnection(tcp);
    }

    /// <summary>An MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s).</summary>
    public static byte[] Connect311(string clientId, string? user, string? password, bool cleanSession = true)
    {
        var body = new List<byte>();
        body.AddRange(Str("MQTT"));
        body.Add(4);
        var flags = (byte)((cleanSession ? 0x02 : 0) | (user is null ? 0 : 0x80) | (password is null ? 0 : 0x40));
        body.Add(flags);
        body.AddRange(new byte[] { 0, 60 });
        body.AddRange(Str(clientId));
        if (user is not null)
        {
            body.AddRange(Str(user));
        }

        if (password is not null)
        {
            body.AddRange(Str(password));
        }

        return Packet(0x10, body);
    }

    /// <summary>A QoS 0 PUBLISH.</summary>
    public static byte[] Publish(string topic, string payload)
    {
        var body = new List<byte>(Str(topic));
        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return Packet(0x30, body);
    }

    /// <summary>A fixed header that declares <paramref name="remainingLength"/> bytes, and nothing after it.</summary>
    public static byte[] HeaderOnly(byte type, int remainingLength) => [type, .. RemainingLength(remainingLength)];

    public Task SendAsync(byte[] bytes) => Stream.WriteAsync(bytes).AsTask();

    /// <summary>The CONNACK's return code (3.1.1) or reason code (5); null when the connection closed instead.</summary>
    public async Task<byte?> ReadConnAckAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        var header = new byte[2];
        if (!await ReadExactlyAsync(header, cts.Token) || header[0] != 0x20)
        {
            return null;
        }

        var rest = new byte[header[1]];
        return await ReadExactlyAsync(rest, cts.Token) ? rest[1] : null;
    }

    /// <summary>True when the server closed the connection (end of stream or reset) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await Stream.ReadAsync(buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _tcp.Dispose();

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await Stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static byte[] Packet(byte type, List<byte> body) => [type, .. RemainingLength(body.Count), .. body];

    private static IEnumerable<byte> Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private static List<byte> RemainingLength(int length)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            bytes.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        return bytes;
    }
}
