using System.Globalization;
using System.Text;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Homes (admins and technicians): register a home with its contracted response time and the few notes a responder
/// needs (key safe, contacts, free notes — minimal data only), edit it, see its gateways and its enrolment codes'
/// history. Viewing and every change are audited (<c>home_viewed</c>, <c>home_registered</c>, <c>home_updated</c>).
/// </summary>
internal static class ConsoleHomes
{
    public const int MaxHomeIdLength = 64;
    public const int MaxKeySafeLength = 200;
    public const int MaxContactsLength = 1000;
    public const int MaxNotesLength = 2000;

    public static IEndpointRouteBuilder MapConsoleHomes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/homes", ListAsync);
        endpoints.MapPost("/homes", RegisterAsync).DisableAntiforgery();
        endpoints.MapGet("/homes/{homeId}", ShowAsync);
        endpoints.MapPost("/homes/{homeId}", UpdateAsync).DisableAntiforgery();
        return endpoints;
    }

    /// <summary>The form as typed, and the problem per field.</summary>
    internal sealed record HomeForm(string HomeId, string ResponseMinutes, string KeySafe, string Contacts, string Notes)
    {
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
                Errors["homeId"] = HomesText.HomeIdProblem.Format(language, MaxHomeIdLength);
            }

            if (!int.TryParse(ResponseMinutes, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
                || minutes is < HomeDetails.MinResponseMinutes or > HomeDetails.MaxResponseMinutes)
            {
                Errors["responseMinutes"] = HomesText.ResponseProblem.Format(language, HomeDetails.MinResponseMinutes, HomeDetails.MaxResponseMinutes);
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
                Errors[field] = HomesText.TooLong.Format(language, max, value.Length);
            }
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden[ConsoleLanguages.Of(http)]);
        }

        return await ListPageAsync(http, antiforgery, store, HomeForm.Empty, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden[language]);
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted));
        if (form.Validate(language) is { } home)
        {
            if (await store.RegisterHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
            {
                return Results.Redirect(HomePath(home.HomeId));
            }

            form.Errors["homeId"] = HomesText.AlreadyRegistered.Format(language, home.HomeId);
        }

        return await ListPageAsync(http, antiforgery, store, form, StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ShowAsync(string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        var language = ConsoleLanguages.Of(http);
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden[language]);
        }

        var home = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (home is null)
        {
            return NotFound(HomesText.NotFound.Format(language, homeId));
        }

        await store.AppendAuditAsync(http.User.Identity!.Name!, "home_viewed", null, null, homeId, "", http.RequestAborted);
        return await HomePageAsync(http, antiforgery, store, home, HomeForm.Of(home), time.GetUtcNow(), StatusCodes.Status200OK);
    }

    private static async Task<IResult> UpdateAsync(string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden[language]);
        }

        var existing = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (existing is null)
        {
            return NotFound(HomesText.NotFound.Format(language, homeId));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted), homeId);
        if (form.Validate(language) is { } home && await store.UpdateHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
        {
            return Results.Redirect(HomePath(homeId));
        }

        return await HomePageAsync(http, antiforgery, store, existing, form, time.GetUtcNow(), StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ListPageAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, HomeForm form, int status)
    {
        var language = ConsoleLanguages.Of(http);
        string T(Phrase phrase) => E(phrase[language]);
        var homes = await store.ListHomesAsync(http.RequestAborted);
        var gateways = (await store.ListGatewaysAsync(http.RequestAborted)).ToLookup(g => g.HomeId, StringComparer.Ordinal);
        var rows = homes.Count == 0
            ? $"""<tr><td colspan="3">{T(HomesText.NoHomes)}</td></tr>"""
            : string.Concat(homes.Select(h =>
                $"""<tr data-home-id="{E(h.HomeId)}"><td><a href="{E(HomePath(h.HomeId))}">{E(h.HomeId)}</a></td><td>{E(AlertDetailText.Minutes.Format(language, h.ResponseMinutes))}</td><td>{E(string.Join(", ", gateways[h.HomeId].Select(g => g.GatewayId)))}</td></tr>"""));
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var body = $"""
            <table id="homes">
              <thead><tr><th>{T(HomesText.HomeId)}</th><th>{T(HomesText.ResponseMinutes)}</th><th>{T(HomesText.Gateways)}</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            <h2>{T(HomesText.Register)}</h2>
            <p>{T(HomesText.MinimalData)}</p>
            {Fields(tokens, language, "/homes", "register", form, editableId: true, HomesText.Register)}
            """;
        return Html(Page(http, tokens, HomesText.Title[language], body, "/homes"), status);
    }

    private static async Task<IResult> HomePageAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, HomeRecord home, HomeForm form, DateTimeOffset now, int status)
    {
        var ct = http.RequestAborted;
        var language = ConsoleLanguages.Of(http);
        string T(Phrase phrase) => E(phrase[language]);
        var gateways = (await store.ListGatewaysAsync(ct)).Where(g => g.HomeId == home.HomeId).ToList();
        var codes = await store.ListEnrolmentCodesAsync(home.HomeId, ct);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <p>{E(HomesText.Registered.Format(language, When(home.CreatedAt, language), When(home.UpdatedAt, language)))}</p>
            <h2>{T(HomesText.Edit)}</h2>
            <p>{T(HomesText.MinimalData)}</p>
            {Fields(tokens, language, HomePath(home.HomeId), "edit", form, editableId: false, HomesText.Save)}
            <h2>{T(HomesText.Gateways)}</h2>
            <table id="gateways"><thead><tr><th>{T(HomesText.Gateway)}</th><th>{T(HomesText.LastSeen)}</th><th>{T(HomesText.Software)}</th></tr></thead><tbody>
            {(gateways.Count == 0 ? $"""<tr><td colspan="3">{T(HomesText.NoGateways)}</td></tr>""" : string.Concat(gateways.Select(g => $"<tr><td>{E(g.GatewayId)}</td><td>{At(g.LastSeenAt, language)}</td><td>{E(g.SoftwareVersion)}</td></tr>")))}
            </tbody></table>
            <p><a id="enrol" href="/gateways?home={E(Uri.EscapeDataString(home.HomeId))}">{T(HomesText.EnrolForHome)}</a></p>
            <h2>{T(HomesText.Codes)}</h2>
            <table id="codes"><thead><tr><th>{T(HomesText.Gateway)}</th><th>{T(HomesText.Issued)}</th><th>{T(HomesText.Expires)}</th><th>{T(HomesText.Used)}</th></tr></thead><tbody>
            {(codes.Count == 0 ? $"""<tr><td colspan="4">{T(HomesText.NoCodes)}</td></tr>""" : string.Concat(codes.Select(c => $"<tr><td>{E(c.GatewayId)}</td><td>{At(c.IssuedAt, language)}</td><td>{At(c.ExpiresAt, language)}</td><td>{(c.UsedAt is { } used ? At(used, language) : T(c.ExpiresAt <= now ? HomesText.Expired : HomesText.Unused))}</td></tr>")))}
            </tbody></table>
            """);
        return Html(Page(http, tokens, HomesText.HomeTitle.Format(language, home.HomeId), body.ToString(), HomePath(home.HomeId)), status);
    }

    private static string Fields(AntiforgeryTokenSet tokens, ConsoleLanguage language, string action, string id, HomeForm form, bool editableId, Phrase button)
    {
        string T(Phrase phrase) => E(phrase[language]);
        string FieldError(string field) => form.Errors.TryGetValue(field, out var error) ? $"""<span class="error" role="alert">{E(error)}</span>""" : "";
        return $"""
            <form method="post" action="{E(action)}" id="{id}">
              {Hidden(tokens)}
              {(editableId ? $"""<p><label>{T(HomesText.HomeId)} <input name="homeId" value="{E(form.HomeId)}" maxlength="{MaxHomeIdLength}" required></label> {FieldError("homeId")}</p>""" : "")}
              <p><label>{T(HomesText.ResponseMinutes)} <input name="responseMinutes" type="number" min="{HomeDetails.MinResponseMinutes}" max="{HomeDetails.MaxResponseMinutes}" value="{E(form.ResponseMinutes)}" required></label> {FieldError("responseMinutes")}</p>
              <p><label>{T(HomesText.KeySafe)} <input name="keySafe" value="{E(form.KeySafe)}" maxlength="{MaxKeySafeLength}"></label> {FieldError("keySafe")}</p>
              <p><label>{T(HomesText.Contacts)}<br><textarea name="contacts" maxlength="{MaxContactsLength}">{E(form.Contacts)}</textarea></label> {FieldError("contacts")}</p>
              <p><label>{T(HomesText.Notes)}<br><textarea name="notes" maxlength="{MaxNotesLength}">{E(form.Notes)}</textarea></label> {FieldError("notes")}</p>
              <p><button type="submit">{T(button)}</button></p>
            </form>
            """;
    }
}

/// <summary>The Homes pages' words.</summary>
internal static class HomesText
{
    public static readonly Phrase Title = new("Homes", "Kodit", "Hem");
    public static readonly Phrase HomeTitle = new("Home {0}", "Koti {0}", "Hem {0}");

    public static readonly Phrase Forbidden = new(
        "Your role does not manage homes (admins and technicians do).",
        "Roolisi ei hallinnoi koteja (ylläpitäjät ja asentajat hallinnoivat).",
        "Din roll hanterar inte hem (administratörer och tekniker gör det).");

    public static readonly Phrase NotFound = new("No home '{0}'.", "Kotia '{0}' ei ole.", "Inget hem '{0}'.");
    public static readonly Phrase NoHomes = new("No home is registered yet.", "Yhtään kotia ei ole vielä rekisteröity.", "Inget hem är registrerat ännu.");
    public static readonly Phrase HomeId = new("Home id", "Kodin tunnus", "Hemmets id");
    public static readonly Phrase ResponseMinutes = new("Contracted response time (minutes)", "Sopimuksen mukainen vasteaika (minuuttia)", "Avtalad responstid (minuter)");
    public static readonly Phrase KeySafe = new("Key safe location", "Avainsäilön paikka", "Nyckelskåpets plats");
    public static readonly Phrase Contacts = new("Contacts", "Yhteyshenkilöt", "Kontaktpersoner");
    public static readonly Phrase Notes = new("Notes", "Huomiot", "Anteckningar");
    public static readonly Phrase Gateways = new("Gateways", "Yhdyskäytävät", "Gatewayer");
    public static readonly Phrase Gateway = new("Gateway", "Yhdyskäytävä", "Gateway");
    public static readonly Phrase LastSeen = new("Last seen", "Viimeksi yhteydessä", "Senast i kontakt");
    public static readonly Phrase Software = new("Software", "Ohjelmisto", "Programvara");
    public static readonly Phrase NoGateways = new("No gateway serves this home yet.", "Tällä kodilla ei ole vielä yhdyskäytävää.", "Inget gateway betjänar det här hemmet ännu.");
    public static readonly Phrase EnrolForHome = new("Enrol a gateway for this home", "Liitä yhdyskäytävä tähän kotiin", "Anslut en gateway till det här hemmet");
    public static readonly Phrase Codes = new("Enrolment codes", "Liittämiskoodit", "Anslutningskoder");
    public static readonly Phrase Issued = new("Issued", "Luotu", "Skapad");
    public static readonly Phrase Expires = new("Expires", "Vanhenee", "Går ut");
    public static readonly Phrase Used = new("Used", "Käytetty", "Använd");
    public static readonly Phrase Unused = new("not used", "käyttämättä", "inte använd");
    public static readonly Phrase Expired = new("expired unused", "vanheni käyttämättä", "gick ut oanvänd");
    public static readonly Phrase NoCodes = new("No enrolment code was issued for this home.", "Tälle kodille ei ole luotu liittämiskoodia.", "Ingen anslutningskod har skapats för det här hemmet.");
    public static readonly Phrase Register = new("Register a home", "Rekisteröi koti", "Registrera ett hem");
    public static readonly Phrase Edit = new("Edit", "Muokkaa", "Redigera");
    public static readonly Phrase Save = new("Save", "Tallenna", "Spara");
    public static readonly Phrase Registered = new("Registered {0}, last changed {1}.", "Rekisteröity {0}, muutettu viimeksi {1}.", "Registrerat {0}, senast ändrat {1}.");

    public static readonly Phrase MinimalData = new(
        "Minimal data only: what a responder needs to get in and whom to call. No names, diagnoses or other health data.",
        "Vain välttämättömät tiedot: mitä auttaja tarvitsee päästäkseen sisään ja kenelle soittaa. Ei nimiä, diagnooseja eikä muita terveystietoja.",
        "Endast nödvändiga uppgifter: vad hjälparen behöver för att komma in och vem som ska ringas. Inga namn, diagnoser eller andra hälsouppgifter.");

    public static readonly Phrase HomeIdProblem = new(
        "The home id must be 1 to {0} characters without spaces, '/' or control characters.",
        "Kodin tunnuksessa on oltava 1–{0} merkkiä ilman välilyöntejä, '/'-merkkiä tai ohjausmerkkejä.",
        "Hemmets id måste vara 1–{0} tecken utan mellanslag, '/' eller styrtecken.");

    public static readonly Phrase ResponseProblem = new(
        "The response time must be a whole number of minutes from {0} to {1}.",
        "Vasteajan on oltava kokonainen määrä minuutteja väliltä {0}–{1}.",
        "Responstiden måste vara ett helt antal minuter från {0} till {1}.");

    public static readonly Phrase TooLong = new("At most {0} characters (this is {1}).", "Enintään {0} merkkiä (tässä on {1}).", "Högst {0} tecken (det här är {1}).");
    public static readonly Phrase AlreadyRegistered = new("Home '{0}' is already registered.", "Koti '{0}' on jo rekisteröity.", "Hemmet '{0}' är redan registrerat.");
}
