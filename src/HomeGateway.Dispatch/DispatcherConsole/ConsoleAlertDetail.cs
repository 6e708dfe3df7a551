using System.Globalization;
using System.Text;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

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
            return Forbidden(AlertDetailText.Forbidden[ConsoleLanguages.Of(http)]);
        }

        return await PageAsync(http, antiforgery, store, gatewayId, alertId, null, StatusCodes.Status200OK, audit: true);
    }

    /// <summary>The page's forms: assign, unassign, note, escalate, resolve. Post, then back to the page (or the page with the error).</summary>
    private static async Task<IResult> ActAsync(
        string gatewayId, string alertId, string action, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, AlertLifecycle lifecycle)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayReadAlerts(http.User))
        {
            return Forbidden(AlertDetailText.Forbidden[language]);
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        string? problem = null;
        LifecycleOutcome? outcome = null;
        switch (action)
        {
            case "assign":
                var assignee = form["assignee"].ToString().Trim();
                problem = await lifecycle.AssigneeProblemAsync(assignee, ct, language);
                outcome = problem is null ? await lifecycle.AssignAsync(http.User, gatewayId, alertId, assignee, ct) : null;
                break;
            case "notes":
                var text = form["text"].ToString();
                problem = AlertLifecycle.TextProblem(text, "note", AlertLifecycle.MaxNoteLength, language);
                outcome = problem is null ? await lifecycle.AddNoteAsync(http.User, gatewayId, alertId, text, ct) : null;
                break;
            case "escalate":
                var reason = form["reason"].ToString();
                problem = AlertLifecycle.TextProblem(reason, "reason", AlertLifecycle.MaxReasonLength, language);
                outcome = problem is null ? await lifecycle.EscalateAsync(http.User, gatewayId, alertId, reason, ct) : null;
                break;
            case "resolve":
                var note = form["note"].ToString();
                problem = !ResolutionOutcomes.TryParse(form["outcome"].ToString(), out var resolution) ? AlertDetailText.ChooseOutcome[language]
                    : note.Length > AlertLifecycle.MaxNoteLength ? AlertLifecycle.TextProblem(note, "note", AlertLifecycle.MaxNoteLength, language)
                    : null;
                outcome = problem is null ? await lifecycle.ResolveAsync(http.User, gatewayId, alertId, resolution, note, ct) : null;
                break;
            default:
                return Results.NotFound();
        }

        if (outcome is { Result: LifecycleResult.NotFound or LifecycleResult.Ambiguous })
        {
            return NotFound(QueuePhrases.NoSuchAlert.Format(language, alertId, gatewayId));
        }

        if (outcome is { Result: LifecycleResult.AlreadyResolved })
        {
            problem = AlertDetailText.AlreadyResolved[language];
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
        var language = ConsoleLanguages.Of(http);
        var detail = await store.GetAlertDetailAsync(gatewayId, alertId, AlertApi.EvidenceBefore, ct);
        if (detail is null)
        {
            return NotFound(QueuePhrases.NoSuchAlert.Format(language, alertId, gatewayId));
        }

        if (audit)
        {
            await store.AppendAuditAsync(http.User.Identity!.Name!, "alert_viewed", gatewayId, alertId, detail.View.Alert.HomeId, "from the console", ct);
        }

        NoStore(http);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var title = AlertDetailText.Title.Format(language, TypeWord(detail.View.Alert.Type, language), detail.View.Alert.HomeId);
        return Html(Page(http, tokens, title, Body(tokens, language, detail, error, http.User.Identity?.Name ?? ""), AlertPath(gatewayId, alertId)), status);
    }

    private static string Body(AntiforgeryTokenSet tokens, ConsoleLanguage language, AlertDetail detail, string? error, string userName)
    {
        var view = detail.View;
        var alert = view.Alert;
        var path = AlertPath(alert.GatewayId, alert.AlertId);
        string T(Phrase phrase) => E(phrase[language]);
        var html = new StringBuilder();
        html.Append(Error(error));
        if (view.Escalation is { } escalation)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="escalated" id="escalated">{E(AlertDetailText.Escalated.Format(language, When(escalation.At, language), escalation.By, escalation.Reason))}</p>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <section id="alert"><h2>{T(AlertDetailText.Alert)}</h2><dl>
            <dt>{T(AlertDetailText.Priority)}</dt><dd>{E(PriorityWord(view.DisplayPriority, language))}{(view.DisplayPriority != alert.Priority ? E(AlertDetailText.RaisedFrom.Format(language, PriorityWord(alert.Priority, language))) : "")}</dd>
            <dt>{T(AlertDetailText.Type)}</dt><dd>{E(TypeWord(alert.Type, language))}</dd>
            <dt>{T(AlertDetailText.Summary)}</dt><dd>{E(alert.Summary)} (×{alert.Count})</dd>
            <dt>{T(AlertDetailText.Sensor)}</dt><dd>{E(alert.SensorId)} · {T(AlertDetailText.Gateway)} {E(alert.GatewayId)}</dd>
            <dt>{T(AlertDetailText.RaisedAt)}</dt><dd>{At(alert.RaisedAt, language)}</dd>
            <dt>{T(AlertDetailText.Status)}</dt><dd id="state">{T(alert.Status == AlertStatus.Cleared ? AlertDetailText.ClearedByDevice : AlertDetailText.OpenOnDevice)}</dd>
            <dt>{T(AlertDetailText.Acknowledged)}</dt><dd id="acknowledged">{(alert.AcknowledgedAt is { } ackAt ? E($"{alert.AcknowledgedBy}, {When(ackAt, language)} ({Duration(ackAt - alert.RaisedAt)})") : T(AlertDetailText.NotYet))}</dd>
            <dt>{T(AlertDetailText.AssignedTo)}</dt><dd id="assigned">{E(view.AssignedTo ?? AlertDetailText.Nobody[language])}</dd>
            <dt>{T(AlertDetailText.Resolved)}</dt><dd id="resolution"{(view.Resolution is { } resolved ? $" data-outcome=\"{E(ResolutionOutcomes.ToName(resolved.Outcome))}\"" : "")}>{(view.Resolution is { } r ? E($"{AlertDetailText.OutcomeLabel(r.Outcome)[language]} — {r.ResolvedBy}, {When(r.ResolvedAt, language)} ({Duration(r.ResolvedAt - alert.RaisedAt)}){(r.Note is null ? "" : ": " + r.Note)}") : T(AlertDetailText.NotYet))}</dd>
            </dl></section>
            """);

        html.Append(HomeSection(detail, language));
        html.Append(Timeline(detail, language));
        html.Append(CultureInfo.InvariantCulture, $"""<section id="notes"><h2>{T(AlertDetailText.Notes)}</h2>""");
        html.Append(detail.Notes.Count == 0 ? $"<p>{T(AlertDetailText.NoNotes)}</p>"
            : "<ul>" + string.Concat(detail.Notes.Select(n => $"<li>{At(n.At, language)} <strong>{E(n.Author)}</strong>: {E(n.Text)}</li>")) + "</ul>");
        html.Append("</section>");

        if (view.Resolution is null)
        {
            html.Append(Actions(tokens, language, path, view, userName));
        }
        else
        {
            // Resolved: closed for everything but a note (a later call from the family, say).
            html.Append(CultureInfo.InvariantCulture, $"""<section id="actions"><h2>{T(AlertDetailText.Actions)}</h2>{NoteForm(tokens, language, path)}</section>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <section id="history"><h2>{T(AlertDetailText.History)}</h2><table>
            <thead><tr><th>{T(AlertDetailText.When)}</th><th>{T(AlertDetailText.Who)}</th><th>{T(AlertDetailText.What)}</th><th>{T(AlertDetailText.Detail)}</th></tr></thead><tbody>
            {string.Concat(detail.History.Select(h => $"<tr data-action=\"{E(h.Action)}\"><td>{At(h.At, language)}</td><td>{E(h.Actor)}</td><td>{E(AuditText.ActionWord(h.Action, language))}</td><td>{E(h.Detail)}</td></tr>"))}
            </tbody></table></section>
            """);
        return html.ToString();
    }

    private static string HomeSection(AlertDetail detail, ConsoleLanguage language)
    {
        string T(Phrase phrase) => E(phrase[language]);
        var home = detail.Home;
        var visit = detail.Visit switch
        {
            null => AlertDetailText.NoVisitKnown[language],
            { Open: true } v => AlertDetailText.VisitOpen.Format(language, When(v.At, language), v.SensorId),
            { } v => AlertDetailText.VisitClosed.Format(language, When(v.At, language)),
        };
        return $"""
            <section id="home"><h2>{T(AlertDetailText.Home)}</h2><dl>
            <dt>{T(AlertDetailText.HomeId)}</dt><dd>{E(detail.View.Alert.HomeId)}</dd>
            <dt>{T(AlertDetailText.ContractedTime)}</dt><dd>{(home is null ? "—" : E(AlertDetailText.Minutes.Format(language, home.ResponseMinutes)))}</dd>
            <dt>{T(AlertDetailText.KeySafe)}</dt><dd>{E(home?.KeySafe)}</dd>
            <dt>{T(AlertDetailText.Contacts)}</dt><dd style="white-space: pre-line">{E(home?.Contacts)}</dd>
            <dt>{T(AlertDetailText.HomeNotes)}</dt><dd style="white-space: pre-line">{E(home?.Notes)}</dd>
            <dt>{T(AlertDetailText.CarerVisit)}</dt><dd id="visit">{E(visit)}</dd>
            </dl></section>
            """;
    }

    /// <summary>The alert's steps and its sensor's events in one list by time: what the dispatcher reads to judge it.</summary>
    private static string Timeline(AlertDetail detail, ConsoleLanguage language)
    {
        string T(Phrase phrase) => E(phrase[language]);
        var entries = detail.Steps.Select(s => (s.At, Order: 1, What: $"{AlertDetailText.AlertStep[language]} {StepWord(s.Kind, language)} ({PriorityWord(s.Priority, language)}, ×{s.Count.ToString(CultureInfo.InvariantCulture)})", s.Summary))
            .Concat(detail.Evidence.Select(e => (e.At, Order: 0, What: $"{e.SensorId}: {e.State}", Summary: $"{SensorKindNames.ToName(e.Kind)} · {e.Source}"
                + (e.Value is { } value ? " · " + value.ToString(CultureInfo.InvariantCulture) : "")
                + (e.BatteryPercent is { } battery ? $" · {AlertDetailText.Battery[language]} {battery.ToString(CultureInfo.InvariantCulture)} %" : ""))))
            .OrderBy(x => x.At).ThenBy(x => x.Order);
        return $"""
            <section id="timeline"><h2>{T(AlertDetailText.Timeline)}</h2><table>
            <thead><tr><th>{T(AlertDetailText.When)}</th><th>{T(AlertDetailText.What)}</th><th>{T(AlertDetailText.Detail)}</th></tr></thead><tbody>
            {string.Concat(entries.Select(x => $"<tr><td>{At(x.At, language)}</td><td>{E(x.What)}</td><td>{E(x.Summary)}</td></tr>"))}
            </tbody></table></section>
            """;
    }

    private static string Actions(AntiforgeryTokenSet tokens, ConsoleLanguage language, string path, AlertView view, string userName)
    {
        string T(Phrase phrase) => E(phrase[language]);
        var alert = view.Alert;
        var html = new StringBuilder($"""<section id="actions"><h2>{T(AlertDetailText.Actions)}</h2>""");
        if (alert.AcknowledgedAt is null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <form method="post" action="/acknowledge" id="acknowledge">{Hidden(tokens)}
                <input type="hidden" name="gatewayId" value="{E(alert.GatewayId)}"><input type="hidden" name="alertId" value="{E(alert.AlertId)}"><input type="hidden" name="returnTo" value="{E(path)}">
                <button type="submit">{T(AlertDetailText.Acknowledge)}</button></form>
                """);
        }

        html.Append(Form(tokens, path, "assign", "assign", AlertDetailText.Assign[language],
            $"""<p><label>{T(AlertDetailText.AssignTo)} <input name="assignee" value="{E(view.AssignedTo ?? userName)}"></label> {T(AlertDetailText.EmptyUnassigns)}</p>"""));
        html.Append(NoteForm(tokens, language, path));
        if (view.Escalation is null)
        {
            html.Append(Form(tokens, path, "escalate", "escalate", AlertDetailText.Escalate[language],
                $"""<p><label>{T(AlertDetailText.Reason)} <input name="reason" maxlength="{AlertLifecycle.MaxReasonLength}" required></label></p>"""));
        }

        var options = string.Concat(ResolutionOutcomes.All.Select(o =>
            $"""<option value="{E(ResolutionOutcomes.ToName(o))}">{T(AlertDetailText.OutcomeLabel(o))}</option>"""));
        html.Append(Form(tokens, path, "resolve", "resolve", AlertDetailText.Resolve[language],
            $"""
            <p><label>{T(AlertDetailText.Outcome)} <select name="outcome" required><option value="">—</option>{options}</select></label></p>
            <p><label>{T(AlertDetailText.Note)}<br><textarea name="note" maxlength="{AlertLifecycle.MaxNoteLength}"></textarea></label></p>
            """));
        html.Append("</section>");
        return html.ToString();
    }

    private static string NoteForm(AntiforgeryTokenSet tokens, ConsoleLanguage language, string path) => Form(tokens, path, "notes", "note", AlertDetailText.AddNote[language],
        $"""<p><label>{E(AlertDetailText.Note[language])}<br><textarea name="text" maxlength="{AlertLifecycle.MaxNoteLength}" required></textarea></label></p>""");

    /// <summary>A form posting to <c>{path}/{action}</c>; <paramref name="id"/> is the stable hook browser tests find it by.</summary>
    private static string Form(AntiforgeryTokenSet tokens, string path, string action, string id, string button, string fields) => $"""
        <form method="post" action="{E(path)}/{action}" id="{id}">{Hidden(tokens)}
        {fields}
        <p><button type="submit">{E(button)}</button></p></form>
        """;

    public static string TypeWord(AlertType type, ConsoleLanguage language) =>
        AlertTypePhrases.ByName.TryGetValue(AlertTypeNames.ToName(type), out var phrase) ? phrase[language] : AlertTypeNames.ToName(type);

    public static string PriorityWord(AlertPriority priority, ConsoleLanguage language) => priority switch
    {
        AlertPriority.Critical => QueuePhrases.Critical[language],
        AlertPriority.High => QueuePhrases.High[language],
        AlertPriority.Normal => QueuePhrases.Normal[language],
        AlertPriority.Low => QueuePhrases.Low[language],
        _ => AlertTypePhrases.Unknown[language],
    };

    private static string StepWord(AlertEventKind kind, ConsoleLanguage language) => kind switch
    {
        AlertEventKind.Raised => AlertDetailText.StepRaised[language],
        AlertEventKind.Repeated => AlertDetailText.StepRepeated[language],
        AlertEventKind.Cleared => AlertDetailText.StepCleared[language],
        AlertEventKind.Escalated => AlertDetailText.StepEscalated[language],
        _ => AlertTypePhrases.Unknown[language],
    };
}

