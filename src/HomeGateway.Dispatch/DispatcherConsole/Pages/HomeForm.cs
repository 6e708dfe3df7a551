using System.Globalization;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Http;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>A home's form as typed (register or edit), and the problem per field (by the field's name).</summary>
public sealed record HomeForm(string HomeId, string ResponseMinutes, string KeySafe, string Contacts, string Notes)
{
    public const int MaxHomeIdLength = 64;
    public const int MaxKeySafeLength = 200;
    public const int MaxContactsLength = 1000;
    public const int MaxNotesLength = 2000;

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public static HomeForm Empty { get; } = new("", HomeDetails.DefaultResponseMinutes.ToString(CultureInfo.InvariantCulture), "", "", "");

    public static HomeForm Of(HomeRecord home) =>
        new(home.HomeId, home.ResponseMinutes.ToString(CultureInfo.InvariantCulture), home.KeySafe, home.Contacts, home.Notes);

    public static HomeForm Of(IFormCollection form, string? homeId = null) => new(
        homeId ?? form["homeId"].ToString().Trim(), form["responseMinutes"].ToString().Trim(),
        form["keySafe"].ToString().Trim(), form["contacts"].ToString().Trim(), form["notes"].ToString().Trim());

    /// <summary>The home, or null with <see cref="Errors"/> filled in (in <paramref name="language"/>).</summary>
    public HomeDetails? Validate(ConsoleLanguage language)
    {
        if (HomeId.Length == 0 || HomeId.Length > MaxHomeIdLength || HomeId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/'))
        {
            Errors["homeId"] = ConsoleWords.Format<HomesPage>("HomeIdProblem", language, MaxHomeIdLength);
        }

        if (!int.TryParse(ResponseMinutes, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes is < HomeDetails.MinResponseMinutes or > HomeDetails.MaxResponseMinutes)
        {
            Errors["responseMinutes"] = ConsoleWords.Format<HomesPage>("ResponseProblem", language, HomeDetails.MinResponseMinutes, HomeDetails.MaxResponseMinutes);
        }

        Limit("keySafe", KeySafe, MaxKeySafeLength, language);
        Limit("contacts", Contacts, MaxContactsLength, language);
        Limit("notes", Notes, MaxNotesLength, language);
        return Errors.Count == 0 ? new HomeDetails(HomeId, minutes, KeySafe, Contacts, Notes) : null;
    }

    private void Limit(string field, string value, int max, ConsoleLanguage language)
    {
        if (value.Length > max)
        {
            Errors[field] = ConsoleWords.Format<HomesPage>("TooLong", language, max, value.Length);
        }
    }
}
