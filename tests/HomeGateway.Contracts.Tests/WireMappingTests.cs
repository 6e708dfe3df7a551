using Google.Protobuf;
using HomeGateway.Contracts.V1;
using Core = HomeGateway.Core;

namespace HomeGateway.Contracts.Tests;

/// <summary>Guards: the wire enums and the domain enums are one set of numbers, and records survive the round trip.</summary>
public class WireMappingTests
{
    [Fact]
    public void Every_domain_enum_value_has_the_same_number_on_the_wire()
    {
        AssertSameNumbers<Core.Events.SensorKind, SensorKind>();
        AssertSameNumbers<Core.Alerts.AlertType, AlertType>();
        AssertSameNumbers<Core.Alerts.AlertPriority, AlertPriority>();
        AssertSameNumbers<Core.Alerts.AlertEventKind, AlertEventKind>();
    }

    [Fact]
    public void A_sensor_event_survives_the_wire_with_and_without_optional_fields()
    {
        var at = new DateTimeOffset(2026, 11, 25, 7, 30, 1, 123, TimeSpan.Zero);
        var full = new Core.Events.SensorEvent("kotka-0042", "front_door", Core.Events.SensorKind.Door, "open", at, "mqtt:zigbee2mqtt/front_door")
        {
            BatteryPercent = 87,
            LinkQuality = 120,
            Value = 21.5,
            BatteryLow = true,
            Detail = "code=jam",
        };
        var bare = full with { BatteryPercent = null, LinkQuality = null, Value = null, BatteryLow = null, Detail = null };

        Assert.Equal(full, RoundTrip(full));
        Assert.Equal(bare, RoundTrip(bare));
    }

    [Fact]
    public void An_alert_event_survives_the_wire()
    {
        var at = new DateTimeOffset(2026, 11, 25, 7, 30, 1, 123, TimeSpan.Zero);
        var alert = new Core.Alerts.AlertEvent("fall-radar-20261125T073001123Z", Core.Alerts.AlertEventKind.Repeated, Core.Alerts.AlertType.Fall,
            Core.Alerts.AlertPriority.Critical, "kotka-0042", "radar", at, at.AddSeconds(-1), 3, "Fall detected by radar")
        { EvidenceSeqs = [41, 42] };

        var wire = JournalRecord.Parser.ParseFrom(new JournalRecord { Seq = 43, AlertEvent = alert.ToWire() }.ToByteArray());
        var back = wire.AlertEvent.ToDomain();

        Assert.Equal(alert with { EvidenceSeqs = [] }, back with { EvidenceSeqs = [] });
        Assert.Equal(alert.EvidenceSeqs, back.EvidenceSeqs);
        Assert.Equal(43UL, wire.Seq);
    }

    private static Core.Events.SensorEvent RoundTrip(Core.Events.SensorEvent e) =>
        JournalRecord.Parser.ParseFrom(new JournalRecord { SensorEvent = e.ToWire() }.ToByteArray()).SensorEvent.ToDomain();

    private static void AssertSameNumbers<TDomain, TWire>()
        where TDomain : struct, Enum
        where TWire : struct, Enum
    {
        var domain = Enum.GetValues<TDomain>().Select(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        var wire = Enum.GetValues<TWire>().Select(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(domain, wire);
    }
}
