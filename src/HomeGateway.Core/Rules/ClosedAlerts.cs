using HomeGateway.Core.Alerts;

namespace HomeGateway.Core.Rules;

/// <summary>
/// For <see cref="Rule.Close"/>: finds a rule's open alert by the id dispatch resolved. Rules keep their open alerts per
/// sensor (or per door, bed, ...), not per alert id; a home has a handful, so a pass over them is cheap.
/// </summary>
internal static class ClosedAlerts
{
    /// <summary>Removes the entry whose alert has this id (at most one); true when there was one.</summary>
    public static bool Remove<T>(Dictionary<string, T> entries, string alertId, Func<T, AlertEvent?> alertOf)
    {
        foreach (var (key, entry) in entries)
        {
            if (alertOf(entry)?.AlertId == alertId)
            {
                entries.Remove(key);
                return true;
            }
        }

        return false;
    }

    /// <summary>Replaces the entry whose alert has this id; true when there was one.</summary>
    public static bool Replace<T>(Dictionary<string, T> entries, string alertId, Func<T, AlertEvent?> alertOf, Func<T, T> closed)
    {
        foreach (var (key, entry) in entries)
        {
            if (alertOf(entry)?.AlertId == alertId)
            {
                entries[key] = closed(entry);
                return true;
            }
        }

        return false;
    }
}
