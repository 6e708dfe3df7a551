using System.Text.Json;
using HomeGateway.Gateway.Cli;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>Guards `homegateway replay`: the real engine on a virtual clock, deterministic JSON lines, clear errors.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        schedule:
          night: { from: "22:00", to: "06:30" }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
          - { id: hall_motion, kind: motion, mqtt: { topic: z/hall_motion, profile: zigbee2mqtt } }
          - { id: button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
        rules:
          help: {}
          nightExit: { door: front_door, grace: 10m }
          doorLeftOpen: { after: 15m, repeatEvery: 15m }
          tamper: {}
          escalation: { ackTimeoutSeconds: 120, maxEscalations: 1 }
        """;

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private (int Exit, List<JsonElement> Lines, string Errors) Replay(string events, string? until = null)
    {
        File.WriteAllText(dir.File("home.yaml"), Home);
        File.WriteAllText(dir.File("events.jsonl"), events);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = ReplayCommand.Run(new FileInfo(dir.File("home.yaml")), new FileInfo(dir.File("events.jsonl")), until, output, errors);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (exit, lines, errors.ToString());
    }

    [Fact]
    public void A_night_exit_on_the_spring_forward_night_alerts_ten_real_minutes_later_in_local_time()
    {
        // 2026-03-29 in Helsinki: 03:00 EET becomes 04:00 EEST. The door opens at 02:55 EET; ten real minutes
        // later the wall clock shows 04:05 EEST.
        var (exit, lines, errors) = Replay("""
            {"at":"2026-03-29T02:55:00+02:00","sensor":"front_door","state":"open"}
            """, until: "2026-03-29T06:00:00+03:00");

        Assert.True(exit == 0, errors);
        var exitAlert = Assert.Single(lines, l => l.GetProperty("type").GetString() == "nightExit");
        Assert.Equal("2026-03-29T04:05:00+03:00", exitAlert.GetProperty("at").GetString());
        Assert.Equal("raised", exitAlert.GetProperty("action").GetString());
        Assert.Equal("high", exitAlert.GetProperty("priority").GetString());
        Assert.Equal("front_door", exitAlert.GetProperty("sensor").GetString());
        Assert.False(string.IsNullOrEmpty(exitAlert.GetProperty("alertId").GetString()));
    }

    [Fact]
    public void Help_is_raised_escalated_once_and_the_output_is_the_same_every_time()
    {
        const string events = """
            {"at":"2026-06-01T10:00:00+03:00","sensor":"button","state":"pressed"}
            {"at":"2026-06-01T10:00:01+03:00","sensor":"button","state":"released"}
            """;
        var first = Replay(events, until: "2026-06-01T11:00:00+03:00");
        var second = Replay(events, until: "2026-06-01T11:00:00+03:00");

        Assert.Equal(0, first.Exit);
        Assert.Equal(["raised", "escalated"], first.Lines.Select(l => l.GetProperty("action").GetString()));
        Assert.Equal("2026-06-01T10:02:00+03:00", first.Lines[1].GetProperty("at").GetString());
        Assert.Equal(first.Lines.Select(l => l.GetRawText()), second.Lines.Select(l => l.GetRawText()));
    }

    [Fact]
    public void A_tampered_report_is_about_the_device_and_raises_a_tamper_alert_for_that_sensor()
    {
        var (exit, lines, errors) = Replay("""
            {"at":"2026-06-01T10:00:00+03:00","sensor":"hall_motion","state":"tampered"}
            """);

        Assert.True(exit == 0, errors);
        var tamper = Assert.Single(lines);
        Assert.Equal(("tamper", "raised", "hall_motion"),
            (tamper.GetProperty("type").GetString(), tamper.GetProperty("action").GetString(), tamper.GetProperty("sensor").GetString()));
    }

    [Theory]
    [InlineData("{\"at\":\"yesterday\",\"sensor\":\"button\",\"state\":\"pressed\"}", "events.jsonl:1: at: 'yesterday' is not an ISO 8601 time")]
    [InlineData("{\"at\":\"2026-06-01T10:00:00+03:00\",\"sensor\":\"attic\",\"state\":\"open\"}", "events.jsonl:1: sensor: must name a sensor")]
    [InlineData("{\"at\":\"2026-06-01T10:00:00+03:00\",\"sensor\":\"button\",\"colour\":\"red\"}", "events.jsonl:1: colour: unknown key")]
    [InlineData("not json", "events.jsonl:1: (line): not JSON")]
    [InlineData("{\"at\":\"2026-06-01T10:00:00+03:00\",\"sensor\":\"button\",\"state\":\"pressed\"}\n{\"at\":\"2026-06-01T09:00:00+03:00\",\"sensor\":\"button\",\"state\":\"pressed\"}", "events.jsonl:2: at: events must be in time order")]
    public void A_bad_timeline_line_is_named_with_its_line_and_nothing_is_printed(string events, string expected)
    {
        var (exit, lines, errors) = Replay(events);
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"battery\":12.5", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"battery\":99999999999999999999", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"battery\":1e400", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"battery\":-5", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"battery\":101", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"battery\":\"50\"", "battery: must be a whole percent from 0 to 100")]
    [InlineData("\"value\":1e400", "value: must be a finite number")]
    [InlineData("\"value\":\"warm\"", "value: must be a finite number")]
    [InlineData("\"state\":\"open\\u001b[31m\"", "state: must be a word")]
    [InlineData("\"state\":42", "state: must be a word")]
    public void Bad_values_are_refused_with_file_line_field(string field, string expected)
    {
        var (exit, lines, errors) = Replay("{\"at\":\"2026-06-01T10:00:00+03:00\",\"sensor\":\"hall_motion\"," + field + "}");
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains("events.jsonl:1: " + expected, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00+00:00", "outside the years 2000-2100")]
    [InlineData("9999-12-31T23:59:59Z", "outside the years 2000-2100")]
    [InlineData("2026-06-01T10:00:00", "is not an ISO 8601 time with an offset")]
    [InlineData("2026-06-01 10:00:00+03:00", "is not an ISO 8601 time with an offset")]
    [InlineData("June 1, 2026 10:00", "is not an ISO 8601 time with an offset")]
    [InlineData("٢٠٢٦-06-01T10:00:00+03:00", "is not an ISO 8601 time with an offset")]
    [InlineData("2026-02-30T10:00:00+03:00", "is not a time that exists")]
    [InlineData("2026-06-01T10:00:00+25:00", "is not a time that exists")]
    public void Times_need_an_offset_ascii_digits_and_a_year_from_2000_to_2100(string at, string expected)
    {
        var (exit, lines, errors) = Replay("{\"at\":\"" + at + "\",\"sensor\":\"button\",\"state\":\"pressed\"}");
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains("events.jsonl:1: at: ", errors, StringComparison.Ordinal);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-06-01T11:00:00", "--until: '2026-06-01T11:00:00' is not an ISO 8601 time with an offset")]
    [InlineData("9999-12-31T23:59:59Z", "--until: '9999-12-31T23:59:59Z' is outside the years 2000-2100")]
    [InlineData("2027-06-01T11:00:00+03:00", "--until: must be after the last event")]
    [InlineData("2026-06-01T09:00:00+03:00", "--until: must be after the last event")]
    public void Until_is_read_like_the_timeline_and_within_31_days_of_its_end(string until, string expected)
    {
        var (exit, lines, errors) = Replay("{\"at\":\"2026-06-01T10:00:00+03:00\",\"sensor\":\"button\",\"state\":\"pressed\"}", until);
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timeline_without_an_end_is_refused_at_its_first_long_line()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        File.WriteAllText(dir.File("home.yaml"), Home);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = ReplayCommand.Run(new FileInfo(dir.File("home.yaml")), new FileInfo("/dev/zero"), null, output, errors);

        Assert.Equal(2, exit);
        Assert.StartsWith("/dev/zero:1: (line): is longer than 4096 characters", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_battery_percent_in_range_is_replayed()
    {
        var (exit, _, errors) = Replay("{\"at\":\"2026-06-01T10:00:00Z\",\"sensor\":\"hall_motion\",\"battery\":0}\n{\"at\":\"2026-06-01T10:01:00Z\",\"sensor\":\"hall_motion\",\"battery\":100}");
        Assert.True(exit == 0, errors);
    }
}
