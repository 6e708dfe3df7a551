using System.Globalization;
using System.Text;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

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

        /// <summary>The home, or null with <see cref="Errors"/> filled in.</summary>
        public HomeDetails? Validate()
        {
            if (HomeId.Length == 0 || HomeId.Length > MaxHomeIdLength || HomeId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/'))
            {
                Errors["homeId"] = string.Format(CultureInfo.InvariantCulture, HomesText.HomeIdProblem, MaxHomeIdLength);
            }

            if (!int.TryParse(ResponseMinutes, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
                || minutes is < HomeDetails.MinResponseMinutes or > HomeDetails.MaxResponseMinutes)
            {
                Errors["responseMinutes"] = string.Format(CultureInfo.InvariantCulture, HomesText.ResponseProblem,
                    HomeDetails.MinResponseMinutes, HomeDetails.MaxResponseMinutes);
            }

            Limit("keySafe", KeySafe, MaxKeySafeLength);
            Limit("contacts", Contacts, MaxContactsLength);
            Limit("notes", Notes, MaxNotesLength);
            return Errors.Count == 0 ? new HomeDetails(HomeId, minutes, KeySafe, Contacts, Notes) : null;
        }

        private void Limit(string field, string value, int max)
        {
            if (value.Length > max)
            {
                Errors[field] = string.Format(CultureInfo.InvariantCulture, HomesText.TooLong, max, value.Length);
            }
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden);
        }

        return await ListPageAsync(http, antiforgery, store, HomeForm.Empty, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired();
        }

        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden);
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted));
        if (form.Validate() is { } home)
        {
            if (await store.RegisterHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
            {
                return Results.Redirect(HomePath(home.HomeId));
            }

            form.Errors["homeId"] = string.Format(CultureInfo.InvariantCulture, HomesText.AlreadyRegistered, home.HomeId);
        }

        return await ListPageAsync(http, antiforgery, store, form, StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ShowAsync(string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden);
        }

        var home = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (home is null)
        {
            return Results.NotFound(string.Format(CultureInfo.InvariantCulture, HomesText.NotFound, homeId));
        }

        await store.AppendAuditAsync(http.User.Identity!.Name!, "home_viewed", null, null, homeId, "", http.RequestAborted);
        return await HomePageAsync(http, antiforgery, store, home, HomeForm.Of(home), time.GetUtcNow(), StatusCodes.Status200OK);
    }

    private static async Task<IResult> UpdateAsync(string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired();
        }

        if (!MayManageHomes(http.User))
        {
            return Forbidden(HomesText.Forbidden);
        }

        var existing = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (existing is null)
        {
            return Results.NotFound(string.Format(CultureInfo.InvariantCulture, HomesText.NotFound, homeId));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted), homeId);
        if (form.Validate() is { } home && await store.UpdateHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
        {
            return Results.Redirect(HomePath(homeId));
        }

        return await HomePageAsync(http, antiforgery, store, existing, form, time.GetUtcNow(), StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ListPageAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, HomeForm form, int status)
    {
        var homes = await store.ListHomesAsync(http.RequestAborted);
        var gateways = (await store.ListGatewaysAsync(http.RequestAborted)).ToLookup(g => g.HomeId, StringComparer.Ordinal);
        var rows = homes.Count == 0
            ? $"""<tr><td colspan="3">{E(HomesText.NoHomes)}</td></tr>"""
            : string.Concat(homes.Select(h =>
                $"""<tr><td><a href="{E(HomePath(h.HomeId))}">{E(h.HomeId)}</a></td><td>{h.ResponseMinutes.ToString(CultureInfo.InvariantCulture)} min</td><td>{E(string.Join(", ", gateways[h.HomeId].Select(g => g.GatewayId)))}</td></tr>"""));
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var body = $"""
            <table id="homes">
              <thead><tr><th>{E(HomesText.HomeId)}</th><th>{E(HomesText.ResponseMinutes)}</th><th>{E(HomesText.Gateways)}</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            <h2>{E(HomesText.Register)}</h2>
            <p>{E(HomesText.MinimalData)}</p>
            {Fields(tokens, "/homes", "register", form, editableId: true, HomesText.Register)}
            """;
        return Html(Page(http, tokens, HomesText.Title, body), status);
    }

    private static async Task<IResult> HomePageAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, HomeRecord home, HomeForm form, DateTimeOffset now, int status)
    {
        var ct = http.RequestAborted;
        var gateways = (await store.ListGatewaysAsync(ct)).Where(g => g.HomeId == home.HomeId).ToList();
        var codes = await store.ListEnrolmentCodesAsync(home.HomeId, ct);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <p>{E(string.Format(CultureInfo.InvariantCulture, HomesText.Registered, When(home.CreatedAt), When(home.UpdatedAt)))}</p>
            <h2>{E(HomesText.Edit)}</h2>
            <p>{E(HomesText.MinimalData)}</p>
            {Fields(tokens, HomePath(home.HomeId), "edit", form, editableId: false, HomesText.Save)}
            <h2>{E(HomesText.Gateways)}</h2>
            <table id="gateways"><thead><tr><th>{E(HomesText.Gateway)}</th><th>{E(HomesText.LastSeen)}</th><th>{E(HomesText.Software)}</th></tr></thead><tbody>
            {(gateways.Count == 0 ? $"""<tr><td colspan="3">{E(HomesText.NoGateways)}</td></tr>""" : string.Concat(gateways.Select(g => $"<tr><td>{E(g.GatewayId)}</td><td>{When(g.LastSeenAt)}</td><td>{E(g.SoftwareVersion)}</td></tr>")))}
            </tbody></table>
            <p><a id="enrol" href="/gateways?home={E(Uri.EscapeDataString(home.HomeId))}">{E(HomesText.EnrolForHome)}</a></p>
            <h2>{E(HomesText.Codes)}</h2>
            <table id="codes"><thead><tr><th>{E(HomesText.Gateway)}</th><th>{E(HomesText.Issued)}</th><th>{E(HomesText.Expires)}</th><th>{E(HomesText.Used)}</th></tr></thead><tbody>
            {(codes.Count == 0 ? $"""<tr><td colspan="4">{E(HomesText.NoCodes)}</td></tr>""" : string.Concat(codes.Select(c => $"<tr><td>{E(c.GatewayId)}</td><td>{When(c.IssuedAt)}</td><td>{When(c.ExpiresAt)}</td><td>{(c.UsedAt is { } used ? When(used) : E(c.ExpiresAt <= now ? HomesText.Expired : HomesText.Unused))}</td></tr>")))}
            </tbody></table>
            """);
        return Html(Page(http, tokens, string.Format(CultureInfo.InvariantCulture, HomesText.HomeTitle, home.HomeId), body.ToString()), status);
    }

    private static string Fields(AntiforgeryTokenSet tokens, string action, string id, HomeForm form, bool editableId, string button)
    {
        string FieldError(string field) => form.Errors.TryGetValue(field, out var error) ? $"""<span class="error" role="alert">{E(error)}</span>""" : "";
        return $"""
            <form method="post" action="{E(action)}" id="{id}">
              {Hidden(tokens)}
              {(editableId ? $"""<p><label>{E(HomesText.HomeId)} <input name="homeId" value="{E(form.HomeId)}" maxlength="{MaxHomeIdLength}" required></label> {FieldError("homeId")}</p>""" : "")}
              <p><label>{E(HomesText.ResponseMinutes)} <input name="responseMinutes" type="number" min="{HomeDetails.MinResponseMinutes}" max="{HomeDetails.MaxResponseMinutes}" value="{E(form.ResponseMinutes)}" required></label> {FieldError("responseMinutes")}</p>
              <p><label>{E(HomesText.KeySafe)} <input name="keySafe" value="{E(form.KeySafe)}" maxlength="{MaxKeySafeLength}"></label> {FieldError("keySafe")}</p>
              <p><label>{E(HomesText.Contacts)}<br><textarea name="contacts" maxlength="{MaxContactsLength}">{E(form.Contacts)}</textarea></label> {FieldError("contacts")}</p>
              <p><label>{E(HomesText.Notes)}<br><textarea name="notes" maxlength="{MaxNotesLength}">{E(form.Notes)}</textarea></label> {FieldError("notes")}</p>
              <p><button type="submit">{E(button)}</button></p>
            </form>
            """;
    }
}

/// <summary>The Homes pages' words (English; the translation layer replaces these).</summary>
internal static class HomesText
{
    public static readonly string Title = "Homes";
    public static readonly string HomeTitle = "Home {0}";
    public static readonly string Forbidden = "Your role does not manage homes (admins and technicians do).";
    public static readonly string NotFound = "No home '{0}'.";
    public static readonly string NoHomes = "No home is registered yet.";
    public static readonly string HomeId = "Home id";
    public static readonly string ResponseMinutes = "Contracted response time (minutes)";
    public static readonly string KeySafe = "Key safe location";
    public static readonly string Contacts = "Contacts";
    public static readonly string Notes = "Notes";
    public static readonly string Gateways = "Gateways";
    public static readonly string Gateway = "Gateway";
    public static readonly string LastSeen = "Last seen";
    public static readonly string Software = "Software";
    public static readonly string NoGateways = "No gateway serves this home yet.";
    public static readonly string EnrolForHome = "Enrol a gateway for this home";
    public static readonly string Codes = "Enrolment codes";
    public static readonly string Issued = "Issued";
    public static readonly string Expires = "Expires";
    public static readonly string Used = "Used";
    public static readonly string Unused = "not used";
    public static readonly string Expired = "expired unused";
    public static readonly string NoCodes = "No enrolment code was issued for this home.";
    public static readonly string Register = "Register a home";
    public static readonly string Edit = "Edit";
    public static readonly string Save = "Save";
    public static readonly string Registered = "Registered {0}, last changed {1}.";
    public static readonly string MinimalData =
        "Minimal data only: what a responder needs to get in and whom to call. No names, diagnoses or other health data.";
    public static readonly string HomeIdProblem = "The home id must be 1 to {0} characters without spaces, '/' or control characters.";
    public static readonly string ResponseProblem = "The response time must be a whole number of minutes from {0} to {1}.";
    public static readonly string TooLong = "At most {0} characters (this is {1}).";
    public static readonly string AlreadyRegistered = "Home '{0}' is already registered.";
}
