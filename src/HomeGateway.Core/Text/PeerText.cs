using System.Globalization;
using System.Text;

namespace HomeGateway.Core.Text;

/// <summary>
/// Text that came from a peer (an MQTT client id or topic, a gateway id, a summary on the uplink, a user name typed at a
/// login) made safe to show in a log line, a terminal or an error message: control characters (newlines, ANSI escapes,
/// NUL, DEL, C1), Unicode line and paragraph separators, bidirectional overrides and lone surrogates become visible
/// <c>\uXXXX</c> escapes, so one peer cannot forge a second log line, recolour a terminal or reorder what a reader sees.
/// Long text is cut with its full length stated, so one value cannot flood a line.
/// </summary>
public static class PeerText
{
    /// <summary>The longest peer value shown whole; longer ones are cut and say how long they were.</summary>
    public const int DefaultMaxLength = 200;

    public static string Escape(string? text, int maxLength = DefaultMaxLength)
    {
        if (text is null)
        {
            return "";
        }

        var cut = text.Length > maxLength;
        var shown = cut ? text.AsSpan(0, maxLength) : text.AsSpan();
        if (!cut && !NeedsEscaping(shown))
        {
            return text;
        }

        var builder = new StringBuilder(shown.Length + 16);
        for (var i = 0; i < shown.Length; i++)
        {
            var c = shown[i];
            if (char.IsHighSurrogate(c) && i + 1 < shown.Length && char.IsLowSurrogate(shown[i + 1]))
            {
                builder.Append(c).Append(shown[++i]);
            }
            else if (IsUnsafe(c))
            {
                builder.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                builder.Append(c);
            }
        }

        if (cut)
        {
            builder.Append(CultureInfo.InvariantCulture, $"…({text.Length} chars)");
        }

        return builder.ToString();
    }

    /// <summary>True when the text holds a character <see cref="Escape"/> would change (a lone surrogate included).</summary>
    public static bool NeedsEscaping(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnsafe(char c) =>
        char.IsControl(c) // C0 (NUL, ESC, newlines), DEL and C1
        || char.IsSurrogate(c) // only lone ones reach here
        || c is '\u2028' or '\u2029' // line and paragraph separators
        || c is >= '\u202a' and <= '\u202e' // bidirectional embeddings and overrides
        || c is >= '\u2066' and <= '\u2069' // bidirectional isolates
        || c is '\u200e' or '\u200f' or '\u061c' // direction marks
        || c is '\ufeff'; // a byte-order mark mid-text
}
