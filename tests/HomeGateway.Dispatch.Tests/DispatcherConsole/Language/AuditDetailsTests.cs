using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>
/// Invariant: the audit details dispatch's own code writes are shown in the reader's language, with their dates, times,
/// numbers and outcomes in words of that language; anything a person typed is not touched.
/// </summary>
public sealed class AuditDetailsTests
{
    [Theory]
    [InlineData("from the console", "konsolista")]
    [InlineData("own password, from the console", "oma salasana, konsolista")]
    [InlineData("console", "konsolissa")]
    [InlineData("2026-01-01 to 2026-01-07 (UTC)", "1.1.2026–7.1.2026 (UTC-päivät)")]
    [InlineData("2026-01-01 to 2026-01-07 (local dates)", "1.1.2026–7.1.2026 (kunkin kodin omat päivät)")]
    [InlineData("time to acknowledge 12.5 s", "kuittausaika 12,5 s")]
    [InlineData("outcome false_alarm; time to resolve 3600.0 s", "lopputulos: Virhehälytys; ratkaisuaika 3 600,0 s")]
    [InlineData("changed: response time 30 → 20 min, key safe", "muutettu: vasteaika 30 → 20 min, avainsäilö")]
    [InlineData("reason: password_changed", "syy: salasana vaihdettiin")]
    [InlineData("42 characters", "42 merkkiä")]
    [InlineData("critical and not acknowledged within 5 min", "kriittinen eikä kuitattu 5 min kuluessa")]
    [InlineData("user 'bert'", "käyttäjä bert")]
    [InlineData("user 'cleo', role care_manager, language sv", "käyttäjä cleo, rooli hoitotyön esihenkilö, kieli svenska")]
    [InlineData("user 'dora': dispatcher → care_manager", "käyttäjä dora: päivystäjä → hoitotyön esihenkilö")]
    [InlineData("user 'dora': dispatcher → admin, language en → fi", "käyttäjä dora: päivystäjä → ylläpitäjä, kieli English → suomi")]
    [InlineData("user 'dora': fi → sv", "käyttäjä dora: kieli suomi → svenska")]
    [InlineData("reason: role_changed", "syy: käyttäjän roolia muutettiin")]
    [InlineData("reason: password_reset", "syy: ylläpitäjä nollasi salasanan")]
    public void A_console_written_detail_reads_finnish(string detail, string finnish)
    {
        Assert.Equal(finnish, Said(detail, ConsoleLanguage.Finnish).Replace('\u00a0', ' '));
    }

    [Fact]
    public void Times_in_a_detail_are_instants_the_page_shows_as_times()
    {
        var said = InCulture(ConsoleLanguage.Swedish, () => AuditDetails.Translate("home kotka-0042; expires 2026-03-02 09:15 UTC; from the console", ConsoleLanguage.Swedish));

        Assert.NotNull(said);
        Assert.Equal(["kotka-0042", new DateTimeOffset(2026, 3, 2, 9, 15, 0, TimeSpan.Zero)], said.Args);
        Assert.Equal("hem {0}; giltig till {1}; från konsolen", said.Template);
    }

    [Theory]
    [InlineData("the daughter asked us to call twice")]
    [InlineData("changed: something new")]
    [InlineData("{0} is not a placeholder here")]
    [InlineData("")]
    public void Text_a_person_typed_or_dispatch_does_not_know_is_shown_as_written(string detail)
    {
        Assert.Null(AuditDetails.Translate(detail, ConsoleLanguage.Finnish));
    }

    private static string Said(string detail, ConsoleLanguage language) => InCulture(language, () =>
    {
        var said = AuditDetails.Translate(detail, language);
        Assert.NotNull(said);
        return string.Format(ConsoleLanguages.Culture(language), said.Template, said.Args);
    });

    /// <summary>As on a page: request localization has set the reader's culture.</summary>
    private static T InCulture<T>(ConsoleLanguage language, Func<T> read)
    {
        var previous = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = ConsoleLanguages.Culture(language);
        try
        {
            return read();
        }
        finally
        {
            (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = previous;
        }
    }
}
