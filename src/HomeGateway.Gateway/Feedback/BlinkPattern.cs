namespace HomeGateway.Gateway.Feedback;

/// <summary>
/// How an LED or buzzer behaves, as a repeating cycle: <see cref="Pulses"/> pulses of <see cref="On"/> separated by
/// <see cref="Off"/>, then dark for the rest of <see cref="Period"/>. Pure: the level at any moment and the next
/// change are computed, so the output loop sleeps until exactly then instead of polling.
/// </summary>
public sealed record BlinkPattern(string Name, TimeSpan On, TimeSpan Off, int Pulses, TimeSpan Period)
{
    /// <summary>Dark.</summary>
    public static readonly BlinkPattern Dark = new("dark", TimeSpan.Zero, TimeSpan.Zero, 0, TimeSpan.FromHours(1));

    /// <summary>Lit.</summary>
    public static readonly BlinkPattern Steady = new("steady", TimeSpan.FromHours(1), TimeSpan.Zero, 1, TimeSpan.FromHours(1));

    /// <summary>All is well: a short flash every five seconds, so a dark LED means the gateway is not running.</summary>
    public static readonly BlinkPattern Heartbeat = new("heartbeat", TimeSpan.FromMilliseconds(100), TimeSpan.Zero, 1, TimeSpan.FromSeconds(5));

    /// <summary>No link to dispatch: two flashes every two seconds.</summary>
    public static readonly BlinkPattern Offline = new("offline", TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(150), 2, TimeSpan.FromSeconds(2));

    /// <summary>An alarm was raised and is on its way to dispatch: fast blinking.</summary>
    public static readonly BlinkPattern AlarmPending = new("alarm-pending", TimeSpan.FromMilliseconds(125), TimeSpan.FromMilliseconds(125), 1, TimeSpan.FromMilliseconds(250));

    /// <summary>Dispatch has the alarm: slow blinking until a person acknowledges it.</summary>
    public static readonly BlinkPattern AlarmDelivered = new("alarm-delivered", TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), 1, TimeSpan.FromSeconds(1));

    /// <summary>Escalation on the buzzer: three short beeps every ten seconds.</summary>
    public static readonly BlinkPattern EscalationBeeps = new("escalation", TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200), 3, TimeSpan.FromSeconds(10));

    public bool IsOnAt(TimeSpan sinceStart)
    {
        var t = Position(sinceStart);
        for (var pulse = 0; pulse < Pulses; pulse++)
        {
            var start = (On + Off) * pulse;
            if (t >= start && t < start + On)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first moment after <paramref name="sinceStart"/> at which the level changes (null: never).</summary>
    public TimeSpan? NextChangeAfter(TimeSpan sinceStart)
    {
        if (Pulses == 0 || On <= TimeSpan.Zero || (Pulses == 1 && On >= Period))
        {
            return null;
        }

        var cycleStart = sinceStart - Position(sinceStart);
        var t = Position(sinceStart);
        for (var pulse = 0; pulse < Pulses; pulse++)
        {
            var start = (On + Off) * pulse;
            foreach (var edge in new[] { start, start + On })
            {
                if (edge > t)
                {
                    return cycleStart + edge;
                }
            }
        }

        return cycleStart + Period;
    }

    private TimeSpan Position(TimeSpan sinceStart) =>
        TimeSpan.FromTicks(((sinceStart.Ticks % Period.Ticks) + Period.Ticks) % Period.Ticks);
}
