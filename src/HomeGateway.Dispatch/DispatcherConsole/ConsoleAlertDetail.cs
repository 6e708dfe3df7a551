using System.Globalization;
using System.Text;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// One alert: the home (contracted time, key safe, contacts, notes) and whether a carer visit is open, the alert and
/// its evidence timeline, acknowledgement, assignment, notes, resolution and its audit trail; and the forms that act on
/// it (acknowledge, assign, note, escalate, resolve). Viewing is audited (<c>alert_viewed</c>).
/// </summary>
internal static class ConsoleAlertDetail
{
    public static IEndpointRouteBuilder MapConsoleAlertDetail(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/alerts/{gatewayId}/{alertId}", ShowAsync);
        endpoints.MapPost("/alerts/{gatewayId}/{alertId}/{action}", ActAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(string gatewayId, string alertId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!MayReadAlerts(http.User))
        {
            return Forbidden(AlertDetailText.Forbidden);
        }

        return await PageAsync(http, antiforgery, store, gatewayId, alertId, null, StatusCodes.Status200OK, audit: true);
    }

    /// <summary>The page's forms: assign, unassign, note, escalate, resolve. Post, then back to the page (or the page with the error).</summary>
    private static async Task<IResult> ActAsync(
        string gatewayId, string alertId, string action, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, AlertLifecycle lifecycle)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired();
        }

        if (!MayReadAlerts(http.User))
        {
            return Forbidden(AlertDetailText.Forbidden);
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        string? problem = null;
        LifecycleOutcome? outcome = null;
        switch (action)
        {
            case "assign":
                var assignee = form["assignee"].ToString().Trim();
                problem = await lifecycle.AssigneeProblemAsync(assignee, ct);
                outcome = problem is null ? await lifecycle.AssignAsync(http.User, gatewayId, alertId, assignee, ct) : null;
                break;
            case "notes":
                var text = form["text"].ToString();
                problem = AlertLifecycle.TextProblem(text, "note", AlertLifecycle.MaxNoteLength);
                outcome = problem is null ? await lifecycle.AddNoteAsync(http.User, gatewayId, alertId, text, ct) : null;
                break;
            case "escalate":
                var reason = form["reason"].ToString();
                problem = AlertLifecycle.TextProblem(reason, "reason", AlertLifecycle.MaxReasonLength);
                outcome = problem is null ? await lifecycle.EscalateAsync(http.User, gatewayId, alertId, reason, ct) : null;
                break;
            case "resolve":
                var note = form["note"].ToString();
                problem = !ResolutionOutcomes.TryParse(form["outcome"].ToString(), out var resolution) ? AlertDetailText.ChooseOutcome
                    : note.Length > AlertLifecycle.MaxNoteLength ? AlertLifecycle.TextProblem(note, "note", AlertLifecycle.MaxNoteLength)
                    : null;
                outcome = problem is null ? await lifecycle.ResolveAsync(http.User, gatewayId, alertId, resolution, note, ct) : null;
                break;
            default:
                return Results.NotFound();
        }

        if (outcome is { Result: LifecycleResult.NotFound or LifecycleResult.Ambiguous })
        {
            return Results.NotFound(string.Format(CultureInfo.InvariantCulture, AlertDetailText.NotFound, alertId, gatewayId));
        }

        if (outcome is { Result: LifecycleResult.AlreadyResolved })
        {
            problem = AlertDetailText.AlreadyResolved;
        }

        return problem is null
            // Post/redirect/get: a reload does not post again.
            ? Results.Redirect(AlertPath(gatewayId, alertId))
            : await PageAsync(http, antiforgery, store, gatewayId, alertId, problem,
                outcome is null ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict, audit: false);
    }

