using System.Reflection;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Language;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>Invariant: every console text exists in English, Finnish and Swedish, with the same placeholders in each.</summary>
public sealed partial class PhraseTests
{
    public static TheoryData<string> Phrases()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in AllPhrases())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void The_console_has_phrases_for_every_page()
    {
        var owners = AllPhrases().Select(p => p.Name.Split('.')[0]).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(["CommonPhrases", "LoginPhrases", "QueuePhrases", "LayoutText", "AlertDetailText", "HomesText", "LifecyclePhrases"], StringComparer.Ordinal), owners);
    }

    [Theory]
    [MemberData(nameof(Phrases))]
    public void A_phrase_has_all_three_languages_with_the_same_placeholders(string name)
    {
        var phrase = AllPhrases().Single(p => p.Name == name).Phrase;

        Assert.All(ConsoleLanguages.All, language => Assert.False(string.IsNullOrWhiteSpace(phrase[language]), $"{name} has no {language} text"));
        var english = Placeholders(phrase.English);
        Assert.Equal(english, Placeholders(phrase.Finnish));
        Assert.Equal(english, Placeholders(phrase.Swedish));
        // Each one formats: no stray brace that string.Format would refuse.
        Assert.All(ConsoleLanguages.All, language => phrase.Format(language, "a", "b", "c", "d", "e"));
    }

    [Fact]
    public void Every_alert_type_has_a_phrase_for_the_queue()
    {
        foreach (var type in Enum.GetValues<AlertType>())
        {
            Assert.True(AlertTypePhrases.ByName.ContainsKey(AlertTypeNames.ToName(type)), $"no phrase for {type}");
        }
    }

    [Theory]
    [InlineData("fi-FI,fi;q=0.9,en;q=0.8", ConsoleLanguage.Finnish)]
    [InlineData("sv-SE", ConsoleLanguage.Swedish)]
    [InlineData("de-DE,sv;q=0.5,fi;q=0.7", ConsoleLanguage.Finnish)]
    [InlineData("de-DE", ConsoleLanguage.English)]
    [InlineData("", ConsoleLanguage.English)]
    public void The_browser_language_is_the_first_spoken_here_by_quality(string acceptLanguage, ConsoleLanguage expected)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.Headers.AcceptLanguage = acceptLanguage;

        Assert.Equal(expected, ConsoleLanguages.FromAcceptLanguage(http.Request));
    }

    private static IEnumerable<(string Name, Phrase Phrase)> AllPhrases() =>
        typeof(Phrase).Assembly.GetTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(field => field.FieldType == typeof(Phrase) && field.IsInitOnly)
                .Select(field => ($"{type.Name}.{field.Name}", (Phrase)field.GetValue(null)!)));

    private static string[] Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
