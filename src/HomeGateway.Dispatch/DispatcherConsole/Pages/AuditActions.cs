using System.Globalization;
using System.Resources;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// The audit trail's actions in the reader's language (<c>AuditActions.resx</c>, keys = the stored action names:
/// every action the store, the console and the API write). The stored name stays the record (filters and
/// <c>data-action</c> keep it); one without a word (added later) is shown as stored.
/// </summary>
public static class AuditActions
{
    private static readonly ResourceManager Resources = new(typeof(AuditActions));

    /// <summary>The action in words, in <paramref name="culture"/> (by default the request's).</summary>
    public static string Word(string action, CultureInfo? culture = null) =>
        Resources.GetString(action, culture ?? CultureInfo.CurrentUICulture) ?? action;
}
