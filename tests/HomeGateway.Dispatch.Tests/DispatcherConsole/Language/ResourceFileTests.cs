using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: every word of the console exists in English, Finnish and Swedish — each resource file (.resx) has its .fi
/// and .sv siblings with the same keys, no empty text and the same placeholders — and each formats.
/// </summary>
public sealed partial class ResourceFileTests
{
    private static readonly CultureInfo[] Translations = [CultureInfo.GetCultureInfo("fi"), CultureInfo.GetCultureInfo("sv")];

    public static TheoryData<string> ResourceFiles()
    {
        var data = new TheoryData<string>();
        foreach (var name in BaseNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void The_console_keeps_its_words_in_resource_files_for_the_shared_frame_and_every_page()
    {
        var names = BaseNames().Select(n => n[(n.LastIndexOf('.') + 1)..]).ToHashSet(StringComparer.Ordinal);

        Assert.Subset(names, new HashSet<string>([
            "ConsoleText", "LifecycleText", "AlertWording", "LoginPage", "QueuePage", "AlertDetailPage", "AlertWords", "AuditActions",
            "HomesPage", "FleetPage", "GatewaysPage", "ReportPage", "AuditPage", "AccountPage"], StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ResourceFiles))]
    public void A_resource_file_has_every_word_in_all_three_languages_with_the_same_placeholders(string baseName)
    {
        var manager = new ResourceManager(baseName, typeof(ConsoleText).Assembly);
        var english = Entries(manager, CultureInfo.InvariantCulture);
        Assert.NotEmpty(english);
        foreach (var culture in Translations)
        {
            var translated = Entries(manager, culture);
            Assert.True(translated.Count > 0, $"{baseName} has no {culture.Name} resource file");
            Assert.Empty(english.Keys.Except(translated.Keys));
            Assert.Empty(translated.Keys.Except(english.Keys));
            foreach (var (key, text) in english)
            {
                Assert.False(string.IsNullOrWhiteSpace(translated[key]), $"{baseName}.{key} is empty in {culture.Name}");
                Assert.Equal(Placeholders(text), Placeholders(translated[key]));
                _ = string.Format(culture, translated[key], "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
            }
        }
    }

    /// <summary>The base names of the console's embedded resource files (e.g. <c>…Pages.QueuePage</c>).</summary>
    private static IEnumerable<string> BaseNames() =>
        typeof(ConsoleText).Assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".resources", StringComparison.Ordinal) && n.StartsWith("HomeGateway.Dispatch.DispatcherConsole.", StringComparison.Ordinal))
            .Select(n => n[..^".resources".Length])
            .Order(StringComparer.Ordinal);

    private static Dictionary<string, string> Entries(ResourceManager manager, CultureInfo culture)
    {
        var set = manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false);
        return set is null
            ? []
            : set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);
    }

    private static string[] Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
