using System.Net;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: the console's alert detail, homes, report and audit pages show client data only to the roles that need it,
/// never from a cache, act only on our own forms, say what is wrong on the form, and leave an audit row for every view
/// and change.
/// </summary>
public sealed class ConsoleAlertPagesTests : IAsyncLifetime
{
    private const string FallPath = "/alerts/gw-1/fall-1";
    private DispatchServer server = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        await LifecycleSession.StoreFallAtHomeAsync(server.Store);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<int> AuditCountAsync(string action) =>
        (await server.Store.ListAuditPageAsync(new AuditQuery(null, null, null, action, 1, 500))).Rows.Count;

    [Fact]
    public async Task A_dispatcher_sees_the_alert_with_its_home_and_open_visit_uncached_and_the_view_is_audited()
    {
        using var anna = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");

        var response = await anna.Web.GetAsync(FallPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("left of the front door", html, StringComparison.Ordinal);
        Assert.Contains("daughter 040 123 4567", html, StringComparison.Ordinal);
        Assert.Contains("30 min", html, StringComparison.Ordinal);
        Assert.Contains("OPEN: checked in at", html, StringComparison.Ordinal);
        Assert.Contains("Fall detected in the bedroom", html, StringComparison.Ordinal);
        var viewed = Assert.Single(await server.Store.ListAuditAsync("gw-1", "fall-1"));
        Assert.Equal(("anna", "alert_viewed"), (viewed.Actor, viewed.Action));

        // The queue page links the rows (console.js builds them) and the navigation names the report.
        Assert.Contains("/reports/response-times", await anna.PageAsync("/"), StringComparison.Ordinal);
        Assert.Contains("detailPath", await (await anna.Web.GetAsync("/console.js")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_detail_forms_assign_note_escalate_and_resolve_then_it_leaves_the_queue()
    {
        using var anna = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");

        Assert.Equal(HttpStatusCode.Redirect, (await anna.PostFormAsync(FallPath + "/assign", ("assignee", "anna"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await anna.PostFormAsync(FallPath + "/notes", ("text", "calling the daughter"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await anna.PostFormAsync(FallPath + "/escalate", ("reason", "no answer"))).StatusCode);
        var resolve = await anna.PostFormAsync(FallPath + "/resolve", ("outcome", "visited_injury"), ("note", "bruised arm"));

        Assert.Equal(HttpStatusCode.Redirect, resolve.StatusCode);
        // Back on the alert's page, which says what was done.
        Assert.Equal(FallPath + "?done=resolved", resolve.Headers.Location?.OriginalString);
        var view = (await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!;
        Assert.Equal(("anna", ResolutionOutcome.VisitedInjury, "anna"), (view.AssignedTo, view.Resolution!.Outcome, view.Alert.AcknowledgedBy));
        Assert.Equal(AlertPriority.Critical, view.DisplayPriority);
        Assert.Empty(await server.Store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal(["assigned", "note_added", "escalated", "acknowledged", "resolved"],
            (await server.Store.ListAuditAsync("gw-1", "fall-1")).Select(a => a.Action));

        var page = await anna.PageAsync(FallPath);
        Assert.Contains("visited_injury", page, StringComparison.Ordinal);
        Assert.Contains("calling the daughter", page, StringComparison.Ordinal);
        Assert.DoesNotContain("action=\"/alerts/gw-1/fall-1/resolve\"", page, StringComparison.Ordinal);
        var escalateAgain = await anna.PostFormAsync(FallPath + "/escalate", ("reason", "late"));
        Assert.Equal(HttpStatusCode.Conflict, escalateAgain.StatusCode);
    }

    [Fact]
    public async Task Form_errors_come_back_on_the_page_and_forged_or_foreign_posts_are_refused()
    {
        using var anna = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");
        using var tess = await LifecycleSession.LogInAsync(server, "tess", "technician");

        var noOutcome = await anna.PostFormAsync(FallPath + "/resolve", ("outcome", "fixed"));
        var forged = await anna.Web.PostAsync(FallPath + "/resolve", LifecycleSession.Form([("outcome", "other")]));
        var technician = await tess.PostFormAsync(FallPath + "/resolve", ("outcome", "other"));
        var technicianView = await tess.Web.GetAsync(FallPath);
        var unknown = await anna.PostFormAsync("/alerts/gw-1/nope/resolve", ("outcome", "other"));

        Assert.Equal(HttpStatusCode.BadRequest, noOutcome.StatusCode);
        Assert.Contains("Choose the outcome.", await noOutcome.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, technician.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, technicianView.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Null((await server.Store.FindAlertAsync("gw-1", "fall-1")).Alert!.Resolution);
        Assert.Empty(await server.Store.ListAuditAsync("gw-1", "fall-1"));
    }

    [Fact]
    public async Task An_admin_registers_and_edits_a_home_with_field_errors_and_every_step_is_audited()
    {
        using var ada = await LifecycleSession.LogInAsync(server, "ada", "admin");

        var bad = await ada.PostFormAsync("/homes", ("homeId", "kotka 42"), ("responseMinutes", "4"), ("keySafe", ""), ("contacts", ""), ("notes", ""));
        var taken = await ada.PostFormAsync("/homes", ("homeId", "home-1"), ("responseMinutes", "60"));
        var registered = await ada.PostFormAsync("/homes", ("homeId", "kotka-0042"), ("responseMinutes", "45"), ("keySafe", "behind the bin"),
            ("contacts", "son 050 1"), ("notes", ""));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        Assert.Contains("without spaces", badHtml, StringComparison.Ordinal);
        Assert.Contains("from 5 to 1440", badHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"kotka 42\"", badHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains("already registered", await taken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Equal("/homes/kotka-0042", registered.Headers.Location?.OriginalString);

        var page = await ada.PageAsync("/homes/kotka-0042");
        Assert.Contains("behind the bin", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/gateways?home=kotka-0042\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"kotka-0042\"", await ada.PageAsync("/gateways?home=kotka-0042"), StringComparison.Ordinal);

        var tooLong = await ada.PostFormAsync("/homes/kotka-0042", ("responseMinutes", "45"), ("keySafe", new string('k', 1001)));
        var edited = await ada.PostFormAsync("/homes/kotka-0042", ("responseMinutes", "20"), ("keySafe", "behind the bin"), ("contacts", "son 050 2"));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("At most 1000 characters", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        Assert.Equal(20, (await server.Store.FindHomeAsync("kotka-0042"))!.ResponseMinutes);

        var audit = (await server.Store.ListAuditPageAsync(new AuditQuery(null, "kotka-0042", null, null, 1, 50))).Rows;
        // The refused edit showed the record again: that is a view too.
        Assert.Equal(["home_updated", "home_viewed", "home_viewed", "home_registered"], audit.Select(r => r.Action));
        Assert.All(audit, r => Assert.Equal("ada", r.Actor));
        Assert.DoesNotContain(audit, r => r.Detail.Contains("050", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forged_home_posts_are_refused_and_unknown_homes_and_alerts_are_404()
    {
        using var ada = await LifecycleSession.LogInAsync(server, "ada", "admin");

        var forgedRegister = await ada.Web.PostAsync("/homes", LifecycleSession.Form([("homeId", "evil"), ("responseMinutes", "60")]));
        var forgedEdit = await ada.Web.PostAsync("/homes/home-1", LifecycleSession.Form([("responseMinutes", "5")]));

        Assert.Equal(HttpStatusCode.BadRequest, forgedRegister.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forgedEdit.StatusCode);
        Assert.Null(await server.Store.FindHomeAsync("evil"));
        Assert.Equal(30, (await server.Store.FindHomeAsync("home-1"))!.ResponseMinutes);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.Web.GetAsync("/homes/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.PostFormAsync("/homes/nope", ("responseMinutes", "60"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.Web.GetAsync("/alerts/gw-1/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.PostFormAsync(FallPath + "/delete", ("x", "y"))).StatusCode);
    }

    [Fact]
    public async Task Homes_are_for_admins_and_technicians_the_report_for_admins_and_dispatchers_the_audit_for_admins()
    {
        using var anna = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");
        using var tess = await LifecycleSession.LogInAsync(server, "tess", "technician");

        // A dispatcher reads homes (the client record is what she sends help with) and changes none.
        Assert.Equal(HttpStatusCode.OK, (await anna.Web.GetAsync("/homes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anna.PostFormAsync("/homes", ("homeId", "x"), ("responseMinutes", "60"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tess.Web.GetAsync("/homes/home-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tess.Web.GetAsync("/reports/response-times")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tess.Web.GetAsync("/reports/response-times.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anna.Web.GetAsync("/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tess.Web.GetAsync("/audit")).StatusCode);
        Assert.Null(await server.Store.FindHomeAsync("x"));

        using var anonymous = server.WebClient();
        foreach (var path in new[] { "/homes", "/audit", "/reports/response-times", "/reports/response-times.csv", FallPath })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login", response.Headers.Location?.PathAndQuery ?? response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_report_shows_the_breach_exports_the_same_rows_and_both_are_audited()
    {
        using var anna = await LifecycleSession.LogInAsync(server, "anna", "dispatcher");
        const string range = "?from=2026-03-01&to=2026-03-01";

        var html = await anna.PageAsync("/reports/response-times" + range);
        var csv = await anna.Web.GetAsync("/reports/response-times.csv" + range);
        var bad = await anna.Web.GetAsync("/reports/response-times?from=2026-03-02&to=2026-03-01");

        // Unresolved long past the home's 30 minutes: a breach.
        Assert.Contains("class=\"breach\"", html, StringComparison.Ordinal);
        // The dates are each home's own (a home whose zone dispatch does not know yet is in UTC), and the page says so.
        Assert.Contains("Dates are each home's own dates", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", csv.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.StartsWith("home_id,gateway_id,alert_id", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("home-1,gw-1,fall-1,fall,high,", lines[1], StringComparison.Ordinal);
        // The columns integrators read stay as they were; the home's zone and local times come after them.
        Assert.Contains(",30,yes,UTC,", lines[1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(1, await AuditCountAsync("report_viewed"));
        Assert.Equal(1, await AuditCountAsync("report_exported"));
    }

    [Fact]
    public async Task The_audit_page_lists_newest_first_filters_and_pages()
    {
        using var ada = await LifecycleSession.LogInAsync(server, "ada", "admin");
        for (var i = 0; i < 55; i++)
        {
            await server.Store.AppendAuditAsync("bert", "report_viewed", null, null, null, $"view {i}");
        }

        await ada.PageAsync(FallPath);

        var first = await ada.PageAsync("/audit");
        var filtered = await ada.PageAsync("/audit?actor=ada&action=alert_viewed");
        var second = await ada.PageAsync("/audit?page=2");

        Assert.True(first.IndexOf("alert_viewed", StringComparison.Ordinal) < first.IndexOf("view 54", StringComparison.Ordinal));
        Assert.Contains("id=\"older\" href=\"/audit?page=2\"", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/alerts/gw-1/fall-1\"", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("view 1", filtered, StringComparison.Ordinal);
        Assert.Contains("id=\"newer\"", second, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"older\"", second, StringComparison.Ordinal);
    }
}
