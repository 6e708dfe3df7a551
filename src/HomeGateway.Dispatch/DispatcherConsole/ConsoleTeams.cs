using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Responders;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Who goes to alerts: the teams of responders (admins add, rename, staff and remove them) and each home's cascade, whom
/// to ask first and next (admins and dispatchers set it; the care manager reads it). Every change is audited by the store.
/// </summary>
internal static class ConsoleTeams
{
    public static IEndpointRouteBuilder MapConsoleTeams(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/teams", (HttpContext http, IDispatchStore store, IStringLocalizer<TeamsPage> words) =>
            MayManageTeams(http.User) ? TeamsAsync(http, store, null, false, StatusCodes.Status200OK) : Task.FromResult(Forbidden(words["Forbidden"])));
        endpoints.MapPost("/teams", AddTeamAsync).DisableAntiforgery();
        endpoints.MapPost("/teams/{teamId}/{action}", ChangeTeamAsync).DisableAntiforgery();
        endpoints.MapGet("/homes/{homeId}/cascade", ShowCascadeAsync);
        endpoints.MapPost("/homes/{homeId}/cascade", SetCascadeAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> TeamsAsync(HttpContext http, IDispatchStore store, string? message, bool isError, int status)
    {
        NoStore(http);
        var ct = http.RequestAborted;
        return ConsoleEndpoints.Component<TeamsPage>(new
        {
            Teams = await store.ListTeamsAsync(ct),
            Responders = (await store.ListUsersAsync(ct)).Where(u => u.Role == Responder).ToList(),
            Message = message,
            IsError = isError,
        }, status);
    }

    private static async Task<IResult> AddTeamAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, IStringLocalizer<TeamsPage> words)
    {
        if (await RefusedAsync(http, antiforgery, words) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var teamId = form["teamId"].ToString().Trim();
        var name = form["name"].ToString().Trim();
        var language = ConsoleLanguages.Of(http);
        if ((ResponderDispatch.TeamIdProblem(teamId, language) ?? ResponderDispatch.TeamNameProblem(name, language)) is { } problem)
        {
            return await TeamsAsync(http, store, problem, true, StatusCodes.Status400BadRequest);
        }

        var result = await store.AddTeamAsync(teamId, name, Actor(http), http.RequestAborted);
        return await AnswerAsync(http, store, words, result, teamId, "TeamAdded");
    }

    /// <summary>rename, remove, add-member, remove-member (field <c>user</c>).</summary>
    private static async Task<IResult> ChangeTeamAsync(
        string teamId, string action, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, IStringLocalizer<TeamsPage> words)
    {
        if (await RefusedAsync(http, antiforgery, words) is { } refused)
        {
            return refused;
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        var user = form["user"].ToString().Trim();
        switch (action)
        {
            case "rename":
                var name = form["name"].ToString().Trim();
                if (ResponderDispatch.TeamNameProblem(name, ConsoleLanguages.Of(http)) is { } problem)
                {
                    return await TeamsAsync(http, store, problem, true, StatusCodes.Status400BadRequest);
                }

                return await AnswerAsync(http, store, words, await store.RenameTeamAsync(teamId, name, Actor(http), ct), teamId, "TeamRenamed");
            case "remove":
                return await AnswerAsync(http, store, words, await store.RemoveTeamAsync(teamId, Actor(http), ct), teamId, "TeamRemoved");
            case "add-member":
                return await AnswerAsync(http, store, words, await store.AddTeamMemberAsync(teamId, user, Actor(http), ct), teamId, "MemberAdded", user);
            case "remove-member":
                return await AnswerAsync(http, store, words, await store.RemoveTeamMemberAsync(teamId, user, Actor(http), ct), teamId, "MemberRemoved", user);
            default:
                return Results.NotFound();
        }
    }

    private static Task<IResult> AnswerAsync(
        HttpContext http, IDispatchStore store, IStringLocalizer<TeamsPage> words, TeamChangeResult result, string teamId, string doneKey, string user = "")
    {
        var (message, status) = result switch
        {
            TeamChangeResult.Done => (words[doneKey, teamId, user].Value, StatusCodes.Status200OK),
            TeamChangeResult.Unchanged => (words["Unchanged", teamId].Value, StatusCodes.Status200OK),
            TeamChangeResult.NotFound => (words["NoSuchTeam", teamId].Value, StatusCodes.Status404NotFound),
            TeamChangeResult.Exists => (words["TeamExists", teamId].Value, StatusCodes.Status409Conflict),
            TeamChangeResult.NotAResponder => (words["NotAResponder", user].Value, StatusCodes.Status400BadRequest),
            TeamChangeResult.OpenRequest => (words["TeamHasOpenRequest", teamId].Value, StatusCodes.Status409Conflict),
            _ => (words["TeamInCascade", teamId].Value, StatusCodes.Status409Conflict),
        };
        return TeamsAsync(http, store, message, status != StatusCodes.Status200OK, status);
    }

    private static async Task<IResult?> RefusedAsync(HttpContext http, IAntiforgery antiforgery, IStringLocalizer<TeamsPage> words) =>
        !await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery) ? FormExpired(http)
        : !MayManageTeams(http.User) ? Forbidden(words["Forbidden"])
        : null;

    private static async Task<IResult> ShowCascadeAsync(string homeId, HttpContext http, IDispatchStore store, IStringLocalizer<HomeCascadePage> words)
    {
        if (!MayReadCascade(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        return await CascadePageAsync(http, store, words, homeId, null, null, false, StatusCodes.Status200OK);
    }

    /// <summary>
    /// The whole cascade as the form sends it: rows of <c>whom</c> (<c>team:ID</c>, <c>user:NAME</c> or empty: no step)
    /// and <c>minutes</c>, in order. Every step is checked before anything is stored.
    /// </summary>
    private static async Task<IResult> SetCascadeAsync(
        string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ResponderDispatch responders, IStringLocalizer<HomeCascadePage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayEditCascade(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        var whom = form["whom"];
        var minutes = form["minutes"];
        var steps = new List<CascadeStep>();
        var language = ConsoleLanguages.Of(http);
        for (var i = 0; i < whom.Count; i++)
        {
            if (string.IsNullOrEmpty(whom[i]))
            {
                continue;
            }

            var text = i < minutes.Count ? minutes[i] : null;
            var step = ParseStep(whom[i]!, string.IsNullOrWhiteSpace(text) ? CascadeStep.DefaultAcceptMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture) : text!);
            var problem = step is null ? words["ChooseStep"].Value : await responders.StepProblemAsync(step, language, ct);
            if (problem is not null)
            {
                return await CascadePageAsync(http, store, words, homeId, null, words["StepProblem", steps.Count + 1, problem], true, StatusCodes.Status400BadRequest);
            }

            steps.Add(step!);
        }

        if (steps.Count > ResponderDispatch.MaxCascadeSteps)
        {
            return await CascadePageAsync(http, store, words, homeId, null, words["TooManySteps", ResponderDispatch.MaxCascadeSteps], true,
                StatusCodes.Status400BadRequest);
        }

        if (!await store.SetCascadeAsync(homeId, steps, Actor(http), ct))
        {
            return NotFound(words["NoSuchHome", homeId]);
        }

        return await CascadePageAsync(http, store, words, homeId, null, words["Saved"], false, StatusCodes.Status200OK);
    }

    /// <summary>A step as a form or the command line writes whom (<c>team:ID</c>, <c>user:NAME</c>) and the minutes; null when malformed.</summary>
    internal static CascadeStep? ParseStep(string whom, string minutes)
    {
        if (!int.TryParse(minutes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var accept))
        {
            accept = -1;
        }

        return whom.StartsWith("team:", StringComparison.Ordinal) && whom.Length > 5 ? new CascadeStep(whom[5..], null, accept)
            : whom.StartsWith("user:", StringComparison.Ordinal) && whom.Length > 5 ? new CascadeStep(null, whom[5..], accept)
            : null;
    }

    private static async Task<IResult> CascadePageAsync(
        HttpContext http, IDispatchStore store, IStringLocalizer<HomeCascadePage> words, string homeId, IReadOnlyList<CascadeStep>? typed,
        string? message, bool isError, int status)
    {
        var ct = http.RequestAborted;
        if (await store.FindHomeAsync(homeId, ct) is null)
        {
            return NotFound(words["NoSuchHome", homeId]);
        }

        NoStore(http);
        return ConsoleEndpoints.Component<HomeCascadePage>(new
        {
            HomeId = homeId,
            Steps = typed ?? await store.GetCascadeAsync(homeId, ct),
            Teams = await store.ListTeamsAsync(ct),
            Responders = (await store.ListUsersAsync(ct)).Where(u => u.Role == Responder && u.DisabledAt is null).Select(u => u.Name).ToList(),
            MayEdit = MayEditCascade(http.User),
            Message = message,
            IsError = isError,
        }, status);
    }

    private static string Actor(HttpContext http) => http.User.Identity?.Name ?? "";
}
