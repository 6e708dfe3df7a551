using System.Globalization;
using System.Text.Json;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Extensions.Localization;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>The queue script's words in the reader's language, as one JSON object the page carries in a data attribute.</summary>
internal static class QueueScriptWords
{
    private static readonly string[] Keys =
    [
        "Acknowledge", "Live", "LoadFailed", "Reconnecting", "Escalated", "EscalatedByGateway", "AssignedTo", "Overdue", "DueIn",
        "SensorDetail", "NotificationsOn", "NotificationsDenied", "Notifications", "NewAlert", "Outage",
        "OutageSince", "OutageBack", "AcknowledgeAll", "AcknowledgeFailed", "Priority", "Alert", "Home", "Age", "ResponseDue",
        "Status", "Acknowledged",
    ];

    public static string Json(IStringLocalizer words, CultureInfo culture)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["culture"] = culture.Name,
            // Who an escalation is by when the gateway's rules escalated it (as the store records it).
            ["gatewayActor"] = Store.DispatchStore.GatewayActor,
            ["statuses"] = new Dictionary<string, string> { ["open"] = words["Open"], ["cleared"] = words["Cleared"] },
            ["priorities"] = new Dictionary<string, string>
            {
                ["critical"] = words["Critical"],
                ["high"] = words["High"],
                ["normal"] = words["Normal"],
                ["low"] = words["Low"],
            },
            ["types"] = AlertWording.TypeNames(culture),
            ["templates"] = AlertWording.Templates(culture),
            ["responder"] = ResponderQueueWords.For(culture),
        };
        foreach (var key in Keys)
        {
            data[char.ToLowerInvariant(key[0]) + key[1..]] = words[key].Value;
        }

        return JsonSerializer.Serialize(data);
    }
}