    private static async Task<IResult> PageAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, string gatewayId, string alertId, string? error, int status, bool audit)
    {
        var ct = http.RequestAborted;
        var detail = await store.GetAlertDetailAsync(gatewayId, alertId, AlertApi.EvidenceBefore, ct);
        if (detail is null)
        {
            return Results.NotFound(string.Format(CultureInfo.InvariantCulture, AlertDetailText.NotFound, alertId, gatewayId));
        }

        if (audit)
        {
            await store.AppendAuditAsync(http.User.Identity!.Name!, "alert_viewed", gatewayId, alertId, detail.View.Alert.HomeId, "from the console", ct);
        }

        NoStore(http);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var title = string.Format(CultureInfo.InvariantCulture, AlertDetailText.Title, AlertTypeNames.ToName(detail.View.Alert.Type), detail.View.Alert.HomeId);
        return Html(Page(http, tokens, title, Body(tokens, detail, error, http.User.Identity?.Name ?? "")), status);
    }

    private static string Body(AntiforgeryTokenSet tokens, AlertDetail detail, string? error, string userName)
    {
        var view = detail.View;
        var alert = view.Alert;
        var path = AlertPath(alert.GatewayId, alert.AlertId);
        var html = new StringBuilder();
        html.Append(Error(error));
        if (view.Escalation is { } escalation)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="escalated" id="escalated">{E(string.Format(CultureInfo.InvariantCulture, AlertDetailText.Escalated, When(escalation.At), escalation.By, escalation.Reason))}</p>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <section id="alert"><h2>{E(AlertDetailText.Alert)}</h2><dl>
            <dt>{E(AlertDetailText.Priority)}</dt><dd>{E(AlertTypeNames.ToName(view.DisplayPriority))}{(view.DisplayPriority != alert.Priority ? E(string.Format(CultureInfo.InvariantCulture, AlertDetailText.RaisedFrom, AlertTypeNames.ToName(alert.Priority))) : "")}</dd>
            <dt>{E(AlertDetailText.Type)}</dt><dd>{E(AlertTypeNames.ToName(alert.Type))}</dd>
            <dt>{E(AlertDetailText.Summary)}</dt><dd>{E(alert.Summary)} (×{alert.Count})</dd>
            <dt>{E(AlertDetailText.Sensor)}</dt><dd>{E(alert.SensorId)} · {E(AlertDetailText.Gateway)} {E(alert.GatewayId)}</dd>
            <dt>{E(AlertDetailText.RaisedAt)}</dt><dd>{When(alert.RaisedAt)}</dd>
            <dt>{E(AlertDetailText.Status)}</dt><dd id="state">{E(alert.Status == AlertStatus.Cleared ? AlertDetailText.ClearedByDevice : AlertDetailText.OpenOnDevice)}</dd>
            <dt>{E(AlertDetailText.Acknowledged)}</dt><dd id="acknowledged">{(alert.AcknowledgedAt is { } ackAt ? E($"{alert.AcknowledgedBy}, {When(ackAt)} ({Duration(ackAt - alert.RaisedAt)})") : E(AlertDetailText.NotYet))}</dd>
            <dt>{E(AlertDetailText.AssignedTo)}</dt><dd id="assigned">{E(view.AssignedTo ?? AlertDetailText.Nobody)}</dd>
            <dt>{E(AlertDetailText.Resolved)}</dt><dd id="resolved">{(view.Resolution is { } r ? $"""<span id="resolution" data-outcome="{E(ResolutionOutcomes.ToName(r.Outcome))}">{E($"{AlertDetailText.OutcomeLabel(r.Outcome)} — {r.ResolvedBy}, {When(r.ResolvedAt)} ({Duration(r.ResolvedAt - alert.RaisedAt)}){(r.Note is null ? "" : ": " + r.Note)}")}</span>""" : E(AlertDetailText.NotYet))}</dd>
            </dl></section>
            """);

        html.Append(HomeSection(detail));
        html.Append(Timeline(detail));
        html.Append(CultureInfo.InvariantCulture, $"""<section id="notes"><h2>{E(AlertDetailText.Notes)}</h2>""");
        html.Append(detail.Notes.Count == 0 ? $"<p>{E(AlertDetailText.NoNotes)}</p>"
            : "<ul>" + string.Concat(detail.Notes.Select(n => $"<li>{When(n.At)} <strong>{E(n.Author)}</strong>: {E(n.Text)}</li>")) + "</ul>");
        html.Append("</section>");

        if (view.Resolution is null)
        {
            html.Append(Actions(tokens, path, view, userName));
        }
        else
        {
            // Resolved: closed for everything but a note (a later call from the family, say).
            html.Append(CultureInfo.InvariantCulture, $"""<section id="actions"><h2>{E(AlertDetailText.Actions)}</h2>{NoteForm(tokens, path)}</section>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <section id="history"><h2>{E(AlertDetailText.History)}</h2><table>
            <thead><tr><th>{E(AlertDetailText.When)}</th><th>{E(AlertDetailText.Who)}</th><th>{E(AlertDetailText.What)}</th><th>{E(AlertDetailText.Detail)}</th></tr></thead><tbody>
            {string.Concat(detail.History.Select(h => $"<tr><td>{When(h.At)}</td><td>{E(h.Actor)}</td><td>{E(h.Action)}</td><td>{E(h.Detail)}</td></tr>"))}
            </tbody></table></section>
            """);
        return html.ToString();
    }

    private static string HomeSection(AlertDetail detail)
    {
        var home = detail.Home;
        var visit = detail.Visit switch
        {
            null => AlertDetailText.NoVisitKnown,
            { Open: true } v => string.Format(CultureInfo.InvariantCulture, AlertDetailText.VisitOpen, When(v.At), v.SensorId),
            { } v => string.Format(CultureInfo.InvariantCulture, AlertDetailText.VisitClosed, When(v.At)),
        };
        return $"""
            <section id="home"><h2>{E(AlertDetailText.Home)}</h2><dl>
            <dt>{E(AlertDetailText.HomeId)}</dt><dd>{E(detail.View.Alert.HomeId)}</dd>
            <dt>{E(AlertDetailText.ContractedTime)}</dt><dd>{(home is null ? "—" : E(string.Format(CultureInfo.InvariantCulture, AlertDetailText.Minutes, home.ResponseMinutes)))}</dd>
            <dt>{E(AlertDetailText.KeySafe)}</dt><dd>{E(home?.KeySafe)}</dd>
            <dt>{E(AlertDetailText.Contacts)}</dt><dd style="white-space: pre-line">{E(home?.Contacts)}</dd>
            <dt>{E(AlertDetailText.HomeNotes)}</dt><dd style="white-space: pre-line">{E(home?.Notes)}</dd>
            <dt>{E(AlertDetailText.CarerVisit)}</dt><dd id="visit">{E(visit)}</dd>
            </dl></section>
            """;
    }

    /// <summary>The alert's steps and its sensor's events in one list by time: what the dispatcher reads to judge it.</summary>
    private static string Timeline(AlertDetail detail)
    {
        var entries = detail.Steps.Select(s => (s.At, Order: 1, What: $"{AlertDetailText.AlertStep} {AlertTypeNames.ToName(s.Kind)} ({AlertTypeNames.ToName(s.Priority)}, ×{s.Count.ToString(CultureInfo.InvariantCulture)})", s.Summary))
            .Concat(detail.Evidence.Select(e => (e.At, Order: 0, What: $"{e.SensorId}: {e.State}", Summary: $"{SensorKindNames.ToName(e.Kind)} · {e.Source}"
                + (e.Value is { } value ? " · " + value.ToString(CultureInfo.InvariantCulture) : "")
                + (e.BatteryPercent is { } battery ? $" · {AlertDetailText.Battery} {battery.ToString(CultureInfo.InvariantCulture)} %" : ""))))
            .OrderBy(x => x.At).ThenBy(x => x.Order);
        return $"""
            <section id="timeline"><h2>{E(AlertDetailText.Timeline)}</h2><table>
            <thead><tr><th>{E(AlertDetailText.When)}</th><th>{E(AlertDetailText.What)}</th><th>{E(AlertDetailText.Detail)}</th></tr></thead><tbody>
            {string.Concat(entries.Select(x => $"<tr><td>{When(x.At)}</td><td>{E(x.What)}</td><td>{E(x.Summary)}</td></tr>"))}
            </tbody></table></section>
            """;
    }

    private static string Actions(AntiforgeryTokenSet tokens, string path, AlertView view, string userName)
    {
        var alert = view.Alert;
        var html = new StringBuilder($"""<section id="actions"><h2>{E(AlertDetailText.Actions)}</h2>""");
        if (alert.AcknowledgedAt is null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <form method="post" action="/acknowledge" id="acknowledge">{Hidden(tokens)}
                <input type="hidden" name="gatewayId" value="{E(alert.GatewayId)}"><input type="hidden" name="alertId" value="{E(alert.AlertId)}">
                <button type="submit">{E(AlertDetailText.Acknowledge)}</button></form>
                """);
        }

        html.Append(Form(tokens, path, "assign", "assign", AlertDetailText.Assign,
            $"""<p><label>{E(AlertDetailText.AssignTo)} <input name="assignee" value="{E(view.AssignedTo ?? userName)}"></label> {E(AlertDetailText.EmptyUnassigns)}</p>"""));
        html.Append(NoteForm(tokens, path));
        if (view.Escalation is null)
        {
            html.Append(Form(tokens, path, "escalate", "escalate", AlertDetailText.Escalate,
                $"""<p><label>{E(AlertDetailText.Reason)} <input name="reason" maxlength="{AlertLifecycle.MaxReasonLength}" required></label></p>"""));
        }

        var options = string.Concat(ResolutionOutcomes.All.Select(o =>
            $"""<option value="{E(ResolutionOutcomes.ToName(o))}">{E(AlertDetailText.OutcomeLabel(o))}</option>"""));
        html.Append(Form(tokens, path, "resolve", "resolve", AlertDetailText.Resolve,
            $"""
            <p><label>{E(AlertDetailText.Outcome)} <select name="outcome" required><option value="">—</option>{options}</select></label></p>
            <p><label>{E(AlertDetailText.Note)}<br><textarea name="note" maxlength="{AlertLifecycle.MaxNoteLength}"></textarea></label></p>
            """));
        html.Append("</section>");
        return html.ToString();
    }

    private static string NoteForm(AntiforgeryTokenSet tokens, string path) => Form(tokens, path, "notes", "note", AlertDetailText.AddNote,
        $"""<p><label>{E(AlertDetailText.Note)}<br><textarea name="text" maxlength="{AlertLifecycle.MaxNoteLength}" required></textarea></label></p>""");

    /// <summary>A form posting to <c>{path}/{action}</c>; <paramref name="id"/> is the stable hook browser tests find it by.</summary>
    private static string Form(AntiforgeryTokenSet tokens, string path, string action, string id, string button, string fields) => $"""
        <form method="post" action="{E(path)}/{action}" id="{id}">{Hidden(tokens)}
        {fields}
        <p><button type="submit">{E(button)}</button></p></form>
        """;
}

