using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// A device as the durability tests need one: MQTT 3.1.1 written by hand over a socket, so that nothing between the test and
/// the broker acknowledges, retries or reorders on its own. It publishes QoS 1 presses with a window of them in
/// flight, records every PUBACK it is given in the <see cref="PressLedger"/>, and after a reconnect sends every press it was
/// never acknowledged again, with DUP set and its original packet identifier, as MQTT requires of a client with a session.
/// </summary>
/// One instance is one connection.
internal sealed class RawMqttPublisher(PressLedger ledger, string clientId, string user, string password, int window = 16) : IAsyncDisposable
{
    // Room for presses in flight (sent, not yet acknowledged) on this connection; no maximum, so that a dead connection can
    // release every waiting sender at once.
    private readonly SemaphoreSlim _window = new(window);
    private readonly Dictionary<ushort, PressLedger.Press> _inFlight = [];
    private readonly Lock _gate = new();
    private TcpClient? _tcp;
    private NetworkStream? _stream;
    private Task? _reader;
    private ushort _nextPacketId;

    /// <summary>Connects (clean session off: a session the broker may keep) and waits for CONNACK; throws when refused.</summary>
    public async Task ConnectAsync(int port, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, ct);
        var stream = tcp.GetStream();
        var body = new List<byte>();
        body.AddRange(Text("MQTT"));
        body.Add(4); // 3.1.1
        body.Add(0x80 | 0x40); // user name, password; clean session off
        body.AddRange([0, 0]); // no keep-alive: the rounds are short and the test closes the socket itself
        body.AddRange(Text(clientId));
        body.AddRange(Text(user));
        body.AddRange(Text(password));
        await WriteAsync(stream, 0x10, [.. body], ct);

        var (type, connack) = await ReadPacketAsync(stream, ct) ?? throw new IOException("the broker closed the connection instead of answering CONNECT");
        if (type != 0x20 || connack.Length != 2 || connack[1] != 0)
        {
            throw new IOException($"CONNECT refused: packet type 0x{type:x2}, return code {(connack.Length > 1 ? connack[1] : -1)}");
        }