/// <summary>The alert detail page's words.</summary>
internal static class AlertDetailText
{
    public static readonly Phrase Title = new("Alert: {0} in {1}", "Hälytys: {0}, koti {1}", "Larm: {0} i hem {1}");

    public static readonly Phrase Forbidden = new(
        "Your role does not work alerts (dispatchers and admins do).",
        "Roolisi ei käsittele hälytyksiä (päivystäjät ja ylläpitäjät käsittelevät).",
        "Din roll hanterar inte larm (larmoperatörer och administratörer gör det).");

    public static readonly Phrase AlreadyResolved = new(
        "This alert is resolved: it is closed and cannot be changed any more (notes can still be added).",
        "Hälytys on ratkaistu: se on suljettu eikä sitä voi enää muuttaa (muistiinpanoja voi yhä lisätä).",
        "Larmet är avslutat: det är stängt och kan inte längre ändras (anteckningar kan fortfarande läggas till).");

    public static readonly Phrase ChooseOutcome = new("Choose the outcome.", "Valitse lopputulos.", "Välj utfall.");
    public static readonly Phrase Escalated = new("ESCALATED at {0} by {1}: {2}", "ESKALOITU {0}, {1}: {2}", "ESKALERAT {0} av {1}: {2}");
    public static readonly Phrase RaisedFrom = new(" (escalated from {0})", " (eskaloitu tasolta {0})", " (eskalerat från {0})");
    public static readonly Phrase Alert = new("Alert", "Hälytys", "Larm");
    public static readonly Phrase Priority = new("Priority", "Kiireellisyys", "Prioritet");
    public static readonly Phrase Type = new("Type", "Tyyppi", "Typ");
    public static readonly Phrase Summary = new("Summary", "Kuvaus", "Beskrivning");
    public static readonly Phrase Sensor = new("Sensor", "Anturi", "Sensor");
    public static readonly Phrase Gateway = new("gateway", "yhdyskäytävä", "gateway");
    public static readonly Phrase RaisedAt = new("Raised at", "Hälytetty", "Larmat");
    public static readonly Phrase Status = new("On the device", "Laitteella", "På enheten");
    public static readonly Phrase OpenOnDevice = new("open", "avoin", "öppet");
    public static readonly Phrase ClearedByDevice = new("cleared by the device", "laite on päättänyt hälytyksen", "avslutat av enheten");
    public static readonly Phrase Acknowledged = new("Acknowledged", "Kuitattu", "Kvitterat");
    public static readonly Phrase AssignedTo = new("Assigned to", "Vastuuhenkilö", "Tilldelat");
    public static readonly Phrase Resolved = new("Resolved", "Ratkaistu", "Avslutat");
    public static readonly Phrase NotYet = new("not yet", "ei vielä", "inte ännu");
    public static readonly Phrase Nobody = new("nobody", "ei kukaan", "ingen");
    public static readonly Phrase Home = new("Home", "Koti", "Hem");
    public static readonly Phrase HomeId = new("Home id", "Kodin tunnus", "Hemmets id");
    public static readonly Phrase ContractedTime = new("Contracted response time", "Sopimuksen mukainen vasteaika", "Avtalad responstid");
    public static readonly Phrase Minutes = new("{0} min", "{0} min", "{0} min");
    public static readonly Phrase KeySafe = new("Key safe", "Avainsäilö", "Nyckelskåp");
    public static readonly Phrase Contacts = new("Contacts", "Yhteyshenkilöt", "Kontaktpersoner");
    public static readonly Phrase HomeNotes = new("Notes", "Huomiot", "Anteckningar");
    public static readonly Phrase CarerVisit = new("Carer visit", "Hoitajan kotikäynti", "Vårdarens hembesök");
    public static readonly Phrase NoVisitKnown = new("no visit reported", "käynneistä ei ilmoituksia", "inga besök rapporterade");