/// <summary>The alert detail page's words (English; the translation layer replaces these).</summary>
internal static class AlertDetailText
{
    public static readonly string Title = "Alert: {0} in {1}";
    public static readonly string Forbidden = "Your role does not work alerts (dispatchers and admins do).";
    public static readonly string NotFound = "No alert '{0}' from gateway '{1}'.";
    public static readonly string AlreadyResolved = "This alert is resolved: it is closed and cannot be changed any more (notes can still be added).";
    public static readonly string ChooseOutcome = "Choose the outcome.";
    public static readonly string Escalated = "ESCALATED at {0} by {1}: {2}";
    public static readonly string RaisedFrom = " (escalated from {0})";
    public static readonly string Alert = "Alert";
    public static readonly string Priority = "Priority";
    public static readonly string Type = "Type";
    public static readonly string Summary = "Summary";
    public static readonly string Sensor = "Sensor";
    public static readonly string Gateway = "gateway";
    public static readonly string RaisedAt = "Raised at";
    public static readonly string Status = "On the device";
    public static readonly string OpenOnDevice = "open";
    public static readonly string ClearedByDevice = "cleared by the device";
    public static readonly string Acknowledged = "Acknowledged";
    public static readonly string AssignedTo = "Assigned to";
    public static readonly string Resolved = "Resolved";
    public static readonly string NotYet = "not yet";
    public static readonly string Nobody = "nobody";
    public static readonly string Home = "Home";
    public static readonly string HomeId = "Home id";
    public static readonly string ContractedTime = "Contracted response time";
    public static readonly string Minutes = "{0} min";
    public static readonly string KeySafe = "Key safe";
    public static readonly string Contacts = "Contacts";
    public static readonly string HomeNotes = "Notes";
    public static readonly string CarerVisit = "Carer visit";
    public static readonly string NoVisitKnown = "no visit reported";
    public static readonly string VisitOpen = "OPEN: checked in at {0} ({1}), no check-out since";
    public static readonly string VisitClosed = "none open (last check-out {0})";
    public static readonly string Timeline = "Evidence timeline";
    public static readonly string AlertStep = "alert";
    public static readonly string Battery = "battery";
    public static readonly string When = "When";
    public static readonly string Who = "Who";
    public static readonly string What = "What";
    public static readonly string Detail = "Detail";
    public static readonly string Notes = "Notes";
    public static readonly string NoNotes = "No notes yet.";
    public static readonly string History = "History";
    public static readonly string Actions = "Actions";
    public static readonly string Acknowledge = "Acknowledge";
    public static readonly string Assign = "Assign";
    public static readonly string AssignTo = "Assign to (user name)";
    public static readonly string EmptyUnassigns = "(empty: unassign)";
    public static readonly string AddNote = "Add note";
    public static readonly string Note = "Note";
    public static readonly string Escalate = "Escalate";
    public static readonly string Reason = "Reason";
    public static readonly string Resolve = "Resolve";
    public static readonly string Outcome = "Outcome";

    public static readonly string VisitedNoInjury = "Visited – no injury";
    public static readonly string VisitedInjury = "Visited – injury";
    public static readonly string AmbulanceCalled = "Ambulance called";
    public static readonly string FalseAlarm = "False alarm";
    public static readonly string TechnicalFault = "Technical fault";
    public static readonly string ClientNotHome = "Client not home";
    public static readonly string Other = "Other";

    public static string OutcomeLabel(ResolutionOutcome outcome) => outcome switch
    {
        ResolutionOutcome.VisitedNoInjury => VisitedNoInjury,
        ResolutionOutcome.VisitedInjury => VisitedInjury,
        ResolutionOutcome.AmbulanceCalled => AmbulanceCalled,
        ResolutionOutcome.FalseAlarm => FalseAlarm,
        ResolutionOutcome.TechnicalFault => TechnicalFault,
        ResolutionOutcome.ClientNotHome => ClientNotHome,
        _ => Other,
    };
}
