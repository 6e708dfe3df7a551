using System.Net;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Hosting;

/// <summary>The <c>Dispatch</c> configuration section.</summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Dispatch";

    /// <summary>Where <c>dispatch.db</c> lives. Required: there is no sensible default for where alerts are kept.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>The console and JSON API (HTTP/1.1).</summary>
    public string WebUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// The gateway endpoint: the gRPC uplink (mutual TLS with a certificate from dispatch's CA) and enrolment
    /// (<c>POST /enroll</c>, TLS and a one-time token). Always https; it may face the network.
    /// </summary>
    public string GrpcUrl { get; set; } = "https://127.0.0.1:8081";

    /// <summary>
    /// The DNS names and IP addresses gateways use to reach <see cref="GrpcUrl"/>; they go into its server
    /// certificate. Empty: the listen address (and <c>localhost</c> for a loopback one).
    /// </summary>
    public List<string> PublicNames { get; set; } = [];

    /// <summary>
    /// The gRPC API for integrations (<c>DispatchApi</c>): always https, with the same server certificate as
    /// <see cref="GrpcUrl"/>, and an API token on every call. Empty: not served (an operator turns it on for the
    /// integrations that need it).
    /// </summary>
    public string ApiUrl { get; set; } = "";

    /// <summary>How often a gateway should send a heartbeat when it has nothing else to send.</summary>
    public int HeartbeatSeconds { get; set; } = 20;

    /// <summary>Supervision of gateways: when a silent gateway is flagged offline.</summary>
    public SupervisionOptions Supervision { get; set; } = new();

    /// <summary>The dispatcher console behind its TLS proxy.</summary>
    public ConsoleOptions Console { get; set; } = new();

    /// <summary>Automatic escalation of critical alerts nobody acknowledged.</summary>
    public EscalationOptions Escalation { get; set; } = new();

    /// <summary>Where alerts are kept: SQLite in <see cref="DataDirectory"/> (default) or PostgreSQL.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>How many gateway streams may be in set-up at once, and what the others are told.</summary>
    public AdmissionOptions Admission { get; set; } = new();

    /// <summary>The client record's retention after the client left the service.</summary>
    public ClientRecordOptions ClientRecords { get; set; } = new();
}

/// <summary>The <c>Dispatch:ClientRecords</c> section.</summary>
public sealed class ClientRecordOptions
{
    /// <summary>
    /// A client record is anonymised this many days after the day the client left the service (1–3650, default 30):
    /// long enough to undo a mistaken mark and to settle the last invoices, short enough to keep no data without need.
    /// </summary>
    public int RetentionDays { get; set; } = 30;
}

/// <summary>The <c>Dispatch:Admission</c> section.</summary>
public sealed class AdmissionOptions
{
    /// <summary>
    /// Gateway streams in set-up (from the call's arrival to Welcome: the certificate and store look-ups, the stored
    /// hello) at once on this node; a stream beyond it is refused at once with UNAVAILABLE and a retry hint (1–10000).
    /// </summary>
    public int MaxConcurrentSetups { get; set; } = 64;

    /// <summary>
    /// TLS handshakes in progress at once on the gateway endpoint; a connection beyond it is closed at once, before TLS,
    /// and the gateway tries again within seconds (1–10000).
    /// </summary>
    public int MaxConcurrentHandshakes { get; set; } = 64;
}

/// <summary>The <c>Dispatch:Console</c> section.</summary>
public sealed class ConsoleOptions
{
    /// <summary>
    /// A TLS proxy on this machine terminates https for the console: honour its <c>X-Forwarded-Proto</c> (from
    /// loopback only), so cookies carry <c>Secure</c> and dispatch knows the browser's scheme. Off by default: without a
    /// proxy anyone who can reach the port could claim https.
    /// </summary>
    public bool TrustedProxy { get; set; }
}

/// <summary>The <c>Dispatch:Escalation</c> section.</summary>
public sealed class EscalationOptions
{
    /// <summary>A critical alert not acknowledged this many minutes after dispatch received it is escalated visibly (1–1440).</summary>
    public int CriticalUnacknowledgedMinutes { get; set; } = 5;
}

/// <summary>The <c>Dispatch:Supervision</c> section.</summary>
public sealed class SupervisionOptions
{
    /// <summary>The shortest reporting time alarm standards use for a monitored path.</summary>
    public const int MinReportingSeconds = 20;

    /// <summary>
    /// A gateway with no message (hello, record, heartbeat) for this long is raised as "gateway offline".
    /// Alarm-transmission practice uses 20 s to 180 s for monitored paths; 90 s is our default.
    /// </summary>
    public int ReportingSeconds { get; set; } = 90;
}

