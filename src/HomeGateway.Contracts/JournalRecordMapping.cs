using Google.Protobuf.WellKnownTypes;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Contracts.V1;

/// <summary>
/// Between the domain records and their wire form. Enum values are equal by number on both sides
/// (a test in Contracts.Tests holds them together), so the mapping is a cast.
/// </summary>
public static class JournalRecordMapping
{
    public static SensorEvent ToWire(this CoreEvents.SensorEvent e)
    {
        var wire = new SensorEvent
        {
            HomeId = e.HomeId,
            SensorId = e.SensorId,
            Kind = (SensorKind)(int)e.Kind,
            State = e.State,
            At = Timestamp.FromDateTimeOffset(e.At),
            Source = e.Source,
        };
        if (e.Value is { } value)
        {
            wire.Value = value;
        }

        if (e.BatteryPercent is { } battery)
        {
            wire.BatteryPercent = battery;
        }

        if (e.LinkQuality is { } lqi)
        {
            wire.LinkQuality = lqi;
        }

        if (e.BatteryLow is { } low)
        {
            wire.BatteryLow = low;
        }

        if (e.Detail is { } detail)
        {
            wire.Detail = detail;
        }

        return wire;
    }

    public static CoreEvents.SensorEvent ToDomain(this SensorEvent wire) =>
        new(wire.HomeId, wire.SensorId, (CoreEvents.SensorKind)(int)wire.Kind, wire.State, wire.At.ToDateTimeOffset(), wire.Source)
        {
            Value = wire.HasValue ? wire.Value : null,
            BatteryPercent = wire.HasBatteryPercent ? wire.BatteryPercent : null,
            LinkQuality = wire.HasLinkQuality ? wire.LinkQuality : null,
            BatteryLow = wire.HasBatteryLow ? wire.BatteryLow : null,
            Detail = wire.HasDetail ? wire.Detail : null,
        };

    public static AlertEvent ToWire(this CoreAlerts.AlertEvent a)
    {
        var wire = new AlertEvent
        {
            AlertId = a.AlertId,
            Kind = (AlertEventKind)(int)a.Kind,
            Type = (AlertType)(int)a.Type,
            Priority = (AlertPriority)(int)a.Priority,
            HomeId = a.HomeId,
            SensorId = a.SensorId,
            At = Timestamp.FromDateTimeOffset(a.At),
            EvidenceAt = Timestamp.FromDateTimeOffset(a.EvidenceAt),
            Count = (uint)a.Count,
            Summary = a.Summary,
        };
        wire.EvidenceSeqs.AddRange(a.EvidenceSeqs.Select(s => (ulong)s));
        return wire;
    }

    public static CoreAlerts.AlertEvent ToDomain(this AlertEvent wire) =>
        new(wire.AlertId, (CoreAlerts.AlertEventKind)(int)wire.Kind, (CoreAlerts.AlertType)(int)wire.Type,
            (CoreAlerts.AlertPriority)(int)wire.Priority, wire.HomeId, wire.SensorId, wire.At.ToDateTimeOffset(),
            wire.EvidenceAt.ToDateTimeOffset(), (int)wire.Count, wire.Summary)
        {
            EvidenceSeqs = wire.EvidenceSeqs.Select(s => (long)s).ToArray(),
        };
}
