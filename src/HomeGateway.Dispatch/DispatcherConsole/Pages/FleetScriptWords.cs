using System.Globalization;
using System.Text.Json;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Extensions.Localization;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// The fleet script's words in the reader's language (unformatted: it fills <c>{0}</c>… itself), one JSON object the
/// page carries in a data attribute, with the culture and the low-battery limit the summary names.
/// </summary>
internal static class FleetScriptWords
{
    private static readonly string[] FleetKeys =
        ["Summary", "Online", "OfflineSince", "NotYetConnected", "AllSensorsFine", "SensorOffline", "BatteryAt", "BatteryLow"];

    private static readonly string[] GatewayKeys = ["NoCertificate", "CertificateExpired", "CertificateValid", "NoneRegistered"];

    public static string Json(IStringLocalizer<FleetPage> fleet, IStringLocalizer<GatewaysPage> gateways, IStringLocalizer<ConsoleText> text, CultureInfo culture)
    {
        var words = FleetKeys.Select(key => (Key: key, fleet[key].Value))
            .Concat(GatewayKeys.Select(key => (Key: key, gateways[key].Value)))
            .Append((Key: "Never", text["Never"].Value))
            .ToDictionary(w => char.ToLowerInvariant(w.Key[0]) + w.Key[1..], w => w.Value, StringComparer.Ordinal);
        return JsonSerializer.Serialize(new { culture = culture.Name, lowBatteryPercent = ConsoleFleet.LowBatteryPercent, words });
    }
}
