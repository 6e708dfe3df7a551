using System.Buffers.Binary;
using System.Device.I2c;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>
/// An I2C chip on a bus that is not there: a register file answering the dotnet/iot bindings as the real chip would.
/// <see cref="Nack"/> makes every transfer fail as Linux reports an unanswered address (an IOException).
/// </summary>
internal abstract class FakeI2cDevice(int address) : I2cDevice
{
    private readonly I2cConnectionSettings _settings = new(1, address);

    public override I2cConnectionSettings ConnectionSettings => _settings;

    /// <summary>The chip stops answering (unplugged, a loose wire): every transfer throws.</summary>
    public bool Nack { get; set; }

    public int Transfers { get; private set; }

    public bool Disposed { get; private set; }

    protected abstract void Written(ReadOnlySpan<byte> bytes);

    protected abstract void ReadInto(Span<byte> buffer);

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public override void Read(Span<byte> buffer)
    {
        Check();
        ReadInto(buffer);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check();
        Written(buffer);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }

    private void Check()
    {
        Transfers++;
        if (Nack)
        {
            // What the Linux driver throws when no chip acknowledges its address.
            throw new IOException($"Error 6 performing I2C data transfer (no ACK from 0x{_settings.DeviceAddress:x2})");
        }
    }
}

/// <summary>
/// A BME280 (id 0x60 at 0xD0) with the temperature calibration of the Bosch datasheet's worked example (dig_T1 27504,
/// dig_T2 26435, dig_T3 -1000), for which the raw value 519888 is 25.08 °C. 8-bit registers, auto-incrementing reads.
/// </summary>
internal sealed class FakeBme280 : FakeI2cDevice
{
    public const ushort DigT1 = 27504;
    public const short DigT2 = 26435;
    public const short DigT3 = -1000;

    private readonly byte[] _registers = new byte[256];
    private int _pointer;

    public FakeBme280(int address = 0x76, byte chipId = 0x60)
        : base(address)
    {
        _registers[0xD0] = chipId;
        BinaryPrimitives.WriteUInt16LittleEndian(_registers.AsSpan(0x88), DigT1);
        BinaryPrimitives.WriteInt16LittleEndian(_registers.AsSpan(0x8A), DigT2);
        BinaryPrimitives.WriteInt16LittleEndian(_registers.AsSpan(0x8C), DigT3);
        // Pressure and humidity calibration: harmless non-zero values (only the temperature is read).
        BinaryPrimitives.WriteUInt16LittleEndian(_registers.AsSpan(0x8E), 36477);
        _registers[0xA1] = 75;
        RawTemperature = 519888;
    }

    /// <summary>The 20-bit ADC value in registers 0xFA–0xFC.</summary>
    public int RawTemperature
    {
        set
        {
            _registers[0xFA] = (byte)(value >> 12);
            _registers[0xFB] = (byte)(value >> 4);
            _registers[0xFC] = (byte)((value & 0xF) << 4);
        }
    }

    /// <summary>Sets the raw value that the datasheet's compensation turns into <paramref name="celsius"/> (±0.01 °C).</summary>
    public double Celsius
    {
        get => CelsiusSet;
        set
        {
            CelsiusSet = value;
            int low = 0, high = (1 << 20) - 1;
            while (low < high)
            {
                var mid = (low + high) / 2;
                if (Compensate(mid) < value)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            RawTemperature = low;
        }
    }

    public double CelsiusSet { get; private set; }

    /// <summary>The datasheet's floating-point compensation (BME280 datasheet 8.1).</summary>
    public static double Compensate(int adc)
    {
        var var1 = (adc / 16384.0 - DigT1 / 1024.0) * DigT2;
        var var2 = (adc / 131072.0 - DigT1 / 8192.0) * (adc / 131072.0 - DigT1 / 8192.0) * DigT3;
        return (var1 + var2) / 5120.0;
    }

    protected override void Written(ReadOnlySpan<byte> bytes)
    {
        _pointer = bytes[0];
        for (var i = 1; i < bytes.Length; i++)
        {
            // The data registers are the chip's to write: a register write there changes nothing.
            if (_pointer + i - 1 < 0xF7)
            {
                _registers[_pointer + i - 1] = bytes[i];
            }
        }
    }

    protected override void ReadInto(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = _registers[(_pointer + i) & 0xFF];
        }
    }
}

/// <summary>
/// An INA219 on a UPS HAT: 16-bit big-endian registers; the bus voltage in 4 mV steps from bit 3, the shunt voltage a
/// signed number of 10 µV steps. <see cref="Battery"/> sets both from a battery voltage and current through a 0.1 Ω shunt.
/// </summary>
internal sealed class FakeIna219(int address = 0x42) : FakeI2cDevice(address)
{
    private readonly ushort[] _registers = [0x399F, 0, 0, 0, 0, 0];
    private int _pointer;

    public int Resets { get; private set; }

    /// <summary>Battery voltage and current (mA, positive = charging) as the chip would measure them through 0.1 Ω.</summary>
    public void Battery(double volts, double milliamps, double shuntOhms = 0.1)
    {
        _registers[2] = (ushort)(((int)Math.Round(volts * 1000 / 4) << 3) | 0b10);
        _registers[1] = unchecked((ushort)(short)Math.Round(milliamps / 1000 * shuntOhms / 10e-6));
    }

    protected override void Written(ReadOnlySpan<byte> bytes)
    {
        _pointer = bytes[0] % _registers.Length;
        if (bytes.Length == 3)
        {
            var value = BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]);
            if (_pointer == 0 && (value & 0x8000) != 0)
            {
                Resets++;
                _registers[0] = 0x399F;
            }
            else if (_pointer is 0 or 5)
            {
                _registers[_pointer] = value;
            }
        }
    }

    protected override void ReadInto(Span<byte> buffer)
    {
        Span<byte> word = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(word, _registers[_pointer]);
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = word[i % 2];
        }
    }
}
