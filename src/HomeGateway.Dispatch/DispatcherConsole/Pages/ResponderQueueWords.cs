using System.Globalization;
using System.Resources;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// What the queue script says about a row's latest responder request, in the reader's language: a template per state
/// (<c>{0}</c> whom, or who accepted; <c>{1}</c> a time or the proposed outcome) and the outcomes' words.
/// </summary>
internal static class ResponderQueueWords
{
    private static readonly string[] States = ["asked", "accepted", "on_the_way", "arrived", "done", "not_accepted", "declined", "withdrawn"];

    public static Dictionary<string, object> For(CultureInfo culture)
    {
        var resources = new ResourceManager(typeof(ResponderRequests));
        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["states"] = States.ToDictionary(s => s, s => resources.GetString("Queue_" + s, culture) ?? s, StringComparer.Ordinal),
            ["outcomes"] = ResolutionOutcomes.All.ToDictionary(ResolutionOutcomes.ToName, o => AlertWords.Outcome(o, culture), StringComparer.Ordinal),
        };
    }
}
