using System.Globalization;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>
/// One text of the console in every language it speaks. Pages keep theirs as <c>static readonly Phrase</c> fields in
/// one static class per page (a test checks each has all three and the same <c>{0}</c> placeholders).
/// </summary>
public sealed record Phrase(string English, string Finnish, string Swedish)
{
    public string this[ConsoleLanguage language] => language switch
    {
        ConsoleLanguage.Finnish => Finnish,
        ConsoleLanguage.Swedish => Swedish,
        _ => English,
    };

    /// <summary>The phrase in <paramref name="language"/> with <c>{0}</c>, <c>{1}</c>… filled in that language's culture.</summary>
    public string Format(ConsoleLanguage language, params object?[] arguments) =>
        string.Format(ConsoleLanguages.Culture(language), this[language], arguments);
}
