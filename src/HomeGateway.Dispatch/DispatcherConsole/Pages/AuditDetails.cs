using System.Globalization;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Frame;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>A detail of the audit trail in the reader's words: a resource text with its arguments (times as instants).</summary>
public sealed record AuditDetailWords(string Template, object?[] Args);

/// <summary>
/// The audit trail's details are the record and stay English in the store. The ones dispatch's own code writes
/// (<c>"from the console"</c>, a report's range, an enrolment code's expiry, times to acknowledge…) are recognised here
/// and said in the reader's language, with dates, times and numbers in the reader's culture. Anything else (an
/// escalation reason a dispatcher typed, a gateway's summary) is shown as written.
/// </summary>
public static partial class AuditDetails
{
    /// <summary>The detail in words (render with <c>WordsWithTimes</c>), or null: show it as written.</summary>
    public static AuditDetailWords? Translate(string? detail, ConsoleLanguage language)
    {
        if (string.IsNullOrEmpty(detail))
        {
            return null;
        }

        var context = new AuditDetailContext(language);
        foreach (var (pattern, read) in Known)
        {
            var match = pattern.Match(detail);
            if (match.Success)
            {
                return read(match, context);
            }
        }

        return null;
    }

    /// <summary>
    /// The detail as plain text in <paramref name="language"/>, its times in the home's zone (<paramref name="timeZone"/>),
    /// for a sentence that quotes it; a detail not written by the code as written.
    /// </summary>
    public static string Text(string? detail, ConsoleLanguage language, string? timeZone)
    {
        if (Translate(detail, language) is not { } said)
        {
            return detail ?? "";
        }

        var culture = ConsoleLanguages.Culture(language);
        var zone = ConsoleTime.Zone(timeZone);
        var args = said.Args.Select(a => a is DateTimeOffset at ? ConsoleTime.Format(at, zone, culture) : a).ToArray();
        return string.Format(culture, said.Template, args);
    }

