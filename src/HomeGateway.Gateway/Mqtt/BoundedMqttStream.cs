namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The byte stream of one MQTT connection, read through MQTT's framing so that no packet larger than allowed is ever
/// read. MQTTnet allocates a packet's whole declared size (up to 256 MB) as soon as it has read the fixed header's
/// remaining length, before a single byte of the body arrives — four anonymous CONNECTs declaring 255 MB took a Pi from
/// 240 MB to 1.26 GB. This stream sees the remaining length as MQTTnet reads it, byte by byte, and ends the connection
/// (MQTTnet reads end of stream) the moment a declared size is over the limit: before the client has logged in, the
/// small <see cref="PreAuthenticationLimit"/> (a CONNECT is a few hundred bytes); once the broker has sent a CONNACK
/// that accepts it (seen on the way out), the configured <c>Gateway:Mqtt:MaxPacketBytes</c>.
/// </summary>
internal sealed class BoundedMqttStream(Stream inner, int authenticatedLimit, Action<string> refused, Action? loggedIn = null) : Stream
{
    /// <summary>The largest packet read before the broker accepted the login: room for a CONNECT with a will message.</summary>
    public const int PreAuthenticationLimit = 8 * 1024;

    private readonly Lock _gate = new();

    // Inbound framing: where in the current packet the next byte read falls.
    private ReadState _state = ReadState.FixedHeader;
    private int _lengthBytes;
    private int _multiplier;
    private long _remaining;
    private long _declared;
    private bool _closed;

    // Outbound: the first packet the broker sends is the CONNACK; its return/reason code says whether the login was accepted.
    private int _outboundSeen;
    private int _outboundLengthBytes;
    private bool _outboundDecided;

    private enum ReadState
    {
        FixedHeader,
        RemainingLength,
        Body,
    }

    /// <summary>True once the broker accepted the client's CONNECT (a CONNACK with code 0 went out).</summary>
    public bool Authenticated { get; private set; }

    /// <summary>True once a whole first packet (the CONNECT) has been read.</summary>
    public bool FirstPacketRead { get; private set; }

    private int Limit => Authenticated ? authenticatedLimit : PreAuthenticationLimit;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return 0;
        }

        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Inspect(buffer.Span[..read]) ? read : 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_closed)
        {
            return 0;
        }

        var read = inner.Read(buffer, offset, count);
        return Inspect(buffer.AsSpan(offset, read)) ? read : 0;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        WatchOutbound(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        WatchOutbound(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Ends the connection from outside (the CONNECT did not come in time).</summary>
    public void Abort()
    {
        _closed = true;
        inner.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    // False when the connection must end: a declared size over the limit, or a remaining length MQTT does not allow.
    private bool Inspect(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            var i = 0;
            while (i < bytes.Length)
            {
                switch (_state)
                {
                    case ReadState.FixedHeader:
                        i++;
                        _state = ReadState.RemainingLength;
                        _lengthBytes = 0;
                        _multiplier = 1;
                        _declared = 0;
                        break;

                    case ReadState.RemainingLength:
                        var b = bytes[i++];
                        _declared += (b & 0x7F) * (long)_multiplier;
                        _multiplier *= 128;
                        _lengthBytes++;
                        if ((b & 0x80) != 0)
                        {
                            if (_lengthBytes == 4)
                            {
                                return Refuse("a remaining length longer than four bytes (not MQTT)");
                            }

                            break;
                        }

                        // The fixed header (1 byte + the length bytes) counts towards the packet's size, as in MQTT 5's Maximum Packet Size.
                        if (_declared + 1 + _lengthBytes > Limit)
                        {
                            return Refuse(Authenticated
                                ? $"a packet of {_declared + 1 + _lengthBytes} bytes is larger than Gateway:Mqtt:MaxPacketBytes ({Limit})"
                                : $"a packet of {_declared + 1 + _lengthBytes} bytes before login (the limit before login is {Limit})");
                        }

                        _remaining = _declared;
                        if (_remaining == 0)
                        {
                            PacketComplete();
                        }
                        else
                        {
                            _state = ReadState.Body;
                        }

                        break;

                    default:
                        var take = (int)Math.Min(_remaining, bytes.Length - i);
                        i += take;
                        _remaining -= take;
                        if (_remaining == 0)
                        {
                            PacketComplete();
                        }

                        break;
                }
            }

            return true;
        }
    }

    private void PacketComplete()
    {
        _state = ReadState.FixedHeader;
        FirstPacketRead = true;
    }

    private bool Refuse(string reason)
    {
        _closed = true;
        refused(reason);
        return false;
    }

    // CONNACK: 0x20, remaining length (1–4 bytes), acknowledge flags, then the return code (3.1.1) or reason code (5): 0 = accepted.
    private void WatchOutbound(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            for (var i = 0; i < bytes.Length && !_outboundDecided; i++)
            {
                var b = bytes[i];
                if (_outboundSeen == 0)
                {
                    if (b >> 4 != 2)
                    {
                        _outboundDecided = true;
                        return;
                    }

                    _outboundSeen = 1;
                    continue;
                }

                if (_outboundSeen == 1)
                {
                    _outboundLengthBytes++;
                    if ((b & 0x80) == 0 || _outboundLengthBytes == 4)
                    {
                        _outboundSeen = 2;
                    }

                    continue;
                }

                if (_outboundSeen == 2)
                {
                    _outboundSeen = 3;
                    continue;
                }

                Authenticated = b == 0;
                _outboundDecided = true;
                if (Authenticated)
                {
                    loggedIn?.Invoke();
                }
            }
        }
    }
}
