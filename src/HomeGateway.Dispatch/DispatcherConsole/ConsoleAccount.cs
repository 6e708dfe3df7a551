using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// <c>/account</c>: a user changes their own password, proving the current one (a session left open on a shared
/// desk must not be enough). Wrong current passwords count towards the login lockout; the change is audited.
/// </summary>
internal static class ConsoleAccount
{
    public const string AuditAction = "password_changed";

    /// <summary>Below this a password is too easy to guess for an account that sees clients' homes.</summary>
    public const int MinPasswordLength = 12;

    public static IEndpointRouteBuilder MapConsoleAccount(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/account", (HttpContext http, IAntiforgery antiforgery) =>
            Page(http, antiforgery, null, StatusCodes.Status200OK));
        endpoints.MapPost("/account", ChangePasswordAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ChangePasswordAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, LoginThrottle throttle, ConsoleSessions sessions, ILoggerFactory loggers)
    {
        var language = ConsoleLanguages.Of(http);
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return ConsoleEndpoints.Refused(CommonPhrases.FormNotOurs[language], StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = http.User.Identity?.Name ?? "";
        var user = await store.FindUserAsync(name, http.RequestAborted);
        if (user is null || throttle.IsLockedOut(name))
        {
            return Page(http, antiforgery, (false, LoginPhrases.LockedOut[language]), StatusCodes.Status429TooManyRequests);
        }

        if (!PasswordHash.Verify(form["current"].ToString(), user.PasswordHash))
        {
            throttle.Failed(name);
            ConsoleLog.PasswordChangeRefused(loggers.CreateLogger(typeof(ConsoleAccount)), name);
            return Page(http, antiforgery, (false, AccountPhrases.WrongCurrent[language]), StatusCodes.Status400BadRequest);
        }

        var password = form["password"].ToString();
        string? problem = password.Length < MinPasswordLength ? AccountPhrases.TooShort.Format(language, MinPasswordLength)
            : password != form["repeat"].ToString() ? AccountPhrases.NotRepeated[language]
            : null;
        if (problem is not null)
        {
            return Page(http, antiforgery, (false, problem), StatusCodes.Status400BadRequest);
        }

        throttle.Succeeded(name);
        await store.SetUserPasswordAsync(name, PasswordHash.Create(password), http.RequestAborted);
        await store.RecordAuditAsync(name, AuditAction, null, "own password, from the console", http.RequestAborted);
        // Whoever else holds a session of this user (perhaps the reason for the change) is out; this desk stays in.
        await sessions.EndOthersAsync(http.User, ConsoleSessionEnd.PasswordChanged, http.RequestAborted);
        ConsoleLog.PasswordChanged(loggers.CreateLogger(typeof(ConsoleAccount)), name);
        return Page(http, antiforgery, (true, AccountPhrases.Changed[language]), StatusCodes.Status200OK);
    }

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, (bool Done, string Text)? outcome, int status)
    {
        var language = ConsoleLanguages.Of(http);
        string T(Phrase phrase) => Encode.Encode(phrase[language]);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var message = outcome is { } said
            ? $"<p class=\"{(said.Done ? "done" : "error")}\" role=\"{(said.Done ? "status" : "alert")}\">{Encode.Encode(said.Text)}</p>"
            : "";
        return ConsoleEndpoints.Html(Document(tokens, language, http.User, CommonPhrases.Account[language], "/account", $"""
            {message}
            <form method="post" action="/account" id="password">
              {Hidden(tokens)}
              <p><label>{T(AccountPhrases.Current)} <input name="current" type="password" autocomplete="current-password" required></label></p>
              <p><label>{T(AccountPhrases.New)} <input name="password" type="password" autocomplete="new-password" minlength="{MinPasswordLength}" required></label></p>
              <p><label>{T(AccountPhrases.Repeat)} <input name="repeat" type="password" autocomplete="new-password" minlength="{MinPasswordLength}" required></label></p>
              <p><button type="submit">{T(AccountPhrases.Change)}</button></p>
            </form>
            """), status);
    }
}

internal static class AccountPhrases
{
    public static readonly Phrase Current = new("Current password", "Nykyinen salasana", "Nuvarande lösenord");
    public static readonly Phrase New = new("New password", "Uusi salasana", "Nytt lösenord");
    public static readonly Phrase Repeat = new("New password again", "Uusi salasana uudelleen", "Nytt lösenord igen");
    public static readonly Phrase Change = new("Change password", "Vaihda salasana", "Byt lösenord");
    public static readonly Phrase Changed = new("Your password is changed.", "Salasanasi on vaihdettu.", "Ditt lösenord är bytt.");
    public static readonly Phrase WrongCurrent = new("The current password is wrong; nothing changed.", "Nykyinen salasana on väärä; mitään ei muutettu.", "Det nuvarande lösenordet är fel; inget ändrades.");
    public static readonly Phrase TooShort = new("The new password must have at least {0} characters.", "Uudessa salasanassa on oltava vähintään {0} merkkiä.", "Det nya lösenordet måste ha minst {0} tecken.");
    public static readonly Phrase NotRepeated = new("The two new passwords differ.", "Uudet salasanat eivät täsmää.", "De två nya lösenorden skiljer sig åt.");
}