    private static readonly (Regex Pattern, Func<Match, AuditDetailContext, AuditDetailWords?> Read)[] Known =
    [
        (Exactly("from the console"), (_, c) => c.Say("Detail_FromConsole")),
        (Exactly("from the API"), (_, c) => c.Say("Detail_FromApi")),
        (Exactly("console"), (_, c) => c.Say("Detail_Console")),
        (Exactly("own password, from the console"), (_, c) => c.Say("Detail_OwnPassword")),
        (Exactly("nothing changed"), (_, c) => c.Say("Detail_NothingChanged")),
        (Exactly("from the responder page"), (_, c) => c.Say("Detail_FromResponderPage")),
        (Exactly("no outcome proposed"), (_, c) => c.Say("Detail_NoOutcomeProposed")),
        (AfterAsked(), (m, c) => c.Say("Detail_AfterAsked", Integer(m.Groups[1].Value))),
        (ProposedOutcome(), (m, c) => Outcome(m.Groups[1].Value, c) is { } o ? c.Say("Detail_ProposedOutcome", o) : null),
        (ResponderAsked(), AskedWords),
        (NotAcceptedWithin(), (m, c) => c.Say("Detail_NotAcceptedWithin", m.Groups[1].Value, Integer(m.Groups[2].Value))),
        (CascadeExhausted(), (m, c) => c.Say("Detail_CascadeExhausted", Integer(m.Groups[1].Value))),
        (RangeUtc(), (m, c) => Dates(m) is { } dates ? c.Say("Detail_RangeUtc", dates) : null),
        (RangeLocal(), (m, c) => Dates(m) is { } dates ? c.Say("Detail_RangeLocal", dates) : null),
        (CodeIssued(), (m, c) => Instant(m.Groups[2].Value + "Z", "yyyy-MM-dd HH:mmK") is { } at ? c.Say("Detail_CodeIssued", m.Groups[1].Value, at) : null),
        (TimeToAcknowledge(), (m, c) => Number(m.Groups[1].Value) is { } s ? c.Say("Detail_TimeToAcknowledge", s) : null),
        (Resolved(), (m, c) => Outcome(m.Groups[1].Value, c) is { } o && Number(m.Groups[2].Value) is { } s ? c.Say("Detail_Resolved", o, s) : null),
        (WasAssigned(), (m, c) => c.Say("Detail_WasAssignedTo", m.Groups[1].Value)),
        (Assigned(), (m, c) => c.Say("Detail_AssignedTo", m.Groups[1].Value)),
        (NoteLength(), (m, c) => c.Say("Detail_NoteLength", Integer(m.Groups[1].Value))),
        (AlreadyAcknowledged(), (m, c) => Instant(m.Groups[2].Value) is { } at ? c.Say("Detail_AlreadyAcknowledged", m.Groups[1].Value, at) : null),
        (AlreadyResolved(), (m, c) => Instant(m.Groups[2].Value) is { } at && Outcome(m.Groups[3].Value, c) is { } o
            ? c.Say("Detail_AlreadyResolved", m.Groups[1].Value, at, o)
            : null),
        (ResponseTime(), (m, c) => c.Say("Detail_ResponseTime", Integer(m.Groups[1].Value))),
        (Changed(), (m, c) => Changes(m.Groups[1].Value, c) is { } list ? c.Say("Detail_Changed", list) : null),
        (SessionReason(), (m, c) => c.Say("Detail_Reason_" + m.Groups[1].Value)),
        (AlertCount(), (m, c) => c.Say("Detail_AlertCount", Integer(m.Groups[1].Value))),
        (Snapshot(), (m, c) => c.Say("Detail_Snapshot", Integer(m.Groups[1].Value))),
        (AutoEscalated(), (m, c) => c.Say("Detail_AutoEscalated", Integer(m.Groups[1].Value))),
        (Reopened(), Reopening),
        (Exactly("client record: whole"), (_, c) => c.Say("Detail_RecordWhole")),
        (Exactly("client record: address and access"), (_, c) => c.Say("Detail_RecordAddressAndAccess")),
        (Exactly("client record: none"), (_, c) => c.Say("Detail_RecordNone")),
        (Exactly("at once"), (_, c) => c.Say("Detail_AtOnce")),
        (ClientLeftOn(), (m, c) => Day(m.Groups[1].Value) is { } day
            ? c.Say(m.Groups[2].Success ? "Detail_RetentionOver" : "Detail_ClientLeftOn", day)
            : null),
        (WasLeftOn(), (m, c) => Day(m.Groups[1].Value) is { } day ? c.Say("Detail_WasLeftOn", day) : null),
        (UserOnly(), (m, c) => c.Say("Detail_User", m.Groups[1].Value)),
        (UserAdded(), (m, c) => c.Say("Detail_UserAdded", m.Groups[1].Value, RoleWord(m.Groups[2].Value, c), LanguageWord(m.Groups[3].Value))),
        // Before RoleChanged: "fi → sv" would pass for two roles.
        (LanguageChanged(), (m, c) => c.Say("Detail_LanguageChanged", m.Groups[1].Value, LanguageWord(m.Groups[2].Value), LanguageWord(m.Groups[3].Value))),
        (RoleChanged(), (m, c) => m.Groups[4].Success
            ? c.Say("Detail_RoleAndLanguageChanged", m.Groups[1].Value, RoleWord(m.Groups[2].Value, c), RoleWord(m.Groups[3].Value, c),
                LanguageWord(m.Groups[4].Value), LanguageWord(m.Groups[5].Value))
            : c.Say("Detail_RoleChanged", m.Groups[1].Value, RoleWord(m.Groups[2].Value, c), RoleWord(m.Groups[3].Value, c))),
    ];