/// <summary>
/// Refuses to start on a configuration that would be unsafe or would fail later: the console is plain http and
/// so loopback only (console passwords travel in it; put a TLS proxy in front); the gateway endpoint is always TLS.
/// </summary>
internal sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            problems.Add("Dispatch:DataDirectory is required (the directory that holds dispatch.db).");
        }

        options.Store.Validate(problems);

        CheckEndpoint("Dispatch:WebUrl", options.WebUrl, Uri.UriSchemeHttp, problems);
        CheckEndpoint("Dispatch:GrpcUrl", options.GrpcUrl, Uri.UriSchemeHttps, problems);
        if (options.ApiUrl.Length > 0)
        {
            CheckEndpoint("Dispatch:ApiUrl", options.ApiUrl, Uri.UriSchemeHttps, problems);
        }
        if (options.PublicNames.Count == 0 && ListenAddress.TryParse(options.GrpcUrl, Uri.UriSchemeHttps, out var grpc, out _)
            && (grpc.Address.Equals(IPAddress.Any) || grpc.Address.Equals(IPAddress.IPv6Any)))
        {
            problems.Add($"Dispatch:PublicNames is required when Dispatch:GrpcUrl ({options.GrpcUrl}) listens on every address: "
                + "the names gateways use to reach dispatch go into its certificate.");
        }

        foreach (var publicName in options.PublicNames)
        {
            if (Uri.CheckHostName(publicName) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                problems.Add($"Dispatch:PublicNames: '{publicName}' is not a DNS name or an IP address.");
            }
        }

        if (options.HeartbeatSeconds is < 5 or > 3600)
        {
            problems.Add($"Dispatch:HeartbeatSeconds must be between 5 and 3600, not {options.HeartbeatSeconds}.");
        }

        var reporting = options.Supervision.ReportingSeconds;
        if (reporting is < SupervisionOptions.MinReportingSeconds or > 86_400)
        {
            problems.Add(
                $"Dispatch:Supervision:ReportingSeconds must be between {SupervisionOptions.MinReportingSeconds} and 86400, not {reporting}.");
        }
        else if (options.HeartbeatSeconds * 2 > reporting)
        {
            // One late or lost heartbeat must not flag a healthy gateway: at least two fit in the reporting time.
            problems.Add(
                $"Dispatch:HeartbeatSeconds ({options.HeartbeatSeconds}) must be at most half of " +
                $"Dispatch:Supervision:ReportingSeconds ({reporting}), so that one late heartbeat does not raise \"gateway offline\".");
        }

        if (options.Escalation.CriticalUnacknowledgedMinutes is < 1 or > 1440)
        {
            problems.Add(
                $"Dispatch:Escalation:CriticalUnacknowledgedMinutes must be between 1 and 1440, not {options.Escalation.CriticalUnacknowledgedMinutes}.");
        }

        if (options.ClientRecords.RetentionDays is < 1 or > 3650)
        {
            problems.Add($"Dispatch:ClientRecords:RetentionDays must be between 1 and 3650, not {options.ClientRecords.RetentionDays}.");
        }

        if (options.Admission.MaxConcurrentSetups is < 1 or > 10_000)
        {
            problems.Add($"Dispatch:Admission:MaxConcurrentSetups must be between 1 and 10000, not {options.Admission.MaxConcurrentSetups}.");
        }

        if (options.Admission.MaxConcurrentHandshakes is < 1 or > 10_000)
        {
            problems.Add($"Dispatch:Admission:MaxConcurrentHandshakes must be between 1 and 10000, not {options.Admission.MaxConcurrentHandshakes}.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void CheckEndpoint(string key, string url, string scheme, List<string> problems)
    {
        if (!ListenAddress.TryParse(url, scheme, out var address, out var problem))
        {
            problems.Add($"{key}: {problem}");
            return;
        }

        if (scheme == Uri.UriSchemeHttp && !IPAddress.IsLoopback(address.Address))
        {
            problems.Add(
                $"{key} = {url} binds a non-loopback address over plain http; the console and API listen on loopback " +
                "only (127.0.0.1, [::1] or localhost): put a TLS proxy in front to reach them from elsewhere.");
        }
    }
}

/// <summary>A parsed <c>http(s)://host:port</c> listen URL.</summary>
internal sealed record ListenAddress(IPAddress Address, int Port, string Host)
{
    public static bool TryParse(string url, string scheme, out ListenAddress address, out string problem)
    {
        address = new ListenAddress(IPAddress.Loopback, 0, "127.0.0.1");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            problem = $"'{url}' is not a URL like {scheme}://127.0.0.1:8080.";
            return false;
        }

        if (uri.Scheme != scheme)
        {
            problem = scheme == Uri.UriSchemeHttps
                ? $"'{url}': the gateway and API endpoints are always TLS: use https://."
                : $"'{url}': the console and API listen on plain http:// on loopback (put a TLS proxy in front).";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            problem = $"'{url}': a listen URL has no path.";
            return false;
        }

        IPAddress ip;
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel cannot bind "localhost" to port 0; 127.0.0.1 is what localhost means here.
            ip = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host, out ip!))
        {
            problem = $"'{url}': use an IP address or localhost, not a host name.";
            return false;
        }

        address = new ListenAddress(ip, uri.Port, uri.Host);
        problem = "";
        return true;
    }
}
