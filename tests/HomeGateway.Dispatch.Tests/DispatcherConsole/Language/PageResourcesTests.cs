using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: every word of the fleet, gateways, report, audit and account pages exists in English, Finnish and Swedish,
/// with the same placeholders in each (what the Phrase test checked while the words were C#).
/// </summary>
public sealed partial class PageResourcesTests
{
    public static TheoryData<string> Pages() =>
        [nameof(FleetPage), nameof(GatewaysPage), nameof(ReportPage), nameof(AuditPage), nameof(AccountPage)];

    [Theory]
    [MemberData(nameof(Pages))]
    public void A_pages_words_are_in_all_three_languages_with_the_same_placeholders(string page)
    {
        var type = typeof(FleetPage).Assembly.GetType("HomeGateway.Dispatch.DispatcherConsole.Pages." + page)!;
        var resources = new ResourceManager(type);
        var english = Entries(resources, CultureInfo.InvariantCulture);
        Assert.NotEmpty(english);

        foreach (var language in new[] { ConsoleLanguage.Finnish, ConsoleLanguage.Swedish })
        {
            var translated = Entries(resources, new CultureInfo(ConsoleLanguages.Code(language)));
            Assert.Equal(english.Keys.Order(StringComparer.Ordinal), translated.Keys.Order(StringComparer.Ordinal));
            Assert.All(english, entry =>
            {
                Assert.False(string.IsNullOrWhiteSpace(translated[entry.Key]), $"{page}.{entry.Key} has no {language} text");
                Assert.Equal(Placeholders(entry.Value), Placeholders(translated[entry.Key]));
            });
        }
    }

    private static Dictionary<string, string> Entries(ResourceManager resources, CultureInfo culture) =>
        resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!.Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);

    private static string[] Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