    public static readonly Phrase VisitOpen = new(
        "OPEN: checked in at {0} ({1}), no check-out since",
        "KÄYNNISSÄ: saapunut {0} ({1}), ei lähtöä sen jälkeen",
        "PÅGÅR: incheckning {0} ({1}), ingen utcheckning sedan dess");

    public static readonly Phrase VisitClosed = new("none open (last check-out {0})", "ei käynnissä (viimeisin lähtö {0})", "inget pågående (senaste utcheckning {0})");
    public static readonly Phrase Timeline = new("Evidence timeline", "Tapahtumien aikajana", "Händelseförlopp");
    public static readonly Phrase AlertStep = new("alert", "hälytys", "larm");
    public static readonly Phrase StepRaised = new("raised", "alkoi", "utlöst");
    public static readonly Phrase StepRepeated = new("repeated", "toistui", "upprepat");
    public static readonly Phrase StepCleared = new("cleared", "päättyi", "avslutat");
    public static readonly Phrase StepEscalated = new("escalated", "eskaloitui", "eskalerat");
    public static readonly Phrase Battery = new("battery", "paristo", "batteri");
    public static readonly Phrase When = new("When", "Milloin", "När");
    public static readonly Phrase Who = new("Who", "Kuka", "Vem");
    public static readonly Phrase What = new("What", "Mitä", "Vad");
    public static readonly Phrase Detail = new("Detail", "Lisätiedot", "Detaljer");
    public static readonly Phrase Notes = new("Notes", "Muistiinpanot", "Anteckningar");
    public static readonly Phrase NoNotes = new("No notes yet.", "Ei vielä muistiinpanoja.", "Inga anteckningar ännu.");
    public static readonly Phrase History = new("History", "Historia", "Historik");
    public static readonly Phrase Actions = new("Actions", "Toimenpiteet", "Åtgärder");
    public static readonly Phrase Acknowledge = new("Acknowledge", "Kuittaa", "Kvittera");
    public static readonly Phrase Assign = new("Assign", "Nimeä", "Tilldela");
    public static readonly Phrase AssignTo = new("Assign to (user name)", "Vastuuhenkilö (käyttäjätunnus)", "Tilldela (användarnamn)");
    public static readonly Phrase EmptyUnassigns = new("(empty: unassign)", "(tyhjä: poista vastuuhenkilö)", "(tomt: ta bort tilldelningen)");
    public static readonly Phrase AddNote = new("Add note", "Lisää muistiinpano", "Lägg till anteckning");
    public static readonly Phrase Note = new("Note", "Muistiinpano", "Anteckning");
    public static readonly Phrase Escalate = new("Escalate", "Eskaloi", "Eskalera");
    public static readonly Phrase Reason = new("Reason", "Syy", "Orsak");
    public static readonly Phrase Resolve = new("Resolve", "Ratkaise", "Avsluta");
    public static readonly Phrase Outcome = new("Outcome", "Lopputulos", "Utfall");

    public static readonly Phrase VisitedNoInjury = new("Visited – no injury", "Kotikäynti – ei vammoja", "Hembesök – ingen skada");
    public static readonly Phrase VisitedInjury = new("Visited – injury", "Kotikäynti – vamma", "Hembesök – skada");
    public static readonly Phrase AmbulanceCalled = new("Ambulance called", "Ambulanssi hälytetty", "Ambulans larmad");
    public static readonly Phrase FalseAlarm = new("False alarm", "Virhehälytys", "Falsklarm");
    public static readonly Phrase TechnicalFault = new("Technical fault", "Tekninen vika", "Tekniskt fel");
    public static readonly Phrase ClientNotHome = new("Client not home", "Asiakas ei kotona", "Klienten inte hemma");
    public static readonly Phrase Other = new("Other", "Muu", "Annat");

    public static Phrase OutcomeLabel(ResolutionOutcome outcome) => outcome switch
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
