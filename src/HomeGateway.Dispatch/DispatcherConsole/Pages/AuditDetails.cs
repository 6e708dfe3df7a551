using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// An audit row's detail in the reader's language. The store, the console and the API write it in English as the
/// record ("from the console", "time to acknowledge 12.5 s"); the sentences they write are recognised here and worded
/// from <c>AuditDetails.resx</c>, with their times and names apart. Anything else (a person's escalation reason, the
/// gateway's sentence) is shown as written.
/// </summary>
public static partial class AuditDetails
{
    private static readonly ResourceManager Resources = new(typeof(AuditDetails));

    /// <summary>The detail as a sentence with its times apart (render it with <see cref="Sentence"/>).</summary>
    public static Worded Of(string detail, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.CurrentUICulture;
        string Word(string key) => Resources.GetString(key, culture) ?? key;

        // A number written by the code (invariant) as the reader writes it: 12.5 is 12,5 in Finnish.
        string Number(string invariant) =>
            decimal.TryParse(invariant, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                ? number.ToString(culture) : invariant;
        Worded Say(string key, params object?[] args) => new(Word(key), [], args);
        Worded SayAt(string key, string at, params object?[] args) =>
            DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
                ? new(Word(key), [when], args)
                : Worded.AsWritten(detail);

        switch (detail)
        {
            case "from the console" or "console":
                return Say("from_console");
            case "from the API":
                return Say("from_api");
        }

        if (Characters().Match(detail) is { Success: true } characters)
        {
            return Say("characters", Number(characters.Groups[1].Value));
        }

        if (WasAssigned().Match(detail) is { Success: true } was)
        {
            return Say("was_assigned_to", was.Groups[1].Value);
        }

        if (Assigned().Match(detail) is { Success: true } assigned)
        {
            return Say("assigned_to", assigned.Groups[1].Value);
        }

        if (TimeToAcknowledge().Match(detail) is { Success: true } ack)
        {
            return Say("time_to_acknowledge", Number(ack.Groups[1].Value));
        }

        if (ResolvedAs().Match(detail) is { Success: true } resolved)
        {
            return Say("resolved_as", AlertWords.Outcome(resolved.Groups[1].Value, culture), Number(resolved.Groups[2].Value));
        }

        if (AlreadyAcknowledged().Match(detail) is { Success: true } already)
        {
            // {0} the time, {1} who.
            return SayAt("already_acknowledged", already.Groups[2].Value, already.Groups[1].Value);
        }

        if (AlreadyResolved().Match(detail) is { Success: true } alreadyResolved)
        {
            return SayAt("already_resolved", alreadyResolved.Groups[2].Value, alreadyResolved.Groups[1].Value,
                AlertWords.Outcome(alreadyResolved.Groups[3].Value, culture));
        }

        if (NotAcknowledgedWithin().Match(detail) is { Success: true } late)
        {
            return Say("not_acknowledged_within", Number(late.Groups[1].Value));
        }

        if (Reopened().Match(detail) is { Success: true } reopened)
        {
            var before = reopened.Groups[7].Success ? string.Format(culture, Word("acknowledged_before"), reopened.Groups[7].Value) : "";
            return SayAt("reopened_evidence", reopened.Groups[5].Value, Number(reopened.Groups[1].Value), AlertWords.Type(reopened.Groups[2].Value, culture), Number(reopened.Groups[3].Value),
                reopened.Groups[4].Value, AlertWords.Outcome(reopened.Groups[6].Value, culture), before);
        }

        return Worded.AsWritten(detail);
    }

    /// <summary>The detail as plain text, its times in <paramref name="timeZone"/> (for a page that shows no &lt;time&gt;).</summary>
    public static string Text(string detail, string? timeZone, CultureInfo? culture = null) => Of(detail, culture).Text(timeZone, culture);

    [GeneratedRegex(@"^(\d+) characters$")]
    private static partial Regex Characters();

    [GeneratedRegex(@"^was assigned to (.*)$", RegexOptions.Singleline)]
    private static partial Regex WasAssigned();

    [GeneratedRegex(@"^assigned to (.+)$", RegexOptions.Singleline)]
    private static partial Regex Assigned();

    [GeneratedRegex(@"^time to acknowledge (\d+(?:\.\d+)?) s$")]
    private static partial Regex TimeToAcknowledge();

    [GeneratedRegex(@"^outcome ([a-z_]+); time to resolve (-?\d+(?:\.\d+)?) s$")]
    private static partial Regex ResolvedAs();

    [GeneratedRegex(@"^already acknowledged by (.+) at (\S+); nothing changed$", RegexOptions.Singleline)]
    private static partial Regex AlreadyAcknowledged();

    [GeneratedRegex(@"^already resolved by (.+) at (\S+) as ([a-z_]+); nothing changed$", RegexOptions.Singleline)]
    private static partial Regex AlreadyResolved();

    [GeneratedRegex(@"^critical and not acknowledged within (\d+) min$")]
    private static partial Regex NotAcknowledgedWithin();

    [GeneratedRegex(@"^new evidence \(gateway seq (\d+), ([a-z_]+), count (\d+)\) after it was resolved by (.+?) at (\S+) as ([a-z_]+)(?:; acknowledged before by (.+))?$", RegexOptions.Singleline)]
    private static partial Regex Reopened();
}
