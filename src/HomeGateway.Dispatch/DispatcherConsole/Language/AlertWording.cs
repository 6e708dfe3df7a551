using System.Collections.Frozen;
using System.Globalization;
using System.Resources;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>
/// An alert in the dispatcher's language, composed from the home file's words for its sensor: "Kaatuminen havaittu:
/// Makuuhuoneen tutka, Makuuhuone" instead of the device's English sentence and a sensor id. The words are in
/// <c>AlertWording.resx</c> (English, neutral), <c>AlertWording.fi.resx</c> and <c>AlertWording.sv.resx</c> beside this
/// file, under the base name of this type's full name, so <c>IStringLocalizer&lt;AlertWording&gt;</c> reads them as well.
/// Keys: <c>Type_{type}</c> (the type's name), <c>Sentence_{type}</c> (<c>{0}</c> the sensor's name, <c>{1}</c> its place)
/// and <c>SentenceNoLocation_{type}</c> (<c>{0}</c> only), for every type name of the JSON API and <c>unknown</c>.
/// </summary>
public static class AlertWording
{
    /// <summary>The type every name the API does not know is worded as.</summary>
    public const string UnknownType = "unknown";

    /// <summary>What <see cref="Templates"/> appends to a type name for its sentence without a place (<c>fall:noLocation</c>).</summary>
    public const string NoLocationSuffix = ":noLocation";

    private static readonly ResourceManager Words = new(typeof(AlertWording).FullName!, typeof(AlertWording).Assembly);

    /// <summary>The alert type names of the JSON API (<c>fall</c>, <c>help</c>, ... and <c>unknown</c>), in the enum's order.</summary>
    public static IReadOnlyList<string> Types { get; } =
        [.. Enum.GetValues<AlertType>().Where(t => t != AlertType.Unknown).Select(AlertTypeNames.ToName), UnknownType];

    private static readonly FrozenSet<string> Known = Types.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The alert type's name in the culture's language ("kaatuminen"); an unknown type is worded as <c>unknown</c>.</summary>
    public static string TypeName(string type, CultureInfo culture) => Word("Type_", type, culture);

    /// <summary>Every type's name in the culture's language, by type name (<c>fall</c> → <c>kaatuminen</c>).</summary>
    public static IReadOnlyDictionary<string, string> TypeNames(CultureInfo culture) =>
        Types.ToDictionary(t => t, t => TypeName(t, culture), StringComparer.Ordinal);

    /// <summary>
    /// The alert as one line: the type's sentence with the sensor's display name (its id when it has none) and, when
    /// known, its place — "Ovi jäänyt auki: Eteisen ovi, Eteinen", "Door left open: front_door".
    /// </summary>
    public static string Sentence(string type, string? sensorName, string? location, string sensorId, CultureInfo culture)
    {
        var sensor = string.IsNullOrWhiteSpace(sensorName) ? sensorId : sensorName;
        return string.IsNullOrWhiteSpace(location)
            ? string.Format(culture, Word("SentenceNoLocation_", type, culture), sensor)
            : string.Format(culture, Word("Sentence_", type, culture), sensor, location);
    }

    /// <summary>
    /// Every type's sentence templates in the culture's language, for a browser script that composes live rows the same
    /// way as <see cref="Sentence"/>: by type name the sentence with <c>{0}</c> the sensor's name (its id when it has none)
    /// and <c>{1}</c> its place, and by type name + <see cref="NoLocationSuffix"/> the one with <c>{0}</c> only.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Templates(CultureInfo culture)
    {
        var templates = new Dictionary<string, string>(Types.Count * 2, StringComparer.Ordinal);
        foreach (var type in Types)
        {
            templates[type] = Word("Sentence_", type, culture);
            templates[type + NoLocationSuffix] = Word("SentenceNoLocation_", type, culture);
        }

        return templates;
    }

    private static string Word(string prefix, string type, CultureInfo culture) =>
        Words.GetString(prefix + (Known.Contains(type) ? type : UnknownType), culture)
        ?? throw new MissingManifestResourceException($"AlertWording has no '{prefix}{type}'.");
}
