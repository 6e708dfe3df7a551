using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Tests.Store;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: the report page a care manager opens shows the figures the store holds: arrival against each home's
/// contract per home, team, type and priority, the breaches with their timeline and a link to each alert, technical alerts
/// apart, false alarms counted apart, the weekly trend, and charts whose bars and points sit where the numbers put them;
/// the CSV carries the same verdicts; every view and export is audited with its dates.
/// </summary>
public sealed partial class ResponseFiguresPageTests : IAsyncLifetime
{
    // 21:00 UTC on 1 March 2026 is 23:00 in Helsinki: every alert below is on 1 March, local, in ISO week 2026-W09.
    private static readonly DateTimeOffset T0 = Records.T0;
    private const string Day = "from=2026-03-01&to=2026-03-01";
    private readonly FakeTimeProvider clock = new(T0);
    private DispatchServer server = null!;
    private ConsoleSession carol = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(clock);
        var store = server.Store;
        var sqlStore = (DispatchStore)store;
        await LifecycleSession.StoreAlertAsync(store, "gw-1", 1, Records.Alert("fall-1"));
        await LifecycleSession.StoreAlertAsync(store, "gw-1", 2, Records.Alert("fall-2", minutes: 10));
        await LifecycleSession.StoreAlertAsync(store, "gw-1", 3, Records.Alert("help-1", type: CoreAlerts.AlertType.Help, minutes: 20));
        await LifecycleSession.StoreAlertAsync(store, "gw-1", 4, Records.Alert("battery-1", type: CoreAlerts.AlertType.BatteryLow, priority: CoreAlerts.AlertPriority.Low, minutes: 30));
        await store.StoreGatewayProfileAsync("gw-1", new GatewayProfile("Europe/Helsinki", []));
        await store.UpdateHomeAsync(new HomeDetails("home-1", 30, "", "", ""), "setup");
        await AlertDispatchRows.AddTeamAsync(sqlStore, "night", "Night patrol");
        // fall-1: help at +20 of 30 min (within); fall-2: help at +45 (15 min late); help-1 a false alarm, nobody went.
        await AlertDispatchRows.AddAsync(sqlStore, "gw-1", "fall-1", T0.AddMinutes(3), "night", acceptedAt: T0.AddMinutes(4), arrivedAt: T0.AddMinutes(20));
        await AlertDispatchRows.AddAsync(sqlStore, "gw-1", "fall-2", T0.AddMinutes(13), "night", acceptedAt: T0.AddMinutes(14), arrivedAt: T0.AddMinutes(55));
        clock.Advance(TimeSpan.FromMinutes(2));
        await store.AcknowledgeAsync("gw-1", "fall-1", "anna", "dispatcher");
        clock.Advance(TimeSpan.FromMinutes(10));
        await store.AcknowledgeAsync("gw-1", "fall-2", "anna", "dispatcher");
        clock.Advance(TimeSpan.FromMinutes(13));
        await store.ResolveAsync("gw-1", "help-1", ResolutionOutcome.FalseAlarm, null, "anna");
        clock.Advance(TimeSpan.FromMinutes(35));
        await store.ResolveAsync("gw-1", "fall-1", ResolutionOutcome.VisitedNoInjury, null, "anna");
        await store.ResolveAsync("gw-1", "fall-2", ResolutionOutcome.VisitedNoInjury, null, "anna");
        clock.Advance(TimeSpan.FromHours(2));
        carol = await ConsoleSession.LogInAsync(server, "carol", await ConsoleSession.AddUserAsync(server, "carol", "care_manager"));
    }

    public async Task DisposeAsync()
    {
        carol.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task The_care_manager_reads_arrival_against_the_contract_per_home_team_type_and_priority()
    {
        var html = await carol.PageAsync("/reports/response-times?" + Day);

        Assert.Matches("<p id=\"care-summary\" data-alerts=\"3\" data-within=\"1\" data-breaches=\"1\" data-false-alarms=\"1\"", html);
        Assert.Matches(Row("home-1", alerts: 3, within: 1, breaches: 1), TableOf(html, "homes"));
        Assert.Matches(Row("night", alerts: 2, within: 1, breaches: 1), TableOf(html, "care-teams"));
        Assert.Matches(Row("fall", alerts: 2, within: 1, breaches: 1), TableOf(html, "care-types"));
        Assert.Matches(Row("help", alerts: 1, within: 0, breaches: 0), TableOf(html, "care-types"));
        Assert.Matches(Row("critical", alerts: 3, within: 1, breaches: 1), TableOf(html, "care-priorities"));
        Assert.Matches(Row("battery_low", alerts: 1, within: 0, breaches: 0), TableOf(html, "technical-types"));
        Assert.Contains("Night patrol", TableOf(html, "care-teams"), StringComparison.Ordinal);
        // Median arrival of the home: 20 and 45 minutes → 32 min 30 s; the share within: 1 of 2.
        Assert.Contains("32 min 30 s", TableOf(html, "homes"), StringComparison.Ordinal);
        Assert.Contains("50% (1/2)", TableOf(html, "homes"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_breaches_are_listed_with_their_timeline_in_the_homes_time_and_a_link_to_the_alert()
    {
        var breaches = TableOf(WebUtility.HtmlDecode(await carol.PageAsync("/reports/response-times?" + Day)), "breaches");

        Assert.Contains("data-alert-id=\"fall-2\"", breaches, StringComparison.Ordinal);
        Assert.DoesNotContain("data-alert-id=\"fall-1\"", breaches, StringComparison.Ordinal);
        Assert.DoesNotContain("data-alert-id=\"help-1\"", breaches, StringComparison.Ordinal);
        Assert.Contains("href=\"/alerts/gw-1/fall-2\"", breaches, StringComparison.Ordinal);
        Assert.Contains("data-verdict=\"late\"", breaches, StringComparison.Ordinal);
        Assert.Contains("15 min 0 s late", breaches, StringComparison.Ordinal);
        // Raised 23:10, asked 23:13, accepted 23:14, arrived 23:55 in Helsinki.
        foreach (var at in new[] { "T21:10:00", "T21:13:00", "T21:14:00", "T21:55:00" })
        {
            Assert.Contains("datetime=\"2026-03-01" + at, breaches, StringComparison.Ordinal);
        }

        Assert.Contains("23:55:00", breaches, StringComparison.Ordinal);
        Assert.Contains("Night patrol", breaches, StringComparison.Ordinal);
    }

    [Fact]
    public async Task False_alarms_are_judged_when_the_box_is_ticked()
    {
        var html = await carol.PageAsync("/reports/response-times?" + Day + "&falseAlarms=include");

        Assert.Matches("<p id=\"care-summary\" data-alerts=\"3\" data-within=\"2\" data-breaches=\"1\" data-false-alarms=\"0\"", html);
        Assert.Matches("<input type=\"checkbox\" id=\"falseAlarms\" name=\"falseAlarms\" value=\"include\" checked", html);
        Assert.Contains("falseAlarms=include", Regex.Match(html, "<a id=\"csv\" href=\"([^\"]*)\"").Groups[1].Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_week_view_and_the_trend_count_the_alerts_in_their_local_week()
    {
        var html = await carol.PageAsync("/reports/response-times?period=week&week=2026-W09&weeks=4");

        Assert.Matches("<input type=\"date\" id=\"from\" name=\"from\" value=\"2026-02-23\"", html);
        Assert.Matches("<input type=\"date\" id=\"to\" name=\"to\" value=\"2026-03-01\"", html);
        var trend = TableOf(html, "trend-data");
        Assert.Equal(["2026-W06", "2026-W07", "2026-W08", "2026-W09"], Regex.Matches(trend, "<tr data-week=\"([^\"]+)\"").Select(m => m.Groups[1].Value));
        Assert.Matches("<tr data-week=\"2026-W09\" data-alerts=\"3\" data-within=\"1\" data-judged=\"2\"", trend);
        Assert.Matches("<tr data-week=\"2026-W08\" data-alerts=\"0\" data-within=\"0\" data-judged=\"0\"", trend);
    }

    [Fact]
    public async Task The_arrival_chart_puts_each_arrival_in_its_band_of_the_contract_and_draws_the_contract_line()
    {
        var svg = Svg(await carol.PageAsync("/reports/response-times?" + Day), "arrival-chart");

        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Equal("arrival-chart-title arrival-chart-desc", (string?)svg.Attribute("aria-labelledby"));
        Assert.Contains("2 care alerts with an arrival: 1 at or before the contract line (100 %), 1 after it.", Element(svg, "desc").Value, StringComparison.Ordinal);
        var bars = Elements(svg, "rect").Where(r => r.Attribute("class")?.Value == "bar").ToList();
        Assert.Equal(ArrivalHistogram.BinCount, bars.Count);
        // 20 of 30 min = 67 % → the band 60–80 % (the fourth); 45 of 30 = 150 % → 140–160 % (the eighth). One alert each:
        // the axis tops out at 1, so each reaches the top of the plot.
        Assert.Equal(["0", "0", "0", "1", "0", "0", "0", "1", "0", "0", "0"], bars.Select(b => b.Attribute("data-count")!.Value));
        foreach (var index in new[] { 3, 7 })
        {
            Assert.Equal(ChartFrame.Left + (index * ArrivalHistogram.BarWidth) + 1, Number(bars[index], "x"), 2);
            Assert.Equal(ChartFrame.Top, Number(bars[index], "y"), 2);
            Assert.Equal(ChartFrame.PlotHeight, Number(bars[index], "height"), 2);
        }

        Assert.Equal(0, Number(bars[0], "height"), 2);
        var contract = Elements(svg, "line").Single(l => l.Attribute("id")?.Value == "contract-line");
        Assert.Equal(ChartFrame.Left + (5 * ArrivalHistogram.BarWidth), Number(contract, "x1"), 2);
        Assert.Equal(Number(contract, "x1"), Number(contract, "x2"), 2);
    }

    [Fact]
    public async Task The_trend_chart_draws_the_share_within_as_a_bar_and_the_median_arrival_as_a_point()
    {
        var svg = Svg(await carol.PageAsync("/reports/response-times?" + Day + "&weeks=4"), "trend-chart");

        var bar = Assert.Single(Elements(svg, "rect"), r => r.Attribute("class")?.Value == "bar");
        var slot = ChartFrame.PlotWidth / 4;
        Assert.Equal("2026-W09", bar.Attribute("data-week")!.Value);
        Assert.Equal(ChartFrame.Left + (3 * slot) + (slot * 0.15), Number(bar, "x"), 2);
        Assert.Equal(ChartFrame.Bottom - (ChartFrame.PlotHeight / 2), Number(bar, "y"), 2);
        var point = Assert.Single(Elements(svg, "circle"));
        // Median 32.5 min on a minutes axis of ticks 0, 9, 18, 27, 36.
        Assert.Equal(ChartFrame.Left + (3 * slot) + (slot / 2), Number(point, "cx"), 2);
        Assert.Equal(ChartFrame.Bottom - (32.5 / 36 * ChartFrame.PlotHeight), Number(point, "cy"), 2);
        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.NotEmpty(Element(svg, "title").Value);
    }

    [Fact]
    public async Task The_charts_speak_the_readers_language()
    {
        using var maija = await ConsoleSession.LogInAsync(server, "maija", await ConsoleSession.AddUserAsync(server, "maija", "care_manager", "fi"));

        var html = WebUtility.HtmlDecode(await maija.PageAsync("/reports/response-times?" + Day));

        Assert.Contains("Saapumisaika, % kodin sovitusta ajasta", Svg(html, "arrival-chart").ToString(), StringComparison.Ordinal);
        Assert.Contains("Sopimuksen mukaisia, %", Svg(html, "trend-chart").ToString(), StringComparison.Ordinal);
        Assert.Contains("vk 9", Svg(html, "trend-chart").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_carries_arrival_team_category_and_verdict_and_the_export_is_audited()
    {
        var response = await carol.Web.GetAsync("/reports/response-times.csv?" + Day);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(ResponseTimeCsv.Header, header);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(cells => cells[Array.IndexOf(header, "alert_id")]);
        string Cell(string alertId, string column) => rows[alertId][Array.IndexOf(header, column)];

        Assert.Equal(("late", "no", "yes", "45.0", "15.0"), (Cell("fall-2", "verdict"), Cell("fall-2", "within_contract"), Cell("fall-2", "breach"), Cell("fall-2", "minutes_to_arrival"), Cell("fall-2", "minutes_late")));
        Assert.Equal(("night", "Night patrol", "2026-03-01T21:55:00Z", "2026-03-01T23:55:00+02:00"), (Cell("fall-2", "team_id"), Cell("fall-2", "team_name"), Cell("fall-2", "arrived_at"), Cell("fall-2", "arrived_at_local")));
        Assert.Equal(("within", "yes", "care"), (Cell("fall-1", "verdict"), Cell("fall-1", "within_contract"), Cell("fall-1", "category")));
        Assert.Equal(("false_alarm_excluded", ""), (Cell("help-1", "verdict"), Cell("help-1", "within_contract")));
        Assert.Equal(("not_measured", "technical"), (Cell("battery-1", "verdict"), Cell("battery-1", "category")));

        await carol.PageAsync("/reports/response-times?period=month&month=2026-03");
        var audit = (await server.Store.ListAuditAsync(null, null)).Where(a => a.Actor == "carol").ToList();
        Assert.Contains(audit, a => a.Action == "report_exported" && a.Detail == "2026-03-01 to 2026-03-01 (local dates)");
        Assert.Contains(audit, a => a.Action == "report_viewed" && a.Detail == "2026-03-01 to 2026-03-31 (local dates)");
    }

    [Fact]
    public async Task A_bad_week_is_refused_with_the_reason_on_the_page()
    {
        var response = await carol.Web.GetAsync("/reports/response-times?period=week&week=2026-W77");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("A week is written like 2026-W10.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Row(string key, int alerts, int within, int breaches) =>
        $"<tr [^>]*data-key=\"{Regex.Escape(key)}\" data-alerts=\"{alerts}\" data-within=\"{within}\" data-breaches=\"{breaches}\"";

    private static string TableOf(string html, string id) =>
        Regex.Match(html, $"<table id=\"{id}\"[\\s\\S]*?</table>").Value is { Length: > 0 } table ? table : throw new Xunit.Sdk.XunitException($"no table#{id}");

    /// <summary>The chart's markup as XML (the page writes it well-formed), namespaces dropped for simple lookups.</summary>
    private static XElement Svg(string html, string id)
    {
        var markup = Regex.Match(html, $"<svg id=\"{id}\"[\\s\\S]*?</svg>").Value;
        Assert.NotEmpty(markup);
        return XElement.Parse(markup);
    }

    private static IEnumerable<XElement> Elements(XElement svg, string name) => svg.Descendants().Where(e => e.Name.LocalName == name);

    private static XElement Element(XElement svg, string name) => Elements(svg, name).First();

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);
}
