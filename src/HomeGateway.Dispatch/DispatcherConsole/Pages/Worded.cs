using System.Globalization;
using HomeGateway.Dispatch.DispatcherConsole.Frame;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// A sentence in the reader's language with its times and values apart (what <see cref="Sentence"/> renders): a
/// format with <c>{0}</c>… placeholders, the first <see cref="Times"/>.Count of them times, the rest <see cref="Args"/>.
/// </summary>
public sealed record Worded(string Format, IReadOnlyList<DateTimeOffset?> Times, IReadOnlyList<object?> Args)
{
    /// <summary>Text kept as written (a person's words, or a detail the console has no words for).</summary>
    public static Worded AsWritten(string text) => new("{0}", [], [text]);

    /// <summary>
    /// The sentence as plain text (a time as <see cref="ConsoleTime"/> writes it, in <paramref name="timeZone"/>), in
    /// <paramref name="culture"/> (by default the request's).
    /// </summary>
    public string Text(string? timeZone, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.CurrentCulture;
        return string.Concat(Parts(Format).Select(part => part.Index switch
        {
            null => part.Text,
            { } i when i < Times.Count => Times[i] is { } at ? ConsoleTime.Format(at, ConsoleTime.Zone(timeZone), culture) : "—",
            { } i when i - Times.Count < Args.Count => string.Format(culture, "{0}", Args[i - Times.Count]),
            _ => "",
        }));
    }

    /// <summary>A format cut into text and placeholders (<c>{n}</c>; <c>{{</c> and <c>}}</c> are braces).</summary>
    public static IEnumerable<(string Text, int? Index)> Parts(string format)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.Length && format[i + 1] == c)
            {
                text.Append(c);
                i++;
                continue;
            }

            var end = c == '{' ? format.IndexOf('}', i + 1) : -1;
            if (end > i + 1 && int.TryParse(format.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                if (text.Length > 0)
                {
                    yield return (text.ToString(), null);
                    text.Clear();
                }

                yield return ("", index);
                i = end;
                continue;
            }

            text.Append(c);
        }

        if (text.Length > 0)
        {
            yield return (text.ToString(), null);
        }
    }
}
