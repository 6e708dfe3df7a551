using System.Text.RegularExpressions;

namespace HomeGateway.Dispatch.DispatcherConsole.Frame;

public sealed partial class WordsWithTimes
{
    /// <summary>A composite-format placeholder: <c>{0}</c>, <c>{1:N1}</c>…</summary>
    [GeneratedRegex(@"\{(\d+)(:[^}]*)?\}")]
    private static partial Regex Placeholders();
}
