using HomeGateway.Contracts.V1;
using HomeGateway.Testing;
using Xunit.Abstractions;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Contracts.Tests;

/// <summary>
/// Invariant: what the gateway bounds with <see cref="UplinkLimits"/> is always something dispatch's checks (the same
/// limits) take whole — so the gateway never journals a record dispatch would refuse — and a bounded text says it was cut.
/// </summary>
public sealed class UplinkLimitsTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("fall-bedroom_radar-20261206T080000000Z", true)]
    [InlineData("missed_dose-dispenser-taken-20261206T080000000Z", true)]
    [InlineData("", false)]
    [InlineData("fall 1", false)]
    [InlineData("fall\n1", false)]
    [InlineData("kaatuminen-ä", false)]
    public void Ids_are_restricted_ascii(string id, bool ok) =>
        Assert.Equal(ok, UplinkLimits.IdProblem("alert_event.alert_id", id) is null);

    [Fact]
    public void A_long_id_is_refused_with_the_field_and_both_lengths()
    {
        Assert.Equal("alert_event.alert_id: 70000 characters, at most 128",
            UplinkLimits.IdProblem("alert_event.alert_id", new string('a', 70_000)));
    }

    [Fact]
    public void A_long_summary_is_cut_to_the_limit_and_marked_with_its_length()
    {
        var bounded = UplinkLimits.BoundText(new string('x', 70_000), UplinkLimits.MaxSummaryLength);

        Assert.True(bounded.Length <= UplinkLimits.MaxSummaryLength);
        Assert.EndsWith("… [cut: 70000 characters]", bounded, StringComparison.Ordinal);
        Assert.Null(UplinkLimits.TextProblem("summary", bounded, UplinkLimits.MaxSummaryLength));
    }

    [Theory]
    [InlineData("Kaatuminen havaittu: makuuhuone 😀", "Kaatuminen havaittu: makuuhuone 😀")]
    [InlineData("line one\nline two", "line one line two")]
    [InlineData("\u001b[31mred\u202e", " [31mred ")]
    public void Control_and_format_characters_become_spaces_and_text_stays_text(string text, string expected) =>
        Assert.Equal(expected, UplinkLimits.BoundText(text, UplinkLimits.MaxSummaryLength));

    [Fact]
    public void A_lone_surrogate_becomes_a_space()
    {
        // Not in InlineData: the test runner's serialisation would replace the lone half before the test saw it.
        var text = "lone " + (char)0xD800 + " half";
        Assert.NotNull(UplinkLimits.TextProblem("summary", text, UplinkLimits.MaxSummaryLength));
        Assert.Equal("lone   half", UplinkLimits.BoundText(text, UplinkLimits.MaxSummaryLength));
    }

    [Fact]
    public void An_alert_step_bounded_by_the_gateway_passes_dispatchs_checks_and_one_within_bounds_is_unchanged()
    {
        var good = new CoreAlerts.AlertEvent("fall-bedroom-20261206T080000000Z", CoreAlerts.AlertEventKind.Raised, CoreAlerts.AlertType.Fall,
            CoreAlerts.AlertPriority.Critical, "kotka-0042", "bedroom", T0, T0, 1, "Fall detected in the bedroom");
        Assert.Same(good, UplinkLimits.Bound(good));

        var bad = good with { AlertId = new string('f', 300) + "\n", SensorId = "bed room", Summary = new string('s', 70_000) };
        var bounded = UplinkLimits.Bound(bad);
        AssertWithinContract(bounded);
        Assert.Equal(bounded, UplinkLimits.Bound(bad));
        Assert.NotEqual(UplinkLimits.Bound(bad with { AlertId = new string('f', 300) + "x" }).AlertId, bounded.AlertId);
    }

    [Fact]
    [Trait("Category", "Fuzz")]
    public async Task Fuzz_whatever_the_gateway_bounds_is_within_the_contract()
    {
        var valid = new CoreEvents.SensorEvent("kotka-0042", "front_door", CoreEvents.SensorKind.Door, "open", T0, "mqtt:zigbee2mqtt/front_door")
        {
            Detail = "code=jam",
        };
        var alert = new CoreAlerts.AlertEvent("fall-bedroom-20261206T080000000Z", CoreAlerts.AlertEventKind.Raised, CoreAlerts.AlertType.Fall,
            CoreAlerts.AlertPriority.Critical, "kotka-0042", "bedroom", T0, T0, 1, "Fall detected in the bedroom");
        var report = await Fuzzer.Run(
            "uplink-limits-bound",
            5_000,
            random => (
                Event: valid with { SensorId = Mutate.Text(random, valid.SensorId), State = Mutate.Text(random, valid.State), Detail = Mutate.Text(random, valid.Detail!) },
                Alert: alert with { AlertId = Mutate.Text(random, alert.AlertId), Summary = Mutate.Text(random, alert.Summary) }),
            input =>
            {
                var e = UplinkLimits.Bound(input.Event);
                var a = UplinkLimits.Bound(input.Alert);
                var problems = new[]
                {
                    UplinkLimits.IdProblem("sensor_id", e.SensorId), UplinkLimits.TextProblem("state", e.State, UplinkLimits.MaxStateLength),
                    UplinkLimits.TextProblem("detail", e.Detail!, UplinkLimits.MaxDetailLength), UplinkLimits.IdProblem("alert_id", a.AlertId),
                    UplinkLimits.TextProblem("summary", a.Summary, UplinkLimits.MaxSummaryLength),
                }.Where(p => p is not null).ToList();
                Assert.Empty(problems);
                return ReferenceEquals(e, input.Event) && ReferenceEquals(a, input.Alert)
                    ? FuzzVerdict.Accept
                    : FuzzVerdict.Refuse("bounded: " + string.Join(", ", new[]
                    {
                        UplinkLimits.IdProblem("sensor_id", input.Event.SensorId), UplinkLimits.TextProblem("state", input.Event.State, UplinkLimits.MaxStateLength),
                        UplinkLimits.TextProblem("detail", input.Event.Detail!, UplinkLimits.MaxDetailLength),
                        UplinkLimits.IdProblem("alert_id", input.Alert.AlertId), UplinkLimits.TextProblem("summary", input.Alert.Summary, UplinkLimits.MaxSummaryLength),
                    }.Where(p => p is not null)));
            },
            input => $"{input.Event.SensorId} / {input.Alert.AlertId}",
            output);

        Assert.True(report.Refused > 0 && report.Accepted > 0, report.ToString());
    }

    private static void AssertWithinContract(CoreAlerts.AlertEvent alert)
    {
        Assert.Null(UplinkLimits.IdProblem("alert_id", alert.AlertId));
        Assert.Null(UplinkLimits.IdProblem("home_id", alert.HomeId));
        Assert.Null(UplinkLimits.IdProblem("sensor_id", alert.SensorId));
        Assert.Null(UplinkLimits.TextProblem("summary", alert.Summary, UplinkLimits.MaxSummaryLength));
    }
}
