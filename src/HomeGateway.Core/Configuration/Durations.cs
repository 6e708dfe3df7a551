using HomeGateway.Core.Text;

namespace HomeGateway.Core.Configuration;

/// <summary>
/// Durations as a technician writes them in a home file: <c>500ms</c>, <c>90s</c>, <c>1.5s</c>, <c>10m</c>, <c>4h</c>,
/// <c>1h30m</c>. The one parser for every duration field. Digits are ASCII 0-9 only: <c>١٠m</c> or <c>１０m</c> looks
/// like ten minutes to a person but is not what the technician typed on a service laptop, and .NET would read some
/// such digits and not others. Nothing longer than <see cref="Longest"/> is accepted, so no later arithmetic on a
/// duration (a timer at an event's time plus the duration, a repeat, an escalation) can overflow; each field has its
/// own, tighter limit in <see cref="HomeConfigValidator"/>.
/// </summary>
public static class Durations
{
    /// <summary>
    /// The longest duration any field may hold: 30 days. A care-plan timer (door open, inactivity, night exit) is at most
    /// <see cref="LongestRuleTimer"/>; only sensor supervision (a device that reports weekly) goes beyond a day or two.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(30);

    /// <summary>The longest timer a rule may wait before it alerts or repeats: 7 days. Longer is a typo, not a plan.</summary>
    public static readonly TimeSpan LongestRuleTimer = TimeSpan.FromDays(7);

    public const string Examples = "write it like 90s, 10m, 4h or 1h30m";

    public static bool TryParse(string text, out TimeSpan duration) => Problem(text, out duration) is null;

    /// <summary>Why <paramref name="text"/> is not a duration (the text shown escaped), or null with the duration.</summary>
    public static string? Problem(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var shown = PeerText.Escape(text, 40);
        foreach (var c in text)
        {
            // Any digit outside ASCII (Arabic-Indic, full-width, Devanagari, ...) gets its own message: the text
            // looks right on screen, so "not a duration" alone would leave the technician puzzled.
            if (char.IsDigit(c) && c is not (>= '0' and <= '9'))
            {
                return $"'{shown}' has a digit that is not ASCII (U+{(int)c:X4}); use ASCII digits 0-9, {Examples}";
            }
        }

        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return $"is empty; {Examples}";
        }

        // Units in the order a person writes them, each at most once: h, m, s, ms.
        var ticks = 0L;
        var nextUnit = 0;
        var longest = false;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && span[digits] is >= '0' and <= '9')
            {
                digits++;
            }

            if (digits == 0)
            {
                return $"'{shown}' is not a duration; {Examples}";
            }

            var whole = span[..digits];
            span = span[digits..];
            var fraction = ReadOnlySpan<char>.Empty;
            if (!span.IsEmpty && span[0] == '.')
            {
                var end = 1;
                while (end < span.Length && span[end] is >= '0' and <= '9')
                {
                    end++;
                }

                fraction = span[1..end];
                span = span[end..];
                if (fraction.IsEmpty)
                {
                    return $"'{shown}' is not a duration; {Examples}";
                }
            }

            var (unit, unitTicks, length) = span.StartsWith("ms") ? (3, TimeSpan.TicksPerMillisecond, 2)
                : span.StartsWith("h") ? (0, TimeSpan.TicksPerHour, 1)
                : span.StartsWith("m") ? (1, TimeSpan.TicksPerMinute, 1)
                : span.StartsWith("s") ? (2, TimeSpan.TicksPerSecond, 1)
                : (-1, 0L, 0);
            if (unit < 0)
            {
                return $"'{shown}' is not a duration: a number needs a unit (h, m, s or ms); {Examples}";
            }

            if (unit < nextUnit)
            {
                return $"'{shown}' is not a duration: give hours, minutes, seconds and milliseconds in that order, each once; {Examples}";
            }

            if (!fraction.IsEmpty && unit != 2)
            {
                return $"'{shown}' is not a duration: only seconds take a decimal point (1.5s); {Examples}";
            }

            nextUnit = unit + 1;
            span = span[length..].TrimStart();

            // Digit by digit with a ceiling: the number never grows past Longest, so it cannot overflow, whatever its length.
            var value = 0L;
            foreach (var c in whole)
            {
                value = value * 10 + (c - '0');
                if (value > Longest.Ticks / unitTicks)
                {
                    longest = true;
                    break;
                }
            }

            if (longest)
            {
                break;
            }

            ticks += value * unitTicks;
            var scale = unitTicks;
            foreach (var c in fraction)
            {
                // Below a tick (100 ns) the digits cannot matter.
                scale /= 10;
                ticks += (c - '0') * scale;
            }

            if (ticks > Longest.Ticks)
            {
                longest = true;
                break;
            }
        }

        if (longest)
        {
            return $"'{shown}' is longer than {Describe(Longest)}, the longest duration a home file takes";
        }

        duration = TimeSpan.FromTicks(ticks);
        return null;
    }

    /// <summary>A limit as a technician would write it: 30d is "30 days", 2h "2h", 90s "90s".</summary>
    public static string Describe(TimeSpan limit) =>
        limit.Ticks % TimeSpan.TicksPerDay == 0 ? $"{limit.Days} days"
        : limit.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)limit.TotalHours}h"
        : limit.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)limit.TotalMinutes}m"
        : $"{limit.TotalSeconds:0.###}s";
}
