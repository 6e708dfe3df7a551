using System.Globalization;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

// Interim: replaced by the resource-based wording from the sensors branch when it merges.
internal static class AlertWording
{
    public static IReadOnlyDictionary<string, string> TypeNames(CultureInfo culture)
    {
        var language = culture.TwoLetterISOLanguageName switch { "fi" => ConsoleLanguage.Finnish, "sv" => ConsoleLanguage.Swedish, _ => ConsoleLanguage.English };
        return AlertTypePhrases.ByName.ToDictionary(p => p.Key, p => p.Value[language], StringComparer.Ordinal);
    }

    public static IReadOnlyDictionary<string, string> Templates(CultureInfo culture) => new Dictionary<string, string>(StringComparer.Ordinal);
}
