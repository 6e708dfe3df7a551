using System.Security.Claims;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.Web;

namespace HomeGateway.Dispatch.ClientRecords;

/// <summary>How much of a client record a viewer sees.</summary>
public enum ClientRecordView
{
    /// <summary>Nothing of the record (the home id and its figures only).</summary>
    None,

    /// <summary>The address and the access instructions: what a technician needs to install and repair.</summary>
    AddressAndAccess,

    /// <summary>The whole record: address, access instructions, key holders, contacts, notes.</summary>
    Whole,
}

/// <summary>
/// Who sees what of a client record, and who changes it. One place, used by the pages and the JSON API alike:
/// <list type="table">
/// <item><term>admin</term><description>the whole record; edits it; marks "client left", undoes it, deletes the record now.</description></item>
/// <item><term>dispatcher</term><description>the whole record (home page read-only, alert page): they send the help.</description></item>
/// <item><term>care_manager</term><description>the whole record, read-only: the figures and the records are their job.</description></item>
/// <item><term>technician</term><description>address and access instructions only, and edits just those (and the contracted time).</description></item>
/// <item><term>integration token</term><description>the whole record in <c>GET /api/alerts/{id}</c>, as before the record had rows (every read audited).</description></item>
/// <item><term>anyone else (responder)</term><description>nothing here: a responder sees the record on their phone page, only for an alert asked of them.</description></item>
/// </list>
/// </summary>
internal static class ClientRecordAccess
{
    public const string Admin = "admin";
    public const string Dispatcher = "dispatcher";
    public const string Technician = "technician";

    public static ClientRecordView For(ClaimsPrincipal user) =>
        user.IsInRole(Admin) || user.IsInRole(Dispatcher) || user.IsInRole(ConsoleLayout.CareManager) || user.IsInRole(ApiTokenAuthentication.Role)
            ? ClientRecordView.Whole
            : user.IsInRole(Technician) ? ClientRecordView.AddressAndAccess : ClientRecordView.None;

    /// <summary>The home pages: those who manage homes, the care manager and the dispatcher read-only.</summary>
    public static bool MayReadHomePage(ClaimsPrincipal user) => ConsoleLayout.MayReadHomes(user) || user.IsInRole(Dispatcher);

    /// <summary>What the viewer may change: the whole record (admin), address and access (technician), or nothing.</summary>
    public static ClientRecordView MayEdit(ClaimsPrincipal user) =>
        user.IsInRole(Admin) ? ClientRecordView.Whole
        : ConsoleLayout.MayManageHomes(user) ? ClientRecordView.AddressAndAccess
        : ClientRecordView.None;

    /// <summary>"Client left the service", its undo and "delete the client record now": admins only.</summary>
    public static bool MayManageRetention(ClaimsPrincipal user) => user.IsInRole(Admin);

    /// <summary>The word the audit detail of a view uses for how much of the record was shown (never the record itself).</summary>
    public static string AuditWord(ClientRecordView view) => view switch
    {
        ClientRecordView.Whole => "client record: whole",
        ClientRecordView.AddressAndAccess => "client record: address and access",
        _ => "client record: none",
    };
}
