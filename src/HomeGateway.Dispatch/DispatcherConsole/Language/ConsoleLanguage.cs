using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.Net.Http.Headers;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>The console's languages. Stored per user as <see cref="ConsoleLanguages.Code"/> (<c>en</c>, <c>fi</c>, <c>sv</c>): those codes never change.</summary>
public enum ConsoleLanguage
{
    English,
    Finnish,
    Swedish,
}

/// <summary>Codes, cultures and which language a request is answered in.</summary>
public static class ConsoleLanguages
{
    /// <summary>The session cookie's claim holding the user's language code.</summary>
    public const string ClaimType = "hgd:language";

    public static readonly IReadOnlyList<ConsoleLanguage> All = [ConsoleLanguage.English, ConsoleLanguage.Finnish, ConsoleLanguage.Swedish];

    public static string Code(ConsoleLanguage language) => language switch
    {
        ConsoleLanguage.Finnish => "fi",
        ConsoleLanguage.Swedish => "sv",
        _ => "en",
    };

    public static bool TryParse(string? code, out ConsoleLanguage language)
    {
        switch (code?.Trim().ToUpperInvariant())
        {
            case "EN":
                language = ConsoleLanguage.English;
                return true;
            case "FI":
                language = ConsoleLanguage.Finnish;
                return true;
            case "SV":
                language = ConsoleLanguage.Swedish;
                return true;
            default:
                language = ConsoleLanguage.English;
                return false;
        }
    }

    /// <summary>
    /// Dates and numbers as people in a Finnish home-care organisation read them: English in the British form
    /// (day before month), Swedish as written in Finland.
    /// </summary>
    public static CultureInfo Culture(ConsoleLanguage language) => CultureInfo.GetCultureInfo(language switch
    {
        ConsoleLanguage.Finnish => "fi-FI",
        ConsoleLanguage.Swedish => "sv-FI",
        _ => "en-GB",
    });

    /// <summary>Each language's name in itself, for the language switch.</summary>
    public static string NativeName(ConsoleLanguage language) => language switch
    {
        ConsoleLanguage.Finnish => "suomi",
        ConsoleLanguage.Swedish => "svenska",
        _ => "English",
    };

    /// <summary>The language of the request being answered (request localization made it the current UI culture).</summary>
    public static ConsoleLanguage Current =>
        TryParse(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName, out var language) ? language : ConsoleLanguage.English;

    /// <summary>The signed-in user's language (the session's claim); before login the browser's preference, else English.</summary>
    public static ConsoleLanguage Of(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && TryParse(http.User.FindFirstValue(ClaimType), out var chosen)
            ? chosen
            : FromAcceptLanguage(http.Request);

    /// <summary>The first of the browser's languages, by quality, that the console speaks; English when none is.</summary>
    public static ConsoleLanguage FromAcceptLanguage(HttpRequest request)
    {
        if (!StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptLanguage, out var offered))
        {
            return ConsoleLanguage.English;
        }

        foreach (var candidate in offered.Where(o => o.Quality is not 0).OrderByDescending(o => o.Quality ?? 1))
        {
            // "fi-FI" and "sv-SE" count as Finnish and Swedish.
            var primary = candidate.Value.Value?.Split('-')[0];
            if (TryParse(primary, out var language))
            {
                return language;
            }
        }

        return ConsoleLanguage.English;
    }

    /// <summary>
    /// Request localization for the console: the culture of <see cref="Of"/> (the user's stored language, else the
    /// browser's), so pages, resource files and formatting all speak it.
    /// </summary>
    public static RequestLocalizationOptions Localization()
    {
        var cultures = All.Select(Culture).ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Culture(ConsoleLanguage.English)),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
        };
        options.RequestCultureProviders.Clear();
        options.RequestCultureProviders.Add(new CustomRequestCultureProvider(http =>
            Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(Culture(Of(http)).Name))));
        return options;
    }
}