    /// <summary>A role as the users page names it in the reader's language (the stored value if it has no words).</summary>
    private static string RoleWord(string role, AuditDetailContext c) =>
        ConsoleLayout.AllRoles.Contains(role, StringComparer.Ordinal) ? ConsoleWords.Of<UsersPage>("Role_" + role, c.Language) : role;

    private static string LanguageWord(string code) =>
        ConsoleLanguages.TryParse(code, out var language) ? ConsoleLanguages.NativeName(language) : code;

    private static int Integer(string digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);

    private static object?[]? Dates(Match match) =>
        Day(match.Groups[1].Value) is { } from && Day(match.Groups[2].Value) is { } to ? [from, to] : null;

    private static DateOnly? Day(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static DateTimeOffset? Instant(string text, string? format = null) =>
        format is null
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null
            : DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var exact) ? exact : null;

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? Outcome(string name, AuditDetailContext context) =>
        ResolutionOutcomes.TryParse(name, out var outcome) ? AlertWords.Outcome(outcome, ConsoleLanguages.Culture(context.Language)) : null;

    /// <summary>"key safe, contacts, response time 30 → 20 min" item by item; null when one is not known.</summary>
    private static string? Changes(string list, AuditDetailContext context)
    {
        var said = new List<string>();
        foreach (var item in list.Split(", "))
        {
            var change = ResponseTimeChange().Match(item);
            string? word = change.Success
                ? context.Format("Detail_ResponseTimeChange", Integer(change.Groups[1].Value), Integer(change.Groups[2].Value))
                : item switch
                {
                    "key safe" => context.Word("Detail_KeySafe"),
                    "address" => context.Word("Detail_Address"),
                    "key holders" => context.Word("Detail_KeyHolders"),
                    "contacts" => context.Word("Detail_Contacts"),
                    "notes" => context.Word("Detail_Notes"),
                    _ => null,
                };
            if (word is null)
            {
                return null;
            }

            said.Add(word);
        }

        return string.Join(", ", said);
    }

    private static AuditDetailWords? Reopening(Match match, AuditDetailContext context)
    {
        if (Instant(match.Groups[5].Value) is not { } at || Outcome(match.Groups[6].Value, context) is not { } outcome)
        {
            return null;
        }

        var type = AlertWording.TypeNames(ConsoleLanguages.Culture(context.Language)).GetValueOrDefault(match.Groups[2].Value, match.Groups[2].Value);
        var words = context.Say("Detail_Reopened", Integer(match.Groups[1].Value), type, Integer(match.Groups[3].Value), match.Groups[4].Value, at, outcome);
        return match.Groups[7].Success
            ? new AuditDetailWords(words.Template + context.Word("Detail_ReopenedAcknowledged"), [.. words.Args, match.Groups[7].Value])
            : words;
    }

    /// <summary>"asked team:night:10, cascade step 1" / "asked user:anna:5".</summary>
    private static AuditDetailWords? AskedWords(Match match, AuditDetailContext context)
    {
        var words = context.Say(match.Groups[1].Value == "team" ? "Detail_AskedTeam" : "Detail_AskedUser", match.Groups[2].Value, Integer(match.Groups[3].Value));
        return match.Groups[4].Success
            ? new AuditDetailWords(words.Template + context.Format("Detail_CascadeStep", Integer(match.Groups[4].Value)), words.Args)
            : words;
    }

    [GeneratedRegex(@"^(\d+) s after it was asked$")]
    private static partial Regex AfterAsked();

    [GeneratedRegex(@"^proposed outcome ([a-z_]+)$")]
    private static partial Regex ProposedOutcome();

    [GeneratedRegex(@"^asked (team|user):(.+):(\d+)(?:, cascade step (\d+))?$")]
    private static partial Regex ResponderAsked();

    [GeneratedRegex(@"^((?:team|user) .+); nobody accepted within (\d+) min$")]
    private static partial Regex NotAcceptedWithin();

    [GeneratedRegex(@"^cascade exhausted after step (\d+): nobody accepted$")]
    private static partial Regex CascadeExhausted();

