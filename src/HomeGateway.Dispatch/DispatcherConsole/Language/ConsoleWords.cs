using System.Resources;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>
/// A console word outside a page (a test, a log-free refusal): the entry <paramref name="key"/> of the resource file
/// beside <typeparamref name="TResource"/> (a page component or <see cref="ConsoleText"/>), in that language.
/// </summary>
internal static class ConsoleWords
{
    public static string Of<TResource>(string key, ConsoleLanguage language) =>
        new ResourceManager(typeof(TResource)).GetString(key, ConsoleLanguages.Culture(language))
        ?? throw new KeyNotFoundException($"No console word '{key}' in {typeof(TResource).Name}.resx");

    /// <summary>The word with <c>{0}</c>, <c>{1}</c>… filled in that language's culture.</summary>
    public static string Format<TResource>(string key, ConsoleLanguage language, params object?[] arguments) =>
        string.Format(ConsoleLanguages.Culture(language), Of<TResource>(key, language), arguments);
}
