using System.Net;
using System.Net.Sockets;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// A TCP proxy on loopback between the gateway and dispatch, for cutting the link on purpose: <see cref="Cut"/>
/// resets every live connection and refuses new ones (a dead 4G modem), <see cref="Blackhole"/> keeps connections
/// open but forwards nothing (a half-open link, found only by heartbeats), <see cref="Restore"/> forwards again.
/// Bytes are copied as they are: TLS runs end to end through it.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _links = [];
    private readonly Task _accepting;
    private Mode _mode = Mode.Forward;

    public TcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    private enum Mode
    {
        Forward,
        Refuse,
        Blackhole,
    }

    public int Port { get; }

    /// <summary>Connections accepted so far (each reconnect of the gateway is one).</summary>
    public int Accepted { get; private set; }

    public void Cut()
    {
        lock (_gate)
        {
            _mode = Mode.Refuse;
            foreach (var (client, server) in _links)
            {
                // Linger 0: an RST, as when a router drops the NAT entry, not a polite FIN.
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                server.Dispose();
            }

            _links.Clear();
        }
    }

    /// <summary>Cuts every live connection and forwards new ones to <paramref name="target"/> (a gateway moving to another node).</summary>
    public void Retarget(IPEndPoint target)
    {
        Cut();
        lock (_gate)
        {
            _target = target;
            _mode = Mode.Forward;
        }
    }

    public void Blackhole()
    {
        lock (_gate)
        {
            _mode = Mode.Blackhole;
        }
    }

    public void Restore()
    {
        lock (_gate)
        {
            _mode = Mode.Forward;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Accepted++;
            Mode mode;
            lock (_gate)
            {
                mode = _mode;
            }

            if (mode == Mode.Refuse)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => LinkAsync(client));
        }
    }

    private async Task LinkAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            lock (_gate)
            {
                _links.Add((client, server));
            }

            var up = PumpAsync(client.GetStream(), server.GetStream());
            var down = PumpAsync(server.GetStream(), client.GetStream());
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _links.Remove((client, server));
            }

            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            bool blackhole;
            lock (_gate)
            {
                blackhole = _mode == Mode.Blackhole;
            }

            // In a blackhole the bytes vanish: both ends think the link is up until a heartbeat goes unanswered.
            if (!blackhole)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
    }
}
