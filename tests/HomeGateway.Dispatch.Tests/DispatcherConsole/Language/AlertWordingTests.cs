using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: every alert type has a name and both sentences in English, Finnish and Swedish, with the same placeholders
/// in each, embedded where <c>IStringLocalizer&lt;AlertWording&gt;</c> finds them; a sentence falls back to the sensor id.
/// </summary>
public sealed partial class AlertWordingTests
{
    private static readonly CultureInfo Finnish = CultureInfo.GetCultureInfo("fi-FI");
    private static readonly CultureInfo Swedish = CultureInfo.GetCultureInfo("sv-FI");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");


    [Fact]
    public void Every_type_has_a_name_and_both_sentences_and_the_one_without_a_place_names_none()
    {
        var manager = new ResourceManager(typeof(AlertWording).FullName!, typeof(AlertWording).Assembly);
        var neutral = Entries(manager, CultureInfo.InvariantCulture);
        var expected = AlertWording.Types.SelectMany(t => new[] { $"Type_{t}", $"Sentence_{t}", $"SentenceNoLocation_{t}" }).Order(StringComparer.Ordinal);
        Assert.Equal(expected, neutral.Keys.Order(StringComparer.Ordinal));

        foreach (var culture in new[] { CultureInfo.GetCultureInfo("fi"), CultureInfo.GetCultureInfo("sv") })
        {
            // Same keys and placeholders in every language: ResourceFileTests checks that for every resource file.
            var translated = Entries(manager, culture);
            foreach (var key in neutral.Keys.Where(k => k.StartsWith("SentenceNoLocation_", StringComparison.Ordinal)))
            {
                Assert.DoesNotContain("{1}", translated[key], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_type_names_are_the_nineteen_of_the_json_api()
    {
        Assert.Equal(19, AlertWording.Types.Count);
        Assert.All(Enum.GetValues<AlertType>(), t => Assert.Contains(AlertTypeNames.ToName(t), AlertWording.Types));
    }

    [Fact]
    public void The_string_localizer_finds_the_finnish_and_swedish_words()
    {
        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance);
        var localizer = factory.Create(typeof(AlertWording));
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = Finnish;
            Assert.Equal("kaatuminen", localizer["Type_fall"].Value);
            Assert.False(localizer["Type_fall"].ResourceNotFound);
            CultureInfo.CurrentUICulture = Swedish;
            Assert.Equal("Fall upptäckt: {0}, {1}", localizer["Sentence_fall"].Value);
            CultureInfo.CurrentUICulture = English;
            Assert.Equal("help button", localizer["Type_help"].Value);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Theory]
    [InlineData("fi-FI", "Kaatuminen havaittu: Makuuhuoneen tutka, Makuuhuone")]
    [InlineData("sv-FI", "Fall upptäckt: Makuuhuoneen tutka, Makuuhuone")]
    [InlineData("en-GB", "Fall detected: Makuuhuoneen tutka, Makuuhuone")]
    public void A_sentence_is_composed_from_the_sensor_name_and_place(string culture, string expected) =>
        Assert.Equal(expected, AlertWording.Sentence("fall", "Makuuhuoneen tutka", "Makuuhuone", "bedroom_radar", CultureInfo.GetCultureInfo(culture)));

    [Fact]
    public void Without_a_place_or_a_name_the_sentence_uses_what_is_known()
    {
        Assert.Equal("Ovi jäänyt auki: Ulko-ovi", AlertWording.Sentence("door_left_open", "Ulko-ovi", null, "front_door", Finnish));
        Assert.Equal("Dörren står öppen: front_door", AlertWording.Sentence("door_left_open", null, " ", "front_door", Swedish));
        Assert.Equal("Help button pressed: help_button, Bedroom", AlertWording.Sentence("help", "", "Bedroom", "help_button", English));
        Assert.Equal("Kotona ei liikettä", AlertWording.Sentence("inactivity", null, null, "home", Finnish));
    }

    [Fact]
    public void An_unknown_type_is_worded_as_unknown()
    {
        Assert.Equal("tuntematon", AlertWording.TypeName("teleport", Finnish));
        Assert.Equal("Larm: x, y", AlertWording.Sentence("teleport", "x", "y", "id", Swedish));
    }

    [Fact]
    public void The_words_for_a_script_hold_every_type_in_the_language()
    {
        var names = AlertWording.TypeNames(Swedish);
        var templates = AlertWording.Templates(Swedish);

        Assert.Equal(AlertWording.Types.Order(StringComparer.Ordinal), names.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("trygghetsknapp", names["help"]);
        Assert.Equal(AlertWording.Types.Count * 2, templates.Count);
        Assert.Equal("Trygghetsknappen tryckt: {0}, {1}", templates["help"]);
        Assert.Equal("Trygghetsknappen tryckt: {0}", templates["help" + AlertWording.NoLocationSuffix]);
        Assert.Equal("Kotona ei liikettä", AlertWording.Templates(Finnish)["inactivity:noLocation"]);
    }

    private static Dictionary<string, string> Entries(ResourceManager manager, CultureInfo culture)
    {
        var set = manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false);
        Assert.True(set is not null, $"no resources for '{culture.Name}' (is the .resx embedded under AlertWording's full name?)");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);
    }

}
