using HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.DispatcherConsole.Reports;

/// <summary>Whether an alert asks for help at the client (care) or for a technician (technical).</summary>
public enum AlertCategory
{
    Care,
    Technical,
}

/// <summary>
/// The care / technical split of the response-time figures. The contracted response time is about help reaching a
/// client, so only care alerts are judged against it; technical alerts (the equipment, not the client) are reported
/// beside them with their own times. Every <see cref="AlertType"/> is listed here on purpose, and a test checks that
/// none is missing, so a new type is classified by a person and not by a default.
/// </summary>
public static class AlertCategories
{
    /// <summary>Each alert type and its category.</summary>
    public static IReadOnlyDictionary<AlertType, AlertCategory> Classified { get; } = new Dictionary<AlertType, AlertCategory>
    {
        // Unknown: a type this dispatch cannot name (a newer gateway). Counted as care: a missed call for help must
        // never vanish from the contract figures because of a version difference.
        [AlertType.Unknown] = AlertCategory.Care,
        [AlertType.Fall] = AlertCategory.Care,
        [AlertType.Help] = AlertCategory.Care,
        [AlertType.DoorLeftOpen] = AlertCategory.Care,
        [AlertType.NightExit] = AlertCategory.Care,
        [AlertType.Inactivity] = AlertCategory.Care,
        [AlertType.BedNotReturned] = AlertCategory.Care,
        [AlertType.MissedDose] = AlertCategory.Care,
        [AlertType.Smoke] = AlertCategory.Care,
        [AlertType.WaterLeak] = AlertCategory.Care,
        [AlertType.Temperature] = AlertCategory.Care,
        [AlertType.Gas] = AlertCategory.Care,
        [AlertType.CarbonMonoxide] = AlertCategory.Care,
        // A home without power (cold, medical devices, no lights at night) is a reason to go and see the client.
        [AlertType.PowerFailure] = AlertCategory.Care,
        // The equipment itself: a silent sensor, a low battery, the gateway's own health (offline, telemetry), the missed
        // daily test, a device opened or taken off the wall. A technician answers these, on no contracted time.
        [AlertType.SensorOffline] = AlertCategory.Technical,
        [AlertType.BatteryLow] = AlertCategory.Technical,
        [AlertType.GatewayHealth] = AlertCategory.Technical,
        [AlertType.DailyTest] = AlertCategory.Technical,
        [AlertType.Tamper] = AlertCategory.Technical,
    };

    /// <summary>The category of <paramref name="type"/>; a number no dispatch version names counts as care (see <see cref="AlertType.Unknown"/>).</summary>
    public static AlertCategory Of(AlertType type) => Classified.GetValueOrDefault(type, AlertCategory.Care);

    /// <summary>The CSV and query word: <c>care</c> or <c>technical</c>.</summary>
    public static string ToName(AlertCategory category) => category == AlertCategory.Technical ? "technical" : "care";
}
