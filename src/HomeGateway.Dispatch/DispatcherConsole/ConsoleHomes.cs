using System.Globalization;
using HomeGateway.Dispatch.ClientRecords;
using HomeGateway.Dispatch.DispatcherConsole.Frame;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Homes and their client records. Who sees and changes what is <see cref="ClientRecordAccess"/>: admins edit the
/// whole record, technicians the address and access instructions (and the contracted time), dispatchers and care
/// managers read. Admins also mark "client left the service" (<c>client_left</c>), undo it (<c>client_left_undone</c>)
/// and delete a record at once (<c>client_record_anonymised</c>). Viewing is audited (<c>home_viewed</c>, saying how much
/// of the record was shown, never the record), and so is every change (<c>home_registered</c>, <c>home_updated</c>).
/// </summary>
internal static class ConsoleHomes
{
    /// <summary>The home page's alert history: this many alerts a page, newest first.</summary>
    public const int AlertsPageSize = 20;

    public static IEndpointRouteBuilder MapConsoleHomes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/homes", ListAsync);
        endpoints.MapPost("/homes", RegisterAsync).DisableAntiforgery();
        endpoints.MapGet("/homes/{homeId}", ShowAsync);
        endpoints.MapPost("/homes/{homeId}", UpdateAsync).DisableAntiforgery();
        endpoints.MapPost("/homes/{homeId}/client-left", MarkClientLeftAsync).DisableAntiforgery();
        endpoints.MapPost("/homes/{homeId}/client-left/undo", UndoClientLeftAsync).DisableAntiforgery();
        endpoints.MapPost("/homes/{homeId}/anonymise", AnonymiseAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDispatchStore store, IOptions<DispatchOptions> options)
    {
        if (!ClientRecordAccess.MayReadHomePage(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        return await ListPageAsync(http, store, options, HomeForm.Empty, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, IOptions<DispatchOptions> options)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        var scope = ClientRecordAccess.MayEdit(http.User);
        if (scope == ClientRecordView.None)
        {
            return Forbidden(Words("ManageForbidden", http));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted));
        // A technician registers the address and access instructions; the rest of the record starts empty.
        var kept = scope == ClientRecordView.Whole ? null : new HomeRecord(form.HomeId, 0, "", "", "", default, default);
        if (form.Validate(language, kept) is { } home)
        {
            if (await store.RegisterHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
            {
                return Results.Redirect(HomePath(home.HomeId));
            }

            form.Errors["homeId"] = ConsoleWords.Format<HomesPage>("AlreadyRegistered", language, home.HomeId);
        }

        return await ListPageAsync(http, store, options, form, StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ShowAsync(
        string homeId, int? alerts, HttpContext http, IDispatchStore store, TimeProvider time, IOptions<DispatchOptions> options)
    {
        var language = ConsoleLanguages.Of(http);
        if (!ClientRecordAccess.MayReadHomePage(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        var home = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (home is null)
        {
            return NotFound(ConsoleWords.Format<HomesPage>("NotFound", language, homeId));
        }

        var page = new HomePageState(HomeForm.Of(home)) { AlertsPage = Math.Max(1, alerts ?? 1) };
        return await HomePageAsync(http, store, time, options, home, page, StatusCodes.Status200OK);
    }

    private static async Task<IResult> UpdateAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, IOptions<DispatchOptions> options)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        var scope = ClientRecordAccess.MayEdit(http.User);
        if (scope == ClientRecordView.None)
        {
            return Forbidden(Words("ManageForbidden", http));
        }

        var existing = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (existing is null)
        {
            return NotFound(ConsoleWords.Format<HomesPage>("NotFound", language, homeId));
        }

        if (existing.AnonymisedAt is not null)
        {
            return Conflict(ConsoleWords.Format<HomesPage>("AlreadyAnonymised", language, homeId));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted), homeId);
        // What the technician may not see stays as stored, whatever the post says.
        if (form.Validate(language, scope == ClientRecordView.Whole ? null : existing) is { } home
            && await store.UpdateHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
        {
            return Results.Redirect(HomePath(homeId));
        }

        return await HomePageAsync(http, store, time, options, existing, new HomePageState(form), StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> MarkClientLeftAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, IOptions<DispatchOptions> options,
        ILogger<ClientRecordRetention> logger)
    {
        var refused = await RetentionRefusedAsync(homeId, http, antiforgery, store);
        if (refused.Result is not null)
        {
            return refused.Result;
        }

        var (home, language) = (refused.Home!, ConsoleLanguages.Of(http));
        var typed = (await http.Request.ReadFormAsync(http.RequestAborted))["leftOn"].ToString().Trim();
        // The home's own day: from 22:00 UTC (midnight in Helsinki in winter) the UTC date is still yesterday's there.
        var today = ConsoleTime.LocalDate(time.GetUtcNow(), home.TimeZone);
        // A day within a year back (a late mark) and a month ahead (a planned move); the sweep counts from it.
        var (earliest, latest) = (today.AddYears(-1), today.AddMonths(1));
        if (!DateOnly.TryParseExact(typed, DispatchStore.DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var leftOn)
            || leftOn < earliest || leftOn > latest)
        {
            var culture = ConsoleLanguages.Culture(language);
            var state = new HomePageState(HomeForm.Of(home))
            {
                LeftOnValue = typed,
                LeftOnError = ConsoleWords.Format<HomesPage>("LeftOnProblem", language, earliest.ToString("d", culture), latest.ToString("d", culture)),
            };
            return await HomePageAsync(http, store, time, options, home, state, StatusCodes.Status400BadRequest);
        }

        var actor = http.User.Identity!.Name!;
        var change = await store.MarkClientLeftAsync(homeId, leftOn, actor, http.RequestAborted);
        if (change == ClientRecordChange.Done)
        {
            ClientRecordLog.RetentionChanged(logger, homeId, "client left the service on " + typed, actor);
        }

        return RetentionAnswer(change, homeId, http);
    }

    private static async Task<IResult> UndoClientLeftAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ILogger<ClientRecordRetention> logger)
    {
        var refused = await RetentionRefusedAsync(homeId, http, antiforgery, store);
        if (refused.Result is not null)
        {
            return refused.Result;
        }

        var actor = http.User.Identity!.Name!;
        var change = await store.UndoClientLeftAsync(homeId, actor, http.RequestAborted);
        if (change == ClientRecordChange.Done)
        {
            ClientRecordLog.RetentionChanged(logger, homeId, "client left undone", actor);
        }

        return RetentionAnswer(change, homeId, http);
    }

    private static async Task<IResult> AnonymiseAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, IOptions<DispatchOptions> options,
        ILogger<ClientRecordRetention> logger)
    {
        var refused = await RetentionRefusedAsync(homeId, http, antiforgery, store);
        if (refused.Result is not null)
        {
            return refused.Result;
        }

        var home = refused.Home!;
        var confirm = (await http.Request.ReadFormAsync(http.RequestAborted))["confirm"].ToString().Trim();
        if (!string.Equals(confirm, homeId, StringComparison.Ordinal))
        {
            var state = new HomePageState(HomeForm.Of(home)) { ConfirmError = Words("ConfirmProblem", http) };
            return await HomePageAsync(http, store, time, options, home, state, StatusCodes.Status400BadRequest);
        }

        var actor = http.User.Identity!.Name!;
        var change = await store.AnonymiseHomeAsync(homeId, actor, http.RequestAborted);
        if (change == ClientRecordChange.Done)
        {
            ClientRecordLog.RetentionChanged(logger, homeId, "client record anonymised at once", actor);
        }

        return RetentionAnswer(change, homeId, http);
    }

    /// <summary>The checks every retention post shares: our form, an admin, a home not yet anonymised.</summary>
    private static async Task<(IResult? Result, HomeRecord? Home)> RetentionRefusedAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return (FormExpired(http), null);
        }

        if (!ClientRecordAccess.MayManageRetention(http.User))
        {
            return (Forbidden(Words("RetentionForbidden", http)), null);
        }

        var home = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (home is null)
        {
            return (NotFound(ConsoleWords.Format<HomesPage>("NotFound", ConsoleLanguages.Of(http), homeId)), null);
        }

        return home.AnonymisedAt is null
            ? (null, home)
            : (Conflict(ConsoleWords.Format<HomesPage>("AlreadyAnonymised", ConsoleLanguages.Of(http), homeId)), null);
    }

    private static IResult RetentionAnswer(ClientRecordChange change, string homeId, HttpContext http) => change switch
    {
        ClientRecordChange.NotFound => NotFound(ConsoleWords.Format<HomesPage>("NotFound", ConsoleLanguages.Of(http), homeId)),
        ClientRecordChange.AlreadyAnonymised => Conflict(ConsoleWords.Format<HomesPage>("AlreadyAnonymised", ConsoleLanguages.Of(http), homeId)),
        _ => Results.Redirect(HomePath(homeId)),
    };

    private static IResult Conflict(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status409Conflict);

    private static async Task<IResult> ListPageAsync(HttpContext http, IDispatchStore store, IOptions<DispatchOptions> options, HomeForm form, int status)
    {
        var homes = await store.ListHomesAsync(http.RequestAborted);
        var gateways = (await store.ListGatewaysAsync(http.RequestAborted)).ToLookup(g => g.HomeId, StringComparer.Ordinal);
        NoStore(http);
        return ConsoleEndpoints.Component<HomesPage>(new
        {
            Homes = homes,
            Gateways = gateways,
            Form = form,
            EditScope = ClientRecordAccess.MayEdit(http.User),
            RetentionDays = options.Value.ClientRecords.RetentionDays,
        }, status);
    }

    /// <summary>The home page, its view audited: who saw how much of the record (never the record itself).</summary>
    private static async Task<IResult> HomePageAsync(
        HttpContext http, IDispatchStore store, TimeProvider time, IOptions<DispatchOptions> options, HomeRecord home, HomePageState state, int status)
    {
        var ct = http.RequestAborted;
        var view = ClientRecordAccess.For(http.User);
        var gateways = (await store.ListGatewaysAsync(ct)).Where(g => g.HomeId == home.HomeId).ToList();
        var codes = await store.ListEnrolmentCodesAsync(home.HomeId, ct);
        var alerts = await store.ListHomeAlertsAsync(home.HomeId, (state.AlertsPage - 1) * AlertsPageSize, AlertsPageSize, ct);
        await store.AppendAuditAsync(http.User.Identity!.Name!, "home_viewed", null, null, home.HomeId, ClientRecordAccess.AuditWord(view), ct);
        NoStore(http);
        return ConsoleEndpoints.Component<HomePage>(new
        {
            Home = home,
            Form = state.Form,
            View = view,
            EditScope = ClientRecordAccess.MayEdit(http.User),
            Gateways = gateways,
            Codes = codes,
            Alerts = alerts,
            state.AlertsPage,
            RetentionDays = options.Value.ClientRecords.RetentionDays,
            LeftOnValue = state.LeftOnValue ?? ConsoleTime.LocalDate(time.GetUtcNow(), home.TimeZone).ToString(DispatchStore.DayFormat, CultureInfo.InvariantCulture),
            state.LeftOnError,
            state.ConfirmError,
            Now = time.GetUtcNow(),
            TimeZone = home.TimeZone,
        }, status);
    }

    private static string Words(string key, HttpContext http) => ConsoleWords.Of<HomesPage>(key, ConsoleLanguages.Of(http));

    /// <summary>The home page's forms as typed, with their problems, and which page of alerts it shows.</summary>
    private sealed record HomePageState(HomeForm Form)
    {
        public int AlertsPage { get; init; } = 1;

        public string? LeftOnValue { get; init; }

        public string? LeftOnError { get; init; }

        public string? ConfirmError { get; init; }
    }
}