    private static Regex Exactly(string text) => new("^" + Regex.Escape(text) + "$", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}) \(UTC\)$")]
    private static partial Regex RangeUtc();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}) \(local dates\)$")]
    private static partial Regex RangeLocal();

    [GeneratedRegex(@"^home (.+); expires (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC; from the console$")]
    private static partial Regex CodeIssued();

    [GeneratedRegex(@"^time to acknowledge (\d+(?:\.\d+)?) s$")]
    private static partial Regex TimeToAcknowledge();

    [GeneratedRegex(@"^outcome ([a-z_]+); time to resolve (-?\d+(?:\.\d+)?) s$")]
    private static partial Regex Resolved();

    [GeneratedRegex(@"^was assigned to (.+)$")]
    private static partial Regex WasAssigned();

    [GeneratedRegex(@"^assigned to (.+)$")]
    private static partial Regex Assigned();

    [GeneratedRegex(@"^(\d+) characters$")]
    private static partial Regex NoteLength();

    [GeneratedRegex(@"^already acknowledged by (.+) at (\S+); nothing changed$")]
    private static partial Regex AlreadyAcknowledged();

    [GeneratedRegex(@"^already resolved by (.+) at (\S+) as ([a-z_]+); nothing changed$")]
    private static partial Regex AlreadyResolved();

    [GeneratedRegex(@"^response time (\d+) min$")]
    private static partial Regex ResponseTime();

    [GeneratedRegex(@"^client left on (\d{4}-\d{2}-\d{2})(; retention over)?$")]
    private static partial Regex ClientLeftOn();

    [GeneratedRegex(@"^was left on (\d{4}-\d{2}-\d{2})$")]
    private static partial Regex WasLeftOn();

    [GeneratedRegex(@"^changed: (.+)$")]
    private static partial Regex Changed();

    [GeneratedRegex(@"^response time (\d+) → (\d+) min$")]
    private static partial Regex ResponseTimeChange();

    [GeneratedRegex(@"^reason: (logout|expired|password_changed|user_removed|user_disabled|password_reset|role_changed)$")]
    private static partial Regex SessionReason();

    [GeneratedRegex(@"^user '(.+)'$")]
    private static partial Regex UserOnly();

    [GeneratedRegex(@"^user '(.+)', role ([a-z_]+), language ([a-z]{2})$")]
    private static partial Regex UserAdded();

    [GeneratedRegex(@"^user '(.+)': ([a-z_]+) → ([a-z_]+)(?:, language ([a-z]{2}) → ([a-z]{2}))?$")]
    private static partial Regex RoleChanged();

    [GeneratedRegex(@"^user '(.+)': ([a-z]{2}) → ([a-z]{2})$")]
    private static partial Regex LanguageChanged();

    [GeneratedRegex(@"^(\d+) alerts$")]
    private static partial Regex AlertCount();

    [GeneratedRegex(@"^snapshot of (\d+) alerts$")]
    private static partial Regex Snapshot();

    [GeneratedRegex(@"^critical and not acknowledged within (\d+) min$")]
    private static partial Regex AutoEscalated();

    [GeneratedRegex(@"^new evidence \(gateway seq (\d+), ([a-z_]+), count (\d+)\) after it was resolved by (.+?) at (\S+) as ([a-z_]+)(?:; acknowledged before by (.+))?$")]
    private static partial Regex Reopened();
}

/// <summary>What translating a detail needs: the reader's language (the words are the audit page's resource file).</summary>
public sealed record AuditDetailContext(ConsoleLanguage Language)
{
    public string Word(string key) => ConsoleWords.Of<AuditPage>(key, Language);

    public string Format(string key, params object?[] args) => ConsoleWords.Format<AuditPage>(key, Language, args);

    /// <summary>The text of <paramref name="key"/> unformatted, with the arguments to fill it.</summary>
    public AuditDetailWords Say(string key, params object?[] args) => new(Word(key), args);
}