        _tcp = tcp;
        _stream = stream;
        _reader = Task.Run(() => ReadAcknowledgementsAsync(stream));
    }

    /// <summary>
    /// Sends every press not yet acknowledged again (DUP), then new presses, until <paramref name="stop"/> or the connection
    /// dies (the broker's process was killed). Returns how many presses were acknowledged on this connection.
    /// </summary>
    /// <param name="sendNew">False: only the presses never acknowledged are sent again, and it returns once each is.</param>
    /// <param name="stop">Ends the pressing.</param>
    /// <param name="pace">At most one new press per this long (zero: as fast as the window allows).</param>
    public async Task<int> PressUntilStoppedAsync(bool sendNew, CancellationToken stop, TimeSpan pace = default)
    {
        var stream = _stream ?? throw new InvalidOperationException("not connected");
        var acknowledgedBefore = ledger.AcknowledgedCount;
        try
        {
            foreach (var press in ledger.Unacknowledged())
            {
                await SendAsync(stream, press, redelivery: true, stop);
            }

            while (sendNew && !stop.IsCancellationRequested)
            {
                await SendAsync(stream, ledger.Next(), redelivery: false, stop);
                if (pace > TimeSpan.Zero)
                {
                    await Task.Delay(pace, stop);
                }
            }

            if (!sendNew)
            {
                // Only the resends: wait until each is acknowledged (or the connection dies).
                while (ledger.Unacknowledged().Count > 0 && _reader is { IsCompleted: false })
                {
                    await Task.Delay(20, stop);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Killed under the burst, or the test said stop: both are the point.
        }

        return ledger.AcknowledgedCount - acknowledgedBefore;
    }

    private async Task SendAsync(NetworkStream stream, PressLedger.Press press, bool redelivery, CancellationToken stop)
    {
        await _window.WaitAsync(stop);
        if (_reader is { IsCompleted: true })
        {
            throw new IOException("the connection is gone");
        }

        lock (_gate)
        {
            if (!redelivery)
            {
                // A packet identifier is free again once acknowledged; one still in flight (here or unacknowledged from an
                // earlier connection) is never reused.
                do
                {
                    _nextPacketId = (ushort)(_nextPacketId == ushort.MaxValue ? 1 : _nextPacketId + 1);
                }
                while (_inFlight.ContainsKey(_nextPacketId) || ledger.IsUnacknowledgedPacketId(_nextPacketId));
                press.PacketId = _nextPacketId;
            }

            _inFlight[press.PacketId] = press;
        }

        var topic = Text(press.Topic);
        var payload = Encoding.UTF8.GetBytes(press.Payload);
        var body = new byte[topic.Length + 2 + payload.Length];
        topic.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(topic.Length), press.PacketId);
        payload.CopyTo(body, topic.Length + 2);
        // Once counted as sent, the frame goes out whole or the connection dies: a write cut short by the test's stop could
        // leave a press the broker never saw but the ledger expects an acknowledgement for.
        ledger.Sent(press, redelivery);
        await WriteAsync(stream, (byte)(0x30 | 0x02 | (redelivery ? 0x08 : 0)), body, CancellationToken.None);
    }

    private async Task ReadAcknowledgementsAsync(NetworkStream stream)
    {
        try
        {
            while (await ReadPacketAsync(stream, CancellationToken.None) is var (type, body))
            {
                if (type != 0x40 || body.Length != 2)
                {
                    continue;
                }

                var packetId = BinaryPrimitives.ReadUInt16BigEndian(body);
                PressLedger.Press? press;
                lock (_gate)
                {
                    _inFlight.Remove(packetId, out press);
                }

                if (press is null)
                {
                    ledger.UnexpectedAcknowledgement(packetId);
                    continue;
                }

                ledger.Acknowledged(press);
                _window.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The connection died: what was acknowledged is recorded, the rest is sent again on the next connection.
        }
        finally
        {
            // Unblock a sender waiting for room in the window.
            _window.Release(window);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _tcp?.Dispose();
        if (_reader is { } reader)
        {
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static byte[] Text(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var framed = new byte[bytes.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)bytes.Length);
        bytes.CopyTo(framed, 2);
        return framed;
    }

    private static async Task WriteAsync(NetworkStream stream, byte header, byte[] body, CancellationToken ct)
    {
        var frame = new List<byte>(body.Length + 5) { header };
        var length = body.Length;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            frame.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
        frame.AddRange(body);
        await stream.WriteAsync(frame.ToArray(), ct);
    }

    private static async Task<(byte Type, byte[] Body)?> ReadPacketAsync(NetworkStream stream, CancellationToken ct)
    {
        var header = new byte[1];
        if (await stream.ReadAsync(header, ct) == 0)
        {
            return null;
        }

        int length = 0, multiplier = 1;
        for (var i = 0; i < 4; i++)
        {
            var digit = new byte[1];
            await stream.ReadExactlyAsync(digit, ct);
            length += (digit[0] & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit[0] & 0x80) == 0)
            {
                break;
            }
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct);
        return ((byte)(header[0] & 0xF0), body);
    }
}

/// <summary>
/// Every press the device sent and what it was told: each press carries its own number (<c>value</c> of the homegateway
/// profile, stored by dispatch with the sensor event), so a press can be found again at the far end.
/// </summary>
internal sealed class PressLedger
{
    private readonly Lock _gate = new();
    private readonly List<Press> _presses = [];
    private readonly List<string> _problems = [];

    public int Round { get; set; }

    public int AcknowledgedCount
    {
        get
        {
            lock (_gate)
            {
                return _presses.Count(p => p.AcknowledgedInRound > 0);
            }
        }
    }

    public IReadOnlyList<Press> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _presses];
            }
        }
    }

    /// <summary>What the device was told that it should not have been (an acknowledgement of nothing in flight).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    public Press Next()
    {
        lock (_gate)
        {
            var number = _presses.Count + 1;
            var press = new Press(number, $"homegateway/kotka-0042/b{(number % 4) + 1}", $$"""{"state":"pressed","value":{{number}}}""", Round);
            _presses.Add(press);
            return press;
        }
    }

    public List<Press> Unacknowledged()
    {
        lock (_gate)
        {
            return [.. _presses.Where(p => p.AcknowledgedInRound == 0 && p.SendCount > 0)];
        }
    }

    public bool IsUnacknowledgedPacketId(ushort packetId)
    {
        lock (_gate)
        {
            return _presses.Exists(p => p.PacketId == packetId && p.AcknowledgedInRound == 0 && p.SendCount > 0);
        }
    }

    public void Sent(Press press, bool redelivery)
    {
        lock (_gate)
        {
            press.SendCount++;
            press.Redelivered |= redelivery;
        }
    }

    public void Acknowledged(Press press)
    {
        lock (_gate)
        {
            press.AcknowledgedInRound = Round;
        }
    }

    public void UnexpectedAcknowledgement(ushort packetId)
    {
        lock (_gate)
        {
            _problems.Add($"round {Round}: PUBACK for packet {packetId}, which was not in flight");
        }
    }

    internal sealed class Press(int number, string topic, string payload, int firstRound)
    {
        public int Number { get; } = number;
        public string Topic { get; } = topic;
        public string Payload { get; } = payload;
        public int FirstRound { get; } = firstRound;
        public ushort PacketId { get; set; }
        public int SendCount { get; set; }
        public bool Redelivered { get; set; }

        /// <summary>The round in which the broker acknowledged it; 0 while it has not.</summary>
        public int AcknowledgedInRound { get; set; }
    }
}
